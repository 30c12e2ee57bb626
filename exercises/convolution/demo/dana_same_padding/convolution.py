import numpy as np


def convolve(image, kernel):
    """Pads with zeros so the output is as big as the image."""
    kh, kw = kernel.shape
    ph, pw = kh // 2, kw // 2
    padded = np.pad(image.astype(float), ((ph, kh - 1 - ph), (pw, kw - 1 - pw)))
    H, W = image.shape
    out = np.zeros((H, W))
    for i in range(H):
        for j in range(W):
            out[i, j] = np.sum(padded[i:i + kh, j:j + kw] * kernel)
    return out


def convolve1d(signal, kernel):
    k = len(kernel)
    p = k // 2
    padded = np.pad(signal.astype(float), (p, k - 1 - p))
    out = np.zeros(len(signal))
    for i in range(len(signal)):
        out[i] = np.sum(padded[i:i + k] * kernel)
    return out
