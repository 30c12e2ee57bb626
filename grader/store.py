"""The results store: every finished submission, committed as it finishes (SQLite, WAL).

A result is keyed by student and assignment, and remembers the hash of the graded file and
of the spec (assignment.toml plus the reference solution). A re-run reuses a result whose
hashes still match, so only new or changed work is graded; killing the grader at any moment
loses at most the submissions in flight. When a re-grade changes a result, the old one is
kept (``current = 0``) so the change can be listed before anyone publishes it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from .errors import GraderError
from .results import CaseResult, GradeReport

SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    id          INTEGER PRIMARY KEY,
    assignment  TEXT NOT NULL,
    student     TEXT NOT NULL,
    file_hash   TEXT NOT NULL,
    spec_hash   TEXT NOT NULL,
    score       REAL NOT NULL,
    max_score   REAL NOT NULL,
    report      TEXT NOT NULL,
    graded_at   TEXT NOT NULL,
    current     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS results_current ON results (assignment, student, current);
"""


class StoreError(GraderError):
    """The results store cannot be opened or written (disk full, corrupt, locked)."""

    exit_code = 5


@dataclass(frozen=True, slots=True)
class Change:
    """A student whose score changed between the last two gradings.

    Attributes:
        student: the student's id.
        old_score, new_score: the two scores.
        max_score: points available now.
        why: "new submission", "spec changed" or both.
        when: when the new result was graded (ISO time).
    """

    student: str
    old_score: float
    new_score: float
    max_score: float
    why: str
    when: str


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def spec_hash(*paths: Path) -> str:
    """Hash of the files that decide the scores (the spec and the reference solution)."""
    h = hashlib.sha256()
    for p in paths:
        h.update(p.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


class Store:
    """The SQLite results store (one file, safe to read while a grading run writes)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, timeout=30, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(SCHEMA)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the results store {path}: {exc}") from exc

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def lookup(self, assignment: str, student: str, fhash: str, shash: str) -> GradeReport | None:
        """The current result if it was graded from the same file and the same spec."""
        with self.lock:
            row = self.db.execute(
                "SELECT report FROM results WHERE assignment=? AND student=? AND current=1 "
                "AND file_hash=? AND spec_hash=?",
                (assignment, student, fhash, shash),
            ).fetchone()
        return report_from_json(row[0]) if row else None

    def save(self, assignment: str, report: GradeReport, fhash: str, shash: str) -> None:
        """Commit one result; the previous current one (if any) is kept as history."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        try:
            with self.lock, self.db:
                self.db.execute(
                    "UPDATE results SET current=0 WHERE assignment=? AND student=? AND current=1",
                    (assignment, report.student),
                )
                self.db.execute(
                    "INSERT INTO results (assignment, student, file_hash, spec_hash, score, "
                    "max_score, report, graded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        assignment,
                        report.student,
                        fhash,
                        shash,
                        report.score,
                        report.max_score,
                        report_to_json(report),
                        now,
                    ),
                )
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write to the results store {self.path}: {exc}") from exc

    def current(self, assignment: str) -> list[GradeReport]:
        """Every student's current result, by student id."""
        rows = self.db.execute(
            "SELECT report FROM results WHERE assignment=? AND current=1 ORDER BY student",
            (assignment,),
        ).fetchall()
        return [report_from_json(r[0]) for r in rows]

    def changes(self, assignment: str) -> list[Change]:
        """Students whose latest grading changed their score, with the reason."""
        rows = self.db.execute(
            """
            SELECT n.student, o.score, n.score, n.max_score, o.file_hash != n.file_hash,
                   o.spec_hash != n.spec_hash, n.graded_at
            FROM results n JOIN results o
              ON o.assignment = n.assignment AND o.student = n.student
             AND o.id = (SELECT MAX(id) FROM results
                         WHERE assignment = n.assignment AND student = n.student AND id < n.id)
            WHERE n.assignment = ? AND n.current = 1 AND o.score != n.score
            ORDER BY n.student
            """,
            (assignment,),
        ).fetchall()
        out = []
        for student, old, new, max_score, new_file, new_spec, when in rows:
            why = " and ".join(
                w for w, flag in (("new submission", new_file), ("spec changed", new_spec)) if flag
            )
            out.append(Change(student, old, new, max_score, why or "re-graded", when))
        return out


_REPORT_FIELDS = tuple(f.name for f in dataclasses.fields(GradeReport) if f.name != "cases")
_CASE_FIELDS = tuple(f.name for f in dataclasses.fields(CaseResult) if f.name != "got")


def report_to_json(report: GradeReport) -> str:
    data = {name: getattr(report, name) for name in _REPORT_FIELDS}
    cases = []
    for case in report.cases:
        row = {name: getattr(case, name) for name in _CASE_FIELDS}
        row["got"] = case.got.tolist() if isinstance(case.got, np.ndarray) else None
        cases.append(row)
    data["cases"] = cases
    return json.dumps(data)


def report_from_json(text: str) -> GradeReport:
    data: dict[str, Any] = json.loads(text)
    cases = []
    for c in data.pop("cases"):
        for key in ("hints", "hint_codes", "notes"):
            c[key] = tuple(c[key])
        c["got"] = None if c.get("got") is None else np.asarray(c["got"])
        cases.append(CaseResult(**c))
    data["problems"] = tuple(data["problems"])
    return GradeReport(cases=tuple(cases), **data)
