"""The command line as instructors and students use it: exit codes, output, report files."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest

from grader.cli import main

from .conftest import ASSIGNMENT, DEMO, FIXTURES, ROOT, SANDBOX, SOLUTION, STUB

pytestmark = pytest.mark.slow

GRADESCOPE_TEST_KEYS = {"name", "score", "max_score", "status", "output", "visibility"}


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path, str]:
    """`grader grade` as `make grade` runs it, in the project without a submissions folder
    and without --assignment: the default exercise's demo class (once for the module)."""
    out = tmp_path_factory.mktemp("reports")
    import contextlib
    import io

    assert not (ROOT / "submissions").exists(), "the demo class is graded only without one"
    buf = io.StringIO()
    with contextlib.chdir(ROOT), contextlib.redirect_stdout(buf):
        code = main(["grade", "--out", str(out), "--sandbox", SANDBOX])
    return code, out, buf.getvalue()


def test_grade_exits_zero_and_prints_the_class_table(demo_run: tuple[int, Path, str]) -> None:
    """Does grading the demo class succeed and print one row per student plus a summary?"""
    code, _, text = demo_run
    assert code == 0
    assert f"grading the demo class in {DEMO}/" in text  # <assignment>/demo, found by locate
    for student in ("ada_loops", "chen_flipped", "ivy_notebook", "jo_single_file"):
        assert student in text
    assert "submissions graded in" in text


def test_demo_class_scores(demo_run: tuple[int, Path, str]) -> None:
    """Do correct demo students get full marks and every wrong one lose points where it should?"""
    _, out, _ = demo_run
    rows = {r["student"]: r for r in csv.DictReader((out / "grades.csv").read_text().splitlines())}
    full = float(rows["ada_loops"]["max_score"])
    for good in ("ada_loops", "ben_vectorized", "ivy_notebook", "jo_single_file"):
        assert float(rows[good]["score"]) == full, good
    for bad in (
        "chen_flipped",
        "dana_same_padding",
        "eli_off_by_one",
        "fay_stub",
        "gus_syntax_error",
        "hal_infinite_loop",
    ):
        assert float(rows[bad]["score"]) < full, bad
    hidden_2d = [k for k in rows["chen_flipped"] if k.startswith("q1_convolve:hidden")]
    assert all(rows["chen_flipped"][k] == "0" for k in hidden_2d)
    assert all(
        rows["hal_infinite_loop"][k] == "0"
        for k in rows["hal_infinite_loop"]
        if k.startswith("q1_convolve:")
    )
    assert all(
        rows["hal_infinite_loop"][k] != "0"
        for k in rows["hal_infinite_loop"]
        if k.startswith("q2_convolve1d:")
    )
    assert float(rows["fay_stub"]["score"]) == 0


def test_results_follow_gradescope_schema(demo_run: tuple[int, Path, str]) -> None:
    """Is every results/<student>.json a valid Gradescope results file?"""
    _, out, _ = demo_run
    files = sorted((out / "results").glob("*.json"))
    assert len(files) == 10
    for f in files:
        data = json.loads(f.read_text())
        assert isinstance(data["score"], float | int)
        assert isinstance(data["execution_time"], float | int)
        assert data["score"] == pytest.approx(sum(t["score"] for t in data["tests"]))
        for t in data["tests"]:
            assert set(t) >= GRADESCOPE_TEST_KEYS
            assert t["status"] in ("passed", "failed")
            assert t["visibility"] in ("visible", "hidden", "after_due_date", "after_published")
            assert 0 <= t["score"] <= t["max_score"]


def test_hidden_inputs_never_reach_the_reports(demo_run: tuple[int, Path, str]) -> None:
    """Do hidden tests' outputs hold no arrays (no inputs, no expected values)?"""
    _, out, _ = demo_run
    for f in (out / "results").glob("*.json"):
        for t in json.loads(f.read_text())["tests"]:
            if t["visibility"] != "visible":
                assert "expected =" not in t["output"] and "[[" not in t["output"], t


def test_summary_counts_the_class(demo_run: tuple[int, Path, str]) -> None:
    """Does summary.json count students, full marks and per-test pass rates?"""
    _, out, _ = demo_run
    s = json.loads((out / "summary.json").read_text())
    assert s["students"] == 10
    assert s["full_marks"] == 4
    assert s["tests"]["q1_convolve:hidden_8x8"]["of"] == 10
    assert s["sandbox"] in ("bwrap", "process")


def test_check_on_the_reference_passes(capsys: pytest.CaptureFixture[str]) -> None:
    """Does `grader check` pass the reference and announce the hidden tests it did not run?"""
    code = main(["check", str(SOLUTION), "--assignment", str(ASSIGNMENT), "--sandbox", SANDBOX])
    text = capsys.readouterr().out
    assert code == 0
    assert "Public tests: 5/5 passed." in text
    assert "7 hidden tests" in text and "8x8" in text and "12x10" in text
    assert "hidden_8x8" not in text


def test_check_on_the_stub_fails_with_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    """Does `grader check` on the stub exit 1 and say the functions are not implemented?"""
    code = main(["check", str(STUB), "--sandbox", SANDBOX])
    text = capsys.readouterr().out
    assert code == 1
    assert "not implemented yet" in text
    assert "Public tests: 0/5 passed." in text


def test_grade_reports_a_missing_folder(capsys: pytest.CaptureFixture[str]) -> None:
    """Does a wrong submissions path give exit 2 and a message?"""
    assert main(["grade", "/nonexistent/folder"]) == 2
    assert "no submissions folder" in capsys.readouterr().err


def test_broken_spec_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Does a malformed assignment.toml stop grading with exit 2 and the file's name?"""
    (tmp_path / "assignment.toml").write_text("[assignment\n")
    code = main(["grade", str(FIXTURES), "--assignment", str(tmp_path), "--out", str(tmp_path)])
    assert code == 2
    assert "not valid TOML" in capsys.readouterr().err


def test_reference_disagreeing_with_scipy_stops_everything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Does a wrong reference stop the run loudly (exit 4) before any student is graded?"""
    exercise = tmp_path / "convolution"
    shutil.copytree(ASSIGNMENT, exercise)  # the exercise folder holds its own reference
    wrong = (
        SOLUTION.read_text() + "\n\n_real = convolve\n\ndef convolve(image, kernel, **kw):\n"
        "    return _real(image, kernel[::-1, ::-1], **kw)\n"
    )
    (exercise / "reference.py").write_text(wrong)
    out = tmp_path / "reports"
    code = main(["grade", str(FIXTURES), "--assignment", str(exercise), "--out", str(out)])
    assert code == 4
    err = capsys.readouterr().err
    assert "disagrees with the exercise's oracle" in err  # the oracle: scipy's answer
    assert "lesson_2x2_kernel" in err  # the first case it gets wrong
    assert not out.exists()


def test_bwrap_mode_fails_clearly_when_unavailable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Does --sandbox bwrap refuse to run (exit 3) when bubblewrap cannot start?"""
    monkeypatch.setattr("grader.isolation.sandbox.shutil.which", lambda _: None)
    assert main(["check", str(SOLUTION), "--sandbox", "bwrap"]) == 3
    assert "bubblewrap" in capsys.readouterr().err


def test_auto_mode_warns_when_falling_back(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Does auto mode fall back to a child process with a loud warning, and record it?"""
    monkeypatch.setattr("grader.isolation.sandbox.shutil.which", lambda _: None)
    assert main(["check", str(SOLUTION), "--sandbox", "auto"]) == 0
    assert "WARNING" in capsys.readouterr().err


def test_python_dash_m_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    """Does `grader --help` list the subcommands?"""
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    assert "grade" in text and "check" in text


def test_check_names_a_flipped_kernel_first(capsys: pytest.CaptureFixture[str]) -> None:
    """Does `grader check` on a flipped-kernel file name the flip within its first lines?"""
    code = main(["check", str(DEMO / "chen_flipped" / "convolution.py"), "--sandbox", SANDBOX])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1
    assert any("flip" in line.lower() for line in lines[:8]), lines[:8]


def test_same_student_twice_is_refused_loudly(tmp_path: Path) -> None:
    """Are ada.py and ada/ refused together, in one row naming both, neither graded?"""
    subs = tmp_path / "subs"
    (subs / "ada").mkdir(parents=True)
    shutil.copy(SOLUTION, subs / "ada.py")
    shutil.copy(STUB, subs / "ada" / "convolution.py")
    out = tmp_path / "out"
    assert main(["grade", str(subs), "--out", str(out), "--quiet", "--sandbox", SANDBOX]) == 0
    names = sorted(p.name for p in (out / "results").glob("*.json"))
    assert names == ["ada.json"]
    rows = list(csv.DictReader((out / "grades.csv").read_text().splitlines()))
    assert [(r["student"], r["graded"]) for r in rows] == [("ada", "no")]
    result = json.loads((out / "results" / "ada.json").read_text())
    assert result["score"] == 0
    assert "submitted more than once (ada.py, ada/)" in result["extra_data"]["problems"][0]


def test_big_class_pages_come_from_the_helper_process_unchanged(
    demo_run: tuple[int, Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Are the pages a big class gets (rendered in a helper process) the very pages a small
    class gets (rendered in place), every one of them?"""
    from grader.report import pages

    monkeypatch.setattr(pages, "HELPER_FROM", 1)
    out = tmp_path / "reports"
    assert main(["grade", str(DEMO), "--out", str(out), "--sandbox", SANDBOX, "--quiet"]) == 0
    inline = sorted((demo_run[1] / "html").iterdir())
    helped = sorted((out / "html").iterdir())
    assert [p.name for p in helped] == [p.name for p in inline] and len(inline) >= 10

    def steady(text: str) -> str:  # the only difference allowed: how long grading took
        return re.sub(r"Graded in [0-9.]+ s", "", text)

    for a, b in zip(inline, helped, strict=True):
        assert steady(a.read_text()) == steady(b.read_text()), a.name


def test_a_page_that_cannot_be_written_does_not_stop_the_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Does a failing page cost only that page: every student graded, every other page and
    report written, and a loud warning naming the student?"""
    from grader.report import html

    real = html.render_student

    def flaky(report, prepared):  # type: ignore[no-untyped-def]
        if report.student == "chen_flipped":
            raise RuntimeError("no room on the disk")
        return real(report, prepared)

    monkeypatch.setattr(html, "render_student", flaky)
    out = tmp_path / "reports"
    assert main(["grade", str(DEMO), "--out", str(out), "--sandbox", SANDBOX, "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "HTML page of 1 student could not be written: chen_flipped" in err
    assert "no room on the disk" in err
    students = {p.stem for p in (out / "results").glob("*.json")}
    assert "chen_flipped" in students and len(students) >= 10
    assert {p.stem for p in (out / "html").glob("*.html")} == students - {"chen_flipped"}
    assert (out / "index.html").is_file()
