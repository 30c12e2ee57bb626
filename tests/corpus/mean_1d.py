# expect: mean_instead_of_sum
# function: convolve1d
import numpy as np
from scipy.signal import correlate2d


def convolve(image, kernel):
    return correlate2d(image, kernel, "valid")


def convolve1d(signal, kernel):
    k = len(kernel)
    return np.array([np.mean(signal[i:i + k] * kernel) for i in range(len(signal) - k + 1)])
