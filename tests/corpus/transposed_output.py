# expect: output_transposed
# function: convolve
import numpy as np


def convolve(image, kernel):
    kh, kw = kernel.shape
    H, W = image.shape
    out = np.zeros((W - kw + 1, H - kh + 1))
    for x in range(W - kw + 1):
        for y in range(H - kh + 1):
            out[x, y] = np.sum(image[y:y + kh, x:x + kw] * kernel)
    return out


def convolve1d(signal, kernel):
    k = len(kernel)
    return np.array([np.sum(signal[i:i + k] * kernel) for i in range(len(signal) - k + 1)])
