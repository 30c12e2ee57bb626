import numpy as np


def convolve(image, kernel):
    kh, kw = kernel.shape
    H, W = image.shape
    return np.array([[float(np.sum(image[i:i + kh, j:j + kw] * kernel))
                      for j in range(W - kw + 1)]
                     for i in range(H - kh + 1)])


def convolve1d(signal, kernel):
    k = len(kernel)
    return np.array([float(np.sum(signal[i:i + k] * kernel))
                     for i in range(len(signal) - k + 1)])
