"""Convolution from scratch

Write the functions with NumPy only: no scipy, no `np.convolve` or `np.correlate`. The point
of the exercise is to write the sliding window yourself.

As in deep-learning libraries, the kernel slides over the input without being flipped
(strictly speaking a cross-correlation). At each position, multiply the kernel with the part
of the input under it, element by element, and add it all up. Only the positions where the
kernel fits entirely inside the input are kept ('valid' output, no padding): a signal of
length N and a kernel of length k give N - k + 1 values, an (H, W) image and a (kh, kw)
kernel an (H - kh + 1, W - kw + 1) image.

    out[i]    = sum(signal[i:i+k] * kernel)
    out[i, j] = sum(image[i:i+kh, j:j+kw] * kernel)

Check your work with `pytest` in this folder (it runs test_convolution.py), then submit this file (or a notebook that defines convolve and convolve1d).
"""

import numpy as np


def convolve(image, kernel):
    """Slides a 2-D kernel over a 2-D image, without flipping it, keeping 'valid' positions.

    For image of shape (H, W) and kernel of shape (kh, kw) the output has shape (H - kh + 1, W - kw + 1) and

        out[i, j] = sum(image[i:i+kh, j:j+kw] * kernel)

    Args:
        image: NumPy array of shape (H, W), integers or floats. Must not be modified.
        kernel: NumPy array of shape (kh, kw). Must not be modified.

    Returns:
        A new float NumPy array of shape (H - kh + 1, W - kw + 1).
    """
    raise NotImplementedError("convolve is not implemented yet")


def convolve1d(signal, kernel):
    """Slides a 1-D kernel over a 1-D signal, without flipping it, keeping 'valid' positions.

    For signal of shape (N,) and kernel of shape (k,) the output has shape (N - k + 1,) and

        out[i] = sum(signal[i:i+k] * kernel)

    Args:
        signal: NumPy array of shape (N,), integers or floats. Must not be modified.
        kernel: NumPy array of shape (k,). Must not be modified.

    Returns:
        A new float NumPy array of shape (N - k + 1,).
    """
    raise NotImplementedError("convolve1d is not implemented yet")
