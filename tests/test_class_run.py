"""One grading run over the demo class plus every attack, as an instructor would run it."""

from __future__ import annotations

import csv
import hashlib
import re
import shutil
from pathlib import Path

import pytest

from grader.cli import main

from .conftest import DEMO, ROOT, SANDBOX

pytestmark = pytest.mark.slow

ATTACKS = Path(__file__).resolve().parent / "attacks"
# The exercises (spec, reference, demo class), the nbgrader course and the fixtures.
WATCHED = ("exercises/convolution", "assignments", "tests/submissions", "tests/attacks")
CORRECT_DEMO = ("ada_loops", "ben_vectorized", "ivy_notebook", "jo_single_file")


def _snapshot() -> dict[str, str]:
    out = {}
    for top in WATCHED:
        assert (ROOT / top).is_dir(), top  # a folder that moved would be watched silently
        for p in sorted((ROOT / top).rglob("*")):
            if p.is_file() and "__pycache__" not in p.parts:
                out[str(p.relative_to(ROOT))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def _expected(path: Path) -> tuple[float, bool]:
    """The score an attack file declares, and whether it depends on the sandbox mode."""
    head = path.read_text(errors="replace")[:400]
    match = re.search(r"expect: score=(\d+)", head)
    assert match, path
    return float(match.group(1)), "process mode" in head.splitlines()[0]


def test_demo_class_plus_attacks_in_one_run(tmp_path: Path) -> None:
    """Do correct files keep full marks and every attack get exactly what its output earns?"""
    subs = tmp_path / "submissions"
    shutil.copytree(DEMO, subs)
    attacks = sorted(p for p in ATTACKS.iterdir() if p.suffix in (".py", ".ipynb"))
    for p in attacks:
        shutil.copy(p, subs / f"attack_{p.name}")
    before = _snapshot()
    out = tmp_path / "reports"
    code = main(
        ["grade", str(subs), "--out", str(out), "--quiet", "--no-html", "--sandbox", SANDBOX]
    )
    assert code == 0
    rows = {r["student"]: r for r in csv.DictReader((out / "grades.csv").read_text().splitlines())}
    assert len(rows) == len(list(DEMO.iterdir())) + len(attacks)
    for student in CORRECT_DEMO:
        assert float(rows[student]["score"]) == 16, student
    bwrap = "bwrap" in (out / "summary.json").read_text()
    wrong = {}
    for p in attacks:
        score, depends_on_mode = _expected(p)
        got = float(rows[f"attack_{p.stem}"]["score"])
        if (bwrap or not depends_on_mode) and got != score:
            wrong[p.name] = (got, score)
    assert not wrong, wrong
    assert _snapshot() == before, "a file outside the sandbox changed"
