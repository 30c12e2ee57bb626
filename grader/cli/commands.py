"""The other commands: check, report, gradescope, release, notebook."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from ..core.results import ClassReport, GradeReport
from ..core.service import Grader, hidden_summary, mistake_titles
from ..core.spec import Assignment
from ..core.store import Change, Roster, Store, spec_hash
from ..core.submissions import Submission
from ..errors import UsageError
from ..integrations import notebook
from ..report import files, terminal
from ..report.pages import PageWriter
from .common import STORE_NAME, _assignment, _course_dir, _grader, _print_written, _write_dashboard
from .grade import _not_graded
from .outputs import _check_writable, _forget_others, _manifest, _print_removed, _warn_pages


def _check(args: argparse.Namespace) -> int:
    path: Path = args.file
    if not path.is_file():
        raise UsageError(f"no file at {path}")
    grader = _grader(args, verify=False)
    sub = Submission(path.stem, path)
    report = grader.grade(sub, visible_only=True)
    print(terminal.check_text(report, footer=hidden_summary(grader.spec)))
    return 0 if report.score == report.max_score and report.cases else 1


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
    from ..integrations.gradescope_zip import build_zip

    project = Path(__file__).resolve().parent.parent
    path = build_zip(project, _assignment(args), args.out)
    print(f"Built {path}: upload it as the autograder of a Gradescope programming assignment.")
    return 0


def _release(args: argparse.Namespace) -> int:
    from ..integrations.release import release

    course = _course_dir(args)
    grader = _grader(args)
    print(f"Releasing '{grader.spec.name}' from the course in {course}/", flush=True)
    release(grader, course, out=args.out, step=lambda line: print(line, flush=True))
    return 0


def _notebook(args: argparse.Namespace) -> int:
    from ..core.reference import prepare
    from ..core.spec import load_spec

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
