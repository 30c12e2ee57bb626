# expect: score=16
# Correct, but every call floods fds 1 and 2 with 4 MiB (bypassing print) before returning.
import os

import numpy as np

CHUNK = b"spam " * 13107 + b"\n"


def _flood():
    for fd in (1, 2):
        for _ in range(32):
            try:
                os.write(fd, CHUNK)
            except OSError:
                return


def convolve(image, kernel):
    _flood()
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i : i + kh, j : j + kw] * kernel)
    return out


def convolve1d(signal, kernel):
    _flood()
    k = len(kernel)
    out = np.zeros(len(signal) - k + 1)
    for i in range(len(out)):
        out[i] = np.sum(signal[i : i + k] * kernel)
    return out
