"""Remember which spec and reference were already cross-checked with scipy.

The cross-check is deterministic: the same assignment.toml, the same reference solution and
the same numpy and scipy give the same answer. Its cost is mostly importing scipy.signal
(about a second), so a run whose spec and reference were checked before, with the same
versions, skips it. Any change to either file, or to a version, checks again. Only passed
checks are remembered. The record is one small file in the user's cache folder
($XDG_CACHE_HOME or ~/.cache, or $GRADER_CACHE_DIR).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import platform
from importlib import metadata
from pathlib import Path

MAX_KEYS = 200


def cache_file() -> Path:
    base = os.environ.get("GRADER_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "array-grader"
    )
    return Path(base) / "verified-with-scipy.txt"


def key(files_digest: str) -> str:
    """What decides the cross-check's answer: the spec's and the reference's bytes (their
    digest, store.spec_hash) and the versions used."""
    h = hashlib.sha256(files_digest.encode())
    for dist in ("numpy", "scipy"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            h.update(f"\0{dist}={metadata.version(dist)}".encode())
    h.update(f"\0{platform.python_version()}".encode())
    return h.hexdigest()


def known(k: str) -> bool:
    """True when this key's cross-check passed before."""
    try:
        return k in cache_file().read_text().split()
    except OSError:
        return False


def remember(k: str) -> None:
    """Record a passed cross-check (best effort: a read-only home only costs the time)."""
    path = cache_file()
    try:
        keys = path.read_text().split() if path.is_file() else []
        keys = [*[x for x in keys if x != k][-(MAX_KEYS - 1) :], k]
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text("\n".join(keys) + "\n")
        os.replace(tmp, path)
    except OSError:
        pass
