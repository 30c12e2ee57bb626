import numpy as np


def conv2d(image, kernel, stride=1, padding="valid"):
    # TODO stride
    kh, kw = kernel.shape
    if padding == "same":
        # pad so the output is as big as the image
        top = (kh - 1) // 2
        left = (kw - 1) // 2
        image = np.pad(image, ((top, kh - 1 - top), (left, kw - 1 - left)))
    H, W = image.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for i in range(H - kh + 1):
        for j in range(W - kw + 1):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out
