"""The words of the maxpool diagnosis: one short title per mistake, and the hint a student
reads. A hint names the mistake and the fix in one or two sentences; it never quotes values of
the inputs or the outputs (hidden tests), only shapes and counts."""

from __future__ import annotations

from grader.exercise import Hint

HINT_TITLES: dict[str, str] = {
    "mean_pooling": "averaged each window (mean pooling) instead of taking its max",
    "min_pooling": "took each window's minimum instead of its maximum",
    "sum_pooling": "added up each window instead of taking its max",
    "zero_initialised_max": "started the running max at 0",
    "max_not_reset": "did not reset the running max for each window",
    "stride_one": "moved the window one cell at a time (overlapping windows)",
    "stride_ignored": "ignored the stride argument",
    "size_stride_swapped": "swapped size and stride",
    "window_too_small": "used a window one cell too small",
    "ragged_edge_kept": "kept the partial windows at the ragged edge",
    "same_padding": "padded the image ('SAME' pooling)",
    "last_window_missed": "left out the last window (loop bound off by one)",
    "ragged_edge_wrong": "dropped the leftover cells on the wrong side",
    "output_transposed": "transposed the output",
    "int_truncation": "truncated the result to integers",
    "reshaped_output": "returned the right values in the wrong shape",
    "non_finite": "produced NaN or infinite values",
    "all_zero": "returned only zeros",
    "wrong_shape": "returned an output of the wrong shape",
    "wrong_values": "returned wrong values (no known cause)",
}

FORMULA = "((H - size) // stride + 1, (W - size) // stride + 1)"


def fmt_shape(shape: tuple[int, ...]) -> str:
    dims = [str(int(n)) for n in shape]
    return "(" + ", ".join(dims) + (",)" if len(dims) == 1 else ")")


# --- the window's geometry ---------------------------------------------------------------------


def stride_one(given: bool) -> Hint:
    if not given:
        return Hint(
            "stride_one",
            "When stride is not given it equals size, so the windows sit side by side without "
            "overlapping, but yours moved one cell at a time. Start with `if stride is None: "
            "stride = size` and move each window by stride cells.",
        )
    return Hint(
        "stride_one",
        "Your windows moved one cell at a time instead of stride cells. The window of output "
        "(i, j) starts at row i * stride and column j * stride.",
    )


def start_not_scaled() -> Hint:
    return Hint(
        "stride_one",
        "You have the right number of windows, but window (i, j) starts at row i and column j, "
        "so the windows overlap. Multiply by the stride: it starts at row i * stride and "
        "column j * stride.",
    )


def stride_ignored() -> Hint:
    return Hint(
        "stride_ignored",
        "Your function ignored the stride argument and moved the windows by size. Use stride "
        "when it is given, and size only when stride is None.",
    )


def size_stride_swapped() -> Hint:
    return Hint(
        "size_stride_swapped",
        "Your output matches size and stride swapped: windows of side stride, moved by size. "
        "The window is size x size and moves by stride: check the order of the arguments.",
    )


def window_too_small() -> Hint:
    return Hint(
        "window_too_small",
        "Your windows are one cell too small: each covers (size - 1) x (size - 1) cells. "
        "A slice's end is left out, so take image[r:r + size, c:c + size], or loop over "
        "range(size) inside the window.",
    )


_EDGE_HINTS = {
    "ceil": Hint(
        "ragged_edge_kept",
        "Your output keeps the partial windows at the bottom or right edge, where the window "
        "sticks out of the image (rounding the number of windows up). Keep only the windows "
        "that fit entirely: (H - size) // stride + 1 rows, rounded down.",
    ),
    "all_starts": Hint(
        "ragged_edge_kept",
        "Your loop starts a window at every row range(0, H, stride), so the windows near the "
        "bottom and right edge are cut short. Start windows only where they fit entirely: "
        "range(0, H - size + 1, stride).",
    ),
    "zero_padded": Hint(
        "ragged_edge_kept",
        "Your output pads the image with zeros so that the last windows fit. Max pooling here "
        "drops the ragged edge instead: keep only the windows that fit entirely inside the "
        "image, (H - size) // stride + 1 rows.",
    ),
    "same": Hint(
        "same_padding",
        "Your output is 'SAME' pooling: the image is padded so that there are ceil(H / stride) "
        "rows. This exercise pools 'VALID': no padding, only the windows that fit entirely, "
        "(H - size) // stride + 1 rows.",
    ),
    "last_missed": Hint(
        "last_window_missed",
        "Your loop stops one window early: the last window that still fits is missing. A "
        "window may start at row H - size, so loop over range(0, H - size + 1, stride).",
    ),
    "bottom_right": Hint(
        "ragged_edge_wrong",
        "Your windows line up with the bottom-right corner, so the leftover cells were dropped "
        "at the top and the left. Start the first window at row 0, column 0 and drop the "
        "leftover cells at the bottom and the right.",
    ),
    "centred": Hint(
        "ragged_edge_wrong",
        "Your windows are centred, so leftover cells were dropped on every side. Start the "
        "first window at row 0, column 0 and drop the leftover cells at the bottom and the "
        "right only.",
    ),
}
_EDGE_HINTS["same_zeros"] = _EDGE_HINTS["same"]


def edge(name: str) -> Hint | None:
    """The hint of a way of handling the ragged edge (None for the right one)."""
    return _EDGE_HINTS.get(name)


# --- what each window is turned into -------------------------------------------------------


_REDUCTION_HINTS = {
    "mean": Hint(
        "mean_pooling",
        "Your output is the average of each window (mean pooling). Max pooling keeps the "
        "largest value of each window: use window.max(), not np.mean.",
    ),
    "min": Hint(
        "min_pooling",
        "Your output is the smallest value of each window. Max pooling keeps the largest: use "
        "window.max(), or keep a value when it is bigger (>) than the best so far.",
    ),
    "sum": Hint(
        "sum_pooling",
        "Your output is the sum of each window. Max pooling keeps only the largest value of "
        "each window: use window.max() instead of adding the values up.",
    ),
    "max_from_zero": Hint(
        "zero_initialised_max",
        "Your running max starts at 0, so a window whose values are all negative gives 0 "
        "instead of its largest value. Start it at the window's first value (or -np.inf), "
        "or use window.max().",
    ),
}


def reduction(name: str) -> tuple[Hint, ...]:
    hint = _REDUCTION_HINTS.get(name)
    return (hint,) if hint else ()


_NOT_RESET = Hint(
    "max_not_reset",
    "Your running max is not reset between windows, so a large value from an earlier window "
    "carries over to the next ones. Start a fresh max for every window (inside the loop over "
    "windows), or use window.max().",
)
_TOUCH_HINTS = {
    "running_max": _NOT_RESET,
    "running_max_rows": _NOT_RESET,
    "truncated": Hint(
        "int_truncation",
        "Your values are right but with the fractional part cut off: the output array has an "
        "integer dtype (np.zeros(shape, dtype=int), or np.zeros_like(image) on an integer "
        "image). Create it with np.zeros(shape), which holds floats.",
    ),
}


def touch(name: str) -> tuple[Hint, ...]:
    hint = _TOUCH_HINTS.get(name)
    return (hint,) if hint else ()


def output_transposed() -> Hint:
    return Hint(
        "output_transposed",
        "Your output is the right result transposed (rows and columns swapped). Store the "
        "window that starts at row i * stride, column j * stride in out[i, j]: the first index "
        "counts windows down the image.",
    )


# --- generic ---------------------------------------------------------------------------------


def reshaped(got: tuple[int, ...], want: tuple[int, ...]) -> Hint:
    return Hint(
        "reshaped_output",
        f"Your values are right but your output has shape {fmt_shape(got)} instead of "
        f"{fmt_shape(want)}. Return a 2-D array with one row per window down the image, e.g. "
        f"np.array(values).reshape{fmt_shape(want)}.",
    )


def non_finite(bad: int, total: int) -> Hint:
    return Hint(
        "non_finite",
        f"{bad} of {total} values are NaN or infinite, usually from a running max started at "
        "-np.inf that was never updated, or from cells of np.empty never filled. Every output "
        "cell must be the max of one window.",
    )


def all_zero() -> Hint:
    return Hint(
        "all_zero",
        "Every value of your output is 0: the maxima were never stored in the array you "
        "return. Write each window's max into it (out[i, j] = window.max()) and return it.",
    )


def wrong_shape(got: tuple[int, ...], want: tuple[int, ...], image: tuple[int, ...] | None) -> Hint:
    start = f"Your output has shape {fmt_shape(got)} but the expected shape is {fmt_shape(want)}. "
    rule = (
        f"An image of shape (H, W) gives {FORMULA} windows, with stride = size when stride is "
        "not given."
    )
    if len(got) == 0:
        why = "A single number usually means one max over the whole image instead of one per "
        why += "window. "
    elif image is not None and tuple(got) == tuple(image):
        why = "An output as big as the image usually means one max per pixel (a filter) "
        why += "instead of one per window. "
    elif len(got) != 2:
        why = f"It has {len(got)} dimension(s) instead of 2. "
    else:
        why = ""
    return Hint("wrong_shape", start + why + rule)


def wrong_values(count: int, total: int, first: tuple[int, ...]) -> Hint:
    where = fmt_shape(first)
    return Hint(
        "wrong_values",
        f"{count} of {total} values are wrong; the first wrong one is at index {where}. Work "
        "out the max of that window by hand (it starts at row i * stride, column j * stride) "
        "and compare it with your loop.",
    )
