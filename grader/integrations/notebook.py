"""The course's source notebook, built from the spec, and the cells removed before grading.

The spec is the single source of truth: the notebook's graded test cells carry the question
ids as nbgrader ``grade_id`` and the questions' total points as ``points``, and they assert on
the visible cases only, written out in full. Hidden cases never reach a notebook.

The solution bodies (between ``### BEGIN SOLUTION`` and ``### END SOLUTION``) are the
instructor's: they are kept from the existing source notebook, or taken from a Python file,
and never stored in this package. Everything else in the notebook is generated.

No nbformat here: the notebook is plain JSON, written the way nbformat writes it.
"""

from __future__ import annotations

import ast
import json
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..core import student_files, untrusted
from ..core.notebook_cells import (
    CHECK_CELL,
)
from ..core.notebook_cells import (
    cells_of as _cells,
)
from ..core.notebook_cells import (
    nbgrader_meta as _nbgrader_meta,
)
from ..core.notebook_cells import (
    parse as _parse,
)
from ..core.reference import PreparedCase, prepare
from ..core.spec import Assignment, Question

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
IMPORTS_CELL = "imports"
SCHEMA_VERSION = 3
NOT_WRITTEN = "raise NotImplementedError()"
_INDENT = "    "


@dataclass(frozen=True, slots=True)
class SourceNotebook:
    """Where the source notebook lives and whether writing it changed anything.

    Attributes:
        path: course/source/<assignment>/<assignment>.ipynb.
        changed: True when the file was missing or differed from the generated notebook.
        missing_solutions: functions whose solution body was not found (a stub was written).
    """

    path: Path
    changed: bool
    missing_solutions: tuple[str, ...] = ()


# --- paths ------------------------------------------------------------------------------------


def source_path(course_dir: Path, spec: Assignment) -> Path:
    """nbgrader's source notebook of the assignment: course/source/<name>/<name>.ipynb."""
    return Path(course_dir) / "source" / spec.name / f"{spec.name}.ipynb"


def solution_cell_id(question: Question) -> str:
    """The nbgrader grade_id of the cell where students write the question's function."""
    return question.function


# --- building -----------------------------------------------------------------------------------


def build(
    spec: Assignment,
    solutions: Mapping[str, str] | None = None,
    cases: Sequence[PreparedCase] | None = None,
) -> dict[str, Any]:
    """The source notebook of an assignment, as nbformat 4.5 JSON data.

    Args:
        spec: the assignment.
        solutions: per function name, the solution body (indented code lines, the text
            between the BEGIN and END SOLUTION markers). A missing body becomes
            ``raise NotImplementedError()``.
        cases: the prepared cases (expected outputs); computed from the reference if None.

    Returns:
        The notebook as a JSON-ready dict (same input, same bytes).
    """
    prepared = list(cases) if cases is not None else prepare(spec)
    docstrings = {q.function: student_files.docstring(spec, q) for q in spec.questions}
    bodies = dict(solutions or {})
    cells: list[dict[str, Any]] = [
        _markdown("intro", _intro(spec, prepared)),
        _code(IMPORTS_CELL, "import numpy as np", _meta(IMPORTS_CELL, locked=True)),
    ]
    for number, q in enumerate(spec.questions, start=1):
        visible = [pc for pc in prepared if pc.question.id == q.id and not pc.case.hidden]
        cells.append(_markdown(f"{q.id}-text", _question_text(number, q, visible)))
        body = bodies.get(q.function) or _INDENT + NOT_WRITTEN
        source = _solution_source(spec, q, docstrings.get(q.function, ""), body)
        sid = solution_cell_id(q)
        cells.append(_code(f"{q.id}-solution", source, _meta(sid, solution=True)))
        test = _test_source(spec, q, visible)
        cells.append(_code(f"{q.id}-tests", test, _meta(q.id, grade=True, points=q.points)))
    cells.append(_markdown("check-text", _check_text(spec)))
    cells.append(_code(CHECK_CELL, _check_source(spec), _meta(CHECK_CELL, locked=True)))
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def render(notebook: Mapping[str, Any]) -> str:
    """The notebook's file text, formatted as nbformat writes it (indent 1, sorted keys)."""
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def write_source(
    course_dir: Path,
    spec: Assignment,
    *,
    solution_file: Path | None = None,
    cases: Sequence[PreparedCase] | None = None,
    check_only: bool = False,
) -> SourceNotebook:
    """Write (or with check_only, compare) the source notebook generated from the spec.

    The solution bodies come from ``solution_file`` when given, else from the notebook
    already at the path.

    Args:
        course_dir: the nbgrader course folder (holding source/).
        spec: the assignment.
        solution_file: a .py file defining the spec's functions (their bodies are used).
        cases: the prepared cases, if already computed.
        check_only: compare only; never write.

    Returns:
        The path, whether the file differs (or differed) from the generated notebook, and the
        functions left without a solution body.
    """
    path = source_path(course_dir, spec)
    old = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else None
    if solution_file is not None:
        bodies = solutions_from_python(Path(solution_file).read_text(encoding="utf-8"))
    else:
        bodies = solutions_from_notebook(old) if old is not None else {}
    missing = tuple(f for f in spec.functions if not bodies.get(f))
    text = render(build(spec, bodies, cases))
    changed = text != old
    if changed and not check_only:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    return SourceNotebook(path, changed, missing)


# --- solution bodies ----------------------------------------------------------------------------


def solutions_from_notebook(text: str) -> dict[str, str]:
    """The solution bodies of a notebook's solution cells, by function name.

    Any text is accepted: one that is not a notebook (not JSON, nested too deeply, cells that
    are not objects ...) has no solution bodies; names and bodies are valid Unicode (lone
    surrogates from JSON escapes replaced), so they can be written back as UTF-8.
    """
    nb = _parse(text)
    out: dict[str, str] = {}
    for cell in _cells(nb):
        meta = _nbgrader_meta(cell)
        if not meta.get("solution") or cell.get("cell_type") != "code":
            continue
        source = _source_text(cell)
        lines = source.splitlines()
        starts = [i for i, line in enumerate(lines) if line.strip() == BEGIN]
        ends = [i for i, line in enumerate(lines) if line.strip() == END]
        if len(starts) != 1 or len(ends) != 1 or ends[0] <= starts[0]:
            continue
        grade_id = meta.get("grade_id")
        name = untrusted.text(grade_id, 200) if isinstance(grade_id, str) else ""
        body = "\n".join(lines[starts[0] + 1 : ends[0]])
        if name and body.strip():
            out[name] = untrusted.text(body, len(body))
    return out


def solutions_from_python(source: str) -> dict[str, str]:
    """The bodies (after any docstring) of a Python file's top-level functions, by name."""
    tree = ast.parse(source)
    lines = source.splitlines()
    out: dict[str, str] = {}
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        body = node.body
        if body and _is_docstring(body[0]):
            body = body[1:]
        if not body or node.end_lineno is None:
            continue
        chunk = "\n".join(lines[body[0].lineno - 1 : node.end_lineno])
        out[node.name] = textwrap.indent(textwrap.dedent(chunk), _INDENT).rstrip()
    return out


# --- the cells removed before grading -----------------------------------------------------------


# --- text of the cells ------------------------------------------------------------------------


def explanation(spec: Assignment, prepared: Sequence[PreparedCase]) -> list[str]:
    """Markdown lines: the task, the exercise's lesson, and a worked public example per
    question."""
    names = " and ".join(f"`{q.function}({', '.join(q.args)})`" for q in spec.questions)
    parts = [f"Write {names}."]
    lesson = spec.exercise.lesson()
    if lesson:
        parts += ["", "## The convention", "", lesson]
    for q in spec.questions:
        first = next((pc for pc in prepared if pc.question is q and not pc.case.hidden), None)
        if first is not None:
            parts += ["", *_example(spec, first)]
    return parts


def _intro(spec: Assignment, prepared: list[PreparedCase]) -> str:
    parts = [
        f"# {spec.title}",
        "",
        *explanation(spec, prepared),
        "",
        "Write each function in the cell below its question, then run the test cell that "
        "follows it. The test cells check the public cases only: the grader also runs "
        "hidden tests on other inputs (other sizes, random floats, negative numbers), under "
        "the same rules.",
    ]
    return "\n".join(parts)


def _example(spec: Assignment, pc: PreparedCase) -> list[str]:
    d = pc.case.description
    lines = [
        f"### Example of `{pc.question.function}`: {d[:1].lower()}{d[1:]}",
        "",
        "```",
        *(_assign(n, a) for n, a in pc.inputs.items()),
        _assign(f"{pc.question.function}({', '.join(pc.inputs)})", pc.expected),
        "```",
    ]
    more = spec.exercise.example(pc.question.function, pc.inputs, pc.expected)
    return [*lines, "", *more] if more else lines


def _question_text(number: int, q: Question, visible: list[PreparedCase]) -> str:
    public = sum(pc.case.points for pc in visible)
    hidden = q.points - public
    args = ", ".join(q.args)
    text = (
        f"## Question {number}: `{q.function}({args})` ({q.points:g} points)\n\n"
        f"{q.description}.\n\n"
        "Replace `raise NotImplementedError()` with your code; the docstring says what the "
        "function receives and returns. Inputs must not be modified."
    )
    if visible:
        text += (
            f"\n\nThe test cell below checks the {len(visible)} public cases ({public:g} points)"
        )
        text += f"; hidden tests give the other {hidden:g} points." if hidden else "."
    return text


def _check_text(spec: Assignment) -> str:
    functions = ", ".join(spec.functions)
    return (
        "## Check your work\n\n"
        "If the `grader` package is installed next to Jupyter, the cell below runs the public "
        "tests on your functions in the grader's sandbox, the way your submission is graded, "
        "and explains each failure. You can also call it yourself at any point: "
        f"`from grader import check; check({functions})`."
    )


def _check_source(spec: Assignment) -> str:
    functions = ", ".join(spec.functions)
    return (
        f"# check() finds {functions} in this notebook; it never runs them here.\n"
        "try:\n"
        "    from grader import check\n"
        "except ImportError:\n"
        '    print("The grader package is not installed here: the test cells above are '
        'your checks.")\n'
        "else:\n"
        "    check()"
    )


def _solution_source(spec: Assignment, q: Question, docstring: str, body: str) -> str:
    head = f"def {student_files.signature(spec, q)}:"
    doc = docstring or f'"""{q.description}."""'
    return "\n".join([head, textwrap.indent(doc, _INDENT), _INDENT + BEGIN, body, _INDENT + END])


def _test_source(spec: Assignment, q: Question, visible: list[PreparedCase]) -> str:
    public = sum(pc.case.points for pc in visible)
    lines = [
        f"# Public tests of {q.function}: {len(visible)} visible cases, {public:g} of the "
        f"question's {q.points:g} points.",
        "# The grader also runs hidden tests on other inputs: passing these is not a full score.",
    ]
    for pc in visible:
        names = list(pc.inputs)
        lines += ["", f"# {pc.case.name}: {pc.case.description}."]
        lines += [f"{n} = {student_files.code(a)}" for n, a in pc.inputs.items()]
        lines.append(f"expected = {student_files.code(pc.expected)}")
        lines.append(f"result = {q.function}({', '.join(names)})")
        lines.append(
            f'assert np.shape(result) == expected.shape, f"{pc.case.name}: the result has '
            f'shape {{np.shape(result)}}, expected {{expected.shape}}"'
        )
        atol = spec.atol * pc.scale
        lines.append(
            f"np.testing.assert_allclose(result, expected, rtol={spec.rtol:g}, atol={atol:g}, "
            f'err_msg="{pc.case.name}")'
        )
    if not visible:
        lines += ["", "# No public cases for this question: only the hidden tests grade it."]
    lines += ["", f'print("{q.function}: the public tests passed.")']
    return "\n".join(lines)


# --- formatting -------------------------------------------------------------------------------


def _assign(name: str, a: Any) -> str:
    """`name = value`, a 2-D array one row per line, aligned as NumPy prints it."""
    head = f"{name} = "
    if not isinstance(a, np.ndarray):
        return head + repr(a)
    if a.ndim == 0:
        return head + _num(a.item())
    return head + _plain(a).replace("\n", "\n" + " " * len(head))


def _plain(a: NDArray[Any]) -> str:
    """A readable rendering for the explanation (at most 4 significant digits, aligned)."""
    if a.ndim == 1:
        return "[" + " ".join(_num(x) for x in a.tolist()) + "]"
    cells = [[_num(x) for x in row] for row in a.tolist()]
    width = max(len(c) for row in cells for c in row)
    rows = ["[" + " ".join(c.rjust(width) for c in row) + "]" for row in cells]
    return "[" + "\n ".join(rows) + "]"


def _num(x: Any) -> str:
    if isinstance(x, float):
        return "0" if x == 0 else f"{x:.4g}"
    return str(int(x))


# --- cells and metadata -------------------------------------------------------------------------


def _meta(
    grade_id: str,
    *,
    grade: bool = False,
    solution: bool = False,
    locked: bool = False,
    points: float | None = None,
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked or grade,
        "schema_version": SCHEMA_VERSION,
        "solution": solution,
        "task": False,
    }
    if points is not None:
        meta["points"] = int(points) if float(points).is_integer() else points
    return {"nbgrader": meta}


def _markdown(cell_id: str, text: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "id": cell_id, "metadata": {}, "source": _lines(text)}


def _code(cell_id: str, text: str, metadata: dict[str, Any]) -> dict[str, Any]:
    return {
        "cell_type": "code",
        "execution_count": None,
        "id": cell_id,
        "metadata": metadata,
        "outputs": [],
        "source": _lines(text),
    }


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _source_text(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    if isinstance(src, list):
        return "".join(s for s in src if isinstance(s, str))
    return src if isinstance(src, str) else ""


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )
