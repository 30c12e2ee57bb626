"""What the sandbox brings back, and the decoding of a worker's untrusted replies.

Everything a worker sends is treated as hostile: the reply must answer the request it was
sent for, arrays are rebuilt here from (dtype, shape, bytes) only when all three agree and stay
within bounds, and every text is cut to a safe length.
"""

from __future__ import annotations

import json
import signal
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

MAX_RESULT_BYTES = 64 << 20
MAX_DIMS = 8
_NUMERIC = ("f2", "f4", "f8", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8")
ALLOWED_DTYPES = frozenset(np.dtype(t).str for t in _NUMERIC)
SIGNALS = {int(s) for s in signal.Signals}
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
    """One call to make: function name and named arguments (plain numeric arrays)."""

    function: str
    args: tuple[tuple[str, NDArray[Any]], ...]


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
    if isinstance(reply, Failure) or reply[0].get("id") == rid:
        return reply
    return Failure("protocol", "The submission's process sent a reply the grader did not ask for.")


def decode_call(head: dict[str, Any], data: bytes, seconds: float) -> CallOutcome:
    """Turn a worker's reply into a CallOutcome, trusting nothing in it."""
    modified = head.get("modified", [])
    mod = tuple(_str(m, 60) for m in modified[:8]) if isinstance(modified, list) else ()
    if not head.get("ok"):
        kind = head.get("error")
        if kind == "exited":
            code = _str(head.get("message", ""), 60)
            how = f"exit code {code}" if head.get("type") == "exit" else f"sys.exit({code})"
            return CallOutcome(
                failure=Failure("exited", f"exited before returning ({how})"), seconds=seconds
            )
        if kind == "signal":
            sig = head.get("signal")
            sig = sig if isinstance(sig, int) and sig in SIGNALS else 0
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
    returned = _str(head.get("returned", "?"), 80)
    problem = head.get("problem")
    if problem:
        return CallOutcome(
            returned=returned,
            problem=_str(problem, 20),
            detail=_str(head.get("detail", ""), 300),
            modified=mod,
            seconds=seconds,
        )
    value = rebuild(head.get("dtype"), head.get("shape"), data)
    if value is None:
        return CallOutcome(returned=returned, problem="invalid", modified=mod, seconds=seconds)
    return CallOutcome(value=value, returned=returned, modified=mod, seconds=seconds)


def rebuild(dtype: Any, shape: Any, data: bytes) -> NDArray[Any] | None:
    """An array from untrusted (dtype, shape, bytes), or None if they do not add up."""
    if not isinstance(dtype, str) or dtype not in ALLOWED_DTYPES:
        return None
    if not isinstance(shape, list) or len(shape) > MAX_DIMS:
        return None
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
        return None
    dt = np.dtype(dtype)
    count = 1
    for n in shape:
        count *= n
    if count * dt.itemsize != len(data) or len(data) > MAX_RESULT_BYTES:
        return None
    return np.frombuffer(data, dtype=dt).reshape(tuple(shape)).copy()


def clean_error(e: Any) -> dict[str, Any]:
    if not isinstance(e, dict):
        return {"type": "Error", "message": "", "line": None, "traceback": "", "cell": ""}
    line = e.get("line")
    return {
        "type": _str(e.get("type", "Error"), 100),
        "message": _str(e.get("message", ""), 2000),
        "line": line if isinstance(line, int) and not isinstance(line, bool) else None,
        "traceback": _str(e.get("traceback", ""), 4000),
        "cell": _str(e.get("cell", ""), 40),
        "error": _str(e.get("error", "exception"), 20),
    }


def _str(v: Any, limit: int = 2000) -> str:
    s = v if isinstance(v, str) else ("" if v is None else json.dumps(v)[:limit])
    return s[:limit]
