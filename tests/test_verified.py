"""The scipy cross-check runs once per spec, reference and versions, and never vouches for a
reference that failed it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from grader import Grader
from grader.errors import ReferenceError_
from grader.exercise import Exercise

from .conftest import ASSIGNMENT


@pytest.fixture
def course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the assignment and its reference, with a cache of its own."""
    monkeypatch.setenv("GRADER_CACHE_DIR", str(tmp_path / "cache"))
    shutil.copytree(ASSIGNMENT, tmp_path / "convolution", ignore=shutil.ignore_patterns("demo"))
    return tmp_path


def _oracle_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = Exercise.oracle

    def counting(self: Exercise, function: str, args: Any) -> Any:
        calls.append(function)
        return real(self, function, args)

    monkeypatch.setattr(Exercise, "oracle", counting)
    return calls


def test_a_checked_spec_is_not_checked_again_until_a_file_changes(
    course: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _oracle_calls(monkeypatch)
    folder = course / "convolution"
    first = Grader.create(folder, sandbox="process")
    assert len(calls) == len(first.cases)
    second = Grader.create(folder, sandbox="process")
    assert len(calls) == len(first.cases)  # remembered: no scipy this time
    assert [c.expected.tobytes() for c in second.cases] == [
        c.expected.tobytes() for c in first.cases
    ]
    ref = course / "convolution" / "reference.py"
    ref.write_text(ref.read_text() + "\n# edited\n")
    Grader.create(folder, sandbox="process")
    assert len(calls) == 2 * len(first.cases)  # the reference changed: checked again


def test_a_failed_check_is_never_remembered(course: Path) -> None:
    folder = course / "convolution"
    ref = course / "convolution" / "reference.py"
    ref.write_text(
        ref.read_text() + "\n\n_real = convolve\n\ndef convolve(image, kernel, **kw):\n"
        "    return _real(image, kernel[::-1, ::-1], **kw)\n"
    )
    for _ in range(2):
        with pytest.raises(ReferenceError_, match="disagrees with the exercise's oracle"):
            Grader.create(folder, sandbox="process")
