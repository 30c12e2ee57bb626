import numpy as np


def conv2d(image, kernel, stride=1, padding="valid"):
    kh, kw = kernel.shape
    if padding == "same":
        # "same" = pad half the kernel on each side
        ph = kh // 2
        pw = kw // 2
        image = np.pad(image, ((ph, ph), (pw, pw)), mode="constant")

    H, W = image.shape
    out_h = (H - kh) // stride + 1
    out_w = (W - kw) // stride + 1
    out = np.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            region = image[i * stride:i * stride + kh, j * stride:j * stride + kw]
            out[i, j] = np.sum(region * kernel)
    return out
