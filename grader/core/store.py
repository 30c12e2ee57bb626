"""The results store: every finished submission, committed as it finishes (SQLite, WAL).

A result is keyed by student and assignment, and remembers the hash of the graded file and
the judging key (assignment.toml, the reference solution, and the grader's own version and
judging code: see spec_hash). A re-run reuses a result whose hashes still match, so only new
or changed work is graded, and a fix to the grader never silently keeps old verdicts; killing
the grader at any moment loses at most the submissions in flight. When a re-grade changes a
result, the old one is kept (``current = 0``) so the change can be listed before anyone
publishes it.

The store also remembers the roster: the students of the latest `grader grade` run, in its
order, and the folder they came from. The reports describe that class and no one else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .spec import Assignment

import dataclasses
import functools
import hashlib
import json
import math
import sqlite3
import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import GraderError
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
CREATE TABLE IF NOT EXISTS rosters (
    assignment  TEXT PRIMARY KEY,
    folder      TEXT NOT NULL,
    students    TEXT NOT NULL,
    set_at      TEXT NOT NULL
);
"""
# The modules that turn a submission's file into its verdicts: a change to any of them (a fix
# to the diagnosis, the comparison, the sandbox) changes the judging key, so stored results
# are graded again instead of being reused.
JUDGING_MODULES = (
    "core/service.py",
    "core/submissions.py",
    "core/cases.py",
    "core/reference.py",
    "isolation/sandbox.py",
    "isolation/workers.py",
    "isolation/_worker.py",
    "isolation/outcomes.py",
    "core/untrusted.py",
    "core/compare.py",
    "core/diagnosis.py",
    "exercise.py",
    "core/verdict.py",
    "core/results.py",
)


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
    old_max_score: float
    why: str
    when: str

    @property
    def rescaled(self) -> bool:
        """True when only the maximum changed and the score kept its share of it (e.g. full
        marks before and after): the spec changed, the student's standing did not."""
        return self.old_max_score != self.max_score and math.isclose(
            self.old_score * self.max_score, self.new_score * self.old_max_score
        )


@dataclass(frozen=True, slots=True)
class Roster:
    """The class of the latest grading run.

    Attributes:
        folder: the submissions folder it was graded from (resolved path).
        students: the student ids, in the run's order.
        set_at: when the run started (ISO time).
    """

    folder: str
    students: tuple[str, ...]
    set_at: str


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def spec_hash(spec: Assignment) -> str:
    """The judging key: what decides every verdict.

    ``<digest of the exercise>:<grader_hash()>``, the exercise being its spec, its reference
    solution and its module's folder. A result stored under another key is never reused;
    `Store.changes` reads the two parts apart to tell "spec changed" from "grader updated".
    """
    h = hashlib.sha256()
    for p in (spec.path, spec.reference):
        h.update(p.read_bytes())
        h.update(b"\0")
    h.update(spec.exercise.source_hash.encode())
    return f"{h.hexdigest()}:{grader_hash()}"


@functools.cache
def grader_hash() -> str:
    """This grader's identity: its version and the source of its judging modules."""
    from .. import __version__

    return judging_hash(Path(__file__).resolve().parent.parent, __version__)


def judging_hash(package: Path, version: str) -> str:
    """``<version>+<digest>``: the digest of JUDGING_MODULES as they are in `package`."""
    h = hashlib.sha256(version.encode())
    for name in JUDGING_MODULES:
        h.update(f"\0{name}\0".encode())
        try:
            h.update((package / name).read_bytes())
        except OSError:
            h.update(b"(missing)")
    return f"{version}+{h.hexdigest()[:16]}"


def why_changed(new_file: bool, old_key: str, new_key: str) -> str:
    """Why a result changed, from the two results' file flag and judging keys."""
    old_spec, _, old_grader = old_key.partition(":")
    new_spec, _, new_grader = new_key.partition(":")
    reasons = [
        words
        for words, flag in (
            ("new submission", new_file),
            ("spec changed", old_spec != new_spec),
            ("grader updated", old_grader != new_grader),
        )
        if flag
    ]
    return " and ".join(reasons) or "re-graded"


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

    def current(self, assignment: str, shash: str | None = None) -> list[GradeReport]:
        """Every student's current result, by student id; with `shash`, only the results
        graded under that judging key (the spec and grader as they are now)."""
        query = "SELECT report FROM results WHERE assignment=? AND current=1"
        params: tuple[str, ...] = (assignment,)
        if shash is not None:
            query += " AND spec_hash=?"
            params += (shash,)
        rows = self.db.execute(query + " ORDER BY student", params).fetchall()
        return [report_from_json(r[0]) for r in rows]

    def current_keys(self, assignment: str) -> dict[str, str]:
        """Each student with a current result, and the judging key it was graded under."""
        rows = self.db.execute(
            "SELECT student, spec_hash FROM results WHERE assignment=? AND current=1",
            (assignment,),
        ).fetchall()
        return dict(rows)

    def set_roster(self, assignment: str, folder: str, students: Sequence[str]) -> None:
        """Record the class of this run (replacing the previous one)."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        try:
            with self.lock, self.db:
                self.db.execute(
                    "INSERT OR REPLACE INTO rosters (assignment, folder, students, set_at) "
                    "VALUES (?, ?, ?, ?)",
                    (assignment, folder, json.dumps(list(students)), now),
                )
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write to the results store {self.path}: {exc}") from exc

    def roster(self, assignment: str) -> Roster | None:
        """The class of the latest run, or None when no run recorded one."""
        row = self.db.execute(
            "SELECT folder, students, set_at FROM rosters WHERE assignment=?", (assignment,)
        ).fetchone()
        if row is None:
            return None
        return Roster(row[0], tuple(json.loads(row[1])), row[2])

    def changes(self, assignment: str, students: Collection[str] | None = None) -> list[Change]:
        """Students whose latest grading changed their score or its maximum, with the reason.

        Args:
            assignment: the assignment's name.
            students: only these students (the class), when given.
        """
        rows = self.db.execute(
            """
            SELECT n.student, o.score, n.score, n.max_score, o.max_score,
                   o.file_hash != n.file_hash, o.spec_hash, n.spec_hash, n.graded_at
            FROM results n JOIN results o
              ON o.assignment = n.assignment AND o.student = n.student
             AND o.id = (SELECT MAX(id) FROM results
                         WHERE assignment = n.assignment AND student = n.student AND id < n.id)
            WHERE n.assignment = ? AND n.current = 1
              AND (o.score != n.score OR o.max_score != n.max_score)
            ORDER BY n.student
            """,
            (assignment,),
        ).fetchall()
        out = []
        for student, old, new, max_score, old_max, new_file, old_key, new_key, when in rows:
            if students is not None and student not in students:
                continue
            why = why_changed(bool(new_file), old_key, new_key)
            out.append(Change(student, old, new, max_score, old_max, why, when))
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
