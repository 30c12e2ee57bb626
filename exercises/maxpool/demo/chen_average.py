import numpy as np


def max_pool2d(image, size, stride=None):
    if stride is None:
        stride = size
    H, W = image.shape
    out = np.zeros(((H - size) // stride + 1, (W - size) // stride + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            # pooling = summarise the window
            out[i, j] = np.mean(image[i * stride:i * stride + size, j * stride:j * stride + size])
    return out
