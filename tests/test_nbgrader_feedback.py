"""nbgrader's feedback after the grader's grading, through the real nbgrader exchange.

The whole term in a temporary folder: the instructor releases the assignment into an exchange,
students fetch it, answer and submit, the instructor collects, grades with `grader grade
--course-dir` (never `nbgrader autograde`), runs `nbgrader generate_feedback` and
`release_feedback`, and the students `fetch_feedback`. HOME and Jupyter's folders point into
the temporary folder, so no user config or cache is read or written.
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from grader import GradeReport
from grader.cli import main
from grader.integrations.nbgrader_bridge import nbgrader_env

from .conftest import ASSIGNMENT, ROOT, SANDBOX, SOLUTION

pytestmark = pytest.mark.nbgrader

COURSE_ID = "convolution-course"
NAME = "convolution"  # the assignment and its notebook

CORRECT = {
    "convolve": """\
    kh, kw = kernel.shape
    h, w = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    out = np.zeros((h, w))
    for a in range(kh):
        for b in range(kw):
            out += kernel[a, b] * image[a : a + h, b : b + w]
    return out""",
    "convolve1d": """\
    k = len(kernel)
    return np.array([np.dot(signal[i : i + k], kernel) for i in range(len(signal) - k + 1)])""",
}
FLIPPED = {
    "convolve": "    kernel = kernel[::-1, ::-1]\n" + CORRECT["convolve"],
    "convolve1d": CORRECT["convolve1d"],
}
# A cell that leaves a mark only when a Jupyter kernel runs it (get_ipython exists there, not in
# the grader's sandbox): if nbgrader ever executed a notebook in this flow, the file would exist.
PROBE = """\
import pathlib
try:
    get_ipython
except NameError:
    pass
else:
    pathlib.Path({marker!r}).write_text("a Jupyter kernel ran this notebook")
"""
# The student's own outputs, saved in the notebook: a forged "all passed" must never survive.
FORGED = "convolve: the public tests passed. 16/16 points"


@dataclass(frozen=True)
class Term:
    """The folders of one run of the flow and what the grader printed."""

    root: Path
    course: Path
    exchange: Path
    students: Path
    marker: Path
    stdout: str

    def results(self, student: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(
            (self.root / "reports" / "results" / f"{student}.json").read_text()
        )
        return data


def _env(root: Path) -> dict[str, str]:
    env = nbgrader_env()
    home = root / "home"
    env.update(
        HOME=str(home),
        JUPYTER_CONFIG_DIR=str(home / ".jupyter"),
        JUPYTER_DATA_DIR=str(home / ".local" / "share" / "jupyter"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
    )
    env.pop("JUPYTER_PATH", None)
    env.pop("JUPYTER_CONFIG_PATH", None)
    return env


def _nbgrader(root: Path, cwd: Path, *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args, f"--Exchange.root={root / 'exchange'}"],
        cwd=cwd,
        env=_env(root),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, f"nbgrader {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stderr + proc.stdout


def _as_student(root: Path, student: str, *args: str) -> str:
    """An nbgrader command run by a student, in their own folder, with their own cache."""
    cwd = root / "students" / student
    cwd.mkdir(parents=True, exist_ok=True)
    return _nbgrader(
        root,
        cwd,
        *args,
        f"--course={COURSE_ID}",
        f"--CourseDirectory.student_id={student}",
        f"--Exchange.cache={root / 'cache' / student}",
    )


def _answer(path: Path, bodies: dict[str, str], extra: str = "") -> None:
    """Write the student's answers into their fetched notebook (with nbformat)."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_output

    nb = nbformat.read(path, as_version=4)
    stub = "    # YOUR CODE HERE\n    raise NotImplementedError()"
    cells = []
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in bodies:
            assert stub in cell.source
            cell.source = cell.source.replace(stub, bodies[grade_id])
        elif cell.metadata.get("nbgrader", {}).get("grade"):
            cell.outputs = [new_output("stream", name="stdout", text=FORGED)]
        cells.append(cell)
        if extra and grade_id == "convolve1d":
            cells.append(new_code_cell(extra))
    nb.cells = cells
    nbformat.write(nb, path)


@pytest.fixture(scope="module")
def term(tmp_path_factory: pytest.TempPathFactory) -> Term:
    """Release, fetch, answer, submit, collect, grade, generate and release the feedback."""
    root = tmp_path_factory.mktemp("term")
    course = root / "course"
    course.mkdir()
    shutil.copy2(ROOT / "assignments" / "nbgrader_config.py", course / "nbgrader_config.py")
    shutil.copytree(ROOT / "assignments" / "source", course / "source")
    marker = root / "kernel-ran-a-notebook"

    _nbgrader(root, course, "generate_assignment", NAME, "--force")
    _nbgrader(root, course, "release_assignment", NAME)
    answers = {"ada": (CORRECT, ""), "ben": (FLIPPED, PROBE.format(marker=str(marker)))}
    for student, (bodies, extra) in answers.items():
        _as_student(root, student, "fetch_assignment", NAME)
        _answer(root / "students" / student / NAME / f"{NAME}.ipynb", bodies, extra)
        _as_student(root, student, "submit", NAME)
    _nbgrader(root, course, "collect", NAME)
    # Copies gone wrong: a folder without a notebook, and a notebook that is not JSON.
    for student, text in (("cy", None), ("dee", '{"cells": [')):
        folder = course / "submitted" / student / NAME
        folder.mkdir(parents=True)
        shutil.copy2(course / "submitted" / "ada" / NAME / "timestamp.txt", folder)
        if text is not None:
            (folder / f"{NAME}.ipynb").write_text(text)

    buf = io.StringIO()
    argv = ["grade", "--course-dir", str(course), "--assignment", str(ASSIGNMENT)]
    argv += ["--out", str(root / "reports"), "--sandbox", SANDBOX, "--quiet", "--jobs", "2"]
    with contextlib.redirect_stdout(buf):
        assert main(argv) == 0

    _nbgrader(root, course, "generate_feedback", NAME)
    _nbgrader(root, course, "release_feedback", NAME)
    for student in answers:
        _as_student(root, student, "fetch_feedback", NAME)
    return Term(root, course, root / "exchange", root / "students", marker, buf.getvalue())


def _page_text(path: Path) -> str:
    """A feedback page's visible text, entities decoded, whitespace collapsed."""
    text = re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8"))
    return " ".join(html.unescape(text).split())


def _fetched(term: Term, student: str) -> Path:
    (page,) = (term.students / student / NAME / "feedback").glob(f"*/{NAME}.html")
    return page


def _first_failure(results: dict[str, Any], question: str) -> str:
    """The first line of advice the grader gave on a failed public test of the question."""
    for t in results["tests"]:
        if t["tags"][0] == question and t["status"] == "failed" and t["visibility"] == "visible":
            hint = next(line for line in t["output"].splitlines() if line.startswith("Hint: "))
            return hint.removeprefix("Hint: ")
    raise AssertionError(f"no failed public test of {question}")


def test_fetched_feedback_holds_our_score_and_our_message_for_a_failing_test(term: Term) -> None:
    """Does the page a student fetches show the grader's score and its advice on a failure?"""
    ben = term.results("ben")
    assert 0 < ben["score"] < 16
    page = _page_text(_fetched(term, "ben"))
    assert f"Score: {round(float(ben['score']), 2)} / 16.0" in page
    assert _first_failure(ben, "q1_convolve") in page  # e.g. "...which flips the kernel..."
    assert "tests of convolve failed" in page  # the failing test cell's error output
    assert FORGED not in page  # the student's own saved "16/16" output is gone
    for question, points in (("q1_convolve", 11.0), ("q2_convolve1d", 5.0)):
        got = sum(t["score"] for t in ben["tests"] if t["tags"][0] == question)
        assert f"Test cell (Score: {round(float(got), 2)} / {points})" in page
    # The grader's per-question comment, shown under the student's function.
    q1 = [t for t in ben["tests"] if t["tags"][0] == "q1_convolve"]
    passed = sum(t["status"] == "passed" for t in q1)
    points = sum(t["score"] for t in q1)
    assert f"Comments: convolve: {passed} of {len(q1)} tests passed, {points:g}/11 points" in page

    ada = _page_text(_fetched(term, "ada"))
    assert "Score: 16.0 / 16.0" in ada
    for question, function in (("q1_convolve", "convolve"), ("q2_convolve1d", "convolve1d")):
        n = sum(t["tags"][0] == question for t in term.results("ada")["tests"])
        assert f"{function}: {n} of {n} tests passed" in ada
    assert "AssertionError" not in ada


def test_release_feedback_puts_each_page_in_the_exchange(term: Term) -> None:
    """Is each student's feedback in the exchange under nbgrader's hash of their submission?"""
    from nbgrader.utils import notebook_hash

    released = sorted((term.exchange / COURSE_ID / "feedback").glob("*.html"))
    assert len(released) == 2
    for student in ("ada", "ben"):
        submitted = term.course / "submitted" / student / NAME
        secret = (submitted / "submission_secret.txt").read_text()
        digest = notebook_hash(secret=secret, notebook_id=NAME)
        page = term.exchange / COURSE_ID / "feedback" / f"{digest}.html"
        generated = term.course / "feedback" / student / NAME / f"{NAME}.html"
        assert page.read_bytes() == generated.read_bytes() == _fetched(term, student).read_bytes()


def test_autograded_notebook_is_the_students_with_our_results(term: Term) -> None:
    """Student code and the instructor's tests, the grader's outputs, nbgrader's extra files?"""
    import nbformat

    path = term.course / "autograded" / "ben" / NAME / f"{NAME}.ipynb"
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
    assert "kernel = kernel[::-1, ::-1]" in cells["convolve"].source
    assert all(c.get("execution_count") is None for c in nb.cells if c.cell_type == "code")
    test = cells["q1_convolve"]
    kinds = [o.output_type for o in test.outputs]
    assert kinds == ["stream", "error"]
    assert test.outputs[0].text.startswith("convolve: ")
    assert test.outputs[1].ename == "AssertionError"
    trace = "\n".join(test.outputs[1].traceback)
    assert _first_failure(term.results("ben"), "q1_convolve") in trace
    assert [o.output_type for o in cells["q2_convolve1d"].outputs] == ["stream"]
    for student in ("ada", "ben"):
        folder = term.course / "autograded" / student / NAME
        for name in ("timestamp.txt", "submission_secret.txt"):
            assert (folder / name).read_bytes() == (
                term.course / "submitted" / student / NAME / name
            ).read_bytes()
    assert "cy: no notebook was submitted" in term.stdout
    assert "dee: convolution.ipynb is not a readable notebook" in term.stdout
    assert not (term.course / "autograded" / "cy").exists()
    assert not (term.course / "autograded" / "dee").exists()


def test_no_notebook_is_ever_run_and_our_scores_stay(term: Term) -> None:
    """Did no Jupyter kernel run the students' cells, and does the gradebook keep our scores?"""
    from nbgrader.api import Gradebook

    # The probe works: where get_ipython exists (a kernel), it leaves its mark.
    probe_mark = term.root / "probe-check"
    exec(PROBE.format(marker=str(probe_mark)), {"get_ipython": lambda: None})
    assert probe_mark.is_file()
    assert not term.marker.exists(), "a Jupyter kernel ran a student's notebook"

    with Gradebook(f"sqlite:///{term.course / 'gradebook.db'}", course_id=COURSE_ID) as gb:
        for student in ("ada", "ben"):
            results = term.results(student)
            sub = gb.find_submission(NAME, student)
            assert sub.score == pytest.approx(results["score"])
            for q in ("q1_convolve", "q2_convolve1d"):
                want = sum(t["score"] for t in results["tests"] if t["tags"][0] == q)
                assert gb.find_grade(q, NAME, NAME, student).auto_score == pytest.approx(want)


def test_formgrader_lists_and_shows_each_submission(term: Term) -> None:
    """Does formgrader's API list the submissions, and its submission view render ours?"""
    from nbconvert.exporters import HTMLExporter
    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.server_extensions.formgrader import handlers
    from traitlets.config import Config

    config = Config()
    config.CourseDirectory.root = str(term.course)
    config.CourseDirectory.course_id = COURSE_ID
    config.Exchange.root = str(term.exchange)
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    with contextlib.redirect_stderr(io.StringIO()):
        listed = {s["student"]: s for s in api.get_notebook_submissions(NAME, NAME)}
    assert {s for s, row in listed.items() if row["id"] is not None} >= {"ada", "ben"}
    assert listed["ben"]["score"] == pytest.approx(term.results("ben")["score"])

    # What formgrader's SubmissionHandler does for /formgrader/submissions/<id>.
    view = Config()
    view.HTMLExporter.template_name = "formgrade"
    view.HTMLExporter.extra_template_basedirs = [handlers.template_path]
    resources = {
        "assignment_id": NAME,
        "notebook_id": NAME,
        "submission_id": listed["ben"]["id"],
        "index": 0,
        "total": 2,
        "base_url": "",
        "student": "ben",
        "last_name": None,
        "first_name": None,
        "notebook_path": f"/autograded/ben/{NAME}/{NAME}.ipynb",
    }
    path = term.course / "autograded" / "ben" / NAME / f"{NAME}.ipynb"
    page, _ = HTMLExporter(config=view).from_filename(str(path), resources=resources)
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    assert "kernel=kernel[::-1,::-1]" in "".join(text.split())  # the code is highlighted
    assert "tests of convolve failed" in text


def test_without_generate_assignment_nothing_is_written_and_it_says_why(
    tmp_path: Path, grade: Callable[[Path], GradeReport]
) -> None:
    """A gradebook whose cells the grader registered itself: no autograded notebook, and why?"""
    from grader.core.spec import load_spec
    from grader.integrations.nbgrader_bridge import GradebookEntry, write_gradebook
    from grader.integrations.nbgrader_feedback import summary, write_autograded

    spec = load_spec(ASSIGNMENT)
    entries = [GradebookEntry("ada", grade(SOLUTION))]
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    written = write_gradebook(url, course_id=COURSE_ID, spec=spec, entries=entries)
    assert written.registered
    result = write_autograded(tmp_path, written, spec, entries)
    assert result.refused and not result.written
    assert not (tmp_path / "autograded").exists()
    assert "run `grader release` before collecting submissions" in summary(result, spec)
