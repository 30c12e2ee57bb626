"""The results store: nothing finished is lost, nothing is graded twice, changes are listed."""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from grader import Grader, load_spec
from grader.core.service import find_submissions
from grader.core.store import Store, report_from_json, report_to_json

from .conftest import ASSIGNMENT, DEMO, ROOT, SANDBOX, fast

pytestmark = pytest.mark.slow


def _class(folder: Path, n: int) -> Path:
    """n submissions: correct and flipped in turn, each file distinct."""
    good = (DEMO / "ada_loops" / "convolution.py").read_text()
    bad = (DEMO / "chen_flipped" / "convolution.py").read_text()
    for i in range(n):
        d = folder / f"s{i:04d}"
        d.mkdir(parents=True)
        (d / "convolution.py").write_text((good if i % 2 == 0 else bad) + f"\n# {i}\n")
    return folder


def _course(tmp: Path) -> Path:
    """A copy of the assignment and its reference, free to edit."""
    shutil.copytree(ASSIGNMENT, tmp / "convolution", ignore=shutil.ignore_patterns("demo"))
    return tmp / "convolution"


def test_report_round_trips_through_the_store(grader: Grader) -> None:
    """Does a stored report come back equal, arrays included?"""
    path = DEMO / "chen_flipped" / "convolution.py"
    from grader import Submission

    report = grader.grade(Submission("chen", path))
    back = report_from_json(report_to_json(report))
    for a, b in zip(report.cases, back.cases, strict=True):
        assert dataclasses.replace(a, got=None) == dataclasses.replace(b, got=None)
        assert (a.got is None) == (b.got is None)
        if a.got is not None:
            assert np.array_equal(a.got, b.got)
    assert dataclasses.replace(report, cases=()) == dataclasses.replace(back, cases=())


def test_rerun_grades_only_what_changed(grader: Grader, tmp_path: Path) -> None:
    """Does a second run reuse every stored result, and re-grade just the changed file?"""
    root = _class(tmp_path / "subs", 6)
    subs = find_submissions(root, grader.spec)
    with Store(tmp_path / "results.db") as store:
        first = grader.grade_all(subs, store=store)
        again = grader.grade_all(subs, store=store)
        assert again.reused == 6
        assert [r.score for r in again.reports] == [r.score for r in first.reports]
        shutil.copy(DEMO / "ada_loops" / "convolution.py", root / "s0001" / "convolution.py")
        third = grader.grade_all(subs, store=store)
        assert third.reused == 5
        assert third.reports[1].score == 16
        forced = grader.grade_all(subs, store=store, regrade=True)
        assert forced.reused == 0


def test_changes_lists_exactly_what_moved(real_grader: Grader, tmp_path: Path) -> None:
    """After a new submission and new points in the spec, are exactly those changes listed?"""
    assignment = _course(tmp_path / "course")
    root = _class(tmp_path / "subs", 4)
    with Store(tmp_path / "results.db") as store:
        g = fast(Grader.create(assignment, sandbox=SANDBOX))
        g.grade_all(find_submissions(root, g.spec), store=store)
        assert store.changes(g.spec.name) == []
        # s0001 fixes the flip; the spec doubles one hidden 1-D case's points
        shutil.copy(DEMO / "ada_loops" / "convolution.py", root / "s0001" / "convolution.py")
        toml = assignment / "assignment.toml"
        text = toml.read_text()
        marker = 'name = "hidden_1d_len32"\nvisibility = "hidden"\npoints = 1'
        assert marker in text
        toml.write_text(text.replace(marker, marker[:-1] + "2"))
        g2 = fast(Grader.create(assignment, sandbox=SANDBOX))
        g2.grade_all(find_submissions(root, g2.spec), store=store)
        changes = {c.student: c for c in store.changes(g2.spec.name)}
    # every student gains a point of max score; correct students gain a point of score (the
    # same share: rescaled), flipped s0003 still fails that case, s0001 now passes everything
    assert set(changes) == {"s0000", "s0001", "s0002", "s0003"}
    assert all((c.old_max_score, c.max_score) == (16, 17) for c in changes.values())
    assert changes["s0001"].why == "new submission and spec changed"
    assert changes["s0000"].why == "spec changed"
    assert (changes["s0000"].old_score, changes["s0000"].new_score) == (16, 17)
    assert changes["s0000"].rescaled and changes["s0002"].rescaled
    assert changes["s0001"].new_score == 17 and not changes["s0001"].rescaled
    assert changes["s0003"].old_score == changes["s0003"].new_score == 1
    assert not changes["s0003"].rescaled


KILLABLE = """
import sys
from pathlib import Path
sys.path.insert(0, {root!r})
from grader import Grader
from grader.core.service import find_submissions
from grader.core.store import Store
g = Grader.create({assignment!r}, sandbox={sandbox!r})
with Store(Path({db!r})) as store:
    cls = g.grade_all(find_submissions(Path({subs!r}), g.spec), jobs=2, store=store)
print("reused", cls.reused)
"""


def test_sigkill_mid_run_loses_nothing_and_grades_nothing_twice(tmp_path: Path) -> None:
    """Killed with SIGKILL mid-run, does a re-run grade each submission exactly once?"""
    subs = _class(tmp_path / "subs", 500)
    db = tmp_path / "results.db"
    script = KILLABLE.format(
        root=str(ROOT), assignment=str(ASSIGNMENT), sandbox=SANDBOX, db=str(db), subs=str(subs)
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    deadline = time.monotonic() + 120
    done = 0
    while time.monotonic() < deadline and done < 100:
        time.sleep(0.2)
        if db.exists():
            with sqlite3.connect(db) as con:
                done = con.execute("SELECT COUNT(*) FROM results").fetchone()[0]
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    assert 100 <= done < 500, done
    rerun = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=600
    )
    reused = int(rerun.stdout.split()[-1])
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = con.execute("SELECT student, score, current FROM results").fetchall()
    assert len(rows) == 500, "a submission was graded twice or lost"
    assert {r[0] for r in rows} == {f"s{i:04d}" for i in range(500)}
    assert reused >= done
    for student, score, current in rows:
        assert current == 1
        assert score == (16 if int(student[1:]) % 2 == 0 else 1), student


def test_report_changes_command_lists_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Does `grader report --changes` print the students whose score moved, and why?"""
    from grader.cli import main

    assignment = _course(tmp_path / "course")
    root = _class(tmp_path / "subs", 2)
    out = tmp_path / "reports"
    common = ["--assignment", str(assignment), "--sandbox", SANDBOX]
    assert main(["grade", str(root), "--out", str(out), "--quiet", "--no-html", *common]) == 0
    assert main(["report", "--out", str(out), "--changes", "--assignment", str(assignment)]) == 0
    assert "No score changed" in capsys.readouterr().out
    shutil.copy(DEMO / "ada_loops" / "convolution.py", root / "s0001" / "convolution.py")
    assert main(["grade", str(root), "--out", str(out), "--quiet", "--no-html", *common]) == 0
    assert main(["report", "--out", str(out), "--changes", "--assignment", str(assignment)]) == 0
    text = capsys.readouterr().out
    assert "s0001: 1 -> 16 of 16 (new submission" in text
    assert "s0000" not in text


@pytest.mark.parametrize("where", ["parent", "results"])
def test_unwritable_output_is_found_before_grading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """Is a report folder that cannot be written found before anyone is graded (exit 2), with
    a message that claims nothing is safe in a store that was never written?"""
    from grader.cli import main
    from grader.core import service

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    out = blocker / "reports"
    if where == "results":  # OUT exists, but its results/ is a file
        out = tmp_path / "reports"
        out.mkdir()
        (out / "results").write_text("")
    graded: list[str] = []
    real = service.Grader.grade
    monkeypatch.setattr(
        service.Grader,
        "grade",
        lambda self, sub, **kw: graded.append(sub.student) or real(self, sub, **kw),
    )
    root = _class(tmp_path / "subs", 1)
    code = main(["grade", str(root), "--out", str(out), "--quiet", "--no-html"])
    assert code == 2
    err = capsys.readouterr().err
    assert "cannot write the reports to" in err and "Nothing was graded" in err
    assert "safe" not in err and "Traceback" not in err
    assert graded == []
    assert not (out / "results.db").exists()


def test_a_report_failing_mid_run_says_exactly_what_is_in_the_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """When a report cannot be written mid-run (a full disk), does the message say how many
    results are committed to the store, and are they really there (the re-run reuses them)?"""
    from grader.cli import main
    from grader.report import files

    root = _class(tmp_path / "subs", 3)
    out = tmp_path / "reports"
    real = files.write_student

    def full_disk(rep, out_dir):  # type: ignore[no-untyped-def]
        if rep.student == "s0001":
            raise OSError(28, "No space left on device", str(out_dir / "results" / "s0001.json"))
        return real(rep, out_dir)

    monkeypatch.setattr(files, "write_student", full_disk)
    argv = ["grade", str(root), "--out", str(out), "--quiet", "--no-html", "--jobs", "1"]
    assert main([*argv, "--sandbox", SANDBOX]) == 5
    err = capsys.readouterr().err
    assert "No space left on device" in err
    assert "2 of 3 results graded so far are committed to" in err
    with Store(out / "results.db") as store:
        assert {"s0000", "s0001"} <= {r.student for r in store.current("convolution")}
    monkeypatch.setattr(files, "write_student", real)
    assert main([*argv, "--sandbox", SANDBOX]) == 0
    with Store(out / "results.db") as store:
        assert len(store.current("convolution")) == 3


def test_a_grader_update_grades_again_instead_of_reusing(
    grader: Grader, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Is a stored result reused only under the same grader, so a fix to the judging code
    never silently keeps old verdicts?"""
    from grader.core import store as store_module

    subs = find_submissions(_class(tmp_path / "subs", 2), grader.spec)
    with Store(tmp_path / "results.db") as store:
        grader.grade_all(subs, store=store)
        assert grader.grade_all(subs, store=store).reused == 2
        monkeypatch.setattr(store_module, "grader_hash", lambda: "0.1.1+0123456789abcdef")
        assert grader.grade_all(subs, store=store).reused == 0
        assert grader.grade_all(subs, store=store).reused == 2


def test_the_judging_key_follows_the_version_and_the_judging_code(tmp_path: Path) -> None:
    """Does the key change with the grader's version and with any judging module's source
    (a fix to diagnose.py), and name the version it was made by?"""
    from grader import __version__
    from grader.core.store import JUDGING_MODULES, grader_hash, judging_hash, spec_hash, why_changed

    package = ROOT / "grader"
    assert all((package / name).is_file() for name in JUDGING_MODULES)
    assert {"core/compare.py", "core/diagnosis.py", "core/verdict.py"} <= set(JUDGING_MODULES)
    copy = tmp_path / "grader"
    for name in JUDGING_MODULES:
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(package / name, copy / name)
    base = judging_hash(copy, "0.1.0")
    assert base == judging_hash(package, "0.1.0") and base.startswith("0.1.0+")
    assert judging_hash(copy, "0.1.1") != base
    (copy / "core" / "diagnosis.py").write_text(
        (package / "core" / "diagnosis.py").read_text() + "\n# a fix\n"
    )
    assert judging_hash(copy, "0.1.0") != base
    assert grader_hash().startswith(__version__ + "+")
    key = spec_hash(load_spec(ASSIGNMENT))
    assert key.endswith(":" + grader_hash())
    assert why_changed(False, "a:0.1.0+x", "a:0.1.1+y") == "grader updated"
    assert why_changed(True, "a:g", "b:g") == "new submission and spec changed"
    assert why_changed(False, "a", "a:g") == "grader updated"  # stored before the key had it
