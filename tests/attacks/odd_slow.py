# expect: score=16
# Correct but slow: pure-Python loops plus a pause, about 0.2 s per call (limit: 0.8 s here).
import time

import numpy as np


def convolve(image, kernel):
    time.sleep(0.15)
    rows = image.shape[0] - kernel.shape[0] + 1
    cols = image.shape[1] - kernel.shape[1] + 1
    out = [[0.0] * cols for _ in range(rows)]
    for _ in range(20):
        for i in range(rows):
            for j in range(cols):
                total = 0.0
                for a in range(kernel.shape[0]):
                    for b in range(kernel.shape[1]):
                        total += float(image[i + a][j + b]) * float(kernel[a][b])
                out[i][j] = total
    return np.array(out)


def convolve1d(signal, kernel):
    time.sleep(0.2)
    k = len(kernel)
    return np.array(
        [
            sum(float(signal[i + a]) * float(kernel[a]) for a in range(k))
            for i in range(len(signal) - k + 1)
        ]
    )
