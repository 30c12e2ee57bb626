"""The words of the conv2d diagnosis: one Hint per mistake, for a first-year student.

A message names the mistake and the fix in one or two sentences. It may state shapes,
strides and counts, never a value of the inputs or of the expected output.
"""

from __future__ import annotations

from collections.abc import Sequence

from grader.exercise import Hint

HINT_TITLES: dict[str, str] = {
    "flipped_kernel": "flipped the kernel (true convolution)",
    "stride_ignored": "ignored the stride",
    "stride_one_axis": "applied the stride along one axis only",
    "pad_one_side": "put all the 'same' padding on one side",
    "extra_pad_first": "put the extra 'same' zero before the image",
    "symmetric_padding": "padded k // 2 zeros on every side (PyTorch style)",
    "stride1_padding": "padded for stride 1 although the stride is larger",
    "valid_instead_of_same": "returned the 'valid' output when 'same' was asked",
    "same_instead_of_valid": "returned the 'same' output when 'valid' was asked",
    "output_size": "used a wrong output-size formula",
    "wrong_shape": "returned an output of the wrong shape",
    "non_finite": "produced NaN or infinite values",
    "wrong_values": "returned wrong values (no known cause)",
}

VALID_RULE = "floor((n - k) / stride) + 1"
SAME_RULE = "ceil(n / stride)"
SAME_PADS = (
    "total = max((out - 1) * stride + k - n, 0) zeros along each axis, total // 2 before the "
    "image (top, left) and the rest after it (bottom, right)"
)
WINDOW = "output (i, j) starts at row i * stride and column j * stride of the padded image"


def shape(dims: Sequence[int]) -> str:
    items = [str(int(d)) for d in dims]
    return "(" + ", ".join(items) + (",)" if len(items) == 1 else ")")


def rule(padding: str) -> str:
    return SAME_RULE if padding == "same" else VALID_RULE


def flipped() -> Hint:
    return Hint(
        "flipped_kernel",
        "Your output matches true convolution, which flips the kernel first. In deep learning "
        "conv2d slides the kernel as it is (cross-correlation): do not flip it (no "
        "kernel[::-1, ::-1], no scipy.signal.convolve2d).",
    )


def stride_ignored(stride: int) -> Hint:
    return Hint(
        "stride_ignored",
        f"Your output is the stride-1 result: the window moved one cell at a time instead of "
        f"{stride}. Use the stride: {WINDOW}, so there are {VALID_RULE} ('valid') or "
        f"{SAME_RULE} ('same') outputs per axis.",
    )


def window_not_moved(stride: int) -> Hint:
    return Hint(
        "stride_ignored",
        f"Your output has the right size, but the window moved one cell at a time instead of "
        f"{stride}: {WINDOW} (image[i * stride : i * stride + kh, ...]), not at row i and "
        "column j.",
    )


def stride_one_axis(done: str, missed: str) -> Hint:
    return Hint(
        "stride_one_axis",
        f"The stride was applied along the {done} only: along the {missed} the window still "
        f"moves one cell at a time. Use it on both axes: {WINDOW}.",
    )


def pad_one_side(side: str) -> Hint:
    where = {"after": "after the image (bottom and right)"}.get(
        side, "before the image (top and left)"
    )
    return Hint(
        "pad_one_side",
        f"All your zero padding went {where}, none on the other side. 'same' splits it: "
        f"{SAME_PADS}.",
    )


def extra_pad_first() -> Hint:
    return Hint(
        "extra_pad_first",
        "Your padding is split the wrong way round: when the number of zeros along an axis is "
        "odd, the extra one goes after the image (bottom, right), not before it. Put total // 2 "
        "zeros before and total - total // 2 after.",
    )


def symmetric_padding() -> Hint:
    return Hint(
        "symmetric_padding",
        "You padded k // 2 zeros on every side (PyTorch's padding=k // 2), which equals 'same' "
        f"only for an odd kernel with stride 1. TensorFlow's 'same' has {SAME_RULE} outputs "
        f"per axis and pads {SAME_PADS}.",
    )


def stride1_padding() -> Hint:
    return Hint(
        "stride1_padding",
        "Your padding is the one for stride 1 (k - 1 zeros per axis), as when the stride-1 "
        "'same' output is computed and every stride-th value kept. With a stride, 'same' pads "
        f"{SAME_PADS}, where out = {SAME_RULE}.",
    )


def valid_instead_of_same(want: Sequence[int]) -> Hint:
    return Hint(
        "valid_instead_of_same",
        "Your output is the 'valid' result (no padding), but this case asks for "
        f"padding='same': {SAME_RULE} outputs per axis, shape {shape(want)}, with {SAME_PADS}.",
    )


def same_instead_of_valid(want: Sequence[int]) -> Hint:
    return Hint(
        "same_instead_of_valid",
        "Your output is the 'same' result (the image padded with zeros), but this case asks "
        f"for padding='valid': no padding, {VALID_RULE} outputs per axis, shape {shape(want)}.",
    )


def size(got: Sequence[int], want: Sequence[int], padding: str, formula: str | None) -> Hint:
    if formula is None:
        how = "it stops early, as if a loop bound were too small"
    elif formula.startswith("ceil"):
        how = f"you counted {formula} positions per axis, so the last window sticks out"
    else:
        how = f"you counted {formula} positions per axis"
    then = ", and the padding follows from that count" if padding == "same" else ""
    return Hint(
        "output_size",
        f"Your output has shape {shape(got)} instead of {shape(want)}: {how}. With "
        f"padding='{padding}' there are {rule(padding)} outputs per axis{then}.",
    )


def wrong_shape(got: Sequence[int], want: Sequence[int], padding: str) -> Hint:
    extra = "" if len(got) == 2 else " Return a 2-D array with one value per window position."
    return Hint(
        "wrong_shape",
        f"Your output has shape {shape(got)} but should have shape {shape(want)}: with "
        f"padding='{padding}' each axis has {rule(padding)} outputs (n is the image's size "
        f"along that axis, k the kernel's).{extra}",
    )


def non_finite(bad: int, total: int) -> Hint:
    return Hint(
        "non_finite",
        f"{bad} of {total} values are NaN or infinite. Every output is a plain sum of "
        "products: look for cells never filled in an np.empty array, or for a division.",
    )


def wrong_values(count: int, total: int, first: Sequence[int]) -> Hint:
    i, j = [*first, 0, 0][:2]
    return Hint(
        "wrong_values",
        f"{count} of {total} values are wrong (the first at row {i}, column {j}) and no "
        "classic mistake explains them. Work that output out by hand: its window's top-left "
        f"corner is at row {i} * stride - pad_top, column {j} * stride - pad_left of the image.",
    )
