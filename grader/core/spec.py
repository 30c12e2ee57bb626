"""Load and validate assignment.toml into frozen dataclasses (read once, trusted afterwards).

The spec knows no exercise: what is specific to one (its parameters, what makes a case valid)
comes from the exercise's own module, loaded here by path (see grader.exercise).
"""

from __future__ import annotations

import itertools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import SpecError
from ..exercise import Exercise, ExerciseError, declared_parameters, load_module
from .spec_values import (
    _ID,
    _IDENT,
    ArgSpec,
    Generated,
    Literal_,
    Scalar,
    _arg,
    _did_you_mean,
    _known,
    _nonneg,
    _pos,
    _str,
    _subtable,
    _table,
    arg_shape,
)

__all__ = [
    "ArgSpec",
    "Assignment",
    "Case",
    "Generated",
    "Limits",
    "Literal_",
    "Question",
    "Scalar",
    "arg_shape",
    "load_spec",
]

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
EXERCISE_FILE = "exercise.py"
# Every key each table of assignment.toml may hold: anything else is a mistake (a misspelled
# key would otherwise be ignored silently, e.g. `visiblity` leaving a public case hidden).
TOP_KEYS = ("assignment", "questions")
ASSIGNMENT_KEYS = (
    "name",
    "title",
    "module",
    "reference",
    "exercise",
    "parameters",
    "tolerance",
    "limits",
)
TOLERANCE_KEYS = ("rtol", "atol")
LIMIT_KEYS = (
    "call_timeout_s",
    "load_timeout_s",
    "submission_timeout_s",
    "memory_mib",
    "output_kib",
)
QUESTION_KEYS = ("id", "function", "args", "optional", "description", "cases")
CASE_KEYS = ("name", "visibility", "points", "description", "args")


@dataclass(frozen=True, slots=True)
class Case:
    """One test: one call of the question's function with these arguments (in the question's
    order; optional trailing arguments a case leaves out are not passed)."""

    name: str
    visibility: str
    points: float
    description: str
    args: tuple[tuple[str, ArgSpec], ...]

    @property
    def hidden(self) -> bool:
        """True unless students may see the inputs and expected output now."""
        return self.visibility != "visible"


@dataclass(frozen=True, slots=True)
class Question:
    """A function students write, and its test cases."""

    id: str
    function: str
    args: tuple[str, ...]
    description: str
    cases: tuple[Case, ...]
    optional: tuple[str, ...] = ()

    @property
    def points(self) -> float:
        return sum(c.points for c in self.cases)


@dataclass(frozen=True, slots=True)
class Limits:
    """Wall-clock, memory and output limits of one submission (seconds, MiB, KiB)."""

    call_timeout_s: float = 2.0
    load_timeout_s: float = 5.0
    submission_timeout_s: float = 30.0
    memory_mib: int = 512
    output_kib: int = 1024


@dataclass(frozen=True, slots=True)
class Assignment:
    """The whole spec of one assignment."""

    name: str
    title: str
    module: str
    reference: Path
    exercise: Exercise
    rtol: float
    atol: float
    limits: Limits
    questions: tuple[Question, ...]
    path: Path

    @property
    def max_score(self) -> float:
        return sum(q.points for q in self.questions)

    @property
    def parameters(self) -> dict[str, Any]:
        """The exercise's parameters ([assignment.parameters] over the module's defaults)."""
        return dict(self.exercise.parameters)

    @property
    def folder(self) -> Path:
        """The exercise's folder (the one holding assignment.toml)."""
        return self.path.parent

    @property
    def functions(self) -> tuple[str, ...]:
        return tuple(q.function for q in self.questions)

    def all_cases(self) -> list[tuple[Question, Case]]:
        """Every (question, case) pair in the spec's order."""
        return [(q, c) for q in self.questions for c in q.cases]


def load_spec(path: str | Path) -> Assignment:
    """Read an assignment folder (or its assignment.toml) and validate it.

    Raises:
        SpecError: with a message naming the file and the offending key.
    """
    p = Path(path)
    if p.is_dir():
        p = p / "assignment.toml"
    if not p.is_file():
        raise SpecError(f"no assignment spec at {p}")
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SpecError(f"{p}: not valid TOML: {exc}") from exc
    try:
        return _parse(data, p.resolve())
    except SpecError as exc:
        raise SpecError(f"{p}: {exc}") from None


def _parse(data: dict[str, Any], path: Path) -> Assignment:
    _known(data, "", TOP_KEYS)
    a = _table(data, "assignment")
    _known(a, "assignment", ASSIGNMENT_KEYS)
    name = _str(a, "name", "assignment")
    exercise = _exercise(a, name, path)
    tol = _subtable(a, "tolerance", "assignment", TOLERANCE_KEYS)
    lim = _subtable(a, "limits", "assignment", LIMIT_KEYS)
    limits = Limits(
        call_timeout_s=_pos(lim, "call_timeout_s", 2.0, "assignment.limits"),
        load_timeout_s=_pos(lim, "load_timeout_s", 5.0, "assignment.limits"),
        submission_timeout_s=_pos(lim, "submission_timeout_s", 30.0, "assignment.limits"),
        memory_mib=int(_pos(lim, "memory_mib", 512, "assignment.limits")),
        output_kib=int(_pos(lim, "output_kib", 1024, "assignment.limits")),
    )
    reference = (path.parent / _str(a, "reference", "assignment")).resolve()
    if not reference.is_file():
        raise SpecError(f"assignment.reference: no file at {reference}")
    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        raise SpecError("at least one [[questions]] table is required")
    questions = tuple(_question(q, i, exercise) for i, q in enumerate(raw_questions))
    seen: set[str] = set()
    for q in questions:
        for c in q.cases:
            if c.name in seen:
                raise SpecError(f"case name {c.name!r} is used twice")
            seen.add(c.name)
    if len({q.id for q in questions}) != len(questions):
        raise SpecError("question ids must be unique")
    return Assignment(
        name=name,
        title=str(a.get("title", name)),
        module=str(a.get("module", f"{name}.py")),
        reference=reference,
        exercise=exercise,
        rtol=_nonneg(tol, "rtol", 1e-5, "assignment.tolerance"),
        atol=_nonneg(tol, "atol", 1e-5, "assignment.tolerance"),
        limits=limits,
        questions=questions,
        path=path,
    )


def _exercise(a: dict[str, Any], name: str, path: Path) -> Exercise:
    """The exercise's module (by the spec's `exercise` key, else exercise.py next to the spec
    when there is one) and its parameters, [assignment.parameters] checked against it."""
    given = a.get("exercise")
    if given is not None and (not isinstance(given, str) or not given):
        raise SpecError("assignment.exercise must be the path of the exercise's module")
    module_path = path.parent / (given or EXERCISE_FILE)
    if given is None and not module_path.is_file():
        module_path = None  # type: ignore[assignment]
    module = None
    digest = ""
    try:
        if module_path is not None:
            module, digest = load_module(module_path)
        declared = declared_parameters(module)
    except ExerciseError as exc:
        raise SpecError(f"assignment.exercise: {exc}") from None
    raw = _subtable(a, "parameters", "assignment", tuple(declared))
    params: dict[str, Any] = {}
    for key, default in declared.items():
        where = f"assignment.parameters.{key}"
        value = raw.get(key, default[0] if isinstance(default, tuple) else default)
        if isinstance(default, tuple):
            if value not in default:
                raise SpecError(f"{where} must be one of {default}, not {value!r}")
        elif isinstance(default, bool) != isinstance(value, bool) or not isinstance(
            value, type(default) if not isinstance(default, float) else int | float
        ):
            raise SpecError(
                f"{where} must be a {type(default).__name__} (like its default, {default!r}), "
                f"not {value!r}"
            )
        params[key] = value
    return Exercise(
        name=name,
        parameters=params,
        module=module,
        source_hash=digest,
        path=module_path.resolve() if module_path is not None else None,
    )


def _question(q: Any, i: int, exercise: Exercise) -> Question:
    where = f"questions[{i}]"
    if not isinstance(q, dict):
        raise SpecError(f"{where} must be a table")
    _known(q, where, QUESTION_KEYS)
    qid = _str(q, "id", where)
    if not _ID.match(qid):
        raise SpecError(f"{where}.id {qid!r} may hold only letters, digits, '_' and '-'")
    function = _str(q, "function", where)
    if not _IDENT.match(function):
        raise SpecError(f"{where}.function {function!r} is not a Python name")
    args = q.get("args")
    if not isinstance(args, list) or not args or not all(isinstance(x, str) for x in args):
        raise SpecError(f"{where}.args must be a list of argument names")
    if len(set(args)) != len(args) or not all(_IDENT.match(x) for x in args):
        raise SpecError(f"{where}.args must be distinct Python names")
    optional = q.get("optional", [])
    if (
        not isinstance(optional, list)
        or not all(isinstance(x, str) for x in optional)
        or len(optional) >= len(args)
        or args[len(args) - len(optional) :] != optional
    ):
        raise SpecError(
            f"{where}.optional must name trailing arguments of args (those a case may leave "
            f"out), e.g. optional = {args[-1:]!r}"
        )
    raw_cases = q.get("cases")
    if not isinstance(raw_cases, list) or not raw_cases:
        raise SpecError(f"{where} needs at least one [[questions.cases]]")
    names, opt = tuple(args), tuple(optional)
    cases = tuple(
        _case(c, f"{where}.cases[{j}]", names, opt, function, exercise)
        for j, c in enumerate(raw_cases)
    )
    return Question(
        id=qid,
        function=function,
        args=names,
        description=str(q.get("description", "")),
        cases=cases,
        optional=opt,
    )


def _case(
    c: Any,
    where: str,
    argnames: tuple[str, ...],
    optional: tuple[str, ...],
    function: str,
    exercise: Exercise,
) -> Case:
    if not isinstance(c, dict):
        raise SpecError(f"{where} must be a table")
    _known(c, where, CASE_KEYS)
    name = _str(c, "name", where)
    if not _ID.match(name):
        raise SpecError(f"{where}.name {name!r} may hold only letters, digits, '_' and '-'")
    vis = c.get("visibility", "hidden")
    if vis not in VISIBILITIES:
        raise SpecError(f"{where}.visibility must be one of {VISIBILITIES}, not {vis!r}")
    points = c.get("points", 1)
    if not isinstance(points, int | float) or isinstance(points, bool) or points < 0:
        raise SpecError(f"{where}.points must be a number >= 0")
    raw_args = c.get("args")
    given = _given(raw_args, argnames, optional)
    if given is None:
        need = [n for n in argnames if n not in optional]
        also = f" (and optionally, in order, {optional})" if optional else ""
        raise SpecError(
            f"{where}.args must give {need}{also}" + _args_hint(raw_args, argnames, optional)
        )
    assert isinstance(raw_args, dict)
    try:
        args = tuple((n, _arg(raw_args[n], f"{where}.args.{n}")) for n in given)
        _check_case(function, args, exercise, where)
    except SpecError as exc:
        raise SpecError(f"case {name!r}: {exc}") from None
    return Case(
        name=name,
        visibility=vis,
        points=float(points),
        description=str(c.get("description", "")),
        args=args,
    )


def _given(
    raw: Any, argnames: tuple[str, ...], optional: tuple[str, ...]
) -> tuple[str, ...] | None:
    """The arguments a case passes, in order: every required one, then a prefix of the
    optional ones (None when the case's args are not like that)."""
    if not isinstance(raw, dict) or not set(raw) <= set(argnames):
        return None
    n = len(argnames) - len(optional)
    passed = n + sum(1 for _ in itertools.takewhile(lambda a: a in raw, optional))
    if len(raw) != passed or not all(a in raw for a in argnames[:passed]):
        return None
    return argnames[:passed]


def _args_hint(raw: Any, argnames: tuple[str, ...], optional: tuple[str, ...] = ()) -> str:
    """Which argument names are missing or unknown, and what a misspelled one may be."""
    if not isinstance(raw, dict):
        return ""
    parts = [f"missing {n!r}" for n in argnames if n not in raw and n not in optional]
    if not parts and set(raw) <= set(argnames):
        parts = [f"an optional argument may be given only if those before it are ({optional})"]
    parts += [f"unknown {k!r}{_did_you_mean(k, argnames)}" for k in raw if k not in argnames]
    return f" ({'; '.join(parts)})"


def _check_case(
    function: str, args: tuple[tuple[str, ArgSpec], ...], exercise: Exercise, where: str
) -> None:
    """The exercise's own rule on what inputs make sense (e.g. a window that fits the input)."""
    from .cases import build_value  # cases imports this module

    values = {n: build_value(a) for n, a in args}
    try:
        problem = exercise.check_case(function, values)
    except Exception as exc:
        raise SpecError(f"{where}.args: the exercise's check_case failed: {exc!r}") from None
    if problem:
        raise SpecError(f"{where}.args: {problem}")
