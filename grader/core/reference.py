"""Expected outputs: the reference solution, cross-checked before anyone is graded.

This runs in the trusted grader process only. The reference is instructor code, loaded from
the path the spec names, and called with each case's arguments plus the exercise's parameters
as keyword arguments. The exercise's oracle (scipy, numpy), when it has one, is the
independent witness: if they disagree on any case, grading stops with ReferenceError_, since a
wrong key must never cost a student points.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import ReferenceError_
from .cases import build_inputs
from .compare import allclose_scaled
from .spec import Assignment, Case, Question

# What a reference may return: an array, a number, or a tuple (or list) of numbers.
RETURNS = ("array", "number", "tuple")


@dataclass(frozen=True, slots=True)
class PreparedCase:
    """A case ready to grade: its inputs, the expected output and the tolerance scale.

    Attributes:
        inputs: the call's arguments by name, in order (arrays read-only).
        expected: the reference's output as float64 (0-d for a number, 1-d for a tuple).
        returns: what the reference returned: "array", "number" or "tuple".
    """

    question: Question
    case: Case
    inputs: dict[str, Any]
    expected: NDArray[np.float64]
    scale: float
    returns: str = "array"

    @property
    def arrays(self) -> dict[str, NDArray[Any]]:
        """The inputs that are arrays."""
        return {n: v for n, v in self.inputs.items() if isinstance(v, np.ndarray)}


def load_reference(path: Path) -> ModuleType:
    """Import the reference solution from its file (trusted instructor code)."""
    spec = importlib.util.spec_from_file_location(f"_reference_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ReferenceError_(f"cannot load the reference solution {path}")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise ReferenceError_(f"the reference solution {path} failed to load: {exc}") from exc
    return module


def as_expected(value: Any) -> tuple[NDArray[np.float64], str] | None:
    """A reference's (or oracle's) answer as float64 and what it was, or None when it is not
    an array, a number or a tuple of numbers."""
    kind = (
        "array"
        if isinstance(value, np.ndarray) and value.ndim
        else "tuple"
        if isinstance(value, tuple | list)
        else "number"
    )
    if isinstance(value, bool | np.bool_ | str | bytes) or value is None:
        return None
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return arr, kind


def prepare(
    spec: Assignment, reference: ModuleType | None = None, *, verify: bool = True
) -> list[PreparedCase]:
    """Build every case's inputs and expected output; cross-check each with the oracle.

    With verify=False the oracle is not consulted (and scipy, say, is not imported).

    Raises:
        ReferenceError_: the reference is missing a function, fails, or disagrees with the
            exercise's oracle.
    """
    ref = reference if reference is not None else load_reference(spec.reference)
    exercise = spec.exercise
    prepared = []
    for question, case in spec.all_cases():
        fn = getattr(ref, question.function, None)
        if not callable(fn):
            raise ReferenceError_(
                f"the reference solution {spec.reference} has no function {question.function}"
            )
        inputs = build_inputs(case)
        try:
            got = as_expected(fn(*inputs.values(), **spec.parameters))
        except Exception as exc:
            raise ReferenceError_(
                f"the reference {question.function} failed on case {case.name}: {exc!r}"
            ) from exc
        if got is None:
            raise ReferenceError_(
                f"the reference {question.function} returned something else than an array, a "
                f"number or a tuple of numbers on case {case.name}"
            )
        expected, returns = got
        scale = exercise.tolerance_scale(question.function, inputs)
        if verify:
            _cross_check(spec, question, case, inputs, expected, scale)
        expected.setflags(write=False)
        prepared.append(PreparedCase(question, case, inputs, expected, scale, returns))
    return prepared


def _cross_check(
    spec: Assignment,
    question: Question,
    case: Case,
    inputs: dict[str, Any],
    expected: NDArray[np.float64],
    scale: float,
) -> None:
    try:
        answer = spec.exercise.oracle(question.function, inputs)
    except Exception as exc:
        raise ReferenceError_(
            f"the exercise's oracle failed on case {case.name}: {exc!r}; not grading anyone"
        ) from exc
    if answer is None:
        return
    witness = as_expected(answer)
    if witness is None or not allclose_scaled(
        expected, witness[0], rtol=1e-9, atol=1e-12, scale=scale
    ):
        shape = witness[0].shape if witness is not None else "?"
        raise ReferenceError_(
            f"the reference solution disagrees with the exercise's oracle on case {case.name} "
            f"(shape {expected.shape} vs {shape}); not grading anyone. "
            f"Fix {spec.reference} or [assignment.parameters] in {spec.path}."
        )
