"""Simulate: every schedule of a config, each built fresh and stepped, into a :class:`Result`.

For each schedule lrviz builds a fresh optimizer over dummy parameters on the chosen
device and the real scheduler (:func:`lrviz.build.build`), and steps it through the
run (:func:`lrviz.step.advance`), recording what the optimizer uses at every step.
Schedules are independent, so several run at once on worker processes
(:mod:`lrviz.executor`) when the run is long enough to pay for them; the values are
the same bit for bit either way, and so is the first error.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lrviz import executor
from lrviz import step as stepping
from lrviz.build import build, decoupled_decay
from lrviz.errors import ConfigError, LrvizError, SimulationError
from lrviz.step import Record, advance

if TYPE_CHECKING:
    import numpy as np

    from lrviz.spec import Config, Schedule

#: Below this many optimizer steps in all (about 0.3 s of serial work), a forked pool
#: costs more than it saves. Spawned workers import torch again, so they need more.
MIN_STEPS_FORK = 100_000
MIN_STEPS_SPAWN = 2_000_000


@dataclass
class Trajectory:
    """What one schedule did: ``lr[i, g]`` is group g's lr during optimizer step i.

    ``params`` holds every other numeric group value that changed during the run (name
    -> (steps, groups), e.g. ``weight_decay``); ``metric`` the values fed to
    ``scheduler.step(metric)``, one per scheduler step taken (every ``every`` optimizer
    steps). A schedule torch refused part-way (with ``partial=True``) keeps the rows
    recorded up to the failing step, and the refusal in ``error``.
    """

    label: str
    scheduler: str
    groups: list[str]
    lr: np.ndarray  # (steps, groups) float64
    momentum: np.ndarray | None  # (steps, groups) float64, None when the optimizer has none
    interval: str = "step"
    key: str = ""
    warnings: list[str] = field(default_factory=list)
    params: dict[str, np.ndarray] = field(default_factory=dict)
    initial: dict[str, list[float]] = field(default_factory=dict)  # every numeric group value at step 0, per group
    metric: np.ndarray | None = None
    every: int = 1
    decoupled_decay: bool = False  # weight decay applied as p *= 1 - lr * wd, not added to the gradient
    error: LrvizError | None = None

    @property
    def steps(self) -> int:
        return int(self.lr.shape[0])

    def momentum_varies(self) -> bool:
        import numpy as np

        m = self.momentum
        return m is not None and m.size > 0 and bool(np.any(m != m[0]))


@dataclass
class Result:
    """A simulated config: its trajectories in config order."""

    config: Config
    trajectories: list[Trajectory]
    device: str

    @property
    def steps(self) -> int:
        return self.config.steps

    @property
    def steps_per_epoch(self) -> int:
        return self.config.steps_per_epoch

    @property
    def errors(self) -> list[LrvizError]:
        """The refusals of the schedules torch stopped part-way (``partial=True`` only), in order."""
        return [t.error for t in self.trajectories if t.error is not None]


def resolve_device(name: str) -> str:
    """'auto' -> cuda, then mps, then cpu; a device that is not there is an error."""
    import torch

    mps = getattr(torch.backends, "mps", None)
    has_mps = bool(mps and mps.is_available())
    if name == "auto":
        if torch.cuda.is_available():
            return "cuda"
        return "mps" if has_mps else "cpu"
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ConfigError(
                f"{name!r} was asked for but this machine has no CUDA device; use device: cpu or auto", key="device"
            )
        index = int(name.split(":")[1]) if ":" in name else 0
        if index >= torch.cuda.device_count():
            raise ConfigError(
                f"{name!r} does not exist: this machine has {torch.cuda.device_count()} CUDA device(s)", key="device"
            )
    if name == "mps" and not has_mps:
        raise ConfigError(
            "'mps' was asked for but this machine has no MPS device; use device: cpu or auto", key="device"
        )
    return name


def step_schedule(
    config: Config,
    schedule: Schedule,
    device: str,
    progress: Callable[[int], None] | None = None,
    *,
    partial: bool = False,
) -> Trajectory:
    """Build a fresh optimizer + scheduler for ``schedule`` and step it ``config.steps`` times.

    With ``partial``, a refusal by torch while stepping ends the trajectory at the
    failing step (its row recorded) instead of raising; errors while building still raise.
    """
    watch = "verify" if all(s.kind in stepping.WATCH_FREE_KINDS for s in schedule.spec.walk()) else "watch"
    trajectory = _stepped(config, schedule, device, progress, partial, watch)
    if trajectory is None:  # a value the scheduler was not expected to write changed: step it again, watching
        trajectory = _stepped(config, schedule, device, None, partial, "watch")
        assert trajectory is not None
    if progress is not None:
        progress(config.steps % stepping.PROGRESS_CHUNK)
    return trajectory


def _stepped(
    config: Config, schedule: Schedule, device: str, progress: Any, partial: bool, watch: str
) -> Trajectory | None:
    error: LrvizError | None = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        optimizer, scheduler, metric = build(config, schedule, device)
        record = Record(optimizer.param_groups, params=watch)
        every = config.scheduler_every(schedule)
        try:
            advance(
                optimizer,
                scheduler,
                metric,
                record,
                every=every,
                start=0,
                stop=config.steps,
                key=schedule.key,
                progress=progress,
            )
        except SimulationError as exc:
            if not partial:
                raise
            error = exc.located(file=config.file)
        record.verify()
    if record.missed:
        return None
    lr, momentum = record.matrices()
    return Trajectory(
        label=schedule.label,
        scheduler=schedule.scheduler,
        groups=[g["name"] for g in config.optimizer.param_groups],
        lr=lr,
        momentum=momentum,
        interval=schedule.interval,
        key=schedule.key,
        warnings=warning_lines(caught),
        params=record.param_matrices(),
        initial=record.first_values(),
        metric=_fed(metric, len(lr), every),
        every=every,
        decoupled_decay=decoupled_decay(optimizer),
        error=error,
    )


def _fed(metric: list[float] | None, rows: int, every: int) -> np.ndarray | None:
    """The metric values fed to the scheduler over ``rows`` optimizer steps."""
    if metric is None:
        return None
    import numpy as np

    return np.asarray(metric[: rows // every], dtype=np.float64)


def warning_lines(caught: list[warnings.WarningMessage]) -> list[str]:
    """Each distinct warning once, in the order raised."""
    seen: dict[str, None] = {}
    for w in caught:
        seen.setdefault(f"{w.category.__name__}: {str(w.message).strip()}", None)
    return list(seen)


def plan_workers(jobs: int | None, tasks: int, total_steps: int, method: str) -> int:
    """How many worker processes to use for ``tasks`` schedules; 1 means run serially here.

    :func:`lrviz.executor.worker_count`, and none for a run whose ``total_steps`` (over
    all schedules) is below what process start-up costs with ``method``.
    """
    n = executor.worker_count(jobs, tasks)
    if n > 1 and total_steps < (MIN_STEPS_FORK if method == "fork" else MIN_STEPS_SPAWN):
        return 1
    return n


def simulate(
    config: Config,
    *,
    device: str | None = None,
    progress: Callable[[int], None] | None = None,
    jobs: int | None = 1,
    start_method: str | None = None,
    partial: bool = False,
) -> Result:
    """Simulate every schedule of ``config``; each gets its own optimizer and scheduler.

    ``jobs`` > 1 (or None for every core) runs schedules in worker processes; values
    are the same either way, since each schedule is independent. ``start_method``
    overrides :func:`lrviz.executor.start_method` (benchmarks and tests). ``partial``:
    a schedule torch refuses part-way keeps what it recorded and the refusal
    (``Trajectory.error``) instead of failing the whole config.
    """
    return simulate_configs(
        [config], device=device, jobs=jobs, progress=progress, start_method=start_method, partial=partial
    )[0]


def simulate_configs(
    configs: list[Config],
    *,
    device: str | None = None,
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
    start_method: str | None = None,
    partial: bool = False,
) -> list[Result]:
    """Simulate several configs (a plot of many files) with one pool for all their schedules.

    Equivalent to ``[simulate(c, device=device, jobs=1) for c in configs]``, value for
    value and error for error, but four one-schedule configs use every core as well as
    one four-schedule config does.
    """
    runs = []
    for cfg in configs:
        try:
            runs.append((cfg, resolve_device(device or cfg.device)))
        except LrvizError as exc:
            raise exc.located(file=cfg.file) from None
    tasks = [(ci, si) for ci, (cfg, _) in enumerate(runs) for si in range(len(cfg.schedules))]
    method = start_method or ("fork" if {executor.start_method(d) for _, d in runs} == {"fork"} else "spawn")
    workers = plan_workers(jobs, len(tasks), sum(runs[ci][0].steps for ci, _ in tasks), method)
    # Longest first (then in order): the last schedule to start is a short one, so no
    # core sits idle while another finishes a long one.
    order = sorted(range(len(tasks)), key=lambda i: -runs[tasks[i][0]][0].steps)
    try:
        trajectories = executor.run(
            _simulate_one, (runs, partial), tasks, workers=workers, method=method, progress=progress, order=order
        )
    except executor.WorkerDied:
        raise SimulationError(
            "a worker process died while simulating (out of memory?); rerun with one job to see which schedule"
        ) from None
    out: list[list[Trajectory]] = [[] for _ in runs]
    for (ci, _), trajectory in zip(tasks, trajectories, strict=True):
        out[ci].append(trajectory)
    return [Result(config=cfg, trajectories=t, device=dev) for (cfg, dev), t in zip(runs, out, strict=True)]


def _simulate_one(
    shared: tuple[list[tuple[Config, str]], bool], task: tuple[int, int], report: Callable[[int], None]
) -> Any:
    """One schedule of one config: the executor's task (in a worker or here)."""
    runs, partial = shared
    config, device = runs[task[0]]
    try:
        return step_schedule(config, config.schedules[task[1]], device, report, partial=partial)
    except LrvizError as exc:  # errors found while stepping name the file, like config errors
        raise exc.located(file=config.file) from None
