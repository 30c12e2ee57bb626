import numpy as np
from scipy.signal import correlate2d


def convolve(image, kernel):
    return correlate2d(image, kernel, mode="valid")


def convolve1d(signal, kernel):
    return np.correlate(signal, kernel, mode="valid")
