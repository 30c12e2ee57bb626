"""A fast, sandboxed autograder for array-programming exercises.

Public API:
    load_spec(path) -> Assignment            read and validate assignment.toml
    Grader.create(assignment_dir)            spec + reference checked against scipy + sandbox
    Grader.grade(submission) -> GradeReport  grade one student's file in the sandbox
    grade_file(path, assignment_dir)         the same for a single file, for scripts
"""

from __future__ import annotations

__version__ = "0.1.0"

from pathlib import Path

from .core.results import CaseResult, ClassReport, GradeReport
from .core.service import Grader
from .core.spec import Assignment, load_spec
from .core.submissions import Submission
from .integrations.check import check as check

__all__ = [
    "Assignment",
    "CaseResult",
    "ClassReport",
    "GradeReport",
    "Grader",
    "Submission",
    "grade_file",
    "load_spec",
]


def grade_file(path: str | Path, assignment: str | Path, *, sandbox: str = "auto") -> GradeReport:
    """Grade one file against an assignment (all tests, hidden included)."""
    p = Path(path)
    return Grader.create(assignment, sandbox=sandbox).grade(Submission(p.stem, p))
