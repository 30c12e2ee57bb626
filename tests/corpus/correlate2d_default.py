# expect: full_output
# function: convolve
import numpy as np
import scipy.signal


def convolve(image, kernel):
    return scipy.signal.correlate2d(image, kernel)


def convolve1d(signal, kernel):
    return np.correlate(signal, kernel)
