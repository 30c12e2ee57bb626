import numpy as np


def max_pool2d(image, size, stride=None):
    if stride is None:
        stride = size
    H, W = image.shape
    out = np.zeros(((W - size) // stride + 1, (H - size) // stride + 1))
    for x in range(out.shape[0]):
        for y in range(out.shape[1]):
            out[x, y] = image[y * stride:y * stride + size, x * stride:x * stride + size].max()
    return out
