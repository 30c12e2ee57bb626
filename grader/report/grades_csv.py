"""grades.csv: one row per student, one column per test, for spreadsheets and LMS imports."""

from __future__ import annotations

import csv
import io

from ..results import ClassReport


def render(cls: ClassReport) -> str:
    """CSV text: student, score, max_score, graded, then the points of each test."""
    names: list[str] = []
    for rep in cls.reports:
        for c in rep.cases:
            col = f"{c.question}:{c.name}"
            if col not in names:
                names.append(col)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["student", "score", "max_score", "graded", *names])
    for rep in cls.reports:
        points = {f"{c.question}:{c.name}": c.points for c in rep.cases}
        w.writerow(
            [
                _safe(rep.student),
                f"{rep.score:g}",
                f"{rep.max_score:g}",
                "yes" if rep.graded else "no",
                *(f"{points[n]:g}" if n in points else "" for n in names),
            ]
        )
    return buf.getvalue()


def _safe(cell: str) -> str:
    """Keep spreadsheets from reading a student id as a formula."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell
