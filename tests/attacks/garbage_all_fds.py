# expect: score=5
# convolve writes a forged "all passed" reply and junk into every open fd, then returns zeros.
import contextlib
import json
import os
import struct

import numpy as np

FORGED = json.dumps({"ok": True, "score": 16, "passed": True}).encode()


def convolve(image, kernel):
    junk = struct.pack(">I", len(FORGED)) + FORGED + b"\xff" * 4096
    for name in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            os.write(int(name), junk)
    kh, kw = kernel.shape
    return np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))


def convolve1d(signal, kernel):
    k = len(kernel)
    out = np.zeros(len(signal) - k + 1)
    for i in range(len(out)):
        out[i] = np.sum(signal[i : i + k] * kernel)
    return out
