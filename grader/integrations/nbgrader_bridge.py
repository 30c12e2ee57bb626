"""Everything that talks to nbgrader: its command, its course config and its gradebook.

With `nbgrader_feedback` (the autograded notebooks), the only module that touches nbgrader (and
its traitlets config). nbgrader is optional: it is imported when one of these functions runs,
so grading without a gradebook never needs it.

Scores written here are the grader's own, computed in the sandbox: the notebooks are never run
in Jupyter. Each question's grade cell (``grade_id`` = the question id) gets the sum of
that question's case points as ``auto_score``. A submission the grader could not run at all is
never written as a silent 0: its grades are left empty with ``needs_manual_grade`` set, its
notebook is flagged and a comment says why.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import subprocess
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from ..core.results import GradeReport
from ..core.spec import Assignment, Question
from ..errors import UsageError
from .notebook import solution_cell_id

CONFIG = "nbgrader_config.py"
INSTALL = "pip install 'nbgrader>=0.9,<0.10'"
MAX_COMMENT = 2000


@dataclass(frozen=True, slots=True)
class GradebookEntry:
    """One student's graded submission, to be written into the gradebook.

    Attributes:
        student: the nbgrader student id (the folder name under submitted/).
        report: the grader's report.
        timestamp: the submission's time (nbgrader's timestamp.txt), or None.
    """

    student: str
    report: GradeReport
    timestamp: str | None = None


@dataclass(frozen=True, slots=True)
class GradebookResult:
    """What was written.

    Attributes:
        db_url: the gradebook's database URL.
        course_id: the course the scores were written under.
        assignment: nbgrader's assignment id.
        notebook: nbgrader's notebook name the grades belong to.
        written: the students whose scores were written.
        flagged: (student, reason) of submissions left for manual grading.
        registered: True when the grader had to register the assignment's notebook itself
            (`generate_assignment` had not run on this gradebook).
    """

    db_url: str
    course_id: str
    assignment: str
    notebook: str
    written: tuple[str, ...]
    flagged: tuple[tuple[str, str], ...]
    registered: bool = False


# --- nbgrader itself ----------------------------------------------------------------------------


def _import(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise UsageError(f"nbgrader is not installed ({exc}): {INSTALL}") from None


def nbgrader_env() -> dict[str, str]:
    """The environment for nbgrader's commands: this interpreter's bin/ first on PATH.

    nbgrader runs `alembic` as a subprocess, so the venv's bin/ must be on PATH.
    """
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    return env


def run_nbgrader(
    course_dir: Path, args: Sequence[str], *, timeout: float = 600.0
) -> subprocess.CompletedProcess[str]:
    """Run `nbgrader ARGS` in the course folder (where nbgrader_config.py is read).

    Raises:
        UsageError: nbgrader is missing, or the command failed (its last lines are shown).
    """
    if importlib.util.find_spec("nbgrader") is None:
        raise UsageError(f"nbgrader is not installed: {INSTALL}")
    argv = [sys.executable, "-m", "nbgrader", *args]
    try:
        proc = subprocess.run(
            argv,
            cwd=course_dir,
            env=nbgrader_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise UsageError(f"`nbgrader {' '.join(args)}` could not run: {exc}") from exc
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
        raise UsageError(
            f"`nbgrader {' '.join(args)}` failed in {course_dir} (exit {proc.returncode}):\n{tail}"
        )
    return proc


def generate_assignment(course_dir: Path, assignment: str, *, release_dir: Path | None) -> Path:
    """`nbgrader generate_assignment ASSIGNMENT --force`: the student version of the source.

    Args:
        course_dir: the course folder (nbgrader_config.py, source/).
        assignment: the assignment id (the folder under source/).
        release_dir: where the release goes (default: the course's release/ folder).

    Returns:
        The released assignment folder (release/<assignment>).
    """
    args = ["generate_assignment", assignment, "--force"]
    if release_dir is not None:
        args.append(f"--CourseDirectory.release_directory={Path(release_dir).resolve()}")
    run_nbgrader(course_dir, args)
    base = Path(release_dir).resolve() if release_dir is not None else course_dir / "release"
    return base / assignment


def course_id(course_dir: Path) -> str:
    """The course id set in the course's nbgrader_config.py ("" when it sets none, as nbgrader).

    Raises:
        UsageError: the config file exists but cannot be read.
    """
    if not (Path(course_dir) / CONFIG).is_file():
        return ""
    value = course_config(course_dir).get("CourseDirectory", {}).get("course_id", "")
    return value.strip() if isinstance(value, str) else ""


def course_config(course_dir: Path) -> Any:
    """The course's nbgrader_config.py as a traitlets Config (empty when there is none).

    Raises:
        UsageError: the config file exists but cannot be read.
    """
    path = Path(course_dir) / CONFIG
    loader = _import("traitlets.config.loader")
    if not path.is_file():
        return loader.Config()
    try:
        return loader.PyFileConfigLoader(CONFIG, path=str(path.parent.resolve())).load_config()
    except Exception as exc:
        raise UsageError(f"{path} could not be read: {exc}") from exc


def default_db_url(course_dir: Path) -> str:
    """nbgrader's default gradebook of a course: sqlite:///<course>/gradebook.db."""
    return f"sqlite:///{(Path(course_dir) / 'gradebook.db').resolve()}"


def read_timestamp(folder: Path) -> str | None:
    """The submission time nbgrader recorded in folder/timestamp.txt, or None."""
    try:
        text = (folder / "timestamp.txt").read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text or None


# --- the gradebook ------------------------------------------------------------------------------


def manual_grading_reason(rep: GradeReport) -> str:
    """Why a submission needs a human ("" when its scores can be trusted as they are).

    That is the case when the grader could not run anything: no usable file (graded False),
    or a file it did not even try (empty, binary, not UTF-8: every test "not run").
    """
    if not rep.graded or (rep.cases and all(c.outcome == "not_run" for c in rep.cases)):
        reason = rep.problems[0] if rep.problems else "the submission could not be graded"
        return " ".join(reason.split())
    return ""


def write_gradebook(
    db_url: str,
    *,
    course_id: str,
    spec: Assignment,
    entries: Sequence[GradebookEntry],
    notebook: str | None = None,
) -> GradebookResult:
    """Write the grader's per-question scores into nbgrader's gradebook.

    The assignment, its notebook, one grade cell per question (points from the spec) and one
    solution cell per function are registered when `generate_assignment` has not done it.

    Args:
        db_url: the gradebook's database URL (e.g. sqlite:///course/gradebook.db).
        course_id: the nbgrader course id.
        spec: the assignment (question ids are the grade cells' ids).
        entries: the graded submissions.
        notebook: the notebook name; default: the assignment's only notebook in the
            gradebook, else the assignment's name.

    Returns:
        What was written, and the submissions flagged for manual grading.
    """
    api = _import("nbgrader.api")
    written: list[str] = []
    flagged: list[tuple[str, str]] = []
    with warnings.catch_warnings(), api.Gradebook(db_url, course_id=course_id) as gb:
        # nbgrader's add_submission makes SQLAlchemy warn about its own session use; harmless.
        warnings.filterwarnings("ignore", message=r".*not in session", module=r"nbgrader\.")
        gb.update_or_create_assignment(spec.name)
        name = notebook or _notebook_name(gb, spec.name)
        registered = not list(gb.update_or_create_notebook(name, spec.name).source_cells)
        for q in spec.questions:
            gb.update_or_create_grade_cell(
                q.id, name, spec.name, max_score=q.points, cell_type="code"
            )
            gb.update_or_create_solution_cell(solution_cell_id(q), name, spec.name)
        for entry in entries:
            reason = _write_one(api, gb, spec, name, entry)
            written.append(entry.student)
            if reason:
                flagged.append((entry.student, reason))
    return GradebookResult(
        db_url, course_id, spec.name, name, tuple(written), tuple(flagged), registered
    )


def _notebook_name(gb: Any, assignment: str) -> str:
    try:
        notebooks = list(gb.find_assignment(assignment).notebooks)
    except Exception:
        return assignment
    return str(notebooks[0].name) if len(notebooks) == 1 else assignment


def _write_one(api: Any, gb: Any, spec: Assignment, notebook: str, entry: GradebookEntry) -> str:
    rep = entry.report
    gb.update_or_create_student(entry.student)
    kwargs: dict[str, Any] = {"timestamp": entry.timestamp} if entry.timestamp else {}
    gb.update_or_create_submission(spec.name, entry.student, **kwargs)
    snb = gb.find_submission_notebook(notebook, spec.name, entry.student)
    reason = manual_grading_reason(rep)
    for i, q in enumerate(spec.questions):
        grade = _grade(api, gb, snb, q.id, notebook, spec.name, entry.student)
        comment = _comment(api, gb, snb, solution_cell_id(q), notebook, spec.name, entry.student)
        if reason:
            grade.auto_score = None
            grade.needs_manual_grade = True
            comment.auto_comment = (
                f"NOT GRADED AUTOMATICALLY: {reason} Please grade this submission by hand."
            )
        else:
            grade.auto_score = sum(c.points for c in rep.cases if c.question == q.id)
            grade.needs_manual_grade = False
            comment.auto_comment = _question_comment(rep, q, with_problems=i == 0)
    snb.flagged = bool(reason)
    gb.db.commit()
    return reason


def _grade(
    api: Any, gb: Any, snb: Any, cell: str, notebook: str, assignment: str, student: str
) -> Any:
    """The student's Grade of a grade cell (created when the submission predates the cell)."""
    try:
        return gb.find_grade(cell, notebook, assignment, student)
    except api.MissingEntry:
        grade = api.Grade(cell_id=gb.find_grade_cell(cell, notebook, assignment).id, notebook=snb)
        gb.db.add(grade)
        return grade


def _comment(
    api: Any, gb: Any, snb: Any, cell: str, notebook: str, assignment: str, student: str
) -> Any:
    """The student's Comment on a solution cell (created when the submission predates it)."""
    try:
        return gb.find_comment(cell, notebook, assignment, student)
    except api.MissingEntry:
        found = gb.find_solution_cell(cell, notebook, assignment)
        comment = api.Comment(cell_id=found.id, notebook=snb)
        gb.db.add(comment)
        return comment


def _question_comment(rep: GradeReport, q: Question, *, with_problems: bool) -> str:
    cases = [c for c in rep.cases if c.question == q.id]
    passed = sum(c.status == "passed" for c in cases)
    score = sum(c.points for c in cases)
    lines = [
        f"{q.function}: {passed} of {len(cases)} tests passed, {score:g}/{q.points:g} points "
        f"(graded in the sandbox: {rep.sandbox})."
    ]
    for c in cases:
        if c.status == "passed":
            continue
        name = c.name if not c.visibility or c.visibility == "visible" else "hidden test"
        why = c.hints[0] if c.hints else c.message
        lines.append(f"- {name} ({c.description}): {' '.join(why.split())}")
    if with_problems:
        lines.extend(f"Note: {' '.join(p.split())}" for p in rep.problems)
    return "\n".join(lines)[:MAX_COMMENT]
