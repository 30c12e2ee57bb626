import numpy as np


def convolve(image, kernel):
    H, W = image.shape
    kh, kw = kernel.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    i = 0
    while i < H - kh + 1:
        j = 0
        while j < W - kw + 1:
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
            j += 1
        # forgot: i += 1
    return out


def convolve1d(signal, kernel):
    k = len(kernel)
    out = np.zeros(len(signal) - k + 1)
    i = 0
    while i < len(out):
        out[i] = np.sum(signal[i:i + k] * kernel)
        i += 1
    return out
