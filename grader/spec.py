"""Load and validate assignment.toml into frozen dataclasses (read once, trusted afterwards)."""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import SpecError

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
MODES = ("valid", "same", "full")
KINDS = ("1d", "2d")
DISTS = ("normal", "uniform", "integers")
NDIMS = {"1d": 1, "2d": 2}
_ID = re.compile(r"^[A-Za-z0-9_-]+$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Every key each table of assignment.toml may hold: anything else is a mistake (a misspelled
# key would otherwise be ignored silently, e.g. `visiblity` leaving a public case hidden).
TOP_KEYS = ("assignment", "questions")
ASSIGNMENT_KEYS = ("name", "title", "module", "reference", "convention", "tolerance", "limits")
CONVENTION_KEYS = ("flip", "mode")
TOLERANCE_KEYS = ("rtol", "atol")
LIMIT_KEYS = (
    "call_timeout_s",
    "load_timeout_s",
    "submission_timeout_s",
    "memory_mib",
    "output_kib",
)
QUESTION_KEYS = ("id", "function", "args", "kind", "description", "cases")
CASE_KEYS = ("name", "visibility", "points", "description", "args")
GENERATOR_KEYS = ("shape", "dist", "seed", "low", "high", "scale")


@dataclass(frozen=True, slots=True)
class Generated:
    """A recipe for a deterministic random array.

    Attributes:
        shape: the array's shape.
        dist: "normal" (float, mean 0, std `scale`), "uniform" (float in [low, high)) or
            "integers" (int64 in [low, high], both ends included).
        seed: seed of numpy's default_rng.
        low, high, scale: parameters of the distribution.
    """

    shape: tuple[int, ...]
    dist: str
    seed: int
    low: float = 0.0
    high: float = 1.0
    scale: float = 1.0


@dataclass(frozen=True, slots=True)
class Literal_:
    """An array written out in the spec (nested lists of numbers)."""

    values: Any


ArgSpec = Generated | Literal_


@dataclass(frozen=True, slots=True)
class Case:
    """One test: one call of the question's function with these arguments."""

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
    kind: str
    description: str
    cases: tuple[Case, ...]

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
    flip: bool
    mode: str
    rtol: float
    atol: float
    limits: Limits
    questions: tuple[Question, ...]
    path: Path

    @property
    def max_score(self) -> float:
        return sum(q.points for q in self.questions)

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
    conv = _subtable(a, "convention", "assignment", CONVENTION_KEYS)
    tol = _subtable(a, "tolerance", "assignment", TOLERANCE_KEYS)
    lim = _subtable(a, "limits", "assignment", LIMIT_KEYS)
    mode = conv.get("mode", "valid")
    if mode not in MODES:
        raise SpecError(f"assignment.convention.mode must be one of {MODES}, not {mode!r}")
    flip = conv.get("flip", False)
    if not isinstance(flip, bool):
        raise SpecError("assignment.convention.flip must be true or false")
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
    questions = tuple(_question(q, i, mode) for i, q in enumerate(raw_questions))
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
        flip=flip,
        mode=mode,
        rtol=_nonneg(tol, "rtol", 1e-5, "assignment.tolerance"),
        atol=_nonneg(tol, "atol", 1e-5, "assignment.tolerance"),
        limits=limits,
        questions=questions,
        path=path,
    )


def _question(q: Any, i: int, mode: str) -> Question:
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
    kind = q.get("kind", "2d")
    if kind not in KINDS:
        raise SpecError(f"{where}.kind must be one of {KINDS}")
    raw_cases = q.get("cases")
    if not isinstance(raw_cases, list) or not raw_cases:
        raise SpecError(f"{where} needs at least one [[questions.cases]]")
    cases = tuple(
        _case(c, f"{where}.cases[{j}]", tuple(args), kind, mode) for j, c in enumerate(raw_cases)
    )
    return Question(
        id=qid,
        function=function,
        args=tuple(args),
        kind=kind,
        description=str(q.get("description", "")),
        cases=cases,
    )


def _case(c: Any, where: str, argnames: tuple[str, ...], kind: str, mode: str) -> Case:
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
    if not isinstance(raw_args, dict) or set(raw_args) != set(argnames):
        raise SpecError(
            f"{where}.args must give exactly {list(argnames)}" + _args_hint(raw_args, argnames)
        )
    try:
        args = tuple((n, _arg(raw_args[n], f"{where}.args.{n}")) for n in argnames)
        _check_shapes(args, where, kind, mode)
    except SpecError as exc:
        raise SpecError(f"case {name!r}: {exc}") from None
    return Case(
        name=name,
        visibility=vis,
        points=float(points),
        description=str(c.get("description", "")),
        args=args,
    )


def _args_hint(raw: Any, argnames: tuple[str, ...]) -> str:
    """Which argument names are missing or unknown, and what a misspelled one may be."""
    if not isinstance(raw, dict):
        return ""
    parts = [f"missing {n!r}" for n in argnames if n not in raw]
    parts += [f"unknown {k!r}{_did_you_mean(k, argnames)}" for k in raw if k not in argnames]
    return f" ({'; '.join(parts)})"


def _check_shapes(args: tuple[tuple[str, ArgSpec], ...], where: str, kind: str, mode: str) -> None:
    """Every argument has the question's number of dimensions; in 'valid' mode the kernel
    (the last argument) fits inside the input (the first), or no output position exists."""
    ndim = NDIMS[kind]
    for name, arg in args:
        shape = arg_shape(arg)
        if len(shape) != ndim:
            raise SpecError(
                f"{where}.args.{name} has {len(shape)} dimension(s) (shape {list(shape)}), but "
                f'the question is kind = "{kind}": every argument must be {kind.upper()}'
            )
    if mode != "valid" or len(args) < 2:
        return
    (data_name, data), (kernel_name, kernel) = args[0], args[-1]
    dshape, kshape = arg_shape(data), arg_shape(kernel)
    if any(k > d for k, d in zip(kshape, dshape, strict=True)):
        raise SpecError(
            f"{where}.args: the {kernel_name} (shape {list(kshape)}) is larger than the "
            f'{data_name} (shape {list(dshape)}); with mode = "valid" it fits nowhere, so '
            f"there is no output. Use a smaller {kernel_name} or a larger {data_name}."
        )


def arg_shape(arg: ArgSpec) -> tuple[int, ...]:
    """The shape of the array an argument stands for (without building it)."""
    if isinstance(arg, Generated):
        return arg.shape
    return _literal_shape(arg.values, "")


def _literal_shape(v: Any, where: str, at: str = "") -> tuple[int, ...]:
    """The shape of nested lists of numbers (`at`: the index path inside the literal).

    Raises:
        SpecError: the lists are ragged or empty, or hold something else than numbers.
    """
    if not isinstance(v, list):
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise SpecError(f"{where}{at} must be a number, not {v!r}")
        return ()
    if not v:
        raise SpecError(f"{where}{at} is an empty list: arrays must be non-empty")
    first = _literal_shape(v[0], where, f"{at}[0]")
    for i, item in enumerate(v[1:], start=1):
        shape = _literal_shape(item, where, f"{at}[{i}]")
        if shape != first:
            raise SpecError(
                f"{where} is a ragged array literal: {at}[{i}] has shape {list(shape)} but "
                f"{at}[0] has shape {list(first)} (every row must have the same length)"
            )
    return (len(v), *first)


def _arg(v: Any, where: str) -> ArgSpec:
    if isinstance(v, list):
        _literal_shape(v, where)
        return Literal_(v)
    if not isinstance(v, dict):
        raise SpecError(f"{where} must be a list of numbers or a generator table")
    _known(v, where, GENERATOR_KEYS)
    shape = v.get("shape")
    if (
        not isinstance(shape, list)
        or not shape
        or not all(isinstance(n, int) and n > 0 for n in shape)
    ):
        raise SpecError(f"{where}.shape must be a list of positive integers")
    dist = v.get("dist")
    if dist not in DISTS:
        raise SpecError(f"{where}.dist must be one of {DISTS}")
    seed = v.get("seed")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise SpecError(f"{where}.seed must be an integer (cases are deterministic)")
    defaults = {"integers": (-9.0, 9.0), "uniform": (0.0, 1.0), "normal": (0.0, 1.0)}[dist]
    low = _number(v, "low", defaults[0], where)
    high = _number(v, "high", defaults[1], where)
    if high < low:
        raise SpecError(f"{where}: high must be >= low")
    return Generated(
        shape=tuple(shape),
        dist=dist,
        seed=seed,
        low=low,
        high=high,
        scale=_number(v, "scale", 1.0, where),
    )


def _number(d: dict[str, Any], key: str, default: float, where: str) -> float:
    v = d.get(key, default)
    if not isinstance(v, int | float) or isinstance(v, bool):
        raise SpecError(f"{where}.{key} must be a number, not {v!r}")
    return float(v)


def _known(d: dict[str, Any], where: str, allowed: Collection[str]) -> None:
    """SpecError for the first key of table `d` (at `where`) that is not in `allowed`."""
    for key in d:
        if key not in allowed:
            path = f"{where}.{key}" if where else key
            raise SpecError(
                f"unknown key {path}{_did_you_mean(key, allowed)}; "
                f"the keys allowed here are: {', '.join(allowed)}"
            )


def _did_you_mean(key: str, allowed: Collection[str]) -> str:
    close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _table(d: dict[str, Any], key: str) -> dict[str, Any]:
    v = d.get(key)
    if not isinstance(v, dict):
        raise SpecError(f"missing [{key}] table")
    return v


def _subtable(d: dict[str, Any], key: str, where: str, allowed: Collection[str]) -> dict[str, Any]:
    """An optional table (e.g. [assignment.limits]), checked for unknown keys."""
    v = d.get(key, {})
    if not isinstance(v, dict):
        raise SpecError(f"{where}.{key} must be a table ([{where}.{key}])")
    _known(v, f"{where}.{key}", allowed)
    return v


def _str(d: dict[str, Any], key: str, where: str) -> str:
    v = d.get(key)
    if not isinstance(v, str) or not v:
        raise SpecError(f"{where}.{key} must be a non-empty string")
    return v


def _pos(d: dict[str, Any], key: str, default: float, where: str) -> float:
    v = d.get(key, default)
    if not isinstance(v, int | float) or isinstance(v, bool) or v <= 0:
        raise SpecError(f"{where}.{key} must be a positive number")
    return float(v)


def _nonneg(d: dict[str, Any], key: str, default: float, where: str) -> float:
    v = d.get(key, default)
    if not isinstance(v, int | float) or isinstance(v, bool) or v < 0:
        raise SpecError(f"{where}.{key} must be a number >= 0")
    return float(v)
