# expect: modified_input
# function: convolve
import numpy as np
from scipy.signal import convolve2d


def convolve(image, kernel):
    # convolve2d flips the kernel, so flip it first to undo that.
    kernel[:] = kernel[::-1, ::-1]
    return convolve2d(image, kernel, mode="valid")


def convolve1d(signal, kernel):
    return np.correlate(signal, kernel, "valid")
