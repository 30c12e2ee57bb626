# expect: score=5 (in process mode the canary's files are changed; bwrap keeps them intact)
# Appends a backdoor to another student's submission and deletes a file; convolve1d is correct.
import contextlib
import glob
import os

import numpy as np

for path in glob.glob("/tmp/grader-canary-*/submissions/*.py"):
    try:
        with open(path, "a") as fh:
            fh.write("\nconvolve = lambda image, kernel: 0  # sabotage\n")
        print("edited", path)
    except OSError as exc:
        print("blocked", type(exc).__name__)
for path in glob.glob("/tmp/grader-canary-*/victim.txt"):
    with contextlib.suppress(OSError):
        os.remove(path)


def convolve(image, kernel):
    kh, kw = kernel.shape
    return np.ones((image.shape[0] - kh + 1, image.shape[1] - kw + 1))


def convolve1d(signal, kernel):
    k = len(kernel)
    out = np.zeros(len(signal) - k + 1)
    for i in range(len(out)):
        out[i] = np.sum(signal[i : i + k] * kernel)
    return out
