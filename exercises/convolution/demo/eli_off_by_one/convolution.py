import numpy as np


def convolve(image, kernel):
    H, W = image.shape
    out = np.zeros(image.shape)
    for i in range(H - 3):
        for j in range(W - 3):
            out[i, j] = np.sum(image[i:i + 3, j:j + 3] * kernel)
    return out


def convolve1d(signal, kernel):
    k = len(kernel)
    out = np.zeros(signal.shape)
    for i in range(len(signal) - k):
        out[i] = np.sum(signal[i:i + k] * kernel)
    return out
