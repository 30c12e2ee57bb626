import numpy as np


def max_pool2d(image, size, stride=None):
    if stride is None:
        stride = size
    H, W = image.shape
    out = np.zeros(((H - size) // stride + 1, (W - size) // stride + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            best = 0
            for a in range(size):
                for b in range(size):
                    v = image[i * stride + a, j * stride + b]
                    if v > best:
                        best = v
            out[i, j] = best
    return out
