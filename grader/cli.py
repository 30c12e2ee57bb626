"""The command line: argv -> service call -> exit code. The only module that prints or exits.

Exit codes:
    0  grading completed (whatever the scores); `check`: every public test passed
    1  `check`: some public test failed
    2  usage or spec error (the instructor's to fix)
    3  the sandbox could not start
    4  the reference solution disagrees with scipy (nobody is graded)
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from .errors import GraderError, UsageError
from .report import files, terminal
from .results import GradeReport
from .service import Grader, find_submissions, hidden_summary, mistake_titles
from .submissions import Submission

DEFAULT_ASSIGNMENT = Path("assignments") / "convolution"
DEMO = Path("examples") / "submissions"


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        code: int = args.run(args)
        return code
    except GraderError as exc:
        print(f"grader: error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("grader: interrupted", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="grader",
        description=(
            "Grade array-programming exercises in a sandbox. Student code runs in a separate, "
            "isolated process; the grader compares the plain numbers it returns."
        ),
        epilog="Start with: grader grade   (or: grader check my_convolution.py)",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    g = sub.add_parser(
        "grade",
        help="grade every submission in a folder and write the reports",
        description=(
            "Grade every submission in SUBMISSIONS_DIR: <student>.py, <student>.ipynb, "
            "<student>/convolution.py, <student>/<any>.ipynb, or nbgrader's "
            "<student>/<assignment>/ layout. Writes OUT/results/<student>.json (Gradescope "
            "format), OUT/grades.csv and OUT/summary.json, and prints the class table. "
            "Without SUBMISSIONS_DIR, grades ./submissions, or the demo class in "
            "examples/submissions when that is empty."
        ),
    )
    g.add_argument("submissions", nargs="?", type=Path, metavar="SUBMISSIONS_DIR")
    _common(g)
    g.add_argument("--out", type=Path, default=Path("reports"), help="report folder (reports)")
    g.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 2,
        help="submissions graded at once (default: one per core)",
    )
    g.add_argument("--quiet", action="store_true", help="no progress bar or table")
    g.set_defaults(run=_grade)

    c = sub.add_parser(
        "check",
        help="run the public tests on one file (for students)",
        description=(
            "Run the public tests on one student file (.py or .ipynb) in the sandbox and explain "
            "any mistake. Hidden tests are not run; the last line says what they cover."
        ),
    )
    c.add_argument("file", type=Path, metavar="FILE")
    _common(c)
    c.set_defaults(run=_check)
    return p


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--assignment",
        type=Path,
        default=None,
        help="assignment folder holding assignment.toml (default: assignments/convolution)",
    )
    p.add_argument(
        "--sandbox",
        choices=("auto", "bwrap", "process"),
        default="auto",
        help="auto: bubblewrap when it works, else a plain child process (with a warning)",
    )


def _assignment(args: argparse.Namespace) -> Path:
    if args.assignment is not None:
        return Path(args.assignment)
    env = os.environ.get("GRADER_ASSIGNMENT")
    if env:
        return Path(env)
    for base in (Path.cwd(), Path(__file__).resolve().parent.parent):
        if (base / DEFAULT_ASSIGNMENT / "assignment.toml").is_file():
            return base / DEFAULT_ASSIGNMENT
    raise UsageError("no assignment found: pass --assignment DIR (the folder of assignment.toml)")


def _grade(args: argparse.Namespace) -> int:
    root = args.submissions
    if root is None:
        root = Path("submissions")
        if not root.is_dir() or not any(p for p in root.iterdir() if not p.name.startswith(".")):
            print(f"{root}/ is empty or missing: grading the demo class in {DEMO}/")
            root = DEMO
    if not root.is_dir():
        raise UsageError(f"no submissions folder at {root}")
    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    grader = Grader.create(_assignment(args), sandbox=args.sandbox)
    if grader.warning:
        print(grader.warning, file=sys.stderr)
    subs = find_submissions(root, grader.spec)
    if not args.quiet:
        print(
            f"Grading {len(subs)} submissions of '{grader.spec.name}' from {root}/ "
            f"(sandbox: {grader.sandbox.mode}, {args.jobs} at a time)",
            flush=True,
        )
    bar = None if args.quiet else _Progress()

    def progress(done: int, total: int, rep: GradeReport) -> None:
        files.write_student(rep, args.out)  # nothing finished is lost if the run dies
        if bar is not None:
            bar(done, total, rep)

    cls = grader.grade_all(subs, jobs=args.jobs, progress=progress)
    if bar is not None:
        bar.finish()
    written = files.write_class(cls, args.out)
    if not args.quiet:
        print(terminal.class_table(cls, mistake_titles()))
        print(
            f"\nReports: {written['results']}/<student>.json, {written['csv']}, "
            f"{written['summary']}"
        )
    return 0


def _check(args: argparse.Namespace) -> int:
    path: Path = args.file
    if not path.is_file():
        raise UsageError(f"no file at {path}")
    grader = Grader.create(_assignment(args), sandbox=args.sandbox)
    if grader.warning:
        print(grader.warning, file=sys.stderr)
    report = grader.grade(Submission(path.stem, path), visible_only=True)
    print(terminal.check_text(report, footer=hidden_summary(grader.spec)))
    return 0 if report.score == report.max_score and report.cases else 1


class _Progress:
    """A progress bar on stderr, redrawn at most 10 times a second."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.last = 0.0
        self.step = 0

    def __call__(self, done: int, total: int, rep: GradeReport) -> None:
        now = time.monotonic()
        if self.tty:
            if now - self.last >= 0.1 or done == total:
                sys.stderr.write("\r" + terminal.progress_line(done, total, rep) + "\x1b[K")
                sys.stderr.flush()
                self.last = now
        elif done == total or done * 10 // max(total, 1) > self.step:
            self.step = done * 10 // max(total, 1)
            print(terminal.progress_line(done, total, rep), file=sys.stderr, flush=True)

    def finish(self) -> None:
        if self.tty:
            sys.stderr.write("\n")
            sys.stderr.flush()
