"""Pictures for the HTML reports: small matplotlib figures as base64 PNG data URIs.

matplotlib is imported inside the functions (with the Agg backend), so importing this module
costs nothing until a picture is drawn. pyplot keeps global state, so drawing is serialised
by a lock and every figure is closed once its bytes are out.
"""

from __future__ import annotations

import base64
import hashlib
import io
import math
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.colors import Colormap, Normalize
    from matplotlib.figure import Figure

FloatArray = NDArray[np.float64]

DPI = 80
# Cell values are written on heatmaps whose sides are all at most this long (and on 1 x n
# strips when the longest strip of the picture is at most ANNOTATE_1D_MAX long).
ANNOTATE_MAX = 12
ANNOTATE_1D_MAX = 16
# Inches per heatmap cell (annotated, and the largest side of a bigger array).
CELL_IN = 0.5
PANEL_MAX_IN = 3.0
# Margins around each picture, in inches: tick labels left and below, the title above, the
# colour bar (with its labels) to the right, and the space before the next panel.
LEFT_IN = 0.3
BOTTOM_IN = 0.28
TOP_IN = 0.32
BAR_IN = 0.7
GAP_IN = 0.15
TEXT_IN = 2.0
STRIP_IN = 0.5
STRIP_MAX_IN = 7.0
VALUES_CMAP = "viridis"
DIFF_CMAP = "RdBu_r"
BAD_COLOUR = "#b0b0b0"
# Colour scales stop at +-SCALE_MAX: matplotlib cannot draw a colour bar up to 1e308.
SCALE_MAX = 1e100

# pyplot's global state, and the cache, are used by one thread at a time.
_LOCK = threading.Lock()
# The pictures drawn last, by a digest of their arrays: students whose answers are equal
# (most correct ones) share a picture instead of drawing it again.
CACHE_SIZE = 256
_CACHE: OrderedDict[bytes, str] = OrderedDict()


@dataclass(frozen=True, slots=True)
class _Panel:
    """One picture in a row of heatmaps.

    Attributes:
        title: the panel's title.
        data: the array drawn, as float64 of shape (n,) or (h, w); None for a text panel.
        kind: "values" (shared sequential colour map), "diff" (diverging, centred on 0),
            or "text" (a sentence instead of a picture).
        text: the sentence of a text panel.
        limits: (low, high) of the colour scale.
    """

    title: str
    data: FloatArray | None
    kind: Literal["values", "diff", "text"]
    text: str = ""
    limits: tuple[float, float] = (0.0, 1.0)


def heatmaps(
    inputs: Mapping[str, NDArray[Any]],
    expected: NDArray[Any],
    got: NDArray[Any] | None,
) -> str:
    """Draw a case's inputs, the expected output, the student's output and the difference.

    Two-dimensional arrays are drawn as heatmaps: the inputs side by side, and under them the
    expected output, the student's and the difference. One-dimensional ones are 1 x n
    strips stacked under each other, left-aligned so that output cell i sits under the
    window that starts at input cell i. Each heatmap has a colour bar; the expected and the
    student's output share one colour scale; the difference (student's minus expected) uses
    a diverging colour map centred on 0. Cell values are written in when the array is at
    most 12 x 12. NaN and infinite cells are grey.

    Args:
        inputs: the call's named arguments, each of shape (n,) or (h, w).
        expected: the expected output, of shape (m,) or (p, q).
        got: the student's output (any shape), or None when nothing usable came back.

    Returns:
        A ``data:image/png;base64,...`` URI.
    """
    key = _key([*inputs.items(), ("\0expected", expected), ("\0got", got)])
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    panels = _case_panels(inputs, expected, got)
    rows = [panels[: len(inputs)], panels[len(inputs) :]]
    one_d = all(p.data is None or p.data.ndim == 1 for p in panels)
    with _figures():
        import matplotlib.pyplot as plt

        fig = _strips(panels) if one_d else _rows(rows)
        try:
            uri = _data_uri(fig)
        finally:
            plt.close(fig)
    with _LOCK:
        _CACHE[key] = uri
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return uri


def histogram(scores: Sequence[float], max_score: float) -> str:
    """Draw how many students earned each score, with the mean marked.

    Args:
        scores: one score per student, each in [0, max_score].
        max_score: the most points anyone can earn (> 0).

    Returns:
        A ``data:image/png;base64,...`` URI.
    """
    values = np.asarray([s for s in scores if math.isfinite(s)], dtype=np.float64)
    top = max_score if math.isfinite(max_score) and max_score > 0 else 1.0
    if float(top).is_integer() and top <= 60:
        bins = [k - 0.5 for k in range(int(top) + 2)]
    else:
        bins = [top * k / 20 for k in range(21)]
    with _figures():
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator

        fig, ax = plt.subplots(figsize=(12.0, 3.0), layout="constrained")
        try:
            ax.hist(values, bins=bins, color="#3b6ea8", edgecolor="white", linewidth=0.8)
            if values.size:
                mean = float(values.mean())
                ax.axvline(mean, color="#c0392b", linestyle="--", linewidth=1.2)
                ax.legend(
                    [f"mean {mean:.2f}"],
                    loc="lower right",
                    bbox_to_anchor=(1.0, 1.0),
                    frameon=False,
                    fontsize=10,
                )
            ax.set_xlim(bins[0], bins[-1])
            ax.set_xlabel(f"score (out of {top:g})")
            ax.set_ylabel("students")
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=12))
            ax.spines[["top", "right"]].set_visible(False)
            ax.tick_params(labelsize=9)
            return _data_uri(fig)
        finally:
            plt.close(fig)


# --------------------------------------------------------------------------------------------
# Panels


def _case_panels(
    inputs: Mapping[str, NDArray[Any]], expected: NDArray[Any], got: NDArray[Any] | None
) -> list[_Panel]:
    panels = [_values_panel(name, arr) for name, arr in inputs.items()]
    want = _as_float(expected)
    mine = _as_float(got) if got is not None else None
    shared = _limits(want, mine if mine is not None and mine.shape == want.shape else None)
    panels.append(_Panel("expected", want, "values", limits=shared))
    if mine is None:
        panels.append(_Panel("your output", None, "text", "nothing usable\nwas returned"))
        return panels
    if mine.ndim not in (1, 2) or mine.size == 0:
        panels.append(_Panel("your output", None, "text", f"an array of shape\n{_shape(mine)}"))
        return panels
    panels.append(_Panel("your output", mine, "values", limits=shared))
    if mine.shape != want.shape:
        text = f"shapes differ:\nyours {_shape(mine)}\nexpected {_shape(want)}"
        panels.append(_Panel("difference", None, "text", text))
        return panels
    with np.errstate(invalid="ignore", over="ignore"):
        diff = mine - want
    finite = diff[np.isfinite(diff)]
    reach = min(float(np.abs(finite).max()), SCALE_MAX) if finite.size else 0.0
    reach = reach if reach > 1e-12 else 1.0
    panels.append(_Panel("yours \u2212 expected", diff, "diff", limits=(-reach, reach)))
    return panels


def _values_panel(name: str, arr: NDArray[Any]) -> _Panel:
    data = _as_float(arr)
    if data.ndim not in (1, 2) or data.size == 0:
        return _Panel(name, None, "text", f"shape {_shape(data)}")
    return _Panel(name, data, "values", limits=_limits(data, None))


def _as_float(arr: NDArray[Any]) -> FloatArray:
    with np.errstate(all="ignore"):
        return np.asarray(arr, dtype=np.float64)


def _limits(a: FloatArray, b: FloatArray | None) -> tuple[float, float]:
    """The colour scale covering the finite values of a (and b), never of zero width."""
    parts = [a[np.isfinite(a)]]
    if b is not None:
        parts.append(b[np.isfinite(b)])
    values = np.clip(np.concatenate(parts), -SCALE_MAX, SCALE_MAX)
    if not values.size:
        return (0.0, 1.0)
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-12 * max(1.0, abs(low)):
        pad = max(0.5, abs(low) * 0.01)
        return (low - pad, high + pad)
    return (low, high)


def _shown(data: FloatArray) -> NDArray[Any]:
    """What a heatmap colours, as a masked array.

    NaN and infinities are masked (drawn grey); the rest is clipped to +-SCALE_MAX.
    """
    return np.ma.masked_invalid(data).clip(-SCALE_MAX, SCALE_MAX)


def _shape(arr: NDArray[Any]) -> str:
    dims = [str(n) for n in arr.shape]
    return "(" + ", ".join(dims) + (",)" if len(dims) == 1 else ")")


# --------------------------------------------------------------------------------------------
# Layouts


def _rows(rows: list[list[_Panel]]) -> Figure:
    """Rows of two-dimensional panels: side by side, top- and left-aligned."""
    import matplotlib.pyplot as plt

    sizes = [[_size(p) for p in row] for row in rows]
    heights = [max(h for _, h in row) for row in sizes]
    width = max(sum(LEFT_IN + w + BAR_IN + GAP_IN for w, _ in row) for row in sizes)
    fig = plt.figure(figsize=(width, sum(h + TOP_IN + BOTTOM_IN for h in heights)))
    top = float(fig.get_size_inches()[1])
    for row, row_sizes, height in zip(rows, sizes, heights, strict=True):
        top -= TOP_IN
        x = 0.0
        for p, (w, h) in zip(row, row_sizes, strict=True):
            box = (x + LEFT_IN, top - h, w, h)
            _draw(fig, _axes(fig, box), p, box, annotate=_size_max(p) <= ANNOTATE_MAX)
            x += LEFT_IN + w + BAR_IN + GAP_IN
        top -= height + BOTTOM_IN
    return fig


def _strips(panels: list[_Panel]) -> Figure:
    """One-dimensional panels as 1 x n strips, stacked and left-aligned on a shared axis."""
    import matplotlib.pyplot as plt

    longest = max((p.data.size for p in panels if p.data is not None), default=1)
    cell = CELL_IN if longest <= ANNOTATE_1D_MAX else max(STRIP_MAX_IN / longest, 0.02)
    rows = [STRIP_IN if p.data is not None else _text_height(p) for p in panels]
    width = LEFT_IN + max(longest * cell, 1.8) + BAR_IN + 0.1
    height = sum(h + TOP_IN + BOTTOM_IN for h in rows)
    fig = plt.figure(figsize=(width, height))
    y = height
    for p, h in zip(panels, rows, strict=True):
        y -= TOP_IN + h
        n = p.data.size if p.data is not None else longest
        box = (LEFT_IN, y, n * cell if p.data is not None else longest * cell, h)
        _draw(fig, _axes(fig, box), p, box, annotate=longest <= ANNOTATE_1D_MAX)
        y -= BOTTOM_IN
    return fig


def _size(p: _Panel) -> tuple[float, float]:
    """A panel's picture size in inches (without title, ticks or colour bar)."""
    if p.data is None:
        return (TEXT_IN, _text_height(p))
    grid = p.data.reshape(1, -1) if p.data.ndim == 1 else p.data
    cell = _cell_inches(grid.shape)
    return (grid.shape[1] * cell, grid.shape[0] * cell)


def _text_height(p: _Panel) -> float:
    return 0.3 + 0.2 * (p.text.count("\n") + 1)


def _cell_inches(shape: tuple[int, ...]) -> float:
    if max(shape) <= ANNOTATE_MAX:
        return CELL_IN
    return min(CELL_IN, PANEL_MAX_IN / max(shape))


def _axes(fig: Figure, box: tuple[float, float, float, float]) -> Axes:
    """Axes at (left, bottom, width, height) inches from the figure's lower left corner."""
    fw, fh = fig.get_size_inches()
    x, y, w, h = box
    return fig.add_axes((x / fw, y / fh, w / fw, h / fh))


def _size_max(p: _Panel) -> int:
    return max(p.data.shape) if p.data is not None else 0


def _draw(
    fig: Figure, ax: Axes, p: _Panel, box: tuple[float, float, float, float], *, annotate: bool
) -> None:
    """Draw one panel: a heatmap with its colour bar (and values), or a sentence.

    Args:
        fig: the figure.
        ax: the panel's axes, already placed at `box`.
        p: what to draw.
        box: (left, bottom, width, height) of the picture, in inches.
        annotate: write each cell's value on it.
    """
    ax.set_title(p.title, loc="left" if p.data is not None else "center", pad=3)
    if p.data is None:
        ax.set_axis_off()
        ax.text(0.5, 0.5, p.text, ha="center", va="center", fontsize=9, transform=ax.transAxes)
        return
    data = p.data.reshape(1, -1) if p.data.ndim == 1 else p.data
    cmap, norm = _colours(p)
    image = ax.imshow(_shown(data), cmap=cmap, norm=norm, interpolation="nearest", aspect="auto")
    x, y, w, h = box
    bar = fig.colorbar(image, cax=_axes(fig, (x + w + 0.08, y, 0.12, h)))
    bar.ax.tick_params(labelsize=8, length=2)
    if p.data.ndim == 1:
        from matplotlib.ticker import MaxNLocator

        bar.locator = MaxNLocator(nbins=2)
        bar.update_ticks()
    rows, cols = data.shape
    ax.set_xticks(_ticks(cols, annotate))
    ax.set_yticks(_ticks(rows, annotate) if p.data.ndim == 2 else [])
    ax.tick_params(length=0, pad=2)
    for side in ax.spines.values():
        side.set_visible(False)
    if annotate:
        _annotate(ax, data, cmap, norm)


def _colours(p: _Panel) -> tuple[Colormap, Normalize]:
    from matplotlib import colormaps
    from matplotlib.colors import Normalize, TwoSlopeNorm

    low, high = p.limits
    if p.kind == "diff":
        cmap = colormaps[DIFF_CMAP].with_extremes(bad=BAD_COLOUR)
        return cmap, TwoSlopeNorm(vcenter=0.0, vmin=low, vmax=high)
    return colormaps[VALUES_CMAP].with_extremes(bad=BAD_COLOUR), Normalize(low, high)


def _ticks(n: int, every: bool) -> list[int]:
    if every:
        return list(range(n))
    step = max(1, math.ceil(n / 8))
    return list(range(0, n, step))


def _annotate(ax: Axes, data: FloatArray, cmap: Colormap, norm: Normalize) -> None:
    """Write each cell's value, dark on light cells and light on dark ones."""
    rgba = cmap(norm(_shown(data)))
    for (i, j), value in np.ndenumerate(data):
        r, g, b, _ = rgba[i, j]
        ink = "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"
        ax.text(j, i, _cell_text(float(value)), ha="center", va="center", fontsize=8.5, color=ink)


def _cell_text(value: float) -> str:
    """A cell's value in at most about five characters."""
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
        text = f"{value:.2g}"
    return text.replace("-", "\u2212")


# --------------------------------------------------------------------------------------------
# matplotlib plumbing


@contextmanager
def _figures() -> Iterator[None]:
    """Select the Agg backend and this module's style; draw one figure at a time.

    Floating-point warnings are off while drawing: extreme student values (1e308, inf)
    are drawn as well as they can be, never reported as warnings.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with (
        _LOCK,
        np.errstate(all="ignore"),
        plt.rc_context(
            {
                "font.size": 10,
                "font.family": "DejaVu Sans",
                "axes.titlesize": 10,
                "axes.titleweight": "bold",
                "xtick.labelsize": 8,
                "ytick.labelsize": 8,
            }
        ),
    ):
        yield


def _key(named: Sequence[tuple[str, NDArray[Any] | None]]) -> bytes:
    """A digest of named arrays: their names, dtypes, shapes and bytes."""
    digest = hashlib.blake2b(digest_size=20)
    for name, arr in named:
        digest.update(name.encode() + b"\0")
        if arr is None:
            digest.update(b"None\0")
            continue
        data = np.ascontiguousarray(arr)
        digest.update(f"{data.dtype.str}{data.shape}\0".encode())
        digest.update(data.tobytes())
    return digest.digest()


def _data_uri(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, facecolor="white", metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
