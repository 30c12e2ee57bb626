"""Property tests: the reference solution agrees with SciPy and NumPy in every mode."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose

REFERENCE = Path(__file__).resolve().parents[1] / "exercises" / "convolution" / "reference.py"


def load_reference(path: Path = REFERENCE) -> ModuleType:
    """Imports the reference solution from its file (an exercise folder is not a package)."""
    spec = importlib.util.spec_from_file_location("reference_convolution", path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ref = load_reference()

MODES = ("valid", "same", "full")
DTYPES = (np.int64, np.float64, np.float32, np.uint8)
ELEMENTS = {
    np.int64: st.integers(-50, 50),
    np.uint8: st.integers(0, 255),
    np.float64: st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False),
    np.float32: st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, width=32),
}
FLOAT32 = ELEMENTS[np.float32]
SETTINGS = settings(max_examples=60, deadline=None)

Array = np.ndarray
Pair = tuple[Array, Array]


def array_of(shape: tuple[int, ...]) -> st.SearchStrategy[Array]:
    """Arrays of the given shape in any of the tested dtypes."""
    return st.sampled_from(DTYPES).flatmap(lambda dt: arrays(dt, shape, elements=ELEMENTS[dt]))


@st.composite
def pairs(draw: st.DrawFn, ndim: int, kernel_larger: bool = False) -> Pair:
    """An input and a kernel; the kernel fits inside the input unless ``kernel_larger``."""
    shape = tuple(draw(st.integers(1, 9)) for _ in range(ndim))
    extra = 3 if kernel_larger else 0
    kshape = tuple(draw(st.integers(1, n + extra)) for n in shape)
    return draw(array_of(shape)), draw(array_of(kshape))


def assert_close(got: Array, want: Array, x: Array, k: Array, rtol: float = 1e-10) -> None:
    """Compares with the spec's rule: atol is relative to the size of the summed terms."""
    scale = max(1.0, float(np.abs(x.astype(np.float64)).max() * np.abs(k.astype(np.float64)).sum()))
    assert got.shape == want.shape
    assert_allclose(got, want, rtol=rtol, atol=rtol * scale)


def f64(a: Array) -> Array:
    """Casts to float64 so that the oracle neither overflows (uint8) nor rounds (float32)."""
    return a.astype(np.float64)


@pytest.mark.parametrize("mode", MODES)
@SETTINGS
@given(pair=pairs(2))
def test_convolve_matches_correlate2d(mode: str, pair: Pair) -> None:
    """Does convolve equal scipy.signal.correlate2d in every mode?"""
    image, kernel = pair
    want = scipy.signal.correlate2d(f64(image), f64(kernel), mode=mode)
    assert_close(ref.convolve(image, kernel, mode=mode), want, image, kernel)


@pytest.mark.parametrize("mode", MODES)
@SETTINGS
@given(pair=pairs(2))
def test_convolve_flip_matches_convolve2d(mode: str, pair: Pair) -> None:
    """Does convolve with flip=True equal scipy.signal.convolve2d in every mode?"""
    image, kernel = pair
    want = scipy.signal.convolve2d(f64(image), f64(kernel), mode=mode)
    assert_close(ref.convolve(image, kernel, flip=True, mode=mode), want, image, kernel)


@pytest.mark.parametrize("mode", MODES)
@SETTINGS
@given(pair=pairs(1))
def test_convolve1d_matches_np_correlate(mode: str, pair: Pair) -> None:
    """Does convolve1d equal numpy.correlate in every mode?"""
    signal, kernel = pair
    want = np.correlate(f64(signal), f64(kernel), mode)
    assert_close(ref.convolve1d(signal, kernel, mode=mode), want, signal, kernel)


@pytest.mark.parametrize("mode", MODES)
@SETTINGS
@given(pair=pairs(1))
def test_convolve1d_flip_matches_np_convolve(mode: str, pair: Pair) -> None:
    """Does convolve1d with flip=True equal numpy.convolve in every mode?"""
    signal, kernel = pair
    want = np.convolve(f64(signal), f64(kernel), mode)
    assert_close(ref.convolve1d(signal, kernel, flip=True, mode=mode), want, signal, kernel)


@pytest.mark.parametrize("flip", [False, True])
@pytest.mark.parametrize("mode", ["same", "full"])
@SETTINGS
@given(pair=pairs(2, kernel_larger=True))
def test_convolve_kernel_larger_than_image(mode: str, flip: bool, pair: Pair) -> None:
    """Do padded modes still match SciPy when the kernel is larger than the image?"""
    image, kernel = pair
    oracle = scipy.signal.convolve2d if flip else scipy.signal.correlate2d
    want = oracle(f64(image), f64(kernel), mode=mode)
    assert_close(ref.convolve(image, kernel, flip=flip, mode=mode), want, image, kernel)


@pytest.mark.parametrize("flip", [False, True])
@SETTINGS
@given(pair=pairs(1, kernel_larger=True))
def test_convolve1d_full_kernel_longer_than_signal(flip: bool, pair: Pair) -> None:
    """Does 'full' mode still match NumPy when the kernel is longer than the signal?"""
    signal, kernel = pair
    want = (np.convolve if flip else np.correlate)(f64(signal), f64(kernel), "full")
    assert_close(ref.convolve1d(signal, kernel, flip=flip, mode="full"), want, signal, kernel)


KERNEL_SHAPES = [(1, 1), (1, 5), (5, 1), (2, 2), (2, 4), (4, 2), (3, 4), (5, 6), (6, 7)]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("flip", [False, True])
@pytest.mark.parametrize("kshape", KERNEL_SHAPES)
def test_convolve_edge_kernel_shapes(kshape: tuple[int, int], flip: bool, mode: str) -> None:
    """Do row, column and even kernels up to the image size match SciPy, centring included?"""
    rng = np.random.default_rng(sum(kshape))
    image, kernel = rng.normal(size=(6, 7)), rng.normal(size=kshape)
    oracle = scipy.signal.convolve2d if flip else scipy.signal.correlate2d
    got = ref.convolve(image, kernel, flip=flip, mode=mode)
    assert_close(got, oracle(image, kernel, mode=mode), image, kernel)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("flip", [False, True])
@pytest.mark.parametrize("k", [1, 2, 3, 4, 7, 8])
def test_convolve1d_edge_kernel_lengths(k: int, flip: bool, mode: str) -> None:
    """Do odd and even kernel lengths, up to the signal length, match NumPy (and its centring)?"""
    rng = np.random.default_rng(k)
    signal, kernel = rng.normal(size=8), rng.normal(size=k)
    want = (np.convolve if flip else np.correlate)(signal, kernel, mode)
    assert_close(ref.convolve1d(signal, kernel, flip=flip, mode=mode), want, signal, kernel)


@SETTINGS
@given(
    image=arrays(np.float32, st.tuples(st.integers(3, 9), st.integers(3, 9)), elements=FLOAT32),
    kernel=arrays(np.float32, (3, 3), elements=FLOAT32),
)
def test_convolve_agrees_with_float32_scipy(image: Array, kernel: Array) -> None:
    """Does the float64 result agree with SciPy computing in float32, within float32 tolerance?"""
    want = scipy.signal.correlate2d(image, kernel, mode="valid")
    assert want.dtype == np.float32
    assert_close(ref.convolve(image, kernel), want, image, kernel, 1e-5)


@pytest.mark.parametrize("flip", [False, True])
@pytest.mark.parametrize("mode", MODES)
@settings(max_examples=20, deadline=None)
@given(pair2=pairs(2), pair1=pairs(1))
def test_inputs_unmodified_and_output_float64(
    mode: str, flip: bool, pair2: Pair, pair1: Pair
) -> None:
    """Are the inputs left untouched, and is the output a fresh float64 array?"""
    for function, (x, k) in ((ref.convolve, pair2), (ref.convolve1d, pair1)):
        x_before, k_before = x.copy(), k.copy()
        out = function(x, k, flip=flip, mode=mode)
        assert isinstance(out, np.ndarray) and out.dtype == np.float64
        assert x.dtype == x_before.dtype and k.dtype == k_before.dtype
        np.testing.assert_array_equal(x, x_before)
        np.testing.assert_array_equal(k, k_before)
        assert not np.shares_memory(out, x) and not np.shares_memory(out, k)


def test_lists_and_spec_examples() -> None:
    """Do nested lists work, and do the spec's lesson cases give the hand-computed values?"""
    image = [[1, 2, 3, 0], [4, 5, 6, 1], [7, 8, 9, 2], [0, 1, 0, 1]]
    assert_allclose(ref.convolve(image, [[1, 0], [0, -1]]), [[-4, -4, 2], [-4, -4, 4], [6, 8, 8]])
    assert_allclose(ref.convolve1d([0] * 5 + [1] * 5, [-1, 1]), [0, 0, 0, 0, 1, 0, 0, 0, 0])
    assert_allclose(ref.convolve1d([1, 0] * 5, [1, -1, 0]), [1, -1] * 4)


@pytest.mark.parametrize(
    ("function", "x", "k", "kwargs", "message"),
    [
        (ref.convolve, np.ones(5), np.ones((2, 2)), {}, "image must be 2-D"),
        (ref.convolve, np.ones((5, 5, 1)), np.ones((2, 2)), {}, "image must be 2-D"),
        (ref.convolve, np.ones((5, 5)), np.ones(2), {}, "kernel must be 2-D"),
        (ref.convolve, np.ones((5, 5)), 1.0, {}, "kernel must be 2-D"),
        (ref.convolve, np.ones((0, 5)), np.ones((1, 1)), {"mode": "full"}, "image must not"),
        (ref.convolve, np.ones((5, 5)), np.ones((2, 0)), {"mode": "same"}, "kernel must not"),
        (ref.convolve, np.ones((3, 5)), np.ones((4, 2)), {}, "larger than image"),
        (ref.convolve, np.ones((5, 3)), np.ones((2, 4)), {"flip": True}, "larger than image"),
        (ref.convolve, np.ones((5, 5)), np.ones((2, 2)), {"mode": "Same"}, "mode must be one of"),
        (ref.convolve1d, np.ones((5, 1)), np.ones(2), {}, "signal must be 1-D"),
        (ref.convolve1d, np.ones(5), np.ones((2, 1)), {}, "kernel must be 1-D"),
        (ref.convolve1d, [], [1.0], {"mode": "full"}, "signal must not be empty"),
        (ref.convolve1d, np.ones(5), np.ones(0), {}, "kernel must not be empty"),
        (ref.convolve1d, np.ones(3), np.ones(4), {}, "larger than signal"),
        (ref.convolve1d, np.ones(5), np.ones(2), {"mode": "circular"}, "mode must be one of"),
    ],
)
def test_value_errors(function, x, k, kwargs, message) -> None:  # type: ignore[no-untyped-def]
    """Are wrong dimensions, empty arrays, oversized kernels and unknown modes rejected clearly?"""
    with pytest.raises(ValueError, match=message):
        function(x, k, **kwargs)
