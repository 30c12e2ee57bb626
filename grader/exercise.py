"""What an exercise may tell the grader, and the loading of an exercise's own module.

An exercise is a folder: ``assignment.toml`` (the spec), the reference solution, and optionally
a small Python module (``exercise.py``) holding what is specific to it. The grading core knows
no exercise; it asks the module, through the names below, and falls back to a generic answer
for every name the module leaves out. See docs/writing-an-exercise.md.

Names an exercise module may define (all optional):

``PARAMETERS``: ``{name: default}`` for ``[assignment.parameters]``. A default is a bool, int,
    float or str, or a tuple of allowed strings (the first is the default). The reference is
    called with every parameter as a keyword argument; students' functions never are.
``HINT_TITLES``: ``{code: short title}`` of the mistakes its diagnosis names (class summary).
``check_case(function, args, params) -> str``: why a case's inputs make no sense ("" if fine).
``oracle(function, args, params) -> value or None``: an independent answer (scipy, numpy) the
    reference is cross-checked against before anyone is graded; None when there is none.
``tolerance_scale(function, args, params) -> float``: the size of the terms the function adds
    up; atol is multiplied by it (default: the largest |value| among the array inputs, >= 1).
``diagnose(call: Call) -> sequence of Hint``: the mistakes that explain a wrong output, most
    specific first. Never shown the expected values of hidden cases in words.
``lesson(params) -> str``: Markdown that states the convention (notebook, README, stub).
``docstring(function, argnames, params) -> str``: the docstring of one function's stub.
``example(function, args, expected, params) -> list[str]``: Markdown lines working one public
    case out by hand (after the notebook shows its inputs and output).

This module is the exercise authors' API: it imports nothing from the rest of the grader but
its errors.
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .errors import SpecError

FloatArray = NDArray[np.float64]
Value = Any  # an argument: a read-only ndarray, or an int, float, str or bool

HOOKS = ("check_case", "oracle", "tolerance_scale", "diagnose", "lesson", "docstring", "example")
NAMES = ("PARAMETERS", "HINT_TITLES", *HOOKS)


@dataclass(frozen=True, slots=True)
class Hint:
    """One recognised mistake.

    Attributes:
        code: a stable identifier (a key of the exercise's HINT_TITLES, or a generic one),
            used to count mistakes across a class.
        message: one or two sentences a first-year student understands: the mistake and the
            fix. Never quote values of the inputs or the expected output (hidden tests).
    """

    code: str
    message: str


def close_mask(
    actual: NDArray[Any], expected: NDArray[Any], *, rtol: float, atol: float, scale: float
) -> NDArray[np.bool_]:
    """Cellwise |actual - expected| <= atol * scale + rtol * |expected|; NaN is never close.

    Both arrays must have the same shape.
    """
    a = np.asarray(actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(a - e)
        return np.asarray(diff <= atol * scale + rtol * np.abs(e)) & np.isfinite(a)


def allclose_scaled(
    actual: NDArray[Any], expected: NDArray[Any], *, rtol: float, atol: float, scale: float
) -> bool:
    """True when shapes match and every cell is within the scaled tolerance."""
    if np.shape(actual) != np.shape(expected):
        return False
    return bool(close_mask(actual, expected, rtol=rtol, atol=atol, scale=scale).all())


def default_scale(args: Mapping[str, Value]) -> float:
    """The largest |value| among the array (and number) inputs, at least 1."""
    peak = 1.0
    for v in args.values():
        if isinstance(v, np.ndarray) and v.size and v.dtype.kind in "biuf":
            peak = max(peak, float(np.abs(v.astype(np.float64)).max()))
        elif isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v):
            peak = max(peak, abs(float(v)))
    return peak


@dataclass(frozen=True, slots=True)
class Call:
    """One wrong (or suspicious) call, as the diagnosis sees it.

    Attributes:
        function: the function the question asks for.
        args: the call's arguments by name, in order (arrays read-only).
        params: the exercise's parameters ([assignment.parameters], defaults filled in).
        expected: the reference's output as float64 (0-d for a number, 1-d for a tuple).
        actual: the student's output as float64, any shape.
        rtol, atol, scale: the grader's tolerance (atol is multiplied by scale).
    """

    function: str
    args: Mapping[str, Value]
    params: Mapping[str, Any]
    expected: FloatArray
    actual: FloatArray
    rtol: float = 1e-5
    atol: float = 1e-5
    scale: float = 1.0
    arrays: tuple[FloatArray, ...] = field(default=(), compare=False)

    def close(self, a: NDArray[Any], b: NDArray[Any]) -> bool:
        """The grader's own notion of equal (shapes must match)."""
        return allclose_scaled(a, b, rtol=self.rtol, atol=self.atol, scale=self.scale)

    def matches(self, counterfactual: NDArray[Any]) -> bool:
        """True when the output equals a counterfactual that differs from the expected one."""
        cf = np.asarray(counterfactual, dtype=np.float64)
        return (
            cf.shape == self.actual.shape
            and self.close(self.actual, cf)
            and not self.close(cf, self.expected)
        )

    def array_args(self) -> list[tuple[str, FloatArray]]:
        """The array arguments as float64, in order."""
        return [
            (n, np.asarray(v, dtype=np.float64))
            for n, v in self.args.items()
            if isinstance(v, np.ndarray)
        ]


@dataclass(frozen=True, slots=True)
class Exercise:
    """An exercise's module, with generic answers for what it does not define.

    Attributes:
        name: the assignment's name.
        parameters: the exercise's parameters with their values for this spec.
        module: the loaded module (None for an exercise without one).
        source_hash: sha256 of the module folder's Python files (part of the store's key).
    """

    name: str
    parameters: Mapping[str, Any] = field(default_factory=dict)
    module: ModuleType | None = None
    source_hash: str = ""
    path: Path | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        # A module does not pickle: a copy sent elsewhere (a Dask worker) loads it again.
        return _reloaded, (self.name, dict(self.parameters), self.path)

    def _hook(self, name: str) -> Callable[..., Any] | None:
        fn = getattr(self.module, name, None) if self.module is not None else None
        return fn if callable(fn) else None

    @property
    def hint_titles(self) -> dict[str, str]:
        titles = getattr(self.module, "HINT_TITLES", None) if self.module else None
        return dict(titles) if isinstance(titles, Mapping) else {}

    def check_case(self, function: str, args: Mapping[str, Value]) -> str:
        fn = self._hook("check_case")
        return str(fn(function, args, self.parameters) or "") if fn else ""

    def oracle(self, function: str, args: Mapping[str, Value]) -> Any:
        fn = self._hook("oracle")
        return fn(function, args, self.parameters) if fn else None

    def tolerance_scale(self, function: str, args: Mapping[str, Value]) -> float:
        fn = self._hook("tolerance_scale")
        scale = float(fn(function, args, self.parameters)) if fn else default_scale(args)
        return scale if math.isfinite(scale) and scale > 0 else 1.0

    def diagnose(self, call: Call) -> tuple[Hint, ...]:
        fn = self._hook("diagnose")
        if fn is None:
            return ()
        return tuple(h for h in (fn(call) or ()) if isinstance(h, Hint))

    def lesson(self) -> str:
        fn = self._hook("lesson")
        return str(fn(self.parameters)) if fn else ""

    def docstring(self, function: str, argnames: Sequence[str], description: str) -> str:
        fn = self._hook("docstring")
        return str(fn(function, tuple(argnames), self.parameters)) if fn else description

    def example(
        self, function: str, args: Mapping[str, Value], expected: NDArray[Any]
    ) -> list[str]:
        fn = self._hook("example")
        return [str(line) for line in fn(function, args, expected, self.parameters)] if fn else []


def _reloaded(name: str, parameters: dict[str, Any], path: Path | None) -> Exercise:
    if path is None:
        return Exercise(name, parameters)
    module, digest = load_module(path)
    return Exercise(name, parameters, module, digest, path)


class ExerciseError(SpecError):
    """The exercise's module cannot be loaded, or its PARAMETERS are malformed."""


def declared_parameters(module: ModuleType | None) -> dict[str, Any]:
    """The module's PARAMETERS ({} when it has none)."""
    raw = getattr(module, "PARAMETERS", None) if module is not None else None
    if raw is None:
        return {}
    if not isinstance(raw, Mapping) or not all(isinstance(k, str) for k in raw):
        raise ExerciseError("PARAMETERS must be a dict of parameter names to defaults")
    for k, v in raw.items():
        ok = isinstance(v, bool | int | float | str) or (
            isinstance(v, tuple) and v and all(isinstance(x, str) for x in v)
        )
        if not ok:
            raise ExerciseError(
                f"PARAMETERS[{k!r}] must be a bool, int, float or str default, or a tuple "
                "of allowed strings"
            )
    return dict(raw)


_LOADED: dict[tuple[str, str], ModuleType] = {}


def load_module(path: Path) -> tuple[ModuleType, str]:
    """Import an exercise's module from its file, as a package of its folder (so it may
    import its siblings: ``from . import rules``). Loaded once per file content.

    Returns:
        The module and the sha256 of the folder's Python files.

    Raises:
        ExerciseError: the file is missing or raises while it is imported.
    """
    path = path.resolve()
    if not path.is_file():
        raise ExerciseError(f"no exercise module at {path}")
    digest = folder_hash(path.parent)
    key = (str(path), digest)
    if key in _LOADED:
        return _LOADED[key], digest
    stem = re.sub(r"\W", "_", path.parent.name)
    name = f"_grader_exercise_{stem}_{digest[:12]}"
    spec = importlib.util.spec_from_file_location(
        name, path, submodule_search_locations=[str(path.parent)]
    )
    if spec is None or spec.loader is None:
        raise ExerciseError(f"cannot load the exercise module {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise ExerciseError(f"the exercise module {path} failed to load: {exc!r}") from exc
    _LOADED[key] = module
    return module, digest


def folder_hash(folder: Path) -> str:
    """sha256 over the names and bytes of a folder's top-level Python files."""
    h = hashlib.sha256()
    for p in sorted(folder.glob("*.py")):
        h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()
