# expect: modified_input
# expect-if int_image+fractional: int_truncation
# function: convolve
import numpy as np


def convolve(image, kernel):
    # Reuse the image as the output buffer to save memory.
    kh, kw = kernel.shape
    H, W = image.shape
    for i in range(H - kh + 1):
        for j in range(W - kw + 1):
            image[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return image[:H - kh + 1, :W - kw + 1]


def convolve1d(signal, kernel):
    k = len(kernel)
    return np.array([np.sum(signal[i:i + k] * kernel) for i in range(len(signal) - k + 1)])
