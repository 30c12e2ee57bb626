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
    lim = dataclasses.replace(grader.core.spec.limits, **values)
    spec = dataclasses.replace(grader.core.spec, limits=lim)
    sandbox = dataclasses.replace(grader.isolation.sandbox, limits=lim)
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
