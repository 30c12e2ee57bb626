# expect: kernel_flipped_one_axis
# function: convolve
import numpy as np


def convolve(image, kernel):
    flipped = kernel[:, ::-1]
    kh, kw = kernel.shape
    H, W = image.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for i in range(H - kh + 1):
        for j in range(W - kw + 1):
            total = 0.0
            for m in range(kh):
                for n in range(kw):
                    total += image[i + m, j + n] * flipped[m, n]
            out[i, j] = total
    return out


def convolve1d(signal, kernel):
    k = len(kernel)
    return np.array([sum(signal[i + m] * kernel[m] for m in range(k))
                     for i in range(len(signal) - k + 1)], dtype=float)
