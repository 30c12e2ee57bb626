import numpy as np


def convolve(image, kernel):
    """Peels off the first row, then recurses on the rest."""
    rest = convolve(image[1:], kernel)
    return rest


def convolve1d(signal, kernel):
    k = len(kernel)
    out = np.zeros(len(signal) - k + 1)
    for i in range(len(out)):
        out[i] = np.sum(signal[i:i + k] * kernel)
    return out
