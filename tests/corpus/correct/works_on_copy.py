import numpy as np


def convolve(image, kernel):
    image = image.astype(float)  # a copy: changing it leaves the caller's array alone
    mean = image.mean()
    image -= mean  # centre the pixels, then add the mean's share back at the end
    kh, kw = kernel.shape
    H, W = image.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for i in range(H - kh + 1):
        for j in range(W - kw + 1):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out + mean * kernel.sum()


def convolve1d(signal, kernel):
    signal = np.array(signal, dtype=float)
    kernel = np.array(kernel, dtype=float)
    kernel[:] = kernel[::-1]  # np.convolve flips it back
    return np.convolve(signal, kernel, "valid")
