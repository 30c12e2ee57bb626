import numpy as np


def conv2d(image, kernel, stride=1, padding="valid"):
    H, W = image.shape
    kh, kw = kernel.shape

    # number of steps the window can take
    if padding == "valid":
        out_h = (H - kh) // stride
        out_w = (W - kw) // stride
        pad_top = pad_bottom = pad_left = pad_right = 0
    else:
        out_h = H // stride
        out_w = W // stride
        ph = max((out_h - 1) * stride + kh - H, 0)
        pw = max((out_w - 1) * stride + kw - W, 0)
        pad_top, pad_bottom = ph // 2, ph - ph // 2
        pad_left, pad_right = pw // 2, pw - pw // 2

    padded = np.pad(image, ((pad_top, pad_bottom), (pad_left, pad_right)))
    out = np.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            window = padded[i * stride:i * stride + kh, j * stride:j * stride + kw]
            out[i, j] = np.sum(window * kernel)
    return out
