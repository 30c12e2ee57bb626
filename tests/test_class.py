"""A class is the submissions given: what `grader grade` and `grader report` report, and for whom.

The reports of a run describe exactly the students graded; a student removed from the folder
loses their files; `--student` regrades one student within the class; `grade` and `report`
agree; `report` never mixes two specs; an ungraded student is never a silent 0; an nbgrader
course root is graded as a course; the Makefile passes paths with spaces whole.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.cli import main

from .conftest import ASSIGNMENT, DEMO, ROOT, SANDBOX

pytestmark = pytest.mark.slow

GOOD = DEMO / "ada_loops" / "convolution.py"
FLIPPED = DEMO / "chen_flipped" / "convolution.py"


def _folder(root: Path, students: dict[str, Path]) -> Path:
    """A submissions folder: <student>/convolution.py copied from each given file."""
    for student, source in students.items():
        (root / student).mkdir(parents=True, exist_ok=True)
        shutil.copy(source, root / student / "convolution.py")
    return root


def _run(*argv: str) -> tuple[int, str]:
    """`grader ARGV` in this process: exit code and stdout."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main([*argv, "--sandbox", SANDBOX] if argv[0] == "grade" else list(argv))
    return code, buf.getvalue()


def _rows(out: Path) -> dict[str, dict[str, str]]:
    text = (out / "grades.csv").read_text(encoding="utf-8")
    return {r["student"]: r for r in csv.DictReader(text.splitlines())}


def _stems(folder: Path, suffix: str) -> set[str]:
    return {p.stem for p in folder.glob(f"*{suffix}")}


def test_reports_describe_exactly_the_class_graded(tmp_path: Path) -> None:
    """After another class was graded into OUT, do grades.csv, summary.json, the dashboard,
    results/ and html/ list only this class, and does a student removed from the folder lose
    their files (and only files the grader wrote)?"""
    out = tmp_path / "reports"
    demo = _folder(tmp_path / "demo", {"demo_ada": GOOD, "demo_ben": FLIPPED, "demo_cy": GOOD})
    assert _run("grade", str(demo), "--out", str(out), "--quiet")[0] == 0
    (out / "results" / "notes.json").write_text("{}")  # not the grader's: must stay
    subs = _folder(tmp_path / "subs", {"kim": GOOD, "lee": FLIPPED, "max": GOOD})
    assert _run("grade", str(subs), "--out", str(out), "--quiet")[0] == 0
    assert list(_rows(out)) == ["kim", "lee", "max"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["students"] == 3
    assert all(t["of"] == 3 for t in summary["tests"].values())
    assert "demo_" not in (out / "index.html").read_text()
    assert _stems(out / "results", ".json") == {"kim", "lee", "max", "notes"}
    assert _stems(out / "html", ".html") == {"kim", "lee", "max"}

    shutil.rmtree(subs / "lee")
    code, text = _run("grade", str(subs), "--out", str(out))
    assert code == 0
    assert list(_rows(out)) == ["kim", "max"]
    assert _stems(out / "results", ".json") == {"kim", "max", "notes"}
    assert _stems(out / "html", ".html") == {"kim", "max"}
    assert "Removed 2 report files of students no longer in the class" in text
    manifest = json.loads((out / ".grader-manifest.json").read_text())
    assert "results/kim.json" in manifest["files"] and "results/lee.json" not in manifest["files"]


def test_grade_and_report_agree_and_reuse_is_said(tmp_path: Path) -> None:
    """Does `grader report` rebuild the very grades.csv `grader grade` wrote (the class, not
    the whole store), and does a run that reused everything say so?"""
    out = tmp_path / "reports"
    other = _folder(tmp_path / "other", {"zed": GOOD, "yan": FLIPPED})
    assert _run("grade", str(other), "--out", str(out), "--quiet", "--no-html")[0] == 0
    # the folder's order (a-b/, a.py, ab/) is not the ids' order (a, a-b, ab)
    subs = _folder(tmp_path / "subs", {"a-b": FLIPPED, "ab": GOOD})
    shutil.copy(GOOD, subs / "a.py")
    code, text = _run("grade", str(subs), "--out", str(out), "--no-html")
    assert code == 0 and "3 graded in" in text
    graded = (out / "grades.csv").read_text()
    code, text = _run("grade", str(subs), "--out", str(out), "--no-html")
    assert code == 0
    assert "3 reused from the store (0 graded) in" in text
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["reused"], summary["graded_now"]) == (3, 0)
    assert (out / "grades.csv").read_text() == graded
    code, text = _run("report", "--out", str(out), "--no-html")
    assert code == 0
    assert (out / "grades.csv").read_text() == graded
    assert "zed" not in text and "yan" not in text
    assert "Reported the class of 3 graded from" in text


def test_student_regrades_one_within_the_class(tmp_path: Path) -> None:
    """Does --student grade that student only and rebuild the class files for the whole class,
    and is a folder of one of the class's students graded from elsewhere refused?"""
    out = tmp_path / "reports"
    subs = _folder(tmp_path / "subs", {"kim": GOOD, "lee": FLIPPED, "max": GOOD})
    assert _run("grade", str(subs), "--out", str(out), "--quiet")[0] == 0
    before = (out / "grades.csv").read_text()
    shutil.copy(GOOD, subs / "lee" / "convolution.py")  # lee's fixed file

    late = _folder(tmp_path / "late", {"lee": GOOD})
    code = main(["grade", str(late), "--out", str(out), "--quiet", "--sandbox", SANDBOX])
    assert code == 2
    assert (out / "grades.csv").read_text() == before  # the class was not rewritten

    code, text = _run("grade", str(subs), "--out", str(out), "--student", "lee")
    assert code == 0
    assert "Grading 1 submissions" in text and "2 reused from the store (1 graded)" in text
    rows = _rows(out)
    assert list(rows) == ["kim", "lee", "max"]
    assert [rows[s]["score"] for s in rows] == ["16", "16", "16"]
    assert json.loads((out / "summary.json").read_text())["students"] == 3
    assert _stems(out / "html", ".html") == {"kim", "lee", "max"}

    assert main(["grade", str(subs), "--out", str(out), "--student", "le", "--quiet"]) == 2
    code, _ = _run("grade", str(late), "--out", str(out), "--quiet", "--new-class")
    assert code == 0 and list(_rows(out)) == ["lee"]


def test_refusals_name_the_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Are a part of the class from elsewhere, an unknown --student and --student with another
    student's result out of date refused with a message saying what to do?"""
    out = tmp_path / "reports"
    subs = _folder(tmp_path / "subs", {"kim": GOOD, "lee": FLIPPED})
    assert _run("grade", str(subs), "--out", str(out), "--quiet", "--no-html")[0] == 0
    capsys.readouterr()
    late = _folder(tmp_path / "late", {"lee": GOOD})
    assert main(["grade", str(late), "--out", str(out), "--quiet", "--sandbox", SANDBOX]) == 2
    err = capsys.readouterr().err
    assert "holds only 1 of them (lee)" in err and "--student ID" in err and "--new-class" in err
    assert main(["grade", str(subs), "--out", str(out), "--student", "le"]) == 2
    assert "no such student in" in (err := capsys.readouterr().err) and "did you mean lee" in err
    (subs / "kim" / "convolution.py").write_text(GOOD.read_text() + "\n# changed\n")
    assert main(["grade", str(subs), "--out", str(out), "--student", "lee", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "no up-to-date result" in err and "kim" in err


def _course_copy(tmp: Path) -> Path:
    """A copy of the exercise folder: self-contained (spec, reference, exercise module)."""
    shutil.copytree(ASSIGNMENT, tmp / "convolution")
    return tmp / "convolution"


def test_report_never_mixes_two_specs_and_changes_say_the_spec_changed(tmp_path: Path) -> None:
    """After the spec's maximum changed, does `grader report` report the current spec's
    results only (the others listed as not graded, no score), and does --changes say the spec
    changed instead of listing the new maximum as score changes?"""
    assignment = _course_copy(tmp_path / "course")
    out = tmp_path / "reports"
    subs = _folder(tmp_path / "subs", {"kim": GOOD, "lee": FLIPPED})
    common = ["--assignment", str(assignment)]
    assert _run("grade", str(subs), "--out", str(out), "--quiet", "--no-html", *common)[0] == 0
    toml = assignment / "assignment.toml"
    marker = 'name = "hidden_1d_len32"\nvisibility = "hidden"\npoints = 1'
    toml.write_text(toml.read_text().replace(marker, marker[:-1] + "2"))

    code, text = _run("report", "--out", str(out), "--no-html", *common)
    assert code == 0
    rows = _rows(out)
    assert [(r["score"], r["max_score"], r["graded"]) for r in rows.values()] == [
        ("", "17", "no"),
        ("", "17", "no"),
    ]
    assert "current spec" in text and "NOT GRADED" in text

    assert _run("grade", str(subs), "--out", str(out), "--quiet", "--no-html", *common)[0] == 0
    assert [r["score"] for r in _rows(out).values()] == ["17", "1"]
    code, text = _run("report", "--out", str(out), "--changes", *common)
    assert code == 0
    assert "the maximum score went from 16 to 17" in text
    assert "kim" not in text  # 16 of 16 -> 17 of 17: the spec changed, not kim's grade
    assert "lee" not in text  # 1 of 16 -> 1 of 17: neither
    assert "No other score changed" in text


def test_ungraded_student_is_an_empty_score_never_a_zero(tmp_path: Path) -> None:
    """Is a student with no file to grade an empty score cell (and test cells), flagged
    graded = no, never a 0 an LMS would import?"""
    subs = _folder(tmp_path / "subs", {"kim": GOOD})
    (subs / "nobody").mkdir()
    (subs / "nobody" / "notes.txt").write_text("no code here\n")
    out = tmp_path / "reports"
    assert _run("grade", str(subs), "--out", str(out), "--quiet", "--no-html")[0] == 0
    row = _rows(out)["nobody"]
    assert row["graded"] == "no" and row["score"] == "" and row["max_score"] == "16"
    assert all(row[k] == "" for k in row if ":" in k)
    assert _rows(out)["kim"]["score"] == "16"


def test_an_nbgrader_course_root_is_graded_as_a_course(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Does `grader grade COURSE_DIR` grade COURSE_DIR/submitted into its gradebook, as
    --course-dir does, never source/, release/ or nbgrader_config.py as students?"""
    # nbgrader runs `alembic` from the environment's bin (the Makefile puts it on PATH)
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(ROOT / "assignments" / "nbgrader_config.py", course / "nbgrader_config.py")
    shutil.copytree(ROOT / "assignments" / "source", course / "source")
    (course / "release" / "convolution").mkdir(parents=True)
    shutil.copy(GOOD, course / "release" / "convolution" / "convolution.py")
    for student, source in (("kim", GOOD), ("lee", FLIPPED)):
        folder = course / "submitted" / student / "convolution"
        folder.mkdir(parents=True)
        shutil.copy(source, folder / "convolution.py")
    out = tmp_path / "reports"
    argv = ["grade", str(course), "--out", str(out), "--assignment", str(ASSIGNMENT), "--no-html"]
    code, text = _run(*argv)
    assert code == 0
    assert list(_rows(out)) == ["kim", "lee"]
    assert "is an nbgrader course" in text and "Gradebook: scores of 2 submissions" in text
    assert (course / "gradebook.db").is_file()

    bare = tmp_path / "bare"
    bare.mkdir()
    shutil.copy(course / "nbgrader_config.py", bare / "nbgrader_config.py")
    shutil.copytree(course / "source", bare / "source")
    code = main(["grade", str(bare), "--out", str(tmp_path / "o2"), "--quiet"])
    assert code == 2
    assert not (tmp_path / "o2" / "grades.csv").exists()


FAKE_GRADER = """#!/usr/bin/env python3
import json, sys
with open({log!r}, "a") as f:
    f.write(json.dumps(sys.argv[1:]) + "\\n")
"""


def test_makefile_passes_paths_with_spaces_whole(tmp_path: Path) -> None:
    """Do `make grade SUB=... OUT=...`, `make check FILE=...` and `make report OUT=...` give
    the grader each path as one argument, spaces and quotes included?"""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    log = tmp_path / "argv.log"
    fake = venv / "bin" / "grader"
    fake.write_text(FAKE_GRADER.format(log=str(log)))
    fake.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}

    def make(*args: str) -> None:
        subprocess.run(
            ["make", "--no-print-directory", "-C", str(ROOT), f"VENV={venv}", *args],
            check=True,
            capture_output=True,
            env=env,
            timeout=60,
        )

    make("grade", "SUB=my class/week 1", "OUT=my reports", "JOBS=2")
    make("check", "FILE=Kim's file.py")
    make("report", "OUT=my reports", "CHANGES=1")
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    assert calls[0][:4] == ["grade", "my class/week 1", "--out", "my reports"]
    assert calls[0][4:] == ["--sandbox", "auto", "--jobs", "2"]
    assert calls[1] == ["check", "Kim's file.py", "--sandbox", "auto"]
    assert calls[2] == ["report", "--out", "my reports", "--changes"]
