"""The values of a spec: arguments (arrays written out or generated, plain scalars) and the
checks every table's keys and values go through (a misspelled key names the closest one)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from ..errors import SpecError

DISTS = ("normal", "uniform", "integers")


_ID = re.compile(r"^[A-Za-z0-9_-]+$")


_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


GENERATOR_KEYS = ("shape", "dist", "seed", "low", "high", "scale")


@dataclass(frozen=True, slots=True)
class Generated:
    """A recipe for a deterministic random array.

    Attributes:
        shape: the array's shape.
        dist: "normal" (float, mean 0, std `scale`), "uniform" (float in [low, high)) or
            "integers" (int64 in [low, high], both ends included).
        seed: seed of numpy's default_rng.
        low, high, scale: parameters of the distribution.
    """

    shape: tuple[int, ...]
    dist: str
    seed: int
    low: float = 0.0
    high: float = 1.0
    scale: float = 1.0


@dataclass(frozen=True, slots=True)
class Literal_:
    """An array written out in the spec (nested lists of numbers)."""

    values: Any


@dataclass(frozen=True, slots=True)
class Scalar:
    """A plain argument written in the spec: an int, a float, a string or a bool."""

    value: int | float | str | bool


ArgSpec = Generated | Literal_ | Scalar


def arg_shape(arg: ArgSpec) -> tuple[int, ...]:
    """The shape of the array an argument stands for, () for a scalar (without building it)."""
    if isinstance(arg, Generated):
        return arg.shape
    if isinstance(arg, Scalar):
        return ()
    return _literal_shape(arg.values, "")


def _literal_shape(v: Any, where: str, at: str = "") -> tuple[int, ...]:
    """The shape of nested lists of numbers (`at`: the index path inside the literal).

    Raises:
        SpecError: the lists are ragged or empty, or hold something else than numbers.
    """
    if not isinstance(v, list):
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise SpecError(f"{where}{at} must be a number, not {v!r}")
        return ()
    if not v:
        raise SpecError(f"{where}{at} is an empty list: arrays must be non-empty")
    first = _literal_shape(v[0], where, f"{at}[0]")
    for i, item in enumerate(v[1:], start=1):
        shape = _literal_shape(item, where, f"{at}[{i}]")
        if shape != first:
            raise SpecError(
                f"{where} is a ragged array literal: {at}[{i}] has shape {list(shape)} but "
                f"{at}[0] has shape {list(first)} (every row must have the same length)"
            )
    return (len(v), *first)


def _arg(v: Any, where: str) -> ArgSpec:
    if isinstance(v, bool | int | float | str):
        return Scalar(v)
    if isinstance(v, list):
        _literal_shape(v, where)
        return Literal_(v)
    if not isinstance(v, dict):
        raise SpecError(
            f"{where} must be a number, a string, a boolean, a list of numbers (an array) or "
            "a generator table ({ shape = [...], dist = ..., seed = ... })"
        )
    _known(v, where, GENERATOR_KEYS)
    shape = v.get("shape")
    if (
        not isinstance(shape, list)
        or not shape
        or not all(isinstance(n, int) and n > 0 for n in shape)
    ):
        raise SpecError(f"{where}.shape must be a list of positive integers")
    dist = v.get("dist")
    if dist not in DISTS:
        raise SpecError(f"{where}.dist must be one of {DISTS}")
    seed = v.get("seed")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise SpecError(f"{where}.seed must be an integer (cases are deterministic)")
    defaults = {"integers": (-9.0, 9.0), "uniform": (0.0, 1.0), "normal": (0.0, 1.0)}[dist]
    low = _number(v, "low", defaults[0], where)
    high = _number(v, "high", defaults[1], where)
    if high < low:
        raise SpecError(f"{where}: high must be >= low")
    return Generated(
        shape=tuple(shape),
        dist=dist,
        seed=seed,
        low=low,
        high=high,
        scale=_number(v, "scale", 1.0, where),
    )


def _number(d: dict[str, Any], key: str, default: float, where: str) -> float:
    v = d.get(key, default)
    if not isinstance(v, int | float) or isinstance(v, bool):
        raise SpecError(f"{where}.{key} must be a number, not {v!r}")
    return float(v)


def _known(d: dict[str, Any], where: str, allowed: Collection[str]) -> None:
    """SpecError for the first key of table `d` (at `where`) that is not in `allowed`."""
    for key in d:
        if key not in allowed:
            path = f"{where}.{key}" if where else key
            raise SpecError(
                f"unknown key {path}{_did_you_mean(key, allowed)}; "
                f"the keys allowed here are: {', '.join(allowed)}"
            )


def _did_you_mean(key: str, allowed: Collection[str]) -> str:
    close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _table(d: dict[str, Any], key: str) -> dict[str, Any]:
    v = d.get(key)
    if not isinstance(v, dict):
        raise SpecError(f"missing [{key}] table")
    return v


def _subtable(d: dict[str, Any], key: str, where: str, allowed: Collection[str]) -> dict[str, Any]:
    """An optional table (e.g. [assignment.limits]), checked for unknown keys."""
    v = d.get(key, {})
    if not isinstance(v, dict):
        raise SpecError(f"{where}.{key} must be a table ([{where}.{key}])")
    _known(v, f"{where}.{key}", allowed)
    return v


def _str(d: dict[str, Any], key: str, where: str) -> str:
    v = d.get(key)
    if not isinstance(v, str) or not v:
        raise SpecError(f"{where}.{key} must be a non-empty string")
    return v


def _pos(d: dict[str, Any], key: str, default: float, where: str) -> float:
    v = d.get(key, default)
    if not isinstance(v, int | float) or isinstance(v, bool) or v <= 0:
        raise SpecError(f"{where}.{key} must be a positive number")
    return float(v)


def _nonneg(d: dict[str, Any], key: str, default: float, where: str) -> float:
    v = d.get(key, default)
    if not isinstance(v, int | float) or isinstance(v, bool) or v < 0:
        raise SpecError(f"{where}.{key} must be a number >= 0")
    return float(v)
