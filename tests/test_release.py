"""The source notebook, the release and the in-notebook check: generated from the spec, and
giving nothing away."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from grader import Grader, Submission, check
from grader.cli import main
from grader.core.notebook_cells import without_graded_tests
from grader.integrations.check import module_source, render_html, render_text, run_check
from grader.integrations.notebook import (
    CHECK_CELL,
    solution_cell_id,
    solutions_from_notebook,
    source_path,
    write_source,
)
from grader.integrations.release import ReleaseError, leaks, release, solution_lines

from .conftest import ASSIGNMENT, ROOT, SANDBOX, SOLUTION, STUB

COURSE = ROOT / "assignments"
NOTEBOOK = COURSE / "source" / "convolution" / "convolution.ipynb"

SMOOTH = 1.0


def _nbgrader(cell: dict[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = cell.get("metadata", {}).get("nbgrader", {})
    return meta


def _cells() -> list[dict[str, Any]]:
    cells: list[dict[str, Any]] = json.loads(NOTEBOOK.read_text())["cells"]
    return cells


def _copy_course(tmp: Path) -> Path:
    course = tmp / "course"
    (course / "source").mkdir(parents=True)
    shutil.copy2(COURSE / "nbgrader_config.py", course / "nbgrader_config.py")
    shutil.copytree(COURSE / "source" / "convolution", course / "source" / "convolution")
    return course


# --- the committed source notebook -------------------------------------------------------------


def test_committed_notebook_is_what_the_spec_generates(real_grader: Grader) -> None:
    """Is the committed source notebook exactly what `grader notebook` makes from the spec?"""
    result = write_source(COURSE, real_grader.spec, cases=real_grader.cases, check_only=True)
    assert result.path == NOTEBOOK
    assert not result.missing_solutions
    assert not result.changed, "run `grader notebook` and commit the result"


def test_each_question_has_one_test_cell_with_its_id_and_points(real_grader: Grader) -> None:
    """Does every question have exactly one graded test cell, grade_id = id, points = spec?"""
    cells = _cells()
    ids = [_nbgrader(c)["grade_id"] for c in cells if _nbgrader(c)]
    assert len(ids) == len(set(ids))
    for q in real_grader.spec.questions:
        tests = [c for c in cells if _nbgrader(c).get("grade")]
        mine = [c for c in tests if _nbgrader(c)["grade_id"] == q.id]
        assert len(mine) == 1, q.id
        meta = _nbgrader(mine[0])
        assert meta["points"] == q.points and meta["locked"] and not meta["solution"]
        solution = [c for c in cells if _nbgrader(c).get("grade_id") == solution_cell_id(q)]
        assert len(solution) == 1 and _nbgrader(solution[0])["solution"]
        text = "".join(solution[0]["source"])
        assert "### BEGIN SOLUTION" in text and "### END SOLUTION" in text
        assert text.startswith(f"def {q.function}({', '.join(q.args)}):")
    assert sum(_nbgrader(c).get("points", 0) for c in cells) == real_grader.spec.max_score


def test_notebook_teaches_the_lessons_examples() -> None:
    """Does the notebook explain the convention with the lessons' 1-D and 2-D examples?"""
    intro = "".join(_cells()[0]["source"])
    assert "without being flipped" in intro
    assert "signal = [0 0 0 0 0 1 1 1 1 1]" in intro and "kernel = [-1 1]" in intro
    assert "convolve1d(signal, kernel) = [0 0 0 0 1 0 0 0 0]" in intro
    assert "Example of `convolve`" in intro and "Example of `convolve1d`" in intro
    assert "For instance at position 4 the kernel covers `[0 1]`" in intro


def test_source_folder_holds_only_the_notebook() -> None:
    """Does source/convolution/ hold the notebook and nothing nbgrader would hand out?"""
    assert [p.name for p in NOTEBOOK.parent.iterdir()] == ["convolution.ipynb"]


def test_notebook_holds_no_hidden_case(real_grader: Grader) -> None:
    """Is every hidden name, seed, input and expected value absent from the source notebook?"""
    text = NOTEBOOK.read_text()
    code = "\n".join("".join(c["source"]) for c in _cells())
    for found in (
        leaks(real_grader.spec, text, (), real_grader.cases),
        leaks(real_grader.spec, code, (), real_grader.cases),
    ):
        assert set(found) <= {"marker 'BEGIN SOLUTION'", "marker 'END SOLUTION'"}, found


def _run_code_cells(nb: dict[str, Any]) -> dict[str, str]:
    """Run a notebook's code cells in order, as Jupyter would (the check cell left out): per
    grade_id, "ok" or the name of the exception the cell raised."""
    namespace: dict[str, Any] = {}
    ran = {}
    for cell in nb["cells"]:
        grade_id = _nbgrader(cell).get("grade_id", "")
        if cell["cell_type"] != "code" or grade_id == CHECK_CELL:
            continue
        try:
            exec(compile("".join(cell["source"]), grade_id, "exec"), namespace)
        except Exception as exc:
            ran[grade_id] = type(exc).__name__
        else:
            ran[grade_id] = "ok"
    return ran


def _flipped_notebook() -> dict[str, Any]:
    nb: dict[str, Any] = json.loads(NOTEBOOK.read_text())
    for cell in nb["cells"]:
        if _nbgrader(cell).get("grade_id") == "convolve":
            src = "".join(cell["source"]).replace(
                "    ### BEGIN SOLUTION\n",
                "    ### BEGIN SOLUTION\n    kernel = kernel[::-1, ::-1]\n",
            )
            cell["source"] = src
    return nb


def test_notebook_solution_gets_full_marks_and_its_tests_pass(
    grader: Grader, capsys: pytest.CaptureFixture[str]
) -> None:
    """Does the source notebook's solution get 16/16, with every public test cell passing
    when the notebook is run as Jupyter runs it?"""
    report = grader.grade(Submission("source", NOTEBOOK))
    assert report.score == report.max_score == 16
    assert report.problems == (), report.problems
    ran = _run_code_cells(json.loads(NOTEBOOK.read_text()))
    assert ran == dict.fromkeys(["imports", "convolve", "q1_convolve", "convolve1d",
                                 "q2_convolve1d"], "ok")  # fmt: skip
    assert "convolve1d: the public tests passed." in capsys.readouterr().out


def test_public_test_cells_catch_a_flipped_kernel(grader: Grader, tmp_path: Path) -> None:
    """Do the notebook's own test cells fail when the kernel is flipped, while grading (which
    empties them before the notebook loads) still runs every case and names the flip?"""
    nb = _flipped_notebook()
    ran = _run_code_cells(nb)
    assert ran["q1_convolve"] == "AssertionError" and ran["q2_convolve1d"] == "ok", ran
    path = tmp_path / "flipped.ipynb"
    path.write_text(json.dumps(nb))
    report = grader.grade(Submission("flipped", path))
    assert report.problems == (), report.problems  # no test cell ran at load time
    one_d = [c for c in report.cases if c.question == "q2_convolve1d"]
    two_d = [c for c in report.cases if c.question == "q1_convolve"]
    assert all(c.status == "passed" for c in one_d)
    assert all(c.status == "failed" for c in two_d)
    assert any("flipped_kernel" in c.hint_codes for c in two_d)


# --- grading nbgrader notebooks ----------------------------------------------------------------


def test_test_cells_are_emptied_before_grading() -> None:
    """Are only the graded test cells and the check cell emptied, keeping the cell count?"""
    data = NOTEBOOK.read_bytes()
    stripped = without_graded_tests(data)
    assert stripped is not None
    before, after = json.loads(data)["cells"], json.loads(stripped)["cells"]
    assert len(before) == len(after)
    for old, new in zip(before, after, strict=True):
        meta = _nbgrader(old)
        emptied = (meta.get("grade") and not meta.get("solution")) or (
            meta.get("grade_id") == CHECK_CELL
        )
        assert (new["source"] == "") == bool(emptied), meta.get("grade_id")
    assert without_graded_tests(b'{"cells": []}') is None
    assert without_graded_tests(b"not json") is None


def test_solution_bodies_survive_regeneration(real_grader: Grader, tmp_path: Path) -> None:
    """Does regenerating keep the instructor's solution bodies and nothing else of the old file?"""
    course = _copy_course(tmp_path)
    path = source_path(course, real_grader.spec)
    nb = json.loads(path.read_text())
    nb["cells"][0]["source"] = "an edit the spec does not know about"
    path.write_text(json.dumps(nb))
    result = write_source(course, real_grader.spec, cases=real_grader.cases)
    assert result.changed and not result.missing_solutions
    assert path.read_bytes() == NOTEBOOK.read_bytes()
    assert solutions_from_notebook(path.read_text()).keys() == {"convolve", "convolve1d"}


# --- the leak detector itself ------------------------------------------------------------------


def test_leak_check_finds_what_it_looks_for(real_grader: Grader) -> None:
    """Does the release check notice a hidden name, seed, input, expected value or solution?"""
    spec = real_grader.spec
    hidden = next(
        pc for pc in real_grader.cases if pc.case.hidden and pc.question.function == "convolve"
    )
    image = hidden.inputs["image"]
    secrets = solution_lines(spec, NOTEBOOK)
    assert any("np.sum(image[i:i + kh, j:j + kw] * kernel)" in s for s in secrets)
    assert leaks(spec, f"case {hidden.case.name}")
    assert leaks(spec, "rng = np.random.default_rng(203)")
    assert leaks(spec, np.array2string(image.astype(float), precision=8))
    assert leaks(spec, repr(float(hidden.expected.ravel()[3])), (), real_grader.cases)
    # the reference's own code is found through the solution lines (the core knows no
    # exercise-specific words)
    assert "windows = sliding_window_view(x, kernel.shape)" in secrets
    assert leaks(spec, "windows = sliding_window_view(x, kernel.shape)", secrets)
    assert leaks(spec, "    " + secrets[0], secrets)
    assert not leaks(spec, STUB.read_text(), secrets, real_grader.cases)


# --- release ------------------------------------------------------------------------------------


def test_release_refuses_a_reference_without_full_marks(grader: Grader, tmp_path: Path) -> None:
    """Does `release` stop, before building anything, when the reference is not full marks?"""
    course = _copy_course(tmp_path)
    broken = dataclasses.replace(grader, spec=dataclasses.replace(grader.spec, reference=STUB))
    with pytest.raises(ReleaseError, match="not full marks") as err:
        release(broken, course)
    assert err.value.exit_code == 5
    assert not (course / "release").exists()


def test_release_refuses_extra_files_in_the_source_folder(grader: Grader, tmp_path: Path) -> None:
    """Does `release` refuse when a file sits beside the notebook (nbgrader would release it)?"""
    course = _copy_course(tmp_path)
    (course / "source" / "convolution" / "answers.py").write_text("x = 1\n")
    with pytest.raises(ReleaseError, match=r"answers\.py"):
        release(grader, course)
    assert not (course / "release").exists()


def test_release_that_leaks_is_refused_and_deleted(
    grader: Grader, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Is a release holding a hidden case refused, with the released files deleted?"""
    course = _copy_course(tmp_path)

    def leaky(course_dir: Path, assignment: str, *, release_dir: Path | None) -> Path:
        folder = course_dir / "release" / assignment
        folder.mkdir(parents=True)
        (folder / "convolution.ipynb").write_text('{"cells": [], "note": "hidden_12x10"}')
        return folder

    monkeypatch.setattr("grader.integrations.release.nbgrader_bridge.generate_assignment", leaky)
    with pytest.raises(ReleaseError, match="hidden case name 'hidden_12x10'"):
        release(grader, course)
    assert not (course / "release" / "convolution").exists()
    assert not (course / "release" / "convolution-python").exists()


def _bundle_tests_pass(folder: Path) -> bool:
    """Does `pytest` in a plain-Python bundle pass (True) or fail its tests (False)?"""
    import subprocess
    import sys

    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "default"]
    proc = subprocess.run(
        argv, cwd=folder, capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr  # 1: tests ran and failed
    assert " passed" in proc.stdout or " failed" in proc.stdout, proc.stdout
    return proc.returncode == 0


@pytest.mark.nbgrader
def test_release_gives_nothing_away(
    real_grader: Grader, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Does `grader release` build the notebook and bundle, with no solution or hidden case?"""
    course = _copy_course(tmp_path)
    code = main(
        ["release", "--course-dir", str(course), "--assignment", str(ASSIGNMENT),
         "--sandbox", SANDBOX]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Reference solution: 16/16" in out
    released = course / "release" / "convolution" / "convolution.ipynb"
    bundle = course / "release" / "convolution-python"
    assert sorted(p.name for p in bundle.iterdir()) == [
        "README.md",
        "convolution.py",
        "test_convolution.py",
    ]
    assert (bundle / "convolution.py").read_bytes() == STUB.read_bytes()
    assert _bundle_tests_pass(bundle) is False  # the stub fails its public tests ...
    solved = tmp_path / "solved"
    shutil.copytree(bundle, solved)
    shutil.copy(SOLUTION, solved / "convolution.py")
    assert _bundle_tests_pass(solved) is True  # ... and the reference passes them
    readme = (bundle / "README.md").read_text()
    assert "pytest" in readme and "grader check convolution.py" in readme
    files = [p for p in (course / "release").rglob("*") if p.is_file()]
    texts = {p: p.read_text() for p in files}
    cells = json.loads(released.read_text())["cells"]
    texts[released] += "\n".join("".join(c["source"]) for c in cells)
    secrets = solution_lines(real_grader.spec, NOTEBOOK)
    for path, text in texts.items():
        assert not leaks(real_grader.spec, text, secrets, real_grader.cases), path
        assert "BEGIN SOLUTION" not in text and "sliding_window_view" not in text
        for pc in real_grader.cases:
            if pc.case.hidden:
                assert pc.case.name not in text
    graded = {_nbgrader(c)["grade_id"]: _nbgrader(c) for c in cells if _nbgrader(c).get("grade")}
    assert {k: v["points"] for k, v in graded.items()} == {
        q.id: q.points for q in real_grader.spec.questions
    }
    solutions = ["".join(c["source"]) for c in cells if _nbgrader(c).get("solution")]
    assert len(solutions) == 2
    assert all("raise NotImplementedError()" in s for s in solutions)


# --- the in-notebook check ----------------------------------------------------------------------


def _helper_window(a: np.ndarray[Any, Any], i: int, k: int) -> np.ndarray[Any, Any]:
    return a[i : i + k] * SMOOTH


def convolve1d(signal: np.ndarray[Any, Any], kernel: np.ndarray[Any, Any]) -> Any:
    n = len(signal) - len(kernel) + 1
    return np.array([np.sum(_helper_window(signal, i, len(kernel)) * kernel) for i in range(n)])


def my_convolve(image: np.ndarray[Any, Any], kernel: np.ndarray[Any, Any]) -> Any:
    kh, kw = kernel.shape
    h, w = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    k = kernel[::-1, ::-1]
    return np.array(
        [[np.sum(image[i : i + kh, j : j + kw] * k) for j in range(w)] for i in range(h)]
    )


def test_check_brings_along_imports_helpers_and_constants(real_grader: Grader) -> None:
    """Does the checked module hold `import numpy as np`, the helper, the constant, an alias?"""
    text = module_source(real_grader.spec, [my_convolve, convolve1d])
    assert "import numpy as np" in text
    assert "def _helper_window(" in text and "SMOOTH = 1.0" in text
    assert "convolve = my_convolve" in text
    compile(text, "checked.py", "exec")


def test_check_runs_public_tests_out_of_process(grader: Grader) -> None:
    """Does check grade only the public cases, in the sandbox, and diagnose the flipped one?"""
    report = run_check(grader, [my_convolve, convolve1d])
    assert all(not c.visibility or c.visibility == "visible" for c in report.cases)
    assert {c.question for c in report.cases} == {"q1_convolve", "q2_convolve1d"}
    one_d = [c for c in report.cases if c.question == "q2_convolve1d"]
    assert all(c.status == "passed" for c in one_d)
    flipped = [c for c in report.cases if c.question == "q1_convolve" and c.status != "passed"]
    assert flipped and any("flip" in " ".join(c.hints) for c in flipped)
    text, page = render_text(report, grader), render_html(report, grader)
    assert "[FAIL] q1_convolve" in text and "Not yet run" in text
    assert "<table" in page and "FAIL" in page and "Hint:" in page


def test_check_prints_a_table_outside_jupyter(capsys: pytest.CaptureFixture[str]) -> None:
    """Does check(), called as students do, print the result when there is no notebook?"""
    check(convolve1d, assignment=ASSIGNMENT, sandbox=SANDBOX)
    out = capsys.readouterr().out
    assert "[PASS] q2_convolve1d: lesson_edge" in out
    assert "does not define a function named `convolve`" in out


def test_check_does_nothing_inside_the_grader(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Does check() stay quiet when the grader itself runs the notebook (no nested grading)?"""
    monkeypatch.setenv("GRADER_PRELOAD", "")
    check(convolve1d)
    assert "does nothing" in capsys.readouterr().out


def test_notebook_command_checks_the_committed_notebook(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Does `grader notebook --check` exit 0 on the committed notebook, writing nothing?"""
    before = NOTEBOOK.read_bytes()
    argv = ["notebook", "--course-dir", str(COURSE), "--assignment", str(ASSIGNMENT), "--check"]
    assert main(argv) == 0
    assert "matches" in capsys.readouterr().out
    assert NOTEBOOK.read_bytes() == before


@pytest.mark.nbgrader
def test_check_cell_shows_a_table_in_a_real_kernel(tmp_path: Path) -> None:
    """Does the notebook's check cell, run by a Jupyter kernel, show an HTML table of results?"""
    import os
    import subprocess
    import sys

    from grader.integrations.nbgrader_bridge import nbgrader_env

    source = json.loads(NOTEBOOK.read_text())
    by_id = {_nbgrader(c).get("grade_id"): c for c in source["cells"]}
    student = (
        "def convolve(image, kernel):\n"
        "    k = kernel[::-1, ::-1]\n"
        "    kh, kw = k.shape\n"
        "    h, w = image.shape[0] - kh + 1, image.shape[1] - kw + 1\n"
        "    return np.array([[np.sum(image[i:i + kh, j:j + kw] * k) for j in range(w)]\n"
        "                     for i in range(h)])\n"
    )
    cells = [by_id["imports"], {**by_id["convolve"], "source": student}, by_id[CHECK_CELL]]
    nb = dict(source, cells=cells)
    path = tmp_path / "student.ipynb"
    path.write_text(json.dumps(nb))
    env = nbgrader_env() | {"GRADER_ASSIGNMENT": str(ASSIGNMENT)}
    env.pop("GRADER_PRELOAD", None)
    argv = [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute"]
    subprocess.run(
        [*argv, str(path), "--output", "ran.ipynb"],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    ran = json.loads((tmp_path / "ran.ipynb").read_text())
    outputs = ran["cells"][-1]["outputs"]
    page = "".join("".join(o.get("data", {}).get("text/html", "")) for o in outputs)
    text = "".join("".join(o.get("data", {}).get("text/plain", "")) for o in outputs)
    assert "<table" in page and "FAIL" in page and "flips the kernel" in page, outputs
    assert "[FAIL] q1_convolve: lesson_2x2_kernel" in text
    assert "does not define a function named `convolve1d`" in text
    assert os.environ.get("GRADER_PRELOAD") is None
