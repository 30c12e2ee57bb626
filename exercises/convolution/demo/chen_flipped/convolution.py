import numpy as np


def convolve(image, kernel):
    # convolution = flip the kernel, then slide it
    k = np.flip(kernel)
    kh, kw = k.shape
    H, W = image.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * k)
    return out


def convolve1d(signal, kernel):
    return np.convolve(signal, kernel, mode="valid").astype(float)
