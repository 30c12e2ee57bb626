import numpy as np


def convolve(image, kernel):
    kh, kw = kernel.shape
    H, W = image.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for m in range(kh):
        for n in range(kw):
            out += kernel[m, n] * image[m:m + H - kh + 1, n:n + W - kw + 1]
    return out


def convolve1d(signal, kernel):
    n, k = len(signal), len(kernel)
    out = np.zeros(n - k + 1)
    for m in range(k):
        out += kernel[m] * signal[m:m + n - k + 1]
    return out
