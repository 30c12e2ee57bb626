"""The files students get, generated from the spec: the stub module and its public tests.

Both follow the spec (and the exercise's parameters) by construction: the stub's docstrings
come from the exercise's ``docstring`` and ``lesson``, the tests assert on the visible cases
with the grader's own tolerance, written out in full. Hidden cases never appear here.
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .reference import PreparedCase, load_reference
from .spec import Assignment, Question

_INDENT = "    "


def defaults(spec: Assignment, q: Question) -> dict[str, Any]:
    """The default values of a question's optional arguments, from the reference's signature
    (an optional argument the reference gives no plain default gets None)."""
    if not q.optional:
        return {}
    fn = getattr(load_reference(spec.reference), q.function, None)
    try:
        params = inspect.signature(fn).parameters if fn is not None else {}
    except (TypeError, ValueError):
        params = {}
    listed = list(params.values())
    out: dict[str, Any] = {}
    for i, name in enumerate(q.args):
        if name not in q.optional:
            continue
        p = listed[i] if i < len(listed) else None
        value = p.default if p is not None and p.default is not p.empty else None
        out[name] = value if isinstance(value, bool | int | float | str | type(None)) else None
    return out


def signature(spec: Assignment, q: Question) -> str:
    """`name(a, b, stride=1)`: the function's signature as students write it."""
    opt = defaults(spec, q)
    parts = [f"{a}={opt[a]!r}" if a in opt else a for a in q.args]
    return f"{q.function}({', '.join(parts)})"


def docstring(spec: Assignment, q: Question) -> str:
    """The function's docstring with its quotes, for the stub and the notebook."""
    text = spec.exercise.docstring(q.function, q.args, q.description or q.function)
    return _quoted(text)


def stub_source(spec: Assignment) -> str:
    """The student's starting file: the lesson, then each function raising
    NotImplementedError."""
    lesson = spec.exercise.lesson()
    head = [spec.title, ""]
    if lesson:
        head += [_plain_markdown(lesson), ""]
    head += [
        f"Check your work with `pytest` in this folder (it runs test_{spec.name}.py), then "
        f"submit this file (or a notebook that defines {_listed(spec.functions)}).",
    ]
    lines = [_quoted("\n".join(head)), "", "import numpy as np", ""]
    for q in spec.questions:
        lines += [
            "",
            f"def {signature(spec, q)}:",
            textwrap.indent(docstring(spec, q), _INDENT),
            f'{_INDENT}raise NotImplementedError("{q.function} is not implemented yet")',
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"


def tests_name(spec: Assignment) -> str:
    return f"test_{spec.name}.py"


def public_tests_source(spec: Assignment, prepared: Sequence[PreparedCase]) -> str:
    """A pytest file asserting on every visible case, with the grader's tolerance."""
    module = Path(spec.module).stem
    lines = [
        _quoted(
            f"Public tests for {spec.module}. Run `pytest` in the folder that holds both "
            "files.\n\nPassing these tests does not guarantee full marks: the grader also runs "
            "hidden cases under the same rules."
        ),
        "",
        "import numpy as np",
        "from numpy.testing import assert_allclose",
        "",
        f"from {module} import {', '.join(spec.functions)}",
    ]
    for pc in prepared:
        if pc.case.hidden:
            continue
        q = pc.question
        lines += ["", "", f"def test_{q.function}_{_py_name(pc.case.name)}():"]
        lines.append(textwrap.indent(_quoted(f"{pc.case.description or pc.case.name}."), _INDENT))
        lines += [textwrap.indent(f"{n} = {code(v)}", _INDENT) for n, v in pc.inputs.items()]
        lines.append(textwrap.indent(f"expected = {code(pc.expected)}", _INDENT))
        lines.append(f"{_INDENT}result = {q.function}({', '.join(pc.inputs)})")
        lines.append(
            f"{_INDENT}assert np.shape(result) == np.shape(expected), "
            f'f"the result has shape {{np.shape(result)}}, expected {{np.shape(expected)}}"'
        )
        atol = spec.atol * pc.scale
        lines.append(
            f"{_INDENT}assert_allclose(result, expected, rtol={spec.rtol!r}, atol={atol!r})"
        )
    return "\n".join(lines) + "\n"


def code(v: Any) -> str:
    """An exact Python expression for a value: np.array(...) for arrays (ints stay ints,
    floats round-trip), repr for the rest."""
    if not isinstance(v, np.ndarray):
        return repr(v)
    if v.ndim == 0:
        return f"np.float64({_exact(v.item())})"
    if v.ndim == 1:
        return f"np.array({_row(v)})"
    rows = "\n".join(f"    {_nested(r)}," for r in v)
    return f"np.array([\n{rows}\n])"


def _nested(a: NDArray[Any]) -> str:
    return _row(a) if a.ndim == 1 else "[" + ", ".join(_nested(r) for r in a) + "]"


def _row(a: NDArray[Any]) -> str:
    return "[" + ", ".join(_exact(x) for x in a.tolist()) + "]"


def _exact(x: Any) -> str:
    return repr(float(x)) if isinstance(x, float) else str(int(x))


def _quoted(text: str) -> str:
    text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    return f'"""{text}\n"""' if "\n" in text else f'"""{text}"""'


def _plain_markdown(text: str) -> str:
    """Markdown made readable as a docstring: no bold, code fences as indented code."""
    out = []
    fenced = False
    for line in text.replace("**", "").splitlines():
        if line.startswith("```"):
            fenced = not fenced
            continue
        out.append(_INDENT + line if fenced else line)
    wrapped = []
    for para in "\n".join(out).split("\n\n"):
        if para.startswith(_INDENT):
            wrapped.append(para)
        else:
            wrapped.append(textwrap.fill(" ".join(para.split()), width=92))
    return "\n\n".join(wrapped)


def _listed(names: Sequence[str]) -> str:
    return " and ".join(", ".join(names).rsplit(", ", 1)) if names else "the functions"


def _py_name(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name)
