"""Write a class's reports to disk; every file is written whole (temp file, then rename)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..core.results import ClassReport, GradeReport
from . import grades_csv, gradescope, summary

# An id used as its own file name: lowercase (so that a case-insensitive file system keeps
# distinct ids apart) and not ending like a hashed name (so that no id can take another's).
SAFE_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,80}")
_HASHED = re.compile(r".*-[0-9a-f]{16}")
SLUG_CHARS = 60
HASH_CHARS = 16
# Report files: like any file this user writes (the umask applies).
MODE = 0o644


def student_filename(student: str) -> str:
    """The file name (without suffix) of a student's reports: distinct ids, distinct names.

    An id that is already a safe name (``SAFE_NAME``: lowercase letters, digits, ``.``, ``_``
    and ``-``, not ending like a hashed name) is its own file name. Any other id becomes a
    slug of its ASCII letters and digits plus ``-`` and the first 16 hex digits of the
    SHA-256 of the id: ``kim lee`` -> ``kim_lee-<hash>``, ``Kim_Lee`` -> ``Kim_Lee-<hash>``,
    while ``kim_lee`` stays ``kim_lee``. The two forms never meet (only hashed names end in
    16 hex digits), names differing only in case always differ in their hash, and 64 bits of
    hash cannot be matched on purpose; so the mapping is one-to-one, on case-insensitive file
    systems too.
    """
    if SAFE_NAME.fullmatch(student) and not _HASHED.fullmatch(student):
        return student
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", student).strip("._-")[:SLUG_CHARS] or "student"
    digest = hashlib.sha256(student.encode("utf-8", errors="surrogatepass")).hexdigest()
    return f"{slug}-{digest[:HASH_CHARS]}"


def write_student(rep: GradeReport, out: Path) -> Path:
    """Write one student's results/<student>.json (as soon as that student is graded)."""
    path = out / "results" / f"{student_filename(rep.student)}.json"
    write_text(path, json.dumps(gradescope.render(rep)) + "\n")
    return path


def write_all(cls: ClassReport, out: Path) -> dict[str, Path]:
    """Write results/<student>.json, grades.csv and summary.json under `out`."""
    for rep in cls.reports:
        write_student(rep, out)
    return write_class(cls, out)


def write_class(cls: ClassReport, out: Path) -> dict[str, Path]:
    """Write grades.csv and summary.json (the per-student files are written as they finish)."""
    results = out / "results"
    results.mkdir(parents=True, exist_ok=True)
    write_text(out / "grades.csv", grades_csv.render(cls))
    write_json(out / "summary.json", summary.render(cls))
    return {"results": results, "csv": out / "grades.csv", "summary": out / "summary.json"}


def write_json(path: Path, data: Any) -> None:
    write_text(path, json.dumps(data, indent=2, sort_keys=False) + "\n")


def write_text(path: Path, text: str) -> None:
    """Write atomically: readers see the old file or the new one, never half of one.

    The file is readable by everyone, like any file this user writes (0644, less what the
    process umask takes away).
    """
    write_chunks(path, (text,))


def write_chunks(path: Path, chunks: Iterable[str]) -> None:
    """write_text for a text made piece by piece (never whole in memory)."""
    # The temporary name is unique to this process and thread: no two writers share it.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, MODE)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, MODE)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            for chunk in chunks:
                fh.write(chunk)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
