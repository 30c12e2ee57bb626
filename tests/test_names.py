"""Names and files of submissions: links refused, one file-choice rule, ids kept apart, text
escaped for the terminal, the spreadsheet and the browser."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import shutil
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from grader import Grader, GradeReport, Submission
from grader import load_spec as _load_spec
from grader.cli import main
from grader.core.diagnosis import titles
from grader.core.results import ClassReport
from grader.core.submissions import choose_file, discover
from grader.report import files, grades_csv, html
from grader.report.pages import page_link

from .conftest import ASSIGNMENT, SANDBOX, SOLUTION, STUB

MODULE = "convolution.py"
# A file name holding a newline and escape sequences (clear screen, red, a window title).
EVIL_ID = "evil\x1b[2J\x1b[31m\nfake_row   all passed"
NOISY = """
import numpy as np

print("\\x1b[2J\\x1b]0;pwned\\x07printed")

def convolve(image, kernel):
    raise ValueError("\\x1b[31mred\\nfake_row   16/16 all passed")

def convolve1d(signal, kernel):
    raise ValueError("\\x1b[1A\\x1b[Kup one line")
"""
FORMULAS = ("=cmd", "+1", "-1", "@x", ";=x")
SIMILAR = ("kim lee", "kim_lee", "Kim_Lee", "k\u00efm_lee")
NON_UTF8 = b"caf\xff.py"
XSS = "<script>alert(1)</script>"

HINT_TITLES = titles(_load_spec(ASSIGNMENT).exercise)


@dataclass(frozen=True)
class Run:
    """One `grader grade` run over a folder holding every awkward name."""

    code: int
    out: Path
    stdout: str
    stderr: str

    def result(self, student: str) -> dict[str, Any]:
        path = self.out / "results" / f"{files.student_filename(student)}.json"
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return data

    def problems(self, student: str) -> str:
        return " ".join(self.result(student)["extra_data"]["problems"])

    def rows(self) -> dict[str, dict[str, str]]:
        text = (self.out / "grades.csv").read_text(encoding="utf-8")
        return {r["student"]: r for r in csv.DictReader(io.StringIO(text))}


def _class_folder(root: Path) -> Path:
    """Submissions in every layout this file tests, next to a copy of the reference."""
    subs = root / "submissions"
    subs.mkdir()
    elsewhere = root / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(SOLUTION, elsewhere / MODULE)

    def put(rel: str, source: Path = SOLUTION) -> None:
        (subs / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, subs / rel)

    put("ada/convolution.py")
    (subs / "cheat.py").symlink_to(SOLUTION)
    (subs / "sly").mkdir()
    (subs / "sly" / MODULE).symlink_to(SOLUTION)
    (subs / "mirror").symlink_to(elsewhere, target_is_directory=True)
    os.link(elsewhere / MODULE, subs / "hardy.py")
    put("bob/draft.py")
    put("bob/final.py", STUB)
    put("cat/convolution.py")
    put("cat/draft.py", STUB)
    put("dan/final.py")
    put("dan/test_final.py", STUB)
    put("dan/.backup.py", STUB)
    put("dan/__pycache__/old.py", STUB)
    put("dan/.ipynb_checkpoints/final-checkpoint.ipynb", STUB)
    for student in SIMILAR:
        put(f"{student}.py")
    put("fay.py")
    put("fay/convolution.py", STUB)
    fd = os.open(bytes(subs) + b"/" + NON_UTF8, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "wb") as fh:
        fh.write(SOLUTION.read_bytes())
    (subs / f"{EVIL_ID}.py").write_text(NOISY, encoding="utf-8")
    for student in FORMULAS:
        put(f"{student}.py", STUB)
    return subs


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """`grader grade` over the awkward class, with the table and the HTML pages."""
    root = tmp_path_factory.mktemp("names")
    subs = _class_folder(root)
    out = root / "reports"
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(["grade", str(subs), "--out", str(out), "--jobs", "2", "--sandbox", SANDBOX])
    return Run(code, out, stdout.getvalue(), stderr.getvalue())


def test_the_awkward_class_is_graded_to_the_end(run: Run) -> None:
    """Does a class full of links, odd names and duplicates still exit 0 with every report?"""
    assert run.code == 0, run.stderr
    assert (run.out / "grades.csv").is_file() and (run.out / "index.html").is_file()
    assert run.result("ada")["score"] == 16


@pytest.mark.parametrize("student", ["cheat", "sly", "mirror"])
def test_symlinked_submission_is_refused(run: Run, student: str) -> None:
    """Is a symlink to the reference (as a file, in a folder, or as the folder) refused with a
    clear message instead of scoring 16?"""
    result = run.result(student)
    assert result["score"] == 0 and result["extra_data"]["graded"] is False
    assert "symlinks are not graded, submit the file itself" in run.problems(student)
    assert run.rows()[student]["graded"] == "no"


def test_hard_linked_submission_is_refused(run: Run) -> None:
    """Is a hard link to a copy of the reference refused instead of scoring 16?"""
    result = run.result("hardy")
    assert result["score"] == 0 and result["extra_data"]["graded"] is False
    assert "hard link" in run.problems("hardy")
    assert "submit the file itself" in run.problems("hardy")


def test_two_unnamed_files_are_refused_naming_both(run: Run) -> None:
    """Are draft.py and final.py refused (neither graded alphabetically), both named?"""
    result = run.result("bob")
    assert result["score"] == 0 and result["extra_data"]["graded"] is False
    problem = run.problems("bob")
    assert "Several files were submitted (draft.py, final.py)" in problem
    assert "none is named convolution.py: rename the one to grade" in problem


def test_module_named_file_wins(run: Run) -> None:
    """Is convolution.py graded when a draft.py sits beside it?"""
    assert run.result("cat")["score"] == 16


def test_single_candidate_is_graded_past_tests_dotfiles_and_caches(run: Run) -> None:
    """Is the one real candidate graded when tests, dotfiles, __pycache__ and checkpoints
    sit beside it?"""
    result = run.result("dan")
    assert result["score"] == 16 and result["extra_data"]["graded"] is True


def test_similar_ids_get_distinct_files_pages_and_links(run: Run) -> None:
    """Do `kim lee`, `kim_lee`, `Kim_Lee` and `kim_lee` with a diaeresis get four results
    files, four pages and four dashboard links, even on a case-insensitive disk?"""
    names = [files.student_filename(s) for s in SIMILAR]
    assert len({n.lower() for n in names}) == len(SIMILAR)
    for student in SIMILAR:
        assert run.result(student)["extra_data"]["student"] == student
        assert (run.out / page_link(student)).is_file()
    assert files.student_filename("kim_lee") == "kim_lee"
    hrefs = set(re.findall(r'href="(html/[^"]+)"', (run.out / "index.html").read_text()))
    assert {page_link(s) for s in SIMILAR} <= hrefs
    assert all((run.out / h).is_file() for h in hrefs)
    assert set(run.rows()) >= set(SIMILAR)


def test_duplicate_id_is_refused_loudly(run: Run) -> None:
    """Are fay.py and fay/ both refused, in one row that names both, with no invented id?"""
    rows = run.rows()
    assert rows["fay"]["graded"] == "no" and run.result("fay")["score"] == 0
    assert "submitted more than once (fay.py, fay/): not graded until only one is left" in (
        run.problems("fay")
    )
    assert not [s for s in rows if "~" in s or s.startswith("fay_")]
    assert "NOT GRADED" in run.stdout and "fay" in run.stdout


def test_non_utf8_file_name_is_graded(run: Run) -> None:
    """Is a file whose name is not UTF-8 graded under a readable id, without a crash?"""
    student = "caf\ufffd"
    assert run.rows()[student]["score"] == "16"
    assert run.result(student)["score"] == 16
    assert (run.out / page_link(student)).is_file()
    (run.out / "grades.csv").read_bytes().decode("utf-8")  # the report stays valid UTF-8


def test_terminal_shows_no_escape_and_no_fake_row(run: Run) -> None:
    """Do an id with a newline and escapes, and a student's printed and raised escapes, reach
    the terminal with no escape sequence and no fake table row?"""
    for text in (run.stdout, run.stderr):
        assert "\x1b" not in text and "\x07" not in text
    assert not [line for line in run.stdout.splitlines() if line.startswith("fake_row")]
    row = next(line for line in run.stdout.splitlines() if line.startswith("evil"))
    assert "fake_row" in row and " 0/16 " in row and "red fake_row" in row
    assert run.result(EVIL_ID)["score"] == 0


def test_formula_ids_are_quoted_in_grades_csv(run: Run) -> None:
    """Is every id a spreadsheet would run as a formula written as text (a leading ')?"""
    rows = run.rows()
    for student in FORMULAS:
        assert rows[f"'{student}"]["graded"] == "yes", student
    assert rows["ada"]["score"] == "16"


def test_grades_csv_has_one_printable_line_per_student(run: Run) -> None:
    """Is every row of grades.csv one line without escapes, the odd id still recognisable?"""
    text = (run.out / "grades.csv").read_text(encoding="utf-8")
    assert "\x1b" not in text
    assert len(text.splitlines()) == len(run.rows()) + 1
    assert run.rows()["evil fake_row   all passed"]["score"] == "0"


def test_csv_text_cells_are_formula_safe() -> None:
    """Are the id and every header cell formula-safe, and the numbers left as numbers?"""
    cls = ClassReport(
        assignment="convolution",
        reports=tuple(_report(s) for s in ("=1+1", "@SUM(A1)", "\x1b[31m-2+3", "ok")),
        max_score=16,
        sandbox="process",
        seconds=0.0,
        started="",
    )
    table = list(csv.reader(io.StringIO(grades_csv.render(cls))))
    assert table[0][:4] == ["student", "score", "max_score", "graded"]
    assert [r[0] for r in table[1:]] == ["'=1+1", "'@SUM(A1)", "'-2+3", "ok"]
    assert [r[1] for r in table[1:]] == ["3", "3", "3", "3"]


def _report(student: str) -> GradeReport:
    return GradeReport(
        student=student,
        source="",
        cases=(),
        score=3.0,
        max_score=16.0,
        seconds=0.0,
        sandbox="process",
        problems=(),
    )


def test_choose_file_rule() -> None:
    """Does the one rule pick the module, then the assignment's notebook, then the single
    candidate, and refuse several or none with the files listed?"""
    c = "convolution"
    assert choose_file(["draft.py", "convolution.py", "x.ipynb"], MODULE, c) == (MODULE, "")
    assert choose_file(["a.ipynb", "convolution.ipynb"], MODULE, c) == ("convolution.ipynb", "")
    assert choose_file(["hw/convolution.py", "z/q/convolution.py"], MODULE, c)[0] == (
        "hw/convolution.py"
    )
    assert choose_file(["test_x.py", ".a.py", "mine.ipynb"], MODULE, c) == ("mine.ipynb", "")
    name, problem = choose_file(["a/convolution.py", "b/convolution.py"], MODULE, c)
    assert name is None and "a/convolution.py, b/convolution.py" in problem
    name, problem = choose_file(["notes.txt"], MODULE, c)
    assert name is None and "No convolution.py or notebook was found" in problem
    assert "notes.txt" in problem


def test_discover_lists_support_files(tmp_path: Path) -> None:
    """Are a student's helper .py files (not tests, links or big files) listed as support,
    and never the other students' files?"""
    ada = tmp_path / "ada"
    ada.mkdir()
    for name in (MODULE, "helpers.py", "test_helpers.py", "notes.txt"):
        (ada / name).write_text("x = 1\n")
    (ada / "big.py").write_bytes(b"#" * (2 << 20))
    (ada / "linked.py").symlink_to(ada / "helpers.py")
    (tmp_path / "bob.py").write_text("x = 1\n")
    (tmp_path / "cy.py").write_text("x = 1\n")
    subs = {s.student: s for s in discover(tmp_path, MODULE, "convolution")}
    assert subs["ada"].path == ada / MODULE and subs["ada"].problem == ""
    assert subs["ada"].support == (ada / "helpers.py",)
    assert subs["bob"].support == () and subs["cy"].support == ()


def test_hashed_looking_id_cannot_take_anothers_file() -> None:
    """Does an id spelled like another id's hashed file name get a file name of its own?"""
    taken = files.student_filename("kim lee")
    assert taken != "kim lee" and taken.startswith("kim_lee-")
    assert files.student_filename(taken) != taken
    assert files.student_filename("") != files.student_filename("_")


@contextlib.contextmanager
def _umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def test_report_files_are_world_readable_by_umask(tmp_path: Path) -> None:
    """Are report files written 0644 under umask 022, and 0600 under umask 077?"""
    for mask, mode in ((0o022, 0o644), (0o077, 0o600)):
        path = tmp_path / f"r{mask:o}.json"
        with _umask(mask):
            files.write_text(path, "{}\n")
        assert stat.S_IMODE(path.stat().st_mode) == mode
        assert path.read_text() == "{}\n"
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_html_escapes_script_in_id_output_and_message(grader: Grader, tmp_path: Path) -> None:
    """Do a <script> in the id, the printed output and an exception message reach the
    student's page and the dashboard escaped, never as a raw tag?"""
    path = tmp_path / "xss.py"
    path.write_text(
        f"print({XSS!r})\n\ndef convolve(image, kernel):\n    raise ValueError({XSS!r})\n\n"
        f"def convolve1d(signal, kernel):\n    raise ValueError({XSS!r})\n"
    )
    rep = grader.grade(Submission(XSS, path))
    assert XSS in rep.output and any(XSS in c.message for c in rep.cases)
    page = html.render_student(rep, grader.cases)
    cls = ClassReport("convolution", (rep,), rep.max_score, "process", 0.0, "")
    dashboard = html.render_class(cls, HINT_TITLES, page_link)
    for text in (page, dashboard):
        assert "<script>alert" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert page.count("<script") == 0
    assert page_link(XSS).startswith("html/script_alert_1_script-")
