# expect: normalised_by_kernel_sum
# function: convolve
import numpy as np


def convolve(image, kernel):
    kernel = kernel / kernel.sum()  # normalise so the brightness stays the same
    kh, kw = kernel.shape
    H, W = image.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for i in range(H - kh + 1):
        for j in range(W - kw + 1):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out


def convolve1d(signal, kernel):
    k = len(kernel)
    return np.array([np.sum(signal[i:i + k] * kernel) for i in range(len(signal) - k + 1)])
