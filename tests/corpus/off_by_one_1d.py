# expect: off_by_one
# function: convolve1d
import numpy as np
from scipy.signal import correlate2d


def convolve(image, kernel):
    return correlate2d(image, kernel, "valid")


def convolve1d(signal, kernel):
    n, k = len(signal), len(kernel)
    out = []
    for i in range(n - k):
        out.append(sum(signal[i + m] * kernel[m] for m in range(k)))
    return np.array(out, dtype=float)
