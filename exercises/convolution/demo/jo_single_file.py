"""Shift-and-add: one slice per kernel entry instead of one loop per pixel."""
import numpy as np


def convolve(image, kernel):
    image = np.asarray(image, dtype=float)
    kh, kw = kernel.shape
    oh, ow = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    out = np.zeros((oh, ow))
    for a in range(kh):
        for b in range(kw):
            out += kernel[a, b] * image[a:a + oh, b:b + ow]
    return out


def convolve1d(signal, kernel):
    signal = np.asarray(signal, dtype=float)
    n = len(signal) - len(kernel) + 1
    out = np.zeros(n)
    for a, weight in enumerate(kernel):
        out += weight * signal[a:a + n]
    return out
