# expect: score=16
# Correct, followed by top-level demo code and self-checks with assert (all of which hold).
import numpy as np


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


image = np.array([[1, 2, 3, 0], [4, 5, 6, 1], [7, 8, 9, 2], [0, 1, 0, 1]])
kernel = np.array([[1, 0], [0, -1]])
result = convolve(image, kernel)
print(result)
assert result.shape == (3, 3)
assert result[0, 0] == 1 - 5
edges = convolve1d(np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]), np.array([-1, 1]))
assert edges.tolist() == [0, 0, 0, 0, 1, 0, 0, 0, 0]
print("all my checks passed")
