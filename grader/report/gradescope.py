"""Gradescope's results.json for one student (the schema Gradescope's autograders write)."""

from __future__ import annotations

from typing import Any

from ..core.results import CaseResult, GradeReport

MAX_OUTPUT = 8000


def render(report: GradeReport) -> dict[str, Any]:
    """The results.json dict: score, max_score, execution_time, output, tests[]."""
    tests = [_test(i, r) for i, r in enumerate(report.cases, start=1)]
    return {
        "score": round(report.score, 6),
        "max_score": round(report.max_score, 6),
        "execution_time": round(report.seconds, 3),
        "output": _overall(report),
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {
            "student": report.student,
            "sandbox": report.sandbox,
            "graded": report.graded,
            "problems": list(report.problems),
        },
    }


def case_text(r: CaseResult) -> str:
    """What a student reads about one test: verdict, diagnosis, notes, and (public) data."""
    lines = []
    if r.description:
        lines.append(r.description + ".")
    lines.append("Passed." if r.status == "passed" else (r.message or "Failed."))
    lines.extend(f"Hint: {h}" for h in r.hints)
    lines.extend(f"Note: {n}" for n in r.notes)
    if r.details:
        lines.append(r.details)
    return "\n".join(lines)


def _test(number: int, r: CaseResult) -> dict[str, Any]:
    return {
        "name": f"{r.question}: {r.name}",
        "number": str(number),
        "score": round(r.points, 6),
        "max_score": round(r.max_points, 6),
        "status": r.status,
        "output": case_text(r)[:MAX_OUTPUT],
        "visibility": r.visibility,
        "tags": [r.question, r.outcome, *r.hint_codes],
    }


def _overall(report: GradeReport) -> str:
    lines = [f"Score: {report.score:g} / {report.max_score:g}"]
    if report.sandbox != "bwrap":
        lines.append(f"(graded in '{report.sandbox}' sandbox mode)")
    lines.extend(report.problems)
    if report.output.strip():
        lines.append("Your code printed (first part):")
        lines.append(report.output[:2000])
    return "\n".join(lines)[:MAX_OUTPUT]
