# expect: kernel_transposed
# function: convolve
import numpy as np


def convolve(image, kernel):
    kh, kw = kernel.shape
    H, W = image.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for i in range(H - kh + 1):
        for j in range(W - kw + 1):
            s = 0.0
            for m in range(kh):
                for n in range(kw):
                    s += image[i + m, j + n] * kernel[n, m]
            out[i, j] = s
    return out


def convolve1d(signal, kernel):
    k = len(kernel)
    out = np.zeros(len(signal) - k + 1)
    for i in range(len(out)):
        for m in range(k):
            out[i] += signal[i + m] * kernel[m]
    return out
