# expect: score=16
# Exact arithmetic: convolve returns an object array of Fractions, convolve1d one of Decimals.
from decimal import Decimal
from fractions import Fraction

import numpy as np


def convolve(image, kernel):
    kh, kw = kernel.shape
    rows, cols = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    out = np.empty((rows, cols), dtype=object)
    for i in range(rows):
        for j in range(cols):
            total = Fraction(0)
            for a in range(kh):
                for b in range(kw):
                    total += Fraction(float(image[i + a, j + b])) * Fraction(float(kernel[a, b]))
            out[i, j] = total
    return out


def convolve1d(signal, kernel):
    k = len(kernel)
    out = np.empty(len(signal) - k + 1, dtype=object)
    for i in range(len(out)):
        out[i] = sum(Decimal(float(signal[i + a])) * Decimal(float(kernel[a])) for a in range(k))
    return out
