"""`grader grade`: grade a class into the store and the reports."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import difflib
from collections.abc import Callable
from pathlib import Path

from ..core.results import CaseResult, ClassReport, GradeReport
from ..core.service import Grader, find_submissions, mistake_titles
from ..core.spec import Assignment
from ..core.store import Roster, Store, file_hash, spec_hash
from ..core.submissions import Submission, read_source
from ..errors import OutputError, UsageError
from ..integrations import nbgrader_bridge
from ..report import files, terminal
from ..report.pages import PageWriter
from .common import (
    DEMO,
    STORE_NAME,
    _assignment,
    _course_dir,
    _grader,
    _print_written,
    _Progress,
    _write_dashboard,
)
from .outputs import (
    _check_writable,
    _forget_others,
    _manifest,
    _print_removed,
    _stopped,
    _student_files,
    _warn_pages,
    _write_manifest,
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
        from ..integrations.distributed import grade_on_cluster

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
    from ..integrations.nbgrader_feedback import (
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
