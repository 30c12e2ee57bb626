"""What every command shares: finding the assignment, building the grader, progress."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..core import locate
from ..core.results import ClassReport, GradeReport
from ..core.service import Grader
from ..errors import UsageError
from ..integrations import nbgrader_bridge
from ..report import files, terminal
from ..report.pages import page_link

DEFAULT_COURSE = Path("assignments")


DEMO = "demo"  # an exercise's demo class: exercises/NAME/demo


STORE_NAME = "results.db"


def _assignment(args: argparse.Namespace) -> Path:
    return locate.find_assignment(args.assignment)


def _grader(args: argparse.Namespace, *, verify: bool = True) -> Grader:
    """The grader for the command's assignment; a sandbox fallback is announced on stderr."""
    grader = Grader.create(_assignment(args), sandbox=args.sandbox, verify=verify)
    if grader.warning:
        print(grader.warning, file=sys.stderr)
    return grader


def _course_dir(args: argparse.Namespace) -> Path:
    if args.course_dir is not None:
        course = Path(args.course_dir)
        if not course.is_dir():
            raise UsageError(f"no course folder at {course}")
        return course
    for base in (Path.cwd(), Path(__file__).resolve().parent.parent):
        if (base / DEFAULT_COURSE / nbgrader_bridge.CONFIG).is_file():
            return base / DEFAULT_COURSE
    raise UsageError(
        f"no nbgrader course found: pass --course-dir DIR (the folder of {nbgrader_bridge.CONFIG})"
    )


def _os_error(exc: OSError) -> str:
    where = f" ({exc.filename})" if exc.filename else ""
    return f"cannot read or write a file{where}: {exc.strerror or exc}"


def _write_dashboard(cls: ClassReport, out: Path, titles: dict[str, str]) -> dict[str, Path]:
    """The class dashboard OUT/index.html (the students' pages are written as they finish)."""
    from ..report import html

    files.write_chunks(out / "index.html", html.stream_class(cls, titles, page_link))
    return {"html": out / "html", "dashboard": out / "index.html"}


def _print_written(written: dict[str, Path]) -> None:
    print(f"\nReports: {written['results']}/<student>.json, {written['csv']}, {written['summary']}")
    if "dashboard" in written:
        print(
            f"         {written['dashboard']} (class dashboard), {written['html']}/<student>.html"
        )


class _Progress:
    """A progress bar on stderr, redrawn at most 10 times a second.

    Its lines name students: they are made printable (`terminal.line`) before they are
    written, so an id can neither move the cursor nor end the line.
    """

    def __init__(self, label: str = "") -> None:
        self.tty = sys.stderr.isatty()
        self.last = 0.0
        self.step = 0
        self.label = f"{label} " if label else ""

    def __call__(self, done: int, total: int, rep: GradeReport) -> None:
        now = time.monotonic()
        if self.tty:
            if now - self.last >= 0.1 or done == total:
                line = terminal.line(self.label + terminal.progress_line(done, total, rep), 500)
                sys.stderr.write("\r" + line + "\x1b[K")
                sys.stderr.flush()
                self.last = now
        elif done == total or done * 10 // max(total, 1) > self.step:
            self.step = done * 10 // max(total, 1)
            line = terminal.line(self.label + terminal.progress_line(done, total, rep), 500)
            print(line, file=sys.stderr, flush=True)

    def finish(self) -> None:
        if self.tty:
            sys.stderr.write("\n")
            sys.stderr.flush()
