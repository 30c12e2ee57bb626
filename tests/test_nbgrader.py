"""nbgrader end to end: release, student notebooks, `grader grade` into the gradebook, export.

Runs the real nbgrader commands on a temporary copy of the course; the repository's
assignments/ folder is never written to.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from grader.cli import main
from grader.core.spec import load_spec
from grader.integrations.nbgrader_bridge import nbgrader_env

from .conftest import ASSIGNMENT, ROOT, SANDBOX

pytestmark = pytest.mark.nbgrader

COURSE = ROOT / "assignments"
STAMP = "2025-03-01 09:30:00.000000 UTC"

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
    "convolve1d": "    kernel = kernel[::-1]\n" + CORRECT["convolve1d"],
}
# convolve dies of a segmentation fault; convolve1d works and must keep its points.
CRASHER = {
    "convolve": "    import ctypes\n    ctypes.string_at(0)\n    return image",
    "convolve1d": CORRECT["convolve1d"],
}
# Wrong functions, plus a cell that makes every later assertion pass (and, in IPython, would
# empty every later cell), as a student might to fool notebook-run tests.
TAMPERER = {
    "convolve": "    return np.ones((image.shape[0] - kernel.shape[0] + 1, "
    "image.shape[1] - kernel.shape[1] + 1))",
    "convolve1d": "    return np.ones(len(signal) - len(kernel) + 1)",
}
TAMPER_CELL = """\
np.testing.assert_allclose = lambda *args, **kwargs: None
np.allclose = lambda *args, **kwargs: True
get_ipython().input_transformers_cleanup.append(lambda lines: ["pass\\n"])
"""


@dataclass(frozen=True)
class Run:
    """One pass of the workflow: the course, the grader's outputs and nbgrader's export."""

    course: Path
    stdout: str
    ours: dict[str, dict[str, str]]
    export: dict[str, dict[str, str]]


def _nbgrader(course: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=course,
        env=nbgrader_env(),
        check=True,
        capture_output=True,
        timeout=300,
    )


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


def _student(released: dict[str, Any], bodies: dict[str, str], extra: str = "") -> str:
    nb = json.loads(json.dumps(released))
    cells = []
    for cell in nb["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in bodies:
            src = "".join(cell["source"])
            stub = "    # YOUR CODE HERE\n    raise NotImplementedError()"
            assert stub in src
            cell["source"] = src.replace(stub, bodies[grade_id])
        cells.append(cell)
        if extra and grade_id == "convolve1d":
            cells.append(
                {
                    "cell_type": "code",
                    "execution_count": None,
                    "id": "my-cell",
                    "metadata": {},
                    "outputs": [],
                    "source": extra,
                }
            )
    nb["cells"] = cells
    return json.dumps(nb, indent=1)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """generate_assignment, five students, `grader grade --course-dir`, `nbgrader export`."""
    course = tmp_path_factory.mktemp("nbgrader") / "course"
    course.mkdir()
    shutil.copy2(COURSE / "nbgrader_config.py", course / "nbgrader_config.py")
    shutil.copytree(COURSE / "source", course / "source")
    _nbgrader(course, "generate_assignment", "convolution", "--force")
    released = json.loads((course / "release" / "convolution" / "convolution.ipynb").read_text())
    students = {
        "ada": _student(released, CORRECT),
        "ben": _student(released, FLIPPED),
        "cy": _student(released, CRASHER),
        "tam": _student(released, TAMPERER, TAMPER_CELL),
        "nobody": "",
    }
    for name, text in students.items():
        folder = course / "submitted" / name / "convolution"
        folder.mkdir(parents=True)
        (folder / "timestamp.txt").write_text(STAMP)
        if text:
            (folder / "convolution.ipynb").write_text(text)
    out = course.parent / "reports"
    buf = io.StringIO()
    argv = ["grade", "--course-dir", str(course), "--assignment", str(ASSIGNMENT)]
    argv += ["--out", str(out), "--sandbox", SANDBOX, "--quiet", "--jobs", "2"]
    with contextlib.redirect_stdout(buf):
        assert main(argv) == 0
    _nbgrader(course, "export", "--to", str(course.parent / "export.csv"))
    ours = {r["student"]: r for r in csv.DictReader(_lines(out / "grades.csv"))}
    export = {r["student_id"]: r for r in csv.DictReader(_lines(course.parent / "export.csv"))}
    return Run(course, buf.getvalue(), ours, export)


def test_export_holds_the_scores_the_grader_computed(run: Run) -> None:
    """Does `nbgrader export` show, for every graded student, the grader's own score?"""
    for student in ("ada", "ben", "cy", "tam"):
        assert float(run.export[student]["score"]) == float(run.ours[student]["score"]), student
        assert float(run.export[student]["max_score"]) == 16.0
        assert run.export[student]["timestamp"].startswith("2025-03-01 09:30:00")


def test_scores_tell_the_students_apart(run: Run) -> None:
    """Full 16 for the correct one, less for the flipped and the tamperer, 5 for the crasher?"""
    score = {s: float(r["score"]) for s, r in run.export.items()}
    assert score["ada"] == 16.0
    assert score["ben"] < 16.0
    assert score["tam"] < 16.0
    assert score["cy"] == 5.0  # convolve1d's points survive convolve's segmentation fault


def test_each_question_is_its_own_grade_cell(run: Run) -> None:
    """Does each question's grade cell hold the sum of that question's case points?"""
    from nbgrader.api import Gradebook

    spec = load_spec(ASSIGNMENT)
    url = f"sqlite:///{run.course / 'gradebook.db'}"
    with Gradebook(url, course_id="convolution-course") as gb:
        for student in ("ada", "ben", "cy", "tam"):
            results = json.loads((run.course.parent / "reports" / "results" / f"{student}.json")
                                 .read_text())  # fmt: skip
            for q in spec.questions:
                want = sum(t["score"] for t in results["tests"] if t["tags"][0] == q.id)
                grade = gb.find_grade(q.id, "convolution", "convolution", student)
                assert grade.auto_score == pytest.approx(want), (student, q.id)
                assert grade.max_score == q.points
                assert not grade.needs_manual_grade
        crashed = gb.find_comment("convolve", "convolution", "convolution", "cy")
        assert "segmentation fault" in crashed.auto_comment


def test_ungradable_submission_is_flagged_never_a_silent_zero(run: Run) -> None:
    """Is a submission without a notebook flagged for manual grading and named in the output?"""
    from nbgrader.api import Gradebook

    assert "NEEDS MANUAL GRADING" in run.stdout
    assert "nobody: No convolution.py or notebook was found" in run.stdout
    url = f"sqlite:///{run.course / 'gradebook.db'}"
    with Gradebook(url, course_id="convolution-course") as gb:
        notebook = gb.find_submission_notebook("convolution", "convolution", "nobody")
        assert notebook.flagged
        for grade in notebook.grades:
            assert grade.needs_manual_grade and grade.auto_score is None
        assert all("NOT GRADED AUTOMATICALLY" in c.auto_comment for c in notebook.comments)


def test_tampering_with_the_test_helpers_changes_nothing(run: Run) -> None:
    """Does the tamperer's patched assert helper and input transformer earn no point?"""
    assert float(run.ours["tam"]["score"]) == 0.0
    assert "q1_convolve:lesson_2x2_kernel" in run.ours["tam"]
