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
import socket
import struct
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from ..errors import SandboxError
from .outcomes import MAX_RESULT_BYTES, SIGNAL_WORDS, SIGNALS, Failure

WORKER = Path(__file__).with_name("_worker.py")
MAX_HEADER = 1 << 20
READ_CHUNK = 1 << 16
WORKER_FAILED = 70  # the exit code of a submission process whose worker code failed
START_TIMEOUT_S = 60.0
CLEANUP_TIMEOUT_S = 5.0


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
    """The control socket spoke while a reply was awaited: the submission's process ended."""


def frame(header: dict[str, Any], payload: bytes = b"") -> bytes:
    """One message: a 4-byte big-endian header length, the JSON header, the payload."""
    raw = json.dumps(dict(header, payload=len(payload))).encode()
    return struct.pack(">I", len(raw)) + raw + payload


class _Session:
    """One submission's own pipes, as the grader holds them: requests out (non-blocking, so a
    submission that stops reading, or shrinks the pipe, can only time out), replies in, and
    its output in (the first `cap` bytes kept, the rest counted and dropped)."""

    def __init__(self, cap: int) -> None:
        req_r, self.req_w = os.pipe2(os.O_CLOEXEC)
        self.rep_r, rep_w = os.pipe2(os.O_CLOEXEC)
        self.out_r, out_w = os.pipe2(os.O_CLOEXEC)
        os.set_blocking(self.req_w, False)
        self.theirs = [req_r, rep_w, out_w]
        self.pending = bytearray()  # request bytes not yet written
        self.buffer = bytearray()  # reply bytes read but not yet parsed
        self.cap = cap
        self.kept = bytearray()
        self.total = 0
        self.out_open = True

    def hand_over(self) -> None:
        """Close the submission's ends here once the worker has them."""
        for fd in self.theirs:
            os.close(fd)
        self.theirs = []

    def output(self) -> None:
        """Read what the submission printed so far (never blocks)."""
        try:
            chunk = os.read(self.out_r, 1 << 16)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:
            self.out_open = False
            return
        self.total += len(chunk)
        room = self.cap - len(self.kept)
        if room > 0:
            self.kept += chunk[:room]

    def flush(self) -> bool:
        """Write what the pipe takes now; False when the submission's end is gone."""
        while self.pending:
            try:
                n = os.write(self.req_w, self.pending)
            except BlockingIOError:
                return True
            except OSError:
                self.pending.clear()
                return False
            del self.pending[:n]
        return True

    def close(self) -> None:
        for fd in (*self.theirs, self.req_w, self.rep_r, self.out_r):
            with contextlib.suppress(OSError):
                os.close(fd)
        self.theirs = []


class Zygote:
    """One warm worker process: its control socket and the session of its submission."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: str | None, init: dict[str, Any],
                 output_cap: int, scratch: str | None = None) -> None:  # fmt: skip
        self.scratch = scratch
        self.cap = output_cap
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        argv = [a.replace("{GRADER_CONTROL}", str(theirs.fileno())) for a in argv]
        self.cgroup = _pids_cgroup()
        if self.cgroup is not None:  # join the cgroup first, so every descendant is in it
            join = 'echo $$ > "$0/cgroup.procs" && exec "$@"'
            argv = ["/bin/sh", "-c", join, str(self.cgroup), *argv]
        env = dict(env, GRADER_CONTROL=str(theirs.fileno()))
        if self.cgroup is not None and scratch is not None:
            # process mode has no PID namespace to sweep: the cgroup knows every process
            # the submission started, even one that left its session
            env["GRADER_CGROUP_PROCS"] = str(self.cgroup / "cgroup.procs")
        self.log = tempfile.TemporaryFile()  # noqa: SIM115  # the worker's own messages, kept open
        try:
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=self.log,
                stderr=self.log,
                cwd=cwd,
                env=env,
                start_new_session=True,
                pass_fds=(theirs.fileno(),),
            )
        except OSError as exc:
            mine.close()
            theirs.close()
            self.log.close()
            if self.cgroup is not None:
                _remove_cgroup(self.cgroup)
            self._remove_scratch()
            raise SandboxError(f"could not start the sandbox worker: {exc}") from exc
        theirs.close()
        self.ctl = mine
        self.ctl_fd = mine.fileno()
        self.session: _Session | None = None
        self.ending = False  # "end" sent, "done" not yet read
        self.alive = True
        self.ready: dict[str, Any] = {}
        self._order(dict(init, op="init"))
        ready = self._control(time.monotonic() + START_TIMEOUT_S)
        if isinstance(ready, Failure) or ready.get("op") != "ready":
            self.log.seek(0)
            err = self.log.read(1 << 16).decode(errors="replace").strip().splitlines()
            self.close()
            detail = err[-1] if err else "no answer"
            raise SandboxError(f"the sandbox worker did not start: {detail}")
        self.ready = ready

    # -- the control socket ---------------------------------------------------------------------
    def _order(self, header: dict[str, Any], fds: list[int] | None = None) -> bool:
        raw = json.dumps(header).encode()
        msg = struct.pack(">I", len(raw)) + raw
        try:
            if fds:
                socket.send_fds(self.ctl, [msg], fds)
            else:
                self.ctl.send(msg)
        except OSError:
            self.alive = False
            return False
        return True

    def _control(self, deadline: float) -> dict[str, Any] | Failure:
        """The worker's next control message (it is trusted code: it only reports)."""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return Failure("timeout", "")
            ready, _, _ = select.select([self.ctl_fd], [], [], left)
            if ready:
                break
        try:
            msg = self.ctl.recv(1 << 16)
            if not msg:
                return self.death()
            (n,) = struct.unpack(">I", msg[:4])
            head = json.loads(msg[4 : 4 + n])
        except (OSError, ValueError, struct.error):
            return self.death()
        return head if isinstance(head, dict) else self.death()

    # -- the data channel (the submission's side) ------------------------------------------------
    def write(self, frames: bytes) -> bool:
        """Queue whole requests (see frame) for the submission; False if it is gone. They are
        written as the submission reads them, while replies are awaited."""
        s = self.session
        if s is None or not self.alive:
            return False
        s.pending += frames
        return s.flush()

    def receive(self, deadline: float) -> tuple[dict[str, Any], bytes] | Failure:
        """The submission's next reply, or why none came (timeout, death, garbage)."""
        s = self.session
        if s is None:
            return Failure("crashed", "crashed")
        try:
            head = self._take(s, 4, deadline)
            (n,) = struct.unpack(">I", head)
            if n > MAX_HEADER:
                return Failure("protocol", "The submission's process sent an oversized reply.")
            header = json.loads(self._take(s, n, deadline))
            if not isinstance(header, dict):
                raise ValueError("reply is not an object")
            size = header.get("payload", 0)
            if not isinstance(size, int) or not 0 <= size <= MAX_RESULT_BYTES:
                return Failure("protocol", "The submission's process sent an oversized reply.")
            payload = self._take(s, size, deadline) if size else b""
            return header, payload
        except TimeoutError:
            return Failure("timeout", "")
        except _ChildExited:
            return self._child_exit()
        except EOFError:
            return self._child_exit(closed=True)
        except (ValueError, UnicodeDecodeError, RecursionError):
            return Failure(
                "protocol", "The submission's process sent something unreadable to the grader."
            )

    def _take(self, s: _Session, n: int, deadline: float) -> bytes:
        """n reply bytes; meanwhile requests are written and output is read. Every wait is
        bounded by the deadline, whatever the submission does to its pipes."""
        buf = s.buffer
        while len(buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            reads = [s.rep_r, self.ctl_fd] + ([s.out_r] if s.out_open else [])
            writes = [s.req_w] if s.pending else []
            readable, writable, _ = select.select(reads, writes, [], left)
            if writable:
                s.flush()
            if s.out_r in readable:
                s.output()
            if s.rep_r in readable:
                chunk = os.read(s.rep_r, max(n - len(buf), READ_CHUNK))
                if not chunk:
                    raise EOFError
                buf += chunk
            elif self.ctl_fd in readable:
                raise _ChildExited
        out = bytes(buf[:n])
        del buf[:n]
        return out

    def _child_exit(self, closed: bool = False) -> Failure:
        """The worker reports that the submission's process ended without replying."""
        broke = Failure("crashed", "broke its connection to the grader (closed its pipes?)")
        # a process that closed its reply pipe may still be alive: then it broke the pipe
        msg = self._control(time.monotonic() + (1.0 if closed else CLEANUP_TIMEOUT_S))
        if closed and isinstance(msg, Failure) and msg.outcome == "timeout":
            return broke
        if isinstance(msg, Failure) or msg.get("op") != "exited":
            self.alive = False
            return msg if isinstance(msg, Failure) else Failure("crashed", "crashed")
        sig = msg.get("signal")
        if isinstance(sig, int) and sig in SIGNALS:
            if sig == signal.SIGXCPU:
                return Failure("timeout", "used up its CPU time")
            return Failure("crashed", f"crashed ({SIGNAL_WORDS.get(signal.Signals(sig), sig)})")
        code = msg.get("code")
        if code == WORKER_FAILED:
            return broke
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
        """Fork a fresh child for the next submission, on pipes of its own. Nothing is
        awaited: the first reply shows the child is there (requests can be sent right away).

        Raises:
            SandboxError: the worker is broken (the caller replaces it).
        """
        session = _Session(self.cap)
        if not self.alive or self.proc.poll() is not None:
            session.close()
            self.alive = False
            raise SandboxError("the sandbox worker is gone")
        if not self._order({"op": "start"}, session.theirs):
            session.close()
            raise SandboxError("the sandbox worker is gone")
        session.hand_over()
        self.session = session

    def end_start(self) -> None:
        """Ask the worker to end the submission: it kills the submission wherever it is, and
        everything it started. Nothing is awaited (see end_wait)."""
        if not self.alive or self.ending or self.session is None:
            return
        self.ending = True
        self._order({"op": "end"})

    def end_wait(self) -> tuple[bytes, int]:
        """Wait until the worker confirms the submission and all it started are gone; returns
        the submission's output (kept bytes, total bytes)."""
        self.end_start()
        s = self.session
        self.session = None
        self.ending = False
        if s is None:
            return b"", 0
        deadline = time.monotonic() + CLEANUP_TIMEOUT_S
        done = False
        while self.alive and time.monotonic() < deadline:
            reads = [self.ctl_fd] + ([s.out_r] if s.out_open else [])
            readable, _, _ = select.select(reads, [], [], max(0.0, deadline - time.monotonic()))
            if s.out_r in readable:
                s.output()
            if self.ctl_fd in readable:
                msg = self._control(deadline)
                if isinstance(msg, Failure) or msg.get("op") not in ("exited", "done"):
                    self.alive = False
                elif msg.get("op") == "done":
                    done = True
                    break
        if not done:
            self.alive = False  # it did not confirm in time: throw the whole worker away
        else:
            os.set_blocking(s.out_r, False)
            while s.out_open:  # everything that held the pipe is gone: this ends at once
                s.output()
                if s.out_open and not select.select([s.out_r], [], [], 0.2)[0]:
                    break
        s.close()
        return bytes(s.kept), s.total

    def close(self) -> None:
        """End the worker and everything it started."""
        self.alive = False
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            self.proc.kill()
        self.proc.wait()
        with contextlib.suppress(OSError):
            self.ctl.close()
        if self.session is not None:
            self.session.close()
            self.session = None
        with contextlib.suppress(OSError):
            self.log.close()
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
