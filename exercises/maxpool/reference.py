"""The trusted reference of the maxpool exercise: 2-D max pooling in NumPy only.

Conventions (as deep-learning lessons teach them, PyTorch's ``MaxPool2d`` defaults and
TensorFlow's 'VALID' padding):

* a square ``size`` x ``size`` window; output (i, j) is the largest value of the window whose
  top-left corner is on row ``i * stride``, column ``j * stride`` of the image;
* ``stride`` left out (or None) means ``stride = size``: windows side by side, not overlapping;
* only windows that fit entirely are kept, so the ragged edge at the bottom and the right is
  dropped: ``(n - size) // stride + 1`` outputs along an axis of ``n`` cells.

The loops below are deliberately plain, so that the cross-check against
``scipy.ndimage.maximum_filter`` (see exercise.py) compares two independent computations.
"""

from __future__ import annotations

from numbers import Integral
from typing import Any

import numpy as np
from numpy.typing import NDArray


def _positive_int(name: str, value: Any) -> int:
    """The value as a Python int, or a ValueError saying why it is not a valid `name`."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ValueError(f"{name} must be an int >= 1, got {value!r} ({type(value).__name__})")
    if value < 1:
        raise ValueError(f"{name} must be an int >= 1, got {value!r}")
    return int(value)


def max_pool2d(image: Any, size: Any, stride: Any = None) -> NDArray[np.float64]:
    """2-D max pooling with a square window, keeping only the windows that fit entirely.

    Args:
        image: 2-D array of shape (H, W), integers or floats. Not modified.
        size: the window's side, an int >= 1 (at most H and W).
        stride: how far the window moves each step, an int >= 1; None means ``size``.

    Returns:
        A new float64 array of shape ((H - size) // stride + 1, (W - size) // stride + 1).

    Raises:
        ValueError: if ``image`` is not a non-empty 2-D array of numbers, ``size`` or
            ``stride`` is not an int >= 1, or the window is larger than the image.
    """
    size = _positive_int("size", size)
    stride = size if stride is None else _positive_int("stride", stride)
    try:
        data = np.asarray(image, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"image must be a 2-D array of numbers: {exc}") from exc
    if data.ndim != 2:
        raise ValueError(f"image must be 2-D, got {data.ndim}-D of shape {data.shape}")
    height, width = data.shape
    if size > height or size > width:
        raise ValueError(
            f"the {size}x{size} window is larger than the image of shape {data.shape}: "
            "no window fits"
        )
    rows = (height - size) // stride + 1
    cols = (width - size) // stride + 1
    out = np.empty((rows, cols), dtype=np.float64)
    for i in range(rows):
        top = i * stride
        for j in range(cols):
            left = j * stride
            out[i, j] = data[top : top + size, left : left + size].max()
    return out
