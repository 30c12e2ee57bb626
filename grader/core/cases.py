"""Build the inputs of every case, deterministically, from the spec's recipes."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import SpecError
from .spec import ArgSpec, Case, Generated, Literal_, Scalar, arg_shape


def build_array(arg: Generated | Literal_) -> NDArray[np.generic]:
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


def build_value(arg: ArgSpec) -> Any:
    """An argument's value: a read-only array, or the spec's int, float, str or bool."""
    if isinstance(arg, Scalar):
        return arg.value
    arr = build_array(arg)
    arr.setflags(write=False)
    return arr


def build_inputs(case: Case) -> dict[str, Any]:
    """The named arguments of one case's call, in order (arrays read-only)."""
    return {name: build_value(arg) for name, arg in case.args}


def case_words(case: Case) -> str:
    """A case's input sizes in words ("8x8", "length 17"), never its values: the shape of
    its first array argument."""
    shape = next((arg_shape(a) for _, a in case.args if not isinstance(a, Scalar)), None)
    if shape is None:
        return "other values"
    return "x".join(str(n) for n in shape) if len(shape) > 1 else f"length {shape[0]}"
