"""summary.json: the class at a glance (scores, per-test pass rates, common mistakes)."""

from __future__ import annotations

import statistics
from collections import Counter
from typing import Any

from ..core.results import ClassReport


def render(cls: ClassReport) -> dict[str, Any]:
    """A JSON-ready dict describing the whole run."""
    scores = [r.score for r in cls.reports]
    tests: dict[str, dict[str, Any]] = {}
    outcomes: Counter[str] = Counter()
    mistakes: Counter[str] = Counter()
    for rep in cls.reports:
        seen: set[str] = set()
        for c in rep.cases:
            t = tests.setdefault(
                f"{c.question}:{c.name}",
                {"visibility": c.visibility, "max_points": c.max_points, "passed": 0, "of": 0},
            )
            t["of"] += 1
            t["passed"] += c.status == "passed"
            outcomes[c.outcome] += 1
            seen.update(c.hint_codes)
        mistakes.update(seen)
    return {
        "assignment": cls.assignment,
        "started": cls.started,
        "seconds": round(cls.seconds, 3),
        "sandbox": cls.sandbox,
        "versions": cls.versions,
        "warnings": list(cls.warnings),
        "students": len(cls.reports),
        # This run's work: how many results were graded now, how many reused from the store.
        "graded_now": len(cls.reports) - cls.reused,
        "reused": cls.reused,
        "max_score": cls.max_score,
        "full_marks": sum(r.score == r.max_score and r.graded for r in cls.reports),
        "not_graded": [r.student for r in cls.reports if not r.graded],
        "score": {
            "mean": round(statistics.fmean(scores), 4) if scores else None,
            "median": statistics.median(scores) if scores else None,
            "min": min(scores, default=None),
            "max": max(scores, default=None),
        },
        "tests": tests,
        "outcomes": dict(sorted(outcomes.items())),
        "mistakes": dict(mistakes.most_common()),
    }
