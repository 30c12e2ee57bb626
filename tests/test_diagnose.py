"""Tests of grader.diagnose: recognising classic convolution mistakes from the output alone.

The corpus in tests/corpus/ holds realistic student solutions; the ones in
tests/corpus/correct/ must earn no hint. Each wrong one starts with a header naming the hint
codes its mistake must earn (see tests/corpus/README.md):

    # expect: flipped_kernel, full_output       codes for the function under test
    # function: convolve1d                      convolve or convolve1d
    # only: wide                                optional: inputs where the mistake shows
    # expect-if int_image+fractional: codes     optional: more codes on some inputs

They run in-process on inputs built like the spec's hidden cases.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import convolve2d, correlate2d

from grader.core.compare import allclose_scaled

from .conftest import CONVOLUTION

dg = CONVOLUTION.diagnosis
HINT_TITLES, Hint, diagnose, tolerance_scale = (
    dg.HINT_TITLES,
    dg.Hint,
    dg.diagnose,
    dg.tolerance_scale,
)

CORPUS = Path(__file__).parent / "corpus"
RTOL = ATOL = 1e-5


@pytest.fixture(autouse=True)
def _strict(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug inside a check must fail the test, not be skipped quietly."""
    monkeypatch.setattr(dg, "_RAISE_ERRORS", True)


# --------------------------------------------------------------------------------------------
# Inputs built like the spec's cases


@dataclass(frozen=True)
class Case:
    name: str
    kind: str
    args: dict[str, np.ndarray]
    expected: np.ndarray

    @property
    def data(self) -> np.ndarray:
        return next(iter(self.args.values()))

    @property
    def kernel(self) -> np.ndarray:
        return list(self.args.values())[-1]


def _draw(rng: np.random.Generator, shape: tuple[int, ...], dist: tuple[Any, ...]) -> np.ndarray:
    if dist[0] == "normal":
        return rng.normal(0.0, dist[1], size=shape)
    if dist[0] == "integers":
        return rng.integers(dist[1], dist[2], size=shape)
    return rng.uniform(dist[1], dist[2], size=shape)


def _orientations(k: np.ndarray) -> list[np.ndarray]:
    if k.ndim == 1:
        return [k[::-1]]
    return [k[::-1, ::-1], k[::-1], k[:, ::-1], np.rot90(k), np.rot90(k, -1), k.T, k[::-1, ::-1].T]


def _usable_kernel(k: np.ndarray) -> bool:
    """Asymmetric under every flip and turn, with negatives and a sum far from 0 and 1."""
    total = float(k.sum())
    return (
        all(not np.allclose(v, k) for v in _orientations(k))
        and bool((k < 0).any())
        and abs(total) > 0.2
        and abs(total - 1) > 0.2
    )


def _kernel(seed: int, shape: tuple[int, ...], dist: tuple[Any, ...]) -> np.ndarray:
    rng = np.random.default_rng(seed)
    while True:
        k = _draw(rng, shape, dist)
        if _usable_kernel(k):
            return k


def _case2d(name: str, image: Any, kernel: Any) -> Case:
    image, kernel = np.asarray(image), np.asarray(kernel)
    expected = correlate2d(image, kernel, mode="valid").astype(np.float64)
    return Case(name, "2d", {"image": image, "kernel": kernel}, expected)


def _case1d(name: str, signal: Any, kernel: Any) -> Case:
    signal, kernel = np.asarray(signal), np.asarray(kernel)
    expected = np.correlate(signal, kernel, mode="valid").astype(np.float64)
    return Case(name, "1d", {"signal": signal, "kernel": kernel}, expected)


def _hidden_like() -> dict[str, list[Case]]:
    two = [
        ("h8x8", (8, 8), ("normal", 4.0), 201, ("integers", -3, 3), 202),
        ("h12x10", (12, 10), ("integers", -9, 9), 203, ("normal", 1.0), 204),
        ("h10x10", (10, 10), ("integers", 0, 255), 205, ("uniform", -1.0, 1.0), 206),
        ("h12x8", (12, 8), ("uniform", -5.0, 5.0), 207, ("normal", 1.0), 208),
        ("w8x12", (8, 12), ("normal", 3.0), 209, ("normal", 1.0), 210),
        ("w7x11", (7, 11), ("integers", -9, 9), 211, ("uniform", -2.0, 2.0), 212),
    ]
    one = [
        ("h1d_10", (10,), ("normal", 1.0), 301, ("normal", 1.0), 302),
        ("h1d_17", (17,), ("integers", -9, 9), 303, ("uniform", -2.0, 2.0), 304),
        ("h1d_32", (32,), ("uniform", -10.0, 10.0), 305, ("integers", -4, 4), 306),
    ]
    return {
        "2d": [
            _case2d(name, _draw(np.random.default_rng(s1), shape, d1), _kernel(s2, (3, 3), d2))
            for name, shape, d1, s1, d2, s2 in two
        ],
        "1d": [
            _case1d(name, _draw(np.random.default_rng(s1), shape, d1), _kernel(s2, (3,), d2))
            for name, shape, d1, s1, d2, s2 in one
        ],
    }


def _lessons() -> dict[str, list[Case]]:
    rng_image, rng_kernel = np.random.default_rng(101), np.random.default_rng(102)
    return {
        "2d": [
            _case2d(
                "lesson_2x2",
                [[1, 2, 3, 0], [4, 5, 6, 1], [7, 8, 9, 2], [0, 1, 0, 1]],
                [[1, 0], [0, -1]],
            ),
            _case2d("edge_5x6", [[0, 0, 0, 1, 1, 1]] * 5, [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]),
            _case2d("float_6x7", rng_image.normal(size=(6, 7)), rng_kernel.normal(size=(3, 3))),
        ],
        "1d": [
            _case1d("lesson_edge", [0] * 5 + [1] * 5, [-1, 1]),
            _case1d("lesson_alternating", [1, 0] * 5, [1, -1, 0]),
        ],
    }


HIDDEN = _hidden_like()
LESSONS = _lessons()


def _fraction(e: np.ndarray) -> np.ndarray:
    return np.abs(e - np.round(e)) > 1e-6


CONDITIONS: dict[str, Callable[[Case], bool]] = {
    "odd_kernel": lambda c: all(n % 2 == 1 for n in c.kernel.shape),
    "wide": lambda c: c.data.ndim == 2 and c.data.shape[1] > c.data.shape[0],
    "tall": lambda c: c.data.ndim == 2 and c.data.shape[0] > c.data.shape[1],
    "int_image": lambda c: np.issubdtype(c.data.dtype, np.integer),
    "fractional": lambda c: bool(_fraction(c.expected).any()),
    "fractional_negative": lambda c: bool((_fraction(c.expected) & (c.expected < 0)).any()),
    "negative": lambda c: bool((c.expected < -1e-6).any()),
}


def _holds(condition: str | None, case: Case) -> bool:
    return condition is None or all(CONDITIONS[p](case) for p in condition.split("+"))


# --------------------------------------------------------------------------------------------
# The corpus


@dataclass(frozen=True)
class Entry:
    path: Path
    function: str
    expect: tuple[str, ...]
    only: str | None
    extra: tuple[tuple[str, tuple[str, ...]], ...]

    @property
    def kind(self) -> str:
        return "2d" if self.function == "convolve" else "1d"


def _codes(text: str) -> tuple[str, ...]:
    return tuple(c.strip() for c in text.split(",") if c.strip())


def _entry(path: Path) -> Entry:
    header: dict[str, str] = {}
    extra: list[tuple[str, tuple[str, ...]]] = []
    for line in path.read_text().splitlines():
        if not line.startswith("#"):
            break
        if m := re.fullmatch(r"# expect-if ([\w+]+): (.+)", line):
            extra.append((m[1], _codes(m[2])))
        elif m := re.fullmatch(r"# (expect|function|only): (.+)", line):
            header[m[1]] = m[2].strip()
    return Entry(
        path, header["function"], _codes(header["expect"]), header.get("only"), tuple(extra)
    )


WRONG = [_entry(p) for p in sorted(CORPUS.glob("*.py"))]
CORRECT = sorted((CORPUS / "correct").glob("*.py"))


@cache
def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"corpus_{path.parent.name}_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(fn: Callable[..., Any], case: Case) -> tuple[np.ndarray, dict[str, np.ndarray]] | None:
    """The output as a float array and the inputs after the call; None when the call fails."""
    given_args = {name: value.copy() for name, value in case.args.items()}
    try:
        with np.errstate(all="ignore"):
            out = fn(*given_args.values())
    except Exception:
        return None
    return np.asarray(out, dtype=np.float64), given_args


def _diagnose(case: Case, actual: Any, **kw: Any) -> tuple[Hint, ...]:
    return diagnose(case.args, case.expected, actual, kind=case.kind, **kw)  # type: ignore[arg-type]


def _is_right(case: Case, actual: np.ndarray) -> bool:
    scale = tolerance_scale(case.data, case.kernel)
    return allclose_scaled(actual, case.expected, rtol=RTOL, atol=ATOL, scale=scale)


def _changed(case: Case, after: dict[str, np.ndarray]) -> bool:
    return any(not np.array_equal(case.args[n], after[n]) for n in case.args)


def test_corpus_is_big_enough_and_its_headers_name_known_codes() -> None:
    """Does the corpus hold 25+ wrong and 10+ correct solutions, naming only known codes?"""
    assert len(WRONG) >= 25
    assert len(CORRECT) >= 10
    for entry in WRONG:
        named = set(entry.expect).union(*(codes for _, codes in entry.extra))
        assert entry.expect and named <= HINT_TITLES.keys(), entry.path.name
        assert entry.function in ("convolve", "convolve1d"), entry.path.name
        conditions = [entry.only or ""] + [c for c, _ in entry.extra]
        assert all(p in CONDITIONS for c in conditions if c for p in c.split("+"))


@pytest.mark.parametrize("entry", WRONG, ids=lambda e: e.path.stem)
def test_wrong_solution_gets_exactly_its_hints(entry: Entry) -> None:
    """Does each wrong solution get exactly its mistakes' codes wherever the mistake shows?"""
    fn = getattr(_load(entry.path), entry.function)
    shown = 0
    for case in HIDDEN[entry.kind]:
        applies = _holds(entry.only, case)
        outcome = _run(fn, case)
        if outcome is None:
            assert not applies, f"{case.name}: crashed on an input where the mistake shows"
            continue
        actual, after = outcome
        codes = [h.code for h in _diagnose(case, actual, args_after=after)]
        if not applies:
            assert bool(codes) == (not _is_right(case, actual) or _changed(case, after))
            continue
        wanted = set(entry.expect).union(
            *(codes for cond, codes in entry.extra if _holds(cond, case))
        )
        assert set(codes) == wanted, f"{case.name}: got {codes}"
        assert len(codes) == len(wanted), f"{case.name}: a code repeats in {codes}"
        shown += 1
    assert shown, "the mistake showed on none of the inputs"


@pytest.mark.parametrize("entry", WRONG, ids=lambda e: e.path.stem)
def test_wrong_solution_on_lesson_inputs_gets_hints_only_when_wrong(entry: Entry) -> None:
    """On the lessons' small (often symmetric) inputs, is a hint given exactly when needed?"""
    fn = getattr(_load(entry.path), entry.function)
    for case in LESSONS[entry.kind]:
        outcome = _run(fn, case)
        if outcome is None:
            continue
        actual, after = outcome
        hints = _diagnose(case, actual, args_after=after)
        assert bool(hints) == (not _is_right(case, actual) or _changed(case, after)), case.name
        assert all(h.code in HINT_TITLES and h.message for h in hints)


@pytest.mark.parametrize("path", CORRECT, ids=lambda p: p.stem)
def test_correct_solution_passes_and_gets_no_hint(path: Path) -> None:
    """Does every differently written correct solution pass the tolerance and earn no hint?"""
    module = _load(path)
    for kind, fn_name in (("2d", "convolve"), ("1d", "convolve1d")):
        for case in HIDDEN[kind] + LESSONS[kind]:
            outcome = _run(getattr(module, fn_name), case)
            assert outcome is not None, case.name
            actual, after = outcome
            assert _is_right(case, actual), case.name
            assert _diagnose(case, actual, args_after=after) == (), case.name


# --------------------------------------------------------------------------------------------
# Single mistakes, built directly from the expected output

CASE = HIDDEN["2d"][3]  # 12x8, float image, float kernel
SQUARE = HIDDEN["2d"][0]  # 8x8
SIGNAL = HIDDEN["1d"][0]


def _valid(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    return correlate2d(image, kernel, mode="valid")


def _matrix_product(case: Case, product: Callable[[np.ndarray, np.ndarray], np.ndarray]):
    k = case.kernel
    windows = np.lib.stride_tricks.sliding_window_view(case.data, k.shape)
    return np.array([[product(w, k).sum() for w in row] for row in windows])


VALUE_MISTAKES: list[tuple[str, Callable[[np.ndarray, Case], np.ndarray]]] = [
    ("int_truncation", lambda e, c: np.trunc(e)),
    ("floored", lambda e, c: np.floor(e)),
    ("rounded", lambda e, c: np.round(e)),
    ("sign_flipped", lambda e, c: -e),
    ("absolute_value", lambda e, c: np.abs(e)),
    ("normalised_by_kernel_sum", lambda e, c: e / c.kernel.sum()),
    ("mean_instead_of_sum", lambda e, c: e / c.kernel.size),
    ("constant_offset", lambda e, c: e + 1.0),
    ("constant_offset", lambda e, c: e - 0.25),
]


@pytest.mark.parametrize(("code", "mistake"), VALUE_MISTAKES, ids=[m[0] for m in VALUE_MISTAKES])
@pytest.mark.parametrize("case", [CASE, SIGNAL], ids=["2d", "1d"])
def test_value_mistake_is_named(code: str, mistake: Callable[..., np.ndarray], case: Case) -> None:
    """Is each mistake made to the values (truncation, scaling, offset, sign) named alone?"""
    hints = _diagnose(case, mistake(case.expected, case))
    assert [h.code for h in hints] == [code]


STRUCTURAL: list[tuple[str, list[str], Callable[[Case], np.ndarray]]] = [
    ("flip", ["flipped_kernel"], lambda c: convolve2d(c.data, c.kernel, "valid")),
    ("flipud", ["kernel_flipped_one_axis"], lambda c: _valid(c.data, c.kernel[::-1])),
    ("fliplr", ["kernel_flipped_one_axis"], lambda c: _valid(c.data, c.kernel[:, ::-1])),
    ("kernel.T", ["kernel_transposed"], lambda c: _valid(c.data, c.kernel.T)),
    ("rot90", ["kernel_rotated"], lambda c: _valid(c.data, np.rot90(c.kernel))),
    (
        "flip+T",
        ["flipped_kernel", "kernel_transposed"],
        lambda c: _valid(c.data, c.kernel[::-1, ::-1].T),
    ),
    ("out.T", ["output_transposed"], lambda c: c.expected.T),
    ("same", ["same_padding"], lambda c: correlate2d(c.data, c.kernel, "same")),
    ("full", ["full_output"], lambda c: correlate2d(c.data, c.kernel, "full")),
    (
        "flip+full",
        ["flipped_kernel", "full_output"],
        lambda c: convolve2d(c.data, c.kernel, "full"),
    ),
    ("padded right", ["same_padding"], lambda c: correlate2d(c.data, c.kernel, "full")[2:, 2:]),
    ("W@K", ["matrix_product"], lambda c: _matrix_product(c, lambda w, k: w @ k)),
    ("K@W", ["matrix_product"], lambda c: _matrix_product(c, lambda w, k: k @ w)),
    ("W@K.T", ["matrix_product"], lambda c: _matrix_product(c, lambda w, k: w @ k.T)),
    ("K.T@W", ["matrix_product"], lambda c: _matrix_product(c, lambda w, k: k.T @ w)),
    ("missing column", ["off_by_one"], lambda c: c.expected[:, :-1]),
    ("zero last row+col", ["off_by_one"], lambda c: _zero_tail(c.expected)),
    ("centred zero fill", ["zero_array_output"], lambda c: _zero_fill(c, 1)),
    ("flip+trunc", ["flipped_kernel", "int_truncation"], lambda c: np.trunc(_flip(c))),
    ("full+offset", ["full_output", "constant_offset"], lambda c: _full(c) + 2.0),
]


def _zero_tail(e: np.ndarray) -> np.ndarray:
    out = e.copy()
    out[-1, :] = 0
    out[:, -1] = 0
    return out


def _zero_fill(case: Case, at: int) -> np.ndarray:
    out = np.zeros(case.data.shape)
    h, w = case.expected.shape
    out[at : at + h, at : at + w] = case.expected
    return out


def _flip(case: Case) -> np.ndarray:
    return convolve2d(case.data, case.kernel, "valid")


def _full(case: Case) -> np.ndarray:
    return correlate2d(case.data, case.kernel, "full")


@pytest.mark.parametrize(("name", "codes", "make"), STRUCTURAL, ids=[s[0] for s in STRUCTURAL])
def test_structural_mistake_is_named(
    name: str, codes: list[str], make: Callable[[Case], np.ndarray]
) -> None:
    """Is each kernel, layout and combined mistake named, one code per mistake?"""
    case = SQUARE if name == "out.T" else CASE
    assert [h.code for h in _diagnose(case, make(case))] == codes


CONVENTIONS: list[tuple[str, bool, str, Callable[..., np.ndarray], Callable[..., np.ndarray]]] = [
    # (code, flip, mode, reference, student)
    ("unflipped_kernel", True, "valid", convolve2d, correlate2d),
    ("unflipped_kernel", True, "same", convolve2d, correlate2d),
    ("valid_output", False, "same", correlate2d, lambda d, k, m: correlate2d(d, k, "valid")),
    ("full_output", False, "same", correlate2d, lambda d, k, m: correlate2d(d, k, "full")),
    ("shifted_output", False, "same", correlate2d, lambda d, k, m: _full_of(d, k)[:-2, :-2]),
    ("same_padding", True, "full", convolve2d, lambda d, k, m: convolve2d(d, k, "same")),
    ("kernel_transposed", True, "valid", convolve2d, lambda d, k, m: correlate2d(d, k.T, m)),
]


def _full_of(d: np.ndarray, k: np.ndarray) -> np.ndarray:
    return correlate2d(d, k, "full")


@pytest.mark.parametrize(("code", "flip", "mode", "reference", "student"), CONVENTIONS)
def test_other_conventions_are_diagnosed_relative_to_the_graded_one(
    code: str, flip: bool, mode: str, reference: Callable[..., Any], student: Callable[..., Any]
) -> None:
    """With flip=True or mode='same'/'full' graded, is the mistake named relative to it?"""
    image, kernel = CASE.data, CASE.kernel
    expected = reference(image, kernel, mode).astype(float)
    actual = student(image, kernel, mode)
    args = {"image": image, "kernel": kernel}
    assert diagnose(args, expected, expected, kind="2d", flip=flip, mode=mode) == ()
    hints = diagnose(args, expected, actual, kind="2d", flip=flip, mode=mode)
    assert [h.code for h in hints] == [code]


@pytest.mark.parametrize("flip", [False, True])
def test_one_dimensional_flip_conventions(flip: bool) -> None:
    """In 1-D, is np.convolve named under cross-correlation and np.correlate under convolution?"""
    signal, kernel = SIGNAL.data, SIGNAL.kernel
    right, wrong = (np.convolve, np.correlate) if flip else (np.correlate, np.convolve)
    expected = right(signal, kernel, "valid")
    hints = diagnose(SIGNAL.args, expected, wrong(signal, kernel, "valid"), kind="1d", flip=flip)
    assert [h.code for h in hints] == ["unflipped_kernel" if flip else "flipped_kernel"]


@pytest.mark.parametrize("kernel_shape", [(2, 2), (3, 3), (4, 3), (2, 5)])
@pytest.mark.parametrize("mode", ["valid", "same", "full"])
def test_helpers_match_scipy_and_numpy(kernel_shape: tuple[int, int], mode: str) -> None:
    """Do the counterfactual helpers pad and centre like scipy and NumPy, even kernels too?"""
    rng = np.random.default_rng(7)
    image, kernel = rng.normal(size=(7, 9)), rng.normal(size=kernel_shape)
    np.testing.assert_allclose(dg._correlate(image, kernel, mode), correlate2d(image, kernel, mode))
    np.testing.assert_allclose(dg._convolve(image, kernel, mode), convolve2d(image, kernel, mode))
    signal, k1 = rng.normal(size=9), rng.normal(size=kernel_shape[1])
    np.testing.assert_allclose(dg._correlate(signal, k1, mode), np.correlate(signal, k1, mode))
    np.testing.assert_allclose(dg._convolve(signal, k1, mode), np.convolve(signal, k1, mode))


def test_symmetric_kernel_is_never_called_flipped() -> None:
    """With a symmetric kernel, does flipping go unmentioned (it changes nothing)?"""
    image = CASE.data
    kernel = np.array([[1.0, -2.0, 1.0], [0.5, 3.0, 0.5], [1.0, -2.0, 1.0]])
    expected = _valid(image, kernel)
    args = {"image": image, "kernel": kernel}
    assert diagnose(args, expected, convolve2d(image, kernel, "valid"), kind="2d") == ()
    truncated = np.trunc(convolve2d(image, kernel, "valid"))
    assert [h.code for h in diagnose(args, expected, truncated, kind="2d")] == ["int_truncation"]
    same = convolve2d(image, kernel, "same")
    assert [h.code for h in diagnose(args, expected, same, kind="2d")] == ["same_padding"]


def test_integer_result_is_never_called_truncated() -> None:
    """When the right answer is whole numbers, is 'truncated' never named (it changes nothing)?"""
    image = np.arange(30).reshape(5, 6)
    kernel = np.array([[1, -2, 0], [3, 0, -1], [0, 2, -3]])
    expected = _valid(image, kernel).astype(float)
    args = {"image": image, "kernel": kernel}
    assert diagnose(args, expected, expected.astype(int), kind="2d") == ()
    codes = [h.code for h in diagnose(args, expected, expected + 7, kind="2d")]
    assert codes == ["constant_offset"]


def test_rows_and_columns_on_an_input_one_column_wider_reads_as_both() -> None:
    """When one size for both axes and an early stop give the same output, are both named?"""
    case = LESSONS["2d"][2]  # 6x7: the square crop is the valid output minus its last column
    (hint,) = _diagnose(case, case.expected[:, :-1])
    assert hint.code == "off_by_one"
    assert "image.shape[0] twice" in hint.message
    (hint,) = _diagnose(CASE, CASE.expected[:, :-1])
    assert "twice" not in hint.message


def test_correct_output_with_a_modified_input_names_only_that() -> None:
    """Is an input changed in place named even when the output itself is right?"""
    after = {"image": CASE.data * 2, "kernel": CASE.kernel.copy()}
    hints = _diagnose(CASE, CASE.expected, args_after=after)
    assert [h.code for h in hints] == ["modified_input"]
    assert "`image`" in hints[0].message
    unchanged = {n: v.copy() for n, v in CASE.args.items()}
    assert _diagnose(CASE, CASE.expected, args_after=unchanged) == ()


def test_hints_are_ordered_most_specific_first() -> None:
    """Does a recognised mistake come before the modified input, and 'wrong values' last?"""
    after = {"image": CASE.data + 1, "kernel": CASE.kernel}
    truncated = _diagnose(CASE, np.trunc(CASE.expected), args_after=after)
    assert [h.code for h in truncated] == ["int_truncation", "modified_input"]
    noise = np.random.default_rng(3).normal(size=CASE.expected.shape)
    unknown = _diagnose(CASE, noise, args_after=after)
    assert [h.code for h in unknown] == ["modified_input", "wrong_values"]


WRONG_SHAPES: list[tuple[str, tuple[int, ...], str]] = [
    ("input-sized", (12, 8), "padded"),
    ("bigger", (13, 9), "full"),
    ("one smaller", (9, 6), "off by one"),
    ("swapped", (6, 10), "Rows and columns are swapped"),
    ("single number", (), "single number"),
    ("empty", (0, 6), "never ran"),
    ("three axes", (2, 10, 6), "3 dimension"),
]


@pytest.mark.parametrize(("name", "shape", "words"), WRONG_SHAPES, ids=[w[0] for w in WRONG_SHAPES])
def test_unexplained_wrong_shape_says_what_the_shape_usually_means(
    name: str, shape: tuple[int, ...], words: str
) -> None:
    """Does a wrong shape with no known cause give both shapes and what such a shape means?"""
    noise = np.random.default_rng(5).normal(size=shape)
    hints = _diagnose(CASE, noise)
    assert [h.code for h in hints] == ["wrong_shape"]
    assert words in hints[0].message
    assert "(10, 6)" in hints[0].message


def test_unexplained_wrong_values_count_and_locate_the_errors() -> None:
    """Does 'wrong values' say how many cells differ, the largest difference and the first one?"""
    actual = CASE.expected.copy()
    actual[2, 3] += 5.0
    actual[4, 1] -= 2.0
    (hint,) = _diagnose(CASE, actual)
    assert hint.code == "wrong_values"
    assert "2 of 60 values" in hint.message
    assert "largest difference is 5 " in hint.message
    assert "(2, 3)" in hint.message


def test_flat_output_and_nan_output_get_their_own_hints() -> None:
    """Are a flattened right answer, NaN values and an all-zero output each named?"""
    assert [h.code for h in _diagnose(CASE, CASE.expected.ravel())] == ["reshaped_output"]
    assert [h.code for h in _diagnose(CASE, CASE.expected[np.newaxis])] == ["reshaped_output"]
    with_nan = CASE.expected.copy()
    with_nan[0, 0] = np.nan
    assert [h.code for h in _diagnose(CASE, with_nan)] == ["non_finite"]
    zeros = np.zeros_like(CASE.expected)
    assert [h.code for h in _diagnose(CASE, zeros)] == ["all_zero"]


def test_messages_never_show_array_contents() -> None:
    """Do the messages leave out every input and output value (hidden cases stay hidden)?"""
    rng = np.random.default_rng(11)
    image = rng.normal(size=(9, 7)) * 1000 + 0.123
    kernel = rng.normal(size=(3, 3)) + 0.0123
    case = _case2d("secret", image, kernel)
    noise = rng.normal(size=case.expected.shape) * 1000
    outputs = [
        convolve2d(image, kernel, "valid"),
        np.trunc(case.expected),
        case.expected + 3.5,
        noise,
        rng.normal(size=(4, 4)),
        case.expected.ravel(),
        correlate2d(image, kernel, "same"),
    ]
    for actual in outputs:
        messages = " ".join(h.message for h in _diagnose(case, actual))
        values = np.concatenate([image.ravel(), kernel.ravel(), case.expected.ravel()])
        for v in np.concatenate([values, np.asarray(actual, dtype=float).ravel()]):
            for text in (f"{v:.4g}", f"{v:.6g}", f"{v:.3f}"):
                if len(text.lstrip("-")) > 2:
                    assert text not in messages


def test_titles_cover_every_code_as_short_phrases() -> None:
    """Is every hint code titled with a short noun phrase for class-level counts?"""
    for code, title in HINT_TITLES.items():
        assert re.fullmatch(r"[a-z_]+", code)
        assert 0 < len(title) <= 60 and title[0].islower() and not title.endswith(".")
    source = Path(dg.__file__).read_text()
    assert set(re.findall(r'Hint\(\s*"([a-z_]+)"', source)) == HINT_TITLES.keys()


# --------------------------------------------------------------------------------------------
# Odd inputs: diagnose never raises

IMG = CASE.data
KER = CASE.kernel
EXP = CASE.expected
ARGS = {"image": IMG, "kernel": KER}

EDGES: list[tuple[str, dict[str, Any]]] = [
    ("none_actual", {"actual": None}),
    ("empty_actual", {"actual": np.empty((0,))}),
    ("zero_d_actual", {"actual": np.asarray(3.0)}),
    ("nan_actual", {"actual": np.full(EXP.shape, np.nan)}),
    ("inf_actual", {"actual": np.full(EXP.shape, np.inf)}),
    ("three_d_actual", {"actual": np.zeros((2, 10, 6))}),
    ("object_actual", {"actual": np.array([1, "a"], dtype=object)}),
    ("complex_actual", {"actual": EXP + 1j}),
    ("string_actual", {"actual": "not an array"}),
    ("ragged_list_actual", {"actual": [[1.0, 2.0], [3.0]]}),
    ("bool_actual", {"actual": EXP > 0}),
    ("huge_actual", {"actual": np.full(EXP.shape, 1e308)}),
    ("expected_none", {"expected": None}),
    ("expected_empty", {"expected": np.empty((0, 0)), "actual": np.zeros((1, 1))}),
    ("args_empty", {"args": {}}),
    ("args_not_a_mapping", {"args": [IMG, KER]}),
    ("args_one_array", {"args": {"image": IMG}}),
    ("args_lists", {"args": {"image": IMG.tolist(), "kernel": KER.tolist()}}),
    ("args_none_values", {"args": {"image": None, "kernel": None}}),
    ("args_3d", {"args": {"image": np.ones((3, 4, 5)), "kernel": np.ones((2, 2, 2))}}),
    ("args_0d", {"args": {"image": np.asarray(2.0), "kernel": np.asarray(1.0)}}),
    ("args_empty_arrays", {"args": {"image": np.empty((0, 0)), "kernel": np.empty((0, 0))}}),
    ("kernel_bigger", {"args": {"image": np.ones((2, 2)), "kernel": np.ones((3, 3))}}),
    ("kernel_1x1", {"args": {"image": IMG, "kernel": np.array([[2.0]])}}),
    ("kernel_zero_sum", {"args": {"image": IMG, "kernel": KER - KER.mean()}}),
    ("nan_in_image", {"args": {"image": np.where(IMG > 0, np.nan, IMG), "kernel": KER}}),
    ("inf_in_kernel", {"args": {"image": IMG, "kernel": np.full((3, 3), np.inf)}}),
    ("huge_values", {"args": {"image": IMG * 1e300, "kernel": KER * 1e300}}),
    ("bool_image", {"args": {"image": IMG > 0, "kernel": KER}}),
    ("uint8_image", {"args": {"image": (IMG * 10 % 256).astype(np.uint8), "kernel": KER}}),
    ("big_image", {"args": {"image": np.ones((700, 700)), "kernel": KER}}),
    ("kind_1d_with_2d_data", {"kind": "1d"}),
    ("kind_unknown", {"kind": "3d"}),
    ("mode_unknown", {"mode": "circular"}),
    ("mode_same", {"mode": "same", "actual": np.ones(IMG.shape)}),
    ("tolerance_nan", {"rtol": float("nan"), "atol": float("nan")}),
    ("args_after_missing_names", {"args_after": {"other": IMG}}),
    ("args_after_other_shape", {"args_after": {"image": IMG[:2], "kernel": KER}}),
    ("args_after_objects", {"args_after": {"image": object(), "kernel": "x"}}),
    ("args_after_not_a_mapping", {"args_after": [IMG, KER]}),
]


@pytest.mark.parametrize(("name", "overrides"), EDGES, ids=[e[0] for e in EDGES])
def test_odd_inputs_never_raise(name: str, overrides: dict[str, Any]) -> None:
    """Does diagnose return a tuple of known hints, without raising, for any odd input?"""
    call: dict[str, Any] = {
        "args": ARGS,
        "expected": EXP,
        "actual": np.random.default_rng(1).normal(size=EXP.shape),
        "kind": "2d",
    }
    call.update(overrides)
    args, expected, actual = call.pop("args"), call.pop("expected"), call.pop("actual")
    hints = diagnose(args, expected, actual, **call)
    assert isinstance(hints, tuple)
    assert all(isinstance(h, Hint) and h.code in HINT_TITLES and h.message for h in hints)


def test_an_internal_error_is_swallowed_outside_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    """When a check itself fails, does diagnose still answer instead of raising?"""

    def broken(*_: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(dg, "_RAISE_ERRORS", False)
    monkeypatch.setattr(dg, "_search_counterfactuals", broken)
    monkeypatch.setattr(dg, "_make_case", broken)
    assert diagnose(ARGS, EXP, EXP + 1, kind="2d") == ()
    monkeypatch.setattr(dg, "_RAISE_ERRORS", True)
    with pytest.raises(RuntimeError):
        diagnose(ARGS, EXP, EXP + 1, kind="2d")


@settings(max_examples=40, deadline=None)
@given(
    h=st.integers(1, 7),
    w=st.integers(1, 7),
    kh=st.integers(1, 3),
    kw=st.integers(1, 3),
    seed=st.integers(0, 2**32 - 1),
    two_d=st.booleans(),
)
def test_random_inputs_correct_is_silent_and_wrong_never_raises(
    h: int, w: int, kh: int, kw: int, seed: int, two_d: bool
) -> None:
    """For random sizes, is a right answer always left alone and a wrong one never a crash?"""
    rng = np.random.default_rng(seed)
    if two_d:
        case = _case2d("random", rng.normal(size=(h + kh, w + kw)), rng.normal(size=(kh, kw)))
    else:
        case = _case1d("random", rng.normal(size=h + kh), rng.normal(size=kh))
    assert _diagnose(case, case.expected) == ()
    assert _diagnose(case, case.expected.astype(np.float32)) == ()
    for shape in (case.expected.shape, case.data.shape, (h,), ()):
        hints = _diagnose(case, rng.normal(size=shape))
        assert hints and all(x.code in HINT_TITLES for x in hints)
