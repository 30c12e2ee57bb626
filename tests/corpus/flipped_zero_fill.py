# expect: flipped_kernel, zero_array_output
# function: convolve
import numpy as np


def convolve(image, kernel):
    kernel = np.flip(kernel)
    output = np.zeros(image.shape)
    for i in range(image.shape[0] - 2):
        for j in range(image.shape[1] - 2):
            output[i, j] = np.sum(image[i:i + 3, j:j + 3] * kernel)
    return output


def convolve1d(signal, kernel):
    k = len(kernel)
    return np.array([np.sum(signal[i:i + k] * kernel) for i in range(len(signal) - k + 1)])
