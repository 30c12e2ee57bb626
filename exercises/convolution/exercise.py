"""What is specific to the convolution exercise: its convention (flip, mode), the scipy
cross-check, the tolerance scale, the diagnosis of classic mistakes and the lesson's words.

The grader loads this module by path (see grader.exercise for the names it may define).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from grader.exercise import Call, Hint

from . import diagnosis

PARAMETERS = {"flip": False, "mode": ("valid", "same", "full")}
HINT_TITLES = diagnosis.HINT_TITLES
# The number of dimensions of each function's arguments (another function: its first input's).
NDIM = {"convolve": 2, "convolve1d": 1}


def _ndim(function: str, args: Mapping[str, Any]) -> int:
    first = next(iter(args.values()), None)
    return NDIM.get(function, np.ndim(first) if first is not None else 2)


def _arrays(args: Mapping[str, Any]) -> tuple[NDArray[Any], NDArray[Any]]:
    """The data (first argument) and the kernel (last)."""
    values = list(args.values())
    return np.asarray(values[0]), np.asarray(values[-1])


def check_case(function: str, args: Mapping[str, Any], params: Mapping[str, Any]) -> str:
    """Both arguments are arrays of the function's dimensions; with mode "valid" the kernel
    fits inside the input, or no output position exists."""
    ndim = _ndim(function, args)
    words = f"{ndim}-D"
    for name, value in args.items():
        if not isinstance(value, np.ndarray):
            return f"{name} must be an array (a list of numbers or a generator table)"
        if value.ndim != ndim:
            return (
                f"{name} has {value.ndim} dimension(s) (shape {list(value.shape)}), but "
                f"{function} works on {words} arrays: every argument must be {words}"
            )
    if len(args) != 2:
        return f"{function} takes two arrays: the input, then the kernel"
    if params.get("mode", "valid") == "valid":
        (data_name, data), (kernel_name, kernel) = list(args.items())
        if any(k > d for k, d in zip(kernel.shape, data.shape, strict=True)):
            return (
                f"the {kernel_name} (shape {list(kernel.shape)}) is larger than the "
                f'{data_name} (shape {list(data.shape)}); with mode = "valid" it fits nowhere, '
                f"so there is no output. Use a smaller {kernel_name} or a larger {data_name}."
            )
    return ""


def oracle(function: str, args: Mapping[str, Any], params: Mapping[str, Any]) -> Any:
    """scipy's (or NumPy's) answer for the convention: correlate, or convolve when flip."""
    import scipy.signal

    data, kernel = (a.astype(np.float64) for a in _arrays(args))
    flip, mode = bool(params.get("flip")), str(params.get("mode", "valid"))
    if data.ndim == 2:
        fn2 = scipy.signal.convolve2d if flip else scipy.signal.correlate2d
        return fn2(data, kernel, mode=mode)
    m: Any = mode
    return np.convolve(data, kernel, m) if flip else np.correlate(data, kernel, m)


def tolerance_scale(function: str, args: Mapping[str, Any], params: Mapping[str, Any]) -> float:
    """The size of the terms a convolution sums: max |input| * sum |kernel| (at least 1)."""
    return diagnosis.tolerance_scale(*_arrays(args))


def diagnose(call: Call) -> tuple[Hint, ...]:
    """The classic convolution mistakes that explain the output (see diagnosis.py)."""
    arrays = {n: v for n, v in call.args.items() if isinstance(v, np.ndarray)}
    kind = "1d" if _ndim(call.function, arrays) == 1 else "2d"
    return diagnosis.diagnose(
        arrays,
        call.expected,
        call.actual,
        kind=kind,
        flip=bool(call.params.get("flip")),
        mode=str(call.params.get("mode", "valid")),
        rtol=call.rtol,
        atol=call.atol,
    )


# --- words ------------------------------------------------------------------------------------

SIZES = {
    "valid": (
        "Only the positions where the kernel fits entirely inside the input are kept "
        "('valid' output, no padding): a signal of length N and a kernel of length k give "
        "N - k + 1 values, an (H, W) image and a (kh, kw) kernel an (H - kh + 1, W - kw + 1) "
        "image."
    ),
    "same": (
        "The input is padded with zeros so that the output has the input's shape ('same' "
        "output, centred as scipy and NumPy do)."
    ),
    "full": (
        "The input is padded with zeros so that every partial overlap counts ('full' "
        "output): lengths N and k give N + k - 1 values."
    ),
}


def lesson(params: Mapping[str, Any]) -> str:
    """Markdown: what to write, and the convention (flip, output size)."""
    flip, mode = bool(params.get("flip")), str(params.get("mode", "valid"))
    if flip:
        how = (
            "The kernel is **flipped** on every axis before it slides over the input (true "
            "convolution, as `scipy.signal.convolve2d` and `np.convolve` compute it)."
        )
    else:
        how = (
            "As in deep-learning libraries, the kernel slides over the input **without being "
            "flipped** (strictly speaking a cross-correlation). At each position, multiply the "
            "kernel with the part of the input under it, element by element, and add it all up."
        )
    text = (
        "Write the functions with NumPy only: no scipy, no `np.convolve` or `np.correlate`. "
        "The point of the exercise is to write the sliding window yourself.\n\n"
        f"{how} {SIZES[mode]}"
    )
    if mode == "valid":
        k1, k2 = ("kernel[::-1]", "kernel[::-1, ::-1]") if flip else ("kernel", "kernel")
        text += (
            "\n\n```\n"
            f"out[i]    = sum(signal[i:i+k] * {k1})\n"
            f"out[i, j] = sum(image[i:i+kh, j:j+kw] * {k2})\n"
            "```"
        )
    return text


def docstring(function: str, argnames: Sequence[str], params: Mapping[str, Any]) -> str:
    """The stub's docstring of convolve or convolve1d, in the spec's convention."""
    flip, mode = bool(params.get("flip")), str(params.get("mode", "valid"))
    data, kernel = (argnames[0], argnames[-1]) if len(argnames) > 1 else ("x", "kernel")
    two_d = NDIM.get(function, 2) == 2
    how = "flipping it first (true convolution)" if flip else "without flipping it"
    if two_d:
        shape, kshape = "(H, W)", "(kh, kw)"
        out = {
            "valid": "(H - kh + 1, W - kw + 1)",
            "same": "(H, W)",
            "full": "(H + kh - 1, W + kw - 1)",
        }
        used = f"{kernel}[::-1, ::-1]" if flip else kernel
        formula = f"out[i, j] = sum({data}[i:i+kh, j:j+kw] * {used})"
    else:
        shape, kshape = "(N,)", "(k,)"
        out = {"valid": "(N - k + 1,)", "same": "(N,)", "full": "(N + k - 1,)"}
        used = f"{kernel}[::-1]" if flip else kernel
        formula = f"out[i] = sum({data}[i:i+k] * {used})"
    lines = [
        f"Slides a {'2-D' if two_d else '1-D'} {kernel} over a {'2-D' if two_d else '1-D'} "
        f"{data}, {how}, keeping '{mode}' positions.",
        "",
        f"For {data} of shape {shape} and {kernel} of shape {kshape} the output has shape "
        f"{out[mode]}" + (" and" if mode == "valid" else "."),
    ]
    if mode == "valid":
        lines += ["", f"    {formula}"]
    else:
        lines += ["", SIZES[mode]]
    lines += [
        "",
        "Args:",
        f"    {data}: NumPy array of shape {shape}, integers or floats. Must not be modified.",
        f"    {kernel}: NumPy array of shape {kshape}. Must not be modified.",
        "",
        "Returns:",
        f"    A new float NumPy array of shape {out[mode]}.",
    ]
    return "\n".join(lines)


def example(
    function: str, args: Mapping[str, Any], expected: NDArray[Any], params: Mapping[str, Any]
) -> list[str]:
    """One output value of a public case worked out by hand ('valid' mode only)."""
    if params.get("mode", "valid") != "valid" or expected.size == 0:
        return []
    data, kernel = _arrays(args)
    used = np.flip(kernel) if params.get("flip") else kernel
    nz = np.flatnonzero(expected)
    index = np.unravel_index(int(nz[0]) if nz.size else 0, expected.shape)
    window = data[tuple(slice(i, i + k) for i, k in zip(index, used.shape, strict=True))]
    terms = " + ".join(
        f"{_num(a)}·{_num(b) if b >= 0 else f'({_num(b)})'}"
        for a, b in zip(window.ravel().tolist(), used.ravel().tolist(), strict=True)
    )
    where = ", ".join(str(int(i)) for i in index)
    where = f"({where})" if len(index) > 1 else where
    covered = " ".join(line.strip() for line in _plain(window).splitlines())
    return [
        f"For instance at position {where} the kernel covers `{covered}`, and "
        f"{terms} = {_num(float(expected[index]))}."
    ]


def _plain(a: NDArray[Any]) -> str:
    """A readable rendering (at most 4 significant digits, aligned)."""
    if a.ndim == 1:
        return "[" + " ".join(_num(x) for x in a.tolist()) + "]"
    cells = [[_num(x) for x in row] for row in a.tolist()]
    width = max(len(c) for row in cells for c in row)
    rows = ["[" + " ".join(c.rjust(width) for c in row) + "]" for row in cells]
    return "[" + "\n ".join(rows) + "]"


def _num(x: Any) -> str:
    if isinstance(x, float):
        return "0" if x == 0 else f"{x:.4g}"
    return str(int(x))
