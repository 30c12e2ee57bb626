"""Convolution from scratch.

Write the two functions below with NumPy (no scipy, no np.convolve / np.correlate).

As in deep-learning libraries, the kernel slides over the input WITHOUT being flipped
(strictly speaking a cross-correlation), and the output keeps only the positions where the
kernel fits entirely inside the input ('valid' output, no padding).

Check your work with `pytest` in this folder (it runs test_convolution.py), then submit this
file (or a notebook that defines both functions).
"""



def convolve(image, kernel):
    """Slides a 2-D kernel over a 2-D image, without flipping it, keeping 'valid' positions.

    For an image of shape (H, W) and a kernel of shape (kh, kw), the output has shape
    (H - kh + 1, W - kw + 1) and

        out[i, j] = sum(image[i:i+kh, j:j+kw] * kernel)

    Args:
        image: 2-D NumPy array of shape (H, W), integers or floats. Must not be modified.
        kernel: 2-D NumPy array of shape (kh, kw) with kh <= H and kw <= W. Must not be
            modified.

    Returns:
        A new float NumPy array of shape (H - kh + 1, W - kw + 1).

    Example:
        >>> image = np.array([[1, 2, 3],
        ...                   [4, 5, 6]])
        >>> kernel = np.array([[1, 0],
        ...                    [0, -1]])
        >>> convolve(image, kernel)   # [[1 - 5, 2 - 6]]
        array([[-4., -4.]])
    """
    raise NotImplementedError("convolve is not implemented yet")


def convolve1d(signal, kernel):
    """Slides a 1-D kernel over a 1-D signal, without flipping it, keeping 'valid' positions.

    For a signal of length N and a kernel of length k, the output has length N - k + 1 and

        out[i] = sum(signal[i:i+k] * kernel)

    Args:
        signal: 1-D NumPy array of shape (N,), integers or floats. Must not be modified.
        kernel: 1-D NumPy array of shape (k,) with k <= N. Must not be modified.

    Returns:
        A new float NumPy array of shape (N - k + 1,).

    Example:
        >>> convolve1d(np.array([1, 2, 4, 7]), np.array([-1, 1]))   # [2-1, 4-2, 7-4]
        array([1., 2., 3.])
    """
    raise NotImplementedError("convolve1d is not implemented yet")
