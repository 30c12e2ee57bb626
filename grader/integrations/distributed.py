"""Grade across a Dask cluster: `grader grade --scheduler tcp://HOST:PORT`.

The client (where `grader grade` runs) reads every submission and ships its bytes, so the
workers need no shared file system: only this package installed, numpy, and bubblewrap. The
prepared grader (spec, inputs, expected outputs) is sent to each worker once; each worker
grades in its own sandbox with warm workers of its own, exactly as a local run does, and the
results come back to the client, which writes the store and the reports.

Dask is optional (`pip install .[dask]`): nothing here is imported by a local run.
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..core.results import ClassReport, GradeReport
from ..core.service import Grader, versions
from ..core.store import Store, file_hash, report_from_json, report_to_json, spec_hash
from ..core.submissions import Submission, read_source, read_support
from ..errors import UsageError
from ..isolation.sandbox import WorkerPool

_LOCAL: dict[str, tuple[Grader, WorkerPool]] = {}
_LOCK = threading.Lock()


def _local(grader: Grader, key: str) -> tuple[Grader, WorkerPool]:
    """This Dask worker's own copy of the grader and its warm sandbox workers."""
    with _LOCK:
        if key not in _LOCAL:
            sandbox = dataclasses.replace(grader.sandbox, python=sys.executable)
            here = dataclasses.replace(grader, sandbox=sandbox)
            _LOCAL[key] = (here, WorkerPool(sandbox))
        return _LOCAL[key]


def grade_remote(
    grader: Grader,
    key: str,
    student: str,
    name: str,
    data: bytes,
    note: str,
    support: tuple[tuple[str, bytes], ...] = (),
) -> str:
    """Runs on a Dask worker: grade one submission's bytes (and its helper modules') with
    the same Grader.grade as a local run; return the report as JSON."""
    g, pool = _local(grader, key)
    with tempfile.TemporaryDirectory(prefix="grader-dask-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        helpers = []
        for helper, body in support:
            p = Path(tmp) / Path(helper).name
            if p != path:
                p.write_bytes(body)
                helpers.append(p)
        sub = Submission(student, path, note=note, support=tuple(helpers))
        report = g.grade(sub, pool=pool)
    return report_to_json(dataclasses.replace(report, source=name))


def grade_on_cluster(
    grader: Grader,
    subs: list[Submission],
    scheduler: str,
    *,
    progress: Callable[[int, int, GradeReport], None] | None = None,
    store: Store | None = None,
    regrade: bool = False,
) -> ClassReport:
    """Grade `subs` on the Dask cluster at `scheduler`; same results as a local run.

    Raises:
        UsageError: dask is not installed, or the scheduler cannot be reached.
    """
    try:
        from distributed import Client, as_completed
    except ImportError as exc:
        raise UsageError("--scheduler needs Dask: pip install '.[dask]'") from exc
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    t0 = time.monotonic()
    shash = spec_hash(grader.spec) if store else ""
    results: dict[int, GradeReport] = {}
    reused = 0
    try:
        client = Client(scheduler, timeout="10s")  # type: ignore[no-untyped-call]
    except OSError as exc:
        raise UsageError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
    with client:
        shipped = client.scatter(grader, broadcast=True)  # type: ignore[no-untyped-call]
        key = f"{grader.spec.path}:{time.time_ns()}"
        futures: dict[Any, tuple[int, str]] = {}
        for i, sub in enumerate(subs):
            data, problem = read_source(sub)
            fhash = file_hash(data)
            old = (
                None
                if (store is None or regrade)
                else store.lookup(grader.spec.name, sub.student, fhash, shash)
            )
            if old is not None:
                results[i] = old
                reused += 1
            elif problem or sub.path is None:
                results[i] = grader.grade(sub, read=(data, problem))  # no sandbox needed
                if store is not None:
                    store.save(grader.spec.name, results[i], fhash, shash)
            else:
                fut = client.submit(
                    grade_remote, shipped, key, sub.student, sub.path.name, data, sub.note,
                    read_support(sub), pure=False,
                )  # fmt: skip
                futures[fut] = (i, fhash)
        done = len(results)
        for sub_i, _ in sorted(results.items()):
            if progress is not None:
                progress(sub_i + 1, len(subs), results[sub_i])
        for fut in as_completed(list(futures)):  # type: ignore[no-untyped-call]
            i, fhash = futures[fut]
            report = dataclasses.replace(report_from_json(fut.result()), source=str(subs[i].path))
            results[i] = report
            if store is not None:
                store.save(grader.spec.name, report, fhash, shash)
            done += 1
            if progress is not None:
                progress(done, len(subs), report)
    return ClassReport(
        assignment=grader.spec.name,
        reports=tuple(results[i] for i in range(len(subs))),
        max_score=grader.spec.max_score,
        sandbox=grader.sandbox.mode,
        seconds=time.monotonic() - t0,
        started=started_at,
        versions=versions() | {"scheduler": scheduler},
        warnings=(grader.warning,) if grader.warning else (),
        reused=reused,
    )
