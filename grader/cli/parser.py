"""The argument parser of every command."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from .commands import _check, _gradescope, _notebook, _release, _report
from .grade import _grade


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
