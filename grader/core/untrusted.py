"""Text that came from a student (output, exception text, names, notebook JSON), made safe.

Every string that crosses from a submission into the grader goes through ``text`` once, where
it arrives: it then is valid Unicode (no lone surrogates, so it can be written as UTF-8
anywhere), bounded in length, and free of NUL. Renderers then escape it for where it goes:
``terminal`` (no control characters, so no escape sequences, no fake rows), ``csv_cell``
(formula-safe) and HTML (Jinja2's autoescape).
"""

from __future__ import annotations

import re
from typing import Any

MAX_TEXT = 4000
# C0 and C1 control characters but tab and newline; DEL; bidi overrides and isolates
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])")


def text(value: Any, limit: int = MAX_TEXT) -> str:
    """Any value from a submission as valid, bounded Unicode text.

    Bytes are decoded as UTF-8 with replacement; lone surrogates (from JSON escapes or
    surrogateescape file names) become U+FFFD; NUL is dropped; the result is cut to `limit`
    characters with " ..." appended when it was longer.
    """
    if isinstance(value, bytes | bytearray | memoryview):
        s = bytes(value[: limit * 4 + 4]).decode("utf-8", errors="replace")
    elif isinstance(value, str):
        s = value[: limit + 1]
    elif value is None:
        s = ""
    else:
        try:
            s = str(value)[: limit + 1]
        except Exception:
            s = "<unprintable>"
    s = s.encode("utf-8", errors="replace").decode("utf-8").replace("\x00", "")
    return s if len(s) <= limit else s[:limit] + " ..."


def name(value: Any, limit: int = 200) -> str:
    """A name (student id, file name) as one printable line."""
    return terminal(text(value, limit)).replace("\n", " ").replace("\t", " ")


def terminal(s: str) -> str:
    """s without escape sequences and control characters (but newline and tab)."""
    return _CONTROLS.sub("", _ANSI.sub("", s))


def csv_cell(s: str) -> str:
    """A cell a spreadsheet will not read as a formula (OWASP's CSV-injection rule)."""
    return "'" + s if s[:1] in ("=", "+", "-", "@", "\t", "\r", "\n", ";", "|") else s
