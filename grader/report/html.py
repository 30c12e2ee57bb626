"""Self-contained HTML pages: one per student, and the class dashboard.

Pages are rendered with Jinja2 templates from ``templates/`` with autoescaping on: student
ids, messages and printed output are untrusted and always escaped. Each page carries its
CSS inline, loads nothing from anywhere, and says so in a Content-Security-Policy. A visible
test's heatmaps are tables of cells coloured by CSS classes (`heatmaps`), not pictures; the
dashboard's score histogram is the one picture (a PNG data URI), and matplotlib is imported
only to draw it. The dashboard's only script is a static file whose hash the policy
allows; no data is ever written into a script.
"""

from __future__ import annotations

import base64
import hashlib
import statistics
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from ..core import untrusted
from ..core.results import CaseResult, ClassReport, GradeReport
from . import heatmaps, plots
from .heatmaps import Heatmaps

if TYPE_CHECKING:
    from ..core.reference import PreparedCase

TEMPLATES = Path(__file__).resolve().parent / "templates"
# Characters of a student's captured output shown on their page.
MAX_OUTPUT = 20_000

VERDICTS = {
    "passed": "passed",
    "wrong": "wrong answer",
    "error": "raised an error",
    "timeout": "timed out",
    "memory": "ran out of memory",
    "crashed": "crashed",
    "exited": "exited early",
    "not_run": "not run",
}
MARKS = {
    "passed": "\u2713",
    "wrong": "\u2717",
    "error": "E",
    "timeout": "T",
    "memory": "M",
    "crashed": "C",
    "exited": "X",
    "not_run": "\u2013",
}


@dataclass(frozen=True, slots=True)
class CaseView:
    """One test as a student page shows it.

    Attributes:
        number: the test's number on the page (1, 2, ...).
        anchor: the id of the test's section on the page.
        name: the case name.
        description: what the case tests, in words.
        verdict: the outcome in words ("passed", "wrong answer", ...).
        outcome: the outcome's code (a CSS class).
        passed: True when the test passed.
        points: points earned.
        max_points: points available.
        visibility: Gradescope's visibility word.
        shown: True for visible tests, whose data and heatmaps may be shown.
        message: what went wrong, in words.
        hints: diagnoses of the mistake.
        notes: remarks that cost no points.
        heatmaps: the inputs, expected and returned arrays and their difference as tables
            of coloured cells (None for hidden tests, for tests whose prepared case is
            unknown, and on the page of a submission that could not be graded).
        details: inputs, expected and returned values as text ("" for hidden tests).
    """

    number: int
    anchor: str
    name: str
    description: str
    verdict: str
    outcome: str
    passed: bool
    points: float
    max_points: float
    visibility: str
    shown: bool
    message: str
    hints: tuple[str, ...]
    notes: tuple[str, ...]
    heatmaps: Heatmaps | None
    details: str


@dataclass(frozen=True, slots=True)
class QuestionView:
    """One question (a function to write) and its tests, as a student page shows them."""

    id: str
    signature: str
    description: str
    tests: tuple[CaseView, ...]

    @property
    def points(self) -> float:
        return sum(t.points for t in self.tests)

    @property
    def max_points(self) -> float:
        return sum(t.max_points for t in self.tests)


def render_student(report: GradeReport, prepared: Sequence[PreparedCase]) -> str:
    """One student's page: score, problems, every test, heatmaps of the visible ones.

    Hidden tests show their verdict, message and hints only: their inputs, expected arrays
    and the student's output never reach the page. A submission that could not be graded
    gets no heatmaps.

    Args:
        report: the student's graded submission.
        prepared: the assignment's prepared cases; a visible test's inputs and expected
            output come from the one with the same case name.

    Returns:
        The page, as HTML text.
    """
    by_name = {pc.case.name: pc for pc in prepared}
    questions: dict[str, list[CaseView]] = {}
    for number, result in enumerate(report.cases, start=1):
        view = _test_view(number, result, by_name.get(result.name), draw=report.graded)
        questions.setdefault(result.question, []).append(view)
    output, cut = _capped(report.output, MAX_OUTPUT)
    return _render(
        "student.html",
        report=report,
        file=untrusted.name(Path(report.source).name) if report.source else "",
        questions=[_question_view(q, tests, prepared) for q, tests in questions.items()],
        passed=sum(c.status == "passed" for c in report.cases),
        percent=_percent(report.score, report.max_score),
        output=output,
        output_cut=cut,
    )


def render_class(cls: ClassReport, titles: Mapping[str, str], link: Callable[[str], str]) -> str:
    """The class dashboard: scores, pass rates, common mistakes, students, the run's facts.

    Args:
        cls: the whole grading run.
        titles: short names of the diagnosed mistakes by hint code (e.g.
            ``diagnose.HINT_TITLES``); unknown codes are shown with spaces for underscores.
        link: the URL of a student's page, from their id (a relative path such as
            ``"ada.html"``); it is escaped like every other value.

    Returns:
        The page, as HTML text.
    """
    return "".join(stream_class(cls, titles, link))


def stream_class(
    cls: ClassReport, titles: Mapping[str, str], link: Callable[[str], str]
) -> Iterator[str]:
    """render_class, piece by piece: one student's row exists at a time, so writing the
    dashboard of a big class takes little memory."""
    reports = cls.reports
    n = len(reports)
    columns = _columns(reports)
    scores = [r.score for r in reports]
    script = _static("sort.js")
    template = _environment().get_template("class.html")
    return template.generate(
        style=Markup(_static("style.css")),
        cls=cls,
        n=n,
        mean=statistics.fmean(scores) if scores else None,
        median=statistics.median(scores) if scores else None,
        full=sum(r.graded and r.score == r.max_score for r in reports),
        not_graded=[r.student for r in reports if not r.graded],
        histogram=plots.histogram(scores, cls.max_score),
        tests=_pass_rates(reports, columns),
        mistakes=_mistakes(reports, titles),
        students=(_student_row(r, columns, link) for r in reports),
        legend=[(k, MARKS[k], VERDICTS[k]) for k in MARKS],
        script=Markup(script),
        script_hash=_sha256(script),
    )


# --------------------------------------------------------------------------------------------
# Student page


def _test_view(number: int, r: CaseResult, pc: PreparedCase | None, *, draw: bool) -> CaseView:
    """One test's view; heatmaps only when it is visible, its case known and `draw` set."""
    shown = r.visibility == "visible" and not (pc is not None and pc.case.hidden)
    maps = None
    if shown and draw and pc is not None:
        maps = heatmaps.build(pc.inputs, pc.expected, _array(r.got))
    return CaseView(
        number=number,
        anchor=f"test-{number}",
        name=r.name,
        description=r.description,
        verdict=VERDICTS.get(r.outcome, r.outcome),
        outcome=r.outcome,
        passed=r.status == "passed",
        points=r.points,
        max_points=r.max_points,
        visibility=r.visibility,
        shown=shown,
        message=r.message,
        hints=r.hints,
        notes=r.notes,
        heatmaps=maps,
        details=r.details if shown else "",
    )


def _question_view(
    qid: str, tests: list[CaseView], prepared: Sequence[PreparedCase]
) -> QuestionView:
    question = next((pc.question for pc in prepared if pc.question.id == qid), None)
    if question is None:
        return QuestionView(qid, qid, "", tuple(tests))
    signature = f"{question.function}({', '.join(question.args)})"
    return QuestionView(qid, signature, question.description, tuple(tests))


def _array(got: Any) -> np.ndarray[Any, Any] | None:
    """The student's returned array as numbers, or None when it is not usable."""
    if got is None:
        return None
    try:
        return np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return None


def _capped(text: str, limit: int) -> tuple[str, int]:
    """The first `limit` characters of text, and how many were left out."""
    return (text, 0) if len(text) <= limit else (text[:limit], len(text) - limit)


# --------------------------------------------------------------------------------------------
# Class page


def _columns(reports: Sequence[GradeReport]) -> list[tuple[str, str]]:
    """Every (question, case name) in the order first seen."""
    seen: dict[tuple[str, str], None] = {}
    for rep in reports:
        for c in rep.cases:
            seen.setdefault((c.question, c.name), None)
    return list(seen)


def _pass_rates(
    reports: Sequence[GradeReport], columns: list[tuple[str, str]]
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for number, (question, name) in enumerate(columns, start=1):
        key = (question, name)
        cases = [c for rep in reports for c in rep.cases if (c.question, c.name) == key]
        passed = sum(c.status == "passed" for c in cases)
        rows.append(
            {
                "number": number,
                "question": question,
                "name": name,
                "visibility": cases[0].visibility,
                "max_points": cases[0].max_points,
                "passed": passed,
                "of": len(cases),
                "percent": _percent(passed, len(cases)),
            }
        )
    return rows


def _mistakes(reports: Sequence[GradeReport], titles: Mapping[str, str]) -> list[dict[str, Any]]:
    """How many students made each diagnosed mistake (once per student), most common first."""
    counts: Counter[str] = Counter()
    for rep in reports:
        counts.update({code for c in rep.cases for code in c.hint_codes})
    n = len(reports)
    return [
        {
            "code": code,
            "title": titles.get(code, code.replace("_", " ")),
            "count": k,
            "of": n,
            "percent": _percent(k, n),
        }
        for code, k in counts.most_common()
    ]


def _student_row(
    rep: GradeReport, columns: list[tuple[str, str]], link: Callable[[str], str]
) -> dict[str, Any]:
    cases = {(c.question, c.name): c for c in rep.cases}
    marks = []
    for key in columns:
        c = cases.get(key)
        if c is None:
            marks.append({"mark": "", "outcome": "absent", "points": -1.0, "title": "not tested"})
            continue
        marks.append(
            {
                "mark": MARKS.get(c.outcome, "?"),
                "outcome": c.outcome,
                "points": c.points,
                "title": f"{c.name}: {VERDICTS.get(c.outcome, c.outcome)} "
                f"({c.points:g}/{c.max_points:g})",
            }
        )
    return {
        "student": rep.student,
        "href": link(rep.student),
        "score": rep.score,
        "max_score": rep.max_score,
        "graded": rep.graded,
        "marks": marks,
    }


# --------------------------------------------------------------------------------------------
# Rendering


@cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pts"] = _points
    env.filters["cells"] = heatmaps.cells_html
    env.filters["ramp"] = heatmaps.ramp_html
    return env


@cache
def _static(name: str) -> str:
    """A static file of the templates folder, as it is (CSS, JavaScript)."""
    return (TEMPLATES / name).read_text(encoding="utf-8")


def _render(template: str, **context: Any) -> str:
    style = _static("style.css")
    return _environment().get_template(template).render(style=Markup(style), **context)


def _sha256(text: str) -> str:
    """The CSP source expression allowing exactly this inline script."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def _points(value: float) -> str:
    return f"{value:g}"


def _percent(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 1) if whole > 0 else 0.0
