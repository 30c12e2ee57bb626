# expect: score=16
# Correct, but registers atexit handlers that sleep 30 s and write into /tmp/grader-canary-*.
import atexit
import glob
import os
import time

import numpy as np


@atexit.register
def _linger():
    for root in glob.glob("/tmp/grader-canary-*"):
        try:
            with open(os.path.join(root, "atexit.txt"), "w") as fh:
                fh.write("ran at exit\n")
        except OSError:
            pass
    time.sleep(30)


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
