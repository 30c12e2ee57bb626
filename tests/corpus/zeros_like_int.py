# expect: zero_array_output
# expect-if int_image+fractional: int_truncation
# function: convolve
import numpy as np


def convolve(image, kernel):
    output = np.zeros_like(image)
    kh, kw = kernel.shape
    for i in range(image.shape[0] - kh + 1):
        for j in range(image.shape[1] - kw + 1):
            output[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return output


def convolve1d(signal, kernel):
    k = len(kernel)
    return np.array([np.sum(signal[i:i + k] * kernel) for i in range(len(signal) - k + 1)])
