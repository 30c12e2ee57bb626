# expect: rows_cols_mixed
# function: convolve
# only: wide
import numpy as np


def convolve(image, kernel):
    n = image.shape[0]  # size of the image
    k = kernel.shape[0]
    out = np.zeros((n - k + 1, n - k + 1))
    for i in range(n - k + 1):
        for j in range(n - k + 1):
            out[i, j] = np.sum(image[i:i + k, j:j + k] * kernel)
    return out


def convolve1d(signal, kernel):
    k = len(kernel)
    out = np.zeros(len(signal) - k + 1)
    for i in range(len(out)):
        out[i] = np.sum(signal[i:i + k] * kernel)
    return out
