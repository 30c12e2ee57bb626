import numpy as np


def max_pool2d(image, size, stride=None):
    # slide the window over every position
    H, W = image.shape
    out = np.zeros((H - size + 1, W - size + 1))
    for i in range(H - size + 1):
        for j in range(W - size + 1):
            out[i, j] = np.max(image[i:i + size, j:j + size])
    return out
