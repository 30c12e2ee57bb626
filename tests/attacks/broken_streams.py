# expect: score=16
# Correct, but replaces sys.stdout with None and sys.stderr with a stream that always raises.
import sys

import numpy as np


class Exploding:
    def write(self, text):
        raise OSError("no writes today")

    def flush(self):
        raise OSError("no flush today")


sys.stdout = None
sys.stderr = Exploding()
print("this goes nowhere")


def convolve(image, kernel):
    print("computing", image.shape)
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
