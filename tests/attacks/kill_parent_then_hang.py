# expect: score=14 (only the 12x10 case is lost: a call that kills its sandbox twice is blamed)
# convolve is right except on 12x10: there it kills its parent and never returns.
import os
import signal
import time

import numpy as np


def convolve(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    if image.shape == (12, 10):
        try:
            os.kill(os.getppid(), signal.SIGKILL)
        except OSError as exc:
            print("kill failed:", type(exc).__name__)
        time.sleep(5)
        return out
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
