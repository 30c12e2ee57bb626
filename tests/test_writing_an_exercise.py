"""docs/writing-an-exercise.md is true: the exercise it builds, from its code blocks alone,
loads, is cross-checked, grades its demo class and names the mistakes it says it names."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from grader.cli import main
from grader.core.spec import load_spec
from grader.core.student_files import public_tests_source, stub_source

from .conftest import ROOT, SANDBOX

DOC = ROOT / "docs" / "writing-an-exercise.md"
# A fenced block whose info string names a file: ```python exercises/normalize/reference.py
FENCE = re.compile(r"^```(\w+) (exercises/\S+)\n(.*?)^```", re.M | re.S)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh project holding only what the page tells an instructor to write."""
    root = tmp_path_factory.mktemp("docs-project")
    blocks = FENCE.findall(DOC.read_text(encoding="utf-8"))
    assert {p for _, p, _ in blocks} >= {
        "exercises/normalize/assignment.toml",
        "exercises/normalize/reference.py",
        "exercises/normalize/exercise.py",
        "exercises/normalize/demo/ada.py",
        "exercises/normalize/demo/ben.py",
    }
    for _, path, body in blocks:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(body, encoding="utf-8")
    return root


def test_the_page_builds_an_exercise_that_grades_its_demo_class(project: Path) -> None:
    """Does `grader grade` on the page's exercise give ada full marks and tell ben to add
    eps (as the page says), through the real sandbox?"""
    ex = project / "exercises" / "normalize"
    out = project / "reports"
    args = ["--assignment", str(ex), "--out", str(out), "--sandbox", SANDBOX]
    code = main(["grade", str(ex / "demo"), *args, "--no-html", "--quiet"])
    assert code == 0
    ada = json.loads((out / "results" / next(_named(out, "ada"))).read_text())
    ben = json.loads((out / "results" / next(_named(out, "ben"))).read_text())
    assert ada["score"] == ada["max_score"] == 4
    assert ben["score"] == 1
    codes = {tag for t in ben["tests"] for tag in t["tags"]}
    assert "forgot_eps" in codes  # the hidden case, where eps = 0.5 changes the result
    assert "non_finite" in codes  # the constant case: 0 / 0


def test_the_pages_exercise_gets_a_stub_and_public_tests_from_its_spec(project: Path) -> None:
    """Are the generated stub and tests what the page promises: the docstring and lesson of
    exercise.py, the visible cases and no hidden one?"""
    from grader.core.reference import prepare

    spec = load_spec(project / "exercises" / "normalize")
    stub = stub_source(spec)
    assert "def normalize(x, eps):" in stub
    assert "sqrt(var(x) + eps)" in stub and "NotImplementedError" in stub
    compile(stub, "normalize.py", "exec")
    tests = public_tests_source(spec, prepare(spec))
    compile(tests, "test_normalize.py", "exec")
    assert "def test_normalize_small" in tests and "def test_normalize_constant_with_eps" in tests
    assert "hidden_matrix" not in tests


def test_a_reference_the_oracle_contradicts_grades_nobody(project: Path, tmp_path: Path) -> None:
    """Does the page's oracle catch a wrong reference before anyone is graded?"""
    import shutil

    ex = tmp_path / "normalize"
    shutil.copytree(project / "exercises" / "normalize", ex)
    ref = ex / "reference.py"
    ref.write_text(ref.read_text().replace("x.var() + eps", "x.var(ddof=1) + eps"))
    code = main(["grade", str(ex / "demo"), "--assignment", str(ex), "--out", str(tmp_path / "o")])
    assert code != 0


def _named(out: Path, student: str):
    return (p.name for p in (out / "results").iterdir() if p.name.startswith(student))
