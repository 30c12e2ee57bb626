# expect: score=5
# convolve closes every file descriptor in /proc/self/fd (stdio and the grader's pipes).
import contextlib
import os

import numpy as np


def convolve(image, kernel):
    for name in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            os.close(int(name))
    kh, kw = kernel.shape
    return np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))


def convolve1d(signal, kernel):
    k = len(kernel)
    out = np.zeros(len(signal) - k + 1)
    for i in range(len(out)):
        out[i] = np.sum(signal[i : i + k] * kernel)
    return out
