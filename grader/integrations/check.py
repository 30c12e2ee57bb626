"""`check()` for notebooks: run the public tests on functions defined in a Jupyter session.

    from grader import check
    check(f, g)   # or check(): the spec's functions, from the caller's globals

The functions are never called here. Their source (``inspect.getsource``) is written into a
temporary .py file together with what they use from their module: the modules they name (``np``
becomes ``import numpy as np``), objects imported from other modules, simple constants and
helper functions defined next to them. That file is graded in the sandbox, out of process,
on the public (visible) cases only, and the result is shown as a table (HTML in Jupyter, text
elsewhere) with the grader's diagnosis of each failure.
"""

from __future__ import annotations

import ast
import functools
import html
import importlib
import inspect
import os
import sys
import tempfile
import textwrap
import types
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ..core import locate
from ..core.results import CaseResult, GradeReport
from ..core.service import Grader, hidden_summary
from ..core.spec import Assignment
from ..core.submissions import Submission
from ..errors import GraderError, UsageError
from ..report import terminal

_SIMPLE = (int, float, complex, str, bytes, bool, type(None))


def check(
    *functions: Callable[..., Any],
    assignment: str | Path | None = None,
    sandbox: str = "auto",
) -> None:
    """Run the public tests on these functions in the sandbox and show the result.

    Args:
        functions: the functions to test; by default the spec's functions found in the
            caller's globals. A function whose name is not one of the spec's stands for the
            next spec function not given by name.
        assignment: the assignment folder (default: see grader.locate).
        sandbox: "auto", "bwrap" or "process", as for `grader check`.
    """
    if os.environ.get("GRADER_PRELOAD") is not None:
        print("check() does nothing while the grader itself runs this notebook.")
        return
    caller = inspect.currentframe()
    namespace = caller.f_back.f_globals if caller and caller.f_back else {}
    try:
        grader = _grader(str(find_assignment(assignment)), sandbox)
        report = run_check(grader, functions or _from_namespace(grader.spec, namespace))
    except CheckError as exc:
        print(f"check: {exc}")
        return
    except GraderError as exc:
        print(f"check: the grader cannot run: {exc.message}")
        return
    _show(render_html(report, grader), render_text(report, grader))


class CheckError(Exception):
    """The check cannot run (no assignment, no function, source not available)."""


def find_assignment(assignment: str | Path | None) -> Path:
    """The assignment folder to check against (see grader.locate).

    Raises:
        CheckError: none was found.
    """
    try:
        return locate.find_assignment(assignment)
    except UsageError as exc:
        raise CheckError(exc.message) from None


@functools.lru_cache(maxsize=4)
def _grader(assignment: str, sandbox: str) -> Grader:
    return Grader.create(assignment, sandbox=sandbox)


def run_check(grader: Grader, functions: Iterable[Callable[..., Any]]) -> GradeReport:
    """Grade these functions on the public cases, out of process, and return the report.

    Raises:
        CheckError: a function's source is not available.
    """
    source = module_source(grader.spec, functions)
    with tempfile.TemporaryDirectory(prefix="grader-check-") as tmp:
        path = Path(tmp) / grader.spec.module
        path.write_text(source, encoding="utf-8")
        report = grader.grade(Submission(path.stem, path), visible_only=True)
    return report


def module_source(spec: Assignment, functions: Iterable[Callable[..., Any]]) -> str:
    """A self-contained module: the imports, constants and helpers the functions use, then
    the functions themselves (renamed to the spec's names where needed).

    Raises:
        CheckError: a function's source is not available.
    """
    given = list(functions)
    if not given:
        raise CheckError(f"none of {', '.join(spec.functions)} is defined yet")
    named = {fn.__name__ for fn in given if fn.__name__ in spec.functions}
    spare = [f for f in spec.functions if f not in named]
    builder = _Builder()
    aliases = []
    for fn in given:
        if not callable(fn):
            raise CheckError(f"{fn!r} is not a function")
        name = getattr(fn, "__name__", "")
        builder.add_function(fn)
        if name not in spec.functions and spare:
            aliases.append(f"{spare.pop(0)} = {name}")
    return builder.text(aliases)


class _Builder:
    """Collects the source of functions and what they refer to in their module."""

    def __init__(self) -> None:
        self.imports: dict[str, str] = {}
        self.constants: dict[str, str] = {}
        self.functions: dict[str, str] = {}
        self.missing: set[str] = set()

    def add_function(self, fn: Callable[..., Any]) -> None:
        name = getattr(fn, "__name__", "")
        if name in self.functions:
            return
        try:
            source = textwrap.dedent(inspect.getsource(fn))
        except (OSError, TypeError) as exc:
            raise CheckError(f"the source of {name or fn!r} is not available ({exc})") from None
        self.functions[name] = source
        code = getattr(fn, "__code__", None)
        namespace = getattr(fn, "__globals__", {})
        if code is None:
            return
        for ref in sorted(_names(code)):
            if ref in namespace and ref not in self.functions:
                self._add_reference(ref, namespace[ref], namespace)

    def _add_reference(self, name: str, obj: Any, namespace: dict[str, Any]) -> None:
        if name in self.imports or name in self.constants:
            return
        if isinstance(obj, types.ModuleType):
            mod = obj.__name__
            self.imports[name] = f"import {mod}" if mod == name else f"import {mod} as {name}"
        elif isinstance(obj, types.FunctionType) and obj.__globals__ is namespace:
            self.add_function(obj)
        elif _importable(obj):
            mod, qual = obj.__module__, obj.__qualname__
            line = f"from {mod} import {qual}"
            self.imports[name] = line if qual == name else f"{line} as {name}"
        elif _literal(obj):
            self.constants[name] = f"{name} = {obj!r}"
        else:
            self.missing.add(name)

    def text(self, aliases: list[str]) -> str:
        parts = [
            "from __future__ import annotations",  # annotations may name what is not here
            "\n".join(self.imports[k] for k in sorted(self.imports)),
            "\n".join(self.constants[k] for k in sorted(self.constants)),
            *self.functions.values(),
            "\n".join(aliases),
        ]
        return "\n\n\n".join(p.strip("\n") for p in parts if p.strip()) + "\n"


def _names(code: types.CodeType) -> set[str]:
    """Global names a function's code (and the code nested in it) refers to."""
    out = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            out |= _names(const)
    return out


def _importable(obj: Any) -> bool:
    mod = getattr(obj, "__module__", None)
    qual = getattr(obj, "__qualname__", None)
    if not isinstance(mod, str) or not isinstance(qual, str) or mod == "__main__":
        return False
    if "<" in qual or mod not in sys.modules:
        return False
    try:
        found: Any = importlib.import_module(mod)
        for part in qual.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError):
        return False
    return found is obj


def _literal(obj: Any) -> bool:
    if isinstance(obj, _SIMPLE) or (
        isinstance(obj, tuple | list | frozenset | set) and all(isinstance(x, _SIMPLE) for x in obj)
    ):
        try:
            return bool(ast.literal_eval(repr(obj)) == obj)
        except (ValueError, SyntaxError):
            return False
    return False


def _from_namespace(spec: Assignment, namespace: dict[str, Any]) -> list[Callable[..., Any]]:
    found = [namespace[f] for f in spec.functions if callable(namespace.get(f))]
    if not found:
        raise CheckError(f"none of {', '.join(spec.functions)} is defined yet")
    return found


# --- showing the result -----------------------------------------------------------------------


def render_text(report: GradeReport, grader: Grader) -> str:
    """The result as text, as `grader check` prints it."""
    text = terminal.check_text(report, footer=hidden_summary(grader.spec))
    if grader.warning:
        text += "\n" + grader.warning
    return text


def render_html(report: GradeReport, grader: Grader) -> str:
    """The result as an HTML table: one row per public test, with the diagnosis."""
    rows = "\n".join(_row(c) for c in report.cases)
    passed = sum(c.status == "passed" for c in report.cases)
    notes = "".join(f"<p>Note: {html.escape(p)}</p>" for p in report.problems)
    warning = f"<p><b>{html.escape(grader.warning)}</b></p>" if grader.warning else ""
    colour = "#1a7f37" if passed == len(report.cases) and report.cases else "#cf222e"
    return (
        "<div>"
        f'<p style="color:{colour}"><b>Public tests: {passed}/{len(report.cases)} passed</b> '
        f"(sandbox: {html.escape(report.sandbox)})</p>"
        '<table style="text-align:left">'
        "<thead><tr><th>test</th><th>result</th><th>what happened</th></tr></thead>"
        f"<tbody>\n{rows}\n</tbody></table>"
        f"{notes}<p>{html.escape(hidden_summary(grader.spec))}</p>{warning}"
        "</div>"
    )


def _row(c: CaseResult) -> str:
    ok = c.status == "passed"
    mark = (
        '<span style="color:#1a7f37">PASS</span>'
        if ok
        else ('<span style="color:#cf222e">FAIL</span>')
    )
    said = [] if ok else [html.escape(c.message or "Failed.")]
    said += [f"Hint: {html.escape(h)}" for h in c.hints]
    said += [f"Note: {html.escape(n)}" for n in c.notes]
    details = f"<pre>{html.escape(c.details)}</pre>" if c.details else ""
    return (
        f"<tr><td><code>{html.escape(c.question)}: {html.escape(c.name)}</code><br>"
        f"<small>{html.escape(c.description)}</small></td><td>{mark}</td>"
        f"<td>{'<br>'.join(said)}{details}</td></tr>"
    )


def _show(rich: str, plain: str) -> None:
    """HTML in Jupyter (IPython), text anywhere else."""
    try:
        ipython: Any = importlib.import_module("IPython")
        display: Any = importlib.import_module("IPython.display")
    except ImportError:
        print(plain)
        return
    if ipython.get_ipython() is None:
        print(plain)
        return
    display.display({"text/html": rich, "text/plain": plain}, raw=True)
