"""Heatmaps as HTML tables: a test's inputs, expected output, the student's, the difference.

Pure functions of arrays. `build` turns a case's arrays into `Heatmaps`: panels of cells, each
cell carrying a CSS class (one colour of a quantised scale: ``v0`` .. ``v8`` sequential,
``d0`` .. ``d10`` diverging, ``x`` for NaN and infinities, all defined in
``templates/style.css``), its index and value as a tooltip and, on small arrays, its value
written in. ``templates/heatmaps.html`` writes the tables. Nothing is drawn: a page of them
costs milliseconds, and neither matplotlib nor a script is needed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from html import escape
from typing import Any, Literal, NamedTuple

import numpy as np
from markupsafe import Markup
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

# Colours of the sequential scale (viridis) and of the diverging one (RdBu reversed, centred
# on 0): style.css defines exactly the classes v0 .. v{SEQUENTIAL - 1} and d0 .. d{DIVERGING - 1}.
SEQUENTIAL = 9
DIVERGING = 11
NON_FINITE = "x"
# Cell values are written in on 2-D arrays whose sides are all at most ANNOTATE_MAX long, and
# on 1 x n strips when the case's longest array is at most ANNOTATE_1D_MAX long.
ANNOTATE_MAX = 12
ANNOTATE_1D_MAX = 16
# Larger arrays are cropped to their first MAX_SIDE x MAX_SIDE cells (MAX_STRIP for 1-D),
# which keeps a page's size bounded: at most MAX_SIDE ** 2 cells per panel.
MAX_SIDE = 40
MAX_STRIP = 120
# Colour scales stop at +-SCALE_MAX, so arithmetic on them never overflows (1e308, inf).
SCALE_MAX = 1e100
# Input panels kept, by their arrays' bytes (a class's pages show the same few inputs).
INPUT_CACHE = 64
# A difference scale narrower than this is widened to +-1 (equal arrays show as all 0).
DIFF_FLOOR = 1e-12

Tone = str
Size = Literal["big", "small"]
_SEQ_TONES = tuple(f"v{k}" for k in range(SEQUENTIAL))
_DIV_TONES = tuple(f"d{k}" for k in range(DIVERGING))


class Cell(NamedTuple):
    """One cell of a heatmap.

    A named tuple rather than a frozen dataclass: a page holds hundreds of cells, and a
    tuple is built several times faster (frozen dataclasses set each field through
    ``object.__setattr__``).

    Attributes:
        tone: its CSS class: a colour of the panel's scale, or ``x`` (NaN, infinite).
        text: the value written in the cell ("" when the array is too big to annotate).
        title: the cell's index and value, e.g. ``"[2,3] -0.5"`` (its tooltip).
    """

    tone: Tone
    text: str
    title: str


@dataclass(frozen=True, slots=True)
class Legend:
    """A colour scale's key: its colours in order, with the values at both ends.

    Attributes:
        of: what the scale colours, in words (e.g. "expected and your output").
        low: the value of the first colour, as text.
        high: the value of the last colour, as text.
        tones: the scale's CSS classes, lowest first.
    """

    of: str
    low: str
    high: str
    tones: tuple[Tone, ...]


@dataclass(frozen=True, slots=True)
class Panel:
    """One heatmap (a table of cells) or, when there is nothing to colour, one sentence.

    Attributes:
        title: what the panel shows ("image", "expected", "your output", ...).
        shape: the array's shape as text, e.g. "(4, 5)" ("" for a sentence).
        rows: the cells, row by row (one row for a 1-D array; empty for a sentence).
        size: "big" cells with their values written in, or "small" ones without.
        note: what was left out of a large array ("" when it is shown whole).
        text: the sentence shown instead of a heatmap ("" for a heatmap).
        legend: the key of the panel's colour scale, on the last panel using that scale.
    """

    title: str
    shape: str
    rows: tuple[tuple[Cell, ...], ...]
    size: Size = "small"
    note: str = ""
    text: str = ""
    legend: Legend | None = None


@dataclass(frozen=True, slots=True)
class Heatmaps:
    """A visible test as pictures made of tables.

    Attributes:
        layout: "rows" (2-D: inputs side by side, then the outputs side by side) or
            "strips" (1-D: 1 x n strips stacked and left-aligned, so that output cell i sits
            under the window that starts at input cell i).
        inputs: one panel per argument, in call order.
        outputs: expected, your output and (when the shapes match) the difference.
    """

    layout: Literal["rows", "strips"]
    inputs: tuple[Panel, ...]
    outputs: tuple[Panel, ...]

    @property
    def panels(self) -> tuple[Panel, ...]:
        return self.inputs + self.outputs


@dataclass(frozen=True, slots=True)
class _Scale:
    """A colour scale: (low, high) for "values", (-reach, reach) for "diff"; None: no data.

    The limits are the data's own (up to +-1.8e308, for the legend); colouring clips them
    and the values to +-SCALE_MAX.
    """

    kind: Literal["values", "diff"]
    limits: tuple[float, float] | None


def build(
    inputs: Mapping[str, NDArray[Any]],
    expected: NDArray[Any],
    got: NDArray[Any] | None,
    got_shape: tuple[int, ...] | None = None,
) -> Heatmaps:
    """Heatmaps of a case's inputs, the expected output, the student's and the difference.

    Each input has its own sequential scale; the expected and the student's output share
    one; the difference (student's minus expected, only when the shapes match) has a
    diverging one centred on 0. NaN and infinite cells are grey (class ``x``).

    Args:
        inputs: the call's named arguments, each of shape (n,) or (h, w).
        expected: the expected output, of shape (m,) or (p, q).
        got: the student's output (any shape), or None when nothing usable came back. It may
            be only the start of the output (its top-left corner, as a report keeps it:
            results.for_pictures), as long as it holds at least what a panel shows
            (MAX_SIDE x MAX_SIDE, MAX_STRIP).
        got_shape: the whole output's shape when `got` is only its start, or an empty
            stand-in for an output no panel can show (None: got's own shape).

    Returns:
        The panels, ready for ``templates/heatmaps.html``.
    """
    with np.errstate(all="ignore"):
        arrays = {name: _as_float(arr) for name, arr in inputs.items()}
        want = _as_float(expected)
        mine = _as_float(got) if got is not None else None
    strips = want.ndim == 1 and all(a.ndim == 1 for a in arrays.values())
    lengths = [a.size for a in (*arrays.values(), want, mine) if a is not None and a.ndim == 1]
    strip_size: Size = "big" if max(lengths, default=0) <= ANNOTATE_1D_MAX else "small"

    def size(a: FloatArray) -> Size:
        """One size for every strip of a 1-D case (so that they align); per array otherwise."""
        if strips and a.ndim == 1:
            return strip_size
        return "big" if max(a.shape) <= ANNOTATE_MAX else "small"

    in_panels = tuple(
        _input_panel(name, a.shape, a.tobytes(), size(a) if _drawable(a) else "small")
        for name, a in arrays.items()
    )
    full = None
    if got_shape is not None and mine is not None:
        if len(got_shape) == mine.ndim:
            full = tuple(max(int(n), m) for n, m in zip(got_shape, mine.shape, strict=True))
        elif not mine.size:  # an empty stand-in for an array the pictures only describe
            full = tuple(int(n) for n in got_shape)
    outputs = _outputs(want, mine, size, full)
    return Heatmaps("strips" if strips else "rows", in_panels, outputs)


def cells_html(row: tuple[Cell, ...]) -> Markup:
    """One table row's cells as HTML (``<td class=.. title=..>text</td>``, all escaped).

    The template's one hot spot, written here: a page holds hundreds of cells, and joining
    them in Python (escaping with the standard library's `html.escape`, which makes no
    Markup objects) is several times faster than a template loop.
    """
    return Markup(
        "".join(
            f'<td class="{escape(c.tone)}" title="{escape(c.title)}">{escape(c.text)}</td>'
            for c in row
        )
    )


@cache
def ramp_html(tones: tuple[Tone, ...]) -> Markup:
    """A legend's colours as HTML: one empty ``<i>`` per CSS class, lowest first."""
    return Markup("".join(f'<i class="{escape(tone)}"></i>' for tone in tones))


def cell_title(index: tuple[int, ...], value: float) -> str:
    """A cell's tooltip: its index and its value to 6 significant digits ("[2,3] -0.5")."""
    return f"[{','.join(map(str, index))}] {value:.6g}"


def cell_text(value: float) -> str:
    """A cell's value in at most about six characters (minus signs as U+2212)."""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "\u2212inf"
    if abs(value) < 0.005:
        return "0"
    if value.is_integer() and abs(value) < 1e5:
        text = f"{int(value)}"
    elif abs(value) < 10:
        text = f"{value:.2f}"
    elif abs(value) < 1000:
        text = f"{value:.1f}"
    else:
        text = _short_exponent(f"{value:.2g}")
    return text.replace("-", "\u2212")


# --------------------------------------------------------------------------------------------
# Panels


@lru_cache(maxsize=INPUT_CACHE)
def _input_panel(name: str, shape: tuple[int, ...], data: bytes, size: Size) -> Panel:
    """An input's panel, from its float64 bytes: every student's page shows the same inputs,
    so each is built once (the arguments are hashable for the cache; panels are immutable)."""
    a = np.frombuffer(data, dtype=np.float64).reshape(shape)
    if not _drawable(a):
        return Panel(name, "", (), text=f"an array of shape {_shape(a)}")
    scale = _Scale("values", _limits(a))
    return _grid(name, a, scale, size, _legend(scale, name))


def _outputs(
    want: FloatArray,
    mine: FloatArray | None,
    size: Callable[[FloatArray], Size],
    mine_shape: tuple[int, ...] | None = None,
) -> tuple[Panel, ...]:
    """Expected, your output and the difference (or sentences saying why there is none).

    `mine` may be the top-left corner of an output of shape `mine_shape`: the difference is
    then that of the corner, the shapes said are the whole output's.
    """
    usable = mine is not None and _drawable(mine)
    shared = _Scale("values", _limits(want, mine) if usable else _limits(want))
    both = "expected and your output" if usable else "expected"
    if not _drawable(want):
        expected = Panel("expected", "", (), text=f"an array of shape {_shape(want)}")
    else:
        legend = None if usable else _legend(shared, both)
        expected = _grid("expected", want, shared, size(want), legend)
    if mine is None:
        return (expected, Panel("your output", "", (), text="nothing usable was returned"))
    full = mine_shape if mine_shape is not None else mine.shape
    if not usable:
        return (expected, Panel("your output", "", (), text=f"an array of shape {_dims(full)}"))
    yours = _grid("your output", mine, shared, size(mine), _legend(shared, both), full)
    if full != want.shape:
        text = f"none: your shape {_dims(full)} is not the expected {_shape(want)}"
        return (expected, yours, Panel("difference", "", (), text=text))
    corner = want[tuple(slice(0, n) for n in mine.shape)]
    with np.errstate(all="ignore"):
        diff = mine - corner
    scale = _Scale("diff", _reach(diff))
    legend = _legend(scale, "the difference")
    panel = _grid("yours \u2212 expected", diff, scale, size(want), legend, want.shape)
    return (expected, yours, panel)


def _grid(
    title: str,
    a: FloatArray,
    scale: _Scale,
    size: Size,
    legend: Legend | None,
    full: tuple[int, ...] | None = None,
) -> Panel:
    """A heatmap panel: the array (cropped when large) as rows of coloured cells.

    `a` may be the top-left corner of an array of shape `full` (None: a is whole).
    """
    whole = full if full is not None else a.shape
    shown, note = _crop(a, whole)
    grid = shown.reshape(1, -1) if shown.ndim == 1 else shown
    palette = (*(_DIV_TONES if scale.kind == "diff" else _SEQ_TONES), NON_FINITE)
    tones = [[palette[k] for k in row] for row in _levels(grid, scale).tolist()]
    write = cell_text if size == "big" else _blank
    # Each cell's title is cell_title((i, j), value), written out here: this is the hot loop.
    heads = ["["] if a.ndim == 1 else [f"[{i}," for i in range(grid.shape[0])]
    rows = tuple(
        tuple(
            Cell(tone, write(value), f"{head}{j}] {value:.6g}")
            for j, (value, tone) in enumerate(zip(values, row_tones, strict=True))
        )
        for head, values, row_tones in zip(heads, grid.tolist(), tones, strict=True)
    )
    return Panel(title, _dims(whole), rows, size=size, note=note, legend=legend)


def _crop(a: FloatArray, full: tuple[int, ...]) -> tuple[FloatArray, str]:
    """The first MAX_SIDE x MAX_SIDE cells (MAX_STRIP for 1-D) of `a`, the top-left corner of
    an array of shape `full` (a's own shape when it is whole), and what was left out."""
    if a.ndim == 1:
        shown = a[:MAX_STRIP]
        if full[0] <= shown.size:
            return shown, ""
        return shown, f"showing the first {shown.size} of {full[0]} cells"
    shown = a[:MAX_SIDE, :MAX_SIDE]
    if shown.shape == full:
        return shown, ""
    h, w = shown.shape
    return shown, f"showing the top-left {h} \u00d7 {w} of {full[0]} \u00d7 {full[1]} cells"


# --------------------------------------------------------------------------------------------
# Colour scales


def _limits(*arrays: FloatArray | None) -> tuple[float, float] | None:
    """(min, max) of the finite values of the arrays; None if there are none."""
    lows, highs = [], []
    for a in arrays:
        if a is None:
            continue
        finite = a[np.isfinite(a)]
        if finite.size:
            lows.append(float(finite.min()))
            highs.append(float(finite.max()))
    if not lows:
        return None
    return (min(lows), max(highs))


def _reach(diff: FloatArray) -> tuple[float, float] | None:
    """(-r, r) with r the largest finite |difference| (1 when all are ~0); None if none."""
    finite = np.abs(diff[np.isfinite(diff)])
    if not finite.size:
        return None
    reach = float(finite.max())
    reach = reach if reach > DIFF_FLOOR else 1.0
    return (-reach, reach)


def _levels(a: FloatArray, scale: _Scale) -> NDArray[np.intp]:
    """Each cell's colour on the scale (0 .. n - 1, same shape as a), or -1 (NaN, infinite)."""
    n = DIVERGING if scale.kind == "diff" else SEQUENTIAL
    finite = np.isfinite(a)
    x = np.minimum(np.maximum(np.where(finite, a, 0.0), -SCALE_MAX), SCALE_MAX)
    with np.errstate(all="ignore"):
        if scale.limits is None:
            level = np.zeros(a.shape, dtype=np.intp)
        elif scale.kind == "diff":
            half = (n - 1) // 2
            t = np.minimum(np.maximum(x / _clip(scale.limits[1]), -1.0), 1.0)
            level = half + np.rint(t * half).astype(np.intp)
        else:
            low, high = _clip(scale.limits[0]), _clip(scale.limits[1])
            if high > low:
                t = np.floor((x - low) / (high - low) * n)
                level = np.minimum(np.maximum(t, 0), n - 1).astype(np.intp)
            else:
                level = np.full(a.shape, n // 2, dtype=np.intp)
    level[~finite] = -1
    return level


def _legend(scale: _Scale, of: str) -> Legend:
    palette = _DIV_TONES if scale.kind == "diff" else _SEQ_TONES
    if scale.limits is None:
        return Legend(of, "no finite value", "", palette)
    low, high = scale.limits
    return Legend(of, _label(low), _label(high), palette)


def _label(value: float) -> str:
    """A scale's end as text: 3 significant digits, minus as U+2212 ("\u22121.5e308")."""
    return _short_exponent(f"{value:.3g}").replace("-", "\u2212")


def _short_exponent(text: str) -> str:
    """A formatted number without the exponent's plus sign and leading zeros ("1e+05" -> "1e5")."""
    mantissa, _, exponent = text.partition("e")
    return f"{mantissa}e{int(exponent)}" if exponent else mantissa


# --------------------------------------------------------------------------------------------
# Arrays


def _blank(value: float) -> str:
    return ""


def _as_float(arr: NDArray[Any]) -> FloatArray:
    return np.asarray(arr, dtype=np.float64)


def _drawable(a: FloatArray) -> bool:
    return a.ndim in (1, 2) and a.size > 0


def _clip(value: float) -> float:
    return min(max(value, -SCALE_MAX), SCALE_MAX)


def _shape(arr: NDArray[Any]) -> str:
    return _dims(arr.shape)


def _dims(shape: tuple[int, ...]) -> str:
    """A shape as Python writes it: "(4, 5)", "(7,)"."""
    dims = [str(n) for n in shape]
    return "(" + ", ".join(dims) + (",)" if len(dims) == 1 else ")")
