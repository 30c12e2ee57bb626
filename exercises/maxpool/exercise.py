"""What is specific to the maxpool exercise: the cross-check with scipy, what makes a case
valid, the diagnosis of classic pooling mistakes (diagnosis.py) and the lesson's words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from . import diagnosis
from .messages import HINT_TITLES

__all__ = ["HINT_TITLES", "check_case", "diagnose", "docstring", "lesson", "oracle"]

diagnose = diagnosis.diagnose


def _setting(args: Mapping[str, Any]) -> tuple[Any, Any, Any]:
    image, size = args.get("image"), args.get("size")
    stride = args.get("stride", size)
    return image, size, size if stride is None else stride


def check_case(function: str, args: Mapping[str, Any], params: Mapping[str, Any]) -> str:
    """The image is a 2-D array; size and stride are ints >= 1; the window fits."""
    image, size, stride = _setting(args)
    if not isinstance(image, np.ndarray) or image.ndim != 2:
        return "image must be a 2-D array"
    for name, v in (("size", size), ("stride", stride)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            return f"{name} must be an int >= 1, not {v!r}"
    if size > min(image.shape):
        return f"a {size}x{size} window does not fit in the {image.shape[0]}x{image.shape[1]} image"
    return ""


def oracle(function: str, args: Mapping[str, Any], params: Mapping[str, Any]) -> Any:
    """NumPy's sliding windows, each reduced with max, sampled every `stride` cells."""
    from numpy.lib.stride_tricks import sliding_window_view

    image, size, stride = _setting(args)
    windows = sliding_window_view(np.asarray(image, dtype=np.float64), (size, size))
    return windows.max(axis=(2, 3))[::stride, ::stride]


def lesson(params: Mapping[str, Any]) -> str:
    return (
        "Max pooling slides a square `size` x `size` window over a 2-D image and keeps the "
        "largest value under it. The window moves `stride` cells at a time; without a stride "
        "it moves by `size`, so the windows sit side by side without overlapping. Only windows "
        "that fit entirely are kept (the ragged edge at the bottom and right is dropped): an "
        "(H, W) image gives an output of shape "
        "((H - size) // stride + 1, (W - size) // stride + 1).\n\n"
        "```\nout[i, j] = max(image[i*stride : i*stride + size, j*stride : j*stride + size])\n```"
    )


def docstring(function: str, argnames: Sequence[str], params: Mapping[str, Any]) -> str:
    return (
        "2-D max pooling with a square window, keeping only the windows that fit entirely.\n\n"
        "Args:\n"
        "    image: NumPy array of shape (H, W), integers or floats. Must not be modified.\n"
        "    size: the window's side, an int >= 1.\n"
        "    stride: how far the window moves each step (an int >= 1); None means size.\n\n"
        "Returns:\n"
        "    A float NumPy array of shape ((H - size) // stride + 1, (W - size) // stride + 1).\n\n"
        "Example:\n"
        "    >>> max_pool2d(np.array([[1, 3], [2, 0]]), 2)\n"
        "    array([[3.]])"
    )
