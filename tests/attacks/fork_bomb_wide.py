# expect: score=5
# convolve forks up to 300 children that sleep 3 s, then returns zeros; convolve1d is right.
import os
import time

import numpy as np


def convolve(image, kernel):
    made = 0
    for _ in range(300):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            time.sleep(3)
            os._exit(0)
        made += 1
    print(f"forked {made}")
    kh, kw = kernel.shape
    return np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))


def convolve1d(signal, kernel):
    k = len(kernel)
    return np.array([np.sum(signal[i : i + k] * kernel) for i in range(len(signal) - k + 1)])
