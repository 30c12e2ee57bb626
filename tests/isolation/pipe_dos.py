# expect: score=0
# Shrinks its pipes to one page and then never reads again: the grader must not hang, and the
# whole file must stay within the submission's time limit.
import fcntl
import time

F_SETPIPE_SZ = 1031
for fd in range(0, 64):
    try:
        fcntl.fcntl(fd, F_SETPIPE_SZ, 4096)
    except OSError:
        pass


def convolve(image, kernel):
    time.sleep(60)


def convolve1d(signal, kernel):
    time.sleep(60)
