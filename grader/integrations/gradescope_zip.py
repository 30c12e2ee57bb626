"""Gradescope's autograder: build autograder.zip, and grade one submission inside Gradescope.

Build it on the instructor's machine, then upload the zip as the assignment's autograder::

    python -m grader.integrations.gradescope_zip build [--out DIR] [--assignment DIR]

Gradescope unpacks the zip in ``ROOT/source``, runs ``setup.sh`` once when it builds the
image, and ``run_autograder`` for every submission; that script calls::

    python -m grader.integrations.gradescope_zip run --assignment DIR [--root ROOT] [--sandbox MODE]

The layout ``run`` reads and writes (ROOT is ``--root``, else ``$GRADER_GS_ROOT``, else
``/autograder``)::

    ROOT/source/                    the zip, unpacked
    ROOT/submission/                the student's files
    ROOT/submission_metadata.json   Gradescope's facts about the submission: who (optional)
    ROOT/results/results.json       written here, whatever happens
"""

from __future__ import annotations

import argparse
import json
import os
import posixpath
import shlex
import stat
import sys
import time
import tomllib
import traceback
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

from ..core import locate, untrusted
from ..core.service import Grader
from ..core.spec import load_spec
from ..core.submissions import Submission, from_folder
from ..errors import GraderError, UsageError
from ..report.gradescope import MAX_OUTPUT, render

ZIP_NAME = "autograder.zip"
# setup.sh and run_autograder; run_autograder's @ASSIGNMENT@ becomes the spec's folder.
TEMPLATES = Path(__file__).with_name("gradescope_templates")
DEFAULT_ROOT = Path("/autograder")
# Top-level folders that hold student work, reports or a local environment: never shipped.
FORBIDDEN = frozenset({"tests", "examples", "submissions", "reports", ".venv", "venv", "build"})
# Folders of an exercise that are never shipped: its demo class is student work.
EXERCISE_SKIP = frozenset({"demo"})
# Folders skipped when looking for files, in the project and in a submission alike.
SKIP_DIRS = frozenset({"__pycache__", ".ipynb_checkpoints", ".git", "__MACOSX"})
# A fixed timestamp, so the same sources always give the same zip.
ZIP_DATE = (2020, 1, 1, 0, 0, 0)

FAILED_TEXT = (
    "The autograder itself failed, so your submission was not graded. This is not a problem "
    "with your code: tell your instructor, who can re-run the autograder once it is fixed."
)


# --- build -------------------------------------------------------------------------------------


def build_zip(project_root: Path, assignment_dir: Path, out: Path) -> Path:
    """Write Gradescope's autograder.zip for one assignment.

    The zip holds the ``grader`` package (source files only), ``pyproject.toml`` and
    ``README.md`` (what ``pip install`` needs), the assignment folder, the reference solution
    the spec names (at the same path relative to the spec, so the unpacked spec finds it),
    ``setup.sh`` and ``run_autograder``. Student work (the exercise's demo/ class included),
    tests and reports are never included.

    Args:
        project_root: the checkout holding ``grader/`` and ``pyproject.toml``.
        assignment_dir: the assignment folder (holding ``assignment.toml``), inside
            project_root.
        out: a folder to write ``autograder.zip`` into, or the path of the zip itself
            (a name ending in ``.zip``).

    Returns:
        The path of the zip written.

    Raises:
        SpecError: the spec is missing or invalid.
        UsageError: a file the zip needs is missing or lies outside project_root.
    """
    root = project_root.resolve()
    spec = load_spec(assignment_dir)
    assignment = spec.path.parent
    rel_assignment = _inside(root, assignment, "the assignment folder")
    raw_reference = tomllib.loads(spec.path.read_text(encoding="utf-8"))["assignment"]["reference"]
    rel_reference = posixpath.normpath(posixpath.join(rel_assignment, str(raw_reference)))
    if rel_reference.startswith("../") or posixpath.isabs(rel_reference):
        raise UsageError(
            f"the reference solution {spec.reference} lies outside {root}: "
            "keep it inside the project so the zip can hold it"
        )

    entries: dict[str, bytes] = {}
    package = root / "grader"
    if not (package / "__init__.py").is_file():
        raise UsageError(f"no grader package at {package}")
    for path in _files(package):
        if path.suffix == ".py" or path.name == "py.typed":
            entries[_arc(root, path)] = path.read_bytes()
    for name in ("pyproject.toml", "README.md"):  # pyproject.toml names README.md as readme
        if not (root / name).is_file():
            raise UsageError(f"no {name} in {root}")
        entries[name] = (root / name).read_bytes()
    for path in _files(assignment):
        if path.relative_to(assignment.resolve()).parts[0] not in EXERCISE_SKIP:
            entries[_arc(root, path)] = path.read_bytes()
    entries[rel_reference] = spec.reference.read_bytes()

    run_script = (TEMPLATES / "run_autograder").read_text(encoding="utf-8")
    scripts = {
        "setup.sh": (TEMPLATES / "setup.sh").read_text(encoding="utf-8"),
        "run_autograder": run_script.replace("@ASSIGNMENT@", shlex.quote(rel_assignment)),
    }
    for arc in entries:
        top = PurePosixPath(arc).parts[0]
        if top in FORBIDDEN:
            raise UsageError(f"{arc} would be shipped in the autograder zip, but {top}/ never is")

    target = out / ZIP_NAME if out.suffix != ".zip" else out
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, text in scripts.items():
            _add(zf, name, text.encode("utf-8"), 0o755)
        for arc in sorted(entries):
            _add(zf, arc, entries[arc], 0o644)
    partial.replace(target)
    return target


def _inside(root: Path, path: Path, what: str) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        raise UsageError(f"{what} ({path}) lies outside the project ({root})") from None


def _arc(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def _files(folder: Path) -> list[Path]:
    """Every regular file under folder, sorted, without caches or hidden files."""
    out = []
    for path in sorted(folder.resolve().rglob("*")):
        rel = path.relative_to(folder.resolve()).parts
        if any(p in SKIP_DIRS or p.startswith(".") for p in rel):
            continue
        if path.is_file() and path.suffix not in (".pyc", ".pyo"):
            out.append(path)
    return out


def _add(zf: zipfile.ZipFile, name: str, data: bytes, mode: int) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (stat.S_IFREG | mode) << 16
    zf.writestr(info, data)


# --- run ---------------------------------------------------------------------------------------


def run(root: Path, assignment: Path, *, sandbox: str = "auto") -> dict[str, Any]:
    """Grade the submission in ``root/submission`` and write ``root/results/results.json``.

    A results.json is written whatever happens: a student's mistake is graded as usual, a
    missing file is explained in a visible failed test, and a failure of the grader itself
    gives score 0 with a visible "Autograder failed" test and a hidden one with the traceback.

    Args:
        root: Gradescope's folder (``/autograder`` there).
        assignment: the assignment folder holding ``assignment.toml``.
        sandbox: ``auto``, ``bwrap`` or ``process`` (see ``grader grade --sandbox``).

    Returns:
        The results written.
    """
    started = time.monotonic()
    max_score = 0.0
    try:
        max_score = load_spec(assignment).max_score
        grader = Grader.create(assignment, sandbox=sandbox)
        if grader.warning:
            print(grader.warning, file=sys.stderr, flush=True)
        spec = grader.spec
        sub = find_submission(root / "submission", spec.module, spec.name, _student(root))
        results = render(grader.grade(sub))
        if grader.warning:
            results["extra_data"]["sandbox_warning"] = grader.warning
        if sub.path is None:
            _prepend(results, _missing_test(sub.problem))
    except Exception:
        trace = traceback.format_exc()
        print(trace, file=sys.stderr, flush=True)
        results = failure_results(trace, max_score, time.monotonic() - started)
    write_results(results, root / "results" / "results.json")
    return results


def find_submission(
    folder: Path, module: str, assignment: str = "", student: str = "submission"
) -> Submission:
    """The file to grade in a Gradescope submission folder: the same rule as a class folder
    on the command line (grader.core.submissions.from_folder), links refused, a student's
    helper modules shipped along.

    Args:
        folder: the submission folder (``/autograder/submission`` on Gradescope).
        module: the file name the spec asks for (e.g. ``maxpool.py``).
        assignment: the assignment's name (a notebook named for it is preferred).
        student: the id recorded in the report.
    """
    return from_folder(folder, module, assignment or Path(module).stem, student)


def failure_results(trace: str, max_score: float, seconds: float = 0.0) -> dict[str, Any]:
    """results.json for a grader that failed: score 0, a visible test, a hidden traceback.

    Args:
        trace: the formatted traceback (shown to instructors only).
        max_score: the assignment's points, when the spec could be read (else 0).
        seconds: the time spent before the failure.
    """
    return {
        "score": 0.0,
        "execution_time": round(seconds, 3),
        "output": FAILED_TEXT,
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": {"graded": False, "autograder_failed": True},
        "tests": [
            {
                "name": "Autograder failed",
                "number": "1",
                "score": 0.0,
                "max_score": round(max_score, 6),
                "status": "failed",
                "output": FAILED_TEXT,
                "visibility": "visible",
                "tags": ["autograder_failed"],
            },
            {
                "name": "Autograder failure: traceback (instructors only)",
                "number": "2",
                "score": 0.0,
                "max_score": 0.0,
                "status": "failed",
                "output": trace[-MAX_OUTPUT:],
                "visibility": "hidden",
                "tags": ["autograder_failed"],
            },
        ],
    }


def write_results(results: dict[str, Any], path: Path) -> None:
    """Write results.json atomically (a half-written file is never read)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    partial.replace(path)


def _student(root: Path) -> str:
    """Who submitted, from Gradescope's ``submission_metadata.json``.

    Gradescope documents the file as ``{"id": <submission id>, "users": [{"email": ...,
    "id": ..., "name": ...}, ...], ...}`` (several users for a group submission). Each user
    is named "Name <email>" (or whichever of the two is given, else "user <id>"), a group's
    users joined by ", "; without users, "submission <id>"; without the file, "submission".
    """
    try:
        meta = json.loads((root / "submission_metadata.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "submission"
    if not isinstance(meta, dict):
        return "submission"
    users = meta.get("users")
    names = [_user(u) for u in users if isinstance(u, dict)] if isinstance(users, list) else []
    names = [n for n in names if n]
    if names:
        return untrusted.name(", ".join(names), 500)
    ident = meta.get("id")
    return untrusted.name(f"submission {ident}") if ident is not None else "submission"


def _user(user: dict[str, Any]) -> str:
    """One Gradescope user as "Name <email>", "Name", "email" or "user <id>" ("" if none)."""
    name = untrusted.name(user.get("name") or "").strip()
    email = untrusted.name(user.get("email") or "").strip()
    if name and email:
        return f"{name} <{email}>"
    if name or email:
        return name or email
    ident = user.get("id")
    return f"user {untrusted.name(ident)}" if ident is not None else ""


def _missing_test(problem: str) -> dict[str, Any]:
    return {
        "name": "Submission: no file to grade",
        "number": "0",
        "score": 0.0,
        "max_score": 0.0,
        "status": "failed",
        "output": problem,
        "visibility": "visible",
        "tags": ["no_submission"],
    }


def _prepend(results: dict[str, Any], test: dict[str, Any]) -> None:
    tests: list[dict[str, Any]] = [test, *results["tests"]]
    for number, t in enumerate(tests, start=1):
        t["number"] = str(number)
    results["tests"] = tests


# --- command line ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """``build`` writes autograder.zip; ``run`` grades inside Gradescope.

    Returns:
        0 on success; for ``run``, 1 when the grader failed (results.json still written);
        the GraderError's exit code when ``build`` fails.
    """
    args = _parser().parse_args(argv)
    if args.command == "build":
        try:
            path = build_zip(
                args.project,
                args.assignment or locate.find_assignment(start=args.project),
                args.out,
            )
        except GraderError as exc:
            print(f"grader: error: {exc.message}", file=sys.stderr)
            return exc.exit_code
        print(path)
        return 0
    results = run(args.root, args.assignment, sandbox=args.sandbox)
    return 1 if results["extra_data"].get("autograder_failed") else 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m grader.integrations.gradescope_zip",
        description="Build Gradescope's autograder.zip, or grade one submission inside it.",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    b = sub.add_parser("build", help="write autograder.zip")
    b.add_argument(
        "--project",
        type=Path,
        default=Path(__file__).resolve().parent.parent.parent,
        help="the checkout holding grader/ and pyproject.toml (default: this package's)",
    )
    b.add_argument(
        "--assignment",
        type=Path,
        default=None,
        help="assignment folder (default: the project's, see grader.locate)",
    )
    b.add_argument("--out", type=Path, default=Path("build"), help="folder for the zip (build)")
    r = sub.add_parser("run", help="grade ROOT/submission into ROOT/results/results.json")
    r.add_argument(
        "--root",
        type=Path,
        default=Path(os.environ.get("GRADER_GS_ROOT") or DEFAULT_ROOT),
        help="Gradescope's folder (default: $GRADER_GS_ROOT, else /autograder)",
    )
    r.add_argument(
        "--assignment",
        type=Path,
        required=True,
        help="assignment folder holding assignment.toml",
    )
    r.add_argument(
        "--sandbox",
        choices=("auto", "bwrap", "process"),
        default=os.environ.get("GRADER_SANDBOX") or "auto",
        help="auto: bubblewrap when it works, else a plain child process (default: "
        "$GRADER_SANDBOX, else auto)",
    )
    return p


if __name__ == "__main__":
    sys.exit(main())
