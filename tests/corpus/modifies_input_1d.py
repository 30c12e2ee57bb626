# expect: modified_input
# function: convolve1d
import numpy as np
from scipy.signal import correlate2d


def convolve(image, kernel):
    return correlate2d(image, kernel, "valid")


def convolve1d(signal, kernel):
    kernel[:] = kernel[::-1]  # np.convolve flips it back
    return np.convolve(signal, kernel, mode="valid")
