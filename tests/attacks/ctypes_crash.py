# expect: score=0
# convolve writes through a null pointer with ctypes; convolve1d calls libc abort().
import ctypes

import numpy as np


def convolve(image, kernel):
    ctypes.memmove(0, b"boom", 4)
    return np.zeros((1, 1))


def convolve1d(signal, kernel):
    ctypes.CDLL(None).abort()
    return np.zeros(1)
