"""Interactive figures (issue 29): which chart library, measured in headless Chromium.

For a torch-simulated CosineAnnealingLR of 1e3, 1e5, 1e6 and 1e7 steps, three pages
hold the same values: lrviz's own page (uPlot, envelopes and exact text, as ``plot -f
html`` writes it), and a page of each other candidate given the whole array inline as
JSON, as a user would write it (Plotly ``scatter`` lines, ECharts ``line`` with
``sampling: 'lttb'``, ``large: true``, animation off). Measured, side by side in the same
browser: the file size, the time to first paint (``performance.now()`` from navigation
start to the figure drawn and a frame painted) and the zoom latency (to a 1 % window in
the middle and back: the median of 3, until a frame is painted).

The other libraries are not vendored: fetch their released builds with ``npm pack``
(``npm pack plotly.js-dist-min@4.1.2 echarts@6.1.0``, then untar) and pass the files::

    python benchmarks/html_libraries.py --plotly PATH/plotly.min.js --echarts PATH/echarts.min.js

A page over ``--max-mb`` (default 400) is not written: its size is reported, its times
are not. Times are wall-clock on whatever else the machine runs; compare within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

PAINT = "new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now()))))"

PAGES = {
    "plotly": """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<div id="c" style="width:1000px;height:420px"></div><script>{lib}</script><script>
const y = {data};
window.done = Plotly.newPlot('c', [{{y: y, type: 'scatter', mode: 'lines', line: {{shape: 'hv'}}}}],
  {{margin: {{t: 20}}}}).then(() => {{ window.drawn = performance.now(); }});
window.zoomTo = (a, b) => Plotly.relayout('c', {{'xaxis.range': [a, b]}});
</script></body></html>""",
    "echarts": """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<div id="c" style="width:1000px;height:420px"></div><script>{lib}</script><script>
const y = {data};
const chart = echarts.init(document.getElementById('c'));
chart.setOption({{animation: false, xAxis: {{type: 'value'}}, yAxis: {{type: 'value'}},
  dataZoom: [{{type: 'inside'}}], series: [{{type: 'line', data: y.map((v, i) => [i, v]), showSymbol: false,
  sampling: 'lttb', large: true, step: 'start'}}]}});
window.drawn = performance.now();
window.zoomTo = (a, b) => chart.dispatchAction({{type: 'dataZoom', startValue: a, endValue: b}});
</script></body></html>""",
}


def values(n: int):
    import lrviz

    cfg = {
        "title": f"cosine {n}",
        "steps": n,
        "optimizer": {"name": "SGD", "lr": 0.1},
        "schedules": [{"label": "cosine", "scheduler": "CosineAnnealingLR", "params": {"T_max": n}}],
    }
    return lrviz.simulate(cfg, force=True) if n > 5_000_000 else lrviz.simulate(cfg)


def measure(chrome, path: Path, n: int, kind: str) -> dict:
    chrome.events.clear()
    chrome.send("Page.navigate", {"url": path.as_uri()})
    chrome.wait_for("Page.loadEventFired", 600)
    # lrviz's page: drawn (first paint) once readyAt is set; zoomed once the exact values are parsed too
    ready = "document.querySelector('.lrviz-figure').dataset.ready === 'yes'" if kind == "uplot" else "window.drawn"
    deadline = time.monotonic() + 600
    while not chrome.evaluate(ready):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} never drew")
        time.sleep(0.01)
    paint = chrome.evaluate("lrvizFigures[0].readyAt" if kind == "uplot" else PAINT)
    zoom = "lrvizFigures[0].zoom(a, b)" if kind == "uplot" else "window.zoomTo(a, b)"
    lat = []
    for _ in range(3):
        for a, b in ((0.495 * n, 0.505 * n), (0, n)):
            lat.append(
                chrome.evaluate(
                    f"(async () => {{ const a = {a}, b = {b}, t = performance.now(); await {zoom};"
                    f" return (await {PAINT}) - t; }})()"
                )
            )
    zoom_in = sorted(lat[0::2])[1]
    return {"first_paint_ms": round(paint, 1), "zoom_ms": round(zoom_in, 1), "errors": chrome.errors()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--plotly", type=Path)
    parser.add_argument("--echarts", type=Path)
    parser.add_argument("--sizes", default="1000,100000,1000000,10000000")
    parser.add_argument("--max-mb", type=float, default=400)
    parser.add_argument("--out", type=Path, default=Path("/tmp/lrviz-html-bench"))
    args = parser.parse_args()

    from lrviz.render.html import render_html
    from lrviz.validate import PlotOptions
    from tests.test_browser import Chromium

    args.out.mkdir(parents=True, exist_ok=True)
    libs = {k: p.read_text() for k, p in (("plotly", args.plotly), ("echarts", args.echarts)) if p}
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(2)]  # see tests/test_html.py's chrome fixture
    chrome = Chromium(args.out / "profile", timeout=600)
    rows = []
    try:
        chrome.open_page()
        for n in (int(s) for s in args.sizes.split(",")):
            t = time.perf_counter()
            result = values(n)
            sim = time.perf_counter() - t
            t = time.perf_counter()
            page = render_html(result, PlotOptions())
            write = time.perf_counter() - t
            pages = {"uplot": page}
            data = None
            for kind, lib in libs.items():
                if data is None:
                    data = json.dumps(result.trajectories[0].lr[:, 0].tolist())
                pages[kind] = PAGES[kind].format(lib=lib, data=data).encode()
            for kind, body in pages.items():
                row = {"steps": n, "library": kind, "bytes": len(body)}
                if kind == "uplot":
                    row["python_s"] = round(write, 2)
                    row["simulate_s"] = round(sim, 2)
                if len(body) <= args.max_mb * 1e6:
                    path = args.out / f"{kind}-{n}.html"
                    path.write_bytes(body)
                    try:
                        row |= measure(chrome, path, n, kind)
                    except (TimeoutError, RuntimeError) as exc:
                        row["failed"] = str(exc)[:200]
                print(json.dumps(row), flush=True)
                rows.append(row)
    finally:
        chrome.close()
        for fd in held:
            os.close(fd)
    (args.out / "results.json").write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
