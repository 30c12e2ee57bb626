"""Expected outputs: the reference solution, checked against scipy before anyone is graded.

This runs in the trusted grader process only. The reference is instructor code, loaded from
the path the spec names; scipy is the independent witness. If they disagree on any case,
grading stops with ReferenceError_: a wrong key must never cost a student points.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .cases import build_inputs
from .compare import allclose_scaled, tolerance_scale
from .errors import ReferenceError_
from .spec import Assignment, Case, Question


@dataclass(frozen=True, slots=True)
class PreparedCase:
    """A case ready to grade: its inputs, the expected output and the tolerance scale."""

    question: Question
    case: Case
    inputs: dict[str, NDArray[Any]]
    expected: NDArray[np.float64]
    scale: float


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


def scipy_oracle(kind: str, flip: bool, mode: str) -> Callable[..., NDArray[np.float64]]:
    """scipy's (or numpy's) answer for the convention: correlate, or convolve when flip."""
    import scipy.signal

    if kind == "2d":
        fn2 = scipy.signal.convolve2d if flip else scipy.signal.correlate2d

        def two_d(data: NDArray[Any], kernel: NDArray[Any]) -> NDArray[np.float64]:
            return np.asarray(
                fn2(data.astype(np.float64), kernel.astype(np.float64), mode=mode), np.float64
            )

        return two_d

    def one_d(data: NDArray[Any], kernel: NDArray[Any]) -> NDArray[np.float64]:
        a = data.astype(np.float64)
        k = kernel.astype(np.float64)
        m: Any = mode
        out = np.convolve(a, k, m) if flip else np.correlate(a, k, m)
        return np.asarray(out, np.float64)

    return one_d


def prepare(
    spec: Assignment, reference: ModuleType | None = None, *, verify: bool = True
) -> list[PreparedCase]:
    """Build every case's inputs and expected output; cross-check each with scipy.

    With verify=False the scipy cross-check is skipped (and scipy is not imported).

    Raises:
        ReferenceError_: the reference is missing a function, fails, or disagrees with scipy.
    """
    ref = reference if reference is not None else load_reference(spec.reference)
    prepared = []
    for question, case in spec.all_cases():
        fn = getattr(ref, question.function, None)
        if not callable(fn):
            raise ReferenceError_(
                f"the reference solution {spec.reference} has no function {question.function}"
            )
        inputs = build_inputs(case)
        arrays = list(inputs.values())
        try:
            expected = np.asarray(fn(*arrays, flip=spec.flip, mode=spec.mode), dtype=np.float64)
        except Exception as exc:
            raise ReferenceError_(
                f"the reference {question.function} failed on case {case.name}: {exc}"
            ) from exc
        scale = tolerance_scale(*arrays)
        witness = scipy_oracle(question.kind, spec.flip, spec.mode)(*arrays) if verify else None
        if witness is not None and not allclose_scaled(
            expected, witness, rtol=1e-9, atol=1e-12, scale=scale
        ):
            raise ReferenceError_(
                f"the reference solution disagrees with scipy on case {case.name} "
                f"(shape {expected.shape} vs {witness.shape}); not grading anyone. "
                f"Fix {spec.reference} or the convention in {spec.path}."
            )
        expected.setflags(write=False)
        prepared.append(PreparedCase(question, case, inputs, expected, scale))
    return prepared
