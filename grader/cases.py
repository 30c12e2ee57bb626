"""Build the input arrays of every case, deterministically, from the spec's recipes."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .errors import SpecError
from .spec import ArgSpec, Case, Generated, Literal_


def build_array(arg: ArgSpec) -> NDArray[np.generic]:
    """The array an argument recipe stands for (same bytes on every machine and run).

    Literal lists of whole numbers become int64 arrays, anything else float64.
    """
    if isinstance(arg, Literal_):
        try:
            arr = np.array(arg.values)
        except ValueError as exc:
            raise SpecError(f"literal array is ragged: {exc}") from None
        if arr.dtype.kind in "iub":
            return arr.astype(np.int64)
        if arr.dtype.kind != "f" or arr.size == 0:
            raise SpecError("literal arrays must hold numbers and be non-empty")
        return arr.astype(np.float64)
    return _generate(arg)


def _generate(g: Generated) -> NDArray[np.generic]:
    rng = np.random.default_rng(g.seed)
    if g.dist == "integers":
        return rng.integers(int(g.low), int(g.high), size=g.shape, endpoint=True, dtype=np.int64)
    if g.dist == "uniform":
        return rng.uniform(g.low, g.high, size=g.shape)
    return rng.normal(0.0, g.scale, size=g.shape)


def build_inputs(case: Case) -> dict[str, NDArray[np.generic]]:
    """The named, read-only arguments of one case's call."""
    out: dict[str, NDArray[np.generic]] = {}
    for name, arg in case.args:
        arr = build_array(arg)
        arr.setflags(write=False)
        out[name] = arr
    return out
