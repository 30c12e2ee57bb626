"""Random, hostile input into everything that reads what a student sent: it never raises.

A worker reply (header and payload), a notebook file, any text from a submission: whatever
it holds, the decoders return the right types, with valid, bounded UTF-8 text, and the
verdict built from them is a plain result. Deterministic (derandomized) and fast.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from grader.core import untrusted
from grader.core.notebook_cells import without_graded_tests
from grader.core.reference import PreparedCase, prepare
from grader.core.results import CaseResult
from grader.core.spec import Assignment, load_spec
from grader.core.verdict import Memo, case_result
from grader.integrations.notebook import solutions_from_notebook
from grader.isolation.outcomes import (
    ALLOWED_DTYPES,
    MAX_DIMS,
    MAX_FUNCTIONS,
    MAX_LOAD_ERRORS,
    MAX_MODIFIED,
    MAX_RESULT_BYTES,
    CallOutcome,
    Failure,
    LoadOutcome,
    clean_error,
    decode_call,
    decode_load,
    matching,
    rebuild,
)

from .conftest import ASSIGNMENT

FUZZ = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FAILURES = {"timeout", "memory", "crashed", "exited", "protocol"}
ERROR_KEYS = {"type", "message", "line", "traceback", "cell", "error"}
INFO_KEYS = {"defined", "callable", "params", "varargs"}
# a lone surrogate, NUL, an escape sequence, a bidi override: what breaks UTF-8 and terminals
NASTY = ["\ud800", "\udfff", "\x00", "\x1b[2J", "\u202e", "\n", "\r", "\ufeff", "=cmd|"]

chars = st.one_of(
    st.characters(codec=None),
    st.characters(categories=["Cs"]),  # lone surrogates, as JSON escapes deliver them
)
texts = st.one_of(
    st.lists(st.one_of(chars, st.sampled_from(NASTY)), max_size=30).map("".join),
    st.sampled_from(NASTY),
)
numbers = st.one_of(
    st.integers(),
    st.integers(min_value=-(2**200), max_value=2**200),
    st.sampled_from([0, 1, -1, 2**63, 2**64, 10**300, -(10**300)]),
    st.floats(allow_nan=True, allow_infinity=True),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, texts)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(texts, inner, max_size=5)),
    max_leaves=25,
)


def _field(plausible: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A header field: often a plausible value, sometimes any JSON value."""
    return st.one_of(plausible, json_values)


shapes = st.one_of(
    st.lists(st.integers(min_value=0, max_value=6), max_size=4),
    st.lists(st.integers(min_value=-3, max_value=2**70), max_size=MAX_DIMS + 3),
    st.lists(st.sampled_from([0, 1, 2**31, 2**62, 2**64, MAX_RESULT_BYTES + 1]), max_size=9),
    st.lists(st.one_of(st.booleans(), st.floats(), st.lists(st.integers(0, 3))), max_size=3),
)
call_heads = st.fixed_dictionaries(
    {},
    optional={
        "id": _field(texts),
        "ok": _field(st.booleans()),
        "error": _field(st.sampled_from(["exited", "signal", "missing", "memory", "exception"])),
        "type": _field(st.sampled_from(["exit", "ValueError", "SystemExit"])),
        "message": json_values,
        "line": _field(numbers),
        "traceback": json_values,
        "cell": json_values,
        "signal": _field(st.integers(min_value=-5, max_value=70)),
        "modified": _field(st.lists(texts, max_size=20)),
        "returned": json_values,
        "problem": _field(
            st.sampled_from(["none", "not_numbers", "complex", "bool", "too_big", "bogus", ""])
        ),
        "detail": json_values,
        "dtype": _field(st.sampled_from([*sorted(ALLOWED_DTYPES), ">f8", "O", "<c16", "|b1"])),
        "shape": _field(shapes),
        "seconds": json_values,
    },
)
infos = st.fixed_dictionaries(
    {},
    optional={
        "defined": json_values,
        "callable": json_values,
        "params": _field(st.lists(texts, max_size=300)),
        "varargs": json_values,
    },
)
load_heads = st.fixed_dictionaries(
    {},
    optional={
        "ok": json_values,
        "id": json_values,
        "found": _field(
            st.dictionaries(
                st.one_of(st.sampled_from(["convolve", "convolve1d"]), texts),
                _field(infos),
                max_size=8,
            )
        ),
        "errors": _field(st.lists(_field(call_heads), max_size=4)),
        "fatal": json_values,
    },
)


def _strings(value: Any, path: str = "outcome") -> list[tuple[str, str]]:
    """Every string inside a value (dataclasses, dicts, lists, tuples), with where it is."""
    if isinstance(value, str):
        return [(path, value)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [
            s
            for f in dataclasses.fields(value)
            for s in _strings(getattr(value, f.name), f"{path}.{f.name}")
        ]
    if isinstance(value, dict):
        return [
            s for k, v in value.items() for s in _strings(k, path) + _strings(v, f"{path}[{k}]")
        ]
    if isinstance(value, list | tuple):
        return [s for i, v in enumerate(value) for s in _strings(v, f"{path}[{i}]")]
    return []


def _assert_clean_text(value: Any) -> None:
    for where, s in _strings(value):
        s.encode("utf-8")  # raises on a lone surrogate
        assert "\x00" not in s, where


def _assert_error(err: Any) -> None:
    assert isinstance(err, dict) and set(err) == ERROR_KEYS
    assert err["line"] is None or (type(err["line"]) is int and err["line"] >= 0)
    for key in ERROR_KEYS - {"line"}:
        assert isinstance(err[key], str)
    assert err["type"] and "\n" not in err["type"]
    assert len(err["message"]) <= 2004 and len(err["traceback"]) <= 4004


def _assert_call(out: Any) -> None:
    assert isinstance(out, CallOutcome)
    assert isinstance(out.returned, str) and len(out.returned) <= 84
    assert isinstance(out.problem, str) and isinstance(out.detail, str)
    assert len(out.detail) <= 304
    assert isinstance(out.modified, tuple) and len(out.modified) <= MAX_MODIFIED
    assert all(isinstance(m, str) for m in out.modified)
    if out.error is not None:
        _assert_error(out.error)
    if out.failure is not None:
        assert isinstance(out.failure, Failure) and out.failure.outcome in FAILURES
        assert isinstance(out.failure.message, str)
    if out.value is not None:
        assert isinstance(out.value, np.ndarray) and type(out.value) is np.ndarray
        assert out.value.dtype.str in ALLOWED_DTYPES
        assert out.value.ndim <= MAX_DIMS and out.value.nbytes <= MAX_RESULT_BYTES
        assert out.value.flags.writeable and out.value.flags.owndata
    assert isinstance(out.seconds, float)
    _assert_clean_text(out)


def _assert_load(out: Any) -> None:
    assert isinstance(out, LoadOutcome)
    assert isinstance(out.found, dict) and len(out.found) <= MAX_FUNCTIONS
    for name, info in out.found.items():
        assert isinstance(name, str) and isinstance(info, dict) and set(info) == INFO_KEYS
        assert all(type(info[k]) is bool for k in ("defined", "callable", "varargs"))
        params = info["params"]
        assert params is None or all(isinstance(p, str) and len(p) <= 104 for p in params)
    assert isinstance(out.errors, tuple) and len(out.errors) <= MAX_LOAD_ERRORS
    for err in out.errors:
        _assert_error(err)
    assert isinstance(out.fatal, str) and len(out.fatal) <= 2004
    assert out.failure is None or out.failure.outcome in FAILURES
    _assert_clean_text(out)


def _payload_for(head: dict[str, Any], extra: bytes) -> bytes:
    """Bytes that match the header's dtype and shape when those are sane (so that valid
    arrays are rebuilt often), followed by `extra` (a length mismatch when non-empty)."""
    dtype, shape = head.get("dtype"), head.get("shape")
    if not isinstance(shape, list) or not isinstance(dtype, str):
        return extra
    sane = len(shape) <= 4 and all(type(n) is int and 0 <= n <= 6 for n in shape)
    if dtype in ALLOWED_DTYPES and sane:
        count = int(np.prod(shape)) if shape else 1
        return b"\x01" * (count * np.dtype(dtype).itemsize) + extra
    return extra


# --- worker replies ------------------------------------------------------------------------------


@FUZZ
@given(call_heads, st.binary(max_size=64), st.booleans())
@example({"ok": True, "dtype": "<f8", "shape": [0, 10**30]}, b"", False)
@example({"ok": True, "dtype": "<f8", "shape": [2**62, 2**62, 0]}, b"", False)
@example({"ok": True, "dtype": "<f8", "shape": [True, 1]}, b"", True)
@example({"ok": True, "dtype": "<i8", "shape": [[1], 2]}, b"", True)
@example({"ok": True, "problem": ["unhashable"], "detail": "\ud800"}, b"", False)
@example({"ok": False, "error": "exception", "type": "\ud800", "line": 10**100}, b"", False)
@example({"ok": False, "error": "signal", "signal": 11}, b"", False)
@example({"ok": False, "error": "exited", "message": {"nested": ["\udfff"]}}, b"", False)
def test_decode_call_never_raises(head: dict[str, Any], extra: bytes, mismatch: bool) -> None:
    """Does any call reply give a CallOutcome of the right types, with valid bounded text?"""
    data = _payload_for(head, extra if mismatch else b"")
    _assert_call(decode_call(head, data, 0.25))


@FUZZ
@given(json_values, st.binary(max_size=32))
def test_decode_call_of_a_header_that_is_not_an_object(head: Any, data: bytes) -> None:
    """Is a reply header that is not a JSON object a protocol failure (not a crash)?"""
    out = decode_call(head, data, 0.0)
    _assert_call(out)
    if not isinstance(head, dict):
        assert out.failure is not None and out.failure.outcome == "protocol"


@FUZZ
@given(st.one_of(load_heads, json_values))
@example({"found": {"convolve": {"defined": True, "callable": "yes", "params": [1, None]}}})
@example({"found": [], "errors": "nope", "fatal": ["\ud800"]})
@example({"errors": [{"line": True, "type": None}] * (MAX_LOAD_ERRORS + 10)})
@example({"found": {f"f{i}": {"defined": True} for i in range(MAX_FUNCTIONS + 10)}})
def test_decode_load_never_raises(head: Any) -> None:
    """Does any load reply give a LoadOutcome of the right types, with valid bounded text?"""
    out = decode_load(head)
    _assert_load(out)
    if not isinstance(head, dict):
        assert out.failure is not None and out.failure.outcome == "protocol"


def test_decode_load_keeps_what_a_real_worker_sends() -> None:
    """Does a well-formed load reply come through unchanged?"""
    head = {
        "ok": True,
        "id": "x-1",
        "found": {
            "convolve": {"defined": True, "callable": True, "params": ["a", "b"], "varargs": False},
            "convolve1d": {"defined": False, "callable": False},
        },
        "errors": [
            {
                "ok": False,
                "error": "exception",
                "type": "ValueError",
                "message": "bad",
                "line": 3,
                "traceback": "tb",
                "cell": "<cell 2>",
            }
        ],
    }
    out = decode_load(head)
    assert out.found["convolve"] == head["found"]["convolve"]  # type: ignore[index]
    assert out.found["convolve1d"] == {
        "defined": False,
        "callable": False,
        "params": None,
        "varargs": False,
    }
    assert out.errors == (
        {
            "type": "ValueError",
            "message": "bad",
            "line": 3,
            "traceback": "tb",
            "cell": "<cell 2>",
            "error": "exception",
        },
    )
    assert out.fatal == "" and out.failure is None
    assert decode_load({"fatal": "the notebook is not valid JSON"}).fatal.startswith("the notebook")


@FUZZ
@given(json_values)
def test_clean_error_never_raises(e: Any) -> None:
    """Is any value an error dict with exactly the known keys and clean text?"""
    err = clean_error(e)
    _assert_error(err)
    _assert_clean_text(err)


@FUZZ
@given(_field(st.sampled_from(sorted(ALLOWED_DTYPES))), _field(shapes), st.binary(max_size=96))
def test_rebuild_never_raises(dtype: Any, shape: Any, data: bytes) -> None:
    """Does rebuild give an array that matches its header exactly, or None?"""
    arr = rebuild(dtype, shape, data)
    if arr is not None:
        assert arr.dtype.str == dtype and list(arr.shape) == shape and arr.tobytes() == data


@FUZZ
@given(st.sampled_from(sorted(ALLOWED_DTYPES)), st.lists(st.integers(0, 5), max_size=MAX_DIMS))
def test_rebuild_gives_back_any_sane_array(dtype: str, shape: list[int]) -> None:
    """Does every plain array within bounds survive the trip through (dtype, shape, bytes)?"""
    count = int(np.prod(shape)) if shape else 1
    data = bytes((7 * i) % 256 for i in range(count * np.dtype(dtype).itemsize))
    arr = rebuild(dtype, shape, data)
    assert arr is not None and arr.shape == tuple(shape) and arr.tobytes() == data


@FUZZ
@given(st.one_of(st.tuples(json_values, st.binary(max_size=4)), json_values), texts)
def test_matching_never_raises(reply: Any, rid: str) -> None:
    """Does a reply that does not answer the request (or is not a reply) become a failure?"""
    out = matching(reply, rid)
    if not isinstance(out, Failure):
        assert out is reply and out[0]["id"] == rid


# --- the verdict built from decoded replies ------------------------------------------------------


@pytest.fixture(scope="module")
def prepared() -> tuple[Assignment, list[PreparedCase]]:
    spec = load_spec(ASSIGNMENT)
    return spec, prepare(spec, verify=False)


@settings(FUZZ, max_examples=200)
@given(st.one_of(load_heads, json_values), call_heads, st.binary(max_size=64), st.integers(0, 15))
def test_verdict_of_any_reply_is_a_plain_result(
    prepared: tuple[Assignment, list[PreparedCase]],
    load_head: Any,
    call_head: dict[str, Any],
    extra: bytes,
    index: int,
) -> None:
    """Does any pair of replies give a scored CaseResult with clean text, never an exception?"""
    spec, cases = prepared
    pc = cases[index % len(cases)]
    load = decode_load(load_head)
    call = decode_call(call_head, _payload_for(call_head, extra), 0.1)
    for notebook in (False, True):
        result = case_result(spec, pc, load, call, is_notebook=notebook, memo=Memo())
        assert isinstance(result, CaseResult)
        assert 0 <= result.points <= result.max_points
        assert result.status in ("passed", "failed")
        _assert_clean_text(dataclasses.replace(result, got=None))


# --- notebooks -----------------------------------------------------------------------------------

cells = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {},
        optional={
            "cell_type": _field(st.sampled_from(["code", "markdown", "raw"])),
            "source": _field(st.one_of(texts, st.lists(_field(texts), max_size=4))),
            "metadata": _field(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "nbgrader": _field(
                            st.fixed_dictionaries(
                                {},
                                optional={
                                    "grade": _field(st.booleans()),
                                    "solution": _field(st.booleans()),
                                    "grade_id": _field(
                                        st.sampled_from(["check-your-work", "convolve", "q1"])
                                    ),
                                    "points": json_values,
                                },
                            )
                        )
                    },
                )
            ),
        },
    ),
)
notebooks = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {"cells": _field(st.lists(cells, max_size=6))},
        optional={"metadata": json_values, "nbformat": json_values},
    ),
)
DEEP = [
    b"[" * 100_000,
    b"{" * 100_000,
    b'{"cells": ' + b"[" * 100_000,
    b'{"cells": [' + b'{"a": [' * 50_000 + b"]}" * 50_000 + b"]}",
    ('{"cells": [{"cell_type": "code", "source": ' + "[" * 900 + "]" * 900 + "}]}").encode(),
    (
        '{"cells": [{"cell_type": "code", "metadata": {"nbgrader": {"grade": true}}}], "x": '
        + "[" * 950
        + "]" * 950
        + "}"
    ).encode(),
]


def _assert_notebook_bytes(out: bytes | None) -> None:
    if out is not None:
        json.loads(out.decode("utf-8"))  # valid UTF-8 and JSON


@FUZZ
@given(notebooks, st.booleans())
@example({"cells": [{"cell_type": "code", "metadata": {"nbgrader": {"grade": True}}}]}, False)
@example(
    {
        "cells": [
            {"cell_type": "code", "metadata": {"nbgrader": {"grade": True}}, "source": "t"},
            {"cell_type": "code", "source": "name = '\ud800'"},
        ]
    },
    False,
)
def test_notebook_json_never_raises(nb: Any, ascii_only: bool) -> None:
    """Does any JSON value (surrogate escapes, odd cells, metadata, sources) come through
    stripping and solution reading as clean UTF-8, never an exception?"""
    text = json.dumps(nb, ensure_ascii=ascii_only, allow_nan=True)
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # surrogates written raw: such a file is not UTF-8
        data = text.encode("utf-8", errors="surrogatepass")
    out = without_graded_tests(data)
    _assert_notebook_bytes(out)
    if out is not None:  # the copy is the same notebook: only test cells were emptied
        copy = json.loads(out.decode("utf-8"))
        assert len(copy["cells"]) == len(json.loads(data.decode("utf-8", "surrogatepass"))["cells"])
    bodies = solutions_from_notebook(text)
    assert isinstance(bodies, dict)
    _assert_clean_text(bodies)


@FUZZ
@given(st.binary(max_size=200))
@example(b"\xff\xfe{}")
@example(b'{"cells": [], "x": "\xed\xa0\x80"}')  # a surrogate encoded raw: not UTF-8
def test_notebook_bytes_never_raise(data: bytes) -> None:
    """Do random bytes give None or a valid notebook copy, never an exception?"""
    _assert_notebook_bytes(without_graded_tests(data))
    assert isinstance(solutions_from_notebook(data.decode("utf-8", errors="surrogateescape")), dict)


@pytest.mark.parametrize("data", DEEP, ids=range(len(DEEP)))
def test_deeply_nested_notebooks_never_raise(data: bytes) -> None:
    """Is JSON nested deeper than any parser goes (or just deep enough to strain writing it
    back) handled as 'not a notebook' or copied, never an exception?"""
    _assert_notebook_bytes(without_graded_tests(data))
    assert isinstance(solutions_from_notebook(data.decode()), dict)


def test_a_notebook_with_a_huge_number_of_cells_is_stripped() -> None:
    """Are 200 000 cells (most of them junk) handled in one pass?"""
    junk: list[Any] = [1, None, "x", [], {"cell_type": 5}] * 40_000
    test_cell = {"cell_type": "code", "metadata": {"nbgrader": {"grade": True}}, "source": "1"}
    out = without_graded_tests(json.dumps({"cells": [*junk, test_cell]}).encode())
    assert out is not None
    assert json.loads(out)["cells"][-1]["source"] == ""


# --- untrusted text ------------------------------------------------------------------------------


@FUZZ
@given(st.one_of(texts, st.text(chars, max_size=300), json_values, st.binary(max_size=64)))
@example("\ud800" * 10)
@example(10**300)
@example("a\x00b")
def test_untrusted_text_is_valid_and_bounded(value: Any) -> None:
    """Is any value from a submission valid UTF-8 without NUL, within its limit?"""
    for limit in (1, 20, 100):
        s = untrusted.text(value, limit)
        s.encode("utf-8")
        assert "\x00" not in s and len(s) <= limit + 4
        n = untrusted.name(value, limit)
        n.encode("utf-8")
        assert "\n" not in n and "\x1b" not in n and len(n) <= limit + 4
