"""The documentation site's build time, cold and cached (issue 31).

The site (docs/) draws every figure while it builds (``.. lrviz::``), so its cost is the
figures'. Three builds of the same tree, as CI and a writer run them, each a whole
``python -m sphinx -W -n -b html`` process:

* **cold**: empty output and doctree folders (CI's build, .ci/run step 5): every page read,
  every figure simulated and rendered;
* **cached, -E**: every page read again, the figures from lrviz's cache in the doctree
  folder (what a writer's full rebuild costs);
* **no change**: nothing to read (Sphinx's own check of what changed).

The repetitions alternate cold / -E / no-change, so machine load falls on all three alike;
the cached builds are reported as ratios to the cold one beside them. The load other
processes put on the machine during each build is recorded (/proc/stat, as run.py does).

    python benchmarks/docs_build.py            # 3 repetitions
    python benchmarks/docs_build.py --reps 1
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from run import cpu_busy, load_avg, other_busy, run_process  # noqa: E402


def build(out: Path, *extra: str) -> dict:
    cmd = [sys.executable, "-m", "sphinx", "-W", "-n", "--keep-going", "-q", "-b", "html", *extra]
    cmd += [str(REPO / "docs"), str(out / "html"), "-d", str(out / "doctrees")]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    start = cpu_busy()
    res = run_process(cmd, cwd=REPO, env=env)
    end = cpu_busy()
    if res["rc"] != 0:
        raise SystemExit(f"the docs build failed:\n{res['stderr'][-3000:]}")
    cpu = end[2] - start[2] if start and end else float("nan")  # the build's own CPU seconds (children)
    return {"wall": res["wall"], "cpu": cpu, "others": other_busy(start), "rss": res["maxrss_mib"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args(argv)
    runs: dict[str, list[dict]] = {"cold": [], "cached -E": [], "no change": []}
    print(f"load average at start: {load_avg()}")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for rep in range(args.reps):
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir()
            runs["cold"].append(build(out))
            runs["cached -E"].append(build(out, "-E"))
            runs["no change"].append(build(out))
            print(f"rep {rep + 1}: " + ", ".join(f"{k} {v[-1]['wall']:.1f} s" for k, v in runs.items()))
        pages = len(list((out / "html").rglob("*.html")))
        figures = len(list((out / "html" / "_images").iterdir()))
    cold = [r["wall"] for r in runs["cold"]]
    print(f"\n{pages} pages, {figures} images; load average at end: {load_avg()}")
    print("| build | wall, median [min-max] | / cold | CPU s (the build's own) | other processes (cores) | peak RSS |")
    print("|---|---|---|---|---|---|")
    for name, rs in runs.items():
        walls = [r["wall"] for r in rs]
        ratio = statistics.median(w / c for w, c in zip(walls, cold, strict=True))
        others = ", ".join(str(r["others"]) for r in rs)
        print(
            f"| {name} | {statistics.median(walls):.1f} s [{min(walls):.1f}-{max(walls):.1f}] | {ratio:.3f} "
            f"| {statistics.median(r['cpu'] for r in rs):.1f} | {others} | {max(r['rss'] for r in rs):.0f} MiB |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
