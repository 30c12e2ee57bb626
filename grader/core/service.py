"""Orchestration: spec -> cases -> sandbox -> compare -> diagnose -> GradeReport.

Nothing here prints; progress is reported through a callback. A student's failure is data in
that student's report; only the grader's own failures raise (GraderError).

Whatever goes wrong while grading one submission stays that submission's: an unexpected
exception anywhere in reading, running, judging, diagnosing or reporting it (a grader bug a
strange submission reached) is logged with its traceback and becomes that student's report,
``graded=False``, with a problem that says so and asks them to tell their instructor; the
batch goes on. Such a report is never saved in the store, so the next run grades that file
again. Two kinds of failure still stop the run, because they are the machine's, not one
student's, and every later submission would fail the same way:

- SandboxError: a sandbox worker cannot be started at all (no bubblewrap, the interpreter
  is gone, ...): `grader grade` exits 3. A submission that kills its own worker does not
  raise it (the sandbox replaces the worker and fails that submission's calls).
- StoreError from saving a result: the results store cannot be written (disk full, locked):
  exit 5, as the README promises. A store *lookup* that fails (for instance a row the
  current code cannot read back) only means that file is graded again.
"""

from __future__ import annotations

import logging
import platform
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from ..errors import SandboxError
from ..isolation.sandbox import (
    Call,
    CallOutcome,
    LoadOutcome,
    SandboxConfig,
    SubmissionRun,
    WorkerPool,
    choose_mode,
    run_and_judge,
)
from . import untrusted, verified
from .cases import case_words
from .diagnosis import titles
from .notebook_cells import without_graded_tests
from .reference import PreparedCase, prepare
from .results import CaseResult, ClassReport, GradeReport
from .spec import Assignment, load_spec
from .store import Store, StoreError, file_hash, spec_hash
from .submissions import Submission, discover, read_source, read_support
from .verdict import Memo, case_result

Progress = Callable[[int, int, GradeReport], None]

INTERNAL_ERROR = (
    "The grader could not grade this file (internal error: {error}); it has been logged "
    "\u2014 please tell your instructor."
)
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Grader:
    """A ready-to-use grader for one assignment: spec, prepared cases, sandbox settings."""

    spec: Assignment
    cases: tuple[PreparedCase, ...]
    sandbox: SandboxConfig
    warning: str = ""
    memo: Memo = field(default_factory=Memo, compare=False, repr=False)

    @classmethod
    def create(
        cls, assignment: str | Path, *, sandbox: str = "auto", verify: bool = True
    ) -> Grader:
        """Load the spec, check the reference against scipy and pick the sandbox.

        Args:
            assignment: the assignment folder (or its assignment.toml).
            sandbox: "auto", "bwrap" or "process".
            verify: cross-check every expected output with scipy (always, for grading, unless
                this very spec and reference passed it before with the same versions: see
                verified.py; `grader check` skips it to start in well under a second).

        Raises:
            SpecError, ReferenceError_, SandboxError: the grader cannot run.
        """
        spec = load_spec(assignment)
        checked = verified.key(spec_hash(spec)) if verify else ""
        cases = tuple(prepare(spec, verify=verify and not verified.known(checked)))
        if verify:
            verified.remember(checked)  # reached only when the cross-check passed
        mode, warning = choose_mode(sandbox)
        return cls(spec, cases, SandboxConfig(mode=mode, limits=spec.limits), warning)

    def grade(
        self,
        sub: Submission,
        *,
        visible_only: bool = False,
        pool: WorkerPool | None = None,
        read: tuple[bytes, str] | None = None,
    ) -> GradeReport:
        """Grade one submission (never raises for anything the student did).

        An unexpected exception while grading it becomes its report (see `internal_error`).

        Args:
            sub: the submission.
            visible_only: run the public tests only (what `grader check` does).
            pool: warm workers to borrow from; without one, a worker is started for this
                submission alone.
            read: what read_source(sub) gave, when the caller already read the file.

        Raises:
            SandboxError: only when the sandbox itself cannot be started.
        """
        started = time.monotonic()
        try:
            return self._grade(sub, visible_only, pool, read, started)
        except SandboxError:
            raise
        except Exception as exc:  # a grader bug must cost this submission only
            return self.internal_error(sub, exc, started=started, visible_only=visible_only)

    def internal_error(
        self,
        sub: Submission,
        exc: BaseException,
        *,
        started: float | None = None,
        visible_only: bool = False,
    ) -> GradeReport:
        """The report of a submission the grader failed on: logged with its traceback,
        graded=False, every test not run, and a problem naming the exception."""
        _log.error(
            "internal error while grading %s (%s)",
            untrusted.name(sub.student),
            untrusted.name(sub.path),
            exc_info=exc,
        )
        what = f"{untrusted.name(type(exc).__name__, 100)}: {untrusted.name(exc, 300)}"
        problem = INTERNAL_ERROR.format(error=what)
        cases = [c for c in self.cases if not (visible_only and c.case.hidden)]
        report = self._ungradable(sub, cases, problem, started or time.monotonic())
        return replace(report, graded=False)

    def _grade(
        self,
        sub: Submission,
        visible_only: bool,
        pool: WorkerPool | None,
        read: tuple[bytes, str] | None,
        started: float,
    ) -> GradeReport:
        cases = [c for c in self.cases if not (visible_only and c.case.hidden)]
        source, problem = read if read is not None else read_source(sub)
        problems = [sub.note] if sub.note else []
        if problem:
            return self._ungradable(sub, cases, problem, started)
        assert sub.path is not None
        notebook = sub.kind == "ipynb"
        if notebook:  # nbgrader's test cells would run the functions once more, at load time
            source = without_graded_tests(source) or source

        def judge(load: LoadOutcome, calls: tuple[CallOutcome, ...]) -> tuple[CaseResult, ...]:
            return tuple(
                case_result(self.spec, pc, load, out, is_notebook=notebook, memo=self.memo)
                for pc, out in zip(cases, calls, strict=True)
            )

        run, results = run_and_judge(
            self.sandbox,
            filename=sub.path.name if sub.kind == "py" else self.spec.module,
            kind=sub.kind,
            source=source,
            functions=self.spec.functions,
            calls=[Call(c.question.function, tuple(c.inputs.items())) for c in cases],
            judge=judge,
            pool=pool,
            support=read_support(sub),
        )
        problems += _load_problems(run, notebook)
        return GradeReport(
            student=sub.student,
            source=str(sub.path),
            cases=results,
            score=sum(r.points for r in results),
            max_score=sum(c.case.points for c in cases),
            seconds=time.monotonic() - started,
            sandbox=self.sandbox.mode,
            problems=tuple(problems),
            output=run.output,
        )

    def _ungradable(
        self, sub: Submission, cases: list[PreparedCase], problem: str, started: float
    ) -> GradeReport:
        results = tuple(
            CaseResult(
                question=c.question.id,
                name=c.case.name,
                description=c.case.description,
                points=0.0,
                max_points=c.case.points,
                status="failed",
                outcome="not_run",
                visibility=c.case.visibility,
                message=problem,
            )
            for c in cases
        )
        return GradeReport(
            student=sub.student,
            source=str(sub.path) if sub.path else "",
            cases=results,
            score=0.0,
            max_score=sum(c.case.points for c in cases),
            seconds=time.monotonic() - started,
            sandbox=self.sandbox.mode,
            problems=(problem,),
            graded=sub.path is not None,
        )

    def grade_all(
        self,
        subs: Iterable[Submission],
        *,
        jobs: int = 2,
        progress: Progress | None = None,
        store: Store | None = None,
        regrade: bool = False,
        summaries: bool = False,
    ) -> ClassReport:
        """Grade many submissions, `jobs` at a time; results keep the input order.

        Args:
            subs: the submissions.
            jobs: how many are graded at once (one warm worker each).
            progress: called after each submission, in order.
            store: where each result is committed as soon as it is graded; a result already
                there for the same file and the same spec is reused instead of re-graded.
            regrade: grade everything again even when the store has a result.
            summaries: keep only each report's summary (GradeReport.summary) once `progress`
                has seen it whole, so memory stays flat however big the class.
        """
        started_at = datetime.now(UTC).isoformat(timespec="seconds")
        t0 = time.monotonic()
        todo = list(subs)
        reports: list[GradeReport] = []
        shared: dict[CaseResult, CaseResult] = {}
        reused = 0
        shash = spec_hash(self.spec) if store else ""
        jobs = max(1, jobs)
        with WorkerPool(self.sandbox) as workers, ThreadPoolExecutor(jobs) as threads:

            def one(sub: Submission) -> tuple[GradeReport, bool]:
                if store is None:
                    return self.grade(sub, pool=workers), False
                started = time.monotonic()
                try:
                    read = read_source(sub)
                    fhash = file_hash(read[0])
                    old = None if regrade else _stored(store, self.spec.name, sub, fhash, shash)
                    if old is not None:
                        return old, True
                    report = self._grade(sub, False, workers, read, started)
                    store.save(self.spec.name, report, fhash, shash)
                except (SandboxError, StoreError):
                    raise
                except Exception as exc:  # this submission's only: not saved, graded next run
                    return self.internal_error(sub, exc, started=started), False
                return report, False

            results = _in_order(threads, one, todo, ahead=4 * jobs)
            for i, (report, was_stored) in enumerate(results, start=1):
                reused += was_stored
                if progress is not None:
                    progress(i, len(todo), report)
                reports.append(report.summary(shared) if summaries else report)
        return ClassReport(
            assignment=self.spec.name,
            reports=tuple(reports),
            max_score=self.spec.max_score,
            sandbox=self.sandbox.mode,
            seconds=time.monotonic() - t0,
            started=started_at,
            versions=versions(),
            warnings=(self.warning,) if self.warning else (),
            reused=reused,
        )


def _stored(
    store: Store, assignment: str, sub: Submission, fhash: str, shash: str
) -> GradeReport | None:
    """The stored result for this very file and spec; None also when it cannot be read back
    (the file is then graded again, and the new result replaces the unreadable one)."""
    try:
        return store.lookup(assignment, sub.student, fhash, shash)
    except Exception:  # a row this code cannot read: grade the file again
        _log.warning("stored result of %s unreadable", untrusted.name(sub.student), exc_info=True)
        return None


def _in_order(
    threads: ThreadPoolExecutor,
    fn: Callable[[Submission], tuple[GradeReport, bool]],
    items: list[Submission],
    *,
    ahead: int,
) -> Iterator[tuple[GradeReport, bool]]:
    """fn(item) for each item, in order, run on `threads` at most `ahead` items in advance
    (Executor.map would start them all: finished reports would pile up in memory whenever
    the caller's progress, e.g. writing pages, is slower than grading)."""
    pending: deque[Future[tuple[GradeReport, bool]]] = deque()
    todo = iter(items)
    for item in todo:
        pending.append(threads.submit(fn, item))
        if len(pending) >= ahead:
            break
    while pending:
        result = pending.popleft().result()
        for item in todo:
            pending.append(threads.submit(fn, item))
            break
        yield result


def find_submissions(root: Path, spec: Assignment) -> list[Submission]:
    """The submissions under root, in the layouts the README describes."""
    return discover(root, spec.module, spec.name)


def versions() -> dict[str, str]:
    """Versions recorded in every report, so a run can be reproduced."""
    import scipy

    from .. import __version__

    return {
        "grader": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
    }


def _load_problems(run: SubmissionRun, is_notebook: bool) -> list[str]:
    out = []
    for e in run.load.errors:
        where = f"{e['cell']}" if is_notebook and e.get("cell") else "Your file"
        line = f", line {e['line']}" if e.get("line") else ""
        msg = f": {e['message']}" if e.get("message") else ""
        if e.get("error") == "exited":
            out.append(f"{where} called sys.exit() while loading; later code did not run.")
            continue
        follow = " The cells after it still ran." if is_notebook else ""
        out.append(f"{where}{line} raised {e['type']}{msg}.{follow}")
    if run.output_truncated:
        kib = run.output_bytes >> 10
        out.append(
            f"Your code printed {kib:,} KiB; only the first part was kept. "
            "Printing never costs points, but it slows grading."
        )
    return out


def mistake_titles(spec: Assignment) -> dict[str, str]:
    """Short names of the mistakes the diagnosis may name, for class-level counts."""
    return titles(spec.exercise)


def hidden_summary(spec: Assignment) -> str:
    """One sentence on the hidden tests: how many, for which function, which input shapes."""
    parts = []
    total = 0.0
    count = 0
    for q in spec.questions:
        hidden = [c for c in q.cases if c.hidden]
        if not hidden:
            continue
        shapes = ", ".join(case_words(c) for c in hidden)
        parts.append(f"{len(hidden)} for {q.function} ({shapes})")
        total += sum(c.points for c in hidden)
        count += len(hidden)
    if not count:
        return "There are no hidden tests: this is your full score."
    return (
        f"Not yet run: {count} hidden tests worth {total:g} of {spec.max_score:g} points: "
        + "; ".join(parts)
        + ". Passing the public tests does not guarantee passing these."
    )
