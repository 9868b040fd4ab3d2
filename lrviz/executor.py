"""The one process pool: all of lrviz's parallel work (simulations, plots, the gallery) runs here.

Why processes: a schedule's time goes into torch's own Python code for
``scheduler.step()`` and a figure's into matplotlib's, both holding the GIL, so threads
would not help.

**Start method**, the one policy (measured in benchmarks/RESULTS.md): ``fork`` where the
platform has it (Linux) and the work stays on the CPU. A forked worker starts in tens
of milliseconds because it inherits the imported modules, where ``spawn`` and
``forkserver`` pay the import of torch again (about a second per process here), which
would eat most of the gain on a 2-core machine. Forking is safe here because the
parent runs no parallel torch op and starts no thread before the pool starts, and
every worker runs torch on one thread. ``spawn`` is used otherwise: on macOS (whose
system libraries are not fork-safe) and for an accelerator device (a CUDA context does
not survive a fork).

**How many workers**: never more than the cores this process may use
(:func:`available_cores`, the affinity mask) nor than there are tasks; callers decide
when a job is too small to pay for starting processes at all.

Each task runs ``fn(shared, task, report)``: ``shared`` is sent to each worker once,
``report(n)`` passes progress to the parent (and stops the task early when the run is
being cancelled). With one worker everything runs here, in order, with the same calls.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from lrviz.interrupts import STOPPING, deferred
from lrviz.interrupts import check as check_interrupts

if TYPE_CHECKING:  # imported when a pool is made: a serial run does without them
    from concurrent.futures import Future

S = TypeVar("S")
T = TypeVar("T")
R = TypeVar("R")
Report = Callable[[int], None]
Task = Callable[[Any, Any, Report], Any]

#: How often (seconds) the parent wakes to pass workers' progress on.
POLL_S = 0.1

# What a worker needs, set once by the pool initializer (inherited as is under fork).
_WORKER: dict[str, Any] = {}


class Cancelled(Exception):
    """Raised inside a worker's task when the parent stops the run (an error elsewhere, Ctrl-C)."""


class WorkerDied(Exception):
    """A worker process died (killed for memory, say): the task's result, or what :func:`run` raises."""


def available_cores() -> int:
    """Cores this process may run on (the affinity mask, not the machine's total)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def start_method(device: str = "cpu") -> str:
    """``fork`` for CPU work where the platform has it, else ``spawn`` (see the module docstring)."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    if device == "cpu" and "fork" in methods and sys.platform != "darwin":
        return "fork"
    return "spawn"


def worker_count(jobs: int | None, tasks: int) -> int:
    """Workers for ``tasks`` tasks: ``jobs`` (None or < 1: every usable core), capped by cores and tasks."""
    cores = available_cores()
    want = cores if jobs is None or jobs < 1 else min(jobs, cores)
    return max(1, min(want, tasks))


def run(
    fn: Task,
    shared: Any,
    tasks: Sequence[Any],
    *,
    workers: int,
    method: str | None = None,
    progress: Report | None = None,
    order: Sequence[int] | None = None,
    fail_fast: bool = True,
    on_result: Callable[[int, Any], None] | None = None,
) -> list[Any]:
    """``[fn(shared, task, report) for task in tasks]``, on ``workers`` processes.

    Results come back in task order. ``order`` is the order of submission (longest
    first keeps cores busy to the end). ``fail_fast``: the first failure *in task
    order* is raised, after the tasks before it have finished, exactly as running them
    one by one here would raise; otherwise each failed task's exception is its result.
    ``on_result(i, result)`` is called as tasks finish, in this process.
    """
    if workers <= 1:
        return _run_here(fn, shared, tasks, progress, fail_fast, on_result)
    return _Pool(fn, shared, tasks, workers, method or start_method(), progress).run(
        order or range(len(tasks)), fail_fast, on_result
    )


def _run_here(
    fn: Task,
    shared: Any,
    tasks: Sequence[Any],
    progress: Report | None,
    fail_fast: bool,
    on_result: Callable[[int, Any], None] | None,
) -> list[Any]:
    out: list[Any] = []
    for i, task in enumerate(tasks):
        try:
            result = fn(shared, task, progress or _ignore)
        except Exception as exc:
            if fail_fast:
                raise
            result = exc
        out.append(result)
        if on_result is not None:
            on_result(i, result)
    return out


def _ignore(n: int) -> None:
    pass


class _Pool:
    """A ProcessPoolExecutor with progress, ordered failures and cooperative cancelling."""

    def __init__(self, fn: Task, shared: Any, tasks: Sequence[Any], workers: int, method: str, progress: Report | None):
        import concurrent.futures  # looked up now: tests spy on the class
        import multiprocessing

        self.fn, self.tasks, self.progress = fn, tasks, progress
        ctx = multiprocessing.get_context(method)
        self.queue = ctx.SimpleQueue() if progress is not None else None
        self.stop = ctx.Event()
        self.pool = concurrent.futures.ProcessPoolExecutor(
            workers, mp_context=ctx, initializer=_init_worker, initargs=(shared, self.queue, self.stop, os.getpid())
        )

    def drain(self) -> None:
        while self.queue is not None and self.progress is not None and not self.queue.empty():
            self.progress(self.queue.get())

    def run(self, order: Sequence[int], fail_fast: bool, on_result: Callable[[int, Any], None] | None) -> list[Any]:
        finished = False
        try:
            # The first submit forks the workers: stopping signals wait until it is done, or one
            # could land inside the pool's start (its exception swallowed by an at-fork hook, a
            # lock left held) and hang the shutdown below.
            with deferred():
                submitted = {i: self.pool.submit(_call, self.fn, self.tasks[i]) for i in order}
            out = self._wait([submitted[i] for i in range(len(self.tasks))], fail_fast, on_result)
            finished = True
            return out
        except KeyboardInterrupt:  # Ctrl-C, SIGTERM, SIGHUP: the workers end now, not after their task
            self.stop.set()
            self._terminate()
            raise
        finally:
            if not finished:  # an error: running tasks stop at their next report
                self.stop.set()
            self.pool.shutdown(wait=True, cancel_futures=True)
            if self.queue is not None:
                self.queue.close()

    def _terminate(self) -> None:
        for process in list(getattr(self.pool, "_processes", {}).values()):
            try:
                process.terminate()
            except (OSError, ValueError, AttributeError):  # already gone
                pass

    def _wait(
        self, futures: list[Future[Any]], fail_fast: bool, on_result: Callable[[int, Any], None] | None
    ) -> list[Any]:
        from concurrent.futures import FIRST_COMPLETED, FIRST_EXCEPTION, wait

        index = {f: i for i, f in enumerate(futures)}
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=POLL_S, return_when=FIRST_EXCEPTION if fail_fast else FIRST_COMPLETED)
            check_interrupts()  # a SIGTERM whose exception was swallowed while the pool forked
            self.drain()
            for f in sorted(done, key=index.__getitem__):
                if on_result is not None and (f.exception() is None or not fail_fast):
                    on_result(index[f], _outcome(f))
            if fail_fast:
                failed = next((i for i, f in enumerate(futures) if f.done() and f.exception() is not None), None)
                if failed is not None:
                    wait(futures[:failed])
                    for f in futures[: failed + 1]:
                        outcome = _outcome(f)
                        if isinstance(outcome, BaseException):
                            raise outcome  # the earliest failure, as a serial run would raise it
        self.drain()
        return [_outcome(f) for f in futures]


def _outcome(future: Future[Any]) -> Any:
    """The task's result, or its exception (a dead worker's as :class:`WorkerDied`)."""
    from concurrent.futures.process import BrokenProcessPool

    exc = future.exception()
    if isinstance(exc, BrokenProcessPool):
        died = WorkerDied(str(exc))
        died.__cause__ = exc
        return died
    return exc if exc is not None else future.result()


def _init_worker(shared: Any, queue: Any, stop: Any, parent: int) -> None:
    _die_with(parent)
    _WORKER.update(shared=shared, queue=queue, stop=stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the workers
    for name in ("SIGTERM", "SIGHUP"):  # not the parent's handler (lrviz.interrupts), inherited by fork: just end
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):  # forked while the parent deferred them (_Pool.run)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOPPING)
    os.environ.setdefault("MPLBACKEND", "Agg")
    try:  # one task per core: torch's own intra-op threads would only compete
        import torch

        torch.set_num_threads(1)
    except Exception:  # pragma: no cover - a torch without thread control is still fine
        pass


#: prctl(2)'s PR_SET_PDEATHSIG: the signal the kernel sends this process when its parent ends.
_PR_SET_PDEATHSIG = 1


def _die_with(parent: int) -> None:
    """End this worker when the parent process ends, however it ends (SIGKILL included).

    On Linux the kernel sends SIGKILL when the parent dies (``PR_SET_PDEATHSIG``); the
    parent may have died already, before the call, which re-parenting shows. Elsewhere
    a daemon thread polls for re-parenting, once a second. A worker blocked on its task
    queue would otherwise wait, holding its memory, until someone kills it by hand.
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
                if os.getppid() != parent:
                    os._exit(1)
                return
        except (OSError, AttributeError):  # no prctl: the thread below
            pass
    import threading

    def watch() -> None:
        import time

        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="lrviz-parent-watch", daemon=True).start()


def _report(n: int) -> None:
    if _WORKER["stop"].is_set():
        raise Cancelled("the run was stopped")
    if _WORKER["queue"] is not None:
        _WORKER["queue"].put(n)


def _call(fn: Task, task: Any) -> Any:
    return fn(_WORKER["shared"], task, _report)
