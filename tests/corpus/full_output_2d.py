# expect: full_output
# function: convolve
import numpy as np


def convolve(image, kernel):
    kh, kw = kernel.shape
    padded = np.pad(image, ((kh - 1, kh - 1), (kw - 1, kw - 1))).astype(float)
    H, W = padded.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(padded[i:i + kh, j:j + kw] * kernel)
    return out


def convolve1d(signal, kernel):
    return np.correlate(signal, kernel, "valid").astype(float)
