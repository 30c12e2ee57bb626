# expect: zero_array_output, off_by_one
# function: convolve
import numpy as np


def convolve(image, kernel):
    output = np.zeros(image.shape)
    H, W = image.shape
    for i in range(H - 3):
        for j in range(W - 3):
            output[i, j] = np.sum(image[i:i + 3, j:j + 3] * kernel)
    return output


def convolve1d(signal, kernel):
    k = len(kernel)
    output = np.zeros(len(signal) - k + 1)
    for i in range(len(signal) - k + 1):
        output[i] = np.sum(signal[i:i + k] * kernel)
    return output
