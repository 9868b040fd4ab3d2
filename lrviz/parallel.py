"""Parallel simulation: each schedule of a config in a worker process, values unchanged.

A schedule's time goes into torch's own Python code for ``scheduler.step()``, which
holds the GIL, so threads would not help: the parallelism is processes. Each worker
runs exactly what serial simulation runs, :func:`lrviz.simulate.step_schedule` on a
fresh optimizer and scheduler, and sends back the trajectory (numpy arrays pickle
cheaply: about 10 ms for a million steps), so the values are bit for bit the serial
ones and come back in config order.

Start method, measured (benchmarks/RESULTS.md): ``fork`` starts a worker in tens of
milliseconds because the child inherits the imported torch and the config, while
``spawn`` and ``forkserver`` pay the import of torch again (about a second per process
here), which would eat most of the gain on a 2-core machine. So: ``fork`` for CPU
simulation where the platform has it; ``spawn`` otherwise, and always for an
accelerator device (a CUDA context does not survive a fork). Runs too small to pay
for process start-up stay serial, as does a machine with one usable core.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lrviz.errors import LrvizError, SimulationError

if TYPE_CHECKING:
    from lrviz.config import Config
    from lrviz.simulate import Result, Trajectory

#: Below this many optimizer steps in all (about 0.3 s of serial work), a forked pool
#: costs more than it saves. Spawned workers import torch again, so they need more.
MIN_STEPS_FORK = 100_000
MIN_STEPS_SPAWN = 2_000_000

#: How often (seconds) the parent wakes to pass workers' progress on.
_POLL_S = 0.1

# What a worker needs, set once by the pool initializer (inherited as is under fork).
_WORKER: dict[str, Any] = {}


def available_cores() -> int:
    """Cores this process may run on (the affinity mask, not the machine's total)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def start_method(device: str) -> str:
    """``fork`` for CPU runs where the platform has it, else ``spawn`` (see module doc)."""
    methods = multiprocessing.get_all_start_methods()
    if device == "cpu" and "fork" in methods and sys.platform != "darwin":
        return "fork"
    return "spawn"


def plan_workers(jobs: int | None, tasks: int, total_steps: int, method: str) -> int:
    """How many worker processes to use for ``tasks`` schedules; 1 means run serially here.

    ``jobs`` None or < 1 means every usable core. Never more workers than schedules or
    cores (more processes than cores only adds switching), and none for a run whose
    ``total_steps`` (over all schedules) is below what process start-up costs with
    ``method``.
    """
    cores = available_cores()
    want = cores if jobs is None or jobs < 1 else min(jobs, cores)
    n = min(want, tasks)
    if n <= 1:
        return 1
    if total_steps < (MIN_STEPS_FORK if method == "fork" else MIN_STEPS_SPAWN):
        return 1
    return n


def simulate_parallel(
    config: "Config",
    device: str,
    *,
    jobs: int | None,
    progress: Callable[[int], None] | None = None,
    start_method_override: str | None = None,
) -> "list[Trajectory]":
    """Simulate every schedule of ``config``, several at once; same result as serial.

    ``progress`` receives step counts as workers report them (every
    ``PROGRESS_CHUNK`` steps of each schedule), always from the calling thread.
    ``start_method_override`` is for benchmarks and tests ("fork", "spawn",
    "forkserver"); by default :func:`start_method` picks.
    """
    return _run([(config, device)], jobs, progress, start_method_override)[0]


def simulate_configs(
    configs: "list[Config]",
    *,
    device: str | None = None,
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> "list[Result]":
    """Simulate several configs (a plot or gallery of many files) in one pool.

    Equivalent to ``[simulate(c, device=device, jobs=1) for c in configs]``, value for
    value and error for error, but the schedules of all configs share the workers, so
    four one-schedule configs use every core as well as one four-schedule config does.
    """
    from lrviz.simulate import Result, resolve_device

    runs = []
    for cfg in configs:
        try:
            runs.append((cfg, resolve_device(device or cfg.device)))
        except LrvizError as exc:
            raise exc.located(file=cfg.file) from None
    trajectories = _run(runs, jobs, progress, None)
    return [Result(config=cfg, trajectories=t, device=dev) for (cfg, dev), t in zip(runs, trajectories)]


def _run(
    runs: "list[tuple[Config, str]]",
    jobs: int | None,
    progress: Callable[[int], None] | None,
    method: str | None,
) -> "list[list[Trajectory]]":
    """Every schedule of every (config, device) run, in order; errors as serial would raise them."""
    from lrviz.simulate import step_schedule

    tasks = [(ci, si) for ci, (cfg, _) in enumerate(runs) for si in range(len(cfg.schedules))]
    if method is None:
        methods = {start_method(dev) for _, dev in runs}
        method = "fork" if methods == {"fork"} else "spawn"
    total = sum(runs[ci][0].steps for ci, _ in tasks)
    workers = plan_workers(jobs, len(tasks), total, method)
    out: list[list[Trajectory]] = [[] for _ in runs]
    if workers <= 1:
        for ci, si in tasks:
            cfg, dev = runs[ci]
            try:
                out[ci].append(step_schedule(cfg, cfg.schedules[si], dev, progress))
            except LrvizError as exc:
                raise exc.located(file=cfg.file) from None
        return out

    from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    ctx = multiprocessing.get_context(method)
    queue = ctx.SimpleQueue() if progress is not None else None

    def drain() -> None:
        while queue is not None and not queue.empty():
            progress(queue.get())

    def result(i: int) -> "Trajectory":
        try:
            return futures[i].result()
        except LrvizError as exc:
            raise exc.located(file=runs[tasks[i][0]][0].file) from None

    pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker, initargs=(runs, queue))
    finished = False
    try:
        # Longest first (then in order): the last schedule to start is a short one, so
        # no core sits idle while another finishes a long one.
        futures: list[Any] = [None] * len(tasks)
        for i in sorted(range(len(tasks)), key=lambda i: -runs[tasks[i][0]][0].steps):
            futures[i] = pool.submit(_run_one, *tasks[i])
        pending = set(futures)
        while pending:
            _, pending = wait(pending, timeout=_POLL_S, return_when=FIRST_EXCEPTION)
            drain()
            # Serial simulation stops at the first failing schedule in order; report
            # that same one, so the error does not depend on which worker was faster.
            failed = next((i for i, f in enumerate(futures) if f.done() and f.exception() is not None), None)
            if failed is not None:
                wait(futures[:failed])
                for i in range(failed + 1):
                    result(i)  # raises the earliest failure
        drain()
        for i, (ci, _) in enumerate(tasks):
            out[ci].append(result(i))
        finished = True
        return out
    except BrokenProcessPool:
        raise SimulationError(
            "a worker process died while simulating (out of memory?); rerun with one job to see which schedule"
        ) from None
    finally:
        if not finished:  # an error or Ctrl-C: do not wait for the other schedules to finish
            for proc in list((getattr(pool, "_processes", None) or {}).values()):
                proc.terminate()
        pool.shutdown(wait=True, cancel_futures=True)
        if queue is not None:
            queue.close()


def _init_worker(runs: "list[tuple[Config, str]]", queue: Any) -> None:
    _WORKER.update(runs=runs, queue=queue)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the workers
    try:  # one schedule per core: torch's own intra-op threads would only compete
        import torch

        torch.set_num_threads(1)
    except Exception:  # pragma: no cover - a torch without thread control is still fine
        pass


def _run_one(ci: int, si: int) -> "Trajectory":
    from lrviz.simulate import step_schedule

    config, device = _WORKER["runs"][ci]
    queue = _WORKER["queue"]
    return step_schedule(config, config.schedules[si], device, queue.put if queue is not None else None)
