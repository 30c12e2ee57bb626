import numpy as np


def convolve(image, kernel):
    # Integer images with integer kernels give exact integer sums; keep that dtype.
    dtype = np.result_type(image, kernel)
    kh, kw = kernel.shape
    H, W = image.shape
    out = np.zeros((H - kh + 1, W - kw + 1), dtype=dtype)
    for i in range(H - kh + 1):
        for j in range(W - kw + 1):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out


def convolve1d(signal, kernel):
    dtype = np.result_type(signal, kernel)
    k = len(kernel)
    out = np.zeros(len(signal) - k + 1, dtype=dtype)
    for i in range(len(out)):
        out[i] = np.sum(signal[i:i + k] * kernel)
    return out
