"""The command line: argv -> service call -> exit code. The only module that prints or exits.

Exit codes:
    0  grading completed (whatever the scores); `check`: every public test passed
    1  `check`: some public test failed
    2  usage or spec error (the instructor's to fix)
    3  the sandbox could not start
    4  the reference solution disagrees with scipy (nobody is graded)
    5  the results store or a report could not be written once grading had started;
       `release`: a solution is not full marks, or the release would give something away
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import difflib
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from .core import locate
from .core.results import CaseResult, ClassReport, GradeReport
from .core.service import Grader, find_submissions, hidden_summary, mistake_titles
from .core.spec import Assignment
from .core.store import Change, Roster, Store, file_hash, spec_hash
from .core.submissions import Submission, read_source
from .errors import GraderError, OutputError, UsageError
from .integrations import nbgrader_bridge, notebook
from .report import files, terminal
from .report.pages import PageWriter, page_link

DEFAULT_COURSE = Path("assignments")
DEMO = "demo"  # an exercise's demo class: exercises/NAME/demo
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
        # No claim about the results store here: `grade` says itself what it committed.
        print(f"grader: error: {_os_error(exc)}", file=sys.stderr)
        return 5


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="grader",
        description=(
            "Grade array-programming exercises in a sandbox. Student code runs in a separate, "
            "isolated process; the grader compares the plain numbers it returns."
        ),
        epilog="Start with: grader grade   (or: grader check my_solution.py)",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    g = sub.add_parser(
        "grade",
        help="grade every submission in a folder and write the reports",
        description=(
            "Grade every submission in SUBMISSIONS_DIR: <student>.py, <student>.ipynb, "
            "<student>/<module>.py, <student>/<any>.ipynb, or nbgrader's "
            "<student>/<assignment>/ layout. Writes OUT/results/<student>.json (Gradescope "
            "format), OUT/grades.csv and OUT/summary.json, and prints the class table. "
            "Without SUBMISSIONS_DIR, grades ./submissions, or the demo class in "
            "examples/submissions when that is empty; an nbgrader course folder (holding "
            "nbgrader_config.py) is graded as with --course-dir. The folder is the class: "
            "OUT's reports list exactly its students (the files of students no longer in it "
            "are removed), whatever else OUT's results store remembers."
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
        "--student",
        metavar="ID",
        default=None,
        help="grade only this student of SUBMISSIONS_DIR (again, whatever the store holds); "
        "the class reports are rebuilt for the whole class, the others' results taken from "
        "the store",
    )
    g.add_argument(
        "--new-class",
        action="store_true",
        help="make SUBMISSIONS_DIR OUT's class even when it holds only some of the students "
        "OUT's class was graded from another folder (refused otherwise)",
    )
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
        help="exercise folder holding assignment.toml (default: see `grader --help`)",
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
        help="exercise folder holding assignment.toml (default: see `grader --help`)",
    )
    p.add_argument(
        "--sandbox",
        choices=("auto", "bwrap", "process"),
        default="auto",
        help="auto: bubblewrap when it works, else a plain child process (with a warning)",
    )


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


def _grade(args: argparse.Namespace) -> int:
    course, root = _grade_root(args)
    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    grader = _grader(args)
    _check_writable(args.out)  # before anything is graded
    spec = grader.spec
    db_url = args.gradebook
    if db_url is None and course is not None:
        db_url = nbgrader_bridge.default_db_url(course)
    subs = find_submissions(root, spec)
    students = [s.student for s in subs]
    if args.student is not None and args.student not in students:
        raise UsageError(_unknown_student(args.student, students, root))
    bar = None if args.quiet else _Progress()
    committed = [0]  # results of this run known to be in the store (for an error's message)
    with Store(args.out / STORE_NAME) as store:
        _same_class_or_refuse(store.roster(spec.name), root, students, args)
        kept: dict[str, GradeReport] = {}
        if args.student is not None:
            kept = _kept_results(store, grader, subs, args.student, root, args.out)
        store.set_roster(spec.name, str(root.resolve()), students)
        before = _manifest(args.out)
        _write_manifest(args.out, before | _student_files(students, html=not args.no_html))
        selected = [t for t in subs if args.student in (None, t.student)]
        if not args.quiet:
            also = f" ({len(kept)} others from the store)" if args.student else ""
            print(
                f"Grading {len(selected)} submissions of '{spec.name}' from {root}/{also} "
                f"(sandbox: {grader.sandbox.mode}, {args.jobs} at a time)",
                flush=True,
            )
        try:
            with (
                contextlib.nullcontext(None)
                if args.no_html
                else PageWriter(grader.cases, args.out, students=len(subs)) as pages
            ):

                def progress(done: int, total: int, rep: GradeReport) -> None:
                    committed[0] = len(kept) + done  # saved before progress is called
                    files.write_student(rep, args.out)  # nothing finished is lost
                    if pages is not None:
                        pages(rep)
                    if bar is not None:
                        bar(done, total, rep)

                graded = _grade_selected(args, grader, selected, store, progress)
                for rep in kept.values():  # the class's other students, from the store
                    files.write_student(rep, args.out)
                    if pages is not None:
                        pages(rep)
            if bar is not None:
                bar.finish()
            cls = _the_class(graded, kept, subs)
            written = files.write_class(cls, args.out)
            if not args.no_html:
                written |= _write_dashboard(cls, args.out, mistake_titles(grader.spec))
            removed = _forget_others(args.out, before, students, html=not args.no_html)
        except OSError as exc:
            raise OutputError(
                _stopped(exc, committed[0], len(subs), args.out / STORE_NAME)
            ) from exc
    if not args.quiet:
        print(terminal.class_table(cls, mistake_titles(grader.spec)))
        print(_run_line(cls, args.out / STORE_NAME))
        _print_written(written)
    _print_removed(removed)
    _warn_pages(pages)
    if db_url is not None:
        _write_gradebook(args, db_url, course, root, grader, cls)
    return 0


def _grade_root(args: argparse.Namespace) -> tuple[Path | None, Path]:
    """The nbgrader course (if any) and the submissions folder `grader grade` grades.

    An nbgrader course root given as SUBMISSIONS_DIR (it holds nbgrader_config.py) is graded
    as with --course-dir: its submitted/ folder, into its gradebook.
    """
    course = _course_dir(args) if args.course_dir is not None else None
    root = args.submissions
    if course is None and root is not None and (root / nbgrader_bridge.CONFIG).is_file():
        if not (root / "submitted").is_dir():
            raise UsageError(
                f"{root} is an nbgrader course ({nbgrader_bridge.CONFIG}) without a submitted/ "
                "folder: collect the submissions first (`nbgrader collect`), or pass the "
                "folder that holds them"
            )
        course, root = root, root / "submitted"
        if not args.quiet:
            print(f"{course} is an nbgrader course: grading it as --course-dir {course} does")
    if root is None and course is not None:
        root = course / "submitted"
    if root is None:
        root = Path("submissions")
        if not root.is_dir() or not any(p for p in root.iterdir() if not p.name.startswith(".")):
            demo = _assignment(args) / DEMO
            print(f"{root}/ is empty or missing: grading the demo class in {demo}/")
            root = demo
    if not root.is_dir():
        raise UsageError(f"no submissions folder at {root}")
    return course, root


def _grade_selected(
    args: argparse.Namespace,
    grader: Grader,
    selected: list[Submission],
    store: Store,
    progress: Callable[[int, int, GradeReport], None],
) -> ClassReport:
    """Grade the submissions of this run (all of them, or the one --student names)."""
    regrade = args.regrade or args.student is not None
    if args.scheduler:
        from .integrations.distributed import grade_on_cluster

        return grade_on_cluster(
            grader, selected, args.scheduler, progress=progress, store=store, regrade=regrade
        )
    return grader.grade_all(
        selected, jobs=args.jobs, progress=progress, store=store, regrade=regrade, summaries=True
    )


def _the_class(
    graded: ClassReport, kept: dict[str, GradeReport], subs: list[Submission]
) -> ClassReport:
    """The whole class in the folder's order: this run's results and, with --student, the
    others' results from the store; each report names the student's own file."""
    fresh = {r.student: r for r in graded.reports}
    reports = tuple(fresh.get(s.student) or kept[s.student].summary() for s in subs)
    return dataclasses.replace(graded, reports=reports, reused=graded.reused + len(kept))


def _run_line(cls: ClassReport, store: Path) -> str:
    """What this run did: how many results were graded now and how many reused."""
    n = len(cls.reports)
    fresh = n - cls.reused
    if not cls.reused:
        return f"{fresh} graded in {cls.seconds:.1f} s (none reused from {store})."
    return (
        f"{cls.reused} reused from the store ({fresh} graded) in {cls.seconds:.1f} s: a result "
        f"stored in {store} for the same file, spec and grader is reused; --regrade grades "
        "them again."
    )


def _same_class_or_refuse(
    roster: Roster | None, root: Path, students: list[str], args: argparse.Namespace
) -> None:
    """Refuse to rewrite OUT's class as a part of itself graded from another folder.

    A folder is the class: grading it again (students added or removed) or grading another
    class into OUT replaces OUT's class. But a folder holding only some of OUT's students
    (say one late submission) from elsewhere is almost surely not meant to become the class.
    """
    if roster is None or args.new_class or roster.folder == str(root.resolve()):
        return
    old, new = set(roster.students), set(students)
    if not new < old:
        return
    shown = ", ".join(terminal.line(s) for s in students[:5]) + (", ..." if len(new) > 5 else "")
    raise UsageError(
        f"{args.out} holds the class of {len(old)} students graded from {roster.folder}; "
        f"{root} holds only {len(new)} of them ({shown or 'none'}). Grading it would rewrite "
        f"the class's reports as a class of {len(new)}. To regrade one student within the "
        f"class, put the file in {roster.folder} and run `grader grade {roster.folder} --out "
        f"{args.out} --student ID`; to make {root} the whole class, add --new-class; or "
        "choose another --out."
    )


def _kept_results(
    store: Store, grader: Grader, subs: list[Submission], student: str, root: Path, out: Path
) -> dict[str, GradeReport]:
    """--student: every other student's stored result, which must still be up to date
    (graded from the same file under the same spec and grader), else nothing is graded."""
    key = spec_hash(grader.spec)
    kept: dict[str, GradeReport] = {}
    stale = []
    for sub in subs:
        if sub.student == student:
            continue
        old = store.lookup(grader.spec.name, sub.student, file_hash(read_source(sub)[0]), key)
        if old is None:
            stale.append(sub.student)
        else:
            kept[sub.student] = old
    if stale:
        shown = ", ".join(terminal.line(s) for s in stale[:10])
        more = f" and {len(stale) - 10} more" if len(stale) > 10 else ""
        raise UsageError(
            f"--student {terminal.line(student)}: {len(stale)} other students of {root} have "
            f"no up-to-date result in {out / STORE_NAME} (a new or changed file, a new spec "
            f"or grader): {shown}{more}. Grade the class first: grader grade {root} --out {out}"
        )
    return kept


def _unknown_student(student: str, students: list[str], root: Path) -> str:
    starts = [s for s in students if s.startswith(student)]
    close = list(dict.fromkeys(starts + difflib.get_close_matches(student, students, n=3)))[:3]
    hint = f" (did you mean {', '.join(terminal.line(s) for s in close)}?)" if close else ""
    return f"--student {terminal.line(student)}: no such student in {root}{hint}"


def _not_graded(spec: Assignment, student: str, why: str) -> GradeReport:
    """A row for a student of the class without a result to report: not graded, no score."""
    cases = tuple(
        CaseResult(
            question=q.id,
            name=c.name,
            description=c.description,
            points=0.0,
            max_points=c.points,
            status="failed",
            outcome="not_run",
            visibility=c.visibility,
            message=why,
        )
        for q, c in spec.all_cases()
    )
    return GradeReport(
        student=student,
        source="",
        cases=cases,
        score=0.0,
        max_score=spec.max_score,
        seconds=0.0,
        sandbox="-",
        problems=(why,),
        graded=False,
    )


def _check_writable(out: Path) -> None:
    """UsageError (exit 2) unless the reports can be written in `out` (made if missing)."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        for folder in (out, out / "results", out / "html"):
            if folder.exists() and not folder.is_dir():
                raise NotADirectoryError(20, "Not a directory", str(folder))
            if folder.is_dir():
                with tempfile.TemporaryFile(dir=folder, prefix=".grader-probe-"):
                    pass
        store = out / STORE_NAME
        if store.exists():
            with store.open("r+b"):
                pass
    except OSError as exc:
        raise UsageError(
            f"cannot write the reports to {out}: {_os_error(exc)}. Nothing was graded; "
            "fix the folder or choose another --out."
        ) from None


def _os_error(exc: OSError) -> str:
    where = f" ({exc.filename})" if exc.filename else ""
    return f"cannot read or write a file{where}: {exc.strerror or exc}"


def _stopped(exc: OSError, committed: int, total: int, store: Path) -> str:
    """The message of a run stopped by a file it could not write: what is safe, exactly."""
    if committed:
        kept = (
            f"The {committed} of {total} results graded so far are committed to {store} "
            "and will not be graded again"
        )
    else:
        kept = "No result of this run had been committed to the results store yet"
    return f"{_os_error(exc)}. {kept}; fix this and run the same command again to finish."


# --- the files of a class: OUT/.grader-manifest.json --------------------------------------------

MANIFEST = ".grader-manifest.json"
CLASS_FILES = frozenset({"grades.csv", "summary.json"})
DASHBOARD = "index.html"


def _student_files(students: Iterable[str], *, html: bool) -> set[str]:
    """The files a run writes, relative to OUT: the class's and each student's."""
    out = set(CLASS_FILES | ({DASHBOARD} if html else set()))
    for student in students:
        out.add(f"results/{files.student_filename(student)}.json")
        if html:
            out.add(page_link(student))
    return out


def _manifest(out: Path) -> set[str]:
    """The files earlier runs wrote in OUT (what the grader may remove, and nothing else)."""
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    listed = data.get("files") if isinstance(data, dict) else None
    return {f for f in listed if isinstance(f, str)} if isinstance(listed, list) else set()


def _write_manifest(out: Path, written: set[str]) -> None:
    files.write_json(
        out / MANIFEST,
        {"written_by": "grader", "files": sorted(written)},
    )


def _forget_others(out: Path, before: set[str], students: list[str], *, html: bool) -> list[str]:
    """Remove the files earlier runs wrote for students no longer in the class; record what
    OUT now holds. Returns the files removed (relative to OUT)."""
    keep = _student_files(students, html=True)
    removed = []
    for rel in sorted(before - keep):
        path = out / rel
        if not _ours(rel) or path.is_symlink() or not path.is_file():
            continue
        path.unlink()
        removed.append(rel)
    _write_manifest(out, (before & keep) | _student_files(students, html=html))
    return removed


def _ours(rel: str) -> bool:
    """True for a path a run writes: results/<name>.json or html/<name>.html, nothing else."""
    parts = rel.split("/")
    return (
        len(parts) == 2
        and not parts[1].startswith(".")
        and (parts[0], Path(parts[1]).suffix) in (("results", ".json"), ("html", ".html"))
    )


def _print_removed(removed: list[str]) -> None:
    if removed:
        shown = ", ".join(terminal.line(r) for r in removed[:6])
        more = f" and {len(removed) - 6} more" if len(removed) > 6 else ""
        print(
            f"Removed {len(removed)} report files of students no longer in the class: "
            f"{shown}{more}."
        )


def _warn_pages(pages: PageWriter | None) -> None:
    """Say loudly which students' HTML pages could not be written (grading went on)."""
    if pages is None or not pages.failed:
        return
    names = ", ".join(
        f"{terminal.line(student)} ({terminal.line(why)})" for student, why in pages.failed[:10]
    )
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
    from .integrations.nbgrader_feedback import (
        announce_autograded,  # autograded/ for nbgrader feedback
    )

    announce_autograded(course, result, grader.spec, entries)
    if skipped:
        print(
            "Not in the gradebook (not a <student>/ folder): "
            + ", ".join(terminal.line(s) for s in skipped)
        )
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
            print(f"  {terminal.line(student)}: {terminal.line(reason, 1000)}")


def _check(args: argparse.Namespace) -> int:
    path: Path = args.file
    if not path.is_file():
        raise UsageError(f"no file at {path}")
    grader = _grader(args, verify=False)
    sub = Submission(path.stem, path)
    report = grader.grade(sub, visible_only=True)
    print(terminal.check_text(report, footer=hidden_summary(grader.spec)))
    return 0 if report.score == report.max_score and report.cases else 1


def _write_dashboard(cls: ClassReport, out: Path, titles: dict[str, str]) -> dict[str, Path]:
    """The class dashboard OUT/index.html (the students' pages are written as they finish)."""
    from .report import html

    files.write_chunks(out / "index.html", html.stream_class(cls, titles, page_link))
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
    spec = grader.spec
    with Store(path) as store:
        roster = store.roster(spec.name)
        keys = store.current_keys(spec.name)
        students = list(roster.students) if roster is not None else sorted(keys)
        if args.changes:
            _print_changes(store.changes(spec.name, set(students)))
            return 0
        _check_writable(args.out)
        current = {r.student: r for r in store.current(spec.name, spec_hash(spec))}
    reports = tuple(
        current.get(s)
        or _not_graded(
            spec,
            s,
            "Not graded under the current spec and grader: its stored result was graded under "
            "an older one. `grader grade` grades it again."
            if s in keys
            else "No result in the results store: `grader grade` grades it.",
        )
        for s in students
    )
    graded = [r for r in reports if r.student in current]
    cls = ClassReport(
        assignment=spec.name,
        reports=reports,
        max_score=spec.max_score,
        sandbox=",".join(sorted({r.sandbox for r in graded})) or "-",
        seconds=sum(r.seconds for r in graded),
        started="(from the results store)",
        reused=len(graded),
    )
    before = _manifest(args.out)
    pages = None if args.no_html else PageWriter(grader.cases, args.out, students=len(reports))
    with pages if pages is not None else contextlib.nullcontext():
        for rep in reports:
            files.write_student(rep, args.out)
            if pages is not None:
                pages(rep)
    _warn_pages(pages)
    written = files.write_class(cls, args.out)
    if not args.no_html:
        written |= _write_dashboard(cls, args.out, mistake_titles(spec))
    removed = _forget_others(args.out, before, students, html=not args.no_html)
    print(terminal.class_table(cls, mistake_titles(spec)))
    print(_report_line(roster, spec, students, current, path))
    _print_written(written)
    _print_removed(removed)
    return 0


def _report_line(
    roster: Roster | None,
    spec: Assignment,
    students: list[str],
    current: dict[str, GradeReport],
    store: Path,
) -> str:
    """Which class and which results `grader report` reported, and what it left out."""
    if roster is None:
        whom = f"every student in {store} (it records no class: graded by an older grader)"
    else:
        whom = f"the class of {len(students)} graded from {roster.folder} ({roster.set_at})"
    line = (
        f"Reported {whom}, with the results of the current spec ({spec.path}, max score "
        f"{spec.max_score:g}) and grader only."
    )
    missing = [s for s in students if s not in current]
    if missing:
        shown = ", ".join(terminal.line(s) for s in missing[:10])
        more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        line += (
            f"\n{len(missing)} of them have no such result and are listed as NOT GRADED (no "
            f"score): {shown}{more}. Run `grader grade` on the class to grade them."
        )
    return line


def _print_changes(changes: list[Change]) -> None:
    """`grader report --changes`: each student whose grade moved; a new maximum said once."""
    if not changes:
        print("No score changed at the latest grading.")
        return
    maxima = sorted(
        {(c.old_max_score, c.max_score) for c in changes if c.old_max_score != c.max_score}
    )
    for old, new in maxima:
        print(
            f"The spec changed: the maximum score went from {old:g} to {new:g}. That is not "
            "listed as a change of anyone's score; a score that kept its share of the maximum "
            "(e.g. full marks) is not listed either."
        )
    listed = [c for c in changes if c.old_score != c.new_score and not c.rescaled]
    if not listed:
        print("No other score changed at the latest grading.")
    for c in listed:
        was = f"{c.old_score:g}" + (
            f" of {c.old_max_score:g}" if c.old_max_score != c.max_score else ""
        )
        print(
            f"{terminal.line(c.student)}: {was} -> {c.new_score:g} of "
            f"{c.max_score:g} ({c.why}; graded {c.when})"
        )


def _gradescope(args: argparse.Namespace) -> int:
    from .integrations.gradescope_zip import build_zip

    project = Path(__file__).resolve().parent.parent
    path = build_zip(project, _assignment(args), args.out)
    print(f"Built {path}: upload it as the autograder of a Gradescope programming assignment.")
    return 0


def _release(args: argparse.Namespace) -> int:
    from .integrations.release import release

    course = _course_dir(args)
    grader = _grader(args)
    print(f"Releasing '{grader.spec.name}' from the course in {course}/", flush=True)
    release(grader, course, out=args.out, step=lambda line: print(line, flush=True))
    return 0


def _notebook(args: argparse.Namespace) -> int:
    from .core.reference import prepare
    from .core.spec import load_spec

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
