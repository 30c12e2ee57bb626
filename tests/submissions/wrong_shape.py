import numpy as np


def convolve(image, kernel):
    """Pads by kernel size - 1 on every side: returns the 'full' output."""
    kh, kw = kernel.shape
    padded = np.pad(image.astype(float), ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    H, W = padded.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for i in range(H - kh + 1):
        for j in range(W - kw + 1):
            out[i, j] = np.sum(padded[i:i + kh, j:j + kw] * kernel)
    return out


def convolve1d(signal, kernel):
    k = len(kernel)
    padded = np.pad(signal.astype(float), (k - 1, k - 1))
    out = np.zeros(len(padded) - k + 1)
    for i in range(len(out)):
        out[i] = np.sum(padded[i:i + k] * kernel)
    return out
