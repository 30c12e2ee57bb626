"""Find the submissions in a folder: one per student, as a file or a folder.

Accepted layouts (``ROOT`` is the folder given to ``grader grade``):
    ROOT/<student>.py or ROOT/<student>.ipynb
    ROOT/<student>/convolution.py (the spec's module name), or the one .ipynb/.py inside
    ROOT/<student>/<assignment>/... (nbgrader's submitted/ layout)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SKIP_DIRS = {".ipynb_checkpoints", "__pycache__", ".git"}
MAX_BYTES = 5 << 20


@dataclass(frozen=True, slots=True)
class Submission:
    """One student's work.

    Attributes:
        student: the student's id (folder name or file stem).
        path: the file to grade, or None when none was found.
        problem: why the submission cannot be graded ("" when it can).
        note: a remark for the student (e.g. which of several files was graded).
    """

    student: str
    path: Path | None
    problem: str = ""
    note: str = ""

    @property
    def kind(self) -> str:
        return "ipynb" if self.path is not None and self.path.suffix == ".ipynb" else "py"


def discover(root: Path, module: str, assignment: str) -> list[Submission]:
    """All submissions under root, sorted by student id."""
    found: list[Submission] = []
    for entry in sorted(root.iterdir(), key=lambda p: p.name):
        if entry.name.startswith(".") or entry.name in SKIP_DIRS:
            continue
        if entry.is_file() and entry.suffix in (".py", ".ipynb"):
            found.append(Submission(entry.stem, entry))
        elif entry.is_dir():
            found.append(_from_folder(entry, module, assignment))
    return _dedupe(found)


def _dedupe(found: list[Submission]) -> list[Submission]:
    """Two entries for one student (ada.py and ada/) are both kept, under distinct ids."""
    seen: dict[str, int] = {}
    out = []
    for sub in found:
        n = seen.get(sub.student, 0)
        seen[sub.student] = n + 1
        if n:
            note = f"{sub.student} submitted more than once; this copy is graded as "
            sub = Submission(
                f"{sub.student}~{n + 1}", sub.path, sub.problem, note + f"{sub.student}~{n + 1}."
            )
        out.append(sub)
    return out


def _from_folder(folder: Path, module: str, assignment: str) -> Submission:
    student = folder.name
    inner = folder / assignment
    if inner.is_dir():
        folder = inner
    preferred = folder / module
    if preferred.is_file():
        return Submission(student, preferred)
    candidates = sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and p.suffix in (".ipynb", ".py")
        and not SKIP_DIRS.intersection(p.relative_to(folder).parts)
        and not p.name.startswith(("test_", "."))
    )
    notebooks = [p for p in candidates if p.suffix == ".ipynb"]
    pool = notebooks or candidates
    if not pool:
        return Submission(
            student, None, problem=f"No {module} or notebook was found in the submission folder."
        )
    chosen = pool[0]
    note = ""
    if len(pool) > 1:
        others = ", ".join(p.name for p in pool[1:4])
        note = f"Several files were submitted; {chosen.name} was graded (not {others})."
    return Submission(student, chosen, note=note)


def read_source(sub: Submission) -> tuple[bytes, str]:
    """The submission's bytes, and a problem that makes grading pointless ("" if none).

    The checks here are about the file, not the code: it is empty, too big, binary, or
    not UTF-8 text. Everything else is found out by running it in the sandbox.
    """
    if sub.path is None:
        return b"", sub.problem
    try:
        size = sub.path.stat().st_size
        if size > MAX_BYTES:
            return b"", f"The file is {size >> 20} MiB; submissions over 5 MiB are not graded."
        data = sub.path.read_bytes()
    except OSError as exc:
        return b"", f"The file could not be read ({exc.strerror})."
    if not data.strip():
        return data, "The file is empty."
    if b"\x00" in data:
        return data, "The file is not text (it contains binary data); submit the .py or .ipynb."
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        if sub.kind == "ipynb" or not _has_coding_cookie(data):
            return data, (
                f"The file is not valid UTF-8 text (byte 0x{data[exc.start]:02x} on line "
                f"{line}). Save it with UTF-8 encoding."
            )
    return data, ""


def _has_coding_cookie(data: bytes) -> bool:
    head = data.split(b"\n", 2)[:2]
    return any(b"coding" in line and line.lstrip().startswith(b"#") for line in head)
