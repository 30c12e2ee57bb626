"""Grading real files in the sandbox: every kind of bad input gets a clear, local verdict."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

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
