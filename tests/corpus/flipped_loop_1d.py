# expect: flipped_kernel
# function: convolve1d
import numpy as np
from scipy.signal import correlate2d


def convolve(image, kernel):
    return correlate2d(image, kernel, "valid")


def convolve1d(signal, kernel):
    k = len(kernel)
    out = np.zeros(len(signal) - k + 1)
    for i in range(len(out)):
        for m in range(k):
            out[i] += signal[i + m] * kernel[k - 1 - m]
    return out
