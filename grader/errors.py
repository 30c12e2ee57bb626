"""The grader's own failures: each knows the exit code the command line returns for it.

A student's mistake is never one of these; it is data in that student's results.
"""

from __future__ import annotations

from typing import ClassVar


class GraderError(Exception):
    """Base class: the grader itself could not do its job."""

    exit_code: ClassVar[int] = 1

    @property
    def message(self) -> str:
        return str(self)


class UsageError(GraderError):
    """The command was called wrongly (missing folder, bad option value)."""

    exit_code = 2


class SpecError(GraderError):
    """assignment.toml is missing, malformed or inconsistent: the instructor's to fix."""

    exit_code = 2


class ReferenceError_(GraderError):
    """The reference solution disagrees with scipy, or fails: grading must not start."""

    exit_code = 4


class SandboxError(GraderError):
    """The sandbox could not be started: infrastructure failed, not the student."""

    exit_code = 3


class OutputError(GraderError):
    """A report could not be written once grading had started (a full disk, a folder that
    vanished): what was graded by then is in the results store, the rest is not."""

    exit_code = 5
