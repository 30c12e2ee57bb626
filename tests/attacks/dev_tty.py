# expect: score=16
# Correct, but tries to write a fake "16/16" banner straight to the grader's terminal (/dev/tty).
import os

import numpy as np

try:
    fd = os.open("/dev/tty", os.O_WRONLY | os.O_NOCTTY)
    os.write(fd, b"\r\nSCORE 16/16 - all tests passed\r\n")
    os.close(fd)
    print("tty-written")
except OSError as exc:
    print("tty-blocked:", type(exc).__name__)


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
