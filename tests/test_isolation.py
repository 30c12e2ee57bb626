"""One submission can never touch another: hostile files graded in one batch with controls.

Each attack in tests/isolation/ aims at the submissions graded before, after or beside it
(files and System V memory left behind, a surviving daemon, limits and signals sent to the
worker, ptrace, descriptor state, shrunk pipes, forged markers). The batch puts each attacker
before an accomplice (`friend_*`, which scores full marks only if an attacker's channel
reached it) and two controls (a correct and a wrong file); every one of them must get
exactly the score and marks it gets when graded alone, in both sandbox modes, with one warm
worker and with two. Process mode is only held to this where it isolates (as root).
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest

from grader import Grader, GradeReport, Submission
from grader.isolation.sandbox import process_isolation

from .conftest import ASSIGNMENT, FIXTURES, fast
from .test_attacks import marks

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent / "isolation"
ATTACKS = sorted(p for p in HERE.glob("*.py") if not p.name.startswith("friend_"))
FRIEND = HERE / "friend_reads_answers.py"
CONTROLS = (FIXTURES / "correct.py", FIXTURES / "wrong_shape.py")
MODES = ["bwrap"] + (["process"] if process_isolation() != "none" else [])


def expected_score(path: Path) -> float:
    """The score a file's first line says it earns on its own."""
    found = re.search(r"# expect: score=(\d+)", path.read_text())
    assert found, path
    return float(found.group(1))


def class_folder(tmp: Path) -> list[Submission]:
    """attacker, friend, correct, wrong — for every attacker, in that order."""
    subs = []
    for n, attack in enumerate(ATTACKS):
        for role, src in (("a", attack), ("f", FRIEND), ("c", CONTROLS[0]), ("w", CONTROLS[1])):
            student = f"{n:02d}{role}_{src.stem}"
            dst = tmp / f"{student}.py"
            shutil.copy(src, dst)
            subs.append(Submission(student, dst))
    return subs


@pytest.fixture(scope="module", params=MODES)
def mode_grader(request: pytest.FixtureRequest) -> Grader:
    return fast(Grader.create(ASSIGNMENT, sandbox=request.param), submission_timeout_s=6.0)


@pytest.fixture(scope="module")
def alone(mode_grader: Grader) -> dict[Path, GradeReport]:
    """Each file graded on a worker of its own."""
    files = [*ATTACKS, FRIEND, *CONTROLS]
    return {p: mode_grader.grade(Submission(p.stem, p)) for p in files}


def test_each_file_alone_earns_what_it_says(alone: dict[Path, GradeReport]) -> None:
    """Does every attack, the accomplice and the controls score as their code deserves?"""
    for path, rep in alone.items():
        if path in CONTROLS:
            continue
        assert rep.score == expected_score(path), (path.name, rep.problems, rep.output[:500])
    assert alone[CONTROLS[0]].score == 16 and alone[CONTROLS[1]].score < 16


@pytest.mark.parametrize("jobs", [1, 2])
def test_no_submission_reaches_another(
    mode_grader: Grader, alone: dict[Path, GradeReport], tmp_path: Path, jobs: int
) -> None:
    """Graded in one batch with the attackers, does every student get exactly its own score?"""
    subs = class_folder(tmp_path)
    started = time.monotonic()
    cls = mode_grader.grade_all(subs, jobs=jobs)
    took = time.monotonic() - started
    assert [r.student for r in cls.reports] == [s.student for s in subs]
    for sub, rep in zip(subs, cls.reports, strict=True):
        source = next(p for p in alone if p.read_bytes() == Path(str(sub.path)).read_bytes())
        want = alone[source]
        assert (rep.score, marks(rep)) == (want.score, marks(want)), (
            sub.student,
            rep.problems,
            [c.message for c in rep.cases if c.outcome != "passed"][:3],
        )
        if source == FRIEND:
            assert "friend found answers: False" in rep.output, rep.output[:300]
        if source in CONTROLS or source == FRIEND:
            assert "FORGED" not in rep.output and "grader-end" not in rep.output
        limit = mode_grader.spec.limits.submission_timeout_s
        assert rep.seconds < limit + 3.0, (sub.student, rep.seconds)
    assert took < 120


def test_the_worker_cannot_be_traced(alone: dict[Path, GradeReport]) -> None:
    """Can a submission ptrace its worker or write into the worker's memory?"""
    out = alone[HERE / "ptrace_worker.py"].output
    lines = [ln for ln in out.splitlines() if ln.startswith("ptrace ")]
    assert lines, out
    assert all("attach=-1 seize=-1 mem-write=False" in ln for ln in lines), lines


def test_forged_markers_stay_in_their_own_output(alone: dict[Path, GradeReport]) -> None:
    """Is text imitating the grader's markers kept as that student's own output only?"""
    rep = alone[HERE / "forged_markers.py"]
    assert "FORGED-OUTPUT-FROM-ANOTHER-STUDENT" in rep.output
    assert rep.score == 16
