"""Run one submission in a separate, sandboxed process and bring back validated plain data.

The grader never imports, unpickles or calls anything of the student's. A warm worker
(``workers.Zygote`` running ``_worker.py``, standalone, stdlib + numpy) runs inside bubblewrap
when that is available and forks a fresh child per submission; the grader sends the child the
submission's bytes and then the arguments of one call at a time, and rebuilds each returned
array itself (``outcomes.decode_call``).

Limits: a wall-clock deadline per call and per submission (the submission's whole process
tree is killed when one passes), address-space and CPU limits, a cap on the output kept. A
call that times out or crashes costs that call only: the submission is restarted (a cheap
fork) for the next call while its time lasts.
"""

from __future__ import annotations

import os
import queue
import secrets
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from ..core.spec import Limits
from ..errors import SandboxError
from .outcomes import (
    Call,
    CallOutcome,
    Failure,
    LoadOutcome,
    SubmissionRun,
    decode_call,
    decode_load,
    matching,
)
from .workers import WORKER, Zygote, frame, new_scratch

SANDBOX_WORKER = "/opt/grader/worker.py"
SANDBOX_SCRATCH = "/scratch"
VENV_IN_SANDBOX = "/opt/venv"
SYSTEM_DIRS = ("/usr/", "/lib/", "/lib64/", "/bin/")
# What the worker keeps of root's powers inside bubblewrap: enough to give each submission its
# own mount and IPC namespaces (SYS_ADMIN), its own uid (SETUID, SETGID), and to kill what it
# left (KILL) and remove its files (DAC_OVERRIDE, FOWNER).
WORKER_CAPS = ("CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID", "CAP_KILL", "CAP_DAC_OVERRIDE",
               "CAP_FOWNER", "CAP_CHOWN")  # fmt: skip
STUDENT_UIDS = (1_900_000_000, 2_000_000_000)
TIMEOUTS_BEFORE_SKIP = 2
PIPELINE_BYTES = 32 << 10  # well under a pipe's 64 KiB buffer
MAX_REPLACEMENTS = 4  # fresh workers one submission may cost by killing its own
LOST = "was not run: the file's code kept killing the sandbox that runs it"
SKIPPED = f"was not run: it already timed out on {TIMEOUTS_BEFORE_SKIP} earlier tests"
# Modules imported once in the warm worker. scipy.signal is not among them: it makes every
# fork about five times slower (measured: 14 ms against 2.6 ms), and few students use it.
DEFAULT_PRELOAD: tuple[str, ...] = ()

T = TypeVar("T")

__all__ = ["Call", "CallOutcome", "Failure", "LoadOutcome", "SubmissionRun"]


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
    preload: tuple[str, ...] = DEFAULT_PRELOAD


def bwrap_available() -> str:
    """ "" when bubblewrap can start a sandboxed Python here, else the reason it cannot."""
    exe = shutil.which("bwrap")
    if not exe:
        return "bubblewrap (bwrap) is not installed"
    inside = _python_binds(sys.executable)[1]
    argv = [*_bwrap_argv(sys.executable), inside, "-I", "-c", "import numpy"]
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
        return "process", PROCESS_WORDS[process_isolation()]
    if requested not in ("auto", "bwrap"):
        raise SandboxError(f"unknown sandbox mode {requested!r} (auto, bwrap or process)")
    why = bwrap_available()
    if not why:
        return "bwrap", ""
    if requested == "bwrap":
        raise SandboxError(f"--sandbox bwrap: {why}. Install the 'bubblewrap' package.")
    level = process_isolation()
    if level == "private":
        return "process", f"WARNING: {why}; {PROCESS_WORDS[level]}"
    return "process", (
        f"WARNING: {why}; {PROCESS_WORDS[level]} Install 'bubblewrap' for real grading."
    )


PROCESS_WORDS = {
    "private": (
        "sandbox: plain child process (no bubblewrap), as root: student code runs under an "
        "unprivileged uid of its own, with a private view of the file system (no project, "
        "no reference, no other submission, no network) and its own /tmp."
    ),
    "uid": (
        "sandbox: plain child process (no bubblewrap), as root without namespaces: student "
        "code runs under an unprivileged uid of its own; it can read files that every user "
        "can read, and the network is not blocked."
    ),
    "none": (
        "sandbox: plain child process with resource limits (no bubblewrap); student code "
        "can read files this user can read."
    ),
}


def process_isolation() -> str:
    """What process mode gives here: "private" (root, and Linux lets us make mount
    namespaces: an unprivileged uid and a private view), "uid" (root in a container that
    forbids namespaces: an unprivileged uid only) or "none" (not root: the grader's user)."""
    if os.geteuid() != 0:
        return "none"
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child only reports through its exit code
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            os._exit(0 if libc.unshare(0x00020000) == 0 else 1)  # CLONE_NEWNS
        except BaseException:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    return "private" if status == 0 else "uid"


def _python_binds(python: str) -> tuple[list[tuple[str, str]], str]:
    """Read-only binds for the interpreter and its libraries, and its path in the sandbox.

    A virtual environment is bound at VENV_IN_SANDBOX, not where it lies: it often lies in
    the project folder, whose path (and so the course's layout) the sandbox need not see.
    """
    exe = Path(python)
    binds: dict[str, str] = {}
    base = str(Path(sys.base_prefix).resolve())
    binds[base] = base
    real = str(exe.resolve().parent.parent)
    binds[real] = real
    inside = str(exe)
    venv = exe.parent.parent  # a virtual environment is known by its pyvenv.cfg
    if (venv / "pyvenv.cfg").is_file():
        binds.pop(str(venv), None)
        binds[str(venv)] = VENV_IN_SANDBOX
        inside = str(Path(VENV_IN_SANDBOX) / exe.relative_to(venv))
    keep = [
        (src, dst)
        for src, dst in binds.items()
        if not (src + "/").startswith(SYSTEM_DIRS)  # already bound whole
    ]
    return sorted(keep), inside


def _bwrap_argv(python: str) -> list[str]:
    """bubblewrap's command line: new namespaces of every kind, a read-only view of the
    Python installation and nothing else, no environment but ours.

    As root (CI, Gradescope, a grading server) the worker stays root in bubblewrap's
    namespaces, with only the capabilities it needs to give each submission its own mount
    and IPC namespaces and its own unprivileged uid (see _worker.zygote); the submission then
    cannot signal, trace, re-limit or write to the worker. As any other user, bubblewrap
    maps that user to uid 65534 in a user namespace of its own.
    """
    if os.geteuid() == 0:
        who = [
            "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
            "--unshare-cgroup-try",
            "--cap-drop", "ALL",
            *(x for cap in WORKER_CAPS for x in ("--cap-add", cap)),
        ]  # fmt: skip
    else:
        who = [
            "--unshare-all", "--unshare-user", "--disable-userns",
            "--cap-drop", "ALL", "--uid", "65534", "--gid", "65534",
        ]  # fmt: skip
    argv = [
        "bwrap",
        *who,
        "--die-with-parent",
        "--new-session",
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
    binds, _ = _python_binds(python)
    parents = sorted({str(p) for _, dst in binds for p in Path(dst).parents if str(p) != "/"})
    for folder in parents:  # made traversable: bubblewrap would copy the host's 0700 of /root
        if not folder.startswith(SYSTEM_DIRS) and folder + "/" not in SYSTEM_DIRS:
            argv += ["--perms", "0755", "--dir", folder]
    for src, dst in binds:
        argv += ["--ro-bind", src, dst]
    for key, value in _worker_env(SANDBOX_SCRATCH).items():
        argv += ["--setenv", key, value]
    return argv


def _student_uid() -> int | None:
    """The unprivileged uid one warm worker's submissions run under (root only): a uid of
    its own, so two workers' submissions cannot signal each other either."""
    if os.geteuid() != 0:
        return None
    return STUDENT_UIDS[0] + secrets.randbelow(STUDENT_UIDS[1] - STUDENT_UIDS[0])


def start_worker(cfg: SandboxConfig) -> Zygote:
    """Start one warm worker for this configuration.

    Raises:
        SandboxError: it cannot start.
    """
    cap = cfg.limits.output_kib * 1024
    init: dict[str, Any] = {
        "memory_mib": cfg.limits.memory_mib,
        "cpu_s": int(cfg.limits.submission_timeout_s) + 1,
        "uid": _student_uid(),
        "private_tmp": os.geteuid() == 0,
    }
    preload = ",".join(cfg.preload)
    if cfg.mode == "bwrap":
        argv = _bwrap_argv(cfg.python)
        argv += ["--ro-bind", str(WORKER), SANDBOX_WORKER]
        argv += ["--setenv", "GRADER_PRELOAD", preload]
        argv += ["--setenv", "GRADER_CONTROL", "{GRADER_CONTROL}"]
        argv += [_python_binds(cfg.python)[1], "-I", "-X", "faulthandler", SANDBOX_WORKER]
        init["pid_namespace"] = True
        z = Zygote(argv, {"PATH": os.environ.get("PATH", "/usr/bin")}, None, init, cap)
        if init["uid"] is not None and not z.ready.get("uid"):
            z.close()
            raise SandboxError(
                "the sandbox's unprivileged user cannot read the Python installation "
                f"({sys.base_prefix}); make it readable by all users"
            )
        return z
    scratch = new_scratch()
    if init["uid"] is not None:
        init["view"] = _visible_paths(cfg.python, scratch)
    argv = [cfg.python, "-I", "-X", "faulthandler", str(WORKER)]
    env = _worker_env(scratch) | {"GRADER_PRELOAD": preload}
    return Zygote(argv, env, scratch, init, cap, scratch=scratch)


def _visible_paths(python: str, scratch: str) -> list[str]:
    """What process mode as root keeps visible in the worker's private view: the Python
    installation (and its virtual environment) and the scratch folder; every other
    top-level folder but the system's becomes empty (see _worker._private_view)."""
    binds, _ = _python_binds(python)
    keep = {src for src, _ in binds}
    exe = Path(python)
    venv = exe.parent.parent
    if (venv / "pyvenv.cfg").is_file():
        keep.add(str(venv))
    keep.add(scratch)
    return sorted(keep)


class WorkerPool:
    """Warm workers shared by grading threads: each submission borrows one."""

    def __init__(self, cfg: SandboxConfig) -> None:
        self.cfg = cfg
        self.idle: queue.SimpleQueue[Zygote] = queue.SimpleQueue()
        self.all: list[Zygote] = []
        self.lock = threading.Lock()

    def acquire(self) -> Zygote:
        """An idle warm worker, or a new one."""
        try:
            return self.idle.get_nowait()
        except queue.Empty:
            z = start_worker(self.cfg)
            with self.lock:
                self.all.append(z)
            return z

    def release(self, z: Zygote) -> None:
        """Give a worker back; a broken one is closed instead."""
        if z.alive:
            self.idle.put(z)
        else:
            z.close()

    def replace(self, z: Zygote) -> Zygote:
        """Close a broken worker and start a fresh one in its place."""
        z.close()
        return self.acquire()

    def close(self) -> None:
        for z in self.all:
            z.close()
        self.all.clear()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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
        "MALLOC_ARENA_MAX": "2",  # threads would each reserve 64 MiB of address space
        "PYTHONDONTWRITEBYTECODE": "1",
    }


# --- one submission ------------------------------------------------------------------------------


def run_and_judge(
    cfg: SandboxConfig,
    *,
    filename: str,
    kind: str,
    source: bytes,
    functions: tuple[str, ...],
    calls: list[Call],
    judge: Callable[[LoadOutcome, tuple[CallOutcome, ...]], T],
    pool: WorkerPool | None = None,
    support: tuple[tuple[str, bytes], ...] = (),
) -> tuple[SubmissionRun, T]:
    """Run a submission in a fresh child of a warm worker; judge(load, call outcomes) while
    the worker cleans up after it.

    The calls are made in turn. A call that times out or kills the child is reported as that
    call's failure; a fresh child then reloads the submission for the next call, as long as
    the submission's own time limit lasts. Once a function has timed out on
    TIMEOUTS_BEFORE_SKIP calls, its remaining calls are failed as timeouts without being run
    (an endless loop would only burn the same time again). A failure while loading fails
    every call. The grader's own work on the answers (comparing, diagnosing) overlaps with
    the worker killing the submission's processes and wiping its scratch.

    Returns:
        What the submission did, and what judge returned.

    Raises:
        SandboxError: only when the sandbox itself cannot be started.
    """
    own = pool is None
    workers = pool if pool is not None else WorkerPool(cfg)
    holder = _Holder(workers, workers.acquire())
    try:
        load, outcomes = _run(holder, cfg.limits, filename, kind, source, functions, calls, support)
        verdict = judge(load, outcomes)
        cap = cfg.limits.output_kib * 1024
        holder.finish(cap)
        run = SubmissionRun(
            load=load,
            calls=outcomes,
            output=bytes(holder.kept).decode("utf-8", errors="replace"),
            output_truncated=holder.total > cap,
            output_bytes=holder.total,
        )
        return run, verdict
    finally:
        if holder.running:
            holder.end_wait()
        workers.release(holder.z)
        if own:
            workers.close()


class _Holder:
    """The worker a submission is using (replaced, a few times at most, if it dies), and
    the output the submission's processes printed so far."""

    def __init__(self, pool: WorkerPool, z: Zygote) -> None:
        self.pool = pool
        self.z = z
        self.replaced = 0
        self.running = False
        self.kept = bytearray()
        self.total = 0

    def begin(self) -> None:
        """Start the submission in the worker; a worker found dead is replaced once."""
        try:
            self.z.begin()
        except SandboxError:
            if not self.replace():
                raise
            self.z.begin()
        self.running = True

    def finish(self, cap: int) -> None:
        """End the submission's process now (before another is started)."""
        out, n = self.end_wait()
        self.kept += out[: max(0, cap - len(self.kept))]
        self.total += n

    def end_wait(self) -> tuple[bytes, int]:
        if not self.running:
            return b"", 0
        self.running = False
        return self.z.end_wait()

    def replace(self) -> bool:
        if self.replaced >= MAX_REPLACEMENTS:
            return False
        self.replaced += 1
        self.z = self.pool.replace(self.z)
        return True


def _run(
    holder: _Holder,
    lim: Limits,
    filename: str,
    kind: str,
    source: bytes,
    functions: tuple[str, ...],
    calls: list[Call],
    support: tuple[tuple[str, bytes], ...] = (),
) -> tuple[LoadOutcome, tuple[CallOutcome, ...]]:
    """Make the calls; on return the submission's process is still being ended (the caller
    waits for that with holder.end_wait())."""
    cap = lim.output_kib * 1024
    end = time.monotonic() + lim.submission_timeout_s
    outcomes: list[CallOutcome] = []
    load = LoadOutcome()
    lost = False
    timeouts: dict[str, int] = {}
    deaths: dict[int, int] = {}  # call index -> deaths of the worker while it was in flight
    tag = secrets.token_hex(6)  # request ids: this tag and a counter
    ids = iter(range(1 << 62))

    try:
        if not calls:
            holder.begin()
            load_id = f"{tag}-{next(ids)}"
            sent = holder.z.write(_load_frame(load_id, filename, kind, source, functions, support))
            load = _receive_load(holder.z, lim, end, load_id if sent else None)
        i = 0
        while i < len(calls):
            if timeouts.get(calls[i].function, 0) >= TIMEOUTS_BEFORE_SKIP:
                outcomes.append(CallOutcome(failure=Failure("timeout", SKIPPED)))
                i += 1
                continue
            if time.monotonic() >= end:
                break
            batch = _batch(calls, i, timeouts)
            frames = _call_frames(batch, tag, ids)
            if not holder.running:
                # the load and the first calls go out in one write; the calls wait in the pipe
                holder.begin()
                load_id = f"{tag}-{next(ids)}"
                load_frame = _load_frame(load_id, filename, kind, source, functions, support)
                sent = holder.z.write(load_frame + b"".join(f for _, f in frames))
                load = _receive_load(holder.z, lim, end, load_id if sent else None)
                if load.failure and not holder.z.alive:
                    # the worker died under the load: an earlier call may have killed it;
                    # a load in flight at two deaths is the one that kills
                    holder.finish(cap)
                    deaths[-1] = deaths.get(-1, 0) + 1
                    if deaths[-1] < 2 and holder.replace():
                        continue
                if load.failure or load.fatal:
                    break
            else:
                sent = holder.z.write(b"".join(f for _, f in frames))
            rids = [rid for rid, _ in frames] if sent else []
            for outcome in _receive_calls(holder.z, rids, lim, end):
                if outcome.failure is not None:
                    holder.finish(cap)
                    if not holder.z.alive:
                        # The worker itself died: an earlier call of this file may have killed
                        # it, so this call is not to blame: run it again on a fresh worker. A
                        # call in flight at two deaths is the one that kills: it fails.
                        deaths[i] = deaths.get(i, 0) + 1
                        if not holder.replace():
                            raise _WorkerLost
                        if deaths[i] < 2:
                            break
                    if outcome.failure.outcome == "timeout":
                        fn = calls[i].function
                        timeouts[fn] = timeouts.get(fn, 0) + 1
                outcomes.append(outcome)
                i += 1
                if outcome.failure is not None:
                    break
    except _WorkerLost:
        lost = True
    if holder.running:
        holder.z.end_start()
    if lost:
        failure: Failure | None = Failure("crashed", LOST)
    elif load.failure:
        failure = load.failure
    elif len(outcomes) < len(calls) and not load.fatal:
        failure = Failure(
            "timeout", f"ran out of its {lim.submission_timeout_s:g} s for the whole file"
        )
    else:
        failure = None
    while len(outcomes) < len(calls):
        outcomes.append(CallOutcome(failure=failure or Failure("crashed", "crashed")))
    return load, tuple(outcomes)


class _WorkerLost(Exception):
    """The warm worker itself died (the submission killed it): stop using it."""


def _load_frame(
    rid: str,
    filename: str,
    kind: str,
    source: bytes,
    functions: tuple[str, ...],
    support: tuple[tuple[str, bytes], ...] = (),
) -> bytes:
    """The request that runs the submission's file (its other files follow its bytes)."""
    header: dict[str, Any] = {
        "op": "load",
        "id": rid,
        "filename": filename,
        "kind": kind,
        "functions": list(functions),
    }
    if support:
        header["support"] = [[name, len(data)] for name, data in support]
    return frame(header, source + b"".join(data for _, data in support))


def _receive_load(z: Zygote, lim: Limits, end: float, rid: str | None) -> LoadOutcome:
    if rid is None:
        return LoadOutcome(failure=z.death())
    deadline = min(end, time.monotonic() + lim.load_timeout_s)
    reply = matching(z.receive(deadline), rid)
    if isinstance(reply, Failure):
        if reply.outcome == "timeout":
            reply = Failure(
                "timeout",
                f"timed out after {lim.load_timeout_s:g} s while running the file's top-level "
                "code (is there an endless loop or a slow demo outside the functions?)",
            )
        return LoadOutcome(failure=reply)
    return decode_load(reply[0])


def _batch(calls: list[Call], start: int, timeouts: dict[str, int]) -> list[Call]:
    """Consecutive calls from `start` to send at once: as many as fit in one pipe buffer
    (so writing them can never block on a submission that stops reading)."""
    batch: list[Call] = []
    size = 0
    for call in calls[start:]:
        if timeouts.get(call.function, 0) >= TIMEOUTS_BEFORE_SKIP:
            break
        size += sum(a.nbytes if isinstance(a, np.ndarray) else 512 for _, a in call.args) + 512
        if batch and size > PIPELINE_BYTES:
            break
        batch.append(call)
    return batch


def _call_frames(batch: list[Call], tag: str, ids: Iterator[int]) -> list[tuple[str, bytes]]:
    """The requests for a batch of calls, with their request ids."""
    frames = []
    for call in batch:
        specs = [_arg_spec(n, a) for n, a in call.args]
        payload = b"".join(
            np.ascontiguousarray(a).tobytes() for _, a in call.args if isinstance(a, np.ndarray)
        )
        rid = f"{tag}-{next(ids)}"
        header: dict[str, Any] = {
            "op": "call",
            "id": rid,
            "function": call.function,
            "args": specs,
            "names": [n for n, _ in call.args],
        }
        frames.append((rid, frame(header, payload)))
    return frames


def _arg_spec(name: str, value: Any) -> dict[str, Any]:
    """How one argument travels: an array's dtype and shape (its bytes follow in the payload),
    or a plain int, float, str or bool in the header itself."""
    if isinstance(value, np.ndarray):
        return {"name": name, "type": "array", "dtype": value.dtype.str, "shape": list(value.shape)}
    return {"name": name, "type": type(value).__name__, "value": value}


def _receive_calls(z: Zygote, rids: list[str], lim: Limits, end: float) -> Iterator[CallOutcome]:
    """Yield the reply to each call of a batch in turn.

    Each call has its own deadline, counted from the moment the previous reply arrived (the
    worker answers them one after another). The caller stops at the first failure; the
    requests not yet read are then thrown away with the submission's process.
    """
    for rid in rids:
        started = time.monotonic()
        deadline = min(end, started + lim.call_timeout_s)
        reply = matching(z.receive(deadline), rid)
        seconds = time.monotonic() - started
        if isinstance(reply, Failure):
            if reply.outcome == "timeout":
                limit = min(lim.call_timeout_s, max(0.0, end - started))
                reply = Failure("timeout", f"timed out after {limit:g} s")
            yield CallOutcome(failure=reply, seconds=seconds)
            return
        head, data = reply
        yield decode_call(head, data, seconds)
    if not rids:  # the requests could not be written: the worker is gone
        yield CallOutcome(failure=z.death())
