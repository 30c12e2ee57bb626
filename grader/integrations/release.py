"""`grader release`: prove the solutions right, then build what students receive.

In order: the reference solution must get full marks from the grader; the source notebook is
written from the spec and its solution must get full marks too (its public test cells must
pass); `nbgrader generate_assignment` makes the student notebook; the plain-Python bundle gets
the stub, the public tests and a README. Last, every released file is searched for anything
that gives the exercise away: solution code, nbgrader's solution markers, hidden case names,
seeds, inputs or expected values. Any failure stops the release with ReleaseError.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..core import student_files
from ..core.cases import build_inputs, case_words
from ..core.reference import PreparedCase
from ..core.results import GradeReport
from ..core.service import Grader
from ..core.spec import Assignment, Generated
from ..core.submissions import Submission
from ..errors import GraderError
from . import nbgrader_bridge, notebook

MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
MIN_CODE_LINE = 20
TEXT_SUFFIXES = (".py", ".ipynb", ".md", ".txt", ".json", ".toml", ".cfg", ".csv")


class ReleaseError(GraderError):
    """The release would be wrong or would give the exercise away: nothing is handed out."""

    exit_code = 5


@dataclass(frozen=True, slots=True)
class Release:
    """What `release` made.

    Attributes:
        reference: the grader's report on the reference solution (full marks).
        source: the source notebook, and whether it was regenerated.
        source_report: the grader's report on the source notebook's solution (full marks).
        notebook_dir: nbgrader's release of the assignment (release/<assignment>/).
        bundle: the plain-Python bundle (release/<assignment>-python/).
        files: every released file.
    """

    reference: GradeReport
    source: notebook.SourceNotebook
    source_report: GradeReport
    notebook_dir: Path
    bundle: Path
    files: tuple[Path, ...]


def release(
    grader: Grader,
    course_dir: Path,
    *,
    out: Path | None = None,
    step: Callable[[str], None] | None = None,
) -> Release:
    """Check the solutions, generate the notebook release and the plain-Python bundle.

    Args:
        grader: the grader of the assignment.
        course_dir: the nbgrader course folder (nbgrader_config.py, source/).
        out: the release folder (default: COURSE_DIR/release, nbgrader's release folder).
        step: called with one line of text after each step, for the command line.

    Raises:
        ReleaseError: a solution is not full marks, the source folder holds other files, or a
            released file gives something away.
        UsageError: nbgrader is missing or failed.
    """
    say = step or (lambda _line: None)
    spec = grader.spec
    course_dir = Path(course_dir)
    with tempfile.TemporaryDirectory(prefix="grader-reference-") as tmp:
        ref = grader.grade(reference_submission(spec, Path(tmp)))
    _require_full(ref, f"the reference solution {spec.reference}")
    say(f"Reference solution: {ref.score:g}/{ref.max_score:g} (sandbox: {ref.sandbox})")

    src = notebook.write_source(course_dir, spec, cases=grader.cases)
    if src.missing_solutions:
        raise ReleaseError(
            f"{src.path} has no solution for {', '.join(src.missing_solutions)}: write it "
            f"between '{notebook.BEGIN}' and '{notebook.END}', or run "
            "`grader notebook --solution FILE`. Not releasing."
        )
    say(
        f"Source notebook: {src.path} ({'regenerated from' if src.changed else 'matches'} the spec)"
    )
    others = sorted(
        p.name
        for p in src.path.parent.iterdir()
        if p != src.path and p.name not in {".ipynb_checkpoints"}
    )
    if others:
        raise ReleaseError(
            f"{src.path.parent} holds other files ({', '.join(others)}); nbgrader would hand "
            "them to students. Keep only the notebook there. Not releasing."
        )
    nb_rep = grader.grade(Submission("source-notebook", src.path))
    _require_full(nb_rep, f"the solution in {src.path}", no_problems=True)
    say(f"Source notebook solution: {nb_rep.score:g}/{nb_rep.max_score:g}, public test cells pass")

    out_dir = Path(out) if out is not None else course_dir / "release"
    default = out_dir.resolve() == (course_dir / "release").resolve()
    nb_dir = nbgrader_bridge.generate_assignment(
        course_dir, spec.name, release_dir=None if default else out_dir
    )
    say(f"nbgrader generate_assignment {spec.name}: {nb_dir}/")

    bundle = write_bundle(spec, out_dir / f"{spec.name}-python", grader)
    say(f"Plain-Python bundle: {bundle}/ ({', '.join(sorted(p.name for p in bundle.iterdir()))})")

    files = tuple(sorted(p for d in (nb_dir, bundle) for p in d.rglob("*") if p.is_file()))
    secrets = solution_lines(spec, src.path)
    found = [
        f"{path}: {what}"
        for path in files
        for what in leaks(spec, _text(path), secrets, grader.cases)
    ]
    if found:
        for folder in (nb_dir, bundle):  # nothing that gives the exercise away stays around
            shutil.rmtree(folder, ignore_errors=True)
        raise ReleaseError(
            "the release gives the exercise away, so it was deleted:\n  " + "\n  ".join(found[:20])
        )
    say(f"Checked {len(files)} released files: no solution code, hidden case or hidden input.")
    return Release(ref, src, nb_rep, nb_dir, bundle, files)


def reference_submission(spec: Assignment, folder: Path) -> Submission:
    """The reference solution as a student would submit it: the file itself, or, when the
    exercise has parameters (the reference is called with them as keyword arguments), a copy
    in `folder` with them bound, so that graded like a student it answers the spec's way."""
    if not spec.parameters:
        return Submission("reference", spec.reference)
    bound = ", ".join(f"{k}={v!r}" for k, v in spec.parameters.items())
    lines = [spec.reference.read_text(encoding="utf-8"), "", "import functools as _functools", ""]
    lines += [f"{f} = _functools.partial({f}, {bound})" for f in spec.functions]
    path = folder / spec.module
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Submission("reference", path)


def _require_full(rep: GradeReport, what: str, *, no_problems: bool = False) -> None:
    failed = [c for c in rep.cases if c.status != "passed"]
    problems = list(rep.problems) if no_problems else []
    if rep.graded and not failed and not problems and rep.score == rep.max_score:
        return
    lines = [
        f"{c.question}: {c.name}: {' '.join((c.message or c.outcome).split())}" for c in failed
    ]
    lines += problems
    raise ReleaseError(
        f"{what} gets {rep.score:g}/{rep.max_score:g} from the grader, not full marks; "
        "not releasing:\n  " + "\n  ".join(lines[:12])
    )


# --- the plain-Python bundle --------------------------------------------------------------------


def write_bundle(spec: Assignment, folder: Path, grader: Grader) -> Path:
    """Write the stub, the public tests and a README for students into folder (replaced).

    The stub and the tests are generated from the spec (grader.student_files), so they follow
    its parameters and its visible cases.
    """
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / spec.module).write_text(student_files.stub_source(spec), encoding="utf-8")
    tests = student_files.tests_name(spec)
    source = student_files.public_tests_source(spec, grader.cases)
    (folder / tests).write_text(source, encoding="utf-8")
    (folder / "README.md").write_text(student_readme(spec, grader, [tests]), encoding="utf-8")
    return folder


def student_readme(spec: Assignment, grader: Grader, tests: list[str]) -> str:
    """The README of the plain-Python bundle: the task, the convention, how to test."""
    public = [c for _, c in spec.all_cases() if not c.hidden]
    hidden = [c for _, c in spec.all_cases() if c.hidden]
    test_list = ", ".join(f"`{t}`" for t in tests) or "none"
    lines = [
        f"# {spec.title}",
        "",
        *notebook.explanation(spec, grader.cases),
        "",
        "## What is here",
        "",
        f"- `{spec.module}`: the functions to write. Their docstrings say what each one "
        "receives and returns. Replace each `raise NotImplementedError(...)` with your code.",
        f"- {test_list}: the public tests.",
        "",
        "## Test your work",
        "",
        "You need Python 3 with NumPy and pytest (`pip install numpy pytest`). In this folder:",
        "",
        "```sh",
        "pytest",
        "```",
        "",
        f"If your course gives you the grader, also run `grader check {spec.module}`: it runs "
        "the public tests the way your submission is graded (in a sandbox, with the same "
        "tolerance and time limits), explains each failure in words (the classic mistakes "
        "of the exercise, a wrong output size, rounded values ...) and says what the hidden "
        "tests cover. In a "
        "notebook, `from grader import check; check()` does the same for the functions "
        "defined there.",
        "",
        "## How it is graded",
        "",
        f"Submit `{spec.module}`. The grader calls your functions on {len(public)} public "
        f"cases and {len(hidden)} hidden ones, {spec.max_score:g} points in all. "
        + _hidden_words(spec),
        "",
        "A result counts when it is an array of the right shape whose values all match the "
        "expected ones up to rounding errors. Printing never costs points; changing the input "
        f"arrays does. Each call may take at most {spec.limits.call_timeout_s:g} s.",
    ]
    return "\n".join(lines) + "\n"


def _hidden_words(spec: Assignment) -> str:
    parts = []
    for q in spec.questions:
        hidden = [c for c in q.cases if c.hidden]
        if hidden:
            shapes = ", ".join(case_words(c) for c in hidden)
            points = sum(c.points for c in hidden)
            parts.append(f"{len(hidden)} for `{q.function}` ({shapes}; {points:g} points)")
    if not parts:
        return "There are no hidden tests."
    return (
        "The hidden tests use other inputs, under the same rules: "
        + "; ".join(parts)
        + ". Passing the public tests does not guarantee passing these."
    )


# --- what must never be released ----------------------------------------------------------------


def solution_lines(spec: Assignment, source_notebook: Path | None = None) -> tuple[str, ...]:
    """Code lines of the reference solution and the notebook's solution bodies (the lines
    long enough to be telling), which must appear in no released file."""
    lines: set[str] = set()
    try:
        ref = spec.reference.read_text(encoding="utf-8")
        tree = ast.parse(ref)
    except (OSError, SyntaxError, UnicodeDecodeError):
        tree, ref = None, ""
    if tree is not None:
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef):
                continue
            for stmt in node.body:
                if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
                    continue
                segment = ast.get_source_segment(ref, stmt) or ""
                lines.update(_telling(segment))
    if source_notebook is not None and source_notebook.is_file():
        bodies = notebook.solutions_from_notebook(source_notebook.read_text(encoding="utf-8"))
        for body in bodies.values():
            lines.update(_telling(body))
    return tuple(sorted(lines))


def _telling(code: str) -> Iterator[str]:
    for line in code.splitlines():
        s = line.strip()
        if len(s) >= MIN_CODE_LINE and not s.startswith(("#", '"', "'", "raise ")):
            yield s


def leaks(
    spec: Assignment,
    text: str,
    secrets: Iterable[str] = (),
    cases: Sequence[PreparedCase] = (),
) -> list[str]:
    """What in this text gives the exercise away (empty when nothing does).

    Looks for nbgrader's solution markers, the given solution
    lines, and for every hidden case: its name, its seeds, its inputs and (from `cases`) its
    expected output, floats as Python and NumPy print them, integer rows as written out.
    """
    found = [f"marker {m!r}" for m in MARKERS if m in text]
    found += [f"solution line {s!r}" for s in secrets if s in text]
    expected = {pc.case.name: pc.expected for pc in cases}
    for _, case in spec.all_cases():
        if not case.hidden:
            continue
        if case.name in text:
            found.append(f"hidden case name {case.name!r}")
        arrays = {n: v for n, v in build_inputs(case).items() if isinstance(v, np.ndarray)}
        if case.name in expected:
            arrays["expected output"] = expected[case.name]
        for _, arg in case.args:
            if isinstance(arg, Generated) and _seed_in(arg.seed, text):
                found.append(f"seed {arg.seed} of hidden case {case.name!r}")
        for what, arr in arrays.items():
            where = f"{what} of hidden case {case.name!r}"
            found += [f"{v!r} from {where}" for v in _values_in(np.asarray(arr), text)]
    return found


def _seed_in(seed: int, text: str) -> bool:
    pattern = rf"(seed\s*[=:(]\s*{seed}\b|default_rng\(\s*{seed}\s*\)|RandomState\(\s*{seed}\s*\))"
    return re.search(pattern, text) is not None


def _values_in(arr: np.ndarray[Any, Any], text: str) -> list[str]:
    out: list[str] = []
    if arr.dtype.kind == "f":
        for x in arr.ravel().tolist()[:64]:
            if x == round(x):
                continue
            forms = {repr(x), f"{x:.8f}".rstrip("0"), f"{x:.6f}"}
            hit = next((f for f in forms if len(f.lstrip("-")) >= 7 and f in text), None)
            if hit:
                out.append(hit)
    rows = arr.reshape(-1, arr.shape[-1]) if arr.ndim else arr.reshape(1, 1)
    for row in rows.tolist():
        if len(row) < 5:
            continue
        words = [repr(v) if isinstance(v, float) else str(v) for v in row]
        for sep in (", ", " ", ","):
            if sep.join(words) in text:
                out.append(sep.join(words))
                break
    return out


def _text(path: Path) -> str:
    """A released file's text; for a notebook, every string in it (cell sources unescaped)."""
    if path.suffix not in TEXT_SUFFIXES:
        try:
            return path.read_bytes().decode("utf-8", errors="replace")
        except OSError:
            return ""
    raw = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix != ".ipynb":
        return raw
    try:
        data = json.loads(raw)
    except ValueError:
        return raw
    return raw + "\n" + "\n".join(_strings(data))


def _strings(data: Any) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, list):
        if all(isinstance(x, str) for x in data):
            yield "".join(data)
        else:
            for x in data:
                yield from _strings(x)
    elif isinstance(data, dict):
        for v in data.values():
            yield from _strings(v)
