"""Plain-text renderings for the terminal: the class table, one student's check, progress.

Everything a student could have chosen (ids, messages, problems, output) goes through
`line` or `untrusted.terminal` here: no escape sequence repaints the terminal and no newline
makes a fake row.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from ..core import untrusted
from ..core.results import CaseResult, ClassReport, GradeReport
from .gradescope import case_text

MARKS = {
    "passed": ".",
    "wrong": "x",
    "error": "E",
    "timeout": "T",
    "memory": "M",
    "crashed": "C",
    "exited": "X",
    "not_run": "-",
}
LEGEND = ". passed  x wrong  E raised  T timed out  M memory  C crashed  X exited  - not run"


def line(value: object, limit: int = 200) -> str:
    """Student-derived text as one printable line: no control characters or escapes."""
    return untrusted.name(value, limit)


def class_table(cls: ClassReport, titles: Mapping[str, str] | None = None) -> str:
    """The class at a glance: one row per student, one mark per test, then what went wrong."""
    if not cls.reports:
        return "No submissions were found."
    questions: list[str] = []
    for c in cls.reports[0].cases:
        if c.question not in questions:
            questions.append(c.question)
    ids = [line(r.student) for r in cls.reports]
    width = max(7, *(len(s) for s in ids))
    qwidth = {q: max(len(q), sum(c.question == q for c in cls.reports[0].cases)) for q in questions}
    head = f"{'student':<{width}}  {'score':>9}  " + "  ".join(
        f"{q:<{qwidth[q]}}" for q in questions
    )
    lines = [head, "-" * len(head)]
    for student, rep in zip(ids, cls.reports, strict=True):
        marks = "  ".join(
            f"{''.join(MARKS[c.outcome] for c in rep.cases if c.question == q):<{qwidth[q]}}"
            for q in questions
        )
        score = f"{rep.score:g}/{rep.max_score:g}"
        first = _first_problem(rep)
        lines.append(f"{student:<{width}}  {score:>9}  {marks}  {first}".rstrip())
    lines += ["", LEGEND, "", *summary_lines(cls, titles)]
    return "\n".join(lines)


def summary_lines(cls: ClassReport, titles: Mapping[str, str] | None = None) -> list[str]:
    n = len(cls.reports)
    full = sum(r.graded and r.score == r.max_score for r in cls.reports)
    mean = sum(r.score for r in cls.reports) / n if n else 0.0
    done = (
        f"{n} submissions graded"
        if not cls.reused
        else f"{n} submissions ({cls.reused} reused from the store, {n - cls.reused} graded)"
    )
    lines = [
        f"{done} in {cls.seconds:.1f} s (sandbox: {cls.sandbox}); "
        f"mean {mean:.2f}/{cls.max_score:g}; {full} with full marks.",
    ]
    ungraded = [line(r.student) for r in cls.reports if not r.graded]
    if ungraded:
        lines.append(f"NOT GRADED (no usable file): {', '.join(ungraded)}")
    mistakes: Counter[str] = Counter()
    for rep in cls.reports:
        mistakes.update(set(code for c in rep.cases for code in c.hint_codes))
    if mistakes:
        lines.append("Common mistakes:")
        for code, k in mistakes.most_common(8):
            title = (titles or {}).get(code, code.replace("_", " "))
            lines.append(f"  {k} of {n} {title}")
    lines.extend(cls.warnings)
    return lines


def _first_problem(rep: GradeReport) -> str:
    if rep.problems:
        return _short(rep.problems[0])
    for c in rep.cases:
        if c.status != "passed":
            return _short(c.hints[0] if c.hints else c.message)
    return ""


def _short(text: str, limit: int = 70) -> str:
    text = " ".join(untrusted.terminal(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_text(rep: GradeReport, hidden: list[CaseResult] | None = None, footer: str = "") -> str:
    """What `grader check` prints: each public test, with diagnosis, then what is hidden."""
    lines = []
    for c in rep.cases:
        mark = "PASS" if c.status == "passed" else "FAIL"
        lines.append(f"[{mark}] {c.question}: {c.name}")
        if c.status != "passed" or c.notes:
            body = case_text(c).splitlines()[1:] if c.description else case_text(c).splitlines()
            lines.extend("       " + line for line in body)
    lines.extend(f"Note: {p}" for p in rep.problems)
    passed = sum(c.status == "passed" for c in rep.cases)
    lines.append("")
    lines.append(f"Public tests: {passed}/{len(rep.cases)} passed.")
    if footer:
        lines.append(footer)
    return untrusted.terminal("\n".join(lines))


def progress_line(done: int, total: int, rep: GradeReport, width: int = 30) -> str:
    filled = int(width * done / total) if total else width
    bar = "#" * filled + "-" * (width - filled)
    return f"[{bar}] {done}/{total}  {line(rep.student)}: {rep.score:g}/{rep.max_score:g}"
