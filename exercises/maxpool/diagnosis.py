"""Recognise classic max-pooling mistakes in a wrong output and explain them in plain words.

Each mistake is recognised by recomputing what it would have produced from the call's inputs
(mean pooling, windows moved one cell at a time, partial windows kept at the ragged edge, ...)
and comparing that counterfactual with the student's output under the grader's own tolerance
(``Call.matches``). A counterfactual is three choices and two touches:

* a *layout*: the window's side and the rows and columns where the windows start (the right
  ones, or those of a wrong stride, a wrong window, a ragged edge kept or dropped wrongly);
* a *reduction*: what each window is turned into (max, or mean, min, sum, max started at 0);
* a *touch-up*: a running max never reset, integer truncation; and maybe a transposition.

Combinations of at most two mistakes are tried, fewest mistakes first, so a mistake is named
only when it changes the result. Messages never quote values of the inputs or the outputs
(they may be hidden test data); shapes and counts are fine. :func:`diagnose` never raises.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from numbers import Integral
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

from grader.exercise import Call, Hint

from . import messages as msg

FloatArray = NDArray[np.float64]
HINT_TITLES = msg.HINT_TITLES
# A counterfactual may combine at most this many mistakes; more would explain almost anything.
MAX_MISTAKES = 2
# Beyond this many window cells per counterfactual (or output cells), only generic checks run.
MAX_WORK = 4_000_000
# Tests set this to True so that a bug inside a check fails loudly instead of being skipped.
RAISE_ERRORS = False


@dataclass(frozen=True, slots=True)
class Setting:
    """The call's inputs: the image as float64, the window's side and the stride."""

    image: FloatArray
    size: int
    stride: int
    given: bool  # the stride was passed (else it is size)


@dataclass(frozen=True, slots=True)
class Layout:
    """Where the windows of a counterfactual are: their side, and their top rows and left
    columns (a start may be negative, or the window may stick out of the image)."""

    hints: tuple[Hint, ...]
    k: int
    rows: tuple[int, ...]
    cols: tuple[int, ...]
    zero_fill: bool  # cells outside the image count as zeros (else they are left out)

    @property
    def key(self) -> tuple[Any, ...]:
        return (self.k, self.rows, self.cols, self.zero_fill)


def diagnose(call: Call) -> tuple[Hint, ...]:
    """The mistakes that explain the output of one call, most specific first; () when the
    output is right or nothing is known. Never raises."""
    try:
        with np.errstate(all="ignore"):
            return _diagnose(call)
    except Exception:
        if RAISE_ERRORS:
            raise
        return ()


def read_setting(args: Mapping[str, Any]) -> Setting | None:
    """The image, size and stride of a call (positionally), or None when they make no sense."""
    values = list(args.values())
    if len(values) not in (2, 3) or not isinstance(values[0], np.ndarray):
        return None
    image = values[0]
    if image.ndim != 2 or image.size == 0 or image.dtype.kind not in "biuf":
        return None
    size = values[1]
    stride = values[2] if len(values) == 3 else None
    if not _positive_int(size) or not (stride is None or _positive_int(stride)):
        return None
    data = image.astype(np.float64)
    if not np.isfinite(data).all() or int(size) > min(data.shape):
        return None
    given = stride is not None
    return Setting(data, int(size), int(stride) if given else int(size), given)


def _positive_int(value: Any) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool) and int(value) >= 1


def _diagnose(call: Call) -> tuple[Hint, ...]:
    expected = np.asarray(call.expected, dtype=np.float64)
    actual = np.asarray(call.actual, dtype=np.float64)
    if call.close(actual, expected):
        return ()
    setting = read_setting(call.args)
    if setting is not None and np.isfinite(actual).all() and actual.ndim == 2:
        found = _guarded(search, call, setting)
        if found:
            return found
    for check in (_check_reshaped, _check_non_finite, _check_all_zero):
        hint = _guarded(check, call)
        if hint is not None:
            return (hint,)
    hint = _guarded(_check_wrong_shape, call, setting)
    if hint is not None:
        return (hint,)
    hint = _guarded(_check_wrong_values, call)
    return (hint,) if hint is not None else ()


def _guarded(check: Callable[..., Any], *args: Any) -> Any:
    """Run one check; a check that fails is skipped so the others still speak."""
    try:
        return check(*args)
    except Exception:
        if RAISE_ERRORS:
            raise
        return None


# --------------------------------------------------------------------------------------------
# Layouts: where the windows are


def valid_starts(n: int, k: int, s: int) -> tuple[int, ...]:
    """The right starts: every window that fits entirely, the ragged edge dropped."""
    return tuple(range(0, n - k + 1, s))


def _ceil_starts(n: int, k: int, s: int) -> tuple[int, ...]:
    """PyTorch's ceil_mode: one more window when cells are left over, if it starts inside."""
    count = -(-(n - k) // s) + 1 if n >= k else 1
    return tuple(i * s for i in range(count) if i * s < n)


def _same_starts(n: int, k: int, s: int) -> tuple[int, ...]:
    """TensorFlow's 'SAME': ceil(n / s) windows, the padding split, the extra one at the end."""
    count = -(-n // s)
    before = max((count - 1) * s + k - n, 0) // 2
    return tuple(-before + i * s for i in range(count))


# name -> (starts along one axis, zero fill?)
_EDGES: dict[str, tuple[Callable[[int, int, int], tuple[int, ...]], bool]] = {
    "valid": (valid_starts, False),
    "ceil": (_ceil_starts, False),
    "all_starts": (lambda n, k, s: tuple(range(0, n, s)), False),
    "zero_padded": (_ceil_starts, True),
    "same": (_same_starts, False),
    "same_zeros": (_same_starts, True),
    "last_missed": (lambda n, k, s: tuple(range(0, n - k, s)), False),
    "bottom_right": (lambda n, k, s: tuple(range((n - k) % s, n - k + 1, s)), False),
    "centred": (lambda n, k, s: tuple(range((n - k) % s // 2, n - k + 1, s)), False),
}


def layouts(setting: Setting) -> list[Layout]:
    """The right layout first, then every wrong one that differs from an earlier one."""
    size, stride, given = setting.size, setting.stride, setting.given
    height, width = setting.image.shape
    geometries: list[tuple[tuple[Hint, ...], int, int]] = [((), size, stride)]
    if stride != 1:
        geometries.append(((msg.stride_one(given),), size, 1))
    if given and stride != size:
        geometries.append(((msg.stride_ignored(),), size, size))
        geometries.append(((msg.size_stride_swapped(),), stride, size))
    if size >= 2:
        geometries.append(((msg.window_too_small(),), size - 1, stride))
    out: list[Layout] = []
    for (hints, k, s), edge in itertools.product(geometries, _EDGES):
        if k > height or k > width:
            continue
        starts, zero_fill = _EDGES[edge]
        rows, cols = starts(height, k, s), starts(width, k, s)
        extra = msg.edge(edge)
        out.append(Layout(hints + ((extra,) if extra else ()), k, rows, cols, zero_fill))
    right_rows = valid_starts(height, size, stride)
    right_cols = valid_starts(width, size, stride)
    if size >= 2:  # the right windows, cut one cell short
        out.append(Layout((msg.window_too_small(),), size - 1, right_rows, right_cols, False))
    if stride != 1:  # the right number of windows, started at i instead of i * stride
        rows, cols = tuple(range(len(right_rows))), tuple(range(len(right_cols)))
        out.append(Layout((msg.start_not_scaled(),), size, rows, cols, False))
    return _distinct(out, setting)


def _distinct(candidates: list[Layout], setting: Setting) -> list[Layout]:
    """Drop empty layouts, and those whose windows are those of an earlier one."""
    height, width = setting.image.shape
    seen: set[tuple[Any, ...]] = set()
    out: list[Layout] = []
    for layout in candidates:
        if not layout.rows or not layout.cols:
            continue
        inside = (
            min(layout.rows) >= 0
            and min(layout.cols) >= 0
            and max(layout.rows) + layout.k <= height
            and max(layout.cols) + layout.k <= width
        )
        if inside and layout.zero_fill:  # no cell outside: zeros or not is the same
            layout = Layout(layout.hints, layout.k, layout.rows, layout.cols, False)
        work = len(layout.rows) * len(layout.cols) * layout.k**2
        if layout.key in seen or work > MAX_WORK:
            continue
        seen.add(layout.key)
        out.append(layout)
    return out


def windows(image: FloatArray, layout: Layout) -> tuple[FloatArray, NDArray[np.bool_]]:
    """The layout's windows, shape (rows, cols, k, k), and which of their cells count."""
    k = layout.k
    rows, cols = np.asarray(layout.rows), np.asarray(layout.cols)
    height, width = image.shape
    pad = (
        (max(0, -int(rows.min())), max(0, int(rows.max()) + k - height)),
        (max(0, -int(cols.min())), max(0, int(cols.max()) + k - width)),
    )
    padded = np.pad(image, pad)
    inside = np.pad(np.ones(image.shape, dtype=bool), pad) | layout.zero_fill
    at = np.ix_(rows + pad[0][0], cols + pad[1][0])
    return (
        sliding_window_view(padded, (k, k))[at],
        sliding_window_view(inside, (k, k))[at],
    )


# --------------------------------------------------------------------------------------------
# Reductions and touch-ups


def _max(w: FloatArray, m: NDArray[np.bool_]) -> FloatArray:
    return np.asarray(np.where(m, w, -np.inf).max(axis=(2, 3)))


def _sum(w: FloatArray, m: NDArray[np.bool_]) -> FloatArray:
    return np.asarray(np.where(m, w, 0.0).sum(axis=(2, 3)))


REDUCTIONS: dict[str, Callable[[FloatArray, NDArray[np.bool_]], FloatArray]] = {
    "max": _max,
    "mean": lambda w, m: _sum(w, m) / m.sum(axis=(2, 3)),
    "min": lambda w, m: np.asarray(np.where(m, w, np.inf).min(axis=(2, 3))),
    "sum": _sum,
    "max_from_zero": lambda w, m: np.maximum(_max(w, m), 0.0),
}
TOUCHES: dict[str, Callable[[FloatArray], FloatArray]] = {
    "none": lambda a: a,
    "running_max": lambda a: np.maximum.accumulate(a.ravel()).reshape(a.shape),
    "running_max_rows": lambda a: np.maximum.accumulate(a, axis=1),
    "truncated": np.trunc,
}
_MAX_LIKE = ("max", "max_from_zero")


def search(call: Call, setting: Setting) -> tuple[Hint, ...]:
    """The simplest combination of known mistakes that reproduces the output, or ()."""
    shape = np.shape(call.actual)
    candidates = [
        (layout, transposed)
        for layout in layouts(setting)
        for transposed in (False, True)
        if _shape(layout, transposed) == shape
    ]
    pooled: dict[tuple[int, str], FloatArray] = {}
    cells: dict[int, tuple[FloatArray, NDArray[np.bool_]]] = {}

    def compute(index: int, layout: Layout, reduction: str) -> FloatArray:
        if (index, reduction) not in pooled:
            if index not in cells:
                cells[index] = windows(setting.image, layout)
            pooled[index, reduction] = REDUCTIONS[reduction](*cells[index])
        return pooled[index, reduction]

    combos = []
    for index, (layout, transposed) in enumerate(candidates):
        for reduction, touch in itertools.product(REDUCTIONS, TOUCHES):
            if touch.startswith("running") and reduction not in _MAX_LIKE:
                continue
            hints = layout.hints + msg.reduction(reduction) + msg.touch(touch)
            if transposed:
                hints += (msg.output_transposed(),)
            if len(hints) <= MAX_MISTAKES:
                combos.append((len(hints), index, layout, reduction, touch, transposed, hints))
    combos.sort(key=lambda c: c[0])  # stable: within a level, the order above
    for _, index, layout, reduction, touch, transposed, hints in combos:
        if not hints:
            continue
        out = TOUCHES[touch](compute(index, layout, reduction))
        if call.matches(out.T if transposed else out):
            return hints
    return ()


def _shape(layout: Layout, transposed: bool) -> tuple[int, int]:
    rows, cols = len(layout.rows), len(layout.cols)
    return (cols, rows) if transposed else (rows, cols)


# --------------------------------------------------------------------------------------------
# Checks that need no counterfactual


def _check_reshaped(call: Call) -> Hint | None:
    """The right values, in the right order, in another shape (flat list, extra axis)."""
    act, exp = call.actual, call.expected
    if act.shape == exp.shape or act.size != exp.size or exp.size == 0:
        return None
    if not call.close(act.reshape(exp.shape), exp):
        return None
    return msg.reshaped(act.shape, exp.shape)


def _check_non_finite(call: Call) -> Hint | None:
    act = call.actual
    if act.shape != call.expected.shape or act.size == 0:
        return None
    bad = int(np.count_nonzero(~np.isfinite(act)))
    return msg.non_finite(bad, act.size) if bad else None


def _check_all_zero(call: Call) -> Hint | None:
    act = call.actual
    if act.shape != call.expected.shape or act.size == 0 or np.any(act != 0):
        return None
    return msg.all_zero()


def _check_wrong_shape(call: Call, setting: Setting | None) -> Hint | None:
    act, exp = call.actual, call.expected
    if act.shape == exp.shape:
        return None
    image_shape = setting.image.shape if setting is not None else None
    return msg.wrong_shape(act.shape, exp.shape, image_shape)


def _check_wrong_values(call: Call) -> Hint | None:
    act, exp = call.actual, call.expected
    if act.shape != exp.shape or act.size == 0:
        return None
    a, e = np.asarray(act, dtype=np.float64), np.asarray(exp, dtype=np.float64)
    slack = call.atol * call.scale + call.rtol * np.abs(e)
    wrong = ~((np.abs(a - e) <= slack) & np.isfinite(a))
    count = int(np.count_nonzero(wrong))
    if count == 0:
        return None
    first = tuple(int(i) for i in np.argwhere(wrong)[0])
    return msg.wrong_values(count, act.size, first)
