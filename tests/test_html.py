"""HTML reports: real graded files rendered to pages, checked as text and in headless Chromium."""

from __future__ import annotations

import base64
import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from markupsafe import escape

from grader import ClassReport, Grader, GradeReport, Submission
from grader.diagnose import HINT_TITLES
from grader.reference import PreparedCase
from grader.report import html, plots
from grader.report.files import student_filename

from .conftest import DEMO, FIXTURES

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent
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

STUDENTS = {
    "ada_loops": DEMO / "ada_loops" / "convolution.py",
    "chen_flipped": DEMO / "chen_flipped" / "convolution.py",
    "fay_stub": DEMO / "fay_stub" / "convolution.py",
    "returns_nan": FIXTURES / "returns_nan.py",
    XSS: FIXTURES / "correct.py",
}


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


def section(text: str, anchor: str) -> str:
    """The HTML of one test's <article> on a student page."""
    match = re.search(rf'<article class="test [a-z]+" id="{anchor}">(.*?)</article>', text, re.S)
    assert match, anchor
    return match.group(1)


# --------------------------------------------------------------------------------------------
# Pictures


def test_heatmaps_are_png_data_uris_and_close_their_figures() -> None:
    """Does heatmaps() return a PNG data URI and leave no pyplot figure open?"""
    import matplotlib.pyplot as plt

    image = np.arange(20.0).reshape(4, 5)
    kernel = np.array([[1.0, 0.0], [0.0, -1.0]])
    expected = np.ones((3, 4))
    for got in (expected + 0.5, None, np.zeros((4, 5)), np.full((3, 4), np.nan), np.zeros(())):
        assert decode(plots.heatmaps({"image": image, "kernel": kernel}, expected, got))[:8] == PNG
    assert plt.get_fignums() == []


def test_heatmaps_draw_one_dimensional_and_large_arrays() -> None:
    """Are 1-D strips, long signals and arrays too big to annotate drawn without errors?"""
    signal = np.linspace(-3, 3, 40)
    kernel = np.array([1.0, -1.0, 2.0])
    expected = np.correlate(signal, kernel, "valid")
    assert decode(plots.heatmaps({"signal": signal, "kernel": kernel}, expected, expected))
    assert decode(plots.heatmaps({"signal": signal[:6], "kernel": kernel}, expected[:4], None))
    big = np.random.default_rng(0).normal(size=(30, 25))
    assert decode(plots.heatmaps({"image": big, "kernel": np.eye(3)}, big[2:, 2:], big[2:, 2:]))


def test_heatmaps_survive_extreme_values() -> None:
    """Are outputs of 1e308, infinities, NaN and subnormals drawn instead of crashing?"""
    expected = np.ones((3, 3))
    inputs = {"image": np.ones((5, 5)), "kernel": np.ones((3, 3))}
    extremes = [
        np.full((3, 3), 1e308),
        np.full((3, 3), -np.inf),
        np.array([[1e308, -1e308, 0], [np.inf, -np.inf, np.nan], [5e-324, 1e-310, 3]]),
    ]
    for got in extremes:
        assert decode(plots.heatmaps(inputs, expected, got))[:8] == PNG
        one_d = {"signal": np.ones(5), "kernel": np.ones(3)}
        assert decode(plots.heatmaps(one_d, expected[0], got[-1]))[:8] == PNG


def test_equal_answers_share_one_picture() -> None:
    """Do two students with equal arrays get the very same picture (drawn once)?"""
    inputs = {"signal": np.arange(6.0), "kernel": np.array([1.0, 2.0])}
    expected = np.arange(5.0)
    first = plots.heatmaps(inputs, expected, expected.copy())
    assert plots.heatmaps(inputs, expected, expected.copy()) is first
    assert plots.heatmaps(inputs, expected, expected + 1) != first


def test_histogram_handles_empty_and_fractional_scores() -> None:
    """Does histogram() draw a class, an empty class and fractional maxima?"""
    assert decode(plots.histogram([16, 1, 0, 0, 9.5], 16))[:8] == PNG
    assert decode(plots.histogram([], 16))[:8] == PNG
    assert decode(plots.histogram([0.25, 2.5], 2.75))[:8] == PNG


# --------------------------------------------------------------------------------------------
# Pages as text


def test_pages_are_self_contained(site: Site) -> None:
    """Does every page load nothing from outside (no src/href to http, no external CSS/JS)?"""
    for path in [site.index, *(site.page(s) for s in STUDENTS)]:
        text = path.read_text(encoding="utf-8")
        assert "Content-Security-Policy" in text
        assert not re.search(r'(src|href)="(https?:)?//', text), path
        assert "<link" not in text and "@import" not in text, path
        for src in re.findall(r'<img src="([^"]*)"', text):
            assert src.startswith("data:image/png;base64,"), path


def test_hidden_cases_show_no_data(site: Site) -> None:
    """Do hidden tests show name and verdict but never inputs (the page's numbers) or images?"""
    text = site.text("chen_flipped")
    visible = [pc for pc in site.prepared if not pc.case.hidden]
    hidden = [pc for pc in site.prepared if pc.case.hidden]
    # The check below is meaningful: a visible input's numbers are on the page in this format.
    public = next(pc for pc in visible if pc.case.name == "random_float_6x7")
    shown = distinctive(page_numbers(public.inputs["image"]))
    assert shown and all(v in text for v in shown), shown
    rep = site.report("chen_flipped")
    for number, case in enumerate(rep.cases, start=1):
        body = section(text, f"test-{number}")
        if case.visibility == "visible":
            assert "<img" in body, case.name
            continue
        assert case.name in body and "wrong answer" in body
        assert "<img" not in body and "<pre" not in body and "<details" not in body, case.name
    checked = 0
    for pc in hidden:
        for arr in pc.inputs.values():
            if arr.dtype.kind != "f":
                continue
            for value in distinctive(page_numbers(arr)):
                assert value not in text, (pc.case.name, value)
                checked += 1
    assert checked >= 10
    assert text.count("<img") == len(visible)


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


def test_student_page_without_prepared_cases_shows_no_pictures(site: Site) -> None:
    """With no matching prepared case, does a visible test still render, without a picture?"""
    text = html.render_student(site.report("chen_flipped"), ())
    assert "<img" not in text and FLIP_HINT in text
    assert text.count("This is a hidden test") == sum(
        c.visibility != "visible" for c in site.report("chen_flipped").cases
    )


def test_ungraded_submission_page_and_empty_class(grader: Grader) -> None:
    """Do an ungradable submission's page and an empty class's dashboard render plainly?"""
    rep = grader.grade(Submission("nobody", None, problem="No file was found."))
    text = html.render_student(rep, grader.cases)
    assert "Not graded." in text and "No file was found." in text and "<img" not in text
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


def pages(site: Site) -> list[Path]:
    return [site.index, *(site.page(s) for s in STUDENTS)]


@pytest.mark.browser
def test_every_page_loads_cleanly(site: Site, tab: Tab) -> None:
    """Does every page load with no console error, no dialog, no request beyond its file?"""
    for path in pages(site):
        tab.open(path)
        assert tab.errors == [], (path.name, tab.errors)
        assert all(url == path.as_uri() or url.startswith("data:") for url in tab.requests), (
            path.name,
            tab.requests,
        )
        tab.requests.clear()


@pytest.mark.browser
def test_every_image_is_decoded(site: Site, tab: Tab) -> None:
    """Has every <img> on every page loaded (naturalWidth > 0)?"""
    total = 0
    for path in pages(site):
        tab.open(path)
        widths = tab.page.eval_on_selector_all("img", "imgs => imgs.map(i => i.naturalWidth)")
        assert all(w > 0 for w in widths), (path.name, widths)
        total += len(widths)
    visible = sum(not pc.case.hidden for pc in site.prepared)
    assert total == 1 + visible * len(STUDENTS)


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
def test_screenshots(site: Site, tab: Tab) -> None:
    """Do the dashboard and chen's page render to screenshots (kept in tests/artifacts/)?"""
    ARTIFACTS.mkdir(exist_ok=True)
    shots: dict[str, Path] = {
        "dashboard.png": site.index,
        "student_chen_flipped.png": site.page("chen_flipped"),
    }
    for name, path in shots.items():
        tab.open(path)
        out = ARTIFACTS / name
        tab.page.screenshot(path=str(out), full_page=True)
        assert out.read_bytes()[:8] == PNG
    assert tab.errors == []


@pytest.mark.browser
def test_pages_print(site: Site, tab: Tab) -> None:
    """Do the pages print to PDF with the print stylesheet (no sort hint, no arrows)?"""
    tab.open(site.index)
    tab.page.emulate_media(media="print")
    assert not tab.page.locator("p.no-print").is_visible()
    assert tab.page.pdf(format="A4")[:5] == b"%PDF-"
    tab.open(site.page("chen_flipped"))
    assert tab.page.pdf(format="A4")[:5] == b"%PDF-"
