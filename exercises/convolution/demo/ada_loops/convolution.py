import numpy as np


def convolve(image, kernel):
    """2-D valid cross-correlation with plain loops."""
    H, W = image.shape
    kh, kw = kernel.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for i in range(H - kh + 1):
        for j in range(W - kw + 1):
            total = 0.0
            for a in range(kh):
                for b in range(kw):
                    total += image[i + a, j + b] * kernel[a, b]
            out[i, j] = total
    return out


def convolve1d(signal, kernel):
    """1-D valid cross-correlation with plain loops."""
    n = len(signal)
    k = len(kernel)
    out = np.zeros(n - k + 1)
    for i in range(n - k + 1):
        total = 0.0
        for a in range(k):
            total += signal[i + a] * kernel[a]
        out[i] = total
    return out
