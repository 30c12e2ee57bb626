import numpy as np


def convolve(image, kernel):
    H, W = image.shape
    kh, kw = kernel.shape
    size = (H + kh - 1, W + kw - 1)
    spectrum = np.fft.rfft2(image, size) * np.fft.rfft2(kernel[::-1, ::-1], size)
    full = np.fft.irfft2(spectrum, size)
    return full[kh - 1:H, kw - 1:W]


def convolve1d(signal, kernel):
    n, k = len(signal), len(kernel)
    size = n + k - 1
    full = np.fft.irfft(np.fft.rfft(signal, size) * np.fft.rfft(kernel[::-1], size), size)
    return full[k - 1:n]
