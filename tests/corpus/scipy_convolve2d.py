# expect: flipped_kernel
# function: convolve
import numpy as np
from scipy.signal import convolve2d


def convolve(image, kernel):
    return convolve2d(image, kernel, mode="valid")


def convolve1d(signal, kernel):
    return np.correlate(signal, kernel, mode="valid")
