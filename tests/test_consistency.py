"""Things that must stay in step: the release, the demo class, the package's layering."""

from __future__ import annotations

import ast
from pathlib import Path

from grader.core.cases import build_inputs
from grader.core.reference import prepare
from grader.core.spec import load_spec
from grader.core.student_files import public_tests_source, stub_source

from .conftest import ASSIGNMENT, DEMO, ROOT, STUB

PURE = ("core/compare", "core/diagnosis", "core/results")
STDLIB_OK = {
    "__future__",
    "dataclasses",
    "typing",
    "collections",
    "itertools",
    "math",
    "functools",
    "numpy",
    "os",
    "enum",
    "statistics",
    "logging",
    "operator",
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add("." * node.level + (node.module or "").split(".")[0])
    return names


def test_pure_modules_do_no_io() -> None:
    """Do compare, diagnosis, results and the exercise API import only numpy, the stdlib
    basics and each other (never the sandbox, the service, the CLI or the reports)?"""
    for name in PURE:
        for imp in _imports(ROOT / "grader" / f"{name}.py"):
            assert imp in STDLIB_OK or imp.startswith("."), (name, imp)
            bare = imp.lstrip(".").rsplit(".", 1)[-1]
            assert bare not in ("sandbox", "service", "cli", "report"), (name, imp)


def test_nothing_imports_the_cli() -> None:
    """Does every module except __main__ stay independent of the command line?"""
    for path in (ROOT / "grader").rglob("*.py"):
        if path.name == "__main__.py" or "cli" in path.relative_to(ROOT / "grader").parts:
            continue
        assert ".cli" not in _imports(path) and "cli" not in _imports(path), path


def test_worker_is_standalone() -> None:
    """Does the sandboxed worker import only the stdlib and numpy (never the grader)?"""
    imports = _imports(ROOT / "grader" / "isolation" / "_worker.py")
    assert not any(i.startswith(".") or i == "grader" for i in imports), imports


def test_demo_stub_is_the_released_stub() -> None:
    """Is the demo class's untouched stub exactly what students receive?"""
    assert (DEMO / "fay_stub" / "convolution.py").read_bytes() == STUB.read_bytes()


def test_release_holds_no_solution_and_no_hidden_case() -> None:
    """Do the files students get (the generated stub and public tests) hold no reference code,
    no hidden case name and no seed?"""
    spec = load_spec(ASSIGNMENT)
    hidden = [c for _, c in spec.all_cases() if c.hidden]
    given = {"stub": stub_source(spec), "tests": public_tests_source(spec, prepare(spec))}
    for path, text in given.items():
        for case in hidden:
            assert case.name not in text, (path, case.name)
            for name, arg in case.args:
                seed = getattr(arg, "seed", None)
                assert f"seed = {seed}" not in text, (path, name)
        assert "sliding_window_view" not in text, path
    tree = ast.parse(STUB.read_text())
    for fn in (n for n in tree.body if isinstance(n, ast.FunctionDef)):
        assert isinstance(fn.body[-1], ast.Raise), f"{fn.name} in the stub is not a stub"


def test_public_examples_are_the_lessons() -> None:
    """Are the lessons' 1-D examples among the public cases, exactly as taught?"""
    spec = load_spec(ASSIGNMENT)
    public = {c.name: build_inputs(c) for _, c in spec.all_cases() if not c.hidden}
    assert public["lesson_edge"]["signal"].tolist() == [0] * 5 + [1] * 5
    assert public["lesson_alternating"]["signal"].tolist() == [1, 0] * 5
    assert public["lesson_2x2_kernel"]["kernel"].shape == (2, 2)
