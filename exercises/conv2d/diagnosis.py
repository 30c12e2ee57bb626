"""Recognise the classic mistakes of a strided, padded conv2d in a wrong output.

Every mistake is a change to the *geometry* of the computation: which kernel slides (as it
is, or flipped), and for each axis how many zeros come before the image, how far the window
moves between outputs, and how many outputs there are. A counterfactual is the output of one
such geometry; a mistake is named when the student's output equals it under the grader's
tolerance (``call.matches``), which also means the mistake changes the result here (a
symmetric kernel never earns "flipped"). Single mistakes are tried before pairs, and a
geometry reached by an earlier (simpler or more common) explanation is never tried again.

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

from grader.exercise import Call, Hint

FloatArray = NDArray[np.float64]
# Beyond this many multiply-adds per counterfactual only the generic messages are given.
MAX_WORK = 4_000_000

HINT_TITLES: dict[str, str] = {
    "flipped_kernel": "flipped the kernel (true convolution)",
    "stride_ignored": "ignored the stride",
    "stride_one_axis": "applied the stride along one axis only",
    "pad_one_side": "put all the 'same' padding on one side",
    "extra_pad_first": "put the extra 'same' zero before the image",
    "symmetric_padding": "padded k // 2 zeros on every side (PyTorch style)",
    "stride1_padding": "padded for stride 1 with a larger stride",
    "valid_instead_of_same": "returned the 'valid' output when 'same' was asked",
    "same_instead_of_valid": "returned the 'same' output when 'valid' was asked",
    "output_size": "used a wrong output-size formula",
    "wrong_shape": "returned an output of the wrong shape",
    "non_finite": "produced NaN or infinite values",
    "wrong_values": "returned wrong values (no known cause)",
}

VALID_RULE = "floor((n - k) / stride) + 1"
SAME_RULE = "ceil(n / stride)"
SAME_PADS = (
    "total = max((out - 1) * stride + k - n, 0) zeros per axis, total // 2 before (top, left) "
    "and the rest after (bottom, right)"
)

Axis = tuple[int, int, int]  # zeros before the image, step between outputs, output count
Geometry = tuple[bool, Axis, Axis]  # kernel flipped?, rows, columns
# A padding/size rule for one axis: (n, k, stride) -> (zeros before, output count) or None.
AxisRule = Callable[[int, int, int], tuple[int, int] | None]


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
    steps: tuple[tuple[int, int], tuple[int, int]] | None = None  # (window step, size stride)
    rule: AxisRule | None = None


def diagnose(call: Call) -> tuple[Hint, ...]:
    """The mistakes that explain call.actual, most specific first; () when it is right."""
    try:
        with np.errstate(all="ignore"):
            if call.close(call.actual, call.expected):
                return ()
            problem = parse(call.args)
            if problem is None:
                return _generic(call, None)
            return search(call, problem) or _generic(call, problem)
    except Exception:
        return ()


def parse(args: Mapping[str, Any]) -> Problem | None:
    """The call's arguments in order (image, kernel, stride=1, padding="valid"), or None."""
    values = list(args.values())
    if len(values) < 2 or len(values) > 4:
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


def tf_same(n: int, k: int, s: int) -> tuple[int, int]:
    """TensorFlow's SAME: (zeros before, total zeros) for ceil(n / s) outputs."""
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total


def right_rule(padding: str) -> AxisRule:
    if padding == "valid":
        return lambda n, k, s: (0, (n - k) // s + 1) if k <= n else None
    return lambda n, k, s: (tf_same(n, k, s)[0], -(-n // s))


def geometry(problem: Problem, mistakes: tuple[Mistake, ...]) -> Geometry | None:
    """The geometry of the computation with these mistakes (None: not possible here)."""
    s = problem.stride
    steps = ((s, s), (s, s))
    rule = right_rule(problem.padding)
    flip = False
    for m in mistakes:
        flip = flip or m.flip
        steps = m.steps or steps
        rule = m.rule or rule
    axes = []
    for n, k, (step, size_stride) in zip(
        problem.image.shape, problem.kernel.shape, steps, strict=True
    ):
        got = rule(n, k, size_stride)
        if got is None or got[1] < 1 or got[0] < 0:
            return None
        before, count = got
        axes.append((before, step if count > 1 else 1, count))
    return flip, axes[0], axes[1]


def compute(problem: Problem, geo: Geometry) -> FloatArray:
    """The output of a geometry: zeros before the image, as many after as the windows need."""
    flip, (top, sr, nr), (left, sc, nc) = geo
    kernel = problem.kernel[::-1, ::-1] if flip else problem.kernel
    kh, kw = kernel.shape
    h, w = problem.image.shape
    canvas = np.zeros((max(top + (nr - 1) * sr + kh, top + h), max(left + (nc - 1) * sc + kw, left + w)))
    canvas[top : top + h, left : left + w] = problem.image
    windows = sliding_window_view(canvas, (kh, kw))[: (nr - 1) * sr + 1 : sr, : (nc - 1) * sc + 1 : sc]
    return np.asarray(np.tensordot(windows, kernel, axes=((2, 3), (0, 1))), dtype=np.float64)


# --- the search -----------------------------------------------------------------------------


def search(call: Call, problem: Problem) -> tuple[Hint, ...] | None:
    """The first single mistake, then the first pair, whose counterfactual is the output."""
    if not np.isfinite(call.actual).all() or call.actual.ndim != 2:
        return None
    groups = mistakes(call, problem)
    seen = {geometry(problem, ())}
    for combo in _combinations(groups):
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


def _combinations(groups: list[list[Mistake]]) -> Iterator[tuple[Mistake, ...]]:
    for group in groups:
        for m in group:
            yield (m,)
    for i, first in enumerate(groups):
        for second in groups[i + 1 :]:
            for a in first:
                for b in second:
                    yield (a, b)


def mistakes(call: Call, problem: Problem) -> list[list[Mistake]]:
    """The known mistakes in three groups (kernel, stride, padding and size), commonest first.

    A pair combines mistakes of two different groups.
    """
    s = problem.stride
    want = _shape(call.expected.shape)
    kernel: list[Mistake] = []
    if not np.array_equal(problem.kernel, problem.kernel[::-1, ::-1]):
        kernel.append(Mistake(HINT_FLIPPED, flip=True))
    stride: list[Mistake] = []
    if s > 1:
        stride += [
            Mistake(_hint_stride_ignored(s), steps=((1, 1), (1, 1))),
            Mistake(_hint_window_not_moved(s), steps=((1, s), (1, s))),
            Mistake(_hint_stride_one_axis("rows", "columns"), steps=((s, s), (1, 1))),
            Mistake(_hint_stride_one_axis("columns", "rows"), steps=((1, 1), (s, s))),
        ]
    sizes = _same_mistakes(want) if problem.padding == "same" else _valid_mistakes(want)
    shape = call.actual.shape
    if len(shape) == 2:
        # The right windows, but fewer of them along an axis (a loop bound or a size formula).
        def crop(n: int, k: int, st: int, _rule: AxisRule = right_rule(problem.padding)) -> Any:
            right = _rule(n, k, st)
            if right is None:
                return None
            count = shape[0] if (n, k) == problem.image.shape[:1] + problem.kernel.shape[:1] else shape[1]
            return (right[0], count) if 1 <= count < right[1] else None

        sizes.append(Mistake(_hint_size(want, problem.padding, None), rule=_per_axis(problem, shape)))
    return [kernel, stride, sizes]


def _per_axis(problem: Problem, shape: tuple[int, ...]) -> AxisRule:
    """The right rule, cut to the student's output count where that count is smaller."""
    right = right_rule(problem.padding)
    counts = dict(zip(zip(problem.image.shape, problem.kernel.shape, strict=True), shape, strict=True))
    rows = (problem.image.shape[0], problem.kernel.shape[0])

    def rule(n: int, k: int, s: int) -> tuple[int, int] | None:
        got = right(n, k, s)
        if got is None:
            return None
        # Both axes may have the same (n, k); then the student's row count is used for both
        # only when it is also the column count, which the shape check enforces anyway.
        count = counts.get((n, k), got[1]) if (n, k) != rows else shape[0]
        return (got[0], count) if 1 <= count <= got[1] else None

    return rule


def _same_mistakes(want: str) -> list[Mistake]:
    return [
        Mistake(HINT_PAD_AFTER, rule=lambda n, k, s: (0, -(-n // s))),
        Mistake(HINT_PAD_BEFORE, rule=lambda n, k, s: (tf_same(n, k, s)[1], -(-n // s))),
        Mistake(
            HINT_EXTRA_FIRST,
            rule=lambda n, k, s: (tf_same(n, k, s)[1] - tf_same(n, k, s)[0], -(-n // s)),
        ),
        Mistake(HINT_SYMMETRIC, rule=lambda n, k, s: (k // 2, (n + 2 * (k // 2) - k) // s + 1)),
        Mistake(HINT_STRIDE1_PADDING, rule=lambda n, k, s: ((k - 1) // 2, (n - 1) // s + 1)),
        Mistake(
            _hint_valid_instead(want),
            rule=lambda n, k, s: (0, (n - k) // s + 1) if k <= n else None,
        ),
        # n // s outputs, the padding worked out from that count, or the right padding.
        Mistake(_hint_size(want, "same", "n // stride"), rule=_floor_same),
        Mistake(
            _hint_size(want, "same", "n // stride"),
            rule=lambda n, k, s: (tf_same(n, k, s)[0], n // s),
        ),
    ]


def _floor_same(n: int, k: int, s: int) -> tuple[int, int]:
    out = n // s
    return max((out - 1) * s + k - n, 0) // 2, out


def _valid_mistakes(want: str) -> list[Mistake]:
    def ok(count: int, k: int, n: int) -> tuple[int, int] | None:
        return (0, count) if k <= n else None

    return [
        Mistake(
            _hint_same_instead(want),
            rule=lambda n, k, s: (tf_same(n, k, s)[0], -(-n // s)),
        ),
        Mistake(_hint_size(want, "valid", "(n - k) // stride"), rule=lambda n, k, s: ok((n - k) // s, k, n)),
        Mistake(
            _hint_size(want, "valid", "(n - k + 1) // stride"),
            rule=lambda n, k, s: ok((n - k + 1) // s, k, n),
        ),
        Mistake(
            _hint_size(want, "valid", "ceil((n - k) / stride) + 1"),
            rule=lambda n, k, s: ok(-(-(n - k) // s) + 1, k, n),
        ),
    ]
