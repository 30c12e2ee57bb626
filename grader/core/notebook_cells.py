"""The cells of an nbgrader notebook that are not the student's code: emptied before grading.

A released notebook holds nbgrader's test cells (they assert on the public cases) and a
"check your work" cell. The grader calls the student's functions itself, so every grading
path (the command line, grade_file, Gradescope, Dask) empties them before the notebook loads:
otherwise a looping function would hang its test cell at load time and cost every question.
"""

from __future__ import annotations

import json
from typing import Any

CHECK_CELL = "check-your-work"

__all__ = ["CHECK_CELL", "cells_of", "dump", "nbgrader_meta", "parse", "without_graded_tests"]


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
    nb = parse(data)
    emptied = 0
    for cell in cells_of(nb):
        if _removed_before_grading(cell):
            cell["source"] = ""
            emptied += 1
    if not emptied:
        return None
    return dump(nb)


def _removed_before_grading(cell: dict[str, Any]) -> bool:
    if cell.get("cell_type") != "code":
        return False
    meta = nbgrader_meta(cell)
    is_test = meta.get("grade") is True and not meta.get("solution")
    return is_test or meta.get("grade_id") == CHECK_CELL


def parse(data: bytes | str) -> Any:
    """The JSON value of a notebook file, or None when there is none (invalid UTF-8 or JSON,
    nested deeper than the parser goes)."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        return json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError, MemoryError):
        return None


def dump(nb: Any) -> bytes | None:
    """A parsed notebook as nbformat-like UTF-8 file bytes, or None if it cannot be written."""
    try:
        text = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates: write every non-ASCII text escaped
            return (json.dumps(nb, indent=1) + "\n").encode("ascii")
    except (ValueError, RecursionError, MemoryError):
        return None


def cells_of(nb: Any) -> list[dict[str, Any]]:
    cells = nb.get("cells") if isinstance(nb, dict) else None
    return [c for c in cells if isinstance(c, dict)] if isinstance(cells, list) else []


def nbgrader_meta(cell: dict[str, Any]) -> dict[str, Any]:
    meta = cell.get("metadata")
    nbg = meta.get("nbgrader") if isinstance(meta, dict) else None
    return nbg if isinstance(nbg, dict) else {}
