"""nbgrader's autograded notebooks, written from the grader's results: no notebook is ever run.

`nbgrader generate_feedback`, `release_feedback` and formgrader's submission view all read
``autograded/<student>/<assignment>/<notebook>.ipynb``. `nbgrader autograde` would make those
files by running each student's notebook in Jupyter, outside any sandbox, and would
then replace the grader's scores with its own. This module writes them instead, the way
autograde does minus the execution:

1. the student's notebook is read with nbformat and passed through nbgrader's own sanitizing
   preprocessors (`ClearOutput`, `DeduplicateIds`, `OverwriteKernelspec`, `OverwriteCells`,
   `CheckCellMetadata`): every output the student saved is dropped, and locked cells (the test
   cells) get the instructor's source back;
2. each question's test cell gets the grader's results as its outputs: a stream with one line
   per test, and an error output naming the failed tests (formgrader and the feedback page
   show it as a failing cell). The scores themselves live in the gradebook, written by
   `nbgrader_bridge.write_gradebook`; nbgrader's `GetGrades` reads them from there;
3. nbgrader's `AssignLatePenalties` sets the late penalty the course configures (none by
   default), as autograde does after it has saved its scores;
4. the submission's other files (nbgrader's ``timestamp.txt`` and ``submission_secret.txt``,
   which `release_feedback` needs) are copied next to it, then the source folder's files, as
   autograde does.

Hidden tests are named "hidden test" with their description only, never their inputs.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.results import CaseResult, GradeReport
from ..core.spec import Assignment, Question
from ..core.submissions import MAX_BYTES
from ..core.untrusted import name as printable
from ..errors import UsageError
from ..report.gradescope import case_text
from .nbgrader_bridge import (
    INSTALL,
    GradebookEntry,
    GradebookResult,
    course_config,
    manual_grading_reason,
)

MAX_OUTPUT = 8000
SANITIZERS = ("ClearOutput", "DeduplicateIds", "OverwriteKernelspec", "OverwriteCells")


@dataclass(frozen=True, slots=True)
class AutogradedResult:
    """What `write_autograded` did.

    Attributes:
        folder: nbgrader's autograded folder (``autograded/`` under the course root).
        notebook: the notebook's name (the file is ``<notebook>.ipynb``).
        written: the students whose autograded notebook was written.
        skipped: (student, reason) of those who got none (no notebook, unreadable, ...).
        notes: (student, what nbgrader changed) while sanitizing, e.g. an edited test cell.
        refused: why no notebook at all was written ("" when the class was processed).
    """

    folder: Path
    notebook: str
    written: tuple[str, ...] = ()
    skipped: tuple[tuple[str, str], ...] = ()
    notes: tuple[tuple[str, str], ...] = ()
    refused: str = ""


class _Skip(Exception):
    """This student's notebook cannot be written (the message says why)."""


def write_autograded(
    course_dir: Path,
    gradebook: GradebookResult,
    spec: Assignment,
    entries: Sequence[GradebookEntry],
) -> AutogradedResult:
    """Write each graded student's autograded notebook, after `write_gradebook` ran.

    Args:
        course_dir: the nbgrader course folder (its nbgrader_config.py is read).
        gradebook: what `write_gradebook` wrote (database, assignment, notebook name).
        spec: the assignment (question ids are the test cells' grade ids).
        entries: the graded submissions, as given to `write_gradebook`; each report's
            `source` is the student's own notebook.

    Returns:
        The students written and skipped, and what nbgrader's sanitizing changed.

    Raises:
        UsageError: nbgrader is not installed, or the course config cannot be read.
    """
    nbgrader = _nbgrader()
    config = course_config(course_dir)
    coursedir = nbgrader.coursedir.CourseDirectory(config=config)
    if "root" not in config.get("CourseDirectory", {}):
        coursedir.root = str(Path(course_dir).resolve())
    folder = Path(coursedir.format_path(coursedir.autograded_directory, ".", ".")).resolve()
    source_dir = Path(coursedir.format_path(coursedir.source_directory, ".", spec.name))
    name = gradebook.notebook
    if not _has_source_cells(nbgrader, gradebook):
        why = (
            f"`nbgrader generate_assignment {spec.name}` had not run on this gradebook, so "
            "nbgrader cannot check the submitted cells against the source: run `grader "
            "release` before collecting submissions"
        )
        return AutogradedResult(folder, name, refused=why)
    written: list[str] = []
    skipped: list[tuple[str, str]] = []
    notes: list[tuple[str, str]] = []
    for entry in entries:
        dest = Path(coursedir.format_path(coursedir.autograded_directory, entry.student, spec.name))
        with _captured_log() as (log, messages):
            try:
                _write_one(nbgrader, config, log, gradebook, spec, entry, dest, source_dir)
            except _Skip as exc:
                skipped.append((entry.student, str(exc)))
                continue
        written.append(entry.student)
        notes.extend((entry.student, m) for m in dict.fromkeys(messages))
    return AutogradedResult(folder, name, tuple(written), tuple(skipped), tuple(notes))


def announce_autograded(
    course_dir: Path | None,
    gradebook: GradebookResult,
    spec: Assignment,
    entries: Sequence[GradebookEntry],
) -> None:
    """`write_autograded`, then tell the instructor what was written and what comes next.

    Without a course folder (only ``--gradebook`` given) nothing is written, and it says so.
    """
    if course_dir is None:
        print(
            "No autograded notebooks written (no nbgrader course folder): pass --course-dir "
            "for nbgrader's generate_feedback and formgrader."
        )
        return
    result = write_autograded(course_dir, gradebook, spec, entries)
    print(summary(result, spec))


def summary(result: AutogradedResult, spec: Assignment) -> str:
    """What `announce_autograded` prints: the files written, the students skipped, the notes."""
    if result.refused:
        return (
            f"No autograded notebooks written (no feedback, no formgrader view): {result.refused}."
        )
    where = result.folder / "<student>" / spec.name / f"{result.notebook}.ipynb"
    lines = [
        f"Autograded notebooks: {len(result.written)} written to {where}, with the grader's "
        "results in the test cells (no notebook was run). Next: "
        f"`nbgrader generate_feedback {spec.name} --force`, then "
        f"`nbgrader release_feedback {spec.name}`. Never run `nbgrader autograde` on them: it "
        "runs the students' code outside the sandbox and replaces the grader's scores."
    ]
    if result.skipped:
        lines.append("No autograded notebook (no feedback, no formgrader view) for:")
        lines.extend(f"  {printable(s)}: {printable(why, 1000)}" for s, why in result.skipped)
    for student, note in result.notes:
        lines.append(f"  nbgrader, on {printable(student)}'s notebook: {printable(note, 1000)}")
    return "\n".join(lines)


# --- one student -------------------------------------------------------------------------------


def _write_one(
    nbgrader: Any,
    config: Any,
    log: logging.Logger,
    gradebook: GradebookResult,
    spec: Assignment,
    entry: GradebookEntry,
    dest: Path,
    source_dir: Path,
) -> None:
    nbformat = _module("nbformat")
    if entry.student in ("", ".", "..") or "/" in entry.student or os.sep in entry.student:
        raise _Skip("the student id is not a folder name")
    src = Path(entry.report.source) if entry.report.source else None
    if src is not None and src.is_symlink():
        raise _Skip(f"{src.name} is a link, not a file")
    if src is None or not src.is_file():
        raise _Skip("no notebook was submitted")
    if src.suffix != ".ipynb":
        raise _Skip(f"{src.name} is not a notebook (nbgrader's feedback shows notebooks only)")
    if src.stat().st_size > MAX_BYTES:
        raise _Skip(f"the notebook is larger than {MAX_BYTES >> 20} MiB")
    try:
        nb = nbformat.read(src, as_version=4)
    except Exception as exc:  # nbformat raises several kinds: all mean "not a notebook"
        raise _Skip(f"{src.name} is not a readable notebook ({type(exc).__name__})") from None
    resources: dict[str, Any] = {
        "nbgrader": {
            "student": entry.student,
            "assignment": spec.name,
            "notebook": gradebook.notebook,
            "db_url": gradebook.db_url,
        }
    }
    pre = nbgrader.preprocessors
    with warnings.catch_warnings():
        # nbgrader's own gradebook sessions make SQLAlchemy warn; harmless (as in the bridge).
        warnings.simplefilter("ignore")
        try:
            for pp_name in SANITIZERS:
                pp = getattr(pre, pp_name)(config=config, log=log)
                nb, resources = pp.preprocess(nb, resources)
            _add_results(nb, spec, entry.report)
            nb, resources = pre.CheckCellMetadata(config=config, log=log).preprocess(nb, resources)
            nb, resources = pre.AssignLatePenalties(config=config, log=log).preprocess(
                nb, resources
            )
            nbformat.validate(nb)
        except Exception as exc:  # a corrupted notebook, as nbgrader autograde would refuse it
            raise _Skip(f"nbgrader could not process {src.name}: {exc}") from None
    try:
        _replace_folder(dest, src, source_dir, f"{gradebook.notebook}.ipynb", nbformat.writes(nb))
    except OSError as exc:
        raise _Skip(f"{dest} could not be written: {exc}") from None


def _add_results(nb: Any, spec: Assignment, rep: GradeReport) -> None:
    """Put the grader's results into each question's test cell, as that cell's outputs."""
    new_output = _module("nbformat.v4").new_output
    questions = {q.id: q for q in spec.questions}
    reason = manual_grading_reason(rep)
    first = True
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        q = questions.get(meta.get("grade_id", ""))
        if cell.cell_type != "code" or q is None or not meta.get("grade") or meta.get("solution"):
            continue
        cases = [c for c in rep.cases if c.question == q.id]
        if reason:
            text = f"NOT GRADED AUTOMATICALLY: {reason} The instructor grades it by hand."
            cell.outputs = [
                new_output("error", ename="NotGraded", evalue=text, traceback=[text]),
            ]
            continue
        outputs = [new_output("stream", name="stdout", text=_cell_text(rep, q, cases, first))]
        failed = [c for c in cases if c.status != "passed"]
        if failed:
            evalue = f"{len(failed)} of {len(cases)} tests of {q.function} failed"
            trace = [f"{evalue}:", *(_case_block(c) for c in failed)]
            outputs.append(
                new_output("error", ename="AssertionError", evalue=evalue, traceback=_capped(trace))
            )
        cell.outputs = outputs
        first = False


def _cell_text(rep: GradeReport, q: Question, cases: list[CaseResult], first: bool) -> str:
    passed = sum(c.status == "passed" for c in cases)
    score = sum(c.points for c in cases)
    lines = [
        f"{q.function}: {passed} of {len(cases)} tests passed, {score:g}/{q.points:g} points.",
        f"Graded by the course's grader in its sandbox ({rep.sandbox}), hidden tests "
        "included; this cell was not run.",
    ]
    for c in cases:
        mark = "passed" if c.status == "passed" else "FAILED"
        lines.append(f"  {mark}  {_case_name(c)} ({c.points:g}/{c.max_points:g}): {c.description}")
    if first:
        lines.extend(f"Note: {' '.join(p.split())}" for p in rep.problems)
    return "\n".join(_capped(lines)) + "\n"


def _case_name(c: CaseResult) -> str:
    return c.name if not c.visibility or c.visibility == "visible" else "hidden test"


def _case_block(c: CaseResult) -> str:
    return f"- {_case_name(c)}: " + case_text(c).replace("\n", "\n  ")


def _capped(lines: list[str]) -> list[str]:
    """The lines, cut to MAX_OUTPUT characters in all (the cut is said)."""
    out: list[str] = []
    total = 0
    for line in lines:
        if total + len(line) > MAX_OUTPUT:
            out.append("... (cut: the grader's report has the rest)")
            break
        out.append(line)
        total += len(line) + 1
    return out


# --- files -------------------------------------------------------------------------------------


def _replace_folder(dest: Path, src: Path, source_dir: Path, filename: str, text: str) -> None:
    """Write dest/ anew: the submission's other files, the source's files, the notebook.

    Files are copied as nbgrader's autograde copies them (ignoring other notebooks and
    nbgrader's ignore globs); symbolic links are never followed. The new folder replaces the
    old one only once it is complete.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}-", dir=dest.parent))
    try:
        for base in (src.parent, source_dir):
            for path in _plain_files(base):
                target = tmp / path.relative_to(base)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.unlink(missing_ok=True)
                shutil.copyfile(path, target)
        (tmp / filename).write_text(text, encoding="utf-8")
        for path in (tmp, *tmp.rglob("*")):
            path.chmod(0o755 if path.is_dir() else 0o644)
        if dest.exists():
            old = dest.with_name(f".{dest.name}-old")
            shutil.rmtree(old, ignore_errors=True)
            dest.rename(old)
            tmp.rename(dest)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _plain_files(base: Path) -> Iterator[Path]:
    """The regular files under base, minus notebooks and nbgrader's default ignore globs."""
    ignored = _nbgrader().utils.is_ignored
    globs = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.ipynb"]
    if not base.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = [d for d in dirnames if not ignored(d, globs)]
        for name in filenames:
            path = Path(dirpath) / name
            if not ignored(name, globs) and path.is_file() and not path.is_symlink():
                yield path


# --- nbgrader ----------------------------------------------------------------------------------


def _nbgrader() -> Any:
    """nbgrader, with the submodules used here imported (when first needed)."""
    for name in ("coursedir", "preprocessors", "utils", "api"):
        _module(f"nbgrader.{name}")
    return _module("nbgrader")


def _module(name: str) -> Any:
    """A module of nbgrader or nbformat (untyped here: they are optional dependencies)."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise UsageError(f"nbgrader is not installed ({exc}): {INSTALL}") from None


def _has_source_cells(nbgrader: Any, gradebook: GradebookResult) -> bool:
    """Did `generate_assignment` record the notebook's cells (OverwriteCells needs them)?"""
    with (
        warnings.catch_warnings(),
        nbgrader.api.Gradebook(gradebook.db_url, course_id=gradebook.course_id) as gb,
    ):
        warnings.simplefilter("ignore")
        try:
            found = gb.find_notebook(gradebook.notebook, gradebook.assignment)
        except nbgrader.api.MissingEntry:
            return False
        return bool(list(found.source_cells))


@contextlib.contextmanager
def _captured_log() -> Iterator[tuple[logging.Logger, list[str]]]:
    """A logger for nbgrader's preprocessors whose warnings are kept, not printed."""
    messages: list[str] = []

    class _Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    log = logging.Logger("grader.nbgrader_feedback", level=logging.WARNING)
    log.addHandler(_Keep())
    yield log, messages
