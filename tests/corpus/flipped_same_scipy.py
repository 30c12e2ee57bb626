# expect: flipped_kernel, same_padding
# function: convolve
import numpy as np
from scipy import signal as sps


def convolve(image, kernel):
    return sps.convolve2d(image, kernel, mode="same")


def convolve1d(signal, kernel):
    return np.correlate(signal, kernel, "valid")
