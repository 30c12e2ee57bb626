# expect: score=5
# convolve lifts the recursion limit and recurses through functools.reduce (C stack overflow).
import functools
import sys

import numpy as np

sys.setrecursionlimit(10**8)


def _window_sum(depth):
    return functools.reduce(lambda acc, _: acc + _window_sum(depth + 1), [0.0, 1.0])


def convolve(image, kernel):
    _window_sum(0)
    kh, kw = kernel.shape
    return np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))


def convolve1d(signal, kernel):
    k = len(kernel)
    out = np.zeros(len(signal) - k + 1)
    for i in range(len(out)):
        out[i] = np.sum(signal[i : i + k] * kernel)
    return out
