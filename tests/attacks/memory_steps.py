# expect: score=5
# convolve "caches" 64 MiB blocks, up to 2 GiB at most, before computing; convolve1d is correct.
import numpy as np

STEP = 64 << 20
CAP = 2 << 30


def convolve(image, kernel):
    cache = []
    total = 0
    while total < CAP:
        cache.append(np.zeros(STEP // 8))
        total += STEP
    cache.clear()
    kh, kw = kernel.shape
    return np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))


def convolve1d(signal, kernel):
    k = len(kernel)
    out = np.zeros(len(signal) - k + 1)
    for i in range(len(out)):
        out[i] = np.sum(signal[i : i + k] * kernel)
    return out
