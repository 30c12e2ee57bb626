# expect: zero_array_output
# function: convolve1d
import numpy as np
from scipy.signal import correlate2d


def convolve(image, kernel):
    return correlate2d(image, kernel, "valid")


def convolve1d(signal, kernel):
    output = np.zeros(len(signal))
    k = len(kernel)
    for i in range(len(signal) - k + 1):
        output[i] = np.sum(signal[i:i + k] * kernel)
    return output
