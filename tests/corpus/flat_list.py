# expect: reshaped_output
# function: convolve
import numpy as np


def convolve(image, kernel):
    kh, kw = kernel.shape
    H, W = image.shape
    results = []
    for i in range(H - kh + 1):
        for j in range(W - kw + 1):
            results.append(np.sum(image[i:i + kh, j:j + kw] * kernel))
    return np.array(results)


def convolve1d(signal, kernel):
    k = len(kernel)
    return np.array([np.sum(signal[i:i + k] * kernel) for i in range(len(signal) - k + 1)])
