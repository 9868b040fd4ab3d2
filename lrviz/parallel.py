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
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lrviz.errors import SimulationError

if TYPE_CHECKING:
    from lrviz.config import Config
    from lrviz.simulate import Trajectory

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


def plan_workers(jobs: int | None, config: "Config", method: str) -> int:
    """How many worker processes to use; 1 means run serially in this process.

    ``jobs`` None or < 1 means every usable core. Never more workers than schedules or
    cores (more processes than cores only adds switching), and none for a run whose
    total work is below what process start-up costs with ``method``.
    """
    cores = available_cores()
    want = cores if jobs is None or jobs < 1 else min(jobs, cores)
    n = min(want, len(config.schedules))
    if n <= 1:
        return 1
    total = config.steps * len(config.schedules)
    if total < (MIN_STEPS_FORK if method == "fork" else MIN_STEPS_SPAWN):
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
    from lrviz.simulate import step_schedule

    method = start_method_override or start_method(device)
    workers = plan_workers(jobs, config, method)
    if workers <= 1:
        return [step_schedule(config, s, device, progress) for s in config.schedules]

    from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    ctx = multiprocessing.get_context(method)
    queue = ctx.SimpleQueue() if progress is not None else None

    def drain() -> None:
        while queue is not None and not queue.empty():
            progress(queue.get())

    pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker, initargs=(config, device, queue))
    try:
        futures = [pool.submit(_run_one, i) for i in range(len(config.schedules))]
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=_POLL_S, return_when=FIRST_EXCEPTION)
            drain()
            # Serial simulation stops at the first failing schedule in config order;
            # report that same one, so the error does not depend on timing.
            failed = [f for f in futures if f.done() and f.exception() is not None]
            if failed:
                first = futures.index(failed[0])
                earlier = futures[:first]
                wait(earlier)
                for f in earlier:
                    f.result()  # an earlier failure that finished later wins
                failed[0].result()
        drain()
        return [f.result() for f in futures]
    except BrokenProcessPool:
        raise SimulationError(
            "a worker process died while simulating (out of memory?); rerun with one job to see which schedule"
        ) from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        if queue is not None:
            queue.close()


def _init_worker(config: "Config", device: str, queue: Any) -> None:
    _WORKER.update(config=config, device=device, queue=queue)
    try:  # one schedule per core: torch's own intra-op threads would only compete
        import torch

        torch.set_num_threads(1)
    except Exception:  # pragma: no cover - a torch without thread control is still fine
        pass


def _run_one(index: int) -> "Trajectory":
    from lrviz.simulate import step_schedule

    config = _WORKER["config"]
    queue = _WORKER["queue"]
    return step_schedule(config, config.schedules[index], _WORKER["device"], queue.put if queue is not None else None)
