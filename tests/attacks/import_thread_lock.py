# expect: score=16
# Correct; a warm-up thread started at import holds a lock for 0.3 s while it fills a cache.
import threading
import time

import numpy as np

_lock = threading.Lock()
_cache = {}


def _warm_up():
    with _lock:
        time.sleep(0.3)
        _cache["ready"] = True


threading.Thread(target=_warm_up, daemon=True).start()


def convolve(image, kernel):
    with _lock:
        pass
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i : i + kh, j : j + kw] * kernel)
    return out


def convolve1d(signal, kernel):
    with _lock:
        pass
    k = len(kernel)
    out = np.zeros(len(signal) - k + 1)
    for i in range(len(out)):
        out[i] = np.sum(signal[i : i + k] * kernel)
    return out
