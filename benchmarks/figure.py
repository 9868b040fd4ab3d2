"""The figure's own cost, in every process that draws one (issue 28), side by side.

Each comparison runs its two sides in one run, alternating, several repetitions, and
reports medians of CPU seconds (robust on a shared machine) and of wall seconds:

* warm plot: in one warm process (imports and a first figure done), ``lrviz.plot`` of
  configs/seeds/001 to a PNG against the same figure drawn by plain matplotlib code
  (benchmarks/handwritten/plain_figure.py: torch's loop, title, labels, step line,
  legend, constrained layout, savefig); target <= 1.3;
* warm cheat sheet: in one warm process, the cheat sheet (configs/seeds/000, PNG + SVG)
  against the sum of its 14 schedules drawn one by one (a config each, PNG + SVG);
  target <= 1.5;
* docs: a cold ``python -m sphinx`` build (empty output and doctree folders) of 25
  documents, each with one ``.. lrviz::`` figure, against the same 25 documents with
  the figures as static SVGs (``.. image::``), and the same cold build with the figures
  kept in ``lrviz_cache_dir`` by an earlier build (what CI does when it caches that
  folder); target <= 1.5;
* readers: ``lrviz.actual.read_actual`` of a Lightning ``metrics.csv`` and an HF
  ``trainer_state.json`` against ``csv.reader`` and ``json.load`` of the same file, each a
  separate process (benchmarks/actual_read.py's children); target <= 1.5, peak RSS kept.

Usage: python benchmarks/figure.py [--reps N] [--only plot,cheat,docs,readers] [--json OUT]
(run.py's ``figure`` section calls :func:`bench_figure`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SMALL = REPO / "configs" / "seeds" / "001-steplr-100-epochs.yaml"
CHEATSHEET = REPO / "configs" / "seeds" / "000-cheatsheet.yaml"
PARTS = ("plot", "cheat", "docs", "readers")
#: The lrviz tree the measured processes import (``--lrviz``: another checkout, for a before/after).
LRVIZ = [REPO]

# One warm process: imports, a first figure of each kind, then the sides alternating.
WARM = r"""
import io, json, sys, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
import yaml
import lrviz
from lrviz.render.plot import render_formats
from lrviz.validate import PlotOptions, load_config
from lrviz.simulate import simulate
import plain_figure

small, cheat, tmp, reps = sys.argv[2], sys.argv[3], Path(sys.argv[4]), int(sys.argv[5])
what = sys.argv[6]

def clock(fn):
    c, t = time.process_time(), time.perf_counter()
    fn()
    return time.process_time() - c, time.perf_counter() - t

sides = {}
if what == "plot":
    sides["lrviz.plot"] = lambda: lrviz.plot(small, tmp / "lrviz.png").clear()
    sides["plain matplotlib"] = lambda: plain_figure.draw(str(tmp / "plain.png"))
else:
    data = yaml.safe_load(Path(cheat).read_text())
    plot = {k: v for k, v in (data.get("plot") or {}).items() if k != "layout"}
    base = {k: v for k, v in data.items() if k not in ("schedules", "plot", "title", "description")}
    whole = simulate(load_config(cheat), jobs=1)
    whole_opts = PlotOptions.resolve(whole.config.plot)
    alone = []
    for s in data["schedules"]:
        one = simulate(load_config({**base, "title": s["label"], "schedules": [s], "plot": plot}), jobs=1)
        alone.append((one, PlotOptions.resolve(one.config.plot)))
    sides["cheat sheet"] = lambda: render_formats(whole, ["png", "svg"], whole_opts)
    sides["its panels one by one"] = lambda: [render_formats(r, ["png", "svg"], o) for r, o in alone]
for fn in sides.values():
    fn()  # warm: fonts, caches, the first figure
out = {k: {"cpu": [], "wall": []} for k in sides}
names = list(sides)
for r in range(reps):
    for name in names if r % 2 == 0 else names[::-1]:
        cpu, wall = clock(sides[name])
        out[name]["cpu"].append(cpu)
        out[name]["wall"].append(wall)
print(json.dumps(out))
"""


def _median(xs: list[float]) -> float:
    return statistics.median(xs)


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def warm(what: str, reps: int) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="lrviz-bench-figure-"))
    try:
        env = {**os.environ, "PYTHONPATH": str(LRVIZ[0]), "MPLBACKEND": "Agg"}
        args = [str(HERE / "handwritten"), str(SMALL), str(CHEATSHEET), str(tmp), str(reps), what]
        res = subprocess.run([sys.executable, "-c", WARM, *args], capture_output=True, text=True, env=env, cwd=tmp)
        if res.returncode:
            raise SystemExit(f"warm {what} failed: {res.stderr[-1500:]}")
        return json.loads(res.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run_cpu(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """(CPU seconds of the process and the children it waited for, wall seconds)."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{cmd} failed: {proc.stderr.read().decode()[-1500:] if proc.stderr else ''}")
    return usage.ru_utime + usage.ru_stime, wall


DOC_CONFIGS = (
    [f"torch/{p.name}" for p in sorted((REPO / "configs" / "torch").glob("*.yaml"))]
    + [f"seeds/{p.name}" for p in sorted((REPO / "configs" / "seeds").glob("*.yaml"))]
    + [f"compare/{p.name}" for p in sorted((REPO / "configs" / "compare").glob("*.yaml"))]
    + [f"custom/{p.name}" for p in sorted((REPO / "configs" / "custom").glob("*.yaml"))]
)


def docs_project(root: Path, static: bool, store: Path | None = None) -> Path:
    """25 documents, a figure each: the directive, or the same figure as a static SVG; ``store``:
    the directive's ``lrviz_cache_dir`` (figures kept across cold builds, as a CI cache keeps them)."""
    src = root / "src"
    (src / "configs").mkdir(parents=True)
    shutil.copytree(REPO / "configs", src / "configs", dirs_exist_ok=True)
    ext = '["lrviz.sphinxext"]' if not static else "[]"
    kept = f"lrviz_cache_dir = {str(store)!r}\n" if store else ""
    (src / "conf.py").write_text(f'extensions = {ext}\nproject = "bench"\nlrviz_trust = True\n{kept}')
    names = DOC_CONFIGS[:25]
    toc = "\n".join(f"   doc{i:02d}" for i in range(len(names)))
    (src / "index.rst").write_text(f"Bench\n=====\n\n.. toctree::\n\n{toc}\n")
    if static:
        from lrviz.render.plot import render_bytes
        from lrviz.simulate import simulate
        from lrviz.validate import PlotOptions, load_config

        (src / "img").mkdir()
    for i, rel in enumerate(names):
        if static:
            config = load_config(src / "configs" / rel, trust=True)
            svg = render_bytes(simulate(config, jobs=1), "svg", PlotOptions.resolve(config.plot))
            (src / "img" / f"{i:02d}.svg").write_bytes(svg)
            body = f".. image:: img/{i:02d}.svg\n"
        else:
            body = f".. lrviz:: configs/{rel}\n   :format: svg\n"
        (src / f"doc{i:02d}.rst").write_text(f"Doc {i}\n======\n\nA schedule.\n\n{body}")
    return src


def bench_docs(reps: int) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="lrviz-bench-docs-"))
    try:
        srcs = {
            "directive": docs_project(tmp / "d", static=False),
            "static images": docs_project(tmp / "s", True),
            "directive, lrviz_cache_dir kept": docs_project(tmp / "k", False, store=tmp / "store"),
        }
        env = {**os.environ, "PYTHONPATH": str(LRVIZ[0]), "MPLBACKEND": "Agg"}
        out: dict[str, dict[str, list[float]]] = {k: {"cpu": [], "wall": []} for k in srcs}
        names = list(srcs)
        kept = srcs["directive, lrviz_cache_dir kept"]  # filled once, untimed: the CI cache of an earlier run
        sphinx = [sys.executable, "-m", "sphinx", "-q", "-b", "html"]
        run_cpu([*sphinx, "-d", str(tmp / "warm" / "doctrees"), str(kept), str(tmp / "warm" / "html")], kept, env)
        for r in range(reps):
            for name in names[r % len(names) :] + names[: r % len(names)]:
                build = srcs[name].parent / "build"
                shutil.rmtree(build, ignore_errors=True)  # cold: no output, no doctrees (the store stays)
                cmd = [*sphinx, "-d", str(build / "doctrees"), str(srcs[name]), str(build / "html")]
                cpu, wall = run_cpu(cmd, srcs[name], env)
                out[name]["cpu"].append(cpu)
                out[name]["wall"].append(wall)
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def bench_readers(reps: int, csv_mb: int, json_entries: int) -> dict[str, Any]:
    sys.path.insert(0, str(HERE))
    import actual_read

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        csv_path, json_path = Path(tmp) / "metrics.csv", Path(tmp) / "trainer_state.json"
        actual_read.write_csv(csv_path, csv_mb)
        actual_read.write_json(json_path, json_entries)
        for label, path, baseline in (("metrics.csv", csv_path, "csv"), ("trainer_state.json", json_path, "json")):
            sides: dict[str, list[Any]] = {"baseline": [], "lrviz": []}
            for r in range(reps):
                for kind in (baseline, "lrviz") if r % 2 == 0 else ("lrviz", baseline):
                    sides["lrviz" if kind == "lrviz" else "baseline"].append(actual_read.measure(kind, path, 1))
            out[label] = {
                "baseline": baseline,
                "bytes": path.stat().st_size,
                "seconds": {k: [m[0] for m in v] for k, v in sides.items()},
                "cpu_seconds": {k: [m[4] for m in v] for k, v in sides.items()},
                "peak_mib": {k: max(m[2] for m in v) for k, v in sides.items()},
            }
    return out


def ratio(side: dict[str, list[float]], ref: dict[str, list[float]], key: str) -> float:
    return _median(side[key]) / _median(ref[key])


def bench_figure(reps: int = 7, only: tuple[str, ...] = PARTS, quick: bool = False) -> dict[str, Any]:
    res: dict[str, Any] = {"load_before": load(), "reps": reps, "ratios": {}}
    if "plot" in only:
        w = res["warm_plot"] = warm("plot", reps)
        res["ratios"]["warm lrviz.plot / plain matplotlib (cpu)"] = ratio(w["lrviz.plot"], w["plain matplotlib"], "cpu")
        res["ratios"]["warm lrviz.plot / plain matplotlib (wall)"] = ratio(
            w["lrviz.plot"], w["plain matplotlib"], "wall"
        )
    if "cheat" in only:
        w = res["warm_cheat"] = warm("cheat", max(3, reps // 2))
        res["ratios"]["warm cheat sheet / its panels one by one (cpu)"] = ratio(
            w["cheat sheet"], w["its panels one by one"], "cpu"
        )
    if "docs" in only:
        d = res["docs"] = bench_docs(max(2, reps // 3))
        res["ratios"]["docs cold build, directive / static images (cpu)"] = ratio(
            d["directive"], d["static images"], "cpu"
        )
        res["ratios"]["docs cold build, directive / static images (wall)"] = ratio(
            d["directive"], d["static images"], "wall"
        )
        kept = d["directive, lrviz_cache_dir kept"]
        res["ratios"]["docs cold build, figures kept in lrviz_cache_dir / static images (cpu)"] = ratio(
            kept, d["static images"], "cpu"
        )
        res["ratios"]["docs cold build, figures kept in lrviz_cache_dir / static images (wall)"] = ratio(
            kept, d["static images"], "wall"
        )
    if "readers" in only:
        r = res["readers"] = bench_readers(max(3, reps // 2), 20 if quick else 100, 100_000 if quick else 500_000)
        for label, v in r.items():
            res["ratios"][f"{label}: read_actual / {v['baseline']} (wall)"] = _median(v["seconds"]["lrviz"]) / _median(
                v["seconds"]["baseline"]
            )
            res["ratios"][f"{label}: read_actual / {v['baseline']} (cpu)"] = _median(
                v["cpu_seconds"]["lrviz"]
            ) / _median(v["cpu_seconds"]["baseline"])
    res["load_after"] = load()
    for name, part in res.items():
        if isinstance(part, dict) and name not in ("ratios",):
            for side, v in part.items():
                if isinstance(v, dict) and "cpu" in v:
                    print(f"  {name} / {side}: cpu {_median(v['cpu']):.3f} s, wall {_median(v['wall']):.3f} s")
    for label, value in res["ratios"].items():
        print(f"  {label:58s} {value:.3f}", flush=True)
    print(f"  load average before {res['load_before']}, after {res['load_after']}")
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--only", default=",".join(PARTS))
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--lrviz", type=Path, default=REPO, help="the lrviz checkout the measured processes import")
    args = ap.parse_args()
    LRVIZ[0] = args.lrviz.resolve()
    res = bench_figure(args.reps, tuple(args.only.split(",")), args.quick)
    if args.json:
        args.json.write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
