"""The command line: argv -> service call -> exit code. The only module that prints or exits.

Exit codes:
    0  grading completed (whatever the scores); `check`: every public test passed
    1  `check`: some public test failed
    2  usage or spec error (the instructor's to fix)
    3  the sandbox could not start
    4  the reference solution disagrees with scipy (nobody is graded)
    5  `release`: a solution is not full marks, or the release would give something away
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import sys
import tempfile
import time
from pathlib import Path

from . import nbgrader_bridge, notebook
from .errors import GraderError, UsageError
from .report import files, terminal
from .report.pages import PageWriter, page_link
from .results import ClassReport, GradeReport
from .service import Grader, find_submissions, hidden_summary, mistake_titles
from .store import Store
from .submissions import Submission

DEFAULT_ASSIGNMENT = Path("assignments") / "convolution"
DEFAULT_COURSE = Path("assignments")
DEMO = Path("examples") / "submissions"
STORE_NAME = "results.db"


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
    except OSError as exc:  # a full disk, a folder that vanished, no permission
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"grader: error: cannot read or write a file{where}: {exc.strerror}", file=sys.stderr)
        print(
            "Results already graded are safe in the results store; fix this and run the same "
            "command again to finish.",
            file=sys.stderr,
        )
        return 5


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
    g.add_argument(
        "--regrade",
        action="store_true",
        help="grade everything again (by default a result stored for the same file and spec "
        "is reused)",
    )
    g.add_argument("--no-html", action="store_true", help="skip the HTML pages (faster)")
    g.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="grade on a Dask cluster (e.g. tcp://10.0.0.5:8786); needs pip install '.[dask]'",
    )
    g.add_argument(
        "--gradebook",
        metavar="DB_URL",
        default=None,
        help="also write each question's score into this nbgrader gradebook "
        "(e.g. sqlite:///assignments/gradebook.db)",
    )
    g.add_argument(
        "--course-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="an nbgrader course folder: grades DIR/submitted into DIR/gradebook.db "
        "(unless SUBMISSIONS_DIR or --gradebook say otherwise)",
    )
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

    rp = sub.add_parser(
        "report",
        help="rebuild the reports from the results store, or list changed scores",
        description=(
            "Rebuild OUT's reports from OUT/results.db without grading anything, or with "
            "--changes list the students whose latest grading changed their score (a new "
            "submission or a new spec), so that no change is published by surprise."
        ),
    )
    rp.add_argument("--out", type=Path, default=Path("reports"), help="report folder (reports)")
    rp.add_argument("--changes", action="store_true", help="list changed scores only")
    rp.add_argument("--no-html", action="store_true", help="skip the HTML pages")
    _common(rp)
    rp.set_defaults(run=_report)

    gs = sub.add_parser(
        "gradescope",
        help="build Gradescope's autograder.zip",
        description=(
            "Build autograder.zip (setup.sh, run_autograder, this package, the spec and the "
            "reference) to upload as a Gradescope programming assignment's autograder."
        ),
    )
    gs.add_argument("--assignment", type=Path, default=None, help="assignment folder")
    gs.add_argument("--out", type=Path, default=Path("build"), help="folder for autograder.zip")
    gs.set_defaults(run=_gradescope)

    r = sub.add_parser(
        "release",
        help="check the solutions, then build the student release (notebook + Python bundle)",
        description=(
            "Grade the reference solution (it must get full marks), write the course's source "
            "notebook from the spec and grade its solution, run `nbgrader generate_assignment "
            "--force`, write the plain-Python bundle (OUT/<assignment>-python/: stub, public "
            "tests, README), and check that no released file holds solution code or anything "
            "of a hidden test."
        ),
    )
    _course(r)
    r.add_argument(
        "--out",
        type=Path,
        default=None,
        help="release folder (default: COURSE_DIR/release, nbgrader's release folder)",
    )
    _common(r)
    r.set_defaults(run=_release)

    n = sub.add_parser(
        "notebook",
        help="write the course's source notebook from the spec",
        description=(
            "Write COURSE_DIR/source/<assignment>/<assignment>.ipynb from assignment.toml: the "
            "explanation, one solution cell per function and one graded test cell per question "
            "(grade_id = question id, points from the spec) asserting on the public cases. The "
            "solution bodies are kept from the existing notebook, or taken from --solution."
        ),
    )
    _course(n)
    n.add_argument(
        "--solution",
        type=Path,
        default=None,
        metavar="FILE",
        help="a .py file defining the functions: their bodies become the notebook's solutions",
    )
    n.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if the notebook differs from what the spec gives",
    )
    n.add_argument(
        "--assignment",
        type=Path,
        default=None,
        help="assignment folder holding assignment.toml (default: assignments/convolution)",
    )
    n.set_defaults(run=_notebook)
    return p


def _course(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--course-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="the nbgrader course folder, holding nbgrader_config.py (default: assignments)",
    )


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


def _grade(args: argparse.Namespace) -> int:
    course = _course_dir(args) if args.course_dir is not None else None
    root = args.submissions
    if root is None and course is not None:
        root = course / "submitted"
    if root is None:
        root = Path("submissions")
        if not root.is_dir() or not any(p for p in root.iterdir() if not p.name.startswith(".")):
            print(f"{root}/ is empty or missing: grading the demo class in {DEMO}/")
            root = DEMO
    if not root.is_dir():
        raise UsageError(f"no submissions folder at {root}")
    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    grader = _grader(args)
    db_url = args.gradebook
    if db_url is None and course is not None:
        db_url = nbgrader_bridge.default_db_url(course)
    subs = find_submissions(root, grader.spec)
    if not args.quiet:
        print(
            f"Grading {len(subs)} submissions of '{grader.spec.name}' from {root}/ "
            f"(sandbox: {grader.sandbox.mode}, {args.jobs} at a time)",
            flush=True,
        )
    bar = None if args.quiet else _Progress()
    with tempfile.TemporaryDirectory(prefix="grader-notebooks-") as tmp:
        todo = notebook.for_grading(subs, Path(tmp))
        index = {t.student: s for t, s in zip(todo, subs, strict=True)}

        def progress(done: int, total: int, rep: GradeReport) -> None:
            rep = notebook.original_source(rep, index[rep.student])
            files.write_student(rep, args.out)  # nothing finished is lost if the run dies
            if pages is not None:
                pages(rep)
            if bar is not None:
                bar(done, total, rep)

        with (
            Store(args.out / STORE_NAME) as store,
            contextlib.nullcontext(None)
            if args.no_html
            else PageWriter(grader.cases, args.out, students=len(subs)) as pages,
        ):
            if args.scheduler:
                from .distributed import grade_on_cluster

                graded = grade_on_cluster(
                    grader,
                    todo,
                    args.scheduler,
                    progress=progress,
                    store=store,
                    regrade=args.regrade,
                )
            else:
                graded = grader.grade_all(
                    todo,
                    jobs=args.jobs,
                    progress=progress,
                    store=store,
                    regrade=args.regrade,
                    summaries=True,
                )
    reports = tuple(
        notebook.original_source(rep, sub) for rep, sub in zip(graded.reports, subs, strict=True)
    )
    cls = dataclasses.replace(graded, reports=reports)
    if bar is not None:
        bar.finish()
    written = files.write_class(cls, args.out)
    if not args.no_html:
        written |= _write_dashboard(cls, args.out)
    if not args.quiet:
        print(terminal.class_table(cls, mistake_titles()))
        if cls.reused:
            print(
                f"{cls.reused} results were reused from {args.out / STORE_NAME} (same file, "
                "same spec); --regrade grades them again."
            )
        _print_written(written)
    _warn_pages(pages)
    if db_url is not None:
        _write_gradebook(args, db_url, course, root, grader, cls)
    return 0


def _warn_pages(pages: PageWriter | None) -> None:
    """Say loudly which students' HTML pages could not be written (grading went on)."""
    if pages is None or not pages.failed:
        return
    names = ", ".join(f"{student} ({why})" for student, why in pages.failed[:10])
    more = f" and {len(pages.failed) - 10} more" if len(pages.failed) > 10 else ""
    print(
        f"WARNING: the HTML page of {len(pages.failed)} "
        f"student{'s' if len(pages.failed) != 1 else ''} could not be written: "
        f"{names}{more}. Their results.json and every other report are complete; "
        "`grader report` writes the pages again.",
        file=sys.stderr,
    )


def _write_gradebook(
    args: argparse.Namespace,
    db_url: str,
    course: Path | None,
    root: Path,
    grader: Grader,
    cls: ClassReport,
) -> None:
    if course is None and (root.parent / nbgrader_bridge.CONFIG).is_file():
        course = root.parent
    course_id = nbgrader_bridge.course_id(course) if course is not None else ""
    entries = []
    skipped = []
    for rep in cls.reports:
        folder = root / rep.student
        if not folder.is_dir():
            skipped.append(rep.student)
            continue
        stamp = nbgrader_bridge.read_timestamp(folder / grader.spec.name)
        entries.append(nbgrader_bridge.GradebookEntry(rep.student, rep, stamp))
    result = nbgrader_bridge.write_gradebook(
        db_url, course_id=course_id, spec=grader.spec, entries=entries
    )
    print(
        f"Gradebook: scores of {len(result.written)} submissions written to {db_url} "
        f"(course '{result.course_id}', assignment '{result.assignment}', "
        f"notebook '{result.notebook}')."
    )
    if skipped:
        print(f"Not in the gradebook (not a <student>/ folder): {', '.join(skipped)}")
    if result.registered:
        print(
            f"Note: `nbgrader generate_assignment {result.assignment}` had not run on this "
            "gradebook, so the grader registered the notebook's grade cells itself. nbgrader "
            "will now refuse to generate the assignment again (its cells would change after "
            "submissions): run `grader release` before collecting submissions."
        )
    if result.flagged:
        print("NEEDS MANUAL GRADING (flagged in the gradebook, no score written):")
        for student, reason in result.flagged:
            print(f"  {student}: {reason}")


def _check(args: argparse.Namespace) -> int:
    path: Path = args.file
    if not path.is_file():
        raise UsageError(f"no file at {path}")
    grader = _grader(args, verify=False)
    sub = Submission(path.stem, path)
    with tempfile.TemporaryDirectory(prefix="grader-notebooks-") as tmp:
        (todo,) = notebook.for_grading([sub], Path(tmp))
        report = notebook.original_source(grader.grade(todo, visible_only=True), sub)
    print(terminal.check_text(report, footer=hidden_summary(grader.spec)))
    return 0 if report.score == report.max_score and report.cases else 1


def _write_dashboard(cls: ClassReport, out: Path) -> dict[str, Path]:
    """The class dashboard OUT/index.html (the students' pages are written as they finish)."""
    from .report import html

    files.write_chunks(out / "index.html", html.stream_class(cls, mistake_titles(), page_link))
    return {"html": out / "html", "dashboard": out / "index.html"}


def _print_written(written: dict[str, Path]) -> None:
    print(f"\nReports: {written['results']}/<student>.json, {written['csv']}, {written['summary']}")
    if "dashboard" in written:
        print(
            f"         {written['dashboard']} (class dashboard), {written['html']}/<student>.html"
        )


def _report(args: argparse.Namespace) -> int:
    path = args.out / STORE_NAME
    if not path.is_file():
        raise UsageError(f"no results store at {path}: run `grader grade --out {args.out}` first")
    grader = Grader.create(_assignment(args), sandbox="process", verify=False)
    with Store(path) as store:
        if args.changes:
            changes = store.changes(grader.spec.name)
            if not changes:
                print("No score changed at the latest grading.")
            for c in changes:
                print(
                    f"{c.student}: {c.old_score:g} -> {c.new_score:g} of {c.max_score:g} "
                    f"({c.why}; graded {c.when})"
                )
            return 0
        reports = tuple(store.current(grader.spec.name))
    cls = ClassReport(
        assignment=grader.spec.name,
        reports=reports,
        max_score=grader.spec.max_score,
        sandbox=",".join(sorted({r.sandbox for r in reports})) or "-",
        seconds=sum(r.seconds for r in reports),
        started="(from the results store)",
        reused=len(reports),
    )
    pages = None if args.no_html else PageWriter(grader.cases, args.out, students=len(reports))
    with pages if pages is not None else contextlib.nullcontext():
        for rep in reports:
            files.write_student(rep, args.out)
            if pages is not None:
                pages(rep)
    _warn_pages(pages)
    written = files.write_class(cls, args.out)
    if not args.no_html:
        written |= _write_dashboard(cls, args.out)
    print(terminal.class_table(cls, mistake_titles()))
    _print_written(written)
    return 0


def _gradescope(args: argparse.Namespace) -> int:
    from .gradescope_zip import build_zip

    project = Path(__file__).resolve().parent.parent
    path = build_zip(project, _assignment(args), args.out)
    print(f"Built {path}: upload it as the autograder of a Gradescope programming assignment.")
    return 0


def _release(args: argparse.Namespace) -> int:
    from .release import release

    course = _course_dir(args)
    grader = _grader(args)
    print(f"Releasing '{grader.spec.name}' from the course in {course}/", flush=True)
    release(grader, course, out=args.out, step=lambda line: print(line, flush=True))
    return 0


def _notebook(args: argparse.Namespace) -> int:
    from .reference import prepare
    from .spec import load_spec

    course = _course_dir(args)
    spec = load_spec(_assignment(args))
    if args.solution is not None and not Path(args.solution).is_file():
        raise UsageError(f"no file at {args.solution}")
    result = notebook.write_source(
        course, spec, solution_file=args.solution, cases=prepare(spec), check_only=args.check
    )
    if result.missing_solutions:
        print(
            f"{result.path}: no solution yet for {', '.join(result.missing_solutions)} "
            "(pass --solution FILE)",
            file=sys.stderr,
        )
    if args.check:
        state = "differs from" if result.changed else "matches"
        print(f"{result.path} {state} the notebook the spec gives")
        return 1 if result.changed else 0
    print(f"{result.path}: {'written' if result.changed else 'already up to date'}")
    return 0


class _Progress:
    """A progress bar on stderr, redrawn at most 10 times a second."""

    def __init__(self, label: str = "") -> None:
        self.tty = sys.stderr.isatty()
        self.last = 0.0
        self.step = 0
        self.label = f"{label} " if label else ""

    def __call__(self, done: int, total: int, rep: GradeReport) -> None:
        now = time.monotonic()
        if self.tty:
            if now - self.last >= 0.1 or done == total:
                line = self.label + terminal.progress_line(done, total, rep)
                sys.stderr.write("\r" + line + "\x1b[K")
                sys.stderr.flush()
                self.last = now
        elif done == total or done * 10 // max(total, 1) > self.step:
            self.step = done * 10 // max(total, 1)
            line = self.label + terminal.progress_line(done, total, rep)
            print(line, file=sys.stderr, flush=True)

    def finish(self) -> None:
        if self.tty:
            sys.stderr.write("\n")
            sys.stderr.flush()
