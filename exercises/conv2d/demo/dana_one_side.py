import numpy as np


def conv2d(image, kernel, stride=1, padding="valid"):
    H, W = image.shape
    kh, kw = kernel.shape
    if padding == "same":
        out_h = int(np.ceil(H / stride))
        out_w = int(np.ceil(W / stride))
        # how many zeros we need so the last window fits
        need_h = max((out_h - 1) * stride + kh - H, 0)
        need_w = max((out_w - 1) * stride + kw - W, 0)
        # add them at the end (bottom and right)
        image = np.pad(image, ((0, need_h), (0, need_w)))
    else:
        out_h = (H - kh) // stride + 1
        out_w = (W - kw) // stride + 1

    out = np.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            r = i * stride
            c = j * stride
            out[i, j] = (image[r:r + kh, c:c + kw] * kernel).sum()
    return out
