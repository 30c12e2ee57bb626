# expect: score=16
# Correct; its `if __name__ == "__main__":` block (which would never end) must not run when graded.
import sys

import numpy as np


def convolve(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i : i + kh, j : j + kw] * kernel)
    return out


def convolve1d(signal, kernel):
    k = len(kernel)
    out = np.zeros(len(signal) - k + 1)
    for i in range(len(out)):
        out[i] = np.sum(signal[i : i + k] * kernel)
    return out


if __name__ == "__main__":
    print(convolve(np.eye(5), np.ones((2, 2))))
    while True:
        input("press enter to run again")
    sys.exit(1)
