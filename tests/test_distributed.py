"""Grading through a real Dask cluster on loopback gives the same results as a local run."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grader import Grader, Submission
from grader.cli import main
from grader.core.service import find_submissions
from grader.core.store import Store
from grader.integrations.distributed import grade_on_cluster

from .conftest import ASSIGNMENT, DEMO, SANDBOX, hanging_test_cells

pytestmark = pytest.mark.slow

# A student whose convolve needs a helper module of their own, next to convolution.py.
HELPER = """\
import numpy as np


def window_sum(image, kernel, i, j):
    kh, kw = kernel.shape
    return float(np.sum(image[i : i + kh, j : j + kw] * kernel))
"""
USES_HELPER = """\
import numpy as np
from window import window_sum


def convolve(image, kernel):
    h = image.shape[0] - kernel.shape[0] + 1
    w = image.shape[1] - kernel.shape[1] + 1
    return np.array([[window_sum(image, kernel, i, j) for j in range(w)] for i in range(h)])


def convolve1d(signal, kernel):
    k = len(kernel)
    return np.array([np.dot(signal[i : i + k], kernel) for i in range(len(signal) - k + 1)])
"""


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """A scheduler and 2 worker processes on loopback (one cluster for the module)."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        yield cluster.scheduler_address


def test_local_cluster_matches_local_run(grader: Grader, scheduler: str, tmp_path: Path) -> None:
    """Does a scheduler plus 2 worker processes grade the demo class, and a student whose
    file imports a helper module of their own, exactly as locally?"""
    folder = tmp_path / "class"
    shutil.copytree(DEMO, folder)
    (folder / "kai_helper").mkdir()
    (folder / "kai_helper" / "convolution.py").write_text(USES_HELPER)
    (folder / "kai_helper" / "window.py").write_text(HELPER)
    subs = find_submissions(folder, grader.spec)
    kai = next(s for s in subs if s.student == "kai_helper")
    assert [p.name for p in kai.support] == ["window.py"]
    local = grader.grade_all(subs, jobs=2)
    with Store(tmp_path / "results.db") as store:
        seen: list[int] = []
        remote = grade_on_cluster(
            grader,
            subs,
            scheduler,
            store=store,
            progress=lambda done, total, rep: seen.append(done),
        )
        assert len(store.current(grader.spec.name)) == len(subs)
        again = grade_on_cluster(grader, subs, scheduler, store=store)
    assert seen == list(range(1, len(subs) + 1))
    assert again.reused == len(subs)
    for a, b in zip(local.reports, remote.reports, strict=True):
        assert a.student == b.student
        assert a.score == b.score, a.student
        assert [c.outcome for c in a.cases] == [c.outcome for c in b.cases], a.student
        assert [c.hint_codes for c in a.cases] == [c.hint_codes for c in b.cases], a.student
    by_student = {r.student: r for r in remote.reports}
    assert by_student["kai_helper"].score == grader.spec.max_score  # window.py was shipped
    assert by_student["kai_helper"].problems == ()
    assert "scheduler" in remote.versions


def _cli_results(tmp_path: Path) -> dict[str, Any]:
    """results/kim.json of `grader grade` on a class of one: the hanging-test-cell notebook."""
    hanging_test_cells(tmp_path / "subs" / "kim" / "convolution.ipynb")
    out = tmp_path / "out"
    argv = ["grade", str(tmp_path / "subs"), "--out", str(out), "--assignment", str(ASSIGNMENT)]
    assert main([*argv, "--sandbox", SANDBOX, "--quiet", "--no-html"]) == 0
    results: dict[str, Any] = json.loads((out / "results" / "kim.json").read_text())
    return results


def test_notebook_test_cells_never_run_on_the_cluster(
    grader: Grader, scheduler: str, tmp_path: Path
) -> None:
    """Is a notebook whose test cell loops forever (and whose other test cells raise) graded
    on the cluster exactly as `grader grade` grades it: full marks, the test cells emptied
    before the notebook loads?"""
    cli = _cli_results(tmp_path / "cli")
    path = hanging_test_cells(tmp_path / "dask" / "convolution.ipynb")
    remote = grade_on_cluster(grader, [Submission("kim", path)], scheduler).reports[0]
    assert remote.score == cli["score"] == grader.spec.max_score
    assert [f"{c.question}: {c.name}" for c in remote.cases] == [t["name"] for t in cli["tests"]]
    assert [c.status for c in remote.cases] == [t["status"] for t in cli["tests"]]
    assert list(remote.problems) == cli["extra_data"]["problems"] == []


def test_unreachable_scheduler_is_a_clear_error(grader: Grader) -> None:
    """Does a scheduler address nobody listens on give a usage error naming it?"""
    from grader.errors import UsageError

    with pytest.raises(UsageError, match=r"tcp://127\.0\.0\.1:9"):
        grade_on_cluster(grader, [], "tcp://127.0.0.1:9")
