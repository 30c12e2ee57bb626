# expect: score=0
# convolve returns a 10**9-element broadcast view; convolve1d a 0-stride 10**5 x 10**5 view.
import numpy as np
from numpy.lib.stride_tricks import as_strided


def convolve(image, kernel):
    return np.broadcast_to(np.float64(1.0), (10**9,))


def convolve1d(signal, kernel):
    return as_strided(np.zeros(1), shape=(10**5, 10**5), strides=(0, 0))
