"""Shared fixtures: the real spec, a grader with short limits, and a one-call grading helper."""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from grader import Grader, GradeReport, Submission, load_spec
from grader.core.student_files import stub_source
from grader.exercise import load_module

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = ROOT / "exercises" / "convolution"
FIXTURES = Path(__file__).resolve().parent / "submissions"
DEMO = ROOT / "exercises" / "convolution" / "demo"
SOLUTION = ROOT / "exercises" / "convolution" / "reference.py"
# The convolution exercise's own module (its diagnosis rules live in CONVOLUTION.diagnosis).
CONVOLUTION = load_module(ASSIGNMENT / "exercise.py")[0]

# The stub students start from is generated from the spec (grader.core.student_files).
STUB = Path(tempfile.mkdtemp(prefix="grader-test-stub-")) / "convolution.py"
STUB.write_text(stub_source(load_spec(ASSIGNMENT)), encoding="utf-8")

# The record of specs already cross-checked with scipy lives in a folder of this session's own,
# so every session checks its specs once (see grader/verified.py).
os.environ["GRADER_CACHE_DIR"] = tempfile.mkdtemp(prefix="grader-test-cache-")

# CI sets GRADER_REQUIRE_BWRAP=1: there the suite must run in the real sandbox.
SANDBOX = os.environ.get("GRADER_TEST_SANDBOX") or (
    "bwrap" if os.environ.get("GRADER_REQUIRE_BWRAP") else "auto"
)


def fast(grader: Grader, **limits: float) -> Grader:
    """The same grader with shorter time limits, so looping fixtures cost less."""
    values = {"call_timeout_s": 0.8, "load_timeout_s": 2.0, "submission_timeout_s": 20.0}
    values.update(limits)
    lim = dataclasses.replace(grader.spec.limits, **values)
    spec = dataclasses.replace(grader.spec, limits=lim)
    sandbox = dataclasses.replace(grader.sandbox, limits=lim)
    return dataclasses.replace(grader, spec=spec, sandbox=sandbox)


@pytest.fixture(scope="session")
def real_grader() -> Grader:
    """The grader exactly as `grader grade` builds it."""
    return Grader.create(ASSIGNMENT, sandbox=SANDBOX)


@pytest.fixture(scope="session")
def grader(real_grader: Grader) -> Grader:
    return fast(real_grader)


@pytest.fixture(scope="session")
def grade(grader: Grader) -> Callable[[Path], GradeReport]:
    """Grade one file with every test, hidden ones included."""

    def run(path: Path) -> GradeReport:
        return grader.grade(Submission(path.stem, path))

    return run


# The committed nbgrader source notebook: what a student hands in, solutions filled in.
NBGRADER_NOTEBOOK = ROOT / "assignments" / "source" / "convolution" / "convolution.ipynb"


def hanging_test_cells(path: Path) -> Path:
    """Write at path an nbgrader notebook, correct solutions and nbgrader's metadata kept,
    whose first graded test cell loops forever and whose other test cells raise.

    Graded 16/16 only when the grading path empties the test cells before the notebook
    loads; run, the first test cell would use up the load time limit and cost every test.
    """
    import json

    nb = json.loads(NBGRADER_NOTEBOOK.read_text(encoding="utf-8"))
    tests = [
        c
        for c in nb["cells"]
        if c.get("metadata", {}).get("nbgrader", {}).get("grade")
        and not c["metadata"]["nbgrader"].get("solution")
    ]
    assert len(tests) >= 2, "the source notebook has a graded test cell per question"
    tests[0]["source"] = "while True:  # a test cell that never ends\n    pass\n"
    for cell in tests[1:]:
        cell["source"] = 'raise AssertionError("a test cell ran while grading")\n'
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path
