import numpy as np


def conv2d(image, kernel, stride=1, padding="valid"):
    # convolution = flip the kernel, then slide it (that's what the textbook says)
    kernel = kernel[::-1, ::-1]
    kh, kw = kernel.shape

    if padding == "same":
        H, W = image.shape
        out_h = -(-H // stride)
        out_w = -(-W // stride)
        ph = max((out_h - 1) * stride + kh - H, 0)
        pw = max((out_w - 1) * stride + kw - W, 0)
        image = np.pad(image, ((ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2)))

    H, W = image.shape
    out_h = (H - kh) // stride + 1
    out_w = (W - kw) // stride + 1
    result = np.zeros((out_h, out_w))
    for r in range(out_h):
        for c in range(out_w):
            patch = image[r * stride:r * stride + kh, c * stride:c * stride + kw]
            result[r, c] = np.sum(patch * kernel)
    return result
