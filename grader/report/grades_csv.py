"""grades.csv: one row per student, one column per test, for spreadsheets and LMS imports."""

from __future__ import annotations

import csv
import io

from ..core import untrusted
from ..core.results import ClassReport


def render(cls: ClassReport) -> str:
    """CSV text: student, score, max_score, graded, then the points of each test.

    Every text cell (the header, the student id) is one printable line (no control
    characters or escape sequences, so each row is one line and `cat grades.csv` is safe)
    and formula-safe (`untrusted.csv_cell`): a spreadsheet shows it as text, never runs it.
    The numbers are written as numbers.
    """
    names: list[str] = []
    for rep in cls.reports:
        for c in rep.cases:
            col = f"{c.question}:{c.name}"
            if col not in names:
                names.append(col)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([_text(h) for h in ("student", "score", "max_score", "graded", *names)])
    for rep in cls.reports:
        points = {f"{c.question}:{c.name}": c.points for c in rep.cases}
        w.writerow(
            [
                _text(rep.student),
                f"{rep.score:g}" if rep.graded else "",  # ungraded: empty, never a silent 0
                f"{rep.max_score:g}",
                "yes" if rep.graded else "no",
                *(f"{points[n]:g}" if rep.graded and n in points else "" for n in names),
            ]
        )
    return buf.getvalue()


def _text(cell: str) -> str:
    """A text cell: one printable line that no spreadsheet reads as a formula."""
    return untrusted.csv_cell(untrusted.name(cell, 1000))
