# expect: same_padding
# function: convolve
# only: odd_kernel
import numpy as np


def convolve(image, kernel):
    kh, kw = kernel.shape
    padded = np.pad(image.astype(float), ((kh // 2, kh // 2), (kw // 2, kw // 2)))
    H, W = image.shape
    out = np.zeros((H, W))
    for i in range(H):
        for j in range(W):
            out[i, j] = np.sum(padded[i:i + kh, j:j + kw] * kernel)
    return out


def convolve1d(signal, kernel):
    k = len(kernel)
    out = np.zeros(len(signal) - k + 1)
    for i in range(len(out)):
        out[i] = np.sum(signal[i:i + k] * kernel)
    return out
