"""Find the submissions in a folder: one per student, as a file or a folder.

Accepted layouts (``ROOT`` is the folder given to ``grader grade``):
    ROOT/<student>.py or ROOT/<student>.ipynb
    ROOT/<student>/... (the file to grade is chosen by `choose_file`)
    ROOT/<student>/<assignment>/... (nbgrader's submitted/ layout)

Links are never followed: a symlink (a student entry, or the file chosen in a student's
folder) or a hard link is refused with a problem the instructor sees, and the rest of the
batch goes on. Student ids are the entry names made valid text (`untrusted.text`); an id
that occurs twice is refused for every copy rather than guessed at.
"""

from __future__ import annotations

import os
import stat
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from . import untrusted

SKIP_DIRS = {".ipynb_checkpoints", "__pycache__", ".git"}
SUFFIXES = (".py", ".ipynb")
MAX_BYTES = 5 << 20
# Support files: other .py files next to the chosen one, shipped along with it.
MAX_SUPPORT = 20
MAX_SUPPORT_BYTES = 1 << 20
# How much of a student's folder is looked at: deeper or further files are not candidates.
MAX_DEPTH = 4
MAX_FILES = 2000
# File names listed in a problem message.
MAX_LISTED = 10


@dataclass(frozen=True, slots=True)
class Submission:
    """One student's work.

    Attributes:
        student: the student's id (folder name or file stem, as valid text).
        path: the file to grade, or None when none can be graded.
        problem: why the submission cannot be graded ("" when it can).
        note: a remark for the student (e.g. which files were not graded).
        support: other .py files in the chosen file's folder (a student's helpers), at most
            MAX_SUPPORT of at most MAX_SUPPORT_BYTES each, never links or test_*.py.
    """

    student: str
    path: Path | None
    problem: str = ""
    note: str = ""
    support: tuple[Path, ...] = ()

    @property
    def kind(self) -> str:
        return "ipynb" if self.path is not None and self.path.suffix == ".ipynb" else "py"


def discover(root: Path, module: str, assignment: str) -> list[Submission]:
    """All submissions under root, sorted by student id (one per id).

    Args:
        root: the submissions folder.
        module: the file name the spec asks for (e.g. ``maxpool.py``).
        assignment: the assignment's name (nbgrader's folder, the notebook's stem).
    """
    found: list[_Entry] = []
    with os.scandir(root) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            one = _from_entry(entry, module, assignment)
            if one is not None:
                found.append(one)
    return _refuse_duplicates(found)


@dataclass(frozen=True, slots=True)
class _Entry:
    """One entry of the submissions folder: whose it is, its name in messages, what it gives."""

    student: str
    label: str
    submission: Submission


def _from_entry(entry: os.DirEntry[str], module: str, assignment: str) -> _Entry | None:
    """The entry as one student's submission, or None when it is not one (e.g. notes.txt)."""
    raw = entry.name
    if raw.startswith(".") or raw in SKIP_DIRS:
        return None
    path = Path(entry.path)
    is_code = path.suffix in SUFFIXES
    if entry.is_symlink():
        if not (is_code or _is_dir(path)):
            return None
        student = student_id(path.stem if is_code else raw)
        label = _shown(raw)
        return _Entry(student, label, Submission(student, None, problem=linked(label)))
    if entry.is_dir(follow_symlinks=False):
        student = student_id(raw)
        return _Entry(student, _shown(raw) + "/", from_folder(path, module, assignment, student))
    if not (is_code and entry.is_file(follow_symlinks=False)):
        return None
    student = student_id(path.stem)
    label = _shown(raw)
    problem = _link_problem(path, label)
    return _Entry(
        student,
        label,
        Submission(student, None, problem=problem) if problem else Submission(student, path),
    )


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False


def student_id(raw: str) -> str:
    """A student's id from a file or folder name, as valid text (never raises).

    A name that is not valid UTF-8 arrives from os.listdir with surrogate escapes: its bytes
    are decoded again with U+FFFD for each invalid byte.
    """
    return untrusted.text(_name_bytes(raw), 255) or "_"


def _shown(raw: str) -> str:
    """A file name for a message: one printable line, invalid UTF-8 bytes as ``\\xff``."""
    return untrusted.name(_name_bytes(raw).decode("utf-8", errors="backslashreplace"), 100)


def _name_bytes(raw: str) -> bytes:
    """The bytes of a file name as os.listdir gave it (surrogate escapes undone)."""
    try:
        return os.fsencode(raw)
    except UnicodeError:
        return raw.encode("utf-8", errors="replace")


def _refuse_duplicates(found: list[_Entry]) -> list[Submission]:
    """One submission per id; an id submitted more than once is graded for none of them.

    Every report, results file and stored result is keyed by the id, so the copies become
    one ungraded submission whose problem names them all.
    """
    by_id: dict[str, list[_Entry]] = {}
    for entry in found:
        by_id.setdefault(entry.student, []).append(entry)
    out = []
    for student in sorted(by_id):
        copies = by_id[student]
        if len(copies) == 1:
            out.append(copies[0].submission)
            continue
        labels = ", ".join(sorted(e.label for e in copies))
        out.append(
            Submission(
                student,
                None,
                problem=f"This id was submitted more than once ({labels}): not graded until "
                "only one is left.",
            )
        )
    return out


def linked(label: str) -> str:
    """The problem of a submission that is (or whose chosen file is) a symlink."""
    return f"{label} is a symlink: symlinks are not graded, submit the file itself."


def hard_linked(label: str) -> str:
    """The problem of a submission whose file is a hard link (st_nlink > 1)."""
    return (
        f"{label} is a hard link to a file that is also elsewhere: links are not graded, "
        "submit the file itself."
    )


def _link_problem(path: Path, label: str) -> str:
    """Why the file at path (not followed) cannot be graded as a student's own, or ""."""
    try:
        st = path.lstat()
    except OSError as exc:
        return f"{label} could not be read ({exc.strerror})."
    if stat.S_ISLNK(st.st_mode):
        return linked(label)
    if not stat.S_ISREG(st.st_mode):
        return f"{label} is not a regular file: submit the file itself."
    if st.st_nlink > 1:
        return hard_linked(label)
    return ""


def from_folder(folder: Path, module: str, assignment: str, student: str) -> Submission:
    """The submission in one student's folder (or its nbgrader `<assignment>/` folder).

    The folder is walked without following links (at most MAX_DEPTH levels and MAX_FILES
    files); `choose_file` picks the file; a chosen file that is a link is refused.
    """
    inner = folder / assignment
    try:
        inner_mode = inner.lstat().st_mode
    except OSError:
        inner_mode = 0
    if stat.S_ISLNK(inner_mode):
        return Submission(student, None, problem=linked(f"{assignment}/"))
    if stat.S_ISDIR(inner_mode):
        folder = inner
    names, complete = list_files(folder)
    chosen, problem = choose_file(names, module, assignment)
    named = (module, f"{assignment}.ipynb")
    if chosen is not None and not complete and PurePosixPath(chosen).name not in named:
        # the single candidate of an incomplete listing may not be the only one
        chosen, problem = (
            None,
            (
                f"The submission folder holds more than {MAX_FILES} files or folders deeper than "
                f"{MAX_DEPTH} levels, and no file named {module}: submit only the file to grade."
            ),
        )
    if chosen is None:
        return Submission(student, None, problem=problem)
    path = folder / chosen
    link = _link_problem(path, _shown(chosen))
    if link:
        return Submission(student, None, problem=link)
    support = support_files(path)
    return Submission(student, path, note=_not_graded(chosen, names, support), support=support)


def _not_graded(chosen: str, names: Sequence[str], support: tuple[Path, ...]) -> str:
    """A note naming the candidate files that are neither graded nor shipped as support."""
    here = PurePosixPath(chosen).parent
    skipped = {chosen, *(str(here / p.name) for p in support)}
    others = [n for n in candidates(names) if n not in skipped]
    return f"Graded {_shown(chosen)}; not graded: {_listed(others)}." if others else ""


def list_files(folder: Path) -> tuple[list[str], bool]:
    """Every non-folder entry under folder as a relative POSIX path, without following links.

    Symlinks are listed (never followed) so that choosing one can be refused; dot folders
    and SKIP_DIRS are not entered. The flag is False when the folder holds more than
    MAX_FILES files or folders deeper than MAX_DEPTH levels.
    """
    names: list[str] = []
    complete = True
    queue: deque[tuple[str, Path, int]] = deque([("", folder, 0)])
    while queue:  # breadth first: the shallowest files are the ones listed first
        prefix, here, depth = queue.popleft()
        try:
            with os.scandir(here) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        for e in entries:
            rel = prefix + e.name
            if not e.is_dir(follow_symlinks=False):
                names.append(rel)
            elif e.name.startswith(".") or e.name in SKIP_DIRS:
                continue
            elif depth + 1 >= MAX_DEPTH:
                complete = False
            else:
                queue.append((rel + "/", Path(e.path), depth + 1))
        if len(names) > MAX_FILES:
            return sorted(names[:MAX_FILES]), False
    return sorted(names), complete


def candidates(names: Iterable[str]) -> list[str]:
    """The names (relative POSIX paths) that could be a submission's file to grade.

    A .py or .ipynb file, not a test_*.py, not a dotfile, not in a dot folder, __pycache__
    or .ipynb_checkpoints.
    """
    out = []
    for n in names:
        parts = PurePosixPath(n).parts
        base = parts[-1] if parts else ""
        if not base.endswith(SUFFIXES) or (base.startswith("test_") and base.endswith(".py")):
            continue
        if any(p.startswith(".") or p in SKIP_DIRS for p in parts):
            continue
        out.append(n)
    return sorted(out)


def choose_file(names: Sequence[str], module: str, assignment: str) -> tuple[str | None, str]:
    """Which file of a submission folder is graded: the one rule for every way of grading.

    In order: the file named as the spec's module (``maxpool.py``), else the notebook
    named for the assignment (``maxpool.ipynb``), else the single candidate .py/.ipynb
    file (see `candidates`). A name found in several subfolders is taken from the shallowest
    one. Several equally good files, or none, give no file and a problem that lists the
    files found and says what to do. Links are the caller's to check (`list_files` lists
    them without following them).

    Args:
        names: the folder's files as relative POSIX paths (``"hw/maxpool.py"``).
        module: the file name the spec asks for (e.g. ``maxpool.py``).
        assignment: the assignment's name (``maxpool``).

    Returns:
        (the chosen name, "") or (None, the problem in words).
    """
    pool = candidates(names)
    for wanted in (module, f"{assignment}.ipynb"):
        named = [n for n in pool if PurePosixPath(n).name == wanted]
        if named:
            depth = min(len(PurePosixPath(n).parts) for n in named)
            best = [n for n in named if len(PurePosixPath(n).parts) == depth]
            if len(best) == 1:
                return best[0], ""
            return None, (
                f"Several files are named {wanted} ({_listed(best)}): remove all but the one "
                "to grade."
            )
    if len(pool) == 1:
        return pool[0], ""
    if pool:
        return None, (
            f"Several files were submitted ({_listed(pool)}) and none is named {module}: "
            "rename the one to grade."
        )
    held = f" It holds only: {_listed(names)}." if names else " It is empty."
    return None, f"No {module} or notebook was found in the submission folder.{held}"


def _listed(names: Sequence[str]) -> str:
    """Names for a message: each one printable, at most MAX_LISTED of them."""
    shown = ", ".join(_shown(n) for n in list(names)[:MAX_LISTED])
    return shown + (", ..." if len(names) > MAX_LISTED else "")


def support_files(chosen: Path) -> tuple[Path, ...]:
    """The other .py files directly in the chosen file's folder, to ship along with it.

    Not test_*.py, not dotfiles, not links (symlinks or hard links), at most
    MAX_SUPPORT_BYTES each; the first MAX_SUPPORT by name.
    """
    found: list[Path] = []
    try:
        with os.scandir(chosen.parent) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError:
        return ()
    for e in entries:
        if len(found) == MAX_SUPPORT:
            break
        if e.name == chosen.name or not e.name.endswith(".py") or e.name.startswith((".", "test_")):
            continue
        try:
            st = e.stat(follow_symlinks=False)
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode) and st.st_nlink == 1 and st.st_size <= MAX_SUPPORT_BYTES:
            found.append(Path(e.path))
    return tuple(found)


def read_support(sub: Submission) -> tuple[tuple[str, bytes], ...]:
    """The submission's helper modules as (file name, bytes); one that can no longer be read
    (or has grown past MAX_SUPPORT_BYTES) is left out."""
    out = []
    for p in sub.support[:MAX_SUPPORT]:
        try:
            data = p.read_bytes()
        except OSError:
            continue
        if len(data) <= MAX_SUPPORT_BYTES:
            out.append((p.name, data))
    return tuple(out)


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
