"""Write the students' HTML pages while grading goes on, in a process of their own.

Rendering a page is pure Python (a few milliseconds): done in the grading process it would
compete for the interpreter lock with the threads that drive the sandboxes. A big class's
pages are therefore rendered by one helper process (started with "forkserver", never by
forking this multi-threaded process); a small class's are rendered in place. Either way a
page is written as soon as its student is graded, and at most a few wait in line, so memory
stays flat.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from ..core.reference import PreparedCase
from ..core.results import GradeReport
from . import files

# Classes smaller than this render their pages in the grading process (starting the helper
# process costs about half a second).
HELPER_FROM = 100
MAX_WAITING = 16

_CASES: Sequence[PreparedCase] = ()
_OUT = Path()


def page_link(student: str) -> str:
    """A student's page, relative to the output folder (as the dashboard links to it).

    Named by `files.student_filename`, like the student's results file: distinct ids get
    distinct pages, and the name needs no URL escaping.
    """
    return f"html/{files.student_filename(student)}.html"


def write_page(rep: GradeReport, cases: Sequence[PreparedCase], out: Path) -> None:
    """Render and write one student's page OUT/html/<student>.html."""
    from . import html

    files.write_text(out / page_link(rep.student), html.render_student(rep, cases))


def _start(cases: Sequence[PreparedCase], out: Path) -> None:
    global _CASES, _OUT
    _CASES, _OUT = cases, out


def _write(rep: GradeReport) -> None:
    write_page(rep, _CASES, _OUT)


class PageWriter:
    """Writes pages as students finish: in a helper process for big classes.

    A page that cannot be written never stops the grading: the student is listed in
    `failed` with the reason (their results.json and every other report are unaffected).
    """

    def __init__(self, cases: Sequence[PreparedCase], out: Path, *, students: int) -> None:
        self.cases = cases
        self.out = out
        self.pool: ProcessPoolExecutor | None = None
        self.waiting: deque[tuple[str, Future[None]]] = deque()
        self.failed: list[tuple[str, str]] = []
        if students >= HELPER_FROM:
            context = multiprocessing.get_context("forkserver")
            self.pool = ProcessPoolExecutor(
                1, mp_context=context, initializer=_start, initargs=(tuple(cases), out)
            )

    def __call__(self, rep: GradeReport) -> None:
        if self.pool is None:
            try:
                write_page(rep, self.cases, self.out)
            except Exception as exc:
                self.failed.append((rep.student, _reason(exc)))
            return
        self.waiting.append((rep.student, self.pool.submit(_write, rep)))
        while len(self.waiting) > MAX_WAITING:
            self._finish(*self.waiting.popleft())

    def close(self) -> None:
        """Wait for every page."""
        try:
            while self.waiting:
                self._finish(*self.waiting.popleft())
        finally:
            if self.pool is not None:
                self.pool.shutdown()

    def _finish(self, student: str, future: Future[None]) -> None:
        try:
            future.result()
        except Exception as exc:  # the helper died, or the page could not be written
            self.failed.append((student, _reason(exc)))

    def __enter__(self) -> PageWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]
