"""Interactive figures (issue 29): the page's bytes, and the page in a real headless Chromium.

The browser half drives Debian's ``chromium`` over the DevTools protocol with the harness
of tests/test_browser.py, the network emulated offline and every request recorded: a page
must load with no console error and no request but its own file. What the page shows is
checked against independent truth: the hover readout against the text ``lrviz export``
writes for that step (its CSV, parsed by the csv module), what a zoomed panel draws
against torch's recorded array, bit for bit. Waits are for conditions (the figure ready,
the readout at the step asked for), never fixed sleeps; nothing asserts a time. Each case
saves a screenshot to test-artifacts/html-*.png for a person to look at.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import time
from pathlib import Path

import pytest

import lrviz
from lrviz.export import to_csv
from lrviz.render.html import render_html
from lrviz.validate import PlotOptions

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts"
VENDOR = REPO / "lrviz" / "render" / "html" / "vendor"


def _sim(cfg: dict | str, **kw):
    return lrviz.simulate(str(REPO / "configs" / cfg) if isinstance(cfg, str) else cfg, **kw)


def _exported(result) -> dict[tuple[str, str, int], dict[str, str]]:
    """``lrviz export``'s CSV rows by (schedule, group, step): the digits the readout must show."""
    rows = csv.DictReader(io.StringIO(to_csv(result)))
    return {(r["schedule"], r["group"], int(r["step"])): r for r in rows}


def _cosine(steps: int) -> dict:
    return {
        "title": f"cosine {steps}",
        "steps": steps,
        "optimizer": {"name": "SGD", "lr": 0.1},
        "schedules": [{"label": "cosine", "scheduler": "CosineAnnealingLR", "params": {"T_max": steps}}],
    }


def _spec(page: bytes) -> dict:
    import json

    found = re.search(r'<script type="application/json" id="[^"]+">(.*?)</script>', page.decode(), re.S)
    assert found
    return json.loads(found[1].replace("<\\/", "</"))


# -- the file: no browser needed


def test_the_page_is_byte_identical_and_self_contained():
    result = _sim("torch/onecyclelr.yaml")
    first = render_html(result, PlotOptions())
    again = render_html(_sim("torch/onecyclelr.yaml"), PlotOptions())
    assert first == again
    text = first.decode()
    assert "default-src 'none'" in text  # the CSP: the browser refuses any load
    assert not re.search(r"<(script|link|img|iframe)[^>]*(src|href)=", text), "a page loads nothing"
    assert "Copyright (c) 2022 Leon Sorokin" in text  # the library's licence travels with it


def test_the_vendored_library_is_the_recorded_release():
    """The files are the npm release VENDORED.md names (an upgrade is a deliberate change of its table)."""
    table = (VENDOR / "VENDORED.md").read_text()
    for name in ("uPlot.iife.min.js", "uPlot.min.css"):
        digest = hashlib.sha256((VENDOR / name).read_bytes()).hexdigest()
        assert re.search(rf"\| {re.escape(name)} \|.*\| {digest} \|", table), name
    assert "uplot@1.6.32" in table and "MIT" in (VENDOR / "LICENSE").read_text()


def test_size_budgets():
    """Issue 29: a 1,000-step figure at most 200 KB beyond the library; a 100k-step cosine at most 2 MB, exact."""
    from lrviz.render.html.page import library

    lib = len(library().encode())
    small = render_html(_sim(_cosine(1000)), PlotOptions())
    assert len(small) - lib <= 200_000, len(small) - lib
    big = render_html(_sim(_cosine(100_000)), PlotOptions())
    assert len(big) <= 2_000_000, len(big)
    assert _spec(big)["exact"] is True  # every value rides along (the browser tests read them back)


def test_cli_writes_html_beside_png(tmp_path):
    from typer.testing import CliRunner

    from lrviz.cli import app

    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["plot", str(REPO / "configs/torch/steplr.yaml"), "-o", str(out), "-f", "png,html"])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == ["steplr.html", "steplr.png"]
    assert (out / "steplr.html").read_bytes().startswith(b"<!DOCTYPE html>")
    one = tmp_path / "fig.html"
    res = CliRunner().invoke(app, ["plot", str(REPO / "configs/torch/steplr.yaml"), "-o", str(one)])
    assert res.exit_code == 0, res.output
    assert one.read_bytes() == (out / "steplr.html").read_bytes()


def test_plot_block_and_api_take_html(tmp_path):
    cfg = _cosine(50) | {"plot": {"format": "html"}}
    lrviz.plot(cfg, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["cosine 50.html"] or len(list(tmp_path.glob("*.html"))) == 1
    target = tmp_path / "api.html"
    lrviz.plot(_cosine(50), target, format="html")
    assert target.read_bytes().startswith(b"<!DOCTYPE html>")


# -- the page in Chromium

CHROMIUM_MISSING = not Path(__import__("shutil").which("chromium") or "/usr/bin/chromium").is_file()


class Page:
    """One page open in Chromium, offline, its requests recorded."""

    def __init__(self, chrome, path: Path):
        self.chrome, self.path = chrome, path
        chrome.events.clear()
        chrome.send("Page.navigate", {"url": path.as_uri()})
        chrome.wait_for("Page.loadEventFired")
        self.until("(document.querySelector('.lrviz-figure') || {dataset: {}}).dataset.ready === 'yes'")

    def until(self, expression: str, seconds: float = 60.0):
        deadline = time.monotonic() + seconds
        while True:
            value = self.chrome.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"never true: {expression}; errors: {self.chrome.errors()}")
            time.sleep(0.02)

    def js(self, expression: str):
        return self.chrome.evaluate(expression)

    def requests(self) -> list[str]:
        return [
            e["params"]["request"]["url"] for e in self.chrome.events if e.get("method") == "Network.requestWillBeSent"
        ]

    def assert_clean(self):
        self.js("1")  # collect the events so far
        assert self.chrome.errors() == []
        assert self.requests() == [self.path.as_uri()]

    def mouse(self, kind: str, x: float, y: float, **extra) -> None:
        self.chrome.send("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, **extra})

    def point(self, key: str, x: float, cell: int = 0) -> tuple[float, float]:
        """Page coordinates of data x in the middle of the panel ``key`` of figure cell ``cell``."""
        return tuple(
            self.js(
                f"""(() => {{ const f = lrvizFigures[0];
                const pls = f.plots.filter(p => p.panel.key === {key!r}), pl = pls[{cell}];
                const r = pl.u.over.getBoundingClientRect();
                return [r.left + pl.u.valToPos({x}, 'x'), r.top + r.height / 2]; }})()"""
            )
        )

    def hover(self, step: int, key: str = "lr", *, exact: bool = True) -> dict:
        """Move the pointer over ``step`` (the middle of its held interval) and read the readout
        (``exact=False``: the step under that pixel, when a pixel holds many steps)."""
        x = self.js(f"lrvizFigures[0].X({step} + (lrvizFigures[0].spec.held ? 0.5 : 0))")
        self.js("document.querySelector('.lrviz-readout').textContent = ''")
        self.mouse("mouseMoved", *self.point(key, x))
        wanted = f"=== '{step}'" if exact else "!== undefined"
        self.until(f"(document.querySelector('.lrviz-at') || {{dataset: {{}}}}).dataset.step {wanted}", 20)
        return self.js(
            """(() => ({head: document.querySelector('.lrviz-at').textContent,
                step: +document.querySelector('.lrviz-at').dataset.step,
                rows: Array.from(document.querySelectorAll(
                  '.lrviz-readout tr[data-series], .lrviz-readout tr[data-logged]'))
                  .map(tr => ({series: tr.dataset.series == null ? null : +tr.dataset.series,
                  label: tr.querySelector('.lrviz-name').textContent,
                  values: Object.fromEntries(Array.from(tr.querySelectorAll('td[data-panel]'))
                    .map(td => [td.dataset.panel, td.textContent]))}))}))()"""
        )

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / f"html-{name}.png"
        self.chrome.screenshot(shot)
        assert shot.stat().st_size > 5_000
        return shot


@pytest.fixture(scope="module")
def chrome(tmp_path_factory):
    if CHROMIUM_MISSING:
        pytest.skip("needs a headless Chromium (Debian package 'chromium', which .ci/run installs)")
    from tests.test_browser import Chromium

    browser = Chromium(tmp_path_factory.mktemp("chromium-profile"))
    try:
        browser.open_page()
        browser.send("Network.enable")
        browser.send(
            "Network.emulateNetworkConditions",
            {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0},
        )
        yield browser
    finally:
        browser.close()


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / f"{name}.html"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("config", "options", "steps"),
    [
        ("torch/onecyclelr.yaml", {}, [0, 5, 13, 31]),  # two schedules, a momentum panel, an epoch axis
        ("torch/exponentiallr.yaml", {"yscale": "log"}, [0, 1, 7, 20]),  # a log axis
        ("compare/param-groups-backbone-head.yaml", {"x": "epoch"}, [0, 3, 17]),  # two groups, epoch axis
        ("torch/reducelronplateau.yaml", {}, [0, 15, 16, 29]),  # the metric fed (and its reductions)
    ],
    ids=["onecycle-epoch", "exponential-log", "groups-epoch", "plateau-metric"],
)
@pytest.mark.browser
def test_hover_reads_exports_digits(chrome, tmp_path, config, options, steps):
    result = _sim(config)
    opts = PlotOptions.resolve(result.config.plot, **options)
    page = Page(chrome, _write(tmp_path, "fig", render_html(result, opts)))
    page.assert_clean()
    spec_panels = page.js("lrvizFigures[0].spec.panels.map(p => p.key)")
    assert "lr" in spec_panels
    if options.get("yscale") == "log":
        assert page.js("lrvizFigures[0].plots[0].u.scales.y.distr") == 3
    exported = _exported(result)
    series = [(t.label, g) for t in result.trajectories for g in t.groups]
    assert steps
    for k in steps:
        seen = page.hover(k)
        assert seen["head"].startswith(f"step {k}"), seen["head"]
        if opts.x == "epoch":  # as JavaScript prints k / steps_per_epoch: 0.625, 2 (not 2.0)
            assert f" · epoch {re.sub(r'[.]0$', '', repr(k / result.config.steps_per_epoch))}" in seen["head"]
        assert [r["series"] for r in seen["rows"]] == list(range(len(series)))
        for row in seen["rows"]:
            label, group = series[row["series"]]
            want = {p: exported[(label, group, k)][p] for p in spec_panels if p in ("lr", "momentum", "metric")}
            got = {p: row["values"][p] for p in want}
            assert got == want, (k, label, group)
    page.screenshot(f"hover-{Path(config).stem}")


@pytest.mark.browser
def test_legend_click_hides_and_shows_a_series(chrome, tmp_path):
    result = _sim("torch/onecyclelr.yaml")
    page = Page(chrome, _write(tmp_path, "legend", render_html(result, PlotOptions.resolve(result.config.plot))))
    rect = page.js(
        "(() => { const r = document.querySelector('.lrviz-entry[data-series=\"1\"]').getBoundingClientRect();"
        " return [r.left + r.width / 2, r.top + r.height / 2]; })()"
    )
    for kind in ("mousePressed", "mouseReleased"):
        page.mouse(kind, *rect, button="left", clickCount=1)
    page.until("lrvizFigures[0].hidden[1] === true")
    shown = page.js("lrvizFigures[0].plots.map(pl => pl.u.series.slice(1).map(s => s.show))")
    assert shown == [[True, False]] * len(shown)
    seen = page.hover(10)
    assert [r["series"] for r in seen["rows"]] == [0]
    page.screenshot("legend-hidden")
    for kind in ("mousePressed", "mouseReleased"):
        page.mouse(kind, *rect, button="left", clickCount=1)
    page.until("lrvizFigures[0].hidden[1] === false")
    assert [r["series"] for r in page.hover(11)["rows"]] == [0, 1]
    page.assert_clean()


@pytest.fixture(scope="module")
def cyclic_million():
    """A 1M-step CyclicLR (cycles of 4,000 steps, peaks at 2,000 + 4,000 m), simulated by torch."""
    cfg = {
        "title": "CyclicLR, 1M steps",
        "steps": 1_000_000,
        "optimizer": {"name": "SGD", "lr": 0.001},
        "schedules": [
            {
                "label": "triangular",
                "scheduler": "CyclicLR",
                "params": {"base_lr": 1e-4, "max_lr": 1e-3, "step_size_up": 2000, "cycle_momentum": False},
            }
        ],
    }
    result = lrviz.simulate(cfg)
    return result, render_html(result, PlotOptions())


@pytest.mark.browser
def test_zooming_a_million_steps_to_a_hundred_draws_each_step_exactly(chrome, tmp_path, cyclic_million):
    result, data = cyclic_million
    lr = result.trajectories[0].lr[:, 0]
    peak = 502_000
    assert lr[peak] == lr.max()  # the torch run's peak, where the test expects it
    page = Page(chrome, _write(tmp_path, "cyclic", data))
    page.assert_clean()
    assert page.js("lrvizFigures[0].spec.exact") is True
    for width in (1_000_000, 200_000, 30_000, 5_000, 600, 100):  # every zoom level, a peak in view
        a = max(0, peak - width // 2)
        drawn = page.js(f"(lrvizFigures[0].zoom({a}, {a + width}), lrvizFigures[0].drawn('lr', 0))")
        assert max(drawn["y"]) == float(lr[peak]), (width, drawn["mode"])
        assert min(drawn["y"]) == float(lr[drawn["x"][0] : drawn["x"][-1] + 1].min()) or not drawn["mode"]["exact"]
    # 100 steps: each drawn at its exact value, one point per step (and the held end)
    assert drawn["mode"]["exact"] is True
    xs = [int(x) for x in drawn["x"]]
    assert xs == list(range(xs[0], xs[0] + len(xs)))
    assert xs[0] <= peak - 50 and xs[-1] >= peak + 49
    assert drawn["y"] == [float(v) for v in lr[xs[0] : xs[-1] + 1]]
    seen = page.hover(peak + 7)
    assert seen["rows"][0]["values"]["lr"] == repr(float(lr[peak + 7]))
    page.screenshot("zoom-100-steps")
    # a box drag on the plot zooms; a double-click resets to the whole run
    left, mid = page.point("lr", page.js("lrvizFigures[0].view[0]"))
    right, _ = page.point("lr", page.js("lrvizFigures[0].view[1]"))
    page.js("lrvizFigures[0].zoom(0, 1e6)")
    page.mouse("mousePressed", left + 0.2 * (right - left), mid, button="left", clickCount=1)
    page.mouse("mouseMoved", left + 0.3 * (right - left), mid, button="left", buttons=1)
    page.mouse("mouseReleased", left + 0.3 * (right - left), mid, button="left", clickCount=1)
    view = page.until("lrvizFigures[0].view[1] - lrvizFigures[0].view[0] < 2e5 && lrvizFigures[0].view")
    assert 150_000 < view[0] < 250_000 and 250_000 < view[1] < 350_000, view
    # what uPlot actually strokes (its index range into the new data) spans the whole view
    stroked = page.js(
        "(() => { const u = lrvizFigures[0].plots[0].u, [a, b] = u.series[1].idxs;"
        " return [u.data[0][a], u.data[0][b]]; })()"
    )
    assert stroked[0] <= view[0] + 1_000 and stroked[1] >= view[1] - 1_000, (stroked, view)
    assert max(page.js("lrvizFigures[0].drawn('lr', 0).y")) == float(lr.max())
    page.screenshot("zoom-box")
    page.mouse("mousePressed", left + 10, mid, button="left", clickCount=1)
    page.mouse("mouseReleased", left + 10, mid, button="left", clickCount=1)
    page.mouse("mousePressed", left + 10, mid, button="left", clickCount=2)
    page.mouse("mouseReleased", left + 10, mid, button="left", clickCount=2)
    assert page.until("lrvizFigures[0].view[1] === 1000000 && lrvizFigures[0].view") == [0, 1_000_000]
    page.assert_clean()


@pytest.mark.browser
def test_a_run_too_long_for_exact_values_says_so_and_hovers_min_max(chrome, tmp_path, monkeypatch):
    """Past the page's exact budget (made small here) a column carries only its envelope: the page says so,
    and hover reads the min and max of the bucket under the pointer, as export writes them."""
    import numpy as np

    from lrviz.render.html import spec

    monkeypatch.setattr(spec, "EXACT_VALUES", 1000)
    result = _sim(_cosine(50_000))
    page = Page(chrome, _write(tmp_path, "envelope", render_html(result, PlotOptions())))
    page.assert_clean()
    assert "too long" in page.js("document.querySelector('.lrviz-note').textContent")
    lr = result.trajectories[0].lr[:, 0]
    seen = page.hover(12_345, exact=False)  # a pixel holds about 64 steps: the one under it
    k, text = seen["step"], seen["rows"][0]["values"]["lr"]
    assert abs(k - 12_345) < 200
    found = re.fullmatch(r"min (\S+) · max (\S+) \(steps (\d+)–(\d+)\)", text)
    assert found, text
    a, b = int(found[3]), int(found[4])
    assert a <= k <= b
    assert (found[1], found[2]) == (repr(float(np.min(lr[a : b + 1]))), repr(float(np.max(lr[a : b + 1]))))
    page.screenshot("envelope-only")


@pytest.mark.browser
def test_the_sweep_slider_shows_each_swept_values_schedule(chrome, tmp_path):
    result = _sim("torch/steplr.yaml", sweep={"params.gamma": [0.1, 0.5, 0.9]})
    exported = _exported(result)
    page = Page(chrome, _write(tmp_path, "sweep", render_html(result, PlotOptions.resolve(result.config.plot))))
    page.assert_clean()
    labels = [t.label for t in result.trajectories]
    assert len(labels) == 3
    assert [r["label"] for r in page.hover(20)["rows"]] == labels  # "all" overlays them
    page.js("document.querySelector('.lrviz-sweep input').focus()")
    for i, label in enumerate(labels):
        page.chrome.send(
            "Input.dispatchKeyEvent",
            {"type": "keyDown", "key": "ArrowRight", "code": "ArrowRight", "windowsVirtualKeyCode": 39},
        )
        page.chrome.send(
            "Input.dispatchKeyEvent",
            {"type": "keyUp", "key": "ArrowRight", "code": "ArrowRight", "windowsVirtualKeyCode": 39},
        )
        page.until(f"lrvizFigures[0].only === {i}")
        assert page.js("document.querySelector('.lrviz-sweep-value').textContent") == label
        for k in (0, 9, 31):
            rows = page.hover(k)["rows"]
            assert [r["label"] for r in rows] == [label]
            assert rows[0]["values"]["lr"] == exported[(label, result.trajectories[i].groups[0], k)]["lr"]
        page.screenshot(f"sweep-{i}")


SPHINX_INDEX = """\
Schedules
=========

.. lrviz:: schedules/steplr.yaml
   :format: html
   :caption: StepLR, interactive.

.. lrviz:: schedules/exponentiallr.yaml
   :format: html
"""


@pytest.mark.browser
def test_the_sphinx_page_and_the_gallery_link_open_the_same_figure(chrome, tmp_path):
    """``.. lrviz::`` with ``:format: html`` embeds the figure (the library once for two figures), and the
    gallery's entry links to a page of the same figure: the same data, drawn and read the same."""
    pytest.importorskip("sphinx.application", reason="the docs extra (Sphinx) is not installed")
    import shutil

    from lrviz.gallery import build_gallery, write_gallery
    from tests.test_sphinxext import Build, project

    project(
        tmp_path,
        SPHINX_INDEX,
        files={"docs/schedules/exponentiallr.yaml": (REPO / "configs/torch/exponentiallr.yaml").read_text()},
    )
    build = Build(tmp_path)
    assert build() == ""
    html = build.html()
    assert html.count("uPlot 1.6.32") == 1 and html.count('class="lrviz-figure"') == 2
    sphinx_page = Page(chrome, build.out / "index.html")
    sphinx_page.until("document.querySelectorAll('.lrviz-figure[data-ready=\"yes\"]').length === 2")
    assert sphinx_page.chrome.errors() == []
    assert all(u.startswith("file://") for u in sphinx_page.requests())
    in_docs = sphinx_page.js("lrvizFigures.map(f => [f.spec.title, f.spec.blob, f.spec.exactBlob])")
    assert "StepLR, interactive." in html
    steplr_docs = sphinx_page.hover(9)
    sphinx_page.screenshot("sphinx")

    configs = tmp_path / "configs" / "torch"
    configs.mkdir(parents=True)
    shutil.copy(REPO / "configs/torch/steplr.yaml", configs / "steplr.yaml")
    result = build_gallery(tmp_path / "configs", jobs=1)
    write_gallery(result, tmp_path / "gallery")
    index = Page.__new__(Page)
    index.chrome, index.path = chrome, tmp_path / "gallery" / "index.html"
    chrome.events.clear()
    chrome.send("Page.navigate", {"url": index.path.as_uri()})
    chrome.wait_for("Page.loadEventFired")
    href = index.js("document.querySelector('a.interactive').getAttribute('href')")
    assert href == "torch-steplr.html"
    linked = Page(chrome, tmp_path / "gallery" / href)
    linked.assert_clean()
    in_gallery = linked.js("[lrvizFigures[0].spec.title, lrvizFigures[0].spec.blob, lrvizFigures[0].spec.exactBlob]")
    assert in_gallery == next(f for f in in_docs if f[0] == in_gallery[0])
    assert linked.hover(9)["rows"] == [r for r in steplr_docs["rows"] if r["label"] == "StepLR"]
    linked.screenshot("gallery-link")


def test_notebook_display_is_static_unless_asked_for_html():
    result = lrviz.simulate(str(REPO / "configs/torch/steplr.yaml"))
    assert lrviz.options()["display"] == "static"
    static = result._repr_html_()
    assert "<img" in static and "lrviz-figure" not in static
    try:
        assert lrviz.options(display="html") == {"display": "html"}
        shown = result._repr_html_()
        assert 'class="lrviz-figure"' in shown and "uPlot 1.6.32" in shown and "<img" not in shown
        assert shown.index("lrviz-figure") < shown.index("StepLR")  # the figure, then the key points' table
        with pytest.raises(lrviz.LrvizError, match="expected one of static, html"):
            lrviz.options(display="widget")
    finally:
        lrviz.options(display="static")


@pytest.mark.browser
def test_actual_and_annotate_on_the_page(chrome, tmp_path):
    """``--actual``: the log's values as points, read back on hover as the log wrote them, the first
    divergence where check finds it; ``--annotate``: the labels the static figure draws."""
    from lrviz.actual import compare_plan, read_actual
    from lrviz.render.plot import figure_for

    result = _sim("torch/steplr.yaml")
    lr = result.trajectories[0].lr[:, 0].tolist()
    logged = [v * (1 if k < 12 else 2) for k, v in enumerate(lr)]  # a run that doubled its lr at step 12
    log = tmp_path / "run.csv"
    log.write_text("step,lr\n" + "".join(f"{k},{v!r}\n" for k, v in enumerate(logged)))
    opts = PlotOptions.resolve(result.config.plot, annotate=True)
    reports = compare_plan(result.trajectories, [read_actual(str(log))])
    page = Page(chrome, _write(tmp_path, "actual", render_html(result, opts, actual=reports)))
    page.assert_clean()
    assert page.js("lrvizFigures[0].spec.logged.map(l => [l.label, l.first])") == [["logged · run.csv", 12]]
    for k in (3, 12, 20):
        rows = page.hover(k)["rows"]
        assert [r["label"] for r in rows] == ["StepLR", "logged · run.csv"]
        assert rows[0]["values"]["lr"] == repr(lr[k]) and rows[1]["values"]["lr"] == repr(logged[k])
    static = figure_for(result, opts, actual=reports)
    # the static divergence label ("step 12: <cause>") is a ring and a tooltip on the page, not a mark
    drawn = {t.get_text() for ax in static.axes for t in ax.texts if not t.get_text().startswith("step 12: ")}
    static.clear()
    assert drawn and drawn <= set(page.js("lrvizFigures[0].spec.marks.map(m => m.text)"))
    page.screenshot("actual-annotate")
