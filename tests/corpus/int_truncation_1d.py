# expect: int_truncation
# function: convolve1d
# only: fractional
import numpy as np
from scipy.signal import correlate2d


def convolve(image, kernel):
    return correlate2d(image, kernel, "valid")


def convolve1d(signal, kernel):
    k = len(kernel)
    out = np.zeros(len(signal) - k + 1, dtype=np.int64)
    for i in range(len(out)):
        out[i] = np.sum(signal[i:i + k] * kernel)
    return out
