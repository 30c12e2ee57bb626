"""The trusted reference of the conv2d exercise: strided 2-D cross-correlation with
TensorFlow's "valid" and "same" padding, in NumPy only.

Conventions (as deep-learning libraries teach them):

* the kernel is slid as it is, not flipped (cross-correlation);
* output (i, j) puts the kernel's top-left corner on row i * stride, column j * stride of the
  (padded) image;
* "valid": no padding, floor((n - k) / stride) + 1 outputs per axis;
* "same": ceil(n / stride) outputs per axis; the image gets
  total = max((out - 1) * stride + k - n, 0) zeros per axis, total // 2 before (top, left) and
  the rest after (bottom, right), so an odd total puts the extra zero at the end.
"""

from __future__ import annotations

from numbers import Integral
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

PADDINGS = ("valid", "same")


def conv2d(image: Any, kernel: Any, stride: Any = 1, padding: Any = "valid") -> NDArray[np.float64]:
    """Strided 2-D cross-correlation of `image` with `kernel`, TensorFlow style.

    Args:
        image: a 2-D array of numbers, shape (H, W).
        kernel: a 2-D array of numbers, shape (kh, kw).
        stride: a positive int, the step of the window along both axes.
        padding: "valid" (no padding) or "same" (zero padding to ceil(n / stride) outputs).

    Returns:
        A new float64 array of shape (out_h, out_w).

    Raises:
        ValueError: an argument is not as described above, or with "valid" the kernel is
            larger than the image.
    """
    img = _matrix(image, "image")
    ker = _matrix(kernel, "kernel")
    if isinstance(stride, bool) or not isinstance(stride, Integral) or stride < 1:
        raise ValueError(f"stride must be a positive int, got {stride!r}")
    step = int(stride)
    if not isinstance(padding, str) or padding.lower() not in PADDINGS:
        raise ValueError(f'padding must be "valid" or "same", got {padding!r}')
    mode = padding.lower()
    pads = []
    for n, k in zip(img.shape, ker.shape, strict=True):
        if mode == "valid":
            if k > n:
                raise ValueError(
                    f'with padding="valid" the kernel {ker.shape} must fit inside the image '
                    f"{img.shape}"
                )
            pads.append((0, 0))
        else:
            out = -(-n // step)
            total = max((out - 1) * step + k - n, 0)
            pads.append((total // 2, total - total // 2))
    padded = np.pad(img, pads)
    windows = sliding_window_view(padded, ker.shape)[::step, ::step]
    result = np.tensordot(windows, ker, axes=((2, 3), (0, 1)))
    return np.ascontiguousarray(result, dtype=np.float64)


def _matrix(value: Any, name: str) -> NDArray[np.float64]:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a 2-D array of numbers") from exc
    if arr.ndim != 2 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 2-D array, got shape {arr.shape}")
    return arr
