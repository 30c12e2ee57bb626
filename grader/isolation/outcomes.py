"""What the sandbox brings back, and the decoding of a worker's untrusted replies.

Everything a worker sends is treated as hostile: the reply must answer the request it was
sent for, arrays are rebuilt here from (dtype, shape, bytes) only when all three agree and stay
within bounds, and every text goes through ``untrusted.text`` (valid Unicode, bounded, no NUL)
or ``untrusted.name`` (one printable line). The decoders never raise, whatever the reply
holds: a reply they cannot read is the submission's protocol failure, not the grader's crash.
"""

from __future__ import annotations

import itertools
import logging
import math
import signal
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..core import untrusted

MAX_RESULT_BYTES = 64 << 20
MAX_DIMS = 8
_NUMERIC = ("f2", "f4", "f8", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8")
ALLOWED_DTYPES = frozenset(np.dtype(t).str for t in _NUMERIC)
# Bounds on what a reply may make the grader keep (a hostile worker may send anything).
MAX_MODIFIED = 8  # names of modified arguments
MAX_FUNCTIONS = 64  # entries of a load reply's `found`
MAX_PARAMS = 255  # parameter names of one function
MAX_LOAD_ERRORS = 64  # exceptions of a load (one per failing notebook cell)
MAX_LINE = 10**9
# The problems a worker may report about a returned value (verdict.PROBLEM_WORDS words them);
# any other becomes "invalid".
PROBLEMS = frozenset({"none", "not_numbers", "complex", "bool", "too_big", "invalid"})
UNREADABLE = "The submission's process sent a reply the grader could not read."
SIGNALS = {int(s) for s in signal.Signals}
_log = logging.getLogger(__name__)
SIGNAL_WORDS = {
    signal.SIGSEGV: "segmentation fault",
    signal.SIGBUS: "bus error",
    signal.SIGFPE: "floating-point exception",
    signal.SIGILL: "illegal instruction",
    signal.SIGABRT: "aborted",
    signal.SIGKILL: "killed",
    signal.SIGXCPU: "CPU time limit",
    signal.SIGXFSZ: "file size limit",
    signal.SIGTERM: "terminated",
}


@dataclass(frozen=True, slots=True)
class Failure:
    """The worker process failed: a limit was hit, it died, or it spoke nonsense.

    Attributes:
        outcome: "timeout" | "memory" | "crashed" | "exited" | "protocol".
        message: a sentence for the student.
    """

    outcome: str
    message: str


@dataclass(frozen=True, slots=True)
class LoadOutcome:
    """What running the submission's top-level code gave.

    Attributes:
        found: per function name: {"defined", "callable", "params", "varargs"}.
        errors: exceptions raised while loading (one per failing notebook cell).
        fatal: why nothing could be loaded ("" if loading ran).
        failure: set when the process itself failed while loading.
    """

    found: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: tuple[dict[str, Any], ...] = ()
    fatal: str = ""
    failure: Failure | None = None


@dataclass(frozen=True, slots=True)
class CallOutcome:
    """What one call of a student function gave.

    Attributes:
        value: the returned array, rebuilt by the grader, or None.
        returned: the Python type name the function returned.
        problem: why value is None although the call returned: none | not_numbers | complex |
            bool | too_big | invalid.
        detail: more words on the problem.
        modified: names of the arguments the call changed in place.
        error: the exception the call raised ({"type", "message", "line", "traceback"}).
        failure: set when the process failed during the call.
        seconds: wall time of the call as seen by the grader.
    """

    value: NDArray[Any] | None = None
    returned: str = ""
    problem: str = ""
    detail: str = ""
    modified: tuple[str, ...] = ()
    error: dict[str, Any] | None = None
    failure: Failure | None = None
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class Call:
    """One call to make: function name and named arguments (plain numeric arrays, or ints,
    floats, strings and booleans)."""

    function: str
    args: tuple[tuple[str, Any], ...]


@dataclass(frozen=True, slots=True)
class SubmissionRun:
    """Everything the sandbox brought back for one submission."""

    load: LoadOutcome
    calls: tuple[CallOutcome, ...]
    output: str
    output_truncated: bool
    output_bytes: int


def matching(
    reply: tuple[dict[str, Any], bytes] | Failure, rid: str
) -> tuple[dict[str, Any], bytes] | Failure:
    """A reply that does not answer this request is a protocol failure (the worker is then
    replaced, so stray bytes cannot shift the replies of later calls)."""
    if isinstance(reply, Failure):
        return reply
    if isinstance(reply, tuple) and len(reply) == 2 and isinstance(reply[0], dict):
        rid_got = reply[0].get("id")
        if isinstance(rid_got, str) and rid_got == rid:
            return reply
    return Failure("protocol", "The submission's process sent a reply the grader did not ask for.")


def decode_call(head: Any, data: Any, seconds: float) -> CallOutcome:
    """Turn a worker's reply to a call into a CallOutcome, trusting nothing in it.

    Never raises: a header that is not an object, or that no rule below foresaw, is the
    call's protocol failure.
    """
    try:
        return _decode_call(head, data, seconds)
    except Exception:  # the reply is the student's, the grader goes on
        _log.warning("unreadable call reply", exc_info=True)
        return CallOutcome(failure=Failure("protocol", UNREADABLE), seconds=seconds)


def _decode_call(head: Any, data: Any, seconds: float) -> CallOutcome:
    if not isinstance(head, dict):
        return CallOutcome(failure=Failure("protocol", UNREADABLE), seconds=seconds)
    mod = _names(head.get("modified"), MAX_MODIFIED, 60)
    if head.get("ok") is not True:
        kind = head.get("error")
        if kind == "exited":
            code = untrusted.name(head.get("message"), 60)
            how = f"exit code {code}" if head.get("type") == "exit" else f"sys.exit({code})"
            return CallOutcome(
                failure=Failure("exited", f"exited before returning ({how})"), seconds=seconds
            )
        if kind == "signal":
            sig = _int(head.get("signal"))
            sig = sig if sig is not None and sig in SIGNALS else 0
            if sig == signal.SIGXCPU:
                return CallOutcome(
                    failure=Failure("timeout", "used up its CPU time"), seconds=seconds
                )
            words = SIGNAL_WORDS.get(signal.Signals(sig), f"signal {sig}") if sig else "a signal"
            return CallOutcome(failure=Failure("crashed", f"crashed ({words})"), seconds=seconds)
        if kind == "missing":
            return CallOutcome(problem="missing", seconds=seconds)
        err = clean_error(head)
        if kind == "memory":
            return CallOutcome(error=err, failure=Failure("memory", ""), seconds=seconds)
        return CallOutcome(error=err, seconds=seconds, modified=mod)
    returned = untrusted.name(head.get("returned", "?"), 80)
    problem = head.get("problem")
    if problem:
        return CallOutcome(
            returned=returned,
            problem=problem if isinstance(problem, str) and problem in PROBLEMS else "invalid",
            detail=untrusted.text(head.get("detail"), 300),
            modified=mod,
            seconds=seconds,
        )
    value = rebuild(head.get("dtype"), head.get("shape"), data)
    if value is None:
        return CallOutcome(returned=returned, problem="invalid", modified=mod, seconds=seconds)
    return CallOutcome(value=value, returned=returned, modified=mod, seconds=seconds)


def decode_load(head: Any) -> LoadOutcome:
    """Turn a worker's reply to a load request into a LoadOutcome, trusting nothing in it.

    `found` keeps at most MAX_FUNCTIONS entries, each reduced to exactly {"defined": bool,
    "callable": bool, "params": list of names or None, "varargs": bool}; `errors` keeps at
    most MAX_LOAD_ERRORS, each cleaned by clean_error; `fatal` is bounded text. Never raises:
    a header that is not an object is a protocol failure.
    """
    try:
        if not isinstance(head, dict):
            return LoadOutcome(failure=Failure("protocol", UNREADABLE))
        errors = head.get("errors")
        return LoadOutcome(
            found=_found(head.get("found")),
            errors=tuple(clean_error(e) for e in errors[:MAX_LOAD_ERRORS])
            if isinstance(errors, list)
            else (),
            fatal=untrusted.text(head.get("fatal"), 2000),
        )
    except Exception:  # the reply is the student's, the grader goes on
        _log.warning("unreadable load reply", exc_info=True)
        return LoadOutcome(failure=Failure("protocol", UNREADABLE))


def rebuild(dtype: Any, shape: Any, data: Any) -> NDArray[Any] | None:
    """An array from untrusted (dtype, shape, bytes), or None if they do not add up.

    The dtype must be a plain real numeric one (ALLOWED_DTYPES); the shape a list of at most
    MAX_DIMS plain non-negative ints whose element count, counting empty axes as 1, stays
    within MAX_RESULT_BYTES (so numpy's own size limits are never reached); the bytes exactly
    as many as the shape needs.
    """
    if not isinstance(dtype, str) or dtype not in ALLOWED_DTYPES:
        return None
    if not isinstance(data, bytes | bytearray) or len(data) > MAX_RESULT_BYTES:
        return None
    if not isinstance(shape, list) or len(shape) > MAX_DIMS:
        return None
    if not all(type(n) is int and 0 <= n <= MAX_RESULT_BYTES for n in shape):
        return None
    if math.prod(max(n, 1) for n in shape) > MAX_RESULT_BYTES:
        return None
    dt = np.dtype(dtype)
    if math.prod(shape) * dt.itemsize != len(data):
        return None
    try:
        return np.frombuffer(bytes(data), dtype=dt).reshape(tuple(shape)).copy()
    except (ValueError, TypeError, MemoryError):
        return None


def clean_error(e: Any) -> dict[str, Any]:
    """An exception as the worker described it, with exactly these keys: type, message, line
    (an int or None), traceback, cell, error (all other values bounded text)."""
    if not isinstance(e, dict):
        e = {}
    return {
        "type": untrusted.name(e.get("type"), 100) or "Error",
        "message": untrusted.text(e.get("message"), 2000),
        "line": _line(e.get("line")),
        "traceback": untrusted.text(e.get("traceback"), 4000),
        "cell": untrusted.name(e.get("cell"), 40),
        "error": untrusted.name(e.get("error"), 20) or "exception",
    }


def _int(v: Any) -> int | None:
    """v if it is a plain int (not a bool), else None."""
    return v if type(v) is int else None


def _line(v: Any) -> int | None:
    n = _int(v)
    return n if n is not None and 0 <= n <= MAX_LINE else None


def _names(v: Any, most: int, limit: int) -> tuple[str, ...]:
    """At most `most` names from a list (anything else: none)."""
    if not isinstance(v, list):
        return ()
    return tuple(untrusted.name(n, limit) for n in v[:most])


def _found(v: Any) -> dict[str, dict[str, Any]]:
    """A load reply's description of the functions it defined, reduced to known fields."""
    if not isinstance(v, dict):
        return {}
    out: dict[str, dict[str, Any]] = {}
    for key, info in itertools.islice(v.items(), MAX_FUNCTIONS):
        if not isinstance(key, str) or not isinstance(info, dict):
            continue
        params = info.get("params")
        out[untrusted.name(key, 100)] = {
            "defined": info.get("defined") is True,
            "callable": info.get("callable") is True,
            "params": list(_names(params, MAX_PARAMS, 100)) if isinstance(params, list) else None,
            "varargs": info.get("varargs") is True,
        }
    return out
