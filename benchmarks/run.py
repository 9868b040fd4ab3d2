"""lrviz performance, measured side by side against torch's own loops and users' scripts (issues 7, 17).

Every comparison of the issue runs here in one go, several repetitions each, and is
reported as median [min-max] with the ratio to its reference, then written as JSON:

* simulation: ``simulate()`` of one schedule vs the *bare loop* (``scheduler.step()``
  and reading each group's lr into a list, nothing else) and the *naive loop*
  (``optimizer.step()`` on real parameters with gradients, ``scheduler.step()``,
  ``get_last_lr()``); lrviz's values must equal the bare loop's bit for bit;
* rendering: ``render_bytes`` of a short and a very long trajectory;
* whole command: ``lrviz plot`` of a long schedule vs a process that imports torch,
  matplotlib and lrviz and runs the bare loop;
* parallel: a config of 4 schedules, serial vs worker processes (same values);
* start-up: ``lrviz --help``, ``lrviz list --help`` and a usage error, and which heavy
  modules they import;
* memory: peak RSS (VmHWM) of separate processes, lrviz vs the bare loop, 2 param groups;
* versus (issue 17): whole processes side by side, the order rotated every repetition:
  ``lrviz plot`` / ``lrviz show`` of configs/seeds/001 against the scripts a user writes
  instead (benchmarks/handwritten/: torch + pyplot, torch + print), and the cheat sheet
  (PNG + SVG) and ``lrviz gallery configs --trust`` (into an empty folder) against that
  small plot, and (issue 28) ``lrviz gallery configs/torch`` against what PyTorch's docs
  build does for its 15 scheduler images (benchmarks/handwritten/docs_images.py);
* export (issue 17): peak RSS of ``lrviz export`` (whole process) at 3M steps x 2 groups
  minus the same export at 1 step, against the recorded float64 arrays + 100 MiB, CSV
  and JSON; throughput after simulation; an export at the limit of 100M values
  (50M steps x 2 groups, CSV; ``--no-limit`` leaves it out).

Usage::

    python benchmarks/run.py            # the full run (about 20 minutes on 2 cores)
    python benchmarks/run.py --quick    # smaller sizes, fewer repetitions (about 1.5 minutes; writes no JSON)
    python benchmarks/run.py --only sim,parallel --json out.json

Times are wall-clock; run it on a quiet machine (the load average is recorded).
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from figure import bench_figure

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SECTIONS = ("startup", "sim", "parallel", "render", "command", "memory", "versus", "figure", "export")
HANDWRITTEN = HERE / "handwritten"
SMALL = REPO / "configs" / "seeds" / "001-steplr-100-epochs.yaml"
CHEATSHEET = REPO / "configs" / "seeds" / "000-cheatsheet.yaml"
#: lrviz's limit of recorded lr values (lrviz.limits.MAX_VALUES), as steps of a 2-group export.
MAX_VALUES_STEPS = 50_000_000

# --------------------------------------------------------------------------- schedules
# Each case: a config for lrviz, and the same scheduler built directly with torch.


def cases(n: int) -> dict[str, tuple[dict, Callable[[Any, int], Any]]]:
    from torch.optim import lr_scheduler as L

    warm = max(1, n // 100)
    return {
        "StepLR": (
            {"scheduler": "StepLR", "params": {"step_size": max(1, n // 10), "gamma": 0.5}},
            lambda o, n: L.StepLR(o, step_size=max(1, n // 10), gamma=0.5),
        ),
        "CosineAnnealingLR": (
            {"scheduler": "CosineAnnealingLR", "params": {"T_max": n, "eta_min": 1e-5}},
            lambda o, n: L.CosineAnnealingLR(o, T_max=n, eta_min=1e-5),
        ),
        "OneCycleLR": (
            {"scheduler": "OneCycleLR", "params": {"max_lr": 1.0, "total_steps": n}},
            lambda o, n: L.OneCycleLR(o, max_lr=1.0, total_steps=n),
        ),
        "CyclicLR": (
            {"scheduler": "CyclicLR", "params": {"base_lr": 0.001, "max_lr": 0.1, "step_size_up": 2000}},
            lambda o, n: L.CyclicLR(o, base_lr=0.001, max_lr=0.1, step_size_up=2000),
        ),
        "warmup+cosine SequentialLR": (
            {
                "scheduler": "SequentialLR",
                "params": {
                    "schedulers": [
                        {"scheduler": "LinearLR", "params": {"start_factor": 0.01, "total_iters": warm}},
                        {"scheduler": "CosineAnnealingLR", "params": {"T_max": n - warm}},
                    ],
                    "milestones": [warm],
                },
            },
            lambda o, n: L.SequentialLR(
                o,
                [L.LinearLR(o, start_factor=0.01, total_iters=warm), L.CosineAnnealingLR(o, T_max=n - warm)],
                milestones=[warm],
            ),
        ),
    }


OPTIMIZER = {"name": "SGD", "lr": 0.1, "momentum": 0.9}  # lrviz's default optimizer, spelled out


def torch_optimizer(group_lrs=(0.1,), shape=(2, 2), grads=False):
    import torch

    params = []
    groups = []
    for lr in group_lrs:
        p = torch.zeros(shape, requires_grad=True)
        if grads:
            p.grad = torch.randn(shape)
        params.append(p)
        groups.append({"params": [p], "lr": lr})
    return torch.optim.SGD(groups, lr=0.1, momentum=0.9)


def bare_loop(make_scheduler, n: int, group_lrs=(0.1,)) -> list[list[float]]:
    """The limit: scheduler.step() and each group's lr into a list, nothing else."""
    optimizer = torch_optimizer(group_lrs)
    scheduler = make_scheduler(optimizer, n)
    optimizer.step()  # once, so torch's order check is satisfied as in lrviz
    groups = optimizer.param_groups
    out: list[list[float]] = [[] for _ in groups]
    step = scheduler.step
    for _ in range(n):
        for lrs, g in zip(out, groups):  # noqa: B905 - the reference loop as the issue defines it: strict= costs a keyword per step
            lrs.append(g["lr"])
        step()
    return out


def naive_loop(make_scheduler, n_schedule: int, n_run: int) -> list[list[float]]:
    """What the articles do: a real optimizer step on real parameters, then the scheduler."""
    optimizer = torch_optimizer(shape=(16, 16), grads=True)
    scheduler = make_scheduler(optimizer, n_schedule)
    out = []
    for _ in range(n_run):
        optimizer.step()
        scheduler.step()
        out.append(scheduler.get_last_lr())
    return out


# --------------------------------------------------------------------------- helpers


CPU_TIMES: list[float] = []  # process CPU time of each clock() call, for the sim section's cross-check


def clock(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Wall time of ``fn()`` (CPU time of this process goes to CPU_TIMES)."""
    gc.collect()
    c = time.process_time()
    t = time.perf_counter()
    value = fn()
    wall = time.perf_counter() - t
    CPU_TIMES.append(time.process_time() - c)
    return wall, value


def summary(xs: list[float]) -> dict[str, Any]:
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "runs": xs}


def fmt_s(s: dict[str, Any], scale: float = 1.0, unit: str = "s", digits: int = 3) -> str:
    return f"{s['median'] * scale:.{digits}f}{unit} [{s['min'] * scale:.{digits}f}-{s['max'] * scale:.{digits}f}]"


def same_bits(a, b) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def load_avg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def cpu_busy() -> tuple[float, float, float] | None:
    """(wall, machine-wide busy CPU seconds, this process tree's CPU seconds) now."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    busy = (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")
    t = os.times()
    return time.perf_counter(), busy, t.user + t.system + t.children_user + t.children_system


def other_busy(start: tuple[float, float, float] | None) -> float | None:
    """Cores kept busy by *other* processes since ``start``: the contention a result saw."""
    end = cpu_busy()
    if start is None or end is None:
        return None
    wall = end[0] - start[0]
    return round(max(0.0, (end[1] - start[1]) - (end[2] - start[2])) / wall, 2) if wall > 0 else None


def run_process(cmd: list[str], cwd: Path | None = None, env: dict | None = None) -> dict[str, Any]:
    """Wall time, peak RSS (MiB, from wait4) and exit code of one child process.

    By default the child runs in this checkout's root: ``python -c`` puts its current folder
    first on sys.path, and run from another checkout it would import that one's lrviz."""
    with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe:
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd or REPO, env=env, stdout=fo, stderr=fe)
        _, status, usage = os.wait4(proc.pid, 0)  # reaps the child and gives its own peak RSS
        wall = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        fo.seek(0)
        fe.seek(0)
        out, errout = fo.read(), fe.read()
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,  # with the children it waited for (the gallery's workers)
        "maxrss_mib": usage.ru_maxrss / 1024,
        "rc": proc.returncode,
        "stdout": out.decode(errors="replace"),
        "stderr": errout.decode(errors="replace"),
    }


def machine() -> dict[str, Any]:
    import torch

    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from lrviz.executor import available_cores

    mem = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores_usable": available_cores(),
        "cpu_count": os.cpu_count(),
        "memory": mem,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "platform": platform.platform(),
    }


# --------------------------------------------------------------------------- sections


def bench_sim(n: int, reps: int, n_naive: int, reps_naive: int) -> dict[str, Any]:
    import numpy as np

    from lrviz.simulate import simulate
    from lrviz.validate import load_config

    out: dict[str, Any] = {"steps": n, "naive_steps": n_naive, "schedules": {}}
    # Warm up: the first optimizer made in a process imports torch._dynamo (about a
    # second), which belongs to neither side; the whole-command section counts it.
    for spec, make in cases(1000).values():
        bare_loop(make, 1000)
        simulate(load_config({"steps": 1000, "optimizer": OPTIMIZER, **spec}))
    for name, (spec, make) in cases(n).items():
        times: dict[str, list[float]] = {"bare": [], "lrviz": [], "naive": []}
        cpu: dict[str, list[float]] = {"bare": [], "lrviz": []}
        for r in range(reps):
            # alternate the order, so a slow patch of the machine does not favour one side
            order = ("bare", "lrviz") if r % 2 == 0 else ("lrviz", "bare")
            for which in order:
                if which == "bare":
                    dt, bare = clock(lambda make=make: bare_loop(make, n))
                    times["bare"].append(dt)
                    cpu["bare"].append(CPU_TIMES[-1])
                    bare_arr = np.array(bare, dtype=np.float64).T
                    del bare
                else:
                    dt, result = clock(
                        lambda spec=spec: simulate(load_config({"steps": n, "optimizer": OPTIMIZER, **spec}), jobs=1)
                    )
                    times["lrviz"].append(dt)
                    cpu["lrviz"].append(CPU_TIMES[-1])
                    lr = result.trajectories[0].lr
                    del result
            if not same_bits(lr, bare_arr):
                raise SystemExit(f"{name}: lrviz values differ from the bare torch loop")
            del lr, bare_arr
        for _ in range(reps_naive):
            dt, _ = clock(lambda make=make: naive_loop(make, n, n_naive))
            times["naive"].append(dt)
        bare_s, lrviz_s = summary(times["bare"]), summary(times["lrviz"])
        naive_s = summary([t / n_naive * n for t in times["naive"]])  # scaled to n steps (cost per step is constant)
        out["schedules"][name] = {
            "bare": bare_s,
            "lrviz": lrviz_s,
            "naive_scaled": naive_s,
            "naive_raw": summary(times["naive"]),
            "ratio_vs_bare": lrviz_s["median"] / bare_s["median"],
            "cpu": {
                "bare": summary(cpu["bare"]),
                "lrviz": summary(cpu["lrviz"]),
                "ratio_vs_bare": statistics.median(cpu["lrviz"]) / statistics.median(cpu["bare"]),
            },
            "speedup_vs_naive": naive_s["median"] / lrviz_s["median"],
            "us_per_step": {
                k: v["median"] / n * 1e6 for k, v in (("bare", bare_s), ("lrviz", lrviz_s), ("naive", naive_s))
            },
            "bit_identical": True,
        }
        print(
            f"  {name:28s} bare {bare_s['median'] / n * 1e6:5.2f} us/step  lrviz {lrviz_s['median'] / n * 1e6:5.2f}  "
            f"naive {naive_s['median'] / n * 1e6:5.2f}  ratio {out['schedules'][name]['ratio_vs_bare']:.3f} "
            f"(CPU time {out['schedules'][name]['cpu']['ratio_vs_bare']:.3f})  "
            f"x{out['schedules'][name]['speedup_vs_naive']:.1f} vs naive",
            flush=True,
        )
    return out


def four_schedules(n: int) -> dict:
    c = cases(n)
    return {
        "steps": n,
        "optimizer": OPTIMIZER,
        "schedules": [c[k][0] for k in ("StepLR", "CosineAnnealingLR", "OneCycleLR", "CyclicLR")],
    }


def bench_parallel(n: int, reps: int, methods: bool) -> dict[str, Any]:
    from lrviz.executor import available_cores, start_method
    from lrviz.simulate import plan_workers, simulate
    from lrviz.validate import load_config

    simulate(load_config(four_schedules(1000)))  # warm-up (first optimizer imports torch._dynamo)
    cfg = load_config(four_schedules(n))
    workers = plan_workers(None, len(cfg.schedules), cfg.steps * len(cfg.schedules), start_method("cpu"))
    serial_t, par_t = [], []
    for r in range(reps):
        order = ("serial", "parallel") if r % 2 == 0 else ("parallel", "serial")
        for which in order:
            if which == "serial":
                dt, serial = clock(lambda: simulate(cfg, jobs=1))
                serial_t.append(dt)
            else:
                dt, par = clock(lambda: simulate(cfg, jobs=None))
                par_t.append(dt)
        for a, b in zip(serial.trajectories, par.trajectories, strict=True):
            if not (same_bits(a.lr, b.lr) and same_bits(a.momentum, b.momentum)):
                raise SystemExit("parallel values differ from serial")
        del serial, par
    s, p = summary(serial_t), summary(par_t)
    out = {
        "steps": n,
        "schedules": 4,
        "cores": available_cores(),
        "workers": workers,
        "start_method": start_method("cpu"),
        "serial": s,
        "parallel": p,
        "ratio": p["median"] / s["median"],
        "bit_identical": True,
    }
    print(
        f"  4 x {n:,} steps: serial {fmt_s(s)}  parallel ({workers} workers, {out['start_method']}) {fmt_s(p)}  "
        f"ratio {out['ratio']:.3f}",
        flush=True,
    )
    if methods:
        out["methods"] = {}
        for method in ("fork", "forkserver", "spawn"):
            dt, trajs = clock(lambda method=method: simulate(cfg, device="cpu", jobs=None, start_method=method))
            del trajs
            out["methods"][method] = {"seconds": dt, "ratio_vs_serial_median": dt / s["median"]}
            print(f"    start method {method:10s} {dt:.2f}s  ratio {dt / s['median']:.3f}", flush=True)
    return out


def bench_render(sizes: tuple[int, ...], reps: int) -> dict[str, Any]:
    """Render time and file size at a short, a middle and a very long trajectory.

    The time target compares the longest with the shortest; the size is "bounded"
    when it stops growing once the run has more steps than the figure has pixel
    columns (compare the middle size with the longest).
    """
    from lrviz.render.plot import PlotOptions, render_bytes
    from lrviz.simulate import simulate
    from lrviz.validate import load_config

    out: dict[str, Any] = {"sizes": list(sizes), "formats": {}}
    results = {}
    for n in sizes:
        spec, _ = cases(n)["OneCycleLR"]  # lr and momentum both vary: two panels of lines
        dt, results[n] = clock(
            lambda n=n, spec=spec: simulate(load_config({"steps": n, "optimizer": OPTIMIZER, **spec}))
        )
        out.setdefault("simulate_seconds", {})[str(n)] = dt
    opts = PlotOptions()
    for fmt in ("png", "svg"):
        row: dict[str, Any] = {}
        for n in sizes:
            render_bytes(results[n], fmt, opts)  # warm: fonts, caches
            times, size = [], 0
            for _ in range(reps):
                dt, data = clock(lambda n=n, fmt=fmt: render_bytes(results[n], fmt, opts))
                times.append(dt)
                size = len(data)
            row[str(n)] = {"time": summary(times), "bytes": size}
        small, mid, big = (row[str(n)] for n in sizes)
        row["ratio"] = big["time"]["median"] / small["time"]["median"]
        row["size_ratio_long_vs_mid"] = big["bytes"] / mid["bytes"]
        out["formats"][fmt] = row
        print(
            f"  {fmt}: "
            + "   ".join(f"{n:,} steps {fmt_s(row[str(n)]['time'])} {row[str(n)]['bytes']:,} B" for n in sizes)
            + f"   time ratio {row['ratio']:.2f}",
            flush=True,
        )
    return out


BASELINE_PROCESS = """
import sys, time
t0 = time.perf_counter()
import torch, matplotlib, matplotlib.figure, matplotlib.backends.backend_agg, lrviz
from torch.optim import lr_scheduler as L
n = int(sys.argv[1])
p = torch.zeros(2, 2, requires_grad=True)
opt = torch.optim.SGD([p], lr=0.1, momentum=0.9)
sched = L.OneCycleLR(opt, max_lr=1.0, total_steps=n)
opt.step()
groups = opt.param_groups
out = [[] for _ in groups]
step = sched.step
for _ in range(n):
    for lrs, g in zip(out, groups):
        lrs.append(g["lr"])
    step()
"""

PIECES_PROCESS = """
import sys, time, json
t = [time.perf_counter()]
import torch; t.append(time.perf_counter())
import matplotlib, matplotlib.figure, matplotlib.backends.backend_agg; t.append(time.perf_counter())
import lrviz.cli, lrviz.simulate, lrviz.render.plot; t.append(time.perf_counter())
p = torch.zeros(2, 2, requires_grad=True)
opt = torch.optim.SGD([p], lr=0.1, momentum=0.9); t.append(time.perf_counter())
print(json.dumps({"import torch": t[1] - t[0], "import matplotlib (+figure, agg)": t[2] - t[1],
                  "import lrviz (cli, simulate, render)": t[3] - t[2],
                  "first optimizer (torch._dynamo import)": t[4] - t[3]}))
"""


def bench_command(n: int, reps: int) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="lrviz-bench-"))
    spec, _ = cases(n)["OneCycleLR"]
    import yaml

    (tmp / "onecycle.yaml").write_text(yaml.safe_dump({"steps": n, "optimizer": OPTIMIZER, **spec}, sort_keys=False))
    env = {**os.environ, "MPLBACKEND": "Agg"}
    lrviz_cmd = [sys.executable, "-m", "lrviz", "plot", "onecycle.yaml", "-o", str(tmp), "--format", "png"]
    base_cmd = [sys.executable, "-c", BASELINE_PROCESS, str(n)]
    lt, bt = [], []
    for r in range(reps):
        order = (("lrviz", lrviz_cmd), ("base", base_cmd)) if r % 2 == 0 else (("base", base_cmd), ("lrviz", lrviz_cmd))
        for which, cmd in order:
            res = run_process(cmd, cwd=tmp, env=env)
            if res["rc"] != 0:
                raise SystemExit(f"{' '.join(cmd[:4])} failed: {res['stderr'][-800:]}")
            (lt if which == "lrviz" else bt).append(res["wall"])
    pieces = json.loads(run_process([sys.executable, "-c", PIECES_PROCESS], env=env)["stdout"])
    lrv, base = summary(lt), summary(bt)
    out = {
        "steps": n,
        "scheduler": "OneCycleLR",
        "format": "png",
        "lrviz_plot": lrv,
        "baseline": base,
        "ratio": lrv["median"] / base["median"],
        "baseline_pieces": pieces,
    }
    print(
        f"  lrviz plot {n:,} steps {fmt_s(lrv)}  baseline (imports + bare loop) {fmt_s(base)}  "
        f"ratio {out['ratio']:.3f}",
        flush=True,
    )
    print("    pieces: " + ", ".join(f"{k} {v:.2f}s" for k, v in pieces.items()), flush=True)
    return out


def bench_startup(reps: int) -> dict[str, Any]:
    exe = Path(sys.executable).parent / "lrviz"
    lrviz = [str(exe)] if exe.exists() else [sys.executable, "-m", "lrviz"]
    cmds = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "python -c 'import torch'": [sys.executable, "-c", "import torch"],
        "lrviz --help": lrviz + ["--help"],
        "lrviz list --help": lrviz + ["list", "--help"],
        "lrviz export (usage error)": lrviz + ["export"],
        "lrviz export x.yaml --steps many (usage error)": lrviz + ["export", "x.yaml", "--steps", "many"],
    }
    out: dict[str, Any] = {}
    for name, cmd in cmds.items():
        times = [run_process(cmd)["wall"] for _ in range(reps)]
        heavy = None
        if name.startswith("lrviz"):
            res = run_process([sys.executable, "-X", "importtime", "-m", "lrviz", *cmd[len(lrviz) :]])
            mods = [ln.rsplit("|", 1)[-1].strip() for ln in res["stderr"].splitlines() if ln.startswith("import time:")]
            heavy = sorted({m.split(".")[0] for m in mods if m.split(".")[0] in ("torch", "matplotlib", "numpy")})
        out[name] = {"time": summary(times), "heavy_imports": heavy}
        print(
            f"  {name:48s} {fmt_s(summary(times))}"
            + (f"  heavy imports: {heavy or 'none'}" if heavy is not None else ""),
            flush=True,
        )
    return out


MEMORY_PROCESS = """
import sys, json


def peak_mib():
    # VmHWM: this process's own high-water mark. Not ru_maxrss: Linux folds the
    # parent's peak into a child's ru_maxrss at exec, so a big parent would inflate it.
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


which, sched, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
import torch
from torch.optim import lr_scheduler as L
make = {"StepLR": lambda o: L.StepLR(o, step_size=max(1, n // 10), gamma=0.5),
        "CosineAnnealingLR": lambda o: L.CosineAnnealingLR(o, T_max=n, eta_min=1e-5)}[sched]
spec = {"StepLR": {"scheduler": "StepLR", "params": {"step_size": max(1, n // 10), "gamma": 0.5}},
        "CosineAnnealingLR": {"scheduler": "CosineAnnealingLR", "params": {"T_max": n, "eta_min": 1e-5}}}[sched]
if which == "bare":
    ps = [torch.zeros(2, 2, requires_grad=True) for _ in range(2)]
    opt = torch.optim.SGD([{"params": [ps[0]], "lr": 0.1}, {"params": [ps[1]], "lr": 0.01}], lr=0.1, momentum=0.9)
    s = make(opt); opt.step()
    groups = opt.param_groups; out = [[] for _ in groups]; step = s.step
    for _ in range(n):
        for lrs, g in zip(out, groups):
            lrs.append(g["lr"])
        step()
    print(json.dumps({"recorded_bytes": 0, "peak_mib": peak_mib()}))
elif which == "lrviz":
    from lrviz.simulate import simulate
    import lrviz.validate
    cfg = lrviz.validate.load_config({"steps": n, "optimizer": {"name": "SGD", "lr": 0.1, "momentum": 0.9,
                                    "param_groups": [{"lr": 0.1}, {"lr": 0.01}]}, **spec})
    t = simulate(cfg).trajectories[0]
    print(json.dumps({"recorded_bytes": t.lr.nbytes + (t.momentum.nbytes if t.momentum is not None else 0),
                      "peak_mib": peak_mib()}))
else:  # imports and one optimizer only: the floor both sides share
    import lrviz.simulate, lrviz.validate
    ps = [torch.zeros(2, 2, requires_grad=True) for _ in range(2)]
    opt = torch.optim.SGD([{"params": [ps[0]], "lr": 0.1}, {"params": [ps[1]], "lr": 0.01}], lr=0.1, momentum=0.9)
    print(json.dumps({"recorded_bytes": 0, "peak_mib": peak_mib()}))
"""


def bench_memory(n: int) -> dict[str, Any]:
    out: dict[str, Any] = {"steps": n, "groups": 2, "schedules": {}}
    for sched in ("StepLR", "CosineAnnealingLR"):
        row = {}
        for which in ("floor", "bare", "lrviz"):
            res = run_process([sys.executable, "-c", MEMORY_PROCESS, which, sched, str(n)])
            if res["rc"] != 0:
                raise SystemExit(f"memory {which} failed: {res['stderr'][-800:]}")
            row[which] = {"wait4_maxrss_mib": res["maxrss_mib"], **json.loads(res["stdout"])}
        recorded = row["lrviz"]["recorded_bytes"] / 2**20
        limit = row["bare"]["peak_mib"] + 2 * recorded
        row.update(recorded_mib=recorded, limit_mib=limit, met=row["lrviz"]["peak_mib"] <= limit)
        out["schedules"][sched] = row
        print(
            f"  {sched:18s} peak RSS: imports {row['floor']['peak_mib']:.0f} MiB, "
            f"bare loop {row['bare']['peak_mib']:.0f} MiB, "
            f"lrviz {row['lrviz']['peak_mib']:.0f} MiB; recorded arrays {recorded:.0f} MiB; "
            f"limit {limit:.0f} MiB",
            flush=True,
        )
    return out


# --------------------------------------------------------------------------- issue 17: whole commands


def lrviz_exe() -> list[str]:
    exe = Path(sys.executable).parent / "lrviz"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "lrviz"]


def bench_versus(reps: int, gallery: bool = True) -> dict[str, Any]:
    """Whole processes, side by side in one run, the order rotated every repetition:
    ``lrviz plot`` / ``show`` of the small config against the scripts a user writes
    instead (benchmarks/handwritten/), and the cheat sheet and the gallery against the
    small plot."""
    tmp = Path(tempfile.mkdtemp(prefix="lrviz-bench-versus-"))
    lrviz = lrviz_exe()
    cmds: dict[str, list[str]] = {
        "lrviz plot (small)": lrviz + ["plot", str(SMALL), "-o", str(tmp / "small")],
        "script: torch + pyplot": [sys.executable, str(HANDWRITTEN / "plot_steplr.py"), str(tmp / "script.png")],
        "lrviz show (small)": lrviz + ["show", str(SMALL)],
        "script: torch + print": [sys.executable, str(HANDWRITTEN / "print_steplr.py")],
        "lrviz plot cheat sheet (png+svg)": lrviz
        + ["plot", str(CHEATSHEET), "-o", str(tmp / "cheat"), "-f", "png,svg"],
    }
    if gallery:
        gallery_cmd = ["gallery", str(REPO / "configs"), "-o", str(tmp / "g"), "--trust"]
        cmds["lrviz gallery configs --trust"] = lrviz + gallery_cmd
        # the 15 torch schedulers: lrviz's gallery of them against what PyTorch's docs build runs (issue 28)
        cmds["lrviz gallery configs/torch"] = lrviz + ["gallery", str(REPO / "configs" / "torch"), "-o", str(tmp / "g")]
        cmds["script: docs images (15 PNG)"] = [sys.executable, str(HANDWRITTEN / "docs_images.py"), str(tmp / "d")]
    env = {**os.environ, "MPLBACKEND": "Agg", "COLUMNS": "100"}
    times: dict[str, list[float]] = {k: [] for k in cmds}
    cpus: dict[str, list[float]] = {k: [] for k in cmds}
    names = list(cmds)
    for r in range(reps):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            for folder in ("g", "d"):  # every gallery (and docs-images) run starts from an empty folder
                shutil.rmtree(tmp / folder, ignore_errors=True)
            res = run_process(cmds[name], cwd=tmp, env=env)
            if res["rc"] != 0:
                raise SystemExit(f"{name} failed ({res['rc']}): {res['stderr'][-800:]}")
            times[name].append(res["wall"])
            cpus[name].append(res["cpu"])
    out: dict[str, Any] = {"reps": reps, "times": {k: summary(v) for k, v in times.items()}, "ratios": {}}
    out["cpu"] = {k: summary(v) for k, v in cpus.items()}
    med = {k: v["median"] for k, v in out["times"].items()}
    pairs = [
        ("plot / script (torch + pyplot)", "lrviz plot (small)", "script: torch + pyplot"),
        ("show / script (torch + print)", "lrviz show (small)", "script: torch + print"),
        ("cheat sheet / small plot", "lrviz plot cheat sheet (png+svg)", "lrviz plot (small)"),
        ("gallery / small plot", "lrviz gallery configs --trust", "lrviz plot (small)"),
        ("torch gallery / docs-style script", "lrviz gallery configs/torch", "script: docs images (15 PNG)"),
    ]
    cpu = {k: v["median"] for k, v in out["cpu"].items()}
    for label, a, b in pairs:
        if a in med and b in med:
            out["ratios"][label] = med[a] / med[b]
            out["ratios"][f"{label} (cpu)"] = cpu[a] / cpu[b]
    for name, t in out["times"].items():
        print(f"  {name:38s} {fmt_s(t)}  cpu {fmt_s(out['cpu'][name])}", flush=True)
    for label, ratio in out["ratios"].items():
        print(f"  {label:38s} {ratio:.3f}", flush=True)
    return out


# Runs the real CLI in this process and reports its own peak RSS (VmHWM) at exit.
CLI_PEAK = """
import json, sys, time
report, sys.argv = sys.argv[1], ["lrviz", *sys.argv[2:]]
t0 = time.perf_counter()
code = 0
try:
    from lrviz.cli import main
    main()
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
peak = None
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        peak = int(line.split()[1]) / 1024
json.dump({"code": code, "peak_mib": peak, "seconds": time.perf_counter() - t0}, open(report, "w"))
"""

# Simulation alone, then the export alone: values per second of the export after simulation.
EXPORT_SPEED = """
import json, sys, time, tempfile, os
from pathlib import Path
fmt, n = sys.argv[1], int(sys.argv[2])
from lrviz.validate import load_config
from lrviz.simulate import simulate
import importlib
ex = importlib.import_module("lrviz.export")  # the module: lrviz.export is also the API's function
cfg = load_config(json.loads(sys.argv[3]))
result = simulate(cfg, jobs=1)
values = sum(t.lr.size for t in result.trajectories)
target = Path(tempfile.mkdtemp(prefix="lrviz-bench-speed-")) / f"out.{fmt}"
t = time.perf_counter()
if hasattr(ex, "write_export"):
    ex.write_export(result, target, fmt)
else:  # before issue 17: the whole text, then the atomic write
    from lrviz.io import atomic_write
    atomic_write(target, ex.to_csv(result) if fmt == "csv" else ex.to_json(result))
dt = time.perf_counter() - t
size = target.stat().st_size
target.unlink()
print(json.dumps({"values": values, "seconds": dt, "values_per_second": values / dt, "bytes": size}))
"""


def export_config(n: int, scheduler: str = "CosineAnnealingLR") -> dict[str, Any]:
    """n steps x 2 param groups, SGD with momentum: 2n recorded lr values, 2n momentum values."""
    params = {"T_max": n, "eta_min": 1e-5} if scheduler == "CosineAnnealingLR" else {"step_size": max(1, n // 10)}
    return {
        "steps": n,
        "optimizer": {"name": "SGD", "lr": 0.1, "momentum": 0.9, "param_groups": [{"lr": 0.1}, {"lr": 0.01}]},
        "scheduler": scheduler,
        "params": params,
    }


def export_peak(tmp: Path, fmt: str, n: int) -> dict[str, Any]:
    import yaml

    cfg = tmp / f"export-{n}.yaml"
    cfg.write_text(yaml.safe_dump(export_config(n), sort_keys=False))
    report = tmp / "peak.json"
    out = tmp / f"out-{n}.{fmt}"
    res = run_process([sys.executable, "-c", CLI_PEAK, str(report), "export", str(cfg), "-o", str(out)], cwd=tmp)
    data = json.loads(report.read_text()) if report.exists() else {"code": res["rc"], "peak_mib": None}
    if data["code"] != 0:
        raise SystemExit(f"export {n} {fmt} failed ({data['code']}): {res['stderr'][-800:]}")
    data["bytes"] = out.stat().st_size
    data["wall"] = res["wall"]
    out.unlink()
    return data


def bench_export(n: int, limit_steps: int | None, speed_n: int) -> dict[str, Any]:
    """Peak RSS of ``lrviz export`` (whole process) at n steps minus at 1 step, against the
    recorded float64 arrays + 100 MiB; CSV and JSON throughput after simulation; and,
    with ``limit_steps``, an export at the limit of recorded values."""
    tmp = Path(tempfile.mkdtemp(prefix="lrviz-bench-export-"))
    out: dict[str, Any] = {"steps": n, "groups": 2, "formats": {}}
    sizes = [n] + ([limit_steps] if limit_steps else [])
    for fmt in ("csv", "json"):
        row: dict[str, Any] = {"one_step": export_peak(tmp, fmt, 1)}
        for size in sizes if fmt == "csv" else [n]:
            got = export_peak(tmp, fmt, size)
            recorded = size * 2 * 2 * 8 / 2**20  # lr and momentum, 2 groups, float64
            got.update(
                recorded_mib=recorded,
                over_one_step_mib=got["peak_mib"] - row["one_step"]["peak_mib"],
                limit_mib=recorded + 100,
            )
            got["met"] = got["over_one_step_mib"] <= got["limit_mib"]
            row[str(size)] = got
            print(
                f"  {fmt} {size:,} steps x 2 groups: peak {got['peak_mib']:.0f} MiB, "
                f"{got['over_one_step_mib']:.0f} MiB over 1 step (limit {got['limit_mib']:.0f}), "
                f"{got['bytes'] / 1e6:.0f} MB written, {got['wall']:.1f} s",
                flush=True,
            )
        res = run_process([sys.executable, "-c", EXPORT_SPEED, fmt, str(speed_n), json.dumps(export_config(speed_n))])
        if res["rc"] != 0:
            raise SystemExit(f"export speed {fmt} failed: {res['stderr'][-800:]}")
        speed = json.loads(res["stdout"])
        row["speed"] = speed
        print(
            f"  {fmt} after simulation: {speed['values_per_second'] / 1e6:.2f}M values/s "
            f"({speed['values']:,} values, {speed['seconds']:.2f} s)",
            flush=True,
        )
        out["formats"][fmt] = row
    return out


# --------------------------------------------------------------------------- targets


def targets(res: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []

    def add(name, value, limit, ok, note=""):
        rows.append({"target": name, "value": value, "limit": limit, "met": bool(ok), "note": note})

    if "sim" in res:
        for name, r in res["sim"]["schedules"].items():
            add(f"sim {name}: lrviz / bare loop", round(r["ratio_vs_bare"], 3), "<= 1.10", r["ratio_vs_bare"] <= 1.10)
            add(f"sim {name}: naive loop / lrviz", round(r["speedup_vs_naive"], 2), ">= 4", r["speedup_vs_naive"] >= 4)
    if "render" in res:
        for fmt, r in res["render"]["formats"].items():
            add(
                f"render {fmt}: time at {res['render']['sizes'][-1]:.0e} / at {res['render']['sizes'][0]:.0e} steps",
                round(r["ratio"], 2),
                "<= 1.5",
                r["ratio"] <= 1.5,
            )
        sizes = res["render"]["sizes"]
        for fmt, r in res["render"]["formats"].items():
            add(
                f"render {fmt}: bytes at {sizes[-1]:.0e} / at {sizes[1]:.0e} steps",
                round(r["size_ratio_long_vs_mid"], 3),
                "bounded (<= 1.1)",
                r["size_ratio_long_vs_mid"] <= 1.1,
            )
    if "command" in res:
        c = res["command"]
        add(
            f"lrviz plot {c['steps']:.0e} steps / (imports + bare loop)",
            round(c["ratio"], 3),
            "<= 1.3",
            c["ratio"] <= 1.3,
        )
    if "parallel" in res:
        p = res["parallel"]
        add(
            f"parallel 4 x {p['steps']:.0e} on {p['cores']} cores / serial",
            round(p["ratio"], 3),
            "<= 0.65",
            p["ratio"] <= 0.65,
        )
    if "startup" in res:
        for name, r in res["startup"].items():
            if name.startswith("lrviz"):
                add(
                    f"start-up {name}",
                    round(r["time"]["median"], 3),
                    "< 0.5 s, no torch/matplotlib",
                    r["time"]["median"] < 0.5 and not ({"torch", "matplotlib"} & set(r["heavy_imports"] or [])),
                )
    ratio_limits = {  # the targets of the side-by-side ratios, by section
        "versus": {
            "plot / script (torch + pyplot)": 0.75,
            "show / script (torch + print)": 0.75,
            "cheat sheet / small plot": 1.6,
            "gallery / small plot": 2.0,
            "gallery / small plot (cpu)": 4.0,
            "torch gallery / docs-style script": 0.7,
        },
        "figure": {
            "warm lrviz.plot / plain matplotlib (cpu)": 1.3,
            "warm cheat sheet / its panels one by one (cpu)": 1.5,
            "docs cold build, directive / static images (cpu)": 1.5,
            "docs cold build, figures kept in lrviz_cache_dir / static images (cpu)": 1.5,
            "metrics.csv: read_actual / csv (cpu)": 1.5,
            "trainer_state.json: read_actual / json (cpu)": 1.5,
        },
    }
    for section, limits in ratio_limits.items():
        for name, ratio in res[section]["ratios"].items() if section in res else ():
            if name in limits:
                add(name, round(ratio, 3), f"<= {limits[name]}", ratio <= limits[name])
    if "export" in res:
        for fmt, row in res["export"]["formats"].items():
            for key, got in row.items():
                if key.isdigit():
                    add(
                        f"export {fmt} {int(key):.0e} steps x 2 groups: MiB over 1 step",
                        round(got["over_one_step_mib"]),
                        f"<= {got['limit_mib']:.0f}",
                        got["met"],
                    )
            if fmt == "csv":
                v = row["speed"]["values_per_second"]
                add("export csv values/s after simulation", round(v), ">= 1e6", v >= 1e6)
    if "memory" in res:
        for name, r in res["memory"]["schedules"].items():
            add(
                f"memory {res['memory']['steps']:.0e} x 2 groups {name}: lrviz peak MiB",
                round(r["lrviz"]["peak_mib"]),
                f"<= {r['limit_mib']:.0f}",
                r["met"],
            )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes and few repetitions (a smoke run)")
    ap.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated sections: {', '.join(SECTIONS)}")
    ap.add_argument(
        "--json",
        default=None,
        help="where to write the results (default: benchmarks/results.json for a full run; "
        "a --quick run writes nothing unless given a path, so it cannot overwrite the recorded results)",
    )
    ap.add_argument(
        "--no-limit", action="store_true", help="leave out the export at the limit of 100M values (about 5 minutes)"
    )
    args = ap.parse_args()
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    bad = [s for s in only if s not in SECTIONS]
    if bad:
        ap.error(f"unknown section(s) {bad}; choose from {SECTIONS}")
    q = args.quick
    res: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "mode": "quick" if q else "full",
        "machine": machine(),
        "load_before": load_avg(),
    }
    t0 = time.perf_counter()
    plan: dict[str, tuple[str, Callable[[], dict[str, Any]]]] = {
        "startup": ("start-up (process wall time, median [min-max])", lambda: bench_startup(reps=3 if q else 7)),
        "sim": (
            "simulation, one schedule, 1 param group (time per step, medians)",
            lambda: bench_sim(
                n=100_000 if q else 1_000_000,
                reps=3 if q else 5,
                n_naive=20_000 if q else 100_000,
                reps_naive=1 if q else 3,
            ),
        ),
        "parallel": (
            "parallel",
            lambda: bench_parallel(n=250_000 if q else 1_000_000, reps=1 if q else 3, methods=not q),
        ),
        "render": (
            "rendering (render_bytes, OneCycleLR: lr and momentum panels)",
            lambda: bench_render(sizes=(1_000, 100_000, 1_000_000 if q else 10_000_000), reps=3 if q else 5),
        ),
        "command": (
            "whole command (process wall time)",
            lambda: bench_command(n=200_000 if q else 1_000_000, reps=2 if q else 5),
        ),
        "memory": ("memory (peak RSS of separate processes)", lambda: bench_memory(n=1_000_000 if q else 10_000_000)),
        "versus": (
            "whole commands against hand-written scripts and the small plot (process wall time, median [min-max])",
            lambda: bench_versus(reps=2 if q else 5, gallery=not q),
        ),
        "figure": (
            "the figure's own cost, side by side (issue 28; benchmarks/figure.py): CPU and wall medians",
            lambda: bench_figure(reps=3 if q else 7, quick=q),
        ),
        "export": (
            "export: peak RSS over the same export at 1 step; throughput after simulation",
            lambda: bench_export(
                n=300_000 if q else 3_000_000,
                limit_steps=None if q or args.no_limit else MAX_VALUES_STEPS,
                speed_n=200_000 if q else 1_000_000,
            ),
        ),
    }
    for name in SECTIONS:
        if name not in only:
            continue
        title, run = plan[name]
        print(title, flush=True)
        before, busy = load_avg(), cpu_busy()
        res[name] = run()
        res[name]["load"] = {
            "loadavg_before": before,
            "loadavg_after": load_avg(),
            "other_cores_busy": other_busy(busy),
        }
        print(f"  (other processes kept {res[name]['load']['other_cores_busy']} cores busy on average)", flush=True)
    res["load_after"] = load_avg()
    res["seconds"] = time.perf_counter() - t0
    res["targets"] = targets(res)
    print("\ntargets")
    for t in res["targets"]:
        print(f"  {'MET ' if t['met'] else 'MISS'}  {t['target']:62s} {t['value']!s:>8}  ({t['limit']})")
    print(f"\nload average before {res['load_before']}, after {res['load_after']}; {res['seconds']:.0f} s")
    target = args.json or (None if q else str(HERE / "results.json"))
    if target:
        Path(target).write_text(json.dumps(res, indent=1, sort_keys=False) + "\n")
        print(f"wrote {target}")


if __name__ == "__main__":
    main()
