"""The shipped exercises other than convolution grade their demo classes through the real
sandbox: the correct students get full marks and each wrong one is told its mistake."""

from __future__ import annotations

import pytest

from grader import Grader, Submission
from grader.core.diagnosis import GENERIC_TITLES

from .conftest import ROOT, SANDBOX

EXPECTED = {
    "conv2d": {
        "ada_correct": None,
        "ben_vectorized": None,
        "chen_flipped": "flipped_kernel",
        "dana_one_side": "pad_one_side",
        "eli_stride_ignored": "stride_ignored",
        "fay_size_formula": "output_size",
        "gus_symmetric_same": "symmetric_padding",
    },
    "maxpool": {
        "ada_correct": None,
        "chen_average": "mean_pooling",
        "dana_overlap": "stride_one",
        "fay_transposed": "output_transposed",
        "gus_zero_init": "zero_initialised_max",
    },
}


@pytest.mark.parametrize("exercise", sorted(EXPECTED))
def test_demo_class_is_graded_and_diagnosed(exercise: str) -> None:
    """Does each demo student get full marks (correct) or, if wrong, fewer points and the hint
    that names the mistake made, with every code one the exercise titles?"""
    folder = ROOT / "exercises" / exercise
    grader = Grader.create(folder, sandbox=SANDBOX)
    titles = {**grader.spec.exercise.hint_titles}
    for student, mistake in EXPECTED[exercise].items():
        rep = grader.grade(Submission(student, folder / "demo" / f"{student}.py"))
        codes = {h for c in rep.cases for h in c.hint_codes}
        if mistake is None:
            assert rep.score == rep.max_score, (student, rep.problems)
            assert not codes
        else:
            assert rep.score < rep.max_score, student
            assert mistake in codes, (student, codes)
            assert codes <= titles.keys() | set(GENERIC_TITLES), codes
