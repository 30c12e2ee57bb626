"""The comparison rules every verdict rests on."""

from __future__ import annotations

import numpy as np
import pytest

from grader.core.compare import compare

from .conftest import CONVOLUTION

tolerance_scale = CONVOLUTION.diagnosis.tolerance_scale

EXPECTED = np.array([[1.0, -2.5], [3.25, 100.0]])


@pytest.mark.parametrize(
    ("actual", "ok", "reason"),
    [
        (EXPECTED.copy(), True, ""),
        (EXPECTED.astype(np.float32), True, ""),
        (EXPECTED + 1e-9, True, ""),
        (EXPECTED.T, False, "values are wrong"),
        (EXPECTED[:1], False, "Wrong shape: got (1, 2), expected (2, 2)"),
        (np.full((2, 2), np.nan), False, "NaN or infinite"),
        (np.where(EXPECTED > 50, np.inf, EXPECTED), False, "NaN or infinite"),
        (EXPECTED.astype(np.int64), False, "values are wrong"),
        (EXPECTED + 0.01, False, "4 of 4 values are wrong"),
        (None, False, "nothing usable"),
    ],
    ids=[
        "equal",
        "float32",
        "tiny-error",
        "transposed",
        "shape",
        "nan",
        "inf",
        "truncated",
        "offset",
        "none",
    ],
)
def test_compare_table(actual: np.ndarray | None, ok: bool, reason: str) -> None:
    """Does compare accept exactly the right answers, and say why it rejects the others?"""
    c = compare(EXPECTED, actual, rtol=1e-5, atol=1e-5, scale=1.0)
    assert c.ok is ok
    assert reason in c.reason


def test_list_return_passes_with_a_note() -> None:
    """Does a correct list-of-lists pass, with a note asking for a NumPy array?"""
    c = compare(EXPECTED, EXPECTED.copy(), rtol=1e-5, atol=1e-5, returned_type="list")
    assert c.ok
    assert "NumPy array" in c.notes[0]


def test_float32_on_pixel_images_passes() -> None:
    """Does a float32 computation on 0..255 images pass the scaled tolerance?"""
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, size=(10, 10)).astype(np.float64)
    kernel = rng.uniform(-1, 1, size=(3, 3))
    from numpy.lib.stride_tricks import sliding_window_view as windows

    exact = np.einsum("ijkl,kl->ij", windows(image, (3, 3)), kernel)
    f32 = np.einsum(
        "ijkl,kl->ij", windows(image.astype(np.float32), (3, 3)), kernel.astype(np.float32)
    )
    scale = tolerance_scale(image, kernel)
    assert not np.array_equal(f32.astype(np.float64), exact)
    assert compare(exact, f32, rtol=1e-5, atol=1e-5, scale=scale).ok
    assert not compare(exact, np.trunc(exact), rtol=1e-5, atol=1e-5, scale=scale).ok


def test_first_wrong_cell_is_reported() -> None:
    """Does the message say how many cells differ, the largest difference and where?"""
    actual = EXPECTED.copy()
    actual[1, 0] += 2.0
    c = compare(EXPECTED, actual, rtol=1e-5, atol=1e-5)
    assert not c.ok
    assert c.n_wrong == 1
    assert c.first_wrong == (1, 0)
    assert "1 of 4" in c.reason and "(1, 0)" in c.reason
    assert "expected 3.25" in c.example and "expected" not in c.reason
