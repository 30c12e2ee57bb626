"""Write a class's reports to disk; every file is written whole (temp file, then rename)."""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..results import ClassReport, GradeReport
from . import grades_csv, gradescope, summary


def student_filename(student: str) -> str:
    """A safe file name for a student id (no path separators or leading dots)."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", student).lstrip(".")
    return name or "_"


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
    """Write atomically: readers see the old file or the new one, never half of one."""
    write_chunks(path, (text,))


def write_chunks(path: Path, chunks: Iterable[str]) -> None:
    """write_text for a text made piece by piece (never whole in memory)."""
    # The temporary name is unique to this process and thread: no two writers share it.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            for chunk in chunks:
                fh.write(chunk)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
