# expect: score=16
# Correct by delegation: scipy.signal.correlate2d and np.correlate in 'valid' mode.
import numpy as np
from scipy.signal import correlate2d


def convolve(image, kernel):
    return correlate2d(image.astype(float), kernel.astype(float), mode="valid")


def convolve1d(signal, kernel):
    return np.correlate(signal.astype(float), kernel.astype(float), mode="valid")
