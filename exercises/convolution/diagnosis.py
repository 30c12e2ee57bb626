"""Recognise classic convolution mistakes in a wrong output and explain them in plain words.

Each mistake is recognised by recomputing what it would have produced from the call's inputs
(a flipped kernel, zero padding, an integer output array, ...) and comparing that
counterfactual with the student's output under the grader's own tolerance
(:mod:`grader.exercise`). A mistake is named only when it changes the result, so a symmetric
kernel never earns a "flipped kernel" hint. Combined mistakes (np.convolve's default is a
flipped kernel *and* a 'full' output) give one hint per mistake, simplest explanation first.

Everything here is pure: no I/O, no printing, and :func:`diagnose` never raises. Messages
never quote array contents (they may be hidden test data); shapes and counts are fine.
"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Literal, ParamSpec, TypeVar

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

from grader.exercise import Hint, allclose_scaled, close_mask

FloatArray = NDArray[np.float64]
_P = ParamSpec("_P")
_T = TypeVar("_T")

_MODES = ("valid", "same", "full")
# A counterfactual may combine at most this many mistakes (e.g. zero array + off by one +
# integer truncation); more would explain almost anything.
_MAX_MISTAKES = 3
# Beyond this many multiply-adds per counterfactual, only the generic checks run.
_MAX_WORK = 4_000_000
# Tests set this to True so that a bug inside a check fails loudly instead of being skipped.
_RAISE_ERRORS = False


def tolerance_scale(*arrays: NDArray[np.generic]) -> float:
    """Size of the terms a convolution sums: max |first| * sum |last| (at least 1).

    Args:
        arrays: the call's array arguments, the data first and the kernel last.
    """
    if not arrays:
        return 1.0
    data = np.abs(np.asarray(arrays[0], dtype=np.float64))
    kern = np.abs(np.asarray(arrays[-1], dtype=np.float64))
    peak = float(data.max()) if data.size else 0.0
    total = float(kern.sum()) if kern.size and len(arrays) > 1 else 1.0
    return max(1.0, peak * total)


HINT_TITLES: dict[str, str] = {
    "flipped_kernel": "flipped the kernel (true convolution)",
    "unflipped_kernel": "did not flip the kernel",
    "kernel_flipped_one_axis": "flipped the kernel along one axis only",
    "kernel_transposed": "transposed the kernel",
    "kernel_rotated": "rotated the kernel by 90 degrees",
    "matrix_product": "used a matrix product instead of an elementwise product",
    "output_transposed": "transposed the output",
    "same_padding": "padded the input to a 'same'-size output",
    "full_output": "returned the 'full' output",
    "valid_output": "returned only the 'valid' output",
    "shifted_output": "padded unevenly (shifted output)",
    "zero_array_output": "wrote the result into an input-sized zero array",
    "off_by_one": "stopped a loop one step early",
    "rows_cols_mixed": "mixed up rows and columns",
    "int_truncation": "truncated the result to integers",
    "floored": "rounded the result down",
    "rounded": "rounded the result to whole numbers",
    "normalised_by_kernel_sum": "divided by the kernel's sum",
    "mean_instead_of_sum": "took the mean instead of the sum",
    "constant_offset": "added a constant to every value",
    "absolute_value": "took the absolute value",
    "sign_flipped": "flipped the sign of the result",
    "reshaped_output": "returned the right values in the wrong shape",
    "modified_input": "modified an input array in place",
    "non_finite": "produced NaN or infinite values",
    "all_zero": "returned only zeros",
    "wrong_shape": "returned an output of the wrong shape",
    "wrong_values": "returned wrong values (no known cause)",
}


def diagnose(
    args: Mapping[str, NDArray[np.generic]],
    expected: NDArray[np.float64],
    actual: NDArray[np.generic] | None,
    *,
    kind: Literal["1d", "2d"],
    flip: bool = False,
    mode: str = "valid",
    rtol: float = 1e-5,
    atol: float = 1e-5,
    args_after: Mapping[str, NDArray[np.generic]] | None = None,
) -> tuple[Hint, ...]:
    """Name the mistakes that explain a student's output, most specific first.

    Args:
        args: the call's inputs as given, in order; the data first and the kernel last.
        expected: the reference output.
        actual: the student's output rebuilt as a real-number array (any shape), or None.
        kind: "1d" or "2d".
        flip: the convention being graded (False: cross-correlation, True: convolution).
        mode: the output size being graded: "valid", "same" or "full".
        rtol, atol: the grader's tolerance; atol is scaled like the grader scales it.
        args_after: the inputs as they were after the student's call, when known.

    Returns:
        The hints, or () when the output is correct and no input was modified. Never raises.
    """
    try:
        with np.errstate(all="ignore"):
            return _diagnose(args, expected, actual, kind, flip, mode, rtol, atol, args_after)
    except Exception:
        if _RAISE_ERRORS:
            raise
        return ()


# --------------------------------------------------------------------------------------------
# The case being diagnosed


@dataclass(frozen=True, slots=True)
class _Case:
    """Everything the checks need, converted to float64 once."""

    expected: FloatArray
    actual: FloatArray
    data: FloatArray | None
    kernel: FloatArray | None
    data_name: str
    kernel_name: str
    kind: str
    flip: bool
    mode: str
    rtol: float
    atol: float
    scale: float
    probes: tuple[int, ...]  # a few cells compared first, to rule counterfactuals out fast
    probed: tuple[float, ...]  # the output's values there

    @property
    def is_2d(self) -> bool:
        return self.kind == "2d"

    def close(self, a: FloatArray, b: FloatArray) -> bool:
        """The grader's own notion of equal."""
        return allclose_scaled(a, b, rtol=self.rtol, atol=self.atol, scale=self.scale)

    def mask(self, a: FloatArray, b: FloatArray) -> NDArray[np.bool_]:
        return close_mask(a, b, rtol=self.rtol, atol=self.atol, scale=self.scale)

    def cell_close(self, got: float, want: float) -> bool:
        """One cell of :func:`grader.compare.close_mask`, in plain floats."""
        return math.isfinite(got) and abs(got - want) <= self.atol * self.scale + self.rtol * abs(
            want
        )

    def probe(
        self, counterfactual: FloatArray, transform: Callable[[float], float] | None = None
    ) -> bool:
        """A cheap necessary condition for close(actual, transform(counterfactual))."""
        want = counterfactual.flat
        for i, got in zip(self.probes, self.probed, strict=True):
            value = float(want[i])
            if not self.cell_close(got, value if transform is None else transform(value)):
                return False
        return True

    def matches(self, counterfactual: FloatArray) -> bool:
        """True when the output equals a counterfactual that differs from the expected one."""
        return (
            counterfactual.shape == self.actual.shape
            and self.probe(counterfactual)
            and self.close(self.actual, counterfactual)
            and not self.close(counterfactual, self.expected)
        )


def _diagnose(
    args: Mapping[str, NDArray[np.generic]],
    expected: NDArray[np.float64],
    actual: NDArray[np.generic] | None,
    kind: str,
    flip: bool,
    mode: str,
    rtol: float,
    atol: float,
    args_after: Mapping[str, NDArray[np.generic]] | None,
) -> tuple[Hint, ...]:
    modified = _guarded(_check_modified_input, args, args_after)
    tail = (modified,) if modified is not None else ()
    case = _make_case(args, expected, actual, kind, flip, mode, rtol, atol)
    if case is None or case.close(case.actual, case.expected):
        return tail
    found = _guarded(_search_counterfactuals, case)
    if found:
        return (*found, *tail)
    for check in (_check_reshaped, _check_non_finite, _check_all_zero):
        hint = _guarded(check, case)
        if hint is not None:
            return (hint, *tail)
    for check in (_check_wrong_shape, _check_wrong_values):
        hint = _guarded(check, case)
        if hint is not None:
            return (*tail, hint)
    return tail


def _guarded(check: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T | None:
    """Run one check; a check that fails is skipped so the others still speak."""
    try:
        return check(*args, **kwargs)
    except Exception:
        if _RAISE_ERRORS:
            raise
        return None


def _make_case(
    args: Mapping[str, NDArray[np.generic]],
    expected: object,
    actual: object,
    kind: str,
    flip: bool,
    mode: str,
    rtol: float,
    atol: float,
) -> _Case | None:
    exp = _as_float(expected)
    act = _as_float(actual)
    if exp is None or act is None:
        return None
    items = list(args.items()) if isinstance(args, Mapping) else []
    arrays = [_as_float(value) for _, value in items]
    data = arrays[0] if arrays else None
    kernel = arrays[-1] if len(arrays) > 1 else None
    known = [a for a in (data, kernel) if a is not None]
    probes = tuple(sorted({0, act.size // 2, act.size - 1})) if act.size else ()
    return _Case(
        expected=exp,
        actual=act,
        data=data,
        kernel=kernel,
        data_name=_identifier(items[0][0] if items else "", "image" if kind == "2d" else "signal"),
        kernel_name=_identifier(items[-1][0] if len(items) > 1 else "", "kernel"),
        kind=kind,
        flip=bool(flip),
        mode=mode,
        rtol=float(rtol),
        atol=float(atol),
        scale=tolerance_scale(*known),
        probes=probes,
        probed=tuple(float(act.flat[i]) for i in probes),
    )


def _as_float(value: object) -> FloatArray | None:
    """The value as a float64 array, or None when it is not a real-number array."""
    if value is None:
        return None
    try:
        arr = np.asarray(value)
        if arr.dtype.kind in "biuf":
            return arr.astype(np.float64)
        if arr.dtype.kind == "O":
            return arr.astype(np.float64)
    except (TypeError, ValueError, OverflowError):
        return None
    return None


def _identifier(name: object, default: str) -> str:
    return name if isinstance(name, str) and name.isidentifier() else default


# --------------------------------------------------------------------------------------------
# Checks that need no counterfactual


def _check_modified_input(
    args: Mapping[str, NDArray[np.generic]],
    args_after: Mapping[str, NDArray[np.generic]] | None,
) -> Hint | None:
    """An input array that is different after the call than before it."""
    if not isinstance(args, Mapping) or not isinstance(args_after, Mapping):
        return None
    changed = [
        name
        for name, before in args.items()
        if name in args_after and not _same_array(before, args_after[name])
    ]
    if not changed:
        return None
    names = " and ".join(f"`{name}`" for name in changed)
    copy = _identifier(changed[0], "image")
    return Hint(
        "modified_input",
        f"Your function changed its input {names} in place, so the caller's array is "
        f"different after the call. Work on a copy instead (e.g. {copy} = {copy}.astype(float) "
        "or .copy()) and leave the inputs as they were.",
    )


def _same_array(before: object, after: object) -> bool:
    a = np.asarray(before)
    b = np.asarray(after)
    if a.shape != b.shape:
        return False
    try:
        return bool(np.array_equal(a, b, equal_nan=True))
    except TypeError:  # equal_nan is not defined for non-numeric dtypes
        return bool(np.array_equal(a, b))


def _check_reshaped(case: _Case) -> Hint | None:
    """The right values, in the right order, in another shape (flat list, extra axis)."""
    act, exp = case.actual, case.expected
    if act.shape == exp.shape or act.size != exp.size or exp.size == 0:
        return None
    if not case.close(act.reshape(exp.shape), exp):
        return None
    got, want = _fmt_shape(act.shape), _fmt_shape(exp.shape)
    if act.squeeze().shape == exp.squeeze().shape:
        how = "it has an extra axis of size 1 (e.g. np.array([out]))"
    elif act.ndim == 1:
        how = "it is a flat list of the results"
    else:
        how = "the values are laid out in another shape"
    return Hint(
        "reshaped_output",
        f"Your values are right but your output has shape {got} instead of {want}: {how}. "
        f"Return an array of shape {want}, e.g. np.array(values).reshape{want}.",
    )


def _check_non_finite(case: _Case) -> Hint | None:
    act = case.actual
    if act.shape != case.expected.shape or act.size == 0:
        return None
    bad = int(np.count_nonzero(~np.isfinite(act)))
    if bad == 0:
        return None
    return Hint(
        "non_finite",
        f"{bad} of {act.size} values are NaN or infinite, usually from a division by zero "
        f"(for example by {case.kernel_name}.sum(), which can be 0) or from cells never filled "
        "in an array made with np.empty. Every output cell must be a plain sum of products.",
    )


def _check_all_zero(case: _Case) -> Hint | None:
    act = case.actual
    if act.shape != case.expected.shape or act.size == 0 or np.any(act != 0):
        return None
    return Hint(
        "all_zero",
        "Every value of your output is 0: the sums were never stored in the array you return. "
        "Check that each window's sum is written into it, e.g. out[i, j] = total, and that you "
        "return that same array.",
    )


def _check_wrong_shape(case: _Case) -> Hint | None:
    act, exp = case.actual, case.expected
    if act.shape == exp.shape:
        return None
    got, want = _fmt_shape(act.shape), _fmt_shape(exp.shape)
    return Hint(
        "wrong_shape",
        f"Your output has shape {got} but the expected shape is {want}. " + _shape_meaning(case),
    )


def _shape_meaning(case: _Case) -> str:
    """What a wrong output shape usually means, in one sentence."""
    act, exp = case.actual, case.expected
    if act.ndim == 0:
        return (
            "A single number usually means a `return` inside the loop, or one sum over the "
            "whole input instead of one sum per kernel position."
        )
    if act.size == 0:
        return "An empty output usually means the loops never ran: check their range() bounds."
    if act.ndim != exp.ndim:
        return (
            f"It has {act.ndim} dimension(s) instead of {exp.ndim}: create the output with "
            f"np.zeros({_fmt_shape(exp.shape)}) and store one sum per kernel position."
        )
    count = _positions_formula(case)
    if case.mode == "valid":
        if case.data is not None and act.shape == case.data.shape:
            return (
                "An output as big as the input usually means the input was padded ('same' "
                f"mode) or the results were written into np.zeros({case.data_name}.shape); the "
                f"'valid' output has one cell per position where the kernel fits: {count}."
            )
        if exp.ndim == 2 and act.shape == exp.shape[::-1]:
            return (
                "Rows and columns are swapped: the first axis counts rows "
                f"({count} positions in all)."
            )
        if all(g >= w for g, w in zip(act.shape, exp.shape, strict=True)):
            return (
                "A bigger output usually means positions where the kernel sticks out of the "
                "input were included ('full' mode or zero padding); keep only the positions "
                f"where the kernel fits entirely: {count}."
            )
    diffs = [w - g for g, w in zip(act.shape, exp.shape, strict=True)]
    if all(d >= 0 for d in diffs) and max(diffs) == 1:
        return (
            "One cell fewer along an axis usually means a loop bound is off by one: there "
            f"are {count} positions, so loop over range(n - k + 1)."
        )
    if all(d >= 0 for d in diffs):
        return (
            "A smaller output usually means the loops stop too early, or the rows and "
            "columns were mixed up (the same size used for both axes)."
        )
    return (
        f"Create the output with exactly one cell per kernel position: {count}."
        if case.mode == "valid"
        else f"Create the output with np.zeros({_fmt_shape(exp.shape)})."
    )


def _check_wrong_values(case: _Case) -> Hint | None:
    act, exp = case.actual, case.expected
    if act.shape != exp.shape:
        return None
    wrong = ~case.mask(act, exp)
    count = int(np.count_nonzero(wrong))
    if count == 0:
        return None
    diff = np.abs(act - exp)
    largest = float(np.max(diff[wrong]))
    first = tuple(int(i) for i in np.argwhere(wrong)[0])
    return Hint(
        "wrong_values",
        f"{count} of {act.size} values are wrong; the largest difference is {largest:.4g} and "
        f"the first wrong value is at index {first}. Work out the sum for that position by "
        "hand and compare it with your loop.",
    )


# --------------------------------------------------------------------------------------------
# Counterfactual correlation and convolution (zero padding; scipy / NumPy semantics)


def _correlate_full(data: FloatArray, kernel: FloatArray) -> FloatArray:
    """Every position where the kernel overlaps the zero-padded data at all ('full')."""
    return _correlate_full_many(data, [kernel])[0]


def _correlate_full_many(data: FloatArray, kernels: list[FloatArray]) -> list[FloatArray]:
    """_correlate_full for several kernels of one shape, sharing the windows."""
    shape = kernels[0].shape
    padded = np.pad(data, [(k - 1, k - 1) for k in shape])
    windows = sliding_window_view(padded, shape)
    stacked = np.stack(kernels, axis=-1)
    nd = len(shape)
    fulls = np.tensordot(windows, stacked, axes=(list(range(nd, 2 * nd)), list(range(nd))))
    return [np.asarray(fulls[..., i], dtype=np.float64) for i in range(len(kernels))]


def _same_offset(kernel_shape: tuple[int, ...], flip: bool) -> tuple[int, ...]:
    """Where the 'same' output starts inside the 'full' one.

    scipy.signal.correlate2d puts it at k // 2; np.correlate, np.convolve and
    scipy.signal.convolve2d at (k - 1) // 2 (they differ for even kernel sizes only).
    """
    if len(kernel_shape) == 2 and not flip:
        return tuple(k // 2 for k in kernel_shape)
    return tuple((k - 1) // 2 for k in kernel_shape)


def _mode_index(
    data_shape: tuple[int, ...], kernel_shape: tuple[int, ...], mode: str, flip: bool
) -> tuple[slice, ...]:
    """The part of the 'full' output that a mode keeps."""
    if mode == "valid":
        return tuple(slice(k - 1, n) for n, k in zip(data_shape, kernel_shape, strict=True))
    if mode == "same":
        at = _same_offset(kernel_shape, flip)
        return tuple(slice(o, o + n) for o, n in zip(at, data_shape, strict=True))
    return tuple(slice(None) for _ in data_shape)


def _correlate(data: FloatArray, kernel: FloatArray, mode: str = "valid") -> FloatArray:
    """Cross-correlation as scipy.signal.correlate2d (2-D) and np.correlate (1-D) do it."""
    full = _correlate_full(data, kernel)
    return full[_mode_index(data.shape, kernel.shape, mode, flip=False)]


def _convolve(data: FloatArray, kernel: FloatArray, mode: str = "valid") -> FloatArray:
    """True convolution as scipy.signal.convolve2d (2-D) and np.convolve (1-D) do it."""
    flipped = kernel[tuple(slice(None, None, -1) for _ in kernel.shape)]
    full = _correlate_full(data, flipped)
    return full[_mode_index(data.shape, kernel.shape, mode, flip=True)]


# --------------------------------------------------------------------------------------------
# The counterfactual search: which kernel was slid, how the output was laid out, and what
# was done to the values afterwards


@dataclass(frozen=True, slots=True)
class _Variant:
    """A kernel the student may have slid instead of the right one."""

    hints: tuple[Hint, ...]
    kernel: FloatArray


@dataclass(frozen=True, slots=True)
class _Layout:
    """How an output may have been cut from the 'full' result, or built around it."""

    hints: tuple[Hint, ...]
    shape: tuple[int, ...]
    build: Callable[[FloatArray], FloatArray]
    transposable: bool = False


@dataclass(frozen=True, slots=True)
class _Structure:
    variant: int
    layout: _Layout
    transposed: bool
    hints: tuple[Hint, ...]


def _search_counterfactuals(case: _Case) -> tuple[Hint, ...] | None:
    """The simplest combination of known mistakes that reproduces the output, if any."""
    if not np.isfinite(case.actual).all():
        return None  # no counterfactual is ever close to NaN
    variants = _kernel_variants(case)
    if not variants:
        return None
    data = case.data
    assert data is not None  # _kernel_variants returns nothing otherwise
    structures = _structures(case, variants)
    fulls: dict[int, FloatArray] = {}
    arrays: dict[int, FloatArray] = {}

    def array_of(index: int) -> FloatArray:
        if index not in arrays:
            s = structures[index]
            if not s.hints and case.expected.shape == case.actual.shape:
                arrays[index] = case.expected
            else:
                if s.variant not in fulls:
                    # Correlate every kernel of this shape at once: they are all needed soon.
                    shape = variants[s.variant].kernel.shape
                    group = [i for i, v in enumerate(variants) if v.kernel.shape == shape]
                    computed = _correlate_full_many(data, [variants[i].kernel for i in group])
                    fulls.update(zip(group, computed, strict=True))
                built = s.layout.build(fulls[s.variant])
                arrays[index] = built.T if s.transposed else built
        return arrays[index]

    for level in range(1, _MAX_MISTAKES + 1):
        for index, s in enumerate(structures):
            if len(s.hints) == level and case.matches(array_of(index)):
                return s.hints
        for index, s in enumerate(structures):
            if len(s.hints) == level - 1:
                counterfactual = array_of(index)
                for check in _VALUE_CHECKS:
                    hint = check(case, counterfactual)
                    if hint is not None:
                        return (*s.hints, hint)
    return None


def _structures(case: _Case, variants: list[_Variant]) -> list[_Structure]:
    """Every (kernel, layout, transposed?) whose output has the student's shape."""
    assert case.data is not None
    fitting: dict[tuple[int, ...], list[tuple[_Layout, bool]]] = {}
    out: list[_Structure] = []
    for index, variant in enumerate(variants):
        kshape = variant.kernel.shape
        if kshape not in fitting:
            fitting[kshape] = [
                (layout, transposed)
                for layout in _layouts(case, case.data.shape, kshape)
                for transposed in (
                    (False, True) if case.is_2d and layout.transposable else (False,)
                )
                if (layout.shape[::-1] if transposed else layout.shape) == case.actual.shape
            ]
        for layout, transposed in fitting[kshape]:
            hints = variant.hints + layout.hints
            if transposed:
                hints += (_hint_output_transposed(case),)
            if len(hints) <= _MAX_MISTAKES:
                out.append(_Structure(index, layout, transposed, hints))
    return out


def _kernel_variants(case: _Case) -> list[_Variant]:
    """The right kernel first, then each wrong orientation that differs from an earlier one."""
    data, kernel = case.data, case.kernel
    want = 2 if case.is_2d else 1
    if (
        data is None
        or kernel is None
        or case.kind not in ("1d", "2d")
        or case.mode not in _MODES
        or data.ndim != want
        or kernel.ndim != want
        or data.size == 0
        or kernel.size == 0
        or not np.isfinite(data).all()
        or not np.isfinite(kernel).all()
    ):
        return []
    full_size = math.prod(n + k - 1 for n, k in zip(data.shape, kernel.shape, strict=True))
    if full_size * kernel.size > _MAX_WORK:
        return []
    candidates = _orientations_2d(case, kernel) if case.is_2d else _orientations_1d(case, kernel)
    peak = max(1.0, float(np.max(np.abs(kernel))))
    same = (case.atol + case.rtol) * peak  # kernels this close slide to the same output
    kept: list[int] = []
    for shape in dict.fromkeys(c.kernel.shape for c in candidates):
        group = [i for i, c in enumerate(candidates) if c.kernel.shape == shape]
        stacked = np.stack([candidates[i].kernel for i in group])
        axes = tuple(range(2, stacked.ndim + 1))
        distance = np.max(np.abs(stacked[:, np.newaxis] - stacked[np.newaxis]), axis=axes)
        for row, i in enumerate(group):
            if not any(distance[row, col] <= same for col in range(row)):
                kept.append(i)
    return [candidates[i] for i in sorted(kept)]


def _orientations_1d(case: _Case, kernel: FloatArray) -> list[_Variant]:
    right, other = (kernel[::-1], kernel) if case.flip else (kernel, kernel[::-1])
    return [_Variant((), right.copy()), _Variant((_hint_flip(case),), other.copy())]


def _orientations_2d(case: _Case, k: FloatArray) -> list[_Variant]:
    right = k[::-1, ::-1] if case.flip else k
    other = k if case.flip else k[::-1, ::-1]
    out = [
        _Variant((), right),
        _Variant((_hint_flip(case),), other),
        _Variant((_hint_one_axis(case, "upside down", "[::-1]"),), k[::-1, :]),
        _Variant((_hint_one_axis(case, "left to right", "[:, ::-1]"),), k[:, ::-1]),
        _Variant((_hint_transposed(case, "kernel.T"),), k.T),
    ]
    anti = k[::-1, ::-1].T
    if case.flip:
        out.append(_Variant((_hint_transposed(case, "the flipped kernel's transpose"),), anti))
    else:
        out.append(_Variant((_hint_flip(case), _hint_transposed(case, "kernel.T")), anti))
    out += [
        _Variant((_hint_rotated(case),), np.rot90(k)),
        _Variant((_hint_rotated(case),), np.rot90(k, -1)),
    ]
    if k.shape[0] == k.shape[1]:
        # sum(window @ K) weighs window[a, c] by K's row sum c; sum(K @ window) by its
        # column sum, and the transposed products the other way round.
        rows, cols = right.sum(axis=1), right.sum(axis=0)
        dot = (_hint_matrix_product(case),)
        for vector, axis in ((rows, 0), (cols, 1), (cols, 0), (rows, 1)):
            line = vector[np.newaxis, :] if axis == 0 else vector[:, np.newaxis]
            out.append(_Variant(dot, np.broadcast_to(line, k.shape).copy()))
    return [_Variant(v.hints, np.ascontiguousarray(v.kernel)) for v in out]


def _window(full: FloatArray, *, index: tuple[slice, ...]) -> FloatArray:
    return full[index]


def _place(
    full: FloatArray,
    *,
    valid: tuple[slice, ...],
    piece: tuple[slice, ...],
    shape: tuple[int, ...],
    at: tuple[int, ...],
) -> FloatArray:
    """Part of the valid result written into a zero array of some shape."""
    part = full[valid][piece]
    out = np.zeros(shape)
    out[tuple(slice(a, a + n) for a, n in zip(at, part.shape, strict=True))] = part
    return out


def _layouts(case: _Case, n: tuple[int, ...], k: tuple[int, ...]) -> list[_Layout]:
    """Every output layout worth trying for data of shape n and a kernel of shape k."""
    nd = len(n)
    valid_shape = tuple(a - b + 1 for a, b in zip(n, k, strict=True))
    has_valid = min(valid_shape) >= 1
    valid = _mode_index(n, k, "valid", case.flip)
    whole = tuple(slice(None) for _ in n)
    origin = (0,) * nd
    centre = _same_offset(k, case.flip)
    out: list[_Layout] = []
    if has_valid:
        out.append(
            _Layout(_mode_hints(case, "valid"), valid_shape, partial(_window, index=valid), True)
        )
    for at in itertools.product(*(range(b) for b in k)):
        index = tuple(slice(o, o + a) for o, a in zip(at, n, strict=True))
        hints = _mode_hints(case, "same")
        if case.mode == "same" and at != centre:
            hints = (_hint_shifted(case),)
        out.append(_Layout(hints, n, partial(_window, index=index), at == centre))
    full_shape = tuple(a + b - 1 for a, b in zip(n, k, strict=True))
    out.append(_Layout(_mode_hints(case, "full"), full_shape, partial(_window, index=whole), True))
    if not has_valid or max(k) == 1:
        return out

    def place(
        hints: tuple[Hint, ...],
        piece: tuple[slice, ...],
        shape: tuple[int, ...],
        at: tuple[int, ...] = origin,
    ) -> None:
        build = partial(_place, valid=valid, piece=piece, shape=shape, at=at)
        out.append(_Layout(hints, shape, build))

    zero_fill = _hint_zero_array(case)
    # The lessons' loop: results written into np.zeros(image.shape) at the top left, or
    # where the kernel's centre was (out[i + 1, j + 1] for a 3x3 kernel).
    inner = tuple(b - 1 - c for b, c in zip(k, centre, strict=True))
    starts = tuple(dict.fromkeys((origin, inner, tuple(b // 2 for b in k))))
    for at in starts:
        place((zero_fill,), whole, n, at)
    # A loop that stops one step early, with the output sized to match or sized right.
    for axes in _axis_subsets(nd):
        if any(valid_shape[a] < 2 for a in axes):
            continue
        short = tuple(s - 1 if a in axes else s for a, s in enumerate(valid_shape))
        piece = tuple(slice(0, s) for s in short)
        # On an input one column wider than tall (or one row taller than wide), using one
        # size for both axes gives exactly this output too, so the hint says so.
        square_too = nd == 2 and len(axes) == 1 and n[axes[0]] - n[1 - axes[0]] == 1
        early = _hint_off_by_one(case, axes, square_too)
        place((early,), piece, short)
        place((early,), piece, valid_shape)
        for at in starts:
            place((zero_fill, early), piece, n, at)
    # Rows and columns mixed up: the loops cover only a square part of a non-square input.
    if nd == 2 and n[0] != n[1]:
        side = min(n)
        square = (side - k[0] + 1, side - k[1] + 1)
        if min(square) >= 1 and square != valid_shape:
            piece = (slice(0, square[0]), slice(0, square[1]))
            mixed = _hint_rows_cols(case)
            place((mixed,), piece, square)
            place((mixed,), piece, valid_shape)
            place((zero_fill, mixed), piece, n)
    return out


def _axis_subsets(nd: int) -> list[tuple[int, ...]]:
    axes = range(nd)
    return [c for r in range(1, nd + 1) for c in itertools.combinations(axes, r)]


# --------------------------------------------------------------------------------------------
# What may have been done to the values: each check compares the output with one transform
# of a counterfactual and returns a hint only when the transform changes something.


def _whole_numbers(
    case: _Case,
    counterfactual: FloatArray,
    to_int: Callable[[FloatArray], FloatArray],
    to_int_cell: Callable[[float], int],
) -> bool:
    """The output equals to_int(counterfactual), allowing values a rounding error from a step.

    to_int_cell is the same rounding for one plain float, used to rule most counterfactuals
    out on a few cells before any whole-array work.
    """
    cf = counterfactual.flat
    for i, got in zip(case.probes, case.probed, strict=True):
        value = float(cf[i])
        if not math.isfinite(value):
            return False
        slack = case.atol * case.scale + case.rtol * abs(value)
        nudged = (value, value - slack, value + slack)
        steps = {to_int_cell(v) for v in nudged if math.isfinite(v)}
        if not any(case.cell_close(got, float(step)) for step in steps):
            return False
    slack_all = case.atol * case.scale + case.rtol * np.abs(counterfactual)
    targets = [to_int(counterfactual + nudge) for nudge in (0.0, -slack_all, slack_all)]
    ok = case.mask(case.actual, targets[0])
    for target in targets[1:]:
        ok |= case.mask(case.actual, target)
    return bool(ok.all()) and not case.close(targets[0], counterfactual)


def _check_truncated(case: _Case, counterfactual: FloatArray) -> Hint | None:
    if not _whole_numbers(case, counterfactual, np.trunc, math.trunc):
        return None
    return Hint(
        "int_truncation",
        "Your values are right but with the fractional part cut off, which happens when the "
        "output array has an integer dtype (np.zeros(shape, dtype=int), or np.zeros_like("
        f"{case.data_name}) on an integer {case.data_name}). Create the output with float "
        "values: np.zeros(shape) or dtype=float.",
    )


def _check_floored(case: _Case, counterfactual: FloatArray) -> Hint | None:
    if not _whole_numbers(case, counterfactual, np.floor, math.floor):
        return None
    return Hint(
        "floored",
        "Your values are the right ones rounded down to whole numbers (np.floor or // does "
        "this). Keep the float result as it is.",
    )


def _check_rounded(case: _Case, counterfactual: FloatArray) -> Hint | None:
    if not _whole_numbers(case, counterfactual, np.rint, round):
        return None
    return Hint(
        "rounded",
        "Your values are the right ones rounded to whole numbers (round() or np.round). Keep "
        "the float result without rounding it.",
    )


def _check_sign_flipped(case: _Case, counterfactual: FloatArray) -> Hint | None:
    if (
        not case.probe(counterfactual, operator.neg)
        or not case.matches(-counterfactual)
        or case.close(-counterfactual, counterfactual)
    ):
        return None
    return Hint(
        "sign_flipped",
        "Every value has the wrong sign: something is negated (the kernel, the product, or "
        "a subtraction instead of an addition). Add up window * kernel as it is.",
    )


def _check_absolute(case: _Case, counterfactual: FloatArray) -> Hint | None:
    if not case.probe(counterfactual, abs):
        return None
    magnitude = np.abs(counterfactual)
    if not case.matches(magnitude) or case.close(magnitude, counterfactual):
        return None
    return Hint(
        "absolute_value",
        "Your values are right except that negative ones lost their sign (an absolute value, "
        "np.abs or abs()). Keep the sign: negative outputs are correct here.",
    )


def _check_kernel_sum(case: _Case, counterfactual: FloatArray) -> Hint | None:
    if case.kernel is None:
        return None
    total = float(case.kernel.sum())
    if not math.isfinite(total) or abs(total) < 1e-9:
        return None
    if not case.probe(counterfactual, lambda v: v / total):
        return None
    scaled = counterfactual / total
    if not case.matches(scaled) or case.close(scaled, counterfactual):
        return None
    return Hint(
        "normalised_by_kernel_sum",
        "Your values are the right ones divided by the kernel's sum. This exercise does not "
        f"normalise: remove the division by {case.kernel_name}.sum().",
    )


def _check_mean(case: _Case, counterfactual: FloatArray) -> Hint | None:
    if case.kernel is None or case.kernel.size < 2:
        return None
    size = case.kernel.size
    if not case.probe(counterfactual, lambda v: v / size):
        return None
    scaled = counterfactual / size
    if not case.matches(scaled):
        return None
    return Hint(
        "mean_instead_of_sum",
        f"Your values are the right sums divided by the kernel's size ({case.kernel.size}): "
        "a mean instead of a sum. Use np.sum(window * kernel), not np.mean.",
    )


def _check_offset(case: _Case, counterfactual: FloatArray) -> Hint | None:
    if counterfactual.shape != case.actual.shape or counterfactual.size < 3:
        return None
    cf = counterfactual.flat
    # Necessary condition: the probed cells differ from the counterfactual by about the same
    # amount (twice the tolerance of each cell bounds the spread).
    gaps = [got - float(cf[i]) for i, got in zip(case.probes, case.probed, strict=True)]
    bounds = [2 * (case.atol * case.scale + case.rtol * abs(got)) for got in case.probed]
    if not all(math.isfinite(g) for g in gaps) or any(
        abs(g - gaps[0]) > b + bounds[0] for g, b in zip(gaps, bounds, strict=True)
    ):
        return None
    shift = float(np.median(case.actual - counterfactual))
    if not math.isfinite(shift):
        return None
    moved = counterfactual + shift
    if not case.matches(moved) or case.close(moved, counterfactual):
        return None
    return Hint(
        "constant_offset",
        f"Every value is off by the same amount ({shift:+.4g}): look for a constant added to "
        "the result, or a running total that does not start at 0.",
    )


_VALUE_CHECKS: tuple[Callable[[_Case, FloatArray], Hint | None], ...] = (
    _check_truncated,
    _check_floored,
    _check_rounded,
    _check_sign_flipped,
    _check_absolute,
    _check_kernel_sum,
    _check_mean,
    _check_offset,
)


# --------------------------------------------------------------------------------------------
# Messages of the structural mistakes


def _hint_flip(case: _Case) -> Hint:
    if case.flip:
        how = f"{case.kernel_name}[::-1, ::-1]" if case.is_2d else f"{case.kernel_name}[::-1]"
        return Hint(
            "unflipped_kernel",
            "Your output matches cross-correlation, which slides the kernel without flipping "
            f"it. This exercise wants true convolution: flip the kernel first ({how}).",
        )
    tools = "scipy.signal.convolve2d flips it" if case.is_2d else "np.convolve flips it"
    return Hint(
        "flipped_kernel",
        "Your output matches true convolution, which flips the kernel. This exercise wants "
        f"cross-correlation: slide the kernel as it is, without flipping it ({tools}).",
    )


def _hint_one_axis(case: _Case, direction: str, index: str) -> Hint:
    fix = (
        f"true convolution flips it on both axes: {case.kernel_name}[::-1, ::-1]"
        if case.flip
        else "slide the kernel as it is, without flipping it"
    )
    return Hint(
        "kernel_flipped_one_axis",
        f"Your output matches the kernel flipped {direction} only ({case.kernel_name}{index}). "
        f"Fix: {fix}.",
    )


def _hint_transposed(case: _Case, what: str) -> Hint:
    if case.flip:
        return Hint(
            "kernel_transposed",
            f"Your output matches sliding {what} (rows and columns swapped). True convolution "
            f"flips the kernel on both axes ({case.kernel_name}[::-1, ::-1]), which is not the "
            "same as transposing it.",
        )
    return Hint(
        "kernel_transposed",
        f"Your output matches sliding the transposed kernel ({what}, rows and columns "
        f"swapped). Multiply {case.data_name}[i + m, j + n] by {case.kernel_name}[m, n]: the "
        "row offset goes with the kernel's row.",
    )


def _hint_rotated(case: _Case) -> Hint:
    fix = (
        f"true convolution turns it by half a turn: {case.kernel_name}[::-1, ::-1]"
        if case.flip
        else "slide the kernel as it is"
    )
    return Hint(
        "kernel_rotated",
        f"Your output matches the kernel rotated by 90 degrees (np.rot90). Fix: {fix}.",
    )


def _hint_matrix_product(case: _Case) -> Hint:
    return Hint(
        "matrix_product",
        "Your output matches summing a matrix product of the window and the kernel (np.dot "
        "or @), which mixes rows with columns. Multiply them elementwise instead: "
        "np.sum(window * kernel).",
    )


def _hint_output_transposed(case: _Case) -> Hint:
    return Hint(
        "output_transposed",
        "Your output is the right result transposed (rows and columns swapped). Store the "
        "window at row i, column j in out[i, j], and give the output as many rows as there "
        "are row positions.",
    )


def _mode_hints(case: _Case, mode: str) -> tuple[Hint, ...]:
    """The hint for an output of `mode` when the exercise grades case.mode."""
    if mode == case.mode:
        return ()
    want = _fmt_shape(case.expected.shape)
    goal = {
        "valid": f"only the positions where the kernel fits entirely inside the input, "
        f"shape {want}",
        "same": f"an output as big as the input, shape {want}",
        "full": f"every position where the kernel overlaps the input, shape {want}",
    }[case.mode]
    if mode == "same":
        return (
            Hint(
                "same_padding",
                "Your output is as big as the input because the input was padded with zeros "
                f"('same' mode). This exercise wants {goal}.",
            ),
        )
    if mode == "full":
        default = (
            "np.convolve's default mode"
            if not case.is_2d
            else "mode='full', scipy.signal.correlate2d's default"
        )
        return (
            Hint(
                "full_output",
                "Your output is the 'full' result, which includes positions where the kernel "
                f"sticks out of the input ({default}). This exercise wants {goal}.",
            ),
        )
    return (
        Hint(
            "valid_output",
            "Your output keeps only the positions where the kernel fits inside the input "
            f"('valid'). This exercise wants {goal}: pad the input with zeros first.",
        ),
    )


def _hint_shifted(case: _Case) -> Hint:
    return Hint(
        "shifted_output",
        "Your output has the right size but is shifted: the zero padding is not split between "
        "the two sides as expected. For a kernel of odd size k, pad (k - 1) // 2 zeros on "
        "each side.",
    )


def _hint_zero_array(case: _Case) -> Hint:
    if case.mode != "valid":
        return Hint(
            "zero_array_output",
            "Your output is the unpadded result written into an array of zeros, so the cells "
            "near the border stay 0. Pad the input with zeros first and compute every cell.",
        )
    return Hint(
        "zero_array_output",
        f"Your results sit inside an array of zeros as big as the input (np.zeros("
        f"{case.data_name}.shape)). Create the output with one cell per position where the "
        f"kernel fits: {_positions_formula(case)}.",
    )


def _hint_off_by_one(case: _Case, axes: tuple[int, ...], square_too: bool = False) -> Hint:
    names: dict[tuple[int, ...], str] = {
        (0,): "last row of results is",
        (1,): "last column of results is",
    }
    what = names.get(axes, "last row and column of results are") if case.is_2d else "last result is"
    also = (
        f" Using one size for both rows and columns ({case.data_name}.shape[0] twice) gives "
        f"the same output here: take H, W = {case.data_name}.shape."
        if square_too
        else ""
    )
    return Hint(
        "off_by_one",
        f"Your loop stops one step early: the {what} missing or left at 0. "
        "With n input cells and a kernel of size k there are n - k + 1 positions, so loop "
        f"over range(n - k + 1).{also}",
    )


def _hint_rows_cols(case: _Case) -> Hint:
    name = case.data_name
    return Hint(
        "rows_cols_mixed",
        "Your output covers only a square part of the input: the same size was used for the "
        f"rows and the columns. Use H, W = {name}.shape, with range(H - kh + 1) for the rows "
        "and range(W - kw + 1) for the columns.",
    )


def _positions_formula(case: _Case) -> str:
    want = _fmt_shape(case.expected.shape)
    if case.mode != "valid":
        return want
    if case.is_2d:
        return f"shape (H - kh + 1, W - kw + 1) = {want}"
    return f"shape (len({case.data_name}) - len({case.kernel_name}) + 1,) = {want}"


def _fmt_shape(shape: Iterable[int]) -> str:
    dims = [str(int(n)) for n in shape]
    return "(" + ", ".join(dims) + (",)" if len(dims) == 1 else ")")
