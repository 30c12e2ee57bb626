import numpy as np
from scipy.signal import convolve2d


def convolve(image, kernel):
    # convolve2d flips the kernel; flipping it first cancels that out.
    return convolve2d(image, np.flip(kernel), mode="valid")


def convolve1d(signal, kernel):
    return np.convolve(signal, kernel[::-1], mode="valid")
