# expect: zero_array_output, off_by_one
# function: convolve1d
import numpy as np
from scipy.signal import correlate2d


def convolve(image, kernel):
    return correlate2d(image, kernel, "valid")


def convolve1d(signal, kernel):
    n = len(signal)
    result = np.zeros(n)
    for i in range(n - len(kernel)):
        result[i] = np.sum(signal[i:i + len(kernel)] * kernel)
    return result
