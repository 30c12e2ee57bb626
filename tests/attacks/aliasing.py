# expect: score=0
# convolve writes its result into the input image and returns a view; convolve1d returns signal.
import numpy as np


def convolve(image, kernel):
    kh, kw = kernel.shape
    rows, cols = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    work = image.astype(float)
    for i in range(rows):
        for j in range(cols):
            image[i, j] = np.sum(work[i : i + kh, j : j + kw] * kernel)
    return image[:rows, :cols]


def convolve1d(signal, kernel):
    return signal
