# expect: score=16
# Correct, but each call leaves a thread computing after it returns (one at a time, 0.3 s each).
import threading
import time

import numpy as np

_busy = [threading.Thread()]


def _keep_busy(result, seconds=0.3):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        result *= 1.0000001
        np.linalg.svd(np.ones((40, 40)))
    result[...] = -1.0


def _spawn(result):
    if not _busy[0].is_alive():
        _busy[0] = threading.Thread(target=_keep_busy, args=(result,), daemon=True)
        _busy[0].start()


def convolve(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i : i + kh, j : j + kw] * kernel)
    _spawn(out)
    return out.copy()


def convolve1d(signal, kernel):
    k = len(kernel)
    out = np.zeros(len(signal) - k + 1)
    for i in range(len(out)):
        out[i] = np.sum(signal[i : i + k] * kernel)
    _spawn(out)
    return out.copy()
