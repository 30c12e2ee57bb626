"""The dashboard's one picture: the score histogram, a matplotlib figure as a PNG data URI.

Student pages draw nothing (their heatmaps are HTML tables, see `heatmaps`). matplotlib is
imported inside `histogram` (with the Agg backend), so importing this module costs nothing
until the histogram is drawn, once per run. pyplot keeps global state, so drawing is
serialised by a lock and the figure is closed once its bytes are out.
"""

from __future__ import annotations

import base64
import io
import math
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

DPI = 80

# pyplot's global state is used by one thread at a time.
_LOCK = threading.Lock()


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


@contextmanager
def _figures() -> Iterator[None]:
    """Select the Agg backend and this module's style; draw one figure at a time."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with (
        _LOCK,
        np.errstate(all="ignore"),
        plt.rc_context({"font.size": 10, "font.family": "DejaVu Sans"}),
    ):
        yield


def _data_uri(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, facecolor="white", metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
