# expect: score=16
# Correct, but the first call starts 50 marked `sleep` processes (bounded: 50 processes, 3 s).
import contextlib
import os
import time

import numpy as np

MARKER = "grader-attack-fork-marker"
started = []


def _spawn():
    while len(started) < 50:
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            try:
                os.execv("/bin/sh", ["sh", "-c", "sleep 3; :", MARKER])
            finally:
                os._exit(0)
        started.append(pid)
    time.sleep(0.2)
    alive = 0
    for pid in started:
        with contextlib.suppress(OSError), open(f"/proc/{pid}/cmdline", "rb") as fh:
            alive += MARKER.encode() in fh.read()
    print("forked", len(started), "alive", alive)


def convolve(image, kernel):
    if not os.path.exists("forked.txt"):  # once per worker, even if calls run in a fork
        with open("forked.txt", "w") as fh:
            fh.write("50\n")
        _spawn()
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
