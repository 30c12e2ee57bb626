import math

import numpy as np


def conv2d(image, kernel, stride=1, padding="valid"):
    H, W = image.shape
    kh, kw = kernel.shape

    if padding == "same":
        # output size is ceil(n / stride), then pad just enough to get there
        out_h = math.ceil(H / stride)
        out_w = math.ceil(W / stride)
        pad_h = max((out_h - 1) * stride + kh - H, 0)
        pad_w = max((out_w - 1) * stride + kw - W, 0)
        top = pad_h // 2
        left = pad_w // 2
        # the extra zero (if any) goes at the bottom / right like in TensorFlow
        padded = np.zeros((H + pad_h, W + pad_w))
        padded[top:top + H, left:left + W] = image
    else:
        out_h = (H - kh) // stride + 1
        out_w = (W - kw) // stride + 1
        padded = image

    out = np.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            total = 0.0
            for a in range(kh):
                for b in range(kw):
                    total += padded[i * stride + a, j * stride + b] * kernel[a, b]
            out[i, j] = total
    return out
