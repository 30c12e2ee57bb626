import numpy as np


def max_pool2d(image, size, stride=None):
    if stride is None:
        stride = size
    H, W = image.shape
    out_h = (H - size) // stride + 1
    out_w = (W - size) // stride + 1
    out = np.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            window = image[i * stride:i * stride + size, j * stride:j * stride + size]
            out[i, j] = window.max()
    return out
