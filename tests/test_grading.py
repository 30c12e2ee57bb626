"""Grading real files in the sandbox: every kind of bad input gets a clear, local verdict."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from grader import Grader, GradeReport

from .conftest import FIXTURES, SANDBOX, SOLUTION, STUB

pytestmark = pytest.mark.slow

FULL = 16.0
ONE_D = 5.0  # points of convolve1d: files broken only in convolve keep them

# fixture file, expected score, expected outcome of convolve's cases, words in the message
CASES = [
    ("correct.py", FULL, "passed", ""),
    ("empty.py", 0, "not_run", "The file is empty."),
    ("syntax_error.py", 0, "error", "SyntaxError"),
    ("non_utf8.py", 0, "not_run", "not valid UTF-8"),
    ("binary_junk.py", 0, "not_run", "binary data"),
    ("malformed.ipynb", 0, "error", "not valid JSON"),
    ("not_a_notebook.ipynb", 0, "error", "not a Jupyter notebook"),
    ("missing_function.py", ONE_D, "error", "does not define a function named `convolve`"),
    ("wrong_signature.py", ONE_D, "error", "should take 2 arguments"),
    ("returns_none.py", 0, "wrong", "returned None"),
    ("returns_list.py", FULL, "passed", ""),
    ("wrong_shape.py", 0, "wrong", "Wrong shape"),
    ("returns_nan.py", 0, "wrong", "NaN"),
    ("raises.py", ONE_D, "error", "raised ValueError (line"),
    ("infinite_loop.py", ONE_D, "timeout", "timed out after 0.8 s"),
    ("infinite_loop_at_import.py", 0, "error", "timed out after 2 s while running"),
    ("sys_exit.py", ONE_D, "exited", "sys.exit(3)"),
    ("os_exit.py", ONE_D, "exited", "exited before returning"),
    ("print_100mb.py", FULL, "passed", ""),
    ("modifies_input.py", 0, "wrong", "changed its input"),
    ("warns.py", FULL, "passed", ""),
    ("import_error.py", 0, "error", "ModuleNotFoundError"),
    ("float32.py", FULL, "passed", ""),
    ("crashes_segfault.py", ONE_D, "crashed", "segmentation fault"),
    ("memory_bomb.py", ONE_D, "memory", "more than 512 MiB"),
    ("recursion.py", ONE_D, "error", "RecursionError"),
]


@pytest.mark.parametrize(("name", "score", "outcome", "words"), CASES, ids=[c[0] for c in CASES])
def test_fixture_verdict(
    grade: Callable[[Path], GradeReport], name: str, score: float, outcome: str, words: str
) -> None:
    """Does each kind of submission get the right score and a message that says why?"""
    report = grade(FIXTURES / name)
    assert report.score == score, report
    convolve = [c for c in report.cases if c.question == "q1_convolve"]
    assert {c.outcome for c in convolve} == {outcome}, [c.message for c in convolve]
    if words:
        assert words in convolve[0].message or any(words in p for p in report.problems), (
            convolve[0].message,
            report.problems,
        )


def test_printing_is_capped_and_costs_nothing(grade: Callable[[Path], GradeReport]) -> None:
    """Does printing 100 MB keep full marks, with the output cut and the cut reported?"""
    report = grade(FIXTURES / "print_100mb.py")
    assert report.score == FULL
    assert len(report.output) <= 1024 * 1024
    assert any("only the first part was kept" in p for p in report.problems)


def test_list_return_has_a_note(grade: Callable[[Path], GradeReport]) -> None:
    """Does a correct list return pass but note that a NumPy array is asked for?"""
    report = grade(FIXTURES / "returns_list.py")
    assert all("NumPy array" in c.notes[0] for c in report.cases)


def test_truncated_integers_fail_only_where_values_are_fractional(
    grade: Callable[[Path], GradeReport],
) -> None:
    """Does an int-typed output pass integer cases but fail the float ones?"""
    report = grade(FIXTURES / "integer_output.py")
    by_name = {c.name: c for c in report.cases}
    assert by_name["lesson_2x2_kernel"].status == "passed"
    assert by_name["hidden_8x8"].status == "failed"
    assert by_name["hidden_12x10"].status == "failed"


def test_reference_solution_scores_full_marks(grade: Callable[[Path], GradeReport]) -> None:
    """Does the reference solution, submitted as a student, get every point?"""
    report = grade(SOLUTION)
    assert report.score == report.max_score == FULL
    assert all(c.status == "passed" for c in report.cases)


def test_stub_scores_zero_saying_not_implemented(grade: Callable[[Path], GradeReport]) -> None:
    """Does the untouched stub get 0 with 'not implemented yet' on every test?"""
    report = grade(STUB)
    assert report.score == 0
    assert all("not implemented yet" in c.message for c in report.cases)


def test_timeout_in_one_call_keeps_the_others(grade: Callable[[Path], GradeReport]) -> None:
    """After a call times out, are the submission's other tests still run and scored?"""
    report = grade(FIXTURES / "infinite_loop.py")
    assert [c.status for c in report.cases if c.question == "q2_convolve1d"] == ["passed"] * 5


def test_endless_loop_is_not_rerun_on_every_test(grade: Callable[[Path], GradeReport]) -> None:
    """After two timeouts, are the function's other tests failed without burning more time?"""
    report = grade(FIXTURES / "infinite_loop.py")
    convolve = [c for c in report.cases if c.question == "q1_convolve"]
    assert [c.outcome for c in convolve] == ["timeout"] * 7
    assert "timed out after" in convolve[1].message
    assert all("already timed out on 2 earlier tests" in c.message for c in convolve[2:])
    assert report.seconds < 7 * 0.8


def test_hidden_case_results_hold_no_data(grade: Callable[[Path], GradeReport]) -> None:
    """Are inputs and expected values shown for public tests only?"""
    report = grade(FIXTURES / "wrong_shape.py")
    for c in report.cases:
        assert bool(c.details) == (c.visibility == "visible")
        if c.visibility != "visible":
            assert "expected =" not in c.message


def test_sandbox_mode_is_recorded(real_grader: Grader) -> None:
    """Is the isolation mode recorded, and is it bubblewrap where CI demands it?"""
    assert real_grader.sandbox.mode in ("bwrap", "process")
    if SANDBOX == "bwrap":
        assert real_grader.sandbox.mode == "bwrap"


def _notebook(cells: list[str]) -> str:
    import json

    return json.dumps(
        {
            "cells": [
                {"cell_type": "code", "metadata": {}, "outputs": [], "source": c} for c in cells
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )


CORRECT_CELL = """
import numpy as np
def convolve(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (image[i:i + kh, j:j + kw] * kernel).sum()
    return out
def convolve1d(signal, kernel):
    k = len(kernel)
    return np.array([(signal[i:i + k] * kernel).sum() for i in range(len(signal) - k + 1)])
"""


def test_notebook_cells_run_in_order_past_errors_and_magics(
    grade: Callable[[Path], GradeReport], tmp_path: Path
) -> None:
    """Does a notebook skip magics and shell lines, and keep running after a failing cell?"""
    nb = tmp_path / "homework.ipynb"
    nb.write_text(
        _notebook(
            [
                "%matplotlib inline\n!pip install nothing\nimport numpy as np",
                "%%bash\necho this is not python",
                "raise RuntimeError('left over from class')",
                CORRECT_CELL,
                "files = !ls\nfor _ in range(2):\n    %time x = 1\n"
                "print(convolve1d(np.ones(4), np.ones(2)))",
            ]
        )
    )
    report = grade(nb)
    assert report.score == FULL
    assert any("<cell 3>" in p and "RuntimeError" in p for p in report.problems)
    assert "[2. 2. 2.]" in report.output


def test_notebook_later_cell_redefinition_wins(
    grade: Callable[[Path], GradeReport], tmp_path: Path
) -> None:
    """Is the function graded as the last cell that defines it left it, as in Jupyter?"""
    nb = tmp_path / "homework.ipynb"
    wrong = "def convolve(image, kernel):\n    return image\ndef convolve1d(s, k):\n    return s"
    nb.write_text(_notebook([wrong, CORRECT_CELL]))
    assert grade(nb).score == FULL
    nb.write_text(_notebook([CORRECT_CELL, wrong]))
    assert grade(nb).score == 0


def test_hidden_messages_quote_no_expected_value(grade: Callable[[Path], GradeReport]) -> None:
    """Does a wrong hidden test say where it is wrong without quoting an expected value?"""
    report = grade(FIXTURES / "integer_output.py")
    hidden = [c for c in report.cases if c.visibility != "visible" and c.status == "failed"]
    visible = [c for c in report.cases if c.visibility == "visible" and c.status == "failed"]
    assert hidden and visible
    assert all("values are wrong" in c.message and "expected" not in c.message for c in hidden)
    assert any("expected" in c.message for c in visible)


# --- nothing a student sends crashes the grader --------------------------------------------------

HUGE_RETURNS = """
import numpy as np
def convolve(image, kernel):
    return np.arange(2048 * 4000, dtype=np.float64).reshape(2048, 4000)  # 62.5 MiB
def convolve1d(signal, kernel):
    return np.ones((6,) * 8)  # 8 short axes: 1.7 million values, 13 MiB
"""


def test_huge_returns_leave_small_reports(grader: Grader, tmp_path: Path) -> None:
    """Does a file returning arrays near the 64 MiB bound on every test leave a report (and a
    store row) of a few KiB, keeping for the pictures only the corner a page shows, plus the
    full shape, so the pages still say what came back?"""
    import json

    import numpy as np

    from grader import Submission
    from grader.core.results import PICTURE_SIDE, PICTURE_STRIP
    from grader.core.store import Store, report_to_json
    from grader.report import heatmaps

    path = tmp_path / "huge.py"
    path.write_text(HUGE_RETURNS)
    report = grader.grade(Submission("huge", path))
    assert report.score == 0
    assert {c.outcome for c in report.cases} == {"wrong"}, [c.message for c in report.cases]
    by_name = {pc.case.name: pc for pc in grader.cases}
    for c in report.cases:
        assert len(c.details) < 20_000 and len(c.message) < 2_000
        if c.visibility != "visible":
            assert c.got is None
            continue
        assert c.got is not None and c.got.nbytes <= PICTURE_SIDE * PICTURE_SIDE * 8
        if c.question == "q1_convolve":
            assert c.got_shape == (2048, 4000) and c.got.shape == (PICTURE_SIDE, PICTURE_SIDE)
            assert np.array_equal(c.got, np.arange(2048 * 4000.0).reshape(2048, 4000)[:64, :64])
            assert c.got.base is None  # a copy: the 62.5 MiB array itself is not kept
        else:
            assert c.got_shape == (6,) * 8 and c.got.size == 0
            assert "an array of shape (6, 6, 6, 6, 6, 6, 6, 6)" in c.details
        pc = by_name[c.name]
        outputs = heatmaps.build(pc.inputs, pc.expected, c.got, c.got_shape).outputs
        if c.question == "q1_convolve":
            assert (
                outputs[1].shape == "(2048, 4000)"
                and "of 2048 \u00d7 4000 cells" in outputs[1].note
            )
            assert outputs[2].text.startswith("none: your shape (2048, 4000) is not the expected")
        else:
            assert outputs[1].text == "an array of shape (6, 6, 6, 6, 6, 6, 6, 6)"
    assert PICTURE_STRIP >= heatmaps.MAX_STRIP and PICTURE_SIDE >= heatmaps.MAX_SIDE
    row = report_to_json(report)
    assert len(row) < 400_000, len(row)
    with Store(tmp_path / "results.db") as store:
        store.save("convolution", report, "f", "s")
        back = store.lookup("convolution", "huge", "f", "s")
    assert back is not None
    for a, b in zip(report.cases, back.cases, strict=True):
        assert a.got_shape == b.got_shape
        assert (a.got is None) == (b.got is None)
        if a.got is not None:  # the pages `grader report` rebuilds from the store: the same
            assert np.array_equal(a.got, b.got)
            pc = by_name[a.name]
            shown = heatmaps.build(pc.inputs, pc.expected, a.got, a.got_shape).outputs
            again = heatmaps.build(pc.inputs, pc.expected, b.got, b.got_shape).outputs
            assert [_facts(p) for p in shown] == [_facts(p) for p in again]
    json.loads(row)


def test_a_pre_cropped_output_draws_the_same_cells() -> None:
    """Does a heatmap of the corner a report keeps show the very cells (values, indices,
    notes, shapes) the whole array would show?"""
    import numpy as np

    from grader.core.results import for_pictures
    from grader.report import heatmaps

    rng = np.random.default_rng(5)
    cases = [
        ({"image": rng.normal(size=(90, 120)), "kernel": np.ones((3, 3))}, (88, 118)),
        ({"signal": rng.normal(size=1000), "kernel": np.ones(3)}, (998,)),
    ]
    for inputs, shape in cases:
        want = rng.normal(size=shape)
        for got in (rng.normal(size=shape), rng.normal(size=(500, 70)), np.arange(9000.0)):
            whole = heatmaps.build(inputs, want, got).outputs
            kept = heatmaps.build(inputs, want, for_pictures(got), got.shape).outputs
            assert len(whole) == len(kept)
            for a, b in zip(whole, kept, strict=True):
                assert _facts(a) == _facts(b)


def _facts(panel: Any) -> tuple[Any, ...]:
    """What a panel says, but for its colours: titles, shape, notes and each cell's tooltip."""
    titles = [[c.title for c in row] for row in panel.rows]
    return (panel.title, panel.shape, panel.note, panel.text, panel.size, titles)


MARKER = 7777.0
MARKED = f"""
import numpy as np
def convolve(image, kernel):
    return np.full((image.shape[0] - kernel.shape[0] + 1, image.shape[1] - kernel.shape[1] + 1),
                   {MARKER})
def convolve1d(signal, kernel):
    return np.full(len(signal) - len(kernel) + 1, {MARKER})
"""


def _judging_fails_on_the_marker(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the grader's own comparison raise on the marked student's answers (a grader bug
    that one strange submission reaches)."""
    import numpy as np

    from grader.core import compare, verdict

    real = compare.compare

    def broken(expected, got, **kw):  # type: ignore[no-untyped-def]
        if got.size and np.all(got == MARKER):
            raise RuntimeError("kaboom \ud800 in the comparison")
        return real(expected, got, **kw)

    monkeypatch.setattr(verdict, "compare", broken)


def test_a_grader_bug_becomes_that_students_report(
    grader: Grader,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Does an exception inside judging one file give that file a loud ungraded report
    (logged with its traceback), not an exception, while the next file grades as usual?"""
    from grader import Submission

    _judging_fails_on_the_marker(monkeypatch)
    path = tmp_path / "marked.py"
    path.write_text(MARKED)
    report = grader.grade(Submission("marked", path))
    assert not report.graded and report.score == 0
    (problem,) = report.problems
    assert problem.startswith("The grader could not grade this file (internal error: RuntimeError")
    assert "kaboom" in problem and "please tell your instructor" in problem
    problem.encode("utf-8")
    assert {c.outcome for c in report.cases} == {"not_run"}
    assert len(report.cases) == len(grader.cases)
    assert any(r.exc_info and "marked" in r.getMessage() for r in caplog.records)
    assert grader.grade(Submission("solution", SOLUTION)).score == FULL


def test_a_grader_bug_on_one_student_does_not_stop_the_class(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Does `grader grade` exit 0 with every student in grades.csv when judging one of them
    raises, that one marked ungraded and not stored, so the next run grades it?"""
    import csv
    import json
    import shutil

    from grader.cli import main

    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(SOLUTION, subs / "ada.py")
    (subs / "bo.py").write_text(MARKED)
    shutil.copy(STUB, subs / "cy.py")
    shutil.copy(SOLUTION, subs / "dee.py")
    out = tmp_path / "out"
    argv = ["grade", str(subs), "--out", str(out), "--quiet", "--sandbox", SANDBOX, "--jobs", "2"]
    with monkeypatch.context() as patched:
        _judging_fails_on_the_marker(patched)
        assert main(argv) == 0
    rows = {r["student"]: r for r in csv.DictReader((out / "grades.csv").read_text().splitlines())}
    assert set(rows) == {"ada", "bo", "cy", "dee"}
    assert [rows[s]["graded"] for s in ("ada", "bo", "cy", "dee")] == ["yes", "no", "yes", "yes"]
    assert rows["ada"]["score"] == rows["dee"]["score"] == "16" and rows["cy"]["score"] == "0"
    results = json.loads((out / "results" / "bo.json").read_text(encoding="utf-8"))
    assert "internal error: RuntimeError" in json.dumps(results)
    assert main(argv) == 0  # the bug fixed: the marked file is graded now (it was not stored)
    rows = {r["student"]: r for r in csv.DictReader((out / "grades.csv").read_text().splitlines())}
    assert rows["bo"]["graded"] == "yes" and rows["bo"]["score"] == "0"
    assert rows["ada"]["score"] == "16"


@pytest.mark.parametrize(
    "data",
    [b"[" * 100_000, b'{"cells": ' + b"[" * 100_000, b'{"cells": [{"source": "\\ud800"}]}'],
    ids=["nested", "nested_cells", "surrogate"],
)
def test_a_notebook_no_parser_can_read_fails_its_tests_clearly(
    grade: Callable[[Path], GradeReport], tmp_path: Path, data: bytes
) -> None:
    """Does a notebook nested deeper than JSON parsers go (or holding a lone surrogate) get
    0 with a message about the notebook on every test, instead of crashing anything?"""
    path = tmp_path / "deep.ipynb"
    path.write_bytes(data)
    report = grade(path)
    assert report.score == 0
    for c in report.cases:
        assert c.outcome == "error" and c.message, c
        c.message.encode("utf-8")
