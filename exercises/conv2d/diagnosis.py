"""Recognise the classic mistakes of a strided, padded conv2d in a wrong output.

Every mistake is a change to the *geometry* of the computation: which kernel slides (as it
is, or flipped), and along each axis how many zeros come before the image, how far the window
moves between outputs, and how many outputs there are. A counterfactual is the output of one
such geometry; a mistake is named when the student's output equals it under the grader's
tolerance (``call.matches``), which also means that the mistake changes the result here (a
symmetric kernel never earns "flipped"). Single mistakes are tried before pairs, and a
geometry already reached by an earlier (simpler or more common) explanation is not tried
again, so one output gets one explanation.

Messages never quote input or expected values; shapes, strides and counts are fine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from numbers import Integral
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

from grader.exercise import Call, Hint, close_mask

from . import messages as msg

FloatArray = NDArray[np.float64]
# Beyond this many multiply-adds per counterfactual only the generic messages are given.
MAX_WORK = 4_000_000

Axis = tuple[int, int, int]  # zeros before the image, step between outputs, output count
Geometry = tuple[bool, Axis, Axis]  # kernel flipped?, rows, columns
# A padding and size rule: (axis, n, k, stride) -> (zeros before, output count) or None.
AxisRule = Callable[[int, int, int, int], tuple[int, int] | None]
Steps = tuple[tuple[int, int], tuple[int, int]]  # per axis: (window step, stride for sizes)


@dataclass(frozen=True, slots=True)
class Problem:
    image: FloatArray
    kernel: FloatArray
    stride: int
    padding: str


@dataclass(frozen=True, slots=True)
class Mistake:
    hint: Hint
    flip: bool = False
    steps: Steps | None = None
    rule: AxisRule | None = None


def diagnose(call: Call) -> tuple[Hint, ...]:
    """The mistakes that explain call.actual, most specific first; () when it is right."""
    try:
        with np.errstate(all="ignore"):
            if call.close(call.actual, call.expected):
                return ()
            problem = parse(call.args)
            found = search(call, problem) if problem is not None else None
            return found or generic(call, problem)
    except Exception:
        return ()


def parse(args: Mapping[str, Any]) -> Problem | None:
    """The call's arguments in order (image, kernel, stride=1, padding="valid"), or None."""
    values = list(args.values())
    if not 2 <= len(values) <= 4:
        return None
    image, kernel = (np.asarray(v, dtype=np.float64) for v in values[:2])
    stride = values[2] if len(values) > 2 else 1
    padding = values[3] if len(values) > 3 else "valid"
    if (
        image.ndim != 2
        or kernel.ndim != 2
        or image.size == 0
        or kernel.size == 0
        or isinstance(stride, bool)
        or not isinstance(stride, Integral)
        or stride < 1
        or not isinstance(padding, str)
        or padding.lower() not in ("valid", "same")
        or not (np.isfinite(image).all() and np.isfinite(kernel).all())
    ):
        return None
    return Problem(image, kernel, int(stride), padding.lower())


# --- geometry -------------------------------------------------------------------------------


def tf_same(n: int, k: int, s: int) -> tuple[int, int, int]:
    """TensorFlow's SAME along one axis: (output count, total zeros, zeros before)."""
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return out, total, total // 2


def valid_rule(axis: int, n: int, k: int, s: int) -> tuple[int, int] | None:
    return (0, (n - k) // s + 1) if k <= n else None


def same_rule(axis: int, n: int, k: int, s: int) -> tuple[int, int] | None:
    out, _, before = tf_same(n, k, s)
    return before, out


def right_rule(padding: str) -> AxisRule:
    return same_rule if padding == "same" else valid_rule


def geometry(problem: Problem, mistakes: tuple[Mistake, ...]) -> Geometry | None:
    """The geometry of the computation with these mistakes (None: impossible here)."""
    s = problem.stride
    steps: Steps = ((s, s), (s, s))
    rule = right_rule(problem.padding)
    flip = False
    for m in mistakes:
        flip = flip or m.flip
        steps = m.steps or steps
        rule = m.rule or rule
    axes: list[Axis] = []
    for axis, (n, k, (step, size_stride)) in enumerate(
        zip(problem.image.shape, problem.kernel.shape, steps, strict=True)
    ):
        got = rule(axis, n, k, size_stride)
        if got is None or got[0] < 0 or got[1] < 1:
            return None
        before, count = got
        axes.append((before, step if count > 1 else 1, count))
    return flip, axes[0], axes[1]


def compute(problem: Problem, geo: Geometry) -> FloatArray:
    """The output of a geometry: zeros before the image, and after it as many as needed."""
    flip, (top, sr, nr), (left, sc, nc) = geo
    kernel = problem.kernel[::-1, ::-1] if flip else problem.kernel
    kh, kw = kernel.shape
    h, w = problem.image.shape
    rows = max(top + (nr - 1) * sr + kh, top + h)
    cols = max(left + (nc - 1) * sc + kw, left + w)
    canvas = np.zeros((rows, cols))
    canvas[top : top + h, left : left + w] = problem.image
    windows = sliding_window_view(canvas, (kh, kw))
    windows = windows[: (nr - 1) * sr + 1 : sr, : (nc - 1) * sc + 1 : sc]
    return np.asarray(np.tensordot(windows, kernel, axes=((2, 3), (0, 1))), dtype=np.float64)


# --- the search -----------------------------------------------------------------------------


def search(call: Call, problem: Problem) -> tuple[Hint, ...] | None:
    """The first single mistake, else the first pair, whose counterfactual is the output."""
    if call.actual.ndim != 2 or not np.isfinite(call.actual).all():
        return None
    seen = {geometry(problem, ())}
    for combo in combinations(mistakes(call, problem)):
        geo = geometry(problem, combo)
        if geo is None or geo in seen:
            continue
        seen.add(geo)
        if (geo[1][2], geo[2][2]) != call.actual.shape:
            continue
        if geo[1][2] * geo[2][2] * problem.kernel.size > MAX_WORK:
            continue
        if call.matches(compute(problem, geo)):
            return tuple(m.hint for m in combo)
    return None


def combinations(groups: list[list[Mistake]]) -> Iterator[tuple[Mistake, ...]]:
    """Every single mistake in order, then every pair of mistakes from two groups."""
    for group in groups:
        for m in group:
            yield (m,)
    for i, first in enumerate(groups):
        for second in groups[i + 1 :]:
            for a in first:
                for b in second:
                    yield (a, b)


def mistakes(call: Call, problem: Problem) -> list[list[Mistake]]:
    """The known mistakes in three groups (kernel; stride; padding and size), commonest first.

    Where two explanations give the same geometry, the earlier one is the one named, so each
    message states the fix in terms that also cover the later ones.
    """
    s = problem.stride
    want, got = call.expected.shape, call.actual.shape
    kernel: list[Mistake] = []
    if not np.array_equal(problem.kernel, problem.kernel[::-1, ::-1]):
        kernel.append(Mistake(msg.flipped(), flip=True))
    stride: list[Mistake] = []
    if s > 1:
        stride = [
            Mistake(msg.stride_ignored(s), steps=((1, 1), (1, 1))),
            Mistake(msg.window_not_moved(s), steps=((1, s), (1, s))),
            # The window index of one axis misses `* stride` (sizes and padding are right),
            # or that axis has no stride anywhere.
            Mistake(msg.stride_one_axis("rows", "columns"), steps=((s, s), (1, s))),
            Mistake(msg.stride_one_axis("columns", "rows"), steps=((1, s), (s, s))),
            Mistake(msg.stride_one_axis("rows", "columns"), steps=((s, s), (1, 1))),
            Mistake(msg.stride_one_axis("columns", "rows"), steps=((1, 1), (s, s))),
        ]
    make = same_mistakes if problem.padding == "same" else valid_mistakes
    sizes = make(got, want)
    sizes.append(Mistake(msg.size(got, want, problem.padding, None), rule=cropped(problem, call)))
    return [kernel, stride, sizes]


def same_mistakes(got: tuple[int, ...], want: tuple[int, ...]) -> list[Mistake]:
    def after(axis: int, n: int, k: int, s: int) -> tuple[int, int]:
        return 0, tf_same(n, k, s)[0]

    def before(axis: int, n: int, k: int, s: int) -> tuple[int, int]:
        out, total, _ = tf_same(n, k, s)
        return total, out

    def extra_first(axis: int, n: int, k: int, s: int) -> tuple[int, int]:
        out, total, first = tf_same(n, k, s)
        return total - first, out

    def symmetric(axis: int, n: int, k: int, s: int) -> tuple[int, int]:
        return k // 2, (n + 2 * (k // 2) - k) // s + 1

    def stride1(axis: int, n: int, k: int, s: int) -> tuple[int, int]:
        return (k - 1) // 2, (n - 1) // s + 1

    def floor_count(axis: int, n: int, k: int, s: int) -> tuple[int, int]:
        out = n // s
        return max((out - 1) * s + k - n, 0) // 2, out

    def floor_cropped(axis: int, n: int, k: int, s: int) -> tuple[int, int]:
        return tf_same(n, k, s)[2], n // s

    floor = msg.size(got, want, "same", "n // stride")
    return [
        Mistake(msg.pad_one_side("after"), rule=after),
        Mistake(msg.symmetric_padding(), rule=symmetric),
        Mistake(msg.pad_one_side("before"), rule=before),
        Mistake(msg.extra_pad_first(), rule=extra_first),
        Mistake(msg.stride1_padding(), rule=stride1),
        Mistake(msg.valid_instead_of_same(want), rule=valid_rule),
        Mistake(floor, rule=floor_count),
        Mistake(floor, rule=floor_cropped),
    ]


def valid_mistakes(got: tuple[int, ...], want: tuple[int, ...]) -> list[Mistake]:
    def counted(formula: Callable[[int, int, int], int]) -> AxisRule:
        def rule(axis: int, n: int, k: int, s: int) -> tuple[int, int] | None:
            return (0, formula(n, k, s)) if k <= n else None

        return rule

    return [
        Mistake(msg.same_instead_of_valid(want), rule=same_rule),
        Mistake(
            msg.size(got, want, "valid", "(n - k) // stride"),
            rule=counted(lambda n, k, s: (n - k) // s),
        ),
        Mistake(
            msg.size(got, want, "valid", "(n - k + 1) // stride"),
            rule=counted(lambda n, k, s: (n - k + 1) // s),
        ),
        Mistake(
            msg.size(got, want, "valid", "ceil((n - k) / stride) + 1"),
            rule=counted(lambda n, k, s: -(-(n - k) // s) + 1),
        ),
    ]


def cropped(problem: Problem, call: Call) -> AxisRule:
    """The right windows, but fewer of them along an axis (a loop stopping early)."""
    right = right_rule(problem.padding)
    shape = call.actual.shape

    def rule(axis: int, n: int, k: int, s: int) -> tuple[int, int] | None:
        got = right(axis, n, k, s)
        if got is None or len(shape) != 2:
            return None
        return (got[0], shape[axis]) if 1 <= shape[axis] <= got[1] else None

    return rule


# --- when no mistake explains the output ----------------------------------------------------


def generic(call: Call, problem: Problem | None) -> tuple[Hint, ...]:
    actual, expected = call.actual, call.expected
    if actual.shape != expected.shape:
        padding = problem.padding if problem is not None else "valid"
        return (msg.wrong_shape(actual.shape, expected.shape, padding),)
    bad = int(np.count_nonzero(~np.isfinite(actual)))
    if bad:
        return (msg.non_finite(bad, actual.size),)
    wrong = ~close_mask(actual, expected, rtol=call.rtol, atol=call.atol, scale=call.scale)
    count = int(np.count_nonzero(wrong))
    if count == 0:
        return ()
    first = tuple(int(i) for i in np.argwhere(wrong)[0])
    return (msg.wrong_values(count, actual.size, first),)
