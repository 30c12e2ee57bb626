"""The spec is the single source of truth: it must load, validate, and describe good tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from grader.cli import main
from grader.core.cases import build_inputs
from grader.core.spec import load_spec
from grader.errors import SpecError

from .conftest import ASSIGNMENT, FIXTURES

GOOD = (ASSIGNMENT / "assignment.toml").read_text()


def test_real_spec_loads() -> None:
    """Does the shipped spec load with both functions and the no-flip 'valid' convention?"""
    spec = load_spec(ASSIGNMENT)
    assert spec.functions == ("convolve", "convolve1d")
    assert spec.parameters == {"flip": False, "mode": "valid"}
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
        (lambda s: s.replace('mode = "valid"', 'mode = "diagonal"'), "parameters.mode"),
        (lambda s: s.replace("flip = false", 'flip = "no"'), "flip must be a bool"),
        (lambda s: s.replace('visibility = "hidden"', 'visibility = "secret"', 1), "visibility"),
        (lambda s: s.replace("seed = 201", 'seed = "x"'), "seed must be an integer"),
        (lambda s: s.replace('name = "hidden_12x10"', 'name = "hidden_8x8"'), "used twice"),
        (lambda s: s.replace("points = 2", "points = -1", 1), "points must be a number >= 0"),
        (lambda s: s.replace('function = "convolve"', 'function = "not a name"'), "Python name"),
        (lambda s: s.replace("[assignment]", "[assignment", 1), "not valid TOML"),
        (lambda s: s.replace("call_timeout_s = 2.0", "call_timeout_s = 0"), "positive number"),
        (lambda s: s.replace("kernel = [-1, 1]", "kern = [-1, 1]"), "must give"),
        (
            lambda s: s.replace('reference = "reference.py"', 'reference = "nowhere.py"'),
            "assignment.reference",
        ),
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
    folder = tmp_path / "convolution"
    shutil.copytree(ASSIGNMENT, folder, ignore=shutil.ignore_patterns("demo"))
    (folder / "assignment.toml").write_text(edit(GOOD))
    with pytest.raises(SpecError) as info:
        load_spec(folder)
    assert message in str(info.value)
    assert "assignment.toml" in str(info.value)


def test_missing_spec_is_a_spec_error(tmp_path: Path) -> None:
    """Does pointing at a folder without assignment.toml say so?"""
    with pytest.raises(SpecError, match="no assignment spec"):
        load_spec(tmp_path)


def _write_spec(tmp_path: Path, text: str) -> Path:
    """A copy of the exercise folder holding this assignment.toml."""
    folder = tmp_path / "convolution"
    shutil.copytree(ASSIGNMENT, folder, ignore=shutil.ignore_patterns("demo"))
    (folder / "assignment.toml").write_text(text)
    return folder


def _once(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


@pytest.mark.parametrize(
    ("text", "where", "closest"),
    [
        (
            _once('visibility = "visible"', 'visiblity = "visible"'),
            "questions[0].cases[0].visiblity",
            "visibility",
        ),
        (_once("points = 2", "point = 2"), "questions[0].cases[3].point", "points"),
        (_once("flip = false", "flipped = false"), "assignment.parameters.flipped", "flip"),
        (
            _once("call_timeout_s = 2.0", "call_timout_s = 2.0"),
            "assignment.limits.call_timout_s",
            "call_timeout_s",
        ),
        (_once("seed = 301", "sead = 301"), "questions[1].cases[2].args.signal.sead", "seed"),
        (
            _once('function = "convolve1d"', 'functon = "convolve1d"'),
            "questions[1].functon",
            "function",
        ),
        (_once("rtol = 1e-5", "rtl = 1e-5"), "assignment.tolerance.rtl", "rtol"),
        (_once("[assignment]", "[assignmnt.extra]\nx = 1\n\n[assignment]"), "assignmnt", ""),
    ],
    ids=["visiblity", "point", "flipped", "call_timout_s", "sead", "functon", "rtl", "table"],
)
def test_unknown_keys_are_errors_naming_the_closest_key(
    tmp_path: Path, text: str, where: str, closest: str
) -> None:
    """Is a misspelled key an error naming the file, its place and the closest valid key,
    instead of being ignored (a public case silently hidden)?"""
    with pytest.raises(SpecError) as info:
        load_spec(_write_spec(tmp_path, text))
    message = str(info.value)
    assert "assignment.toml" in message
    assert f"unknown key {where}" in message
    if closest:
        assert f"did you mean {closest!r}?" in message


def test_ragged_literal_names_the_file_and_the_case(tmp_path: Path) -> None:
    """Is a literal with rows of different lengths an error naming the file and the case?"""
    text = _once("kernel = [[1, 0], [0, -1]]", "kernel = [[1, 0], [0]]")
    with pytest.raises(SpecError) as info:
        load_spec(_write_spec(tmp_path, text))
    message = str(info.value)
    assert "assignment.toml" in message and "case 'lesson_2x2_kernel'" in message
    assert "questions[0].cases[0].args.kernel is a ragged array literal" in message


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("signal = [1, 0, 1, 0, 1, 0, 1, 0, 1, 0]", 'signal = [1, "a"]', "must be a number"),
        ("kernel = [-1, 1]", "kernel = []", "empty list"),
        ("kernel = [-1, 1]", "kernel = [[-1], [1]]", "works on 1-D arrays"),
        ("seed = 101", 'seed = 101, low = "x"', "low must be a number"),
    ],
    ids=["not-a-number", "empty", "wrong-ndim", "low"],
)
def test_bad_literal_or_recipe_is_a_spec_error(
    tmp_path: Path, old: str, new: str, words: str
) -> None:
    """Are a literal of text, an empty one, a 2-D argument of a 1-D question and a recipe's
    non-number spec errors naming the file, not crashes later?"""
    with pytest.raises(SpecError) as info:
        load_spec(_write_spec(tmp_path, _once(old, new)))
    assert words in str(info.value) and "assignment.toml" in str(info.value)


def test_kernel_larger_than_image_is_a_spec_error_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """In 'valid' mode, is a kernel larger than its image a spec error (exit 2) naming the
    case, not the reference failing (exit 4)?"""
    text = _once(
        'kernel = { shape = [3, 3], dist = "normal", seed = 102 }',
        'kernel = { shape = [7, 3], dist = "normal", seed = 102 }',
    )
    folder = _write_spec(tmp_path, text)
    with pytest.raises(SpecError, match="larger than the image"):
        load_spec(folder)
    out = tmp_path / "reports"
    code = main(["grade", str(FIXTURES), "--assignment", str(folder), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert "case 'random_float_6x7'" in err and "[7, 3]" in err and "[6, 7]" in err
    assert not out.exists()


def test_a_larger_kernel_is_fine_in_full_mode(tmp_path: Path) -> None:
    """Is the size check for 'valid' mode only ('full' has an output for any kernel)?"""
    text = _once('mode = "valid"', 'mode = "full"').replace(
        'kernel = { shape = [3, 3], dist = "normal", seed = 102 }',
        'kernel = { shape = [7, 3], dist = "normal", seed = 102 }',
    )
    assert load_spec(_write_spec(tmp_path, text)).parameters["mode"] == "full"
