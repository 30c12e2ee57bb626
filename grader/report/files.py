"""Write a class's reports to disk; every file is written whole (temp file, then rename)."""

from __future__ import annotations

import json
import os
import re
import tempfile
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
    write_json(path, gradescope.render(rep))
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
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
