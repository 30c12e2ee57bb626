"""Gradescope's autograder.zip: what it holds, and run_autograder on an unpacked copy."""

from __future__ import annotations

import json
import math
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from grader.cli import main
from grader.core.spec import load_spec
from grader.errors import UsageError
from grader.integrations import gradescope_zip
from grader.integrations.gradescope_zip import build_zip, find_submission

from .conftest import ASSIGNMENT, DEMO, ROOT, SANDBOX, SOLUTION, hanging_test_cells

FULL = 16.0
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}
OUTPUT_FORMATS = {"text", "html", "simple_format", "md", "ansi"}
NEVER_SHIPPED = ("tests/", "assignments/", "submissions/", "reports/", ".venv/")
EXERCISE = "exercises/convolution"  # the exercise folder, relative to the project and the zip

ADA = DEMO / "ada_loops" / "convolution.py"
CHEN = DEMO / "chen_flipped" / "convolution.py"
IVY = DEMO / "ivy_notebook" / "convolution.ipynb"


# --- results.json schema -----------------------------------------------------------------------


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def validate(results: Any) -> None:
    """Fail unless results is a results.json Gradescope accepts, with consistent scores."""
    assert isinstance(results, dict)
    for key, check in (
        ("score", _number),
        ("execution_time", _number),
        ("output", lambda v: isinstance(v, str)),
        ("output_format", lambda v: v in OUTPUT_FORMATS),
        ("visibility", lambda v: v in VISIBILITIES),
        ("stdout_visibility", lambda v: v in VISIBILITIES),
        ("extra_data", lambda v: isinstance(v, dict)),
        ("tests", lambda v: isinstance(v, list) and len(v) > 0),
    ):
        assert key in results, key
        assert check(results[key]), (key, results[key])
    for test in results["tests"]:
        for key, check in (
            ("name", lambda v: isinstance(v, str) and v != ""),
            ("number", lambda v: isinstance(v, str)),
            ("score", _number),
            ("max_score", _number),
            ("status", lambda v: v in ("passed", "failed")),
            ("output", lambda v: isinstance(v, str)),
            ("visibility", lambda v: v in VISIBILITIES),
            ("tags", lambda v: isinstance(v, list) and all(isinstance(t, str) for t in v)),
        ):
            assert key in test, (test.get("name"), key)
            assert check(test[key]), (test.get("name"), key, test[key])
        assert 0 <= test["score"] <= test["max_score"], test["name"]
        if test["status"] == "passed":
            assert test["score"] == test["max_score"], test["name"]
    assert math.isclose(sum(t["score"] for t in results["tests"]), results["score"])
    assert 0 <= results["score"] <= sum(t["max_score"] for t in results["tests"])
    numbers = [t["number"] for t in results["tests"]]
    assert len(set(numbers)) == len(numbers)


# --- the zip -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """autograder.zip built from this checkout (once for the module)."""
    return build_zip(ROOT, ASSIGNMENT, tmp_path_factory.mktemp("dist"))


def unpack(zip_path: Path, root: Path) -> Path:
    """A folder laid out like Gradescope's /autograder, with the zip unpacked in source/."""
    for name in ("source", "submission", "results"):
        (root / name).mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(root / "source")
    (root / "submission_metadata.json").write_text(json.dumps({"id": 123456, "users": []}))
    return root


def test_zip_holds_the_grader_spec_and_reference(autograder_zip: Path) -> None:
    """Does the zip hold the scripts, the package, the spec and the reference, and nothing else?"""
    assert autograder_zip.name == "autograder.zip"
    with zipfile.ZipFile(autograder_zip) as zf:
        names = zf.namelist()
        infos = {i.filename: i for i in zf.infolist()}
        reference = zf.read(f"{EXERCISE}/reference.py")
    for required in (
        "setup.sh",
        "run_autograder",
        "pyproject.toml",
        "grader/__init__.py",
        "grader/core/service.py",
        "grader/isolation/_worker.py",
        "grader/integrations/gradescope_zip.py",
        "grader/report/gradescope.py",
        f"{EXERCISE}/assignment.toml",
        f"{EXERCISE}/reference.py",
        f"{EXERCISE}/exercise.py",
        f"{EXERCISE}/diagnosis.py",
    ):
        assert required in names, required
    assert reference == SOLUTION.read_bytes()
    for name in names:
        assert not name.startswith(NEVER_SHIPPED), name
        assert not name.startswith(f"{EXERCISE}/demo/"), name  # the demo class: student work
        assert "__pycache__" not in name and not name.endswith(".pyc"), name
        if name.startswith("grader/"):
            assert name.endswith(".py"), name
    for script in ("setup.sh", "run_autograder"):
        assert (infos[script].external_attr >> 16) & stat.S_IXUSR, script
    assert len(names) == len(set(names))


def test_zip_is_reproducible(autograder_zip: Path, tmp_path: Path) -> None:
    """Does building the zip again from the same files give the same bytes?"""
    again = build_zip(ROOT, ASSIGNMENT, tmp_path / "again.zip")
    assert again == tmp_path / "again.zip"
    assert again.read_bytes() == autograder_zip.read_bytes()


def test_unpacked_spec_finds_its_reference(autograder_zip: Path, tmp_path: Path) -> None:
    """Does the unpacked spec load, naming the unpacked reference and the same cases?"""
    root = unpack(autograder_zip, tmp_path / "autograder")
    spec = load_spec(root / "source" / EXERCISE)
    assert spec.reference == (root / "source" / EXERCISE / "reference.py").resolve()
    assert spec.max_score == FULL
    assert spec.all_cases() == load_spec(ASSIGNMENT).all_cases()
    script = (root / "source" / "run_autograder").read_text()
    assert "@ASSIGNMENT@" not in script and f"ASSIGNMENT={EXERCISE}" in script


def test_assignment_outside_the_project_is_refused(tmp_path: Path) -> None:
    """Is an assignment folder outside the project refused, rather than shipped half-broken?"""
    outside = tmp_path / "elsewhere"
    shutil.copytree(ASSIGNMENT, outside)  # self-contained: spec, reference, exercise module
    with pytest.raises(UsageError, match="outside the project"):
        build_zip(ROOT, outside, tmp_path / "out")


# --- which file is graded ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "graded", "support", "words"),
    [
        (
            ["convolution.py", "helper.py", "test_convolution.py"],
            "convolution.py",
            ["helper.py"],
            "",
        ),
        (["hw/convolution.py", "notes.txt"], "hw/convolution.py", [], ""),
        (["convolution.py", "old/convolution.py"], "convolution.py", [], "old/convolution.py"),
        (["convolution.ipynb", "scratch.py"], "convolution.ipynb", ["scratch.py"], ""),
        (["answer.py", "test_answer.py"], "answer.py", [], ""),
        (["a.ipynb", ".ipynb_checkpoints/a-checkpoint.ipynb"], "a.ipynb", [], ""),
        (["my_work.ipynb", "scratch.py"], None, [], "Several files were submitted"),
        (["a.py", "b.py"], None, [], "Several files were submitted (a.py, b.py)"),
        (["report.pdf"], None, [], "It holds only: report.pdf"),
        ([], None, [], "It is empty"),
    ],
)
def test_find_submission(
    tmp_path: Path, files: list[str], graded: str | None, support: list[str], words: str
) -> None:
    """Is the command line's rule applied (the spec's file, else the assignment's notebook,
    else the single .py or .ipynb), helpers shipped along, and else the reason explained?"""
    for name in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x = 1\n")
    sub = find_submission(tmp_path, "convolution.py")
    assert sub == find_submission(tmp_path, "convolution.py", "convolution", "submission")
    assert sub.student == "submission"
    if graded is None:
        assert sub.path is None and not sub.support
        assert words in sub.problem
        assert "convolution.py" in sub.problem  # the name that would have been graded
    else:
        assert sub.path == tmp_path / graded, sub
        assert not sub.problem
        assert [p.name for p in sub.support] == support
        if words:
            assert words in sub.note, sub.note
        else:
            assert sub.note == "", sub.note


def test_find_submission_says_a_notebook_is_accepted(tmp_path: Path) -> None:
    """Does the problem of a submission with nothing to grade name both accepted kinds?"""
    (tmp_path / "notes.txt").write_text("no code\n")
    problem = find_submission(tmp_path, "convolution.py").problem
    assert "No convolution.py or notebook" in problem and "notes.txt" in problem


# --- run_autograder ----------------------------------------------------------------------------


def _submit(path: Path) -> Callable[[Path], None]:
    def prepare(root: Path) -> None:
        shutil.copy(path, root / "submission" / path.name)

    return prepare


# Gradescope's documented submission_metadata.json (fields the grader does not read trimmed)
METADATA = {
    "id": 123456,
    "created_at": "2025-03-01T09:30:00.000000-07:00",
    "assignment": {"id": 25828, "title": "Convolution", "total_points": "16.0"},
    "submission_method": "upload",
    "users": [{"email": "ada@example.edu", "id": 1234, "name": "Ada Lovelace"}],
    "previous_submissions": [],
}


def _submit_as_ada(root: Path) -> None:
    _submit(ADA)(root)
    (root / "submission_metadata.json").write_text(json.dumps(METADATA))


def _submit_hanging_notebook(root: Path) -> None:
    hanging_test_cells(root / "submission" / "convolution.ipynb")


def _nothing(root: Path) -> None:
    return None


def _break_spec(root: Path) -> None:
    _submit(ADA)(root)
    (root / "source" / EXERCISE / "assignment.toml").write_text("[broken\n")


def _break_package(root: Path) -> None:
    _submit(ADA)(root)
    (root / "source" / "grader" / "core" / "service.py").unlink()


SCENARIOS: dict[str, Callable[[Path], None]] = {
    "correct": _submit_as_ada,
    "flipped": _submit(CHEN),
    "notebook": _submit(IVY),
    "hanging_tests": _submit_hanging_notebook,
    "empty": _nothing,
    "broken_spec": _break_spec,
    "broken_package": _break_package,
}


def _python_without_this_checkout(folder: Path) -> tuple[str, str]:
    """An interpreter with this one's libraries but not an editable install of the grader.

    An editable install answers `import grader` from the checkout before PYTHONPATH is
    looked at, so the unpacked zip would not be what runs. `-S` skips the .pth files that
    set that up; the site-packages folders go on PYTHONPATH instead.
    """
    import site

    wrapper = folder / "python-no-site"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -S "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper), os.pathsep.join(site.getsitepackages())


def run_autograder(root: Path) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """bash run_autograder on a Gradescope-like root, with this interpreter (numpy, scipy)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRADER_", "PYTHON"))}
    python, libraries = _python_without_this_checkout(root)
    env |= {
        "GRADER_GS_ROOT": str(root),
        "GRADER_PYTHON": python,
        "GRADER_SANDBOX": SANDBOX,
        "PYTHONPATH": libraries,
    }
    proc = subprocess.run(
        ["bash", str(root / "source" / "run_autograder")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    results = json.loads((root / "results" / "results.json").read_text())
    return proc, results


@pytest.fixture(scope="module")
def graded(
    autograder_zip: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[subprocess.CompletedProcess[str], dict[str, Any]]]:
    """run_autograder on every scenario, each in its own unpacked root, all at once."""
    roots = {}
    for name, prepare in SCENARIOS.items():
        root = unpack(autograder_zip, tmp_path_factory.mktemp(name) / "autograder")
        prepare(root)
        roots[name] = root
    with ThreadPoolExecutor(max_workers=len(roots)) as pool:
        done = dict(zip(roots, pool.map(run_autograder, roots.values()), strict=True))
    ROOTS.update(roots)
    return done


ROOTS: dict[str, Path] = {}  # each scenario's root, once `graded` ran


Graded = dict[str, tuple[subprocess.CompletedProcess[str], dict[str, Any]]]


@pytest.mark.slow
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_every_results_json_is_valid(graded: Graded, scenario: str) -> None:
    """Does run_autograder exit 0 and write a valid results.json, whatever went wrong?"""
    proc, results = graded[scenario]
    assert proc.returncode == 0, proc.stderr
    validate(results)


@pytest.mark.slow
def test_correct_submission_gets_full_marks(graded: Graded) -> None:
    """Does a correct convolution.py score 16 of 16, every test passed?"""
    _, results = graded["correct"]
    assert results["score"] == FULL
    assert sum(t["max_score"] for t in results["tests"]) == FULL
    assert all(t["status"] == "passed" for t in results["tests"])
    assert results["extra_data"]["sandbox"] in ("bwrap", "process")


@pytest.mark.slow
def test_the_student_comes_from_gradescopes_metadata(graded: Graded) -> None:
    """Is the student in results.json the one submission_metadata.json names (name and
    email), and "submission <id>" only when the metadata lists no user?"""
    assert graded["correct"][1]["extra_data"]["student"] == "Ada Lovelace <ada@example.edu>"
    assert graded["flipped"][1]["extra_data"]["student"] == "submission 123456"


@pytest.mark.slow
def test_secrets_are_unreadable_to_other_users_while_grading(graded: Graded) -> None:
    """Did run_autograder make the spec, the reference, the submission and the metadata
    unreadable to other users (student code runs as one), keep the paths traversable and the
    grader package readable, and leave the results writable by root only?"""
    assert "correct" in graded  # the runs happened
    root = ROOTS["correct"]

    def mode(path: Path) -> int:
        return stat.S_IMODE(path.stat().st_mode)

    assert mode(root) == 0o711 and mode(root / "source") == 0o711
    for secret in (
        root / "source" / EXERCISE / "assignment.toml",
        root / "source" / EXERCISE / "reference.py",
        root / "source" / EXERCISE / "exercise.py",
        root / "source" / EXERCISE,
        root / "submission",
        root / "submission" / "convolution.py",
        root / "submission_metadata.json",
    ):
        assert mode(secret) & 0o077 == 0, secret
    assert mode(root / "source" / "grader" / "isolation" / "_worker.py") & 0o044 == 0o044
    assert mode(root / "source" / "grader") & 0o055 == 0o055
    assert mode(root / "results") == 0o755


@pytest.mark.parametrize(
    ("metadata", "student"),
    [
        (
            {"id": 7, "users": [{"name": "Ada Lovelace", "email": "ada@x.org", "id": 1}]},
            "Ada Lovelace <ada@x.org>",
        ),
        (
            {"id": 7, "users": [{"name": "Ada", "email": "a@x.org"}, {"name": "Bo", "id": 2}]},
            "Ada <a@x.org>, Bo",
        ),
        ({"id": 7, "users": [{"email": "cy@x.org", "id": 3}]}, "cy@x.org"),
        ({"id": 7, "users": [{"id": 4}]}, "user 4"),
        ({"id": 7, "users": [{"name": "Eve\x1b[2J\nEvil"}]}, "Eve Evil"),
        ({"id": 7, "users": []}, "submission 7"),
        ({"users": "nobody"}, "submission"),
        ([1, 2], "submission"),
        (None, "submission"),
    ],
    ids=["user", "group", "email", "id", "control", "no-users", "bad-users", "list", "no-file"],
)
def test_student_from_metadata(tmp_path: Path, metadata: Any, student: str) -> None:
    """Does each shape of submission_metadata.json give the right, printable student name?"""
    from grader.integrations.gradescope_zip import _student

    if metadata is not None:
        (tmp_path / "submission_metadata.json").write_text(json.dumps(metadata))
    assert _student(tmp_path) == student


@pytest.mark.slow
def test_flipped_kernel_loses_points_with_a_hint(graded: Graded) -> None:
    """Does a flipped kernel score less, and is the student told the kernel was flipped?"""
    _, results = graded["flipped"]
    assert results["score"] < FULL
    visible = [t for t in results["tests"] if t["visibility"] == "visible"]
    assert any("Hint:" in t["output"] and "flip" in t["output"] for t in visible)
    assert any("flipped_kernel" in t["tags"] for t in results["tests"])


@pytest.mark.slow
def test_notebook_submission_is_graded(graded: Graded) -> None:
    """Is a lone notebook graded like a .py file (here: full marks)?"""
    _, results = graded["notebook"]
    assert results["score"] == FULL
    assert results["extra_data"]["graded"] is True


def _cli_results(tmp_path: Path) -> dict[str, Any]:
    """results/kim.json of `grader grade` on a class of one: the hanging-test-cell notebook."""
    hanging_test_cells(tmp_path / "subs" / "kim" / "convolution.ipynb")
    out = tmp_path / "out"
    argv = ["grade", str(tmp_path / "subs"), "--out", str(out), "--assignment", str(ASSIGNMENT)]
    assert main([*argv, "--sandbox", SANDBOX, "--quiet", "--no-html"]) == 0
    results: dict[str, Any] = json.loads((out / "results" / "kim.json").read_text())
    return results


@pytest.mark.slow
def test_notebook_test_cells_never_run_on_gradescope(graded: Graded, tmp_path: Path) -> None:
    """Is a notebook whose test cell loops forever (and whose other test cells raise) graded
    by run_autograder, and by gradescope_zip.run itself, exactly as `grader grade` grades it:
    full marks, the test cells emptied before the notebook loads?"""
    cli = _cli_results(tmp_path / "cli")
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    _submit_hanging_notebook(root)
    direct = gradescope_zip.run(root, ASSIGNMENT, sandbox=SANDBOX)
    assert direct == json.loads((root / "results" / "results.json").read_text())
    for results in (graded["hanging_tests"][1], direct):
        assert results["score"] == cli["score"] == FULL
        assert [(t["name"], t["status"]) for t in results["tests"]] == [
            (t["name"], t["status"]) for t in cli["tests"]
        ]
        assert results["extra_data"]["problems"] == cli["extra_data"]["problems"] == []


@pytest.mark.slow
def test_empty_submission_says_which_files_are_accepted(graded: Graded) -> None:
    """Does an empty submission get 0 and a visible failed test naming the accepted files?"""
    _, results = graded["empty"]
    assert results["score"] == 0
    first = results["tests"][0]
    assert first["visibility"] == "visible" and first["status"] == "failed"
    assert "no file to grade" in first["name"]
    for words in ("No convolution.py or notebook", "It is empty"):
        assert words in first["output"], words
    assert "No convolution.py or notebook" in results["output"]
    assert results["extra_data"]["graded"] is False


@pytest.mark.slow
@pytest.mark.parametrize(
    ("scenario", "cause"), [("broken_spec", "SpecError"), ("broken_package", "service")]
)
def test_grader_failure_is_reported_not_hidden(graded: Graded, scenario: str, cause: str) -> None:
    """Does a broken grader give 0, a visible "Autograder failed" and a hidden traceback?"""
    proc, results = graded[scenario]
    assert results["score"] == 0
    assert results["extra_data"]["autograder_failed"] is True
    visible = [t for t in results["tests"] if t["visibility"] == "visible"]
    hidden = [t for t in results["tests"] if t["visibility"] == "hidden"]
    assert [t["name"] for t in visible] == ["Autograder failed"]
    assert "not a problem with your code" in visible[0]["output"]
    assert len(hidden) == 1 and "Traceback" in hidden[0]["output"]
    assert cause in hidden[0]["output"]
    assert cause in proc.stderr
