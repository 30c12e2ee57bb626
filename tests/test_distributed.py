"""Grading through a real Dask cluster on loopback gives the same results as a local run."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader import Grader
from grader.core.service import find_submissions
from grader.core.store import Store
from grader.integrations.distributed import grade_on_cluster

from .conftest import DEMO

pytestmark = pytest.mark.slow


def test_local_cluster_matches_local_run(grader: Grader, tmp_path: Path) -> None:
    """Does a scheduler plus 2 worker processes grade the demo class exactly as locally?"""
    from distributed import LocalCluster

    subs = find_submissions(DEMO, grader.core.spec)
    local = grader.grade_all(subs, jobs=2)
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Store(tmp_path / "results.db") as store,
    ):
        seen: list[int] = []
        remote = grade_on_cluster(
            grader,
            subs,
            cluster.scheduler_address,
            store=store,
            progress=lambda done, total, rep: seen.append(done),
        )
        assert len(store.current(grader.core.spec.name)) == len(subs)
        again = grade_on_cluster(grader, subs, cluster.scheduler_address, store=store)
    assert seen == list(range(1, len(subs) + 1))
    assert again.reused == len(subs)
    for a, b in zip(local.reports, remote.reports, strict=True):
        assert a.student == b.student
        assert a.score == b.score, a.student
        assert [c.outcome for c in a.cases] == [c.outcome for c in b.cases], a.student
        assert [c.hint_codes for c in a.cases] == [c.hint_codes for c in b.cases], a.student
    assert "scheduler" in remote.versions


def test_unreachable_scheduler_is_a_clear_error(grader: Grader) -> None:
    """Does a scheduler address nobody listens on give a usage error naming it?"""
    from grader.errors import UsageError

    with pytest.raises(UsageError, match=r"tcp://127\.0\.0\.1:9"):
        grade_on_cluster(grader, [], "tcp://127.0.0.1:9")
