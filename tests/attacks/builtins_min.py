# expect: score=5
# Replaces builtins.min with a stub returning 0; convolve returns zeros, convolve1d is right.
import builtins

import numpy as np

builtins.min = lambda *args, **kwargs: 0


def convolve(image, kernel):
    kh, kw = kernel.shape
    return np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))


def convolve1d(signal, kernel):
    k = len(kernel)
    out = np.zeros(len(signal) - k + 1)
    for i in range(len(out)):
        out[i] = np.sum(signal[i : i + k] * kernel)
    return out
