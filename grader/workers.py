"""A warm worker: one sandboxed interpreter that forks a fresh child per submission.

The worker (``_worker.py``) starts once, imports numpy (and any preloaded modules) once, and
then, for each submission the grader starts, forks a child that loads the submission and
answers calls on the data channel. A control channel starts and aborts submissions; after
each one the worker kills every process the submission left and wipes its scratch folders
before it confirms "done". If anything goes wrong with the worker itself, it is thrown away
and a new one is started: a broken worker never grades anybody.
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
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from .errors import SandboxError
from .outcomes import MAX_RESULT_BYTES, SIGNAL_WORDS, SIGNALS, Failure

WORKER = Path(__file__).with_name("_worker.py")
MAX_HEADER = 1 << 20
READ_CHUNK = 1 << 16
WORKER_FAILED = 70  # the exit code of a submission process whose worker code failed
START_TIMEOUT_S = 60.0
CLEANUP_TIMEOUT_S = 5.0


class _OutputSink(threading.Thread):
    """Drains the worker's stdout/stderr; keeps the first `cap` bytes of each submission.

    The worker writes an end marker after each submission's clean-up, so every byte is
    counted for the submission that printed it.
    """

    def __init__(self, fd: int, cap: int) -> None:
        super().__init__(daemon=True)
        self.fd = fd
        self.cap = cap
        self.cond = threading.Condition()
        self.kept = bytearray()
        self.total = 0
        self.marker = b""
        self.ended = False
        self.eof = False

    def expect(self, marker: bytes) -> None:
        with self.cond:
            self.marker = marker
            self.ended = False

    def _add(self, data: bytes) -> None:
        self.total += len(data)
        room = self.cap - len(self.kept)
        if room > 0:
            self.kept += data[:room]

    def run(self) -> None:
        pending = b""
        while True:
            try:
                chunk = os.read(self.fd, 1 << 16)
            except OSError:
                chunk = b""
            with self.cond:
                if not chunk:
                    self._add(pending)
                    self.eof = True
                    self.cond.notify_all()
                    return
                data = pending + chunk
                marker = self.marker
                i = data.find(marker) if marker else -1
                if i >= 0:
                    self._add(data[:i])
                    self.ended = True
                    self.marker = b""
                    self.cond.notify_all()
                    self.cond.wait_for(lambda: not self.ended or self.eof, timeout=5.0)
                    data = data[i + len(marker) :]
                    marker = self.marker
                keep = max(0, len(marker) - 1) if marker else 0
                cut = len(data) - keep
                self._add(data[:cut])
                pending = data[cut:]

    def take(self, timeout: float = 2.0) -> tuple[bytes, int]:
        """The current submission's output (kept bytes, total bytes), once its marker came."""
        with self.cond:
            self.cond.wait_for(lambda: self.ended or self.eof or not self.marker, timeout)
            kept, total = bytes(self.kept), self.total
            self.kept = bytearray()
            self.total = 0
            self.ended = False
            self.cond.notify_all()
        return kept, total


PIDS_ROOT = Path("/sys/fs/cgroup/pids")
PIDS_MAX = 64  # processes and threads of one worker and the submission it runs


def _pids_cgroup() -> Path | None:
    """A fresh cgroup (v1 pids controller) capping one worker's process count, or None where
    cgroups cannot be written (then fork bombs are bounded only by time; see SECURITY.md)."""
    if not (PIDS_ROOT / "cgroup.procs").exists():
        return None
    _remove_orphans()
    path = PIDS_ROOT / f"grader-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        path.mkdir()
        (path / "pids.max").write_text(str(PIDS_MAX))
    except OSError:
        with contextlib.suppress(OSError):
            path.rmdir()
        return None
    return path


def _remove_orphans() -> None:
    """Remove the cgroups of grader processes that died without cleaning up (SIGKILL)."""
    with contextlib.suppress(OSError):
        for path in PIDS_ROOT.glob("grader-*-*"):
            owner = path.name.split("-")[1]
            if owner.isdigit() and not Path(f"/proc/{owner}").exists():
                _remove_cgroup(path)


def _remove_cgroup(path: Path) -> None:
    """Kill whatever is left in the cgroup (even a process that escaped its session) and
    remove it."""
    for _ in range(100):
        try:
            pids = [int(p) for p in (path / "cgroup.procs").read_text().split()]
        except OSError:
            return
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        try:
            path.rmdir()
            return
        except OSError:
            time.sleep(0.01)


class _ChildExited(Exception):
    """The control pipe spoke while a reply was awaited: the submission's process ended."""


def frame(header: dict[str, Any], payload: bytes = b"") -> bytes:
    """One message: a 4-byte big-endian header length, the JSON header, the payload."""
    raw = json.dumps(dict(header, payload=len(payload))).encode()
    return struct.pack(">I", len(raw)) + raw + payload


def _write_all(fd: int, data: bytes) -> bool:
    """Write every byte; False when the reader is gone."""
    view = memoryview(data)
    try:
        while view:
            view = view[os.write(fd, view) :]
    except OSError:
        return False
    return True


class Zygote:
    """One warm worker process and its pipes: data (to the submission), control, output."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: str | None, init: dict[str, Any],
                 output_cap: int, scratch: str | None = None) -> None:  # fmt: skip
        self.scratch = scratch
        ctl_in_r, ctl_in_w = os.pipe()  # grader -> worker
        ctl_out_r, ctl_out_w = os.pipe()  # worker -> grader
        fds = {"{GRADER_CONTROL_IN}": str(ctl_in_r), "{GRADER_CONTROL_OUT}": str(ctl_out_w)}
        argv = [fds.get(a, a) for a in argv]
        self.cgroup = _pids_cgroup()
        if self.cgroup is not None:  # join the cgroup first, so every descendant is in it
            join = 'echo $$ > "$0/cgroup.procs" && exec "$@"'
            argv = ["/bin/sh", "-c", join, str(self.cgroup), *argv]
        env = dict(env, GRADER_CONTROL_IN=str(ctl_in_r), GRADER_CONTROL_OUT=str(ctl_out_w))
        if self.cgroup is not None and scratch is not None:
            # process mode has no PID namespace to sweep: the cgroup knows every process
            # the submission started, even one that left its session
            env["GRADER_CGROUP_PROCS"] = str(self.cgroup / "cgroup.procs")
        try:
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=cwd,
                env=env,
                start_new_session=True,
                pass_fds=(ctl_in_r, ctl_out_w),
            )
        except OSError as exc:
            for fd in (ctl_in_r, ctl_in_w, ctl_out_r, ctl_out_w):
                os.close(fd)
            if self.cgroup is not None:
                _remove_cgroup(self.cgroup)
            self._remove_scratch()
            raise SandboxError(f"could not start the sandbox worker: {exc}") from exc
        os.close(ctl_in_r)
        os.close(ctl_out_w)
        self.ctl_w = ctl_in_w
        self.ctl_r = ctl_out_r
        assert self.proc.stdin and self.proc.stdout and self.proc.stderr
        self.data_w = self.proc.stdin.fileno()
        self.data_r = self.proc.stdout.fileno()
        self.buffer = bytearray()  # data-channel bytes read but not yet parsed
        self.ending = False  # "end" sent, "done" not yet read
        self.sink = _OutputSink(self.proc.stderr.fileno(), output_cap)
        self.sink.start()
        self.alive = True
        self._send(self.ctl_w, dict(init, op="init"))
        ready = self._receive(self.ctl_r, time.monotonic() + START_TIMEOUT_S)
        if isinstance(ready, Failure) or ready[0].get("op") != "ready":
            err = self.sink.take()[0].decode(errors="replace").strip().splitlines()
            self.close()
            detail = err[-1] if err else "no answer"
            raise SandboxError(f"the sandbox worker did not start: {detail}")

    # -- framing --------------------------------------------------------------------------------
    def _send(self, fd: int, header: dict[str, Any], payload: bytes = b"") -> bool:
        return _write_all(fd, frame(header, payload))

    def _read(self, fd: int, n: int, deadline: float, watch: int | None = None) -> bytes | None:
        """n bytes from fd; the data channel is read in big chunks (many replies at once)
        into a buffer that is emptied when the submission ends."""
        buffered = fd == self.data_r
        buf = self.buffer if buffered else bytearray()
        fds = [fd] if watch is None else [fd, watch]
        while len(buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            ready, _, _ = select.select(fds, [], [], left)
            if not ready:
                raise TimeoutError
            if fd not in ready:
                raise _ChildExited
            chunk = os.read(fd, max(n - len(buf), READ_CHUNK) if buffered else n - len(buf))
            if not chunk:
                return None
            buf += chunk
        out = bytes(buf[:n])
        del buf[:n]
        return out

    def _receive(
        self, fd: int, deadline: float, watch: int | None = None
    ) -> tuple[dict[str, Any], bytes] | Failure:
        try:
            head = self._read(fd, 4, deadline, watch)
            if head is None:
                return self.death()
            (n,) = struct.unpack(">I", head)
            if n > MAX_HEADER:
                return Failure("protocol", "The submission's process sent an oversized reply.")
            raw = self._read(fd, n, deadline, watch)
            if raw is None:
                return self.death()
            header = json.loads(raw)
            if not isinstance(header, dict):
                raise ValueError("reply is not an object")
            size = header.get("payload", 0)
            if not isinstance(size, int) or not 0 <= size <= MAX_RESULT_BYTES:
                return Failure("protocol", "The submission's process sent an oversized reply.")
            payload = self._read(fd, size, deadline, watch) if size else b""
            if payload is None:
                return self.death()
            return header, payload
        except TimeoutError:
            return Failure("timeout", "")
        except _ChildExited:
            return self._child_exit()
        except (ValueError, UnicodeDecodeError, RecursionError):
            return Failure(
                "protocol", "The submission's process sent something unreadable to the grader."
            )

    # -- the data channel (the submission's side) ------------------------------------------------
    def write(self, frames: bytes) -> bool:
        """Write whole requests (see frame) to the submission; False if the worker is gone."""
        return _write_all(self.data_w, frames)

    def receive(self, deadline: float) -> tuple[dict[str, Any], bytes] | Failure:
        """The submission's reply, or why none came (timeout, death, garbage)."""
        return self._receive(self.data_r, deadline, watch=self.ctl_r)

    def _child_exit(self) -> Failure:
        """The worker reports that the submission's process ended without replying."""
        msg = self._receive(self.ctl_r, time.monotonic() + CLEANUP_TIMEOUT_S)
        if isinstance(msg, Failure) or msg[0].get("op") != "exited":
            self.alive = False
            return msg if isinstance(msg, Failure) else Failure("crashed", "crashed")
        head = msg[0]
        sig = head.get("signal")
        if isinstance(sig, int) and sig in SIGNALS:
            if sig == signal.SIGXCPU:
                return Failure("timeout", "used up its CPU time")
            return Failure("crashed", f"crashed ({SIGNAL_WORDS.get(signal.Signals(sig), sig)})")
        code = head.get("code")
        if code == WORKER_FAILED:
            return Failure("crashed", "broke its connection to the grader (closed its pipes?)")
        return Failure("exited", f"exited before returning (exit code {code})")

    def death(self) -> Failure:
        """Why a reply never came: the worker process itself died."""
        self.alive = False
        try:
            code = self.proc.wait(2.0)
        except subprocess.TimeoutExpired:
            return Failure("crashed", "crashed (closed its connection to the grader)")
        if code > 128 and code - 128 in SIGNALS:
            code = 128 - code  # bubblewrap reports a child killed by signal N as exit 128 + N
        if code < 0:
            words = SIGNAL_WORDS.get(signal.Signals(-code), f"signal {-code}")
            return Failure("crashed", f"crashed ({words})")
        return Failure("exited", f"exited before returning (exit code {code})")

    # -- submissions ----------------------------------------------------------------------------
    def begin(self) -> None:
        """Fork a fresh child for the next submission. Nothing is awaited: the first reply on
        the data channel shows the child is there (requests can be sent right away).

        Raises:
            SandboxError: the worker is broken (the caller replaces it).
        """
        marker = b"\x00grader-end-" + secrets.token_hex(8).encode() + b"\x00"
        self.sink.expect(marker)
        order = {"op": "start", "marker": marker.decode()}
        if not self.alive or self.proc.poll() is not None or not self._send(self.ctl_w, order):
            self.alive = False
            raise SandboxError("the sandbox worker is gone")

    def end_start(self) -> None:
        """Ask the worker to end the submission: it kills the submission wherever it is, and
        everything it started, and wipes its scratch. Nothing is awaited (see end_wait)."""
        if not self.alive or self.ending:
            return
        self.ending = True
        if not self._send(self.ctl_w, {"op": "end"}):
            self.alive = False

    def end_wait(self) -> tuple[bytes, int]:
        """Wait until the worker confirms the submission and all it started are gone and its
        scratch is wiped; returns the submission's output (kept bytes, total bytes)."""
        self.end_start()
        if self.alive:
            deadline = time.monotonic() + CLEANUP_TIMEOUT_S
            done = self._receive(self.ctl_r, deadline)
            while isinstance(done, tuple) and done[0].get("op") == "exited":
                done = self._receive(self.ctl_r, deadline)
            if not isinstance(done, tuple) or done[0].get("op") != "done":
                self.alive = False
            else:
                self._drain_data()
        self.ending = False
        self.buffer.clear()
        return self.sink.take(timeout=1.0 if self.alive else 0.1)

    def _drain_data(self) -> None:
        """Throw away reply bytes of a killed submission, so the next one starts clean."""
        while True:
            ready, _, _ = select.select([self.data_r], [], [], 0)
            if not ready:
                return
            if not os.read(self.data_r, 1 << 16):
                self.alive = False
                return

    def close(self) -> None:
        """End the worker and everything it started."""
        self.alive = False
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            self.proc.kill()
        self.proc.wait()
        for fd in (self.ctl_w, self.ctl_r):
            with contextlib.suppress(OSError):
                os.close(fd)
        for stream in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(OSError):
                if stream:
                    stream.close()
        self.sink.join(timeout=2.0)
        if self.proc.stderr:
            self.proc.stderr.close()
        if self.cgroup is not None:
            _remove_cgroup(self.cgroup)
            self.cgroup = None
        self._remove_scratch()

    def _remove_scratch(self) -> None:
        if self.scratch:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None


def new_scratch() -> str:
    return tempfile.mkdtemp(prefix="grader-scratch-")
