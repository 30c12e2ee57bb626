"""The spec is the single source of truth: it must load, validate, and describe good tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from grader.cases import build_inputs
from grader.errors import SpecError
from grader.spec import load_spec

from .conftest import ASSIGNMENT

GOOD = (ASSIGNMENT / "assignment.toml").read_text()


def test_real_spec_loads() -> None:
    """Does the shipped spec load with both functions and the no-flip 'valid' convention?"""
    spec = load_spec(ASSIGNMENT)
    assert spec.functions == ("convolve", "convolve1d")
    assert (spec.flip, spec.mode) == (False, "valid")
    assert spec.max_score == sum(c.points for _, c in spec.all_cases())


def test_hidden_images_have_the_promised_shapes() -> None:
    """Do the hidden 2-D cases use 8x8, 12x10, 10x10 and 12x8 images with 3x3 kernels?"""
    spec = load_spec(ASSIGNMENT)
    q = spec.questions[0]
    shapes = [build_inputs(c)["image"].shape for c in q.cases if c.hidden]
    assert shapes == [(8, 8), (12, 10), (10, 10), (12, 8)]
    assert all(build_inputs(c)["kernel"].shape == (3, 3) for c in q.cases if c.hidden)


def test_hidden_kernels_are_asymmetric_and_inputs_mixed() -> None:
    """Would a flipped kernel or truncation fail every hidden case (asymmetric, negatives)?"""
    spec = load_spec(ASSIGNMENT)
    kinds = set()
    for _, case in spec.all_cases():
        if not case.hidden:
            continue
        inputs = build_inputs(case)
        k = inputs["kernel"]
        assert not np.array_equal(k, np.flip(k)), case.name
        if k.ndim == 2:
            assert not np.array_equal(k, np.flip(k, 0)), case.name
            assert not np.array_equal(k, np.flip(k, 1)), case.name
            assert not np.array_equal(k, k.T), case.name
        assert any((a < 0).any() for a in inputs.values()), case.name
        kinds.update(a.dtype.kind for a in inputs.values())
    assert kinds == {"i", "f"}


def test_cases_are_deterministic() -> None:
    """Are the inputs the same bytes every time they are built?"""
    a = [build_inputs(c) for _, c in load_spec(ASSIGNMENT).all_cases()]
    b = [build_inputs(c) for _, c in load_spec(ASSIGNMENT).all_cases()]
    for x, y in zip(a, b, strict=True):
        for name in x:
            assert x[name].tobytes() == y[name].tobytes()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s.replace('mode = "valid"', 'mode = "diagonal"'), "convention.mode"),
        (lambda s: s.replace("flip = false", 'flip = "no"'), "flip must be true or false"),
        (lambda s: s.replace('visibility = "hidden"', 'visibility = "secret"', 1), "visibility"),
        (lambda s: s.replace("seed = 201", 'seed = "x"'), "seed must be an integer"),
        (lambda s: s.replace('name = "hidden_12x10"', 'name = "hidden_8x8"'), "used twice"),
        (lambda s: s.replace("points = 2", "points = -1", 1), "points must be a number >= 0"),
        (lambda s: s.replace('function = "convolve"', 'function = "not a name"'), "Python name"),
        (lambda s: s.replace("[assignment]", "[assignment", 1), "not valid TOML"),
        (lambda s: s.replace("call_timeout_s = 2.0", "call_timeout_s = 0"), "positive number"),
        (lambda s: s.replace("kernel = [-1, 1]", "kern = [-1, 1]"), "must give exactly"),
        (lambda s: s.replace("../../solutions", "../nowhere"), "assignment.reference"),
    ],
    ids=[
        "mode",
        "flip",
        "visibility",
        "seed",
        "duplicate",
        "points",
        "function",
        "toml",
        "timeout",
        "args",
        "reference",
    ],
)
def test_bad_spec_is_rejected_clearly(tmp_path: Path, edit, message: str) -> None:  # type: ignore[no-untyped-def]
    """Does a broken assignment.toml raise SpecError naming the file and the problem?"""
    folder = tmp_path / "assignments" / "convolution"
    folder.mkdir(parents=True)
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "convolution.py").write_text("")
    (folder / "assignment.toml").write_text(edit(GOOD))
    with pytest.raises(SpecError) as info:
        load_spec(folder)
    assert message in str(info.value)
    assert "assignment.toml" in str(info.value)


def test_missing_spec_is_a_spec_error(tmp_path: Path) -> None:
    """Does pointing at a folder without assignment.toml say so?"""
    with pytest.raises(SpecError, match="no assignment spec"):
        load_spec(tmp_path)
