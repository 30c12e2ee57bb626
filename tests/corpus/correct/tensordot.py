import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def convolve(image, kernel):
    windows = sliding_window_view(image, kernel.shape)
    return np.tensordot(windows, kernel, axes=([2, 3], [0, 1])).astype(float)


def convolve1d(signal, kernel):
    windows = sliding_window_view(signal, kernel.shape)
    return np.tensordot(windows, kernel, axes=1).astype(float)
