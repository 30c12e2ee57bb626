"""Back-to-back submissions on the same warm workers never disturb one another."""

from __future__ import annotations

import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from grader import Grader, GradeReport, Submission
from grader.core.service import _in_order

from .conftest import ASSIGNMENT, DEMO, FIXTURES, SANDBOX, fast

# (file, score) of kinds whose process ends in different ways: answers everything, exits in
# the middle of a call, crashes, raises, is wrong; each must get exactly its own score.
MIX = [
    (DEMO / "ben_vectorized" / "convolution.py", 16.0),
    (FIXTURES / "os_exit.py", None),
    (DEMO / "chen_flipped" / "convolution.py", None),
    (FIXTURES / "crashes_segfault.py", None),
    (DEMO / "ada_loops" / "convolution.py", 16.0),
    (FIXTURES / "raises.py", None),
    (DEMO / "ivy_notebook" / "convolution.ipynb", 16.0),
]


@pytest.mark.parametrize("mode", sorted({"process", "bwrap" if SANDBOX == "auto" else SANDBOX}))
def test_many_submissions_on_few_workers_each_get_their_own_verdict(
    mode: str, tmp_path: Path
) -> None:
    """A killed submission's process must be gone before the next one's requests arrive (a
    dying process could still read them); nothing of one submission reaches the next."""
    grader = fast(Grader.create(ASSIGNMENT, sandbox=mode, verify=False))
    alone = {
        path: grader.grade(Submission(path.stem, path)).score for path, _ in MIX
    }  # each one graded on its own, on a fresh worker
    for path, score in MIX:
        if score is not None:
            assert alone[path] == score, path
    subs = []
    for i in range(140):
        path = MIX[i % len(MIX)][0]
        folder = tmp_path / f"s{i:03d}"
        folder.mkdir()
        shutil.copy(path, folder / path.name)
        subs.append((Submission(folder.name, folder / path.name), path))
    cls = grader.grade_all([s for s, _ in subs], jobs=3)
    got = {r.student: r for r in cls.reports}
    for sub, path in subs:
        report = got[sub.student]
        assert report.score == alone[path], (sub.student, path.name, report.problems)
        assert not any(c.outcome == "timeout" for c in report.cases), sub.student


def test_summaries_keep_what_class_reports_need_and_share_equal_results(tmp_path: Path) -> None:
    """A big class's run keeps, per student, only a summary once the student's own files
    are written: no returned arrays, printed numbers or output; equal results shared."""
    grader = fast(Grader.create(ASSIGNMENT, sandbox="process", verify=False))
    subs = []
    for i, path in enumerate([MIX[0][0], MIX[4][0], MIX[2][0]]):
        folder = tmp_path / f"s{i}"
        folder.mkdir()
        shutil.copy(path, folder / path.name)
        subs.append(Submission(folder.name, folder / path.name))
    seen = {}

    def progress(done: int, total: int, rep: GradeReport) -> None:
        seen[rep.student] = rep

    cls = grader.grade_all(subs, jobs=2, progress=progress, summaries=True)
    full = seen["s2"]  # chen_flipped: wrong visible answers, with pictures and numbers
    assert any(c.got is not None for c in full.cases) and any(c.details for c in full.cases)
    for rep in cls.reports:
        assert all(c.got is None and not c.details for c in rep.cases)
        assert rep.output == ""
        assert rep.score == seen[rep.student].score
        assert [c.message for c in rep.cases] == [c.message for c in seen[rep.student].cases]
    a, b = cls.reports[0].cases, cls.reports[1].cases  # two correct students
    assert all(x is y for x, y in zip(a, b, strict=True))


def test_grading_runs_a_bounded_number_of_submissions_ahead() -> None:
    """While the caller is busy with a finished report (writing its pages), at most `ahead`
    more are graded: finished reports never pile up in memory."""
    started: list[int] = []

    def work(item: int) -> int:
        started.append(item)
        return item

    with ThreadPoolExecutor(2) as threads:
        results = _in_order(threads, work, list(range(100)), ahead=5)  # type: ignore[arg-type]
        assert next(results) == 0
        time.sleep(0.2)  # the caller is slow
        assert len(started) <= 6
        assert list(results) == list(range(1, 100))
