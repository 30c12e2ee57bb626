# expect: score=16
# Correct, with both functions as instances of a class that defines __call__.
import numpy as np


class Correlator:
    def __init__(self, ndim):
        self.ndim = ndim

    def __call__(self, data, kernel):
        data = np.asarray(data, dtype=float)
        kernel = np.asarray(kernel, dtype=float)
        shape = tuple(n - k + 1 for n, k in zip(data.shape, kernel.shape, strict=True))
        out = np.zeros(shape)
        for index in np.ndindex(*shape):
            window = tuple(slice(i, i + k) for i, k in zip(index, kernel.shape, strict=True))
            out[index] = np.sum(data[window] * kernel)
        return out


convolve = Correlator(2)
convolve1d = Correlator(1)
