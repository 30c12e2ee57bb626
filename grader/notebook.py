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
import dataclasses
import json
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import untrusted
from .reference import PreparedCase, prepare
from .results import GradeReport
from .spec import Assignment, Question
from .submissions import MAX_BYTES, Submission

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
CHECK_CELL = "check-your-work"
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
    docstrings = _stub_docstrings(spec)
    bodies = dict(solutions or {})
    cells: list[dict[str, Any]] = [
        _markdown("intro", _intro(spec, prepared)),
        _code(IMPORTS_CELL, "import numpy as np", _meta(IMPORTS_CELL, locked=True)),
    ]
    for number, q in enumerate(spec.questions, start=1):
        visible = [pc for pc in prepared if pc.question.id == q.id and not pc.case.hidden]
        cells.append(_markdown(f"{q.id}-text", _question_text(number, q, visible)))
        body = bodies.get(q.function) or _INDENT + NOT_WRITTEN
        source = _solution_source(q, docstrings.get(q.function, ""), body)
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


def without_graded_tests(data: bytes) -> bytes | None:
    """The notebook with its nbgrader test cells and check cell emptied, or None if none.

    The grader calls the student's functions itself; the test cells would only call them
    once more while the notebook loads (an endless loop or a crash there would then cost
    every test), and the check cell would start a grader inside the grader. The cells are
    emptied, not removed, so messages about "cell N" still count the student's cells.

    Never raises: bytes that are not a notebook (invalid UTF-8 or JSON, nested too deeply to
    parse or to write back, no list of cells) give None, and the file is then graded as it
    is (the sandbox reports what is wrong with it). Lone surrogates (JSON escapes such as
    ``\\ud800``) stay escaped in the copy, so the copy is valid UTF-8 and means the same.
    """
    nb = _parse(data)
    emptied = 0
    for cell in _cells(nb):
        if _removed_before_grading(cell):
            cell["source"] = ""
            emptied += 1
    if not emptied:
        return None
    return _dump(nb)


def for_grading(subs: Sequence[Submission], workdir: Path) -> list[Submission]:
    """The submissions to grade: nbgrader notebooks become copies in workdir without tests.

    Anything else (and any file that cannot be read, parsed or copied) is passed on
    unchanged; the grader reports its problems as usual. Use `original_source` to point
    reports back at the student's own file.
    """
    out = []
    for i, sub in enumerate(subs):
        if sub.path is None or sub.kind != "ipynb":
            out.append(sub)
            continue
        try:
            too_big = sub.path.stat().st_size > MAX_BYTES
            stripped = None if too_big else without_graded_tests(sub.path.read_bytes())
        except OSError:
            stripped = None
        if stripped is None:
            out.append(sub)
            continue
        copy = workdir / str(i) / sub.path.name
        try:
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_bytes(stripped)
        except OSError:
            out.append(sub)
            continue
        out.append(Submission(sub.student, copy, sub.problem, sub.note))
    return out


def original_source(rep: GradeReport, sub: Submission) -> GradeReport:
    """The report with `source` naming the student's own file again."""
    if sub.path is None:
        return rep
    return dataclasses.replace(rep, source=str(sub.path))


def _removed_before_grading(cell: dict[str, Any]) -> bool:
    if cell.get("cell_type") != "code":
        return False
    meta = _nbgrader_meta(cell)
    is_test = meta.get("grade") is True and not meta.get("solution")
    return is_test or meta.get("grade_id") == CHECK_CELL


# --- text of the cells ------------------------------------------------------------------------


def explanation(spec: Assignment, prepared: Sequence[PreparedCase]) -> list[str]:
    """Markdown lines: the task, the convention, and a worked public example per kind."""
    names = " and ".join(f"`{q.function}({', '.join(q.args)})`" for q in spec.questions)
    parts = [
        f"Write {names} with NumPy only: no scipy, no `np.convolve` or `np.correlate`. "
        "The point of the exercise is to write the sliding window yourself.",
        "",
        "## The convention",
        "",
        _convention(spec),
    ]
    for kind in ("1d", "2d"):
        public = (pc for pc in prepared if pc.question.kind == kind and not pc.case.hidden)
        first = next(public, None)
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


def _convention(spec: Assignment) -> str:
    if spec.flip:
        how = (
            "The kernel is **flipped** on every axis before it slides over the input (true "
            "convolution, as `scipy.signal.convolve2d` and `np.convolve` compute it)."
        )
    else:
        how = (
            "As in deep-learning libraries, the kernel slides over the input **without being "
            "flipped** (strictly speaking a cross-correlation). At each position, multiply the "
            "kernel with the part of the input under it, element by element, and add it all up."
        )
    sizes = {
        "valid": (
            "Only the positions where the kernel fits entirely inside the input are kept "
            "('valid' output, no padding): a signal of length N and a kernel of length k give "
            "N - k + 1 values, an (H, W) image and a (kh, kw) kernel an (H - kh + 1, W - kw + 1) "
            "image."
        ),
        "same": (
            "The input is padded with zeros so that the output has the input's shape ('same' "
            "output, centred as scipy and NumPy do)."
        ),
        "full": (
            "The input is padded with zeros so that every partial overlap counts ('full' "
            "output): lengths N and k give N + k - 1 values."
        ),
    }[spec.mode]
    text = f"{how} {sizes}"
    if spec.mode == "valid":
        k1, k2 = ("kernel[::-1]", "kernel[::-1, ::-1]") if spec.flip else ("kernel", "kernel")
        text += (
            "\n\n```\n"
            f"out[i]    = sum(signal[i:i+k] * {k1})\n"
            f"out[i, j] = sum(image[i:i+kh, j:j+kw] * {k2})\n"
            "```"
        )
    return text


def _example(spec: Assignment, pc: PreparedCase) -> list[str]:
    words = "1-D" if pc.question.kind == "1d" else "2-D"
    names = list(pc.inputs)
    data, kernel = pc.inputs[names[0]], pc.inputs[names[-1]]
    lines = [
        f"### Example in {words}: {pc.case.description[:1].lower()}{pc.case.description[1:]}",
        "",
        "```",
        *(_assign(n, a) for n, a in pc.inputs.items()),
        _assign(f"{pc.question.function}({', '.join(names)})", pc.expected),
        "```",
    ]
    if spec.mode != "valid":
        return lines
    used = np.flip(kernel) if spec.flip else kernel
    nz = np.flatnonzero(pc.expected)
    flat = int(nz[0]) if nz.size else 0
    index = np.unravel_index(flat, pc.expected.shape)
    window = data[tuple(slice(i, i + k) for i, k in zip(index, used.shape, strict=True))]
    terms = " + ".join(
        f"{_num(a)}·{_num(b) if b >= 0 else f'({_num(b)})'}"
        for a, b in zip(window.ravel().tolist(), used.ravel().tolist(), strict=True)
    )
    where = ", ".join(str(int(i)) for i in index)
    where = f"({where})" if len(index) > 1 else where
    covered = " ".join(line.strip() for line in _plain(window).splitlines())
    lines += [
        "",
        f"For instance at position {where} the kernel covers `{covered}`, and "
        f"{terms} = {_num(float(pc.expected[index]))}.",
    ]
    return lines


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
        f"# check() finds {functions} in this notebook; it never runs them in this kernel.\n"
        "try:\n"
        "    from grader import check\n"
        "except ImportError:\n"
        '    print("The grader package is not installed here: the test cells above are '
        'your checks.")\n'
        "else:\n"
        "    check()"
    )


def _solution_source(q: Question, docstring: str, body: str) -> str:
    head = f"def {q.function}({', '.join(q.args)}):"
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
        lines += [f"{n} = {_code_array(a)}" for n, a in pc.inputs.items()]
        lines.append(f"expected = {_code_array(pc.expected)}")
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


def _code_array(a: NDArray[Any]) -> str:
    """An exact np.array(...) expression: ints stay ints, floats round-trip (repr)."""
    if a.ndim == 1:
        return f"np.array({_row(a)})"
    rows = "\n".join(f"    {_row(r)}," for r in a)
    return f"np.array([\n{rows}\n])"


def _row(a: NDArray[Any]) -> str:
    return "[" + ", ".join(_exact(x) for x in a.tolist()) + "]"


def _exact(x: Any) -> str:
    return repr(float(x)) if isinstance(x, float) else str(int(x))


def _assign(name: str, a: NDArray[Any]) -> str:
    """`name = array`, a 2-D array one row per line, aligned as NumPy prints it."""
    head = f"{name} = "
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


def _parse(data: bytes | str) -> Any:
    """The JSON value of a notebook file, or None when there is none (invalid UTF-8 or JSON,
    nested deeper than the parser goes)."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        return json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError, MemoryError):
        return None


def _dump(nb: Any) -> bytes | None:
    """A parsed notebook as nbformat-like UTF-8 file bytes, or None if it cannot be written."""
    try:
        text = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates: write every non-ASCII text escaped
            return (json.dumps(nb, indent=1) + "\n").encode("ascii")
    except (ValueError, RecursionError, MemoryError):
        return None


def _cells(nb: Any) -> list[dict[str, Any]]:
    cells = nb.get("cells") if isinstance(nb, dict) else None
    return [c for c in cells if isinstance(c, dict)] if isinstance(cells, list) else []


def _nbgrader_meta(cell: dict[str, Any]) -> dict[str, Any]:
    meta = cell.get("metadata")
    nbg = meta.get("nbgrader") if isinstance(meta, dict) else None
    return nbg if isinstance(nbg, dict) else {}


def _source_text(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    if isinstance(src, list):
        return "".join(s for s in src if isinstance(s, str))
    return src if isinstance(src, str) else ""


def _stub_docstrings(spec: Assignment) -> dict[str, str]:
    """The docstrings (with their quotes) of the functions in the student stub."""
    stub = spec.path.parent / spec.module
    if not stub.is_file():
        return {}
    source = stub.read_text(encoding="utf-8")
    out: dict[str, str] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and node.body and _is_docstring(node.body[0]):
            segment = ast.get_source_segment(source, node.body[0])
            if segment:
                first, _, rest = segment.partition("\n")
                out[node.name] = first + ("\n" + textwrap.dedent(rest) if rest else "")
    return out


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )
