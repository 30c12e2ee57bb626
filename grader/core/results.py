"""Frozen results of grading: one CaseResult per test, one GradeReport per submission."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

# What a report keeps of a returned array for the pictures of a visible test: the top-left
# PICTURE_SIDE x PICTURE_SIDE corner of a 2-D array, the first PICTURE_STRIP values of a 1-D
# one, nothing but the shape of any other. The HTML heatmaps crop to less than that (their
# MAX_SIDE and MAX_STRIP), so a page looks the same, and a report stays a few KiB even when a
# submission returns a 64 MiB array on every test.
PICTURE_SIDE = 64
PICTURE_STRIP = 256

Status = Literal["passed", "failed"]
Outcome = Literal["passed", "wrong", "error", "timeout", "memory", "crashed", "exited", "not_run"]


@dataclass(frozen=True, slots=True)
class CaseResult:
    """The result of one test case (one call of one student function).

    Attributes:
        question: id of the question (e.g. "q1_max_pool2d").
        name: case name, unique within the assignment.
        description: what the case tests, in words (safe to show for every visibility).
        points: points earned.
        max_points: points available.
        status: Gradescope's vocabulary, "passed" or "failed".
        outcome: finer cause: passed, wrong (ran but wrong answer), error (raised), timeout,
            memory, crashed (killed by a signal), exited (left before returning), not_run.
        visibility: Gradescope's vocabulary: visible | hidden | after_due_date | after_published.
        message: one or two sentences for the student (never hidden inputs or values).
        hints: diagnoses of the mistake, in plain words.
        hint_codes: stable identifiers of the hints, for class-level counts.
        notes: remarks that cost no points.
        details: inputs/expected/got as text, only for visible cases ("" for hidden ones).
        seconds: wall time of the call.
        got: what the pictures show of the student's returned array (see `for_pictures`:
            at most its top-left corner), kept for visible cases only; None for hidden cases
            and when nothing usable came back.
        got_shape: the full shape of the returned array `got` was cut from (None: the shape
            of `got` itself, as in results stored before the cut existed).
    """

    question: str
    name: str
    description: str
    points: float
    max_points: float
    status: Status
    outcome: Outcome
    visibility: str
    message: str = ""
    hints: tuple[str, ...] = ()
    hint_codes: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    details: str = ""
    seconds: float = 0.0
    got: Any = None
    got_shape: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        # A shape read back from JSON (the store) is a list: make it the tuple it was.
        if self.got_shape is not None and not isinstance(self.got_shape, tuple):
            object.__setattr__(self, "got_shape", tuple(int(n) for n in self.got_shape))


def for_pictures(value: NDArray[Any]) -> NDArray[Any]:
    """The part of a returned array a report keeps for its pictures (a copy, never a view,
    so the whole array can be freed): the top-left PICTURE_SIDE x PICTURE_SIDE corner of a
    2-D array, the first PICTURE_STRIP values of a 1-D one, the whole of a 0-d one, and an
    empty 1-D array for any other (the pictures give only its shape: keep it in
    CaseResult.got_shape)."""
    if value.ndim == 1:
        return value[:PICTURE_STRIP].copy()
    if value.ndim == 2:
        return value[:PICTURE_SIDE, :PICTURE_SIDE].copy()
    if value.ndim == 0:
        return value.copy()
    return np.empty((0,), dtype=value.dtype)


@dataclass(frozen=True, slots=True)
class GradeReport:
    """Everything known about one graded submission.

    Attributes:
        student: the student's id (folder or file stem).
        source: path of the graded file, relative to the submissions folder.
        cases: one result per test case, in the spec's order.
        score: points earned (sum over cases).
        max_score: points available.
        seconds: wall time spent on this submission.
        sandbox: the isolation mode used ("bwrap" or "process").
        problems: submission-level messages (could not read the file, a notebook cell failed,
            top-level code raised, output was cut ...).
        output: the submission's captured stdout/stderr (capped).
        graded: False when the submission could not be graded at all (file unreadable).
    """

    student: str
    source: str
    cases: tuple[CaseResult, ...]
    score: float
    max_score: float
    seconds: float
    sandbox: str
    problems: tuple[str, ...] = ()
    output: str = ""
    graded: bool = True

    def summary(self, shared: dict[CaseResult, CaseResult] | None = None) -> GradeReport:
        """The same report without what only the student's own pages show (returned arrays,
        printed numbers, captured output, each call's time): what class-level reports need,
        kept small so a run's memory hardly grows with the class.

        Args:
            shared: summaries of case results seen before (filled in here): equal ones,
                such as every student's pass of the same test, are then one object.
        """
        cases = []
        for c in self.cases:
            light = replace(c, got=None, got_shape=None, details="", seconds=0.0)
            if shared is not None:
                light = shared.setdefault(light, light)
            cases.append(light)
        return replace(self, cases=tuple(cases), output="")


@dataclass(frozen=True, slots=True)
class ClassReport:
    """A whole grading run: every submission plus the run's facts."""

    assignment: str
    reports: tuple[GradeReport, ...]
    max_score: float
    sandbox: str
    seconds: float
    started: str
    versions: dict[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    reused: int = 0
