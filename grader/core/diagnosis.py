"""The diagnosis engine: ask the exercise what mistake explains a wrong output, then fall back
on what is true of any exercise (right values in the wrong shape, NaN, all zeros, a result
rounded to integers, the wrong sign, a wrong shape, wrong values).

Pure: no I/O, and :func:`diagnose` never raises (an exercise whose rules fail is skipped).
Messages never quote values (they may be hidden test data); shapes and counts are fine.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..exercise import Call, Exercise, Hint

_log = logging.getLogger(__name__)
# Tests set this to True so that a bug inside a rule fails loudly instead of being skipped.
RAISE_ERRORS = False

GENERIC_TITLES: dict[str, str] = {
    "reshaped_output": "returned the right values in the wrong shape",
    "modified_input": "modified an input array in place",
    "non_finite": "produced NaN or infinite values",
    "all_zero": "returned only zeros",
    "int_truncation": "truncated the result to integers",
    "rounded": "rounded the result to whole numbers",
    "sign_flipped": "flipped the sign of the result",
    "absolute_value": "took the absolute value",
    "wrong_shape": "returned an output of the wrong shape",
    "wrong_values": "returned wrong values (no known cause)",
}


def titles(exercise: Exercise) -> dict[str, str]:
    """Every mistake code the grader may name for this exercise, with its short title."""
    return GENERIC_TITLES | exercise.hint_titles


def diagnose(
    exercise: Exercise,
    function: str,
    args: Mapping[str, Any],
    expected: NDArray[np.float64],
    actual: NDArray[Any] | None,
    *,
    rtol: float,
    atol: float,
    scale: float,
) -> tuple[Hint, ...]:
    """The mistakes that explain `actual`, most specific first; () when it is right."""
    if actual is None:
        return ()
    try:
        with np.errstate(all="ignore"):
            call = Call(
                function=function,
                args=args,
                params=exercise.parameters,
                expected=np.asarray(expected, dtype=np.float64),
                actual=np.asarray(actual, dtype=np.float64),
                rtol=rtol,
                atol=atol,
                scale=scale,
            )
            if call.close(call.actual, call.expected):
                return ()
            found = _guarded(exercise.diagnose, call)
            if found:
                return tuple(found)
            for rule in GENERIC_RULES:
                hint = _guarded(rule, call)
                if hint is not None:
                    return (hint,)
    except Exception:
        if RAISE_ERRORS:
            raise
        _log.warning("diagnosis failed", exc_info=True)
    return ()


def _guarded(rule: Callable[[Call], Any], call: Call) -> Any:
    try:
        return rule(call)
    except Exception:
        if RAISE_ERRORS:
            raise
        _log.warning("a diagnosis rule failed", exc_info=True)
        return None


def shape_text(shape: tuple[int, ...]) -> str:
    """(3, 4), (5,) or "a single number"."""
    if not shape:
        return "a single number"
    return "(" + ", ".join(str(n) for n in shape) + (",)" if len(shape) == 1 else ")")


# --- the rules true of any exercise -----------------------------------------------------------


def reshaped(call: Call) -> Hint | None:
    """The right values, in the right order, in another shape (flat list, extra axis)."""
    act, exp = call.actual, call.expected
    if act.shape == exp.shape or act.size != exp.size or exp.size == 0:
        return None
    if not call.close(act.reshape(exp.shape), exp):
        return None
    return Hint(
        "reshaped_output",
        f"Your values are right but the output has shape {shape_text(act.shape)} instead of "
        f"{shape_text(exp.shape)}: return them in the expected shape (np.reshape, or build "
        "the output array with the right shape from the start).",
    )


def non_finite(call: Call) -> Hint | None:
    bad = ~np.isfinite(call.actual)
    if call.actual.shape != call.expected.shape or not bad.any():
        return None
    return Hint(
        "non_finite",
        f"{int(bad.sum())} of {call.actual.size} values are NaN or infinite: look for a "
        "division by zero, an uninitialised array (np.empty) or an overflow.",
    )


def all_zero(call: Call) -> Hint | None:
    if call.actual.shape != call.expected.shape or call.actual.any() or not call.expected.any():
        return None
    return Hint(
        "all_zero",
        "Every value you returned is 0: is the result computed but never stored in the "
        "output (or the output returned before the loop fills it)?",
    )


def _transformed(
    code: str, transform: Callable[[NDArray[np.float64]], NDArray[np.float64]], words: str
) -> Callable[[Call], Hint | None]:
    def rule(call: Call) -> Hint | None:
        return Hint(code, words) if call.matches(transform(call.expected)) else None

    rule.__name__ = code
    return rule


def wrong_shape(call: Call) -> Hint | None:
    if call.actual.shape == call.expected.shape:
        return None
    return Hint(
        "wrong_shape",
        f"The output has shape {shape_text(call.actual.shape)} but should have "
        f"{shape_text(call.expected.shape)}: check how the output's size follows from the "
        "inputs.",
    )


def wrong_values(call: Call) -> Hint | None:
    return Hint(
        "wrong_values",
        "The output has the right shape but wrong values, and no common mistake explains "
        "them: work one value out by hand from the inputs and compare.",
    )


GENERIC_RULES: tuple[Callable[[Call], Hint | None], ...] = (
    reshaped,
    non_finite,
    all_zero,
    _transformed(
        "int_truncation",
        np.trunc,
        "The values are cut to whole numbers: the output array is probably an integer array "
        "(np.zeros_like of an integer input, or int()): make it a float array.",
    ),
    _transformed(
        "rounded",
        np.round,
        "The values are rounded to whole numbers: keep the exact (float) result.",
    ),
    _transformed(
        "sign_flipped",
        np.negative,
        "Every value has the wrong sign: check a subtraction written the wrong way round.",
    ),
    _transformed(
        "absolute_value",
        np.abs,
        "Your values are the absolute values of the right ones: do not take abs().",
    ),
    wrong_shape,
    wrong_values,
)
