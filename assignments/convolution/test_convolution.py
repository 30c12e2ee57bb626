"""Public tests for convolution.py. Run `pytest` in the folder that holds both files.

Passing these tests does not guarantee full marks: the grader also runs hidden cases (larger
images, random floats and negative numbers) under the same rules.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from convolution import convolve, convolve1d

# ----------------------------------------------------------------------------- the lessons' cases


def test_1d_lesson_edge():
    """Five zeros then five ones: the kernel [-1, 1] fires once, where the step is."""
    signal = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    kernel = np.array([-1, 1])
    assert_allclose(convolve1d(signal, kernel), [0, 0, 0, 0, 1, 0, 0, 0, 0])


def test_1d_lesson_alternating():
    """The alternating array: out[i] = signal[i] - signal[i+1]."""
    signal = np.array([1, 0, 1, 0, 1, 0, 1, 0, 1, 0])
    kernel = np.array([1, -1, 0])
    assert_allclose(convolve1d(signal, kernel), [1, -1, 1, -1, 1, -1, 1, -1])


def test_2d_lesson_2x2_kernel():
    """The small 4x4 image with a 2x2 kernel: out[i, j] = image[i, j] - image[i+1, j+1]."""
    image = np.array([[1, 2, 3, 0], [4, 5, 6, 1], [7, 8, 9, 2], [0, 1, 0, 1]])
    kernel = np.array([[1, 0], [0, -1]])
    expected = [
        [-4, -4, 2],
        [-4, -4, 4],
        [6, 8, 8],
    ]
    assert_allclose(convolve(image, kernel), expected)


def test_2d_vertical_edge_5x6():
    """A dark/bright image (5 rows, 6 columns) with a vertical edge kernel."""
    image = np.array(
        [
            [0, 0, 0, 1, 1, 1],
            [0, 0, 0, 1, 1, 1],
            [0, 0, 0, 1, 1, 1],
            [0, 0, 0, 1, 1, 1],
            [0, 0, 0, 1, 1, 1],
        ]
    )
    kernel = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    expected = [
        [0, 4, 4, 0],
        [0, 4, 4, 0],
        [0, 4, 4, 0],
    ]
    assert_allclose(convolve(image, kernel), expected)


# ----------------------------------------------------------------------------- the convention


def test_2d_kernel_is_not_flipped():
    """The kernel is used as given: 1*1 + 2*2 + 3*3 + 4*4 = 30 (flipping it would give 20)."""
    a = np.array([[1, 2], [3, 4]])
    assert_allclose(convolve(a, a), [[30]])


def test_1d_kernel_is_not_flipped():
    """The kernel is used as given: 1*1 + 2*2 + 3*3 = 14 (flipping it would give 10)."""
    a = np.array([1, 2, 3])
    assert_allclose(convolve1d(a, a), [14])


def test_fractions_are_kept():
    """Float inputs give float results (no rounding to integers)."""
    assert_allclose(convolve1d(np.array([0.5, 1.5, 2.5]), np.array([2, -1])), [-0.5, 0.5])
    image = np.array([[0.5, 1.0, 1.5], [2.0, 2.5, 3.0]])
    assert_allclose(convolve(image, np.array([[0.5, 0.5]])), [[0.75, 1.25], [2.25, 2.75]])


# ----------------------------------------------------------------------------- shapes and types


@pytest.mark.parametrize(
    ("image_shape", "kernel_shape", "out_shape"),
    [
        ((5, 6), (3, 3), (3, 4)),
        ((6, 5), (3, 3), (4, 3)),
        ((4, 4), (1, 1), (4, 4)),
        ((4, 7), (2, 3), (3, 5)),
        ((3, 5), (3, 5), (1, 1)),
        ((1, 8), (1, 3), (1, 6)),
        ((8, 1), (3, 1), (6, 1)),
    ],
)
def test_2d_output_shape(image_shape, kernel_shape, out_shape):
    """An (H, W) image and a (kh, kw) kernel give an (H - kh + 1, W - kw + 1) output."""
    out = convolve(np.ones(image_shape), np.ones(kernel_shape))
    assert np.shape(out) == out_shape


@pytest.mark.parametrize(
    ("n", "k"),
    [(10, 3), (10, 2), (5, 1), (5, 5), (7, 4)],
)
def test_1d_output_shape(n, k):
    """A length-N signal and a length-k kernel give a length N - k + 1 output."""
    out = convolve1d(np.ones(n), np.ones(k))
    assert np.shape(out) == (n - k + 1,)


def test_returns_numpy_float_array():
    """Both functions return a NumPy array of floats, even for integer inputs."""
    out2 = convolve(np.arange(16).reshape(4, 4), np.array([[1, 0], [0, -1]]))
    out1 = convolve1d(np.arange(10), np.array([-1, 1]))
    for out in (out2, out1):
        assert isinstance(out, np.ndarray), f"expected a NumPy array, got {type(out).__name__}"
        assert np.issubdtype(out.dtype, np.floating), f"expected floats, got dtype {out.dtype}"


def test_does_not_modify_inputs():
    """The image, signal and kernels are exactly the same after the calls."""
    image = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.5]])
    kernel = np.array([[1.0, -1.0], [0.5, 2.0]])
    signal = np.array([3.0, 1.0, 4.0, 1.0, 5.0])
    kernel1d = np.array([1.0, -2.0, 0.5])
    copies = [a.copy() for a in (image, kernel, signal, kernel1d)]
    convolve(image, kernel)
    convolve1d(signal, kernel1d)
    for before, after in zip(copies, (image, kernel, signal, kernel1d)):
        np.testing.assert_array_equal(after, before)
