# expect: floored
# function: convolve
# only: fractional_negative
import numpy as np


def convolve(image, kernel):
    kh, kw = kernel.shape
    H, W = image.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for i in range(H - kh + 1):
        for j in range(W - kw + 1):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel) // 1
    return out


def convolve1d(signal, kernel):
    k = len(kernel)
    return np.array([np.sum(signal[i:i + k] * kernel) for i in range(len(signal) - k + 1)])
