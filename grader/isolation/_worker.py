"""The sandboxed side: load ONE submission, call its functions, send back plain numbers.

This file runs as a standalone script (``python -I _worker.py``) inside the sandbox, next to
untrusted code. It imports only the standard library and numpy, never the grader package, so
it can be the only piece of the project that is visible inside the sandbox. It never receives
expected values: only the arguments of the call being tested.

Protocol (over the process's original stdin/stdout; the student's own prints go to stderr):
every message is a 4-byte big-endian header length, a JSON header, then ``header["payload"]``
raw bytes. Requests: ``load`` (payload: the submission's bytes) and ``call`` (payload: the
arguments' bytes). Replies carry ``ok`` and either data or an error description.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import json
import os
import resource
import select
import shutil
import struct
import sys
import time
import traceback
import types
from typing import Any

# Bound now, before any student code runs: a submission that patches builtins, os, json or
# struct during a call cannot break the worker's own reading, writing and cell execution.
_os_read = os.read
_os_write = os.write
_loads = json.loads
_dumps = json.dumps
_pack = struct.pack
_unpack = struct.unpack
_min = min
_exec = exec
_compile = compile
_exit = os._exit

MAX_RESULT_BYTES = 64 << 20
MAX_TEXT = 4000
SUBMISSION_FILE = "<submission>"
CELL_MAGICS_TO_RUN = ("time", "timeit", "capture", "prun")


def _read_exact(fd: int, n: int) -> bytes:
    chunks = []
    while n:
        b = _os_read(fd, _min(n, 1 << 20))
        if not b:
            raise EOFError
        chunks.append(b)
        n -= len(b)
    return b"".join(chunks)


class Channel:
    """The private request/reply pipe to the grader.

    A buffered channel reads whatever is waiting (several pipelined requests at once); only
    the submission's process uses one, and what it read but did not use goes with it.
    """

    def __init__(self, rfd: int, wfd: int, buffered: bool = False) -> None:
        self.rfd = rfd
        self.wfd = wfd
        self.buffered = buffered
        self.buf = b""

    def _take(self, n: int) -> bytes:
        if not self.buffered:
            return _read_exact(self.rfd, n)
        while len(self.buf) < n:
            chunk = _os_read(self.rfd, 1 << 20)
            if not chunk:
                raise EOFError
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def receive(self) -> tuple[dict[str, Any], bytes]:
        (n,) = _unpack(">I", self._take(4))
        header = _loads(self._take(n))
        payload = self._take(int(header.get("payload", 0)))
        return header, payload

    def send(self, header: dict[str, Any], payload: bytes = b"") -> None:
        header = dict(header, payload=len(payload))
        raw = _dumps(header).encode()
        data = _pack(">I", len(raw)) + raw + payload
        view = memoryview(data)
        while view:
            written = _os_write(self.wfd, view)
            view = view[written:]


def _text(s: object, limit: int = MAX_TEXT) -> str:
    try:
        t = str(s)
    except BaseException:  # a hostile __str__
        t = "<unprintable>"
    return t if len(t) <= limit else t[:limit] + " ..."


def _error(exc: BaseException, tb: Any = None) -> dict[str, Any]:
    """Describe an exception raised by student code (its traceback, student frames only)."""
    frames = traceback.extract_tb(tb if tb is not None else exc.__traceback__)
    mine = [f for f in frames if f.filename != __file__]
    lines = traceback.format_list(mine[-8:])
    kind = type(exc).__name__
    if isinstance(exc, SystemExit):
        return {"ok": False, "error": "exited", "type": kind, "message": _text(exc.code)}
    return {
        "ok": False,
        "error": "memory" if isinstance(exc, MemoryError) else "exception",
        "type": _text(kind, 200),
        "message": _text(exc),
        "line": mine[-1].lineno if mine else None,
        "traceback": _text("".join(lines)),
    }


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BaseException):  # a student may have replaced the streams
            stream.flush()


# --- loading -----------------------------------------------------------------------------------


def _notebook_cells(raw: bytes) -> list[str]:
    """The code cells of an .ipynb file, with IPython magics and shell lines removed."""
    try:
        nb = json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise ValueError("the notebook is nested too deeply to read") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"the notebook is not valid JSON ({_text(exc, 200)})") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise ValueError("the file is not a Jupyter notebook (no list of cells)")
    cells = []
    for cell in nb["cells"]:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        src = cell.get("source", "")
        if isinstance(src, list):
            src = "".join(s for s in src if isinstance(s, str))
        if not isinstance(src, str):
            continue
        cells.append(_strip_magics(src))
    return cells


def _strip_magics(src: str) -> str:
    lines = src.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        magic = lines[0].lstrip()[2:].split()
        if not magic or magic[0] not in CELL_MAGICS_TO_RUN:
            return ""
        lines = lines[1:]
    out = []
    for line in lines:
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        if stripped.startswith(("%", "!")) or (stripped.endswith("?") and "#" not in stripped):
            out.append(indent + "pass")
        elif "= !" in stripped or "= %" in stripped:
            out.append(indent + stripped.split("=", 1)[0] + "= []")
        else:
            out.append(line)
    return "\n".join(out)


def load(header: dict[str, Any], source: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run the submission's top-level code; describe what it defined."""
    filename = os.path.basename(str(header.get("filename", "submission.py"))) or "submission.py"
    is_notebook = header.get("kind") == "ipynb"
    name = "__main__" if is_notebook else os.path.splitext(filename)[0] or "submission"
    module = types.ModuleType(name)
    namespace = module.__dict__
    path = os.path.join(os.getcwd(), filename)
    namespace["__file__"] = path
    errors: list[dict[str, Any]] = []
    source = _write_support(header, source)
    if is_notebook:
        try:
            cells = _notebook_cells(source)
        except ValueError as exc:
            return {"ok": True, "fatal": str(exc), "errors": [], "found": {}}, namespace
        units = [(f"<cell {i + 1}>", c.encode()) for i, c in enumerate(cells)]
    else:
        units = [(filename, source)]
        try:
            with open(path, "wb") as fh:  # so code that reads its own file still works
                fh.write(source)
        except OSError:
            pass
    if not is_notebook:
        sys.modules[name] = module
    for label, code in units:
        try:
            compiled = _compile(code, label, "exec", dont_inherit=True)
            _exec(compiled, namespace)
        except BaseException as exc:
            err = _error(exc)
            err["cell"] = label
            if isinstance(exc, SyntaxError):
                err["line"] = exc.lineno
                err["message"] = _text(exc.msg)
                err["traceback"] = ""
            errors.append(err)
            if err["error"] in ("exited",) or not is_notebook:
                break
        finally:
            _flush()
    found = {}
    for fname in header.get("functions", []):
        obj = namespace.get(fname)
        info: dict[str, Any] = {"defined": obj is not None, "callable": callable(obj)}
        if callable(obj):
            try:
                info["params"], info["varargs"] = _parameters(obj)
            except BaseException:
                info["params"] = None
        found[fname] = info
    return {"ok": True, "errors": errors, "found": found}, namespace


def _write_support(header: dict[str, Any], payload: bytes) -> bytes:
    """Write the student's other files (helpers.py ...) beside the submission, so it can
    import them; return the submission's own bytes (the payload's first part)."""
    support = header.get("support")
    if not isinstance(support, list) or not support:
        return payload
    sizes = [int(size) for _, size in support]
    own = len(payload) - sum(sizes)
    offset = own
    for (fname, _), size in zip(support, sizes, strict=True):
        base = os.path.basename(str(fname))
        if base and not base.startswith(".") and base.endswith(".py"):
            with contextlib.suppress(OSError), open(base, "wb") as fh:
                fh.write(payload[offset : offset + size])
        offset += size
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    return payload[:own]


def _parameters(fn: Any) -> tuple[list[str], bool]:
    """The required positional parameters of a callable, and whether it takes *args."""
    code = getattr(fn, "__code__", None)
    plain = type(fn) is types.FunctionType
    if (
        plain
        and isinstance(code, types.CodeType)
        and not hasattr(fn, "__wrapped__")
        and not hasattr(fn, "__signature__")
    ):
        positional = code.co_varnames[: code.co_argcount]
        defaults = fn.__defaults__ or ()
        names = positional[: len(positional) - len(defaults)]
        return [_text(n, 100) for n in names], bool(code.co_flags & inspect.CO_VARARGS)
    params = inspect.signature(fn).parameters.values()
    required = [
        _text(p.name, 100)
        for p in params
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    ]
    return required, any(p.kind == p.VAR_POSITIONAL for p in params)


# --- calling ----------------------------------------------------------------------------------


def call(
    np: Any, namespace: dict[str, Any], header: dict[str, Any], payload: bytes
) -> tuple[dict[str, Any], bytes]:
    """Call one student function on the given arguments and encode what it returned."""
    built: list[Any] = []
    offset = 0
    for spec in header["args"]:
        if spec.get("type", "array") != "array":
            built.append(spec["value"])  # an int, float, str or bool: immutable
            continue
        dtype = np.dtype(spec["dtype"])
        shape = tuple(spec["shape"])
        n = int(np.prod(shape)) * dtype.itemsize
        arr = np.frombuffer(payload[offset : offset + n], dtype=dtype).reshape(shape).copy()
        offset += n
        built.append(arr)
    args = tuple(built)
    # immutable copies of the arrays' bytes: the call cannot rewrite them
    before = tuple(a.tobytes() if isinstance(a, np.ndarray) else None for a in args)
    fn = namespace.get(header["function"])
    if not callable(fn):
        return {"ok": False, "error": "missing"}, b""
    started = time.perf_counter()
    try:
        result = fn(*args)
    except BaseException as exc:
        _flush()
        return _error(exc), b""
    seconds = time.perf_counter() - started
    _flush()
    modified = []
    for name, a, b in zip(header.get("names", []), args, before, strict=False):
        if b is None:
            continue
        try:
            same = a.tobytes() == b
        except BaseException:
            same = False
        if not same:
            modified.append(name)
    reply: dict[str, Any] = {"ok": True, "seconds": seconds, "modified": modified}
    reply["returned"] = _text(type(result).__name__, 80)
    if result is None:
        reply["problem"] = "none"
        return reply, b""
    try:
        arr = np.asarray(result)
        if arr.dtype.kind == "O":
            arr = arr.astype(np.float64)
    except BaseException as exc:
        reply["problem"] = "not_numbers"
        reply["detail"] = _text(f"{type(exc).__name__}: {exc}", 300)
        return reply, b""
    kind = arr.dtype.kind
    if kind == "c":
        reply["problem"] = "complex"
        return reply, b""
    if kind == "b":
        reply["problem"] = "bool"
        return reply, b""
    if kind not in "iuf":
        reply["problem"] = "not_numbers"
        reply["detail"] = _text(f"dtype {arr.dtype}", 100)
        return reply, b""
    if arr.dtype.itemsize > 8 or arr.dtype.byteorder == ">":
        arr = arr.astype(np.float64 if kind == "f" else np.int64)
    if arr.nbytes > MAX_RESULT_BYTES or arr.ndim > 8:
        reply["problem"] = "too_big"
        reply["shape"] = [int(n) for n in arr.shape][:8]
        return reply, b""
    arr = np.ascontiguousarray(arr)
    reply["dtype"] = arr.dtype.str
    reply["shape"] = [int(n) for n in arr.shape]
    return reply, arr.tobytes()


def _set_limits(memory_mib: int, cpu_s: int) -> None:
    soft_hard = [
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_FSIZE, 64 << 20),
        (resource.RLIMIT_NOFILE, 256),
    ]
    if memory_mib > 0:
        soft_hard.append((resource.RLIMIT_AS, memory_mib << 20))
    if cpu_s > 0:
        soft_hard.append((resource.RLIMIT_CPU, cpu_s))
    for what, value in soft_hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(what, (value, value))


def serve(channel: Channel, np: Any) -> None:
    """One submission: load it, then answer calls until the grader says "end"."""
    namespace: dict[str, Any] = {}
    while True:
        try:
            header, payload = channel.receive()
        except EOFError:
            return
        op = header.get("op")
        if op == "load":
            reply, namespace = load(header, payload)
            _flush()
            channel.send(dict(reply, id=header.get("id")))
        elif op == "call":
            reply, data = call(np, namespace, header, payload)
            channel.send(dict(reply, id=header.get("id")), data)


# --- isolation ---------------------------------------------------------------------------------
# Linux constants (from <sched.h>, <sys/mount.h>, <sys/prctl.h>)
CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = (
    1,
    2,
    4,
    32,
    4096,
    16384,
    1 << 18,
)
PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
SYSTEM_TOP = {"usr", "lib", "lib32", "lib64", "libx32", "bin", "sbin", "etc", "proc", "sys", "dev"}
TMPFS_OPTS = "size=64m,nr_inodes=4096"


def _libc() -> Any:
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong,
                           ctypes.c_char_p]  # fmt: skip
    return libc


def _check(rc: int, what: str) -> None:
    if rc != 0:
        import ctypes

        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(
    libc: Any, src: str, target: str, fstype: str | None, flags: int, opts: str = ""
) -> None:
    _check(
        libc.mount(src.encode(), target.encode(), fstype.encode() if fstype else None, flags,
                   opts.encode() if opts else None),
        f"mount {target}",
    )  # fmt: skip


def _prctl(libc: Any, option: int, value: int) -> None:
    _check(libc.prctl(option, value, 0, 0, 0), f"prctl {option}")


def _private_tmp(libc: Any, scratch: str, uid: int | None, keep: list[str] | None = None) -> None:
    """Give the submission its own mount and IPC namespaces: a fresh, empty tmpfs at the
    scratch folder, /tmp, /var/tmp and /dev/shm, and no System V objects of anybody else's.
    They vanish with the submission's last process: nothing it writes reaches the next."""
    _check(libc.unshare(CLONE_NEWNS | CLONE_NEWIPC), "unshare")
    _mount(libc, "none", "/", None, MS_REC | MS_PRIVATE)
    for shared in ("/tmp", "/var/tmp", "/dev/shm"):
        if shared == scratch or not os.path.isdir(shared) or os.path.islink(shared):
            continue
        if any(path.startswith(shared + "/") for path in keep or ()):
            continue  # the private view made it root's and read-only but what it keeps
        _mount(libc, "tmpfs", shared, "tmpfs", MS_NOSUID | MS_NODEV, f"{TMPFS_OPTS},mode=1777")
    os.makedirs(scratch, exist_ok=True)  # it may lie in a /tmp just made empty
    owner = f",uid={uid},gid={uid}" if uid is not None else ""
    _mount(libc, "tmpfs", scratch, "tmpfs", MS_NOSUID | MS_NODEV, f"{TMPFS_OPTS},mode=0700{owner}")


def _private_view(libc: Any, keep: list[str]) -> None:
    """process mode as root, once per worker: a mount namespace of its own where every
    top-level folder but the system's is an empty tmpfs, the Python installation bound back
    read-only, and a network namespace with no network. Student code then sees no project,
    no reference, no other submission, and no home folder."""
    _check(libc.unshare(CLONE_NEWNS), "unshare")  # where this fails, nothing has changed
    try:
        with contextlib.suppress(OSError):
            _check(libc.unshare(CLONE_NEWNET), "unshare net")
        _mount(libc, "none", "/", None, MS_REC | MS_PRIVATE)
        _hide_all_but(libc, keep)
    except OSError as exc:  # half a view: this worker must not grade anybody
        sys.stderr.write(f"the private view could not be made: {exc}\n")
        _exit(3)


def _hide_all_but(libc: Any, keep: list[str]) -> None:
    fds = {path: os.open(path, os.O_PATH) for path in keep if os.path.isdir(path)}
    for top in sorted(os.listdir("/")):
        path = "/" + top
        if top in SYSTEM_TOP or os.path.islink(path) or not os.path.isdir(path):
            continue
        _mount(libc, "tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
    for path, fd in sorted(fds.items()):
        os.makedirs(path, mode=0o755, exist_ok=True)
        _mount(libc, f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
        _mount(libc, "none", path, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID)
        os.close(fd)


def _drop(libc: Any, uid: int) -> None:
    """Become an unprivileged user of our own: no capabilities, nothing owned by the worker
    or the grader can be signalled, traced, re-limited or written."""
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)


def _adopt(fds: list[int]) -> None:
    """Make the submission's own pipes its only descriptors: 0 /dev/null, 1 and 2 its output,
    3 requests, 4 replies. Everything else the worker had open is closed."""
    req, rep, out = (fcntl_dup(fd) for fd in fds)
    null = os.open(os.devnull, os.O_RDONLY)
    for target, fd in ((0, null), (1, out), (2, out), (3, req), (4, rep)):
        os.dup2(fd, target)
    os.closerange(5, 1 << 20)


def fcntl_dup(fd: int) -> int:
    import fcntl

    return fcntl.fcntl(fd, fcntl.F_DUPFD, 64)


def _sweep(child: int, how: dict[str, Any], reaped: bool = False) -> None:
    """Kill everything the last submission started, and wait until it is gone: a process
    that is killed but not yet dead could still hold the submission's pipes.

    In the sandbox's own PID namespace that is every process but init and this one; for a
    submission that runs under a uid of its own, every process of that uid; else every other
    process of this worker's cgroup when there is one (even one that left its session), else
    the submission's session.
    """
    with contextlib.suppress(OSError):
        os.killpg(child, 9)
    if not reaped:
        with contextlib.suppress(OSError):
            os.kill(child, 9)  # in case it had not yet made its own session
        with contextlib.suppress(ChildProcessError):
            os.waitpid(child, 0)  # killed: returns as soon as it is gone
    me = os.getpid()
    procs = str(how.get("cgroup_procs") or "")
    uid = how.get("uid")
    if how.get("pid_namespace") or procs or uid is not None:
        for _ in range(4000):
            _reap()
            if how.get("pid_namespace"):
                live = _live_pids()
            elif uid is not None:
                live = _uid_pids(int(uid))
            else:
                live = _cgroup_pids(procs)
            others = [p for p in live if p not in (1, me)]
            if not others:
                break
            for p in others:
                with contextlib.suppress(OSError):
                    os.kill(p, 9)
            time.sleep(0.0005)
    _reap()


def _uid_pids(uid: int) -> list[int]:
    """Live processes whose real, effective or saved uid is uid."""
    found = []
    want = str(uid).encode()
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status", "rb") as fh:
                status = fh.read()
        except OSError:
            continue
        fields = dict(line.split(b":", 1) for line in status.splitlines() if b":" in line)
        uids = fields.get(b"Uid", b"").split()[:3]
        if want in uids and fields.get(b"State", b"").strip()[:1] not in (b"Z", b"X"):
            found.append(int(name))
    return found


def _cgroup_pids(procs: str) -> list[int]:
    try:
        with open(procs, "rb") as fh:
            return [int(p) for p in fh.read().split()]
    except (OSError, ValueError):
        return []


def _reap() -> None:
    """Collect exited children (orphans come here too: this process is a subreaper)."""
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG) == (0, 0):
                return
        except ChildProcessError:
            return


def _live_pids() -> list[int]:
    """Processes in this PID namespace that are not zombies, but init and this one."""
    pids = []
    skip = ("1", str(os.getpid()))
    for name in os.listdir("/proc"):
        if name.isdigit() and name not in skip:
            try:
                with open(f"/proc/{name}/stat", "rb") as fh:
                    state = fh.read().rsplit(b")", 1)[1].split()[0]
            except (OSError, IndexError):
                continue
            if state not in (b"Z", b"X"):
                pids.append(int(name))
    return pids


def _become_subreaper() -> None:
    """Make orphaned grandchildren our children, so they are reaped (and counted) here."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _wipe(folder: str) -> None:
    """Empty a folder the submissions could write to (best effort, never follows links)."""
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _usable_as(uid: int) -> bool:
    """Can an unprivileged uid read this Python installation (its stdlib and numpy)?"""
    import numpy

    probe = os.fork()
    if probe == 0:
        try:
            _drop(_libc(), uid)
            for path in (os.__file__, numpy.__file__):
                with open(path, "rb"):
                    pass
            _exit(0)
        except BaseException:
            _exit(1)
    _, status = os.waitpid(probe, 0)
    return status == 0


def _receive_order(sock: Any) -> tuple[dict[str, Any], list[int]]:
    """One control message (a datagram of a SOCK_SEQPACKET pair) and the fds it carries."""
    import array
    import socket

    fds = array.array("i")
    msg, anc, _, _ = sock.recvmsg(1 << 16, socket.CMSG_SPACE(8 * fds.itemsize))
    if not msg:
        raise EOFError
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
    (n,) = _unpack(">I", msg[:4])
    return _loads(msg[4 : 4 + n]), list(fds)


def _send_order(sock: Any, header: dict[str, Any]) -> None:
    raw = _dumps(header).encode()
    sock.sendall(_pack(">I", len(raw)) + raw)


def zygote(control: Any, np: Any, init: dict[str, Any]) -> int:
    """Fork a fresh child per submission; between submissions, kill what it left.

    The grader starts a submission with "start" on the control socket, which carries the
    submission's own three pipes (requests, replies, output): nothing of one submission's
    descriptors, pipe sizes or flags survives to the next. If the child dies on its own, the
    control socket says how ("exited"); "end" kills the child wherever it is, and "done"
    confirms that everything it started is gone.
    """
    base = os.getcwd()
    libc = _libc()
    uid = init.get("uid")
    uid = int(uid) if isinstance(uid, int) else None
    isolate = bool(init.get("private_tmp"))
    how = {
        "pid_namespace": bool(init.get("pid_namespace")),
        "cgroup_procs": os.environ.get("GRADER_CGROUP_PROCS", ""),
        "uid": uid,
    }
    _become_subreaper()
    with contextlib.suppress(OSError):
        _prctl(libc, PR_SET_DUMPABLE, 0)  # nobody of our uid may trace or read this process
    limits = {r: resource.getrlimit(r) for r in (resource.RLIMIT_AS, resource.RLIMIT_NOFILE)}
    import gc

    gc.collect()
    gc.freeze()  # children share these objects without copying them when gc runs
    wipe = [d for d in ("/tmp", "/dev/shm") if how["pid_namespace"] and os.path.isdir(d)]
    number = 0
    while True:
        try:
            order, fds = _receive_order(control)
        except (EOFError, OSError):
            return 0
        if order.get("op") != "start" or len(fds) != 3:
            for fd in fds:
                os.close(fd)
            continue
        if any(resource.getrlimit(r) != v for r, v in limits.items()):
            return 0  # somebody changed this worker's limits: the grader starts a fresh one
        number += 1
        scratch = base if isolate else os.path.join(base, f"s{number}")
        if not isolate:
            os.mkdir(scratch)
            if uid is not None:
                os.chown(scratch, uid, uid)
        _flush()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                os.setsid()
                _adopt(fds)
                if isolate:
                    _private_tmp(libc, scratch, uid, init.get("view"))
                os.chdir(scratch)
                os.environ["HOME"] = os.environ["TMPDIR"] = scratch
                _set_limits(int(init.get("memory_mib", 0)), int(init.get("cpu_s", 0)))
                if uid is not None:
                    _drop(libc, uid)
                _prctl(libc, PR_SET_NO_NEW_PRIVS, 1)
                serve(Channel(3, 4, buffered=True), np)
            except BaseException:
                code = 70
                with contextlib.suppress(BaseException):
                    traceback.print_exc()
            finally:
                _flush()
                _exit(code)
        for fd in fds:
            os.close(fd)
        exited = False
        try:
            watch = [control.fileno(), os.pidfd_open(pid)]
        except (AttributeError, OSError):  # no pidfd: poll for the child's exit
            watch = [control.fileno()]
        while True:
            polling = len(watch) == 1 and not exited
            ready, _, _ = select.select(watch, [], [], 0.005 if polling else None)
            if control.fileno() in ready:
                try:
                    msg, extra = _receive_order(control)
                except (EOFError, OSError):
                    _sweep(pid, how, reaped=exited)
                    return 0
                for fd in extra:
                    os.close(fd)
                if msg.get("op") == "end":
                    for fd in watch[1:]:
                        os.close(fd)
                    break
            if not exited:
                try:
                    done, status = os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    done, status = pid, 0
                if done:
                    exited = True
                    for fd in watch[1:]:
                        os.close(fd)
                    watch = watch[:1]
                    report: dict[str, Any] = {"op": "exited"}
                    if os.WIFSIGNALED(status):
                        report["signal"] = os.WTERMSIG(status)
                    else:
                        report["code"] = os.WEXITSTATUS(status)
                    _send_order(control, report)
        _sweep(pid, how, reaped=exited)
        if not isolate:
            shutil.rmtree(scratch, ignore_errors=True)
            for folder in [base, *wipe]:
                _wipe(folder)
        _send_order(control, {"op": "done", "id": order.get("id")})


def main() -> int:
    import socket

    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False))
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), line_buffering=True)
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), line_buffering=True)
    control = socket.socket(fileno=int(os.environ["GRADER_CONTROL"]))

    import numpy as np  # warm: students almost always use it

    for extra in os.environ.get("GRADER_PRELOAD", "").split(","):
        if extra:
            with contextlib.suppress(ImportError):
                __import__(extra)
    try:
        init, _ = _receive_order(control)
    except (EOFError, OSError):
        return 0
    ready: dict[str, Any] = {"op": "ready", "pid": os.getpid()}
    view = init.get("view")
    if isinstance(view, list):
        try:
            _private_view(_libc(), [str(p) for p in view])
            ready["view"] = True
        except OSError as exc:
            ready["view"] = False
            ready["why"] = str(exc)
    if init.get("private_tmp"):
        probe = os.fork()  # can this worker give each submission its own /tmp?
        if probe == 0:
            try:
                _private_tmp(_libc(), os.getcwd(), None)
                _exit(0)
            except BaseException:
                _exit(1)
        _, status = os.waitpid(probe, 0)
        if status != 0:
            init["private_tmp"] = False
    ready["private_tmp"] = bool(init.get("private_tmp"))
    if isinstance(init.get("uid"), int) and not _usable_as(int(init["uid"])):
        init["uid"] = None  # that user could not even import numpy: the grader warns
    ready["uid"] = isinstance(init.get("uid"), int)
    _send_order(control, ready)
    return zygote(control, np, init)


if __name__ == "__main__":
    sys.exit(main())
