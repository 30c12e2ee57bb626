# expect: score=0
# convolve is right but for one NaN cell (NaN compares false to all); convolve1d returns inf.
import numpy as np


def convolve(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i : i + kh, j : j + kw] * kernel)
    out[-1, -1] = np.nan
    return out


def convolve1d(signal, kernel):
    return np.full(len(signal) - len(kernel) + 1, np.inf)
