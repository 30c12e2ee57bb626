"""An exercise's parameters hold end to end: convolution with flip = true (and another mode)
grades, generates its stub, public tests and notebook text, and releases."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader import Grader, Submission
from grader.cli import main
from grader.core.student_files import public_tests_source, stub_source
from grader.errors import SpecError
from grader.integrations import notebook
from grader.integrations.release import reference_submission

from .conftest import ASSIGNMENT, DEMO, ROOT, SANDBOX, fast


def _variant(tmp: Path, **params: object) -> Path:
    """A copy of the convolution exercise with these [assignment.parameters]."""
    folder = tmp / "convolution"
    shutil.copytree(ASSIGNMENT, folder, ignore=shutil.ignore_patterns("demo"))
    toml = folder / "assignment.toml"
    text = toml.read_text()
    start = text.index("[assignment.parameters]")
    end = text.index("\n[", start + 1)
    lines = "".join(f"{k} = {json.dumps(v)}\n" for k, v in params.items())
    toml.write_text(text[:start] + "[assignment.parameters]\n" + lines + text[end:])
    return folder


@pytest.fixture(scope="module")
def flipped(tmp_path_factory: pytest.TempPathFactory) -> Grader:
    folder = _variant(tmp_path_factory.mktemp("flip"), flip=True, mode="valid")
    return fast(Grader.create(folder, sandbox=SANDBOX))


def test_flip_true_grades_true_convolution(flipped: Grader, tmp_path: Path) -> None:
    """With flip = true, is the reference (called with flip=True) cross-checked against
    scipy's convolve2d and a true-convolution student full marks, a correlating one not?"""
    ref = flipped.grade(reference_submission(flipped.spec, tmp_path))
    assert ref.score == ref.max_score
    convolver = flipped.grade(Submission("chen", DEMO / "chen_flipped" / "convolution.py"))
    correlator = flipped.grade(Submission("ada", DEMO / "ada_loops" / "convolution.py"))
    assert convolver.score == convolver.max_score
    assert correlator.score < correlator.max_score / 4
    codes = {h for c in correlator.cases for h in c.hint_codes}
    assert "unflipped_kernel" in codes


def test_flip_true_students_files_say_flipped(flipped: Grader, tmp_path: Path) -> None:
    """Do the generated stub, public tests and notebook text follow flip = true, and do the
    public tests pass on a true convolution and fail on a correlation?"""
    spec = flipped.spec
    stub = stub_source(spec)
    assert "flipping it first" in stub and "without flipping" not in stub
    assert "**flipped**" in "\n".join(notebook.explanation(spec, flipped.cases))
    tests = public_tests_source(spec, flipped.cases)
    for student, passes in (("chen_flipped", True), ("ada_loops", False)):
        work = tmp_path / student
        work.mkdir()
        shutil.copy(DEMO / student / "convolution.py", work / "convolution.py")
        (work / "test_convolution.py").write_text(tests)
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(work)],
            cwd=work,
            capture_output=True,
            text=True,
        )
        assert (run.returncode == 0) == passes, run.stdout


def test_flip_true_releases(flipped: Grader, tmp_path: Path) -> None:
    """Does `grader release` accept a flip = true exercise (its reference gets full marks)
    and ship a stub that says the kernel is flipped?"""
    course = tmp_path / "course"
    (course / "source").mkdir(parents=True)
    shutil.copy2(ROOT / "assignments" / "nbgrader_config.py", course / "nbgrader_config.py")
    folder = flipped.spec.folder
    solution = DEMO / "chen_flipped" / "convolution.py"  # true convolution, as the notebook's
    common = ["--course-dir", str(course), "--assignment", str(folder)]
    assert main(["notebook", *common, "--solution", str(solution)]) == 0
    code = main(
        ["release", "--course-dir", str(course), "--assignment", str(folder),
         "--sandbox", SANDBOX]
    )  # fmt: skip
    assert code == 0
    bundle = course / "release" / "convolution-python"
    assert "flipping it first" in (bundle / "convolution.py").read_text()
    assert "flipped" in (course / "release" / "convolution" / "convolution.ipynb").read_text()


def test_same_mode_grades_and_checks_its_cases(tmp_path: Path) -> None:
    """Does mode = "same" grade a 'same' student full marks, and is an unknown mode or
    parameter refused naming the allowed values?"""
    grader = fast(Grader.create(_variant(tmp_path / "a", mode="same"), sandbox=SANDBOX))
    dana = grader.grade(Submission("dana", DEMO / "dana_same_padding" / "convolution.py"))
    assert dana.score >= 7  # her 2-D function pads to 'same' (the 1-D one differs)
    with pytest.raises(SpecError, match="valid"):
        Grader.create(_variant(tmp_path / "b", mode="half"), sandbox=SANDBOX)
    with pytest.raises(SpecError, match="did you mean 'flip'"):
        Grader.create(_variant(tmp_path / "c", flipp=True), sandbox=SANDBOX)
