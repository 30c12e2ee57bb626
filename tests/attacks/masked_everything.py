# expect: score=5
# convolve returns a masked array with every cell masked (garbage under it); convolve1d is right.
import numpy as np


def convolve(image, kernel):
    kh, kw = kernel.shape
    shape = (image.shape[0] - kh + 1, image.shape[1] - kw + 1)
    return np.ma.masked_array(np.full(shape, -1.0), mask=np.ones(shape, dtype=bool))


def convolve1d(signal, kernel):
    k = len(kernel)
    out = np.zeros(len(signal) - k + 1)
    for i in range(len(out)):
        out[i] = np.sum(signal[i : i + k] * kernel)
    return out
