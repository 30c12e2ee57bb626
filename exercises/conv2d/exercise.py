"""What is specific to the conv2d exercise: strided 2-D cross-correlation with TensorFlow's
"valid" and "same" padding.

The grader loads this module by path (see grader.exercise for the names it may define). The
arguments of a call come in the question's order: image, kernel, then optionally stride
(default 1) and padding (default "valid").
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from numbers import Integral
from typing import Any

import numpy as np
from numpy.typing import NDArray

from grader.exercise import Call, Hint

from . import diagnosis, messages

HINT_TITLES = messages.HINT_TITLES
PADDINGS = ("valid", "same")


def _parts(args: Mapping[str, Any]) -> tuple[Any, Any, Any, Any]:
    """image, kernel, stride and padding, the last two defaulted when left out."""
    values = [*args.values(), None, None, None, None]
    stride = values[2] if len(args) > 2 else 1
    padding = values[3] if len(args) > 3 else "valid"
    return values[0], values[1], stride, padding


def check_case(function: str, args: Mapping[str, Any], params: Mapping[str, Any]) -> str:
    """Why a case's inputs make no sense for conv2d ("" when they do)."""
    if not 2 <= len(args) <= 4:
        return f"{function} takes an image, a kernel, and optionally a stride and a padding"
    names = [*args, "stride", "padding"][:4]
    image, kernel, stride, padding = _parts(args)
    for name, value in zip(names[:2], (image, kernel), strict=True):
        if not isinstance(value, np.ndarray):
            return f"{name} must be an array (a nested list of numbers or a generator table)"
        if value.ndim != 2 or value.size == 0:
            return (
                f"{name} has shape {list(value.shape)}, but {function} needs a non-empty 2-D "
                "array (rows and columns)"
            )
    if isinstance(stride, bool) or not isinstance(stride, Integral):
        return f"{names[2]} must be a whole number (an int such as 1 or 2), not {stride!r}"
    if stride < 1:
        return f"{names[2]} must be at least 1, not {stride}: the window must move forward"
    if not isinstance(padding, str) or padding not in PADDINGS:
        return f'{names[3]} must be "valid" or "same", not {padding!r}'
    if padding == "valid" and any(k > n for k, n in zip(kernel.shape, image.shape, strict=True)):
        return (
            f"the {names[1]} (shape {list(kernel.shape)}) is larger than the {names[0]} (shape "
            f'{list(image.shape)}); with padding "valid" it fits nowhere, so there is no output'
        )
    return ""


def _tf_pads(n: int, k: int, stride: int) -> tuple[int, int]:
    """TensorFlow's SAME padding along one axis, (before, after)."""
    out = math.ceil(n / stride)
    total = max((out - 1) * stride + k - n, 0)
    return total // 2, total - total // 2


def oracle(function: str, args: Mapping[str, Any], params: Mapping[str, Any]) -> Any:
    """scipy's answer: correlate2d on the explicitly zero-padded image, every stride-th value."""
    import scipy.signal

    image, kernel, stride, padding = _parts(args)
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    if padding == "same":
        pads = [_tf_pads(n, k, int(stride)) for n, k in zip(image.shape, kernel.shape, strict=True)]
        image = np.pad(image, pads, mode="constant", constant_values=0.0)
    full = scipy.signal.correlate2d(image, kernel, mode="valid")
    return np.asarray(full[:: int(stride), :: int(stride)], dtype=np.float64)


def tolerance_scale(function: str, args: Mapping[str, Any], params: Mapping[str, Any]) -> float:
    """The size of the terms an output adds up: max |image| * sum |kernel|, at least 1."""
    image, kernel, _, _ = _parts(args)
    try:
        a = np.abs(np.asarray(image, dtype=np.float64))
        k = np.abs(np.asarray(kernel, dtype=np.float64))
        scale = float(a.max() * k.sum()) if a.size and k.size else 1.0
    except (TypeError, ValueError):
        return 1.0
    return max(scale, 1.0) if math.isfinite(scale) else 1.0


def diagnose(call: Call) -> tuple[Hint, ...]:
    """The classic mistakes that explain a wrong output (see diagnosis.py). Never raises."""
    return diagnosis.diagnose(call)


# --- words ------------------------------------------------------------------------------------

LESSON = """\
Write `conv2d(image, kernel, stride=1, padding="valid")` with NumPy only: no scipy, no
`np.convolve`. It is the 2-D convolution of deep-learning libraries (TensorFlow's `conv2d`).

**No flip.** The kernel slides over the image as it is (strictly speaking a cross-correlation).
At each position, multiply the kernel with the part of the image under it, cell by cell, and
add it all up.

**Stride.** The window moves `stride` cells between two outputs, along the rows and along the
columns: output `(i, j)` puts the kernel's top-left corner on row `i * stride`, column
`j * stride` of the (padded) image.

**Padding "valid".** No padding: only windows that fit entirely inside the image count. An axis
of `n` cells and a kernel of `k` cells give `floor((n - k) / stride) + 1` outputs.

**Padding "same"** (as in TensorFlow). An axis of `n` cells gives `ceil(n / stride)` outputs,
so with stride 1 the output has the image's shape. The image gets
`total = max((out - 1) * stride + k - n, 0)` zeros along that axis: `total // 2` before it
(top, left) and the rest, `total - total // 2`, after it (bottom, right). When `total` is odd,
the extra zero goes at the bottom or on the right.

```
out[i, j] = sum(padded[i*stride : i*stride + kh, j*stride : j*stride + kw] * kernel)
```

For example a 10x10 image and a 3x3 kernel give a 10x10 output with "same" and an 8x8 output
with "valid" (stride 1); a 7x7 image with the same kernel and stride 2 gives 4x4 with "same"
and 3x3 with "valid"."""


def lesson(params: Mapping[str, Any]) -> str:
    """Markdown: the convention (no flip, stride, VALID and SAME with their size formulas)."""
    return LESSON


def docstring(function: str, argnames: Sequence[str], params: Mapping[str, Any]) -> str:
    """The stub's docstring of conv2d, Google style."""
    defaults = ["image", "kernel", "stride", "padding"]
    image, kernel, stride, padding = [*argnames[:4], *defaults[len(argnames) :]][:4]
    return f"""\
Strided 2-D convolution of {image} with {kernel}, as in TensorFlow (the kernel is not flipped).

Output (i, j) is the sum of {kernel} times the window of the padded {image} whose top-left
corner is at row i * {stride}, column j * {stride}:

    out[i, j] = sum(padded[i*{stride} : i*{stride} + kh, j*{stride} : j*{stride} + kw] * {kernel})

With {padding}="valid" the image is not padded. With {padding}="same" each axis of n cells
gets total = max((out - 1) * {stride} + k - n, 0) zeros: total // 2 before (top, left) and
the rest after (bottom, right).

Args:
    {image}: NumPy array of shape (H, W), integers or floats. Must not be modified.
    {kernel}: NumPy array of shape (kh, kw). Must not be modified.
    {stride}: positive int, how many cells the window moves between outputs (both axes).
    {padding}: "valid" (no padding) or "same" (zero padding, TensorFlow style).

Returns:
    A new float NumPy array of shape (out_h, out_w), where
    "valid": out_h = floor((H - kh) / {stride}) + 1 and out_w = floor((W - kw) / {stride}) + 1;
    "same": out_h = ceil(H / {stride}) and out_w = ceil(W / {stride}).

Example:
    >>> {function}(np.arange(16).reshape(4, 4), np.array([[1, 0], [0, -1]]), {stride}=2)
    array([[-5., -5.],
           [-5., -5.]])
    >>> {function}(np.ones((3, 3)), np.ones((2, 2)), {padding}="same")
    array([[4., 4., 2.],
           [4., 4., 2.],
           [2., 2., 1.]])"""


def example(
    function: str, args: Mapping[str, Any], expected: NDArray[Any], params: Mapping[str, Any]
) -> list[str]:
    """One output value of a public case worked out by hand."""
    image, kernel, stride, padding = _parts(args)
    expected = np.asarray(expected)
    if check_case(function, args, params) or expected.ndim != 2 or expected.size == 0:
        return []
    s = int(stride)
    pads = [
        _tf_pads(n, k, s) if padding == "same" else (0, 0)
        for n, k in zip(image.shape, kernel.shape, strict=True)
    ]
    padded = np.pad(np.asarray(image), pads)
    i, j = min(1, expected.shape[0] - 1), min(1, expected.shape[1] - 1)
    kh, kw = kernel.shape
    window = padded[i * s : i * s + kh, j * s : j * s + kw]
    (top, bottom), (left, right) = pads
    lines = []
    where = ""
    if padding == "same":
        lines.append(
            f"With padding 'same' this image gets {_count(top, 'row')} of zeros above, "
            f"{bottom} below, {_count(left, 'column')} on the left and {right} on the right."
        )
        where = f" (row {i * s - top}, column {j * s - left} of the image itself)"
    terms = " + ".join(
        f"{_factor(a)}·{_factor(b)}"
        for a, b in zip(window.ravel().tolist(), kernel.ravel().tolist(), strict=True)
    )
    rows = ("[" + ", ".join(_num(x) for x in row) + "]" for row in window.tolist())
    covered = "[" + ", ".join(rows) + "]"
    lines.append(
        f"For instance output ({i}, {j}) puts the kernel's top-left corner on row {i}·{s} = "
        f"{i * s}, column {j}·{s} = {j * s} of the padded image{where}. The window there is "
        f"`{covered}`, and {terms} = {_num(float(expected[i, j]))}."
    )
    return lines


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _factor(x: Any) -> str:
    return _num(x) if x >= 0 else f"({_num(x)})"


def _num(x: Any) -> str:
    if isinstance(x, float):
        if x == int(x) and abs(x) < 1e15:
            return str(int(x))
        return f"{x:.4g}"
    return str(int(x))
