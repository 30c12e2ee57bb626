"""Back-to-back submissions on the same warm workers never disturb one another."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader import Grader, Submission

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
