"""Reference solution of the convolution exercise (NumPy only).

The exercise follows the deep-learning convention: the kernel slides over the input *without*
being flipped (cross-correlation) and only the positions where it fits entirely are kept
('valid'). ``flip=True`` gives true convolution and ``mode`` selects 'valid', 'same' or 'full'
output with exactly the semantics (zero padding, centring) of ``scipy.signal.correlate2d`` /
``scipy.signal.convolve2d`` in 2-D and ``numpy.correlate`` / ``numpy.convolve`` in 1-D.

Centring of 'same' output for even-sized kernels: 'same' is a window of the 'full' output,
starting at index ``(k - 1) // 2`` along an axis of kernel size ``k`` -- except for 2-D
cross-correlation, where ``scipy.signal.correlate2d`` starts at ``k // 2``. The two only differ
when ``k`` is even.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike, NDArray

Mode = Literal["valid", "same", "full"]
_MODES = ("valid", "same", "full")


def _slide(
    x: ArrayLike, kernel: ArrayLike, ndim: int, names: tuple[str, str], flip: bool, mode: str
) -> NDArray[np.float64]:
    """Cross-correlates ``x`` with ``kernel`` (flipped first if ``flip``) in any number of dims.

    Args:
        x: Input array of ``ndim`` dimensions.
        kernel: Kernel array of ``ndim`` dimensions.
        ndim: The number of dimensions both arrays must have.
        names: The names of the two arguments, for error messages.
        flip: Whether to flip the kernel on every axis first (true convolution).
        mode: 'valid', 'same' or 'full'.

    Returns:
        The float64 'full' output of shape ``x.shape + kernel.shape - 1``, the 'valid' one of
        shape ``x.shape - kernel.shape + 1`` or the 'same' one of shape ``x.shape``.

    Raises:
        ValueError: If an array has the wrong number of dimensions or is empty, if ``mode`` is
            unknown or if the kernel is larger than the input in 'valid' mode.
    """
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {_MODES}, got {mode!r}")
    arrays = []
    for name, value in zip(names, (x, kernel), strict=True):
        array = np.asarray(value, dtype=np.float64)  # a new array unless already float64
        if array.ndim != ndim:
            raise ValueError(f"{name} must be {ndim}-D, got {array.ndim}-D of shape {array.shape}")
        if array.size == 0:
            raise ValueError(f"{name} must not be empty, got shape {array.shape}")
        arrays.append(array)
    x, kernel = arrays
    if mode == "valid" and any(k > n for n, k in zip(x.shape, kernel.shape, strict=True)):
        raise ValueError(
            f"{names[1]} of shape {kernel.shape} is larger than {names[0]} of shape {x.shape};"
            " 'valid' output would be empty"
        )
    if flip:
        kernel = np.flip(kernel)
    if mode != "valid":  # zero padding so that every partial overlap counts: 'full' output
        x = np.pad(x, [(k - 1, k - 1) for k in kernel.shape])
    windows = sliding_window_view(x, kernel.shape)  # (*out_shape, *kernel.shape), no copy
    out = np.tensordot(windows, kernel, axes=ndim)
    if mode == "same":
        starts = [k // 2 if ndim == 2 and not flip else (k - 1) // 2 for k in kernel.shape]
        out = out[tuple(slice(s, s + n) for s, n in zip(starts, arrays[0].shape, strict=True))]
    return np.ascontiguousarray(out, dtype=np.float64)


def convolve(
    image: ArrayLike, kernel: ArrayLike, *, flip: bool = False, mode: Mode = "valid"
) -> NDArray[np.float64]:
    """Slides a 2-D kernel over a 2-D image: ``out[i, j] = sum(image[i:i+kh, j:j+kw] * kernel)``.

    Args:
        image: Array-like of shape (H, W), any real dtype. Not modified.
        kernel: Array-like of shape (kh, kw), any real dtype. Not modified.
        flip: If True, flip the kernel on both axes first (true convolution, as
            ``scipy.signal.convolve2d``); if False, cross-correlate (``scipy.signal.correlate2d``).
        mode: 'valid' (only where the kernel fits entirely; needs kh <= H and kw <= W), 'same'
            (zero padding, output the size of the image, centred as scipy does) or 'full'
            (zero padding, every partial overlap).

    Returns:
        A new float64 array of shape (H - kh + 1, W - kw + 1) for 'valid', (H, W) for 'same'
        and (H + kh - 1, W + kw - 1) for 'full'.

    Raises:
        ValueError: If an input is not 2-D or is empty, if ``mode`` is unknown, or if the kernel
            is larger than the image in 'valid' mode.
    """
    return _slide(image, kernel, 2, ("image", "kernel"), flip, mode)


def convolve1d(
    signal: ArrayLike, kernel: ArrayLike, *, flip: bool = False, mode: Mode = "valid"
) -> NDArray[np.float64]:
    """Slides a 1-D kernel over a 1-D signal: ``out[i] = sum(signal[i:i+k] * kernel)``.

    Args:
        signal: Array-like of shape (N,), any real dtype. Not modified.
        kernel: Array-like of shape (k,), any real dtype. Not modified.
        flip: If True, flip the kernel first (true convolution, as ``numpy.convolve``); if
            False, cross-correlate (``numpy.correlate``).
        mode: 'valid' (only where the kernel fits entirely; needs k <= N), 'same' (zero
            padding, output the length of the signal, centred as NumPy does) or 'full' (zero
            padding, every partial overlap).

    Returns:
        A new float64 array of shape (N - k + 1,) for 'valid', (N,) for 'same' and
        (N + k - 1,) for 'full'.

    Raises:
        ValueError: If an input is not 1-D or is empty, if ``mode`` is unknown, or if the kernel
            is longer than the signal in 'valid' mode.
    """
    return _slide(signal, kernel, 1, ("signal", "kernel"), flip, mode)
