"""Where the assignment is when a command is not told: one rule for every command.

In order: the path given; $GRADER_ASSIGNMENT; then, from the current folder up, a folder that
is an exercise itself (it holds assignment.toml), a project whose pyproject.toml names its
default exercise (``[tool.grader] assignment = "exercises/NAME"``), or a project whose
``exercises/`` folder holds exactly one exercise.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from ..errors import UsageError

SPEC_FILE = "assignment.toml"
EXERCISES = "exercises"


def find_assignment(given: str | Path | None = None, start: Path | None = None) -> Path:
    """The exercise folder a command works on.

    Raises:
        UsageError: none was found (the message lists the exercises seen, if any).
    """
    if given is not None:
        return Path(given)
    env = os.environ.get("GRADER_ASSIGNMENT")
    if env:
        return Path(env)
    here = (start or Path.cwd()).resolve()
    seen: list[Path] = []
    for base in (here, *here.parents):
        if (base / SPEC_FILE).is_file():
            return base
        named = _project_default(base)
        if named is not None:
            return named
        found = exercises_in(base)
        if len(found) == 1:
            return found[0]
        seen = seen or found
    if seen:
        names = ", ".join(p.name for p in seen)
        raise UsageError(
            f"several exercises here ({names}): choose one with --assignment "
            f"{EXERCISES}/NAME (or set GRADER_ASSIGNMENT)"
        )
    raise UsageError(
        f"no assignment found: pass --assignment DIR (the folder of {SPEC_FILE}) or set "
        "GRADER_ASSIGNMENT"
    )


def exercises_in(base: Path) -> list[Path]:
    """The exercise folders of a project (exercises/*/assignment.toml), sorted by name."""
    folder = base / EXERCISES
    if not folder.is_dir():
        return []
    return sorted(p.parent for p in folder.glob(f"*/{SPEC_FILE}"))


def _project_default(base: Path) -> Path | None:
    try:
        data = tomllib.loads((base / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None
    name = data.get("tool", {}).get("grader", {}).get("assignment")
    if isinstance(name, str) and (base / name / SPEC_FILE).is_file():
        return base / name
    return None
