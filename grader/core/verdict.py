"""Turn what the sandbox brought back for one call into a scored CaseResult (no I/O)."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..isolation.sandbox import CallOutcome, LoadOutcome
from .compare import Comparison, compare
from .diagnosis import diagnose
from .reference import PreparedCase
from .results import CaseResult, Outcome, for_pictures
from .spec import Assignment

PROBLEM_WORDS = {
    "none": "returned None (is a `return` statement missing?)",
    "not_numbers": "returned something that is not an array of numbers",
    "complex": "returned complex numbers; the result should be real numbers",
    "bool": "returned True/False values instead of numbers",
    "too_big": "returned an array far too big for this input",
    "invalid": "returned data the grader could not read back",
    "missing": "is not defined when the test runs",
}


class Memo:
    """Diagnoses and printed details already worked out, by case and exact returned value.

    Many students make the same mistake and return the very same array (the same mistake
    gives identical bytes whichever way it was written); the diagnosis, which may try dozens
    of counterfactuals, is then computed once. Bounded: the oldest entries go first. The
    same case name must mean the same case: one Memo per Grader.
    """

    MAX_ENTRIES = 4096
    MAX_KEY_BYTES = 64 << 10

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done: dict[tuple[Any, ...], tuple[tuple[Any, ...], str]] = {}
        self._shown: dict[str, str] = {}

    def __reduce__(self) -> tuple[type[Memo], tuple[()]]:
        return Memo, ()  # a copy sent elsewhere (a Dask worker) starts empty

    def key(self, pc: PreparedCase, got: NDArray[Any]) -> tuple[Any, ...] | None:
        if got.nbytes > self.MAX_KEY_BYTES:
            return None
        return (pc.question.id, pc.case.name, got.dtype.str, got.shape, got.tobytes())

    def get(self, key: tuple[Any, ...] | None) -> tuple[tuple[Any, ...], str] | None:
        return None if key is None else self._done.get(key)

    def put(self, key: tuple[Any, ...] | None, value: tuple[tuple[Any, ...], str]) -> None:
        if key is None:
            return
        with self._lock:
            if len(self._done) >= self.MAX_ENTRIES:
                del self._done[next(iter(self._done))]
            self._done[key] = value

    def shown(self, pc: PreparedCase) -> str:
        """The case's inputs and expected output as text (the same for every student)."""
        text = self._shown.get(pc.case.name)
        if text is None:
            parts = [f"{name} =\n{_value_text(v)}" for name, v in pc.inputs.items()]
            parts.append(f"expected =\n{_array_text(pc.expected)}")
            text = self._shown[pc.case.name] = "\n".join(parts)
        return text


def case_result(
    spec: Assignment,
    pc: PreparedCase,
    load: LoadOutcome,
    call: CallOutcome,
    *,
    is_notebook: bool = False,
    memo: Memo | None = None,
) -> CaseResult:
    """Score one case. Student failures become data here, never exceptions.

    Args:
        memo: where diagnoses of identical wrong answers are shared (a fresh one if None).
    """
    fn = pc.question.function
    base: dict[str, Any] = {
        "question": pc.question.id,
        "name": pc.case.name,
        "description": pc.case.description,
        "max_points": pc.case.points,
        "visibility": pc.case.visibility,
        "seconds": call.seconds,
    }
    missing = _missing(fn, pc, load, is_notebook)
    if missing:
        return _fail(base, "error", missing)
    if call.failure is not None:
        return _fail(base, _outcome(call.failure.outcome), _failure_words(fn, call, spec))
    if call.error is not None:
        return _fail(base, "error", _raised(fn, call.error, load, pc))
    if call.problem:
        words = PROBLEM_WORDS.get(call.problem, call.problem)
        if call.detail:
            words += f" ({call.detail})"
        return _fail(base, "wrong", f"{fn} {words}.")
    assert call.value is not None
    cmp = compare(
        pc.expected,
        call.value,
        rtol=spec.rtol,
        atol=spec.atol,
        scale=pc.scale,
        returned_type=call.returned,
        returns=pc.returns,
    )
    if not pc.case.hidden:  # kept for the pictures: only what a page can show of it
        base["got"] = for_pictures(call.value)
        base["got_shape"] = tuple(call.value.shape)
    hints: tuple[Any, ...] = ()
    details = ""
    if not cmp.ok or call.modified:
        memo = memo if memo is not None else Memo()
        key = memo.key(pc, call.value)
        known = memo.get(key)
        if known is None:
            hints = diagnose(
                spec.exercise,
                pc.question.function,
                pc.inputs,
                pc.expected,
                call.value,
                rtol=spec.rtol,
                atol=spec.atol,
                scale=pc.scale,
            )
            details = (
                "" if pc.case.hidden else f"{memo.shown(pc)}\ngot =\n{_array_text(call.value)}"
            )
            memo.put(key, (hints, details))
        else:
            hints, details = known
    hint_text = tuple(h.message for h in hints)
    hint_codes = tuple(h.code for h in hints)
    if call.modified:
        names = ", ".join(call.modified)
        msg = (
            f"{fn} changed its input ({names}) in place; the exercise says inputs must not be "
            f"modified. Work on a copy (e.g. {_copy_hint(call.modified[0])})."
        )
        if not cmp.ok:
            msg += " " + _reason(cmp, pc)
        return CaseResult(
            **base,
            points=0.0,
            status="failed",
            outcome="wrong",
            message=msg,
            hints=hint_text,
            hint_codes=("modified_input", *hint_codes),
            notes=cmp.notes,
            details=details,
        )
    if cmp.ok:
        return CaseResult(
            **base,
            points=pc.case.points,
            status="passed",
            outcome="passed",
            notes=cmp.notes,
        )
    return CaseResult(
        **base,
        points=0.0,
        status="failed",
        outcome="wrong",
        message=_reason(cmp, pc),
        hints=hint_text,
        hint_codes=hint_codes,
        notes=cmp.notes,
        details=details,
    )


def _reason(cmp: Comparison, pc: PreparedCase) -> str:
    """The comparison's verdict; an expected value is quoted for public tests only."""
    return f"{cmp.reason} {cmp.example}" if cmp.example and not pc.case.hidden else cmp.reason


def _fail(base: dict[str, Any], outcome: Outcome, message: str) -> CaseResult:
    return CaseResult(**base, points=0.0, status="failed", outcome=outcome, message=message)


def _outcome(kind: str) -> Outcome:
    mapping: dict[str, Outcome] = {
        "timeout": "timeout",
        "memory": "memory",
        "crashed": "crashed",
        "exited": "exited",
    }
    return mapping.get(kind, "error")


def _failure_words(fn: str, call: CallOutcome, spec: Assignment) -> str:
    assert call.failure is not None
    f = call.failure
    if f.outcome == "memory":
        return f"{fn} used more than {spec.limits.memory_mib} MiB of memory."
    if f.outcome == "protocol":
        return f.message
    return f"{fn} {f.message}." if f.message else f"{fn} failed ({f.outcome})."


def _missing(fn: str, pc: PreparedCase, load: LoadOutcome, is_notebook: bool) -> str:
    """Why the function cannot be tested at all ("" when it can)."""
    if load.failure is not None:
        if load.failure.outcome == "protocol":
            return load.failure.message
        if load.failure.outcome == "memory":
            return "Your file could not be loaded: it ran out of memory."
        return f"Your file could not be loaded: it {load.failure.message}."
    if load.fatal:
        return load.fatal[0].upper() + load.fatal[1:] + "."
    info = load.found.get(fn)
    if not isinstance(info, dict) or not info.get("defined"):
        stopped = _stopped(load, is_notebook)
        return f"Your submission does not define a function named `{fn}`.{stopped}"
    if not info.get("callable"):
        return f"`{fn}` is defined but is not a function."
    params = info.get("params")
    want = list(pc.inputs)
    if isinstance(params, list) and not info.get("varargs") and len(params) > len(want):
        return (
            f"`{fn}` should take {len(want)} arguments ({', '.join(want)}); "
            f"yours requires {len(params)} ({_listed(params)})."
        )
    return ""


def _stopped(load: LoadOutcome, is_notebook: bool) -> str:
    if not load.errors:
        return ""
    e = load.errors[0]
    where = f" in {e['cell']}" if is_notebook and e.get("cell") else ""
    line = f" at line {e['line']}" if e.get("line") else ""
    return f" (Loading stopped{where}{line} with {e['type']}: {e['message']})"


def _raised(fn: str, err: dict[str, Any], load: LoadOutcome, pc: PreparedCase) -> str:
    kind = err.get("type", "Error")
    msg = err.get("message", "")
    line = f" (line {err['line']})" if err.get("line") else ""
    if kind == "NotImplementedError":
        return f"{fn} is not implemented yet: it raises NotImplementedError."
    text = f"{fn} raised {kind}{line}: {msg}" if msg else f"{fn} raised {kind}{line}."
    info = load.found.get(fn, {})
    params = info.get("params") if isinstance(info, dict) else None
    if kind == "TypeError" and isinstance(params, list) and len(params) != len(pc.inputs):
        want = list(pc.inputs)
        text += (
            f" `{fn}` should take {len(want)} arguments ({', '.join(want)}); yours takes "
            f"{len(params)}."
        )
    if kind == "RecursionError":
        text += " Your function calls itself without end."
    return text


def _listed(names: list[Any], most: int = 8) -> str:
    """Names joined by commas, at most `most` of them ("a, b, ..." beyond)."""
    shown = ", ".join(map(str, names[:most]))
    return shown + ", ..." if len(names) > most else shown


def _copy_hint(name: str) -> str:
    name = name if name.isidentifier() else "x"
    return f"{name} = {name}.astype(float)"


def _value_text(v: Any) -> str:
    return _array_text(v) if isinstance(v, np.ndarray) else repr(v)


def _array_text(arr: NDArray[Any]) -> str:
    """An array as NumPy prints it, summarised; of an array of more than 2 dimensions only
    its first 2-D slice (NumPy summarises each axis, so 8 short axes would print millions of
    values)."""
    if arr.ndim > 2:
        shape = "(" + ", ".join(str(n) for n in arr.shape) + ")"
        if not arr.size:
            return f"an empty array of shape {shape}"
        first = np.array2string(
            arr[(0,) * (arr.ndim - 2)], precision=4, suppress_small=True, max_line_width=100
        )
        return f"an array of shape {shape}; its first 2-D slice:\n{first}"
    return np.array2string(arr, precision=4, suppress_small=True, max_line_width=100)
