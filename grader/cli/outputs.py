"""The report folder: what a run may write there, and removing what is no longer current."""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from ..errors import UsageError
from ..report import files, terminal
from ..report.pages import PageWriter, page_link
from .common import STORE_NAME, _os_error


def _check_writable(out: Path) -> None:
    """UsageError (exit 2) unless the reports can be written in `out` (made if missing)."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        for folder in (out, out / "results", out / "html"):
            if folder.exists() and not folder.is_dir():
                raise NotADirectoryError(20, "Not a directory", str(folder))
            if folder.is_dir():
                with tempfile.TemporaryFile(dir=folder, prefix=".grader-probe-"):
                    pass
        store = out / STORE_NAME
        if store.exists():
            with store.open("r+b"):
                pass
    except OSError as exc:
        raise UsageError(
            f"cannot write the reports to {out}: {_os_error(exc)}. Nothing was graded; "
            "fix the folder or choose another --out."
        ) from None


def _stopped(exc: OSError, committed: int, total: int, store: Path) -> str:
    """The message of a run stopped by a file it could not write: what is safe, exactly."""
    if committed:
        kept = (
            f"The {committed} of {total} results graded so far are committed to {store} "
            "and will not be graded again"
        )
    else:
        kept = "No result of this run had been committed to the results store yet"
    return f"{_os_error(exc)}. {kept}; fix this and run the same command again to finish."


MANIFEST = ".grader-manifest.json"


CLASS_FILES = frozenset({"grades.csv", "summary.json"})


DASHBOARD = "index.html"


def _student_files(students: Iterable[str], *, html: bool) -> set[str]:
    """The files a run writes, relative to OUT: the class's and each student's."""
    out = set(CLASS_FILES | ({DASHBOARD} if html else set()))
    for student in students:
        out.add(f"results/{files.student_filename(student)}.json")
        if html:
            out.add(page_link(student))
    return out


def _manifest(out: Path) -> set[str]:
    """The files earlier runs wrote in OUT (what the grader may remove, and nothing else)."""
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    listed = data.get("files") if isinstance(data, dict) else None
    return {f for f in listed if isinstance(f, str)} if isinstance(listed, list) else set()


def _write_manifest(out: Path, written: set[str]) -> None:
    files.write_json(
        out / MANIFEST,
        {"written_by": "grader", "files": sorted(written)},
    )


def _forget_others(out: Path, before: set[str], students: list[str], *, html: bool) -> list[str]:
    """Remove the files earlier runs wrote for students no longer in the class; record what
    OUT now holds. Returns the files removed (relative to OUT)."""
    keep = _student_files(students, html=True)
    removed = []
    for rel in sorted(before - keep):
        path = out / rel
        if not _ours(rel) or path.is_symlink() or not path.is_file():
            continue
        path.unlink()
        removed.append(rel)
    _write_manifest(out, (before & keep) | _student_files(students, html=html))
    return removed


def _ours(rel: str) -> bool:
    """True for a path a run writes: results/<name>.json or html/<name>.html, nothing else."""
    parts = rel.split("/")
    return (
        len(parts) == 2
        and not parts[1].startswith(".")
        and (parts[0], Path(parts[1]).suffix) in (("results", ".json"), ("html", ".html"))
    )


def _print_removed(removed: list[str]) -> None:
    if removed:
        shown = ", ".join(terminal.line(r) for r in removed[:6])
        more = f" and {len(removed) - 6} more" if len(removed) > 6 else ""
        print(
            f"Removed {len(removed)} report files of students no longer in the class: "
            f"{shown}{more}."
        )


def _warn_pages(pages: PageWriter | None) -> None:
    """Say loudly which students' HTML pages could not be written (grading went on)."""
    if pages is None or not pages.failed:
        return
    names = ", ".join(
        f"{terminal.line(student)} ({terminal.line(why)})" for student, why in pages.failed[:10]
    )
    more = f" and {len(pages.failed) - 10} more" if len(pages.failed) > 10 else ""
    print(
        f"WARNING: the HTML page of {len(pages.failed)} "
        f"student{'s' if len(pages.failed) != 1 else ''} could not be written: "
        f"{names}{more}. Their results.json and every other report are complete; "
        "`grader report` writes the pages again.",
        file=sys.stderr,
    )
