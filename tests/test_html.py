"""HTML reports: real graded files rendered to pages, checked as text and in headless Chromium."""

from __future__ import annotations

import base64
import dataclasses
import pickle
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from markupsafe import escape

from grader import ClassReport, Grader, GradeReport, Submission
from grader import load_spec as _load_spec
from grader.core.diagnosis import titles
from grader.core.reference import PreparedCase
from grader.report import heatmaps, html, plots
from grader.report.files import student_filename

from .conftest import ASSIGNMENT, DEMO, FIXTURES

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent
STYLE = ROOT.parent / "grader" / "report" / "templates" / "style.css"
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
XSS = "<script>alert(1)</script>"
PNG = b"\x89PNG\r\n\x1a\n"
FLIP_HINT = "Your output matches true convolution, which flips the kernel."
# A student page with a few small tests stays under this many bytes (matplotlib's were ~200 KB).
PAGE_BYTES = 64_000
EXTREMES = np.array([[1e308, -1e308, 0.0], [np.inf, -np.inf, np.nan], [5e-324, 1e-310, 3.0]])

STUDENTS = {
    "ada_loops": DEMO / "ada_loops" / "convolution.py",
    "chen_flipped": DEMO / "chen_flipped" / "convolution.py",
    "fay_stub": DEMO / "fay_stub" / "convolution.py",
    "returns_nan": FIXTURES / "returns_nan.py",
    XSS: FIXTURES / "correct.py",
}

HINT_TITLES = titles(_load_spec(ASSIGNMENT).exercise)


def link(student: str) -> str:
    return f"{student_filename(student)}.html"


@dataclass(frozen=True)
class Site:
    """The rendered pages of one small class, on disk."""

    root: Path
    cls: ClassReport
    prepared: tuple[PreparedCase, ...]

    def report(self, student: str) -> GradeReport:
        return next(r for r in self.cls.reports if r.student == student)

    def page(self, student: str) -> Path:
        return self.root / link(student)

    def text(self, student: str) -> str:
        return self.page(student).read_text(encoding="utf-8")

    @property
    def index(self) -> Path:
        return self.root / "index.html"


@dataclass(frozen=True)
class Gallery:
    """A made-up student page whose visible tests hold every awkward array, on disk."""

    path: Path
    report: GradeReport
    prepared: tuple[PreparedCase, ...]

    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def site(grader: Grader, tmp_path_factory: pytest.TempPathFactory) -> Site:
    """Grade the class once and write every student page and index.html."""
    root = tmp_path_factory.mktemp("site")
    subs = [Submission(student, path) for student, path in STUDENTS.items()]
    cls = grader.grade_all(subs, jobs=2)
    for rep in cls.reports:
        (root / link(rep.student)).write_text(
            html.render_student(rep, grader.cases), encoding="utf-8"
        )
    (root / "index.html").write_text(html.render_class(cls, HINT_TITLES, link), encoding="utf-8")
    return Site(root, cls, grader.cases)


def valid2d(image: Any, kernel: Any) -> Any:
    """'valid' cross-correlation of two 2-D arrays."""
    windows = np.lib.stride_tricks.sliding_window_view(image, np.shape(kernel))
    return np.einsum("ijkl,kl->ij", windows, kernel)


@pytest.fixture(scope="module")
def gallery(site: Site) -> Gallery:
    """Ada's page with its visible tests replaced by extreme, odd, large and 1-D arrays."""
    rng = np.random.default_rng(7)
    base = site.report("ada_loops")
    by_name = {pc.case.name: pc for pc in site.prepared}
    result_2d, result_1d = (
        next(c for c in base.cases if c.name == n) for n in ("lesson_2x2_kernel", "lesson_edge")
    )
    image, kernel = rng.normal(size=(6, 7)), rng.normal(size=(3, 3))
    small = {"image": image, "kernel": kernel}
    want = valid2d(image, kernel)
    big = rng.normal(size=(200, 150))
    big_want = valid2d(big, kernel)
    big_got = big_want.copy()
    big_got[5:9, 10:30] += 3.0
    signal, k3 = rng.normal(size=10), np.array([1.0, -2.0, 0.5])
    short_want = np.correlate(signal, k3, "valid")
    long_signal, k5 = rng.normal(size=300), rng.normal(size=5)
    long_want = np.correlate(long_signal, k5, "valid")
    cases: dict[str, tuple[dict[str, Any], Any, Any]] = {
        "extremes": (
            {"image": np.ones((5, 5)), "kernel": np.ones((3, 3))},
            np.ones((3, 3)),
            EXTREMES,
        ),
        "nothing_returned": (small, want, None),
        "wrong_shape": (small, want, np.zeros((2, 2))),
        "three_d": (small, want, np.zeros((2, 2, 2))),
        "all_equal": (
            {"image": np.full((5, 5), 2.0), "kernel": np.ones((3, 3))},
            np.full((3, 3), 18.0),
            np.full((3, 3), 18.0),
        ),
        XSS: (small, want, want + 0.5),
        "large": ({"image": big, "kernel": kernel}, big_want, big_got),
        "short_1d": ({"signal": signal, "kernel": k3}, short_want, short_want + np.eye(8)[3]),
        "long_1d": ({"signal": long_signal, "kernel": k5}, long_want, -long_want),
        "extremes_1d": ({"signal": np.ones(5), "kernel": np.ones(3)}, np.ones(3), EXTREMES[1]),
    }
    results, prepared = [], []
    for name, (inputs, expected, got) in cases.items():
        result, pc = (
            (result_1d, by_name["lesson_edge"])
            if expected.ndim == 1
            else (result_2d, by_name["lesson_2x2_kernel"])
        )
        results.append(
            dataclasses.replace(
                result, name=name, got=got, status="failed", outcome="wrong", points=0.0
            )
        )
        case = dataclasses.replace(pc.case, name=name)
        prepared.append(dataclasses.replace(pc, case=case, inputs=inputs, expected=expected))
    report = dataclasses.replace(base, student="gallery", cases=tuple(results), score=0.0)
    path = site.root / "gallery.html"
    path.write_text(html.render_student(report, prepared), encoding="utf-8")
    return Gallery(path, report, tuple(prepared))


def page_numbers(arr: Any) -> list[str]:
    """Values of an array as the page writes them (numpy's printing, 4 decimals)."""
    return [np.format_float_positional(float(v), precision=4) for v in np.ravel(arr)]


def distinctive(values: list[str], k: int = 6) -> list[str]:
    """A few values long enough never to appear on a page by chance."""
    picked = [v for v in values if len(v.lstrip("-").replace(".", "")) >= 5]
    return picked[:k]


def decode(uri: str) -> bytes:
    head, _, data = uri.partition(",")
    assert head == "data:image/png;base64"
    return base64.b64decode(data)


@dataclass
class Table:
    """A heatmap table as a page holds it: caption, size class and (class, title, text) cells."""

    caption: str
    classes: list[str]
    rows: list[list[tuple[str, str, str]]] = field(default_factory=list)


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: list[Table] = []
        self.inside = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "table" and "hm" in classes:
            self.tables.append(Table("", classes))
        elif tag == "caption" and self.tables:
            self.inside = "caption"
        elif tag == "tr" and self.tables:
            self.tables[-1].rows.append([])
        elif tag == "td" and self.tables:
            self.tables[-1].rows[-1].append((a.get("class") or "", a.get("title") or "", ""))
            self.inside = "td"

    def handle_endtag(self, tag: str) -> None:
        if tag in ("caption", "td"):
            self.inside = ""

    def handle_data(self, data: str) -> None:
        if self.inside == "caption":
            self.tables[-1].caption += data
        elif self.inside == "td":
            tone, title, text = self.tables[-1].rows[-1][-1]
            self.tables[-1].rows[-1][-1] = (tone, title, text + data)


def tables(html_text: str) -> list[Table]:
    """Every heatmap table in some HTML, in order."""
    parser = _Tables()
    parser.feed(html_text)
    return parser.tables


def figure(text: str, name: str) -> str:
    """The HTML of the heatmaps of the test called `name` (escaped as on the page)."""
    label = f'aria-label="Heatmaps for {escape(name)}"'
    match = re.search(rf"<figure [^>]*{re.escape(label)}>(.*?)</figure>", text, re.S)
    assert match, name
    return match.group(1)


def grid(panel: heatmaps.Panel) -> list[list[tuple[str, str, str]]]:
    """A panel's cells as the page should write them."""
    return [[(c.tone, c.title, c.text) for c in row] for row in panel.rows]


def titles(arr: Any) -> list[list[str]]:
    """The title of every cell of a 1-D or 2-D array, row by row."""
    a = np.asarray(arr, dtype=np.float64)
    if a.ndim == 1:
        return [[heatmaps.cell_title((j,), float(v)) for j, v in enumerate(a)]]
    return [
        [heatmaps.cell_title((i, j), float(v)) for j, v in enumerate(row)]
        for i, row in enumerate(a)
    ]


def tones(panel: heatmaps.Panel) -> list[list[str]]:
    return [[c.tone for c in row] for row in panel.rows]


def contrast(fg: tuple[float, ...], bg: tuple[float, ...]) -> float:
    """WCAG contrast ratio of two sRGB colours given as 0..255 channels."""

    def luminance(rgb: tuple[float, ...]) -> float:
        lin = [
            (u / 12.92) if u <= 0.03928 else ((u + 0.055) / 1.055) ** 2.4
            for u in (x / 255 for x in rgb[:3])
        ]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def hex_rgb(colour: str) -> tuple[float, ...]:
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    return tuple(float(int(digits[k : k + 2], 16)) for k in (0, 2, 4))


def section(text: str, anchor: str) -> str:
    """The HTML of one test's <article> on a student page."""
    match = re.search(rf'<article class="test [a-z]+" id="{anchor}">(.*?)</article>', text, re.S)
    assert match, anchor
    return match.group(1)


# --------------------------------------------------------------------------------------------
# Heatmaps


def test_heatmaps_share_a_scale_and_centre_the_difference_on_zero() -> None:
    """Do expected and yours share one sequential scale, and the difference a diverging one?"""
    image, kernel = np.arange(20.0).reshape(4, 5), np.array([[1.0, 0.0], [0.0, -1.0]])
    expected = np.arange(12.0).reshape(3, 4)
    got = expected.copy()
    got[0, 0], got[2, 3] = 20.0, -5.0
    maps = heatmaps.build({"image": image, "kernel": kernel}, expected, got)
    assert maps.layout == "rows"
    assert [p.title for p in maps.inputs] == ["image", "kernel"]
    want, yours, diff = maps.outputs
    assert (want.title, yours.title, diff.title) == (
        "expected",
        "your output",
        "yours \u2212 expected",
    )
    assert [p.shape for p in maps.panels] == ["(4, 5)", "(2, 2)", "(3, 4)", "(3, 4)", "(3, 4)"]
    for panel, arr in zip(maps.panels, [image, kernel, expected, got, got - expected], strict=True):
        assert [[c.title for c in row] for row in panel.rows] == titles(arr), panel.title
        assert [[c.text for c in row] for row in panel.rows] == [
            [heatmaps.cell_text(float(v)) for v in row] for row in np.atleast_2d(arr)
        ]
    # One scale from -5 (yours) to 20 (yours): expected's 11 is mid-scale, not its top.
    assert want.legend is None and yours.legend is not None
    assert (yours.legend.of, yours.legend.low, yours.legend.high) == (
        "expected and your output",
        "\u22125",
        "20",
    )
    assert tones(yours)[0][0] == "v8" and tones(yours)[2][3] == "v0"
    assert tones(want)[0][0] == "v1" and tones(want)[2][3] == "v5"
    assert tones(maps.inputs[0])[0][0] == "v0" and tones(maps.inputs[0])[3][4] == "v8"
    # The difference: 0 is the middle colour, +20 the reddest, -16 (-5 - 11) a dark blue.
    assert diff.legend is not None and (diff.legend.low, diff.legend.high) == ("\u221220", "20")
    centre = f"d{(heatmaps.DIVERGING - 1) // 2}"
    assert tones(diff)[0][0] == f"d{heatmaps.DIVERGING - 1}"
    assert tones(diff)[2][3] == "d1"
    assert sum(row.count(centre) for row in tones(diff)) == expected.size - 2


def test_one_dimensional_cases_are_strips_of_equal_cells() -> None:
    """Are 1-D arrays 1 x n strips with one cell size per case (big and written in if short)?"""
    kernel = np.array([1.0, -1.0, 2.0])
    for n, size in [(10, "big"), (16, "big"), (40, "small")]:
        signal = np.linspace(-3, 3, n)
        expected = np.correlate(signal, kernel, "valid")
        maps = heatmaps.build({"signal": signal, "kernel": kernel}, expected, expected + 1)
        assert maps.layout == "strips"
        assert [len(p.rows) for p in maps.panels] == [1, 1, 1, 1, 1]
        assert {p.size for p in maps.panels} == {size}
        assert [len(p.rows[0]) for p in maps.panels] == [n, 3, n - 2, n - 2, n - 2]
        assert maps.panels[0].rows[0][4].title == heatmaps.cell_title((4,), float(signal[4]))
        written = [c.text for p in maps.panels for c in p.rows[0]]
        assert all(written) if size == "big" else not any(written)


def test_nothing_usable_wrong_shapes_and_odd_arrays_become_sentences() -> None:
    """Do None, a wrong shape, a 3-D or empty output and a 0-D input render as sentences?"""
    inputs = {"image": np.ones((4, 4)), "kernel": np.ones((2, 2))}
    expected = np.full((3, 3), 4.0)
    want, yours = heatmaps.build(inputs, expected, None).outputs
    assert yours.rows == () and yours.text == "nothing usable was returned"
    assert want.legend is not None and want.legend.of == "expected"
    want, yours, diff = heatmaps.build(inputs, expected, np.zeros((2, 5))).outputs
    assert len(yours.rows) == 2 and len(yours.rows[0]) == 5 and yours.legend is not None
    assert diff.rows == () and "(2, 5)" in diff.text and "(3, 3)" in diff.text
    for got, shape in [(np.zeros((2, 2, 2)), "(2, 2, 2)"), (np.zeros((0, 3)), "(0, 3)")]:
        outputs = heatmaps.build(inputs, expected, got).outputs
        assert len(outputs) == 2 and outputs[1].text == f"an array of shape {shape}"
    odd = heatmaps.build({"image": np.float64(3.0), "kernel": np.ones((2, 2))}, expected, expected)
    assert odd.inputs[0].rows == () and odd.inputs[0].text == "an array of shape ()"


def test_extreme_values_are_coloured_and_titled_without_warnings() -> None:
    """Do 1e308, infinities, NaN, subnormals and all-equal arrays render (warnings are errors)?"""
    inputs = {"image": np.full((5, 5), 1e308), "kernel": np.ones((3, 3))}
    maps = heatmaps.build(inputs, np.ones((3, 3)), EXTREMES)
    want, yours, diff = maps.outputs
    assert tones(want) == [["v4"] * 3] * 3  # on the shared scale from -1e100 to 1e100
    assert tones(yours) == [["v8", "v0", "v4"], ["x", "x", "x"], ["v4", "v4", "v4"]]
    assert [c.title for c in yours.rows[1]] == ["[1,0] inf", "[1,1] -inf", "[1,2] nan"]
    assert [c.text for c in yours.rows[0]] == ["1e308", "\u22121e308", "0"]
    assert yours.legend is not None and (yours.legend.low, yours.legend.high) == (
        "\u22121e308",
        "1e308",
    )
    assert yours.rows[2][0].title == "[2,0] 4.94066e-324"
    assert tones(diff)[1] == ["x", "x", "x"] and tones(diff)[0][0] == "d10"
    assert tones(maps.inputs[0]) == [["v4"] * 5] * 5  # all equal: the middle colour
    for got in (np.full((3, 3), -np.inf), np.full((3, 3), np.nan), np.ones((3, 3))):
        _, yours, diff = heatmaps.build(inputs, np.ones((3, 3)), got).outputs
        assert len(yours.rows) == 3 and len(diff.rows) == 3
    assert tones(diff) == [["d5"] * 3] * 3  # equal arrays: no difference anywhere
    assert yours.legend is not None and yours.legend.low == yours.legend.high == "1"
    none_finite = heatmaps.build(inputs, np.full((3, 3), np.nan), np.full((3, 3), np.nan))
    assert none_finite.outputs[1].legend is not None
    assert none_finite.outputs[1].legend.low == "no finite value"
    assert none_finite.outputs[2].legend is not None
    assert none_finite.outputs[2].legend.low == "no finite value"
    strips = heatmaps.build({"signal": np.ones(5), "kernel": np.ones(3)}, np.ones(3), EXTREMES[1])
    assert tones(strips.outputs[1]) == [["x", "x", "x"]]


def test_large_arrays_are_cropped_with_a_note() -> None:
    """Are arrays with a side over MAX_SIDE (or strips over MAX_STRIP) cropped, and said so?"""
    big = np.random.default_rng(0).normal(size=(200, 150))
    maps = heatmaps.build({"image": big, "kernel": np.eye(3)}, big[2:, 2:], big[2:, 2:] * 2)
    side = heatmaps.MAX_SIDE
    image, kernel = maps.inputs
    assert image.shape == "(200, 150)" and image.size == "small"
    assert image.note == f"showing the top-left {side} \u00d7 {side} of 200 \u00d7 150 cells"
    assert kernel.note == "" and kernel.size == "big"
    for panel in (image, *maps.outputs):
        assert len(panel.rows) == side and {len(r) for r in panel.rows} == {side}
    assert [[c.title for c in row] for row in image.rows] == titles(big[:side, :side])
    signal = np.arange(1000.0)
    maps = heatmaps.build({"signal": signal, "kernel": np.ones(3)}, signal[2:], None)
    assert [len(p.rows[0]) for p in maps.panels if p.rows] == [
        heatmaps.MAX_STRIP,
        3,
        heatmaps.MAX_STRIP,
    ]
    assert maps.inputs[0].note == f"showing the first {heatmaps.MAX_STRIP} of 1000 cells"


def test_style_defines_each_colour_once_with_readable_text() -> None:
    """Does style.css define every colour class once, with text contrast of at least 4.5:1?"""
    css = STYLE.read_text(encoding="utf-8")
    rules = re.findall(
        r"^\.heatmaps \.([a-z]\d*) \{ background: (#[0-9a-f]{6}); color: (#[0-9a-f]{3,6}); \}$",
        css,
        re.M,
    )
    names = [name for name, _, _ in rules]
    wanted = [f"v{k}" for k in range(heatmaps.SEQUENTIAL)]
    wanted += [f"d{k}" for k in range(heatmaps.DIVERGING)] + [heatmaps.NON_FINITE]
    assert sorted(names) == sorted(wanted) and len(set(names)) == len(names)
    for name, background, ink in rules:
        assert contrast(hex_rgb(ink), hex_rgb(background)) >= 4.5, name
    assert len({background for _, background, _ in rules}) == len(rules)


def test_histogram_handles_empty_and_fractional_scores() -> None:
    """Does histogram() draw a class, an empty class and fractional maxima?"""
    assert decode(plots.histogram([16, 1, 0, 0, 9.5], 16))[:8] == PNG
    assert decode(plots.histogram([], 16))[:8] == PNG
    assert decode(plots.histogram([0.25, 2.5], 2.75))[:8] == PNG


def test_student_pages_never_import_matplotlib(site: Site, tmp_path: Path) -> None:
    """Do importing every report module and writing a student page leave matplotlib unloaded?"""
    data = tmp_path / "chen.pickle"
    data.write_bytes(pickle.dumps((site.report("chen_flipped"), site.prepared)))
    script = (
        "import pickle, sys\n"
        "from grader.report import files, grades_csv, gradescope, heatmaps, html, plots\n"
        "from grader.report import summary, terminal\n"
        "report, prepared = pickle.loads(open(sys.argv[1], 'rb').read())\n"
        "page = html.render_student(report, prepared)\n"
        "print(page.count('<table class=\"hm '), [m for m in sys.modules if 'matplotlib' in m])\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script, str(data)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT.parent,
    )
    count, loaded = run.stdout.split(" ", 1)
    assert int(count) > 10 and loaded.strip() == "[]"


# --------------------------------------------------------------------------------------------
# Pages as text


def test_pages_are_self_contained(site: Site, gallery: Gallery) -> None:
    """Does every page load nothing from outside, and only the dashboard hold a picture?"""
    for path in [site.index, gallery.path, *(site.page(s) for s in STUDENTS)]:
        text = path.read_text(encoding="utf-8")
        assert "Content-Security-Policy" in text
        assert not re.search(r'(src|href)="(https?:)?//', text), path
        assert "<link" not in text and "@import" not in text and "url(" not in text, path
        images = re.findall(r'<img src="([^"]*)"', text)
        assert len(images) == (path == site.index), path
        assert all(src.startswith("data:image/png;base64,") for src in images), path
        assert "<script" not in text or path == site.index, path


def test_hidden_cases_show_no_data(site: Site) -> None:
    """Do hidden tests show name and verdict but never inputs (the page's numbers) or heatmaps?"""
    text = site.text("chen_flipped")
    visible = [pc for pc in site.prepared if not pc.case.hidden]
    hidden = [pc for pc in site.prepared if pc.case.hidden]
    # The check below is meaningful: a visible input's numbers are on the page in both formats.
    public = next(pc for pc in visible if pc.case.name == "random_float_6x7")
    shown = distinctive(page_numbers(public.inputs["image"]))
    assert shown and all(v in text for v in shown), shown
    assert all(t in text for row in titles(public.inputs["image"]) for t in row)
    rep = site.report("chen_flipped")
    for number, case in enumerate(rep.cases, start=1):
        body = section(text, f"test-{number}")
        if case.visibility == "visible":
            assert '<figure class="heatmaps' in body and '<table class="hm ' in body, case.name
            continue
        assert case.name in body and "wrong answer" in body
        for tag in ("<figure", "<table", "<td", "<pre", "<details", "<img"):
            assert tag not in body, (case.name, tag)
    checked = 0
    for pc in hidden:
        for arr in pc.inputs.values():
            if arr.dtype.kind != "f":
                continue
            as_titles = [f"{float(v):.6g}" for v in np.ravel(arr)]
            for value in distinctive(page_numbers(arr)) + distinctive(as_titles):
                assert value not in text, (pc.case.name, value)
                checked += 1
    assert checked >= 20
    assert text.count('<figure class="heatmaps') == len(visible)


def test_heatmap_tables_hold_every_value_in_its_colour(site: Site) -> None:
    """Does each visible test's figure write every input, expected, returned and difference cell?"""
    text = site.text("chen_flipped")
    by_name = {pc.case.name: pc for pc in site.prepared}
    rep = site.report("chen_flipped")
    checked = 0
    for case in rep.cases:
        if case.visibility != "visible":
            continue
        pc = by_name[case.name]
        got = np.asarray(case.got, dtype=np.float64)
        assert got.shape == pc.expected.shape  # chen's answers have the right shape
        found = tables(figure(text, case.name))
        arrays = [*pc.inputs.values(), pc.expected, got, got - pc.expected]
        names = [*pc.inputs, "expected", "your output", "yours \u2212 expected"]
        assert [t.caption.split(" (")[0] for t in found] == names
        maps = heatmaps.build(pc.inputs, pc.expected, got)
        for table, arr, panel in zip(found, arrays, maps.panels, strict=True):
            assert [[title for _, title, _ in row] for row in table.rows] == titles(arr)
            assert table.rows == grid(panel)
            assert f"hm-{panel.size}" in table.classes
            checked += 1
    assert checked == 5 * sum(not pc.case.hidden for pc in site.prepared)


def test_gallery_of_awkward_arrays_renders_bounded(gallery: Gallery) -> None:
    """Do extreme, missing, misshapen, large and 1-D answers render, and stay bounded in size?"""
    text = gallery.text()
    assert len(text.encode()) < 400_000
    assert ">1e308<" in figure(text, "extremes") and "[1,2] nan" in figure(text, "extremes")
    assert 'class="x"' in figure(text, "extremes_1d")
    assert "nothing usable was returned" in figure(text, "nothing_returned")
    assert "an array of shape (2, 2, 2)" in figure(text, "three_d")
    wrong = figure(text, "wrong_shape")
    assert "your output (2, 2)" in [t.caption for t in tables(wrong)]
    assert "none: your shape (2, 2) is not the expected (4, 5)" in wrong
    large = figure(text, "large")
    assert "showing the top-left 40 \u00d7 40 of 200 \u00d7 150 cells" in large
    for t in tables(large):
        assert len(t.rows) <= heatmaps.MAX_SIDE and max(map(len, t.rows)) <= heatmaps.MAX_SIDE
    assert len(re.findall("<td ", large)) == 3 * 3 + 4 * heatmaps.MAX_SIDE**2
    strips = tables(figure(text, "long_1d"))
    assert [len(t.rows[0]) for t in strips] == [heatmaps.MAX_STRIP, 5] + [heatmaps.MAX_STRIP] * 3
    equal = tables(figure(text, "all_equal"))
    assert {cell[0] for cell in equal[-1].rows[0]} == {"d5"}
    # The test name is escaped wherever it appears: in the figure's label and its heading.
    assert XSS not in text and f"Heatmaps for {escape(XSS)}" in text


def test_student_pages_are_small(site: Site) -> None:
    """Does every page of the real class weigh less than PAGE_BYTES (tens of KB, not hundreds)?"""
    for student in STUDENTS:
        size = len(site.page(student).read_bytes())
        assert size < PAGE_BYTES, (student, size)


def test_student_id_and_output_are_escaped(site: Site) -> None:
    """Are a script-like student id and printed output escaped, and the output capped?"""
    for text in (site.text(XSS), site.index.read_text(encoding="utf-8")):
        assert XSS not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    rep = dataclasses.replace(site.report("ada_loops"), output="<b>hi</b>" + "x" * 50_000)
    text = html.render_student(rep, site.prepared)
    assert "<b>hi</b>" not in text and "&lt;b&gt;hi&lt;/b&gt;" in text
    assert "x" * html.MAX_OUTPUT not in text.replace("<b>hi</b>", "")
    assert "more characters, not shown" in text


def test_student_page_without_prepared_cases_shows_no_heatmaps(site: Site) -> None:
    """With no matching prepared case, does a visible test still render, without heatmaps?"""
    text = html.render_student(site.report("chen_flipped"), ())
    assert '<table class="hm ' not in text and FLIP_HINT in text
    assert text.count("This is a hidden test") == sum(
        c.visibility != "visible" for c in site.report("chen_flipped").cases
    )


def test_ungraded_submission_page_and_empty_class(grader: Grader) -> None:
    """Do an ungradable submission's page and an empty class's dashboard render plainly?"""
    rep = grader.grade(Submission("nobody", None, problem="No file was found."))
    text = html.render_student(rep, grader.cases)
    assert "Not graded." in text and "No file was found." in text
    assert "<img" not in text and '<table class="hm ' not in text
    empty = ClassReport("convolution", (), 16.0, "process", 0.0, "2026-01-01T00:00:00+00:00")
    text = html.render_class(empty, HINT_TITLES, link)
    assert "0 submissions" in text and "Weaker isolation" in text
    assert "No mistake was diagnosed." in text


def test_dashboard_counts_mistakes_in_words(site: Site) -> None:
    """Does the dashboard say how many students made each diagnosed mistake, in words?"""
    text = site.index.read_text(encoding="utf-8")
    n = len(STUDENTS)
    assert f"1 of {n} {HINT_TITLES['flipped_kernel']}" in text
    assert f"1 of {n} {HINT_TITLES['non_finite']}" in text
    for student in STUDENTS:
        assert f'href="{escape(link(student))}"' in text


# --------------------------------------------------------------------------------------------
# Pages in Chromium


@dataclass
class Tab:
    """A browser page, with what it reported: console errors, dialogs and requests."""

    page: Any
    errors: list[str]
    requests: list[str]

    def open(self, path: Path) -> None:
        self.page.goto(path.as_uri())
        self.page.wait_for_load_state("load")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium from the system (never a downloaded build)."""
    from playwright import sync_api

    assert CHROMIUM.exists(), f"needs {CHROMIUM}: apt-get install chromium (.ci/run does)"
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def tab(browser: Any) -> Iterator[Tab]:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    tab = Tab(page, [], [])
    page.on("console", lambda m: tab.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: tab.errors.append(f"page error: {e}"))
    page.on("dialog", lambda d: (tab.errors.append(f"dialog: {d.message}"), d.dismiss()))
    page.on("request", lambda r: tab.requests.append(r.url))
    try:
        yield tab
    finally:
        context.close()


def pages(site: Site, gallery: Gallery) -> list[Path]:
    return [site.index, gallery.path, *(site.page(s) for s in STUDENTS)]


@pytest.mark.browser
def test_every_page_loads_cleanly(site: Site, gallery: Gallery, tab: Tab) -> None:
    """Does every page load with no console error, no dialog, no request beyond its file?"""
    for path in pages(site, gallery):
        tab.open(path)
        assert tab.errors == [], (path.name, tab.errors)
        assert all(url == path.as_uri() or url.startswith("data:") for url in tab.requests), (
            path.name,
            tab.requests,
        )
        tab.requests.clear()


@pytest.mark.browser
def test_only_the_histogram_is_an_image(site: Site, gallery: Gallery, tab: Tab) -> None:
    """Is the dashboard's histogram decoded (naturalWidth > 0), and the only <img> anywhere?"""
    for path in pages(site, gallery):
        tab.open(path)
        widths = tab.page.eval_on_selector_all("img", "imgs => imgs.map(i => i.naturalWidth)")
        assert len(widths) == (path == site.index) and all(w > 0 for w in widths), path.name


CELL_COLOURS = """cells => cells.map(c => {
  const s = getComputedStyle(c);
  return [c.className, c.textContent, s.color, s.backgroundColor, s.printColorAdjust];
})"""


def rgb(css: str) -> tuple[float, ...]:
    """(r, g, b) of a computed colour such as "rgb(72, 22, 104)"."""
    values = re.findall(r"[\d.]+", css)
    assert len(values) == 3, css
    return tuple(float(v) for v in values)


@pytest.mark.browser
def test_cells_are_coloured_and_their_text_readable(site: Site, gallery: Gallery, tab: Tab) -> None:
    """Does Chromium paint each class its own colour, grey for NaN, text at >= 4.5:1 contrast?"""
    seen: dict[str, tuple[float, ...]] = {}
    for path in (site.page("chen_flipped"), gallery.path):
        tab.open(path)
        cells = tab.page.eval_on_selector_all("table.hm td", CELL_COLOURS)
        assert len(cells) > 300
        for tone, text, ink, background, _ in cells:
            assert seen.setdefault(tone, rgb(background)) == rgb(background), tone
            if text:
                assert contrast(rgb(ink), rgb(background)) >= 4.5, (tone, text, ink, background)
    assert seen["x"] == (176.0, 176.0, 176.0)
    assert seen["v0"] != seen["v8"] and seen["d0"] != seen["d10"] and seen["d5"] != seen["v4"]
    assert len(set(seen.values())) == len(seen) >= 15
    tab.page.emulate_media(media="print")
    cells = tab.page.eval_on_selector_all("table.hm td", CELL_COLOURS)
    assert {adjust for *_, adjust in cells} == {"exact"}
    assert tab.errors == []


def lefts(tab: Tab, name: str) -> list[list[float]]:
    """The left edge of each cell of each table in one test's figure, in pixels."""
    script = """fig => [...fig.querySelectorAll('table.hm')].map(
        t => [...t.rows[0].cells].map(c => c.getBoundingClientRect().left))"""
    found: list[list[float]] = tab.page.eval_on_selector(
        f'figure[aria-label="Heatmaps for {name}"]', script
    )
    return found


@pytest.mark.browser
def test_one_dimensional_outputs_sit_under_their_windows(gallery: Gallery, tab: Tab) -> None:
    """Is output cell i (expected, yours, difference) exactly under signal cell i, in Chromium?"""
    tab.open(gallery.path)
    for name in ("short_1d", "long_1d", "extremes_1d"):
        signal, kernel, *outputs = lefts(tab, name)
        assert kernel == signal[: len(kernel)], name
        for cells in outputs:
            assert cells == signal[: len(cells)], name
            assert len(set(np.diff(cells).round(3))) == 1, name
    assert tab.errors == []


@pytest.mark.browser
def test_tables_and_scales_are_named_for_assistive_technology(site: Site, tab: Tab) -> None:
    """Does each figure, heatmap table and colour scale have an accessible name?"""
    tab.open(site.page("chen_flipped"))
    visible = [pc for pc in site.prepared if not pc.case.hidden]
    page = tab.page
    assert page.get_by_role("figure", name=re.compile("^Heatmaps for ")).count() == len(visible)
    for pc in visible:
        shape = (
            "(" + ", ".join(map(str, pc.expected.shape)) + (",)" if pc.expected.ndim == 1 else ")")
        )
        for title in ("expected", "your output", "yours \u2212 expected"):
            assert page.get_by_role("table", name=f"{title} {shape}", exact=True).count() >= 1
    named = page.get_by_role("table", name=re.compile(r"^\S.* \(\d+(, \d+|,)\)$"))
    assert named.count() == page.locator("table.hm").count() == 5 * len(visible)
    scales = page.get_by_role("img", name=re.compile("^Colour scale of ")).all()
    assert len(scales) == 4 * len(visible)
    assert "Colour scale of expected and your output: from" in (
        scales[2].get_attribute("aria-label") or ""
    )
    assert tab.errors == []


@pytest.mark.browser
def test_student_pages_show_score_verdicts_and_hints(site: Site, tab: Tab) -> None:
    """Do the pages show the score, each test's verdict and, on chen's, the flip hint?"""
    tab.open(site.page("ada_loops"))
    body = tab.page.inner_text("body")
    assert "16 / 16 points" in body and "12 of 12 tests passed" in body
    tab.open(site.page("chen_flipped"))
    body = tab.page.inner_text("body")
    chen = site.report("chen_flipped")
    assert f"{chen.score:g} / {chen.max_score:g} points" in body
    assert FLIP_HINT in body
    verdicts = tab.page.locator("article.test .verdict").all_inner_texts()
    assert verdicts.count("passed") == sum(c.status == "passed" for c in chen.cases)
    assert verdicts.count("wrong answer") == sum(c.outcome == "wrong" for c in chen.cases)
    assert "hidden_8x8" in body and "This is a hidden test" in body
    tab.open(site.page("fay_stub"))
    assert "raised an error" in tab.page.inner_text("body")
    tab.open(site.page(XSS))
    assert tab.page.inner_text("h1") == XSS
    assert tab.errors == []


@pytest.mark.browser
def test_dashboard_links_to_every_student(site: Site, tab: Tab) -> None:
    """Does each student's link on the dashboard open that student's page?"""
    tab.open(site.index)
    for student in STUDENTS:
        tab.page.get_by_role("link", name=student, exact=True).click()
        tab.page.wait_for_load_state("load")
        assert tab.page.inner_text("h1") == student
        tab.page.go_back()
    assert tab.errors == []


def column(tab: Tab, index: int) -> list[str]:
    script = f"rows => rows.map(r => r.cells[{index}].getAttribute('data-value'))"
    values: list[str] = tab.page.eval_on_selector_all("table.students tbody tr", script)
    return values


@pytest.mark.browser
def test_clicking_a_header_sorts_the_students(site: Site, tab: Tab) -> None:
    """Does clicking Score sort ascending, clicking again descending, and Student by name?"""
    tab.open(site.index)
    header = tab.page.locator("table.students thead th").nth(1)
    assert header.inner_text().strip() == "Score"
    header.locator("button").click()
    up = [float(v) for v in column(tab, 1)]
    assert up == sorted(up) and up != [r.score for r in site.cls.reports]
    assert header.get_attribute("aria-sort") == "ascending"
    header.locator("button").click()
    down = [float(v) for v in column(tab, 1)]
    assert down == sorted(down, reverse=True)
    assert header.get_attribute("aria-sort") == "descending"
    tab.page.get_by_role("button", name="Student", exact=True).click()
    names = column(tab, 0)
    assert names == sorted(names, key=str.lower)
    assert tab.errors == []


@pytest.mark.browser
def test_screenshots(site: Site, gallery: Gallery, tab: Tab) -> None:
    """Do the dashboard, chen's page and the gallery render to screenshots (tests/artifacts/)?"""
    ARTIFACTS.mkdir(exist_ok=True)
    shots: dict[str, Path] = {
        "dashboard.png": site.index,
        "student_chen_flipped.png": site.page("chen_flipped"),
        "student_gallery.png": gallery.path,
    }
    for name, path in shots.items():
        tab.open(path)
        out = ARTIFACTS / name
        tab.page.screenshot(path=str(out), full_page=True)
        assert out.read_bytes()[:8] == PNG
    assert tab.errors == []


@pytest.mark.browser
def test_pages_print(site: Site, gallery: Gallery, tab: Tab) -> None:
    """Do the pages print to PDF with the print stylesheet (no sort hint, no arrows)?"""
    tab.open(site.index)
    tab.page.emulate_media(media="print")
    assert not tab.page.locator("p.no-print").is_visible()
    assert tab.page.pdf(format="A4")[:5] == b"%PDF-"
    for path in (site.page("chen_flipped"), gallery.path):
        tab.open(path)
        assert tab.page.pdf(format="A4")[:5] == b"%PDF-"
        ARTIFACTS.mkdir(exist_ok=True)
        tab.page.screenshot(path=str(ARTIFACTS / f"print_{path.stem}.png"), full_page=True)
