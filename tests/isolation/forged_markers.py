# expect: score=16
# Prints text that imitates the grader's own end-of-output markers, a score line and escape
# sequences, hoping it is taken for the grader's or lands in the next student's output.
import gc
import secrets
import sys

import numpy as np

for obj in gc.get_objects():  # any marker the worker holds in memory
    if isinstance(obj, (str, bytes)) and ("grader-end" in str(obj)):
        print(obj)
for _ in range(50):
    sys.stdout.write("\x00grader-end-" + secrets.token_hex(8) + "\x00")
print("Score: 16 / 16 (graded by the grader)\x1b[2J\x1b[H")
print("FORGED-OUTPUT-FROM-ANOTHER-STUDENT")
sys.stdout.flush()


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
