"""Pure comparison of a student's returned value with the expected array.

The order follows what a student needs to hear first: was anything usable returned, does it
have the right shape, is every value finite, are the values right. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..exercise import allclose_scaled, close_mask

__all__ = ["Comparison", "allclose_scaled", "close_mask", "compare"]


@dataclass(frozen=True, slots=True)
class Comparison:
    """The verdict on one returned value.

    Attributes:
        ok: True when the value counts as correct.
        reason: One sentence for the student when not ok ("" when ok).
        max_abs_err: Largest absolute difference when shapes matched, else None.
        n_wrong: How many cells are outside the tolerance (0 when ok or shapes differ).
        first_wrong: Index of the first wrong cell, or None.
        notes: Remarks that cost no points (e.g. a list was returned instead of an array).
        example: "got X, expected Y" at the first wrong cell: for public tests only, since it
            shows an expected value.
    """

    ok: bool
    reason: str = ""
    max_abs_err: float | None = None
    n_wrong: int = 0
    first_wrong: tuple[int, ...] | None = None
    notes: tuple[str, ...] = ()
    example: str = ""


def compare(
    expected: NDArray[np.float64],
    actual: NDArray[np.generic] | None,
    *,
    rtol: float,
    atol: float,
    scale: float = 1.0,
    returned_type: str = "ndarray",
    returns: str = "array",
) -> Comparison:
    """Compare a rebuilt student array with the expected one.

    Args:
        expected: the reference output, float64.
        actual: the student's value rebuilt as a real-number array, or None when nothing
            usable came back (the caller explains why).
        rtol, atol: the spec's tolerance; atol is multiplied by ``scale``.
        scale: the size of the terms the function adds up (the exercise's tolerance_scale).
        returned_type: the Python type the student's function returned ("ndarray", "list").
        returns: what the reference returns: "array", "number" or "tuple".
    """
    if actual is None:
        return Comparison(False, "The function returned nothing usable.")
    notes: tuple[str, ...] = ()
    if returns == "array" and returned_type != "ndarray":
        notes = (
            f"Your function returned a {returned_type}; the exercise asks for a NumPy array "
            "(wrap the result in np.array(...)).",
        )
    if actual.shape != expected.shape:
        return Comparison(
            False,
            f"Wrong shape: got {_shape(actual.shape)}, expected {_shape(expected.shape)}.",
            notes=notes,
        )
    a = actual.astype(np.float64, copy=False)
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(a - expected)
        close = diff <= atol * scale + rtol * np.abs(expected)  # NaN is never close
    if close.all():  # the common case, decided in one pass
        return Comparison(True, max_abs_err=float(diff.max()) if diff.size else 0.0, notes=notes)
    finite = np.isfinite(a)
    if not finite.all():
        bad = int((~finite).sum())
        first = tuple(int(i) for i in np.argwhere(~finite)[0])
        return Comparison(
            False,
            f"{bad} of {actual.size} values are NaN or infinite (first at index {first}).",
            n_wrong=bad,
            first_wrong=first,
            notes=notes,
        )
    max_err = float(diff.max()) if diff.size else 0.0
    wrong = int((~close).sum())
    first = tuple(int(i) for i in np.argwhere(~close)[0])
    got = float(actual[first])
    want = float(expected[first])
    if actual.ndim == 0:
        return Comparison(
            False,
            f"The value is wrong; the difference is {max_err:.4g}.",
            max_abs_err=max_err,
            n_wrong=1,
            first_wrong=first,
            notes=notes,
            example=f"Your function gave {got:.6g}; expected {want:.6g}.",
        )
    return Comparison(
        False,
        f"{wrong} of {actual.size} values are wrong; the largest difference is {max_err:.4g}; "
        f"the first wrong one is at index {first}.",
        max_abs_err=max_err,
        n_wrong=wrong,
        first_wrong=first,
        notes=notes,
        example=f"At index {first} your function gave {got:.6g}; expected {want:.6g}.",
    )


def _shape(shape: tuple[int, ...]) -> str:
    if not shape:
        return "a single number"
    return "(" + ", ".join(str(n) for n in shape) + (",)" if len(shape) == 1 else ")")
