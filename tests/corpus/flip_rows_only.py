# expect: kernel_flipped_one_axis
# function: convolve
import numpy as np


def convolve(image, kernel):
    kernel = np.flipud(kernel)
    kh, kw = kernel.shape
    rows = image.shape[0] - kh + 1
    cols = image.shape[1] - kw + 1
    result = np.zeros((rows, cols))
    for r in range(rows):
        for c in range(cols):
            result[r, c] = (image[r:r + kh, c:c + kw] * kernel).sum()
    return result


def convolve1d(signal, kernel):
    n, k = len(signal), len(kernel)
    return np.array([np.dot(signal[i:i + k], kernel) for i in range(n - k + 1)])
