"""Run one submission in a separate, sandboxed process and bring back validated plain data.

The grader never imports, unpickles or calls anything of the student's. It starts
``_worker.py`` (standalone, stdlib + numpy) in a child process, inside bubblewrap when that is
available, sends it the submission's bytes and then the arguments of one call at a time, and
rebuilds each returned array itself from (dtype, shape, bytes) after checking all three.

Limits: a wall-clock deadline per call and per submission (the whole process tree is killed
when one passes), an address-space limit, a cap on the output kept. A call that times out or
crashes costs that call only: the worker is restarted for the next one while the submission's
time lasts.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .errors import SandboxError
from .spec import Limits

WORKER = Path(__file__).with_name("_worker.py")
SANDBOX_WORKER = "/opt/grader/worker.py"
SANDBOX_SCRATCH = "/scratch"
MAX_HEADER = 1 << 20
MAX_RESULT_BYTES = 64 << 20
MAX_DIMS = 8
TIMEOUTS_BEFORE_SKIP = 2
SKIPPED = f"was not run: it already timed out on {TIMEOUTS_BEFORE_SKIP} earlier tests"
_NUMERIC = ("f2", "f4", "f8", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8")
ALLOWED_DTYPES = frozenset(np.dtype(t).str for t in _NUMERIC)
_SIGNALS = {int(s) for s in signal.Signals}
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


# --- results of this layer ---------------------------------------------------------------------


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


# --- configuration -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SandboxConfig:
    """How to start workers.

    Attributes:
        mode: "bwrap" (bubblewrap namespaces) or "process" (plain child process + rlimits).
        limits: the assignment's limits.
        python: the interpreter the worker runs with.
        preload: modules the worker imports before the student's code (kept warm).
    """

    mode: str
    limits: Limits
    python: str = sys.executable
    preload: tuple[str, ...] = ()


def bwrap_available() -> str:
    """ "" when bubblewrap can start a sandboxed Python here, else the reason it cannot."""
    exe = shutil.which("bwrap")
    if not exe:
        return "bubblewrap (bwrap) is not installed"
    argv = [*_bwrap_argv(sys.executable), sys.executable, "-I", "-c", "pass"]
    try:
        proc = subprocess.run(argv, capture_output=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap failed to start: {exc}"
    if proc.returncode != 0:
        err = proc.stderr.decode(errors="replace").strip().splitlines()
        return "bubblewrap failed to start: " + (err[-1] if err else f"exit {proc.returncode}")
    return ""


def choose_mode(requested: str) -> tuple[str, str]:
    """Resolve --sandbox auto|bwrap|process into (mode, warning).

    Raises:
        SandboxError: when bwrap was asked for and cannot run here.
    """
    if requested == "process":
        return "process", (
            "sandbox: plain child process with resource limits (no bubblewrap); "
            "student code can read files this user can read."
        )
    if requested not in ("auto", "bwrap"):
        raise SandboxError(f"unknown sandbox mode {requested!r} (auto, bwrap or process)")
    why = bwrap_available()
    if not why:
        return "bwrap", ""
    if requested == "bwrap":
        raise SandboxError(f"--sandbox bwrap: {why}. Install the 'bubblewrap' package.")
    return "process", (
        f"WARNING: {why}; grading in a plain child process with resource limits. "
        "Student code is NOT isolated from this machine's files. Install 'bubblewrap'."
    )


def _python_roots(python: str) -> list[str]:
    """Folders the interpreter and its libraries live in (bound read-only in the sandbox)."""
    roots = {sys.prefix, sys.base_prefix, str(Path(python).resolve().parent.parent)}
    return sorted(r for r in roots if r and not r.startswith(("/usr", "/lib", "/bin")))


def _bwrap_argv(python: str) -> list[str]:
    argv = [
        "bwrap",
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--die-with-parent",
        "--new-session",
        "--cap-drop", "ALL",
        "--uid", "65534",
        "--gid", "65534",
        "--hostname", "sandbox",
        "--ro-bind", "/usr", "/usr",
        "--ro-bind-try", "/lib", "/lib",
        "--ro-bind-try", "/lib64", "/lib64",
        "--ro-bind-try", "/bin", "/bin",
        "--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache",
        "--proc", "/proc",
        "--dev", "/dev",
        "--size", str(64 << 20), "--tmpfs", "/tmp",
        "--size", str(64 << 20), "--tmpfs", SANDBOX_SCRATCH,
        "--chdir", SANDBOX_SCRATCH,
        "--clearenv",
    ]  # fmt: skip
    for root in _python_roots(python):
        argv += ["--ro-bind", root, root]
    for key, value in _worker_env(SANDBOX_SCRATCH).items():
        argv += ["--setenv", key, value]
    return argv


def _worker_env(home: str) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": home,
        "LANG": "C.UTF-8",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "MPLBACKEND": "Agg",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


# --- one worker process ------------------------------------------------------------------------


class _OutputSink(threading.Thread):
    """Drains the worker's stdout/stderr, keeping the first `cap` bytes."""

    def __init__(self, fd: int, cap: int) -> None:
        super().__init__(daemon=True)
        self.fd = fd
        self.cap = cap
        self.kept = bytearray()
        self.total = 0

    def run(self) -> None:
        while True:
            try:
                chunk = os.read(self.fd, 1 << 16)
            except OSError:
                return
            if not chunk:
                return
            self.total += len(chunk)
            room = self.cap - len(self.kept)
            if room > 0:
                self.kept += chunk[:room]


class _Worker:
    """One running worker process and its private pipes."""

    def __init__(self, cfg: SandboxConfig, output_cap: int) -> None:
        self.cfg = cfg
        self.scratch: str | None = None
        if cfg.mode == "bwrap":
            argv = _bwrap_argv(cfg.python)
            argv += ["--ro-bind", str(WORKER), SANDBOX_WORKER]
            argv += ["--setenv", "GRADER_PRELOAD", ",".join(cfg.preload)]
            argv += [cfg.python, "-I", "-X", "faulthandler", SANDBOX_WORKER]
            env = None
            cwd = None
        else:
            self.scratch = tempfile.mkdtemp(prefix="grader-scratch-")
            argv = [cfg.python, "-I", "-X", "faulthandler", str(WORKER)]
            env = _worker_env(self.scratch) | {"GRADER_PRELOAD": ",".join(cfg.preload)}
            cwd = self.scratch
        try:
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=cwd,
                env=env if env is not None else {"PATH": os.environ.get("PATH", "/usr/bin")},
                start_new_session=True,
                close_fds=True,
            )
        except OSError as exc:
            self._cleanup_scratch()
            raise SandboxError(f"could not start the sandbox worker: {exc}") from exc
        assert self.proc.stdin and self.proc.stdout and self.proc.stderr
        self.sink = _OutputSink(self.proc.stderr.fileno(), output_cap)
        self.sink.start()

    # framing -----------------------------------------------------------------------------------
    def send(self, header: dict[str, Any], payload: bytes = b"") -> bool:
        raw = json.dumps(dict(header, payload=len(payload))).encode()
        try:
            assert self.proc.stdin
            self.proc.stdin.write(struct.pack(">I", len(raw)) + raw + payload)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            return False
        return True

    def _read(self, n: int, deadline: float) -> bytes | None:
        assert self.proc.stdout
        fd = self.proc.stdout.fileno()
        chunks: list[bytes] = []
        while n > 0:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                raise TimeoutError
            chunk = os.read(fd, min(n, 1 << 20))
            if not chunk:
                return None
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def receive(self, deadline: float) -> tuple[dict[str, Any], bytes] | Failure:
        """Read one reply, or say why none came (timeout, death, garbage)."""
        try:
            head = self._read(4, deadline)
            if head is None:
                return self._death()
            (n,) = struct.unpack(">I", head)
            if n > MAX_HEADER:
                return Failure("protocol", "The submission's process sent an oversized reply.")
            raw = self._read(n, deadline)
            if raw is None:
                return self._death()
            header = json.loads(raw)
            if not isinstance(header, dict):
                raise ValueError("reply is not an object")
            size = header.get("payload", 0)
            if not isinstance(size, int) or not 0 <= size <= MAX_RESULT_BYTES:
                return Failure("protocol", "The submission's process sent an oversized reply.")
            payload = self._read(size, deadline) if size else b""
            if payload is None:
                return self._death()
            return header, payload
        except TimeoutError:
            return Failure("timeout", "")
        except (ValueError, UnicodeDecodeError, RecursionError):
            return Failure(
                "protocol", "The submission's process sent something unreadable to the grader."
            )

    def _death(self) -> Failure:
        code = self.wait(2.0)
        if code is None:
            return Failure("crashed", "closed its connection to the grader")
        if self.cfg.mode == "bwrap" and code > 128 and code - 128 in _SIGNALS:
            code = 128 - code  # bubblewrap reports a child killed by signal N as exit 128 + N
        if code < 0:
            sig = -code
            words = SIGNAL_WORDS.get(signal.Signals(sig), f"signal {sig}")
            if sig == signal.SIGXCPU:
                return Failure("timeout", "used up its CPU time")
            return Failure("crashed", f"crashed ({words})")
        return Failure("exited", f"exited before returning (exit code {code})")

    def wait(self, timeout: float) -> int | None:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        """End the worker and everything it started."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                if stream:
                    stream.close()
            except OSError:
                pass
        self.sink.join(timeout=2.0)
        if self.proc.stderr:
            self.proc.stderr.close()
        self._cleanup_scratch()

    def _cleanup_scratch(self) -> None:
        if self.scratch:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None


# --- the public entry point ----------------------------------------------------------------------


def run_submission(
    cfg: SandboxConfig,
    *,
    filename: str,
    kind: str,
    source: bytes,
    functions: tuple[str, ...],
    calls: list[Call],
) -> SubmissionRun:
    """Load a submission in a fresh sandboxed worker and make each call in turn.

    A call that times out or kills the worker is reported as that call's failure; the worker
    is then restarted (and the submission reloaded) for the next call, as long as the
    submission's own time limit lasts. Once a function has timed out on
    TIMEOUTS_BEFORE_SKIP calls, its remaining calls are failed as timeouts without being run
    (an endless loop would only burn the same time again). A failure while loading fails
    every call.

    Raises:
        SandboxError: only when the sandbox itself cannot be started.
    """
    lim = cfg.limits
    cap = lim.output_kib * 1024
    end = time.monotonic() + lim.submission_timeout_s
    outcomes: list[CallOutcome] = []
    load = LoadOutcome()
    kept = bytearray()
    total = 0
    worker: _Worker | None = None
    try:
        i = 0
        timeouts: dict[str, int] = {}
        while i < len(calls):
            fn = calls[i].function
            if timeouts.get(fn, 0) >= TIMEOUTS_BEFORE_SKIP:
                outcomes.append(CallOutcome(failure=Failure("timeout", SKIPPED)))
                i += 1
                continue
            if worker is None:
                worker = _Worker(cfg, cap)
                load = _start_and_load(worker, lim, end, filename, kind, source, functions)
                if load.failure or load.fatal:
                    break
            outcome = _call(worker, calls[i], lim, end)
            outcomes.append(outcome)
            i += 1
            if outcome.failure is not None:
                if outcome.failure.outcome == "timeout":
                    timeouts[fn] = timeouts.get(fn, 0) + 1
                kept, total = _collect(worker, kept, total, cap)
                worker = None
                if time.monotonic() >= end:
                    break
        if not calls and worker is None:
            worker = _Worker(cfg, cap)
            load = _start_and_load(worker, lim, end, filename, kind, source, functions)
    finally:
        if worker is not None:
            kept, total = _collect(worker, kept, total, cap)
    failure = load.failure or (
        Failure("timeout", f"ran out of its {lim.submission_timeout_s:g} s for the whole file")
        if len(outcomes) < len(calls) and not load.fatal
        else None
    )
    while len(outcomes) < len(calls):
        outcomes.append(CallOutcome(failure=failure))
    return SubmissionRun(
        load=load,
        calls=tuple(outcomes),
        output=kept.decode("utf-8", errors="replace"),
        output_truncated=total > cap,
        output_bytes=total,
    )


def _collect(worker: _Worker, kept: bytearray, total: int, cap: int) -> tuple[bytearray, int]:
    worker.kill()
    kept += worker.sink.kept[: max(0, cap - len(kept))]
    return kept, total + worker.sink.total


def _start_and_load(
    worker: _Worker,
    lim: Limits,
    end: float,
    filename: str,
    kind: str,
    source: bytes,
    functions: tuple[str, ...],
) -> LoadOutcome:
    deadline = min(end, time.monotonic() + lim.load_timeout_s + 10.0)
    init = {
        "op": "init",
        "memory_mib": lim.memory_mib,
        "cpu_s": int(lim.submission_timeout_s) + 1,
    }
    if not worker.send(init):
        return LoadOutcome(failure=Failure("crashed", "the sandbox worker did not start"))
    ready = worker.receive(deadline)
    if isinstance(ready, Failure):
        raise SandboxError(f"the sandbox worker did not start: {ready.outcome} {ready.message}")
    deadline = min(end, time.monotonic() + lim.load_timeout_s)
    rid = secrets.token_hex(8)
    header = {
        "op": "load",
        "id": rid,
        "filename": filename,
        "kind": kind,
        "functions": list(functions),
    }
    if not worker.send(header, source):
        return LoadOutcome(failure=worker._death())
    reply = _matching(worker.receive(deadline), rid)
    if isinstance(reply, Failure):
        if reply.outcome == "timeout":
            reply = Failure(
                "timeout",
                f"timed out after {lim.load_timeout_s:g} s while running the file's top-level "
                "code (is there an endless loop or a slow demo outside the functions?)",
            )
        return LoadOutcome(failure=reply)
    head, _ = reply
    found = head.get("found")
    errors = head.get("errors")
    return LoadOutcome(
        found=found if isinstance(found, dict) else {},
        errors=tuple(_clean_error(e) for e in errors) if isinstance(errors, list) else (),
        fatal=_str(head.get("fatal", "")),
    )


def _call(worker: _Worker, call: Call, lim: Limits, end: float) -> CallOutcome:
    specs = [{"name": n, "dtype": a.dtype.str, "shape": list(a.shape)} for n, a in call.args]
    payload = b"".join(np.ascontiguousarray(a).tobytes() for _, a in call.args)
    rid = secrets.token_hex(8)
    header = {
        "op": "call",
        "id": rid,
        "function": call.function,
        "args": specs,
        "names": [n for n, _ in call.args],
    }
    started = time.monotonic()
    deadline = min(end, started + lim.call_timeout_s)
    if not worker.send(header, payload):
        return CallOutcome(failure=worker._death())
    reply = _matching(worker.receive(deadline), rid)
    seconds = time.monotonic() - started
    if isinstance(reply, Failure):
        if reply.outcome == "timeout":
            limit = min(lim.call_timeout_s, max(0.0, end - started))
            reply = Failure("timeout", f"timed out after {limit:g} s")
        return CallOutcome(failure=reply, seconds=seconds)
    head, data = reply
    return _decode_call(head, data, seconds)


def _matching(
    reply: tuple[dict[str, Any], bytes] | Failure, rid: str
) -> tuple[dict[str, Any], bytes] | Failure:
    """A reply that does not answer this request is a protocol failure (the worker is then
    replaced, so stray bytes cannot shift the replies of later calls)."""
    if isinstance(reply, Failure) or reply[0].get("id") == rid:
        return reply
    return Failure("protocol", "The submission's process sent a reply the grader did not ask for.")


def _decode_call(head: dict[str, Any], data: bytes, seconds: float) -> CallOutcome:
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
            sig = sig if isinstance(sig, int) and sig in _SIGNALS else 0
            if sig == signal.SIGXCPU:
                return CallOutcome(
                    failure=Failure("timeout", "used up its CPU time"), seconds=seconds
                )
            words = SIGNAL_WORDS.get(signal.Signals(sig), f"signal {sig}") if sig else "a signal"
            return CallOutcome(failure=Failure("crashed", f"crashed ({words})"), seconds=seconds)
        if kind == "missing":
            return CallOutcome(problem="missing", seconds=seconds)
        err = _clean_error(head)
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
    value = _rebuild(head.get("dtype"), head.get("shape"), data)
    if value is None:
        return CallOutcome(returned=returned, problem="invalid", modified=mod, seconds=seconds)
    return CallOutcome(value=value, returned=returned, modified=mod, seconds=seconds)


def _rebuild(dtype: Any, shape: Any, data: bytes) -> NDArray[Any] | None:
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


def _clean_error(e: Any) -> dict[str, Any]:
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
