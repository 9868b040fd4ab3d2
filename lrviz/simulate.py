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
from lrviz.refusals import first_step
from lrviz.step import Record, advance

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from lrviz.spec import Config, Schedule

#: Below this many optimizer steps in all (about 0.3 s of serial work), a forked pool
#: costs more than it saves. Spawned workers import torch again, so they need more.
MIN_STEPS_FORK = 100_000
MIN_STEPS_SPAWN = 2_000_000


#: Rows read at a time by :meth:`Trajectory.momentum_varies`.
VARIES_BLOCK = 1 << 16


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
        """Whether any group's momentum moves: read in blocks up to the first that moves (a cycled
        momentum moves in its first steps: a 10M-step run is not compared whole)."""
        import numpy as np

        m = self.momentum
        if m is None or m.size == 0:
            return False
        first = m[0]
        return any(bool(np.any(m[i : i + VARIES_BLOCK] != first)) for i in range(0, m.shape[0], VARIES_BLOCK))


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
    def labels(self) -> list[str]:
        return [t.label for t in self.trajectories]

    @property
    def errors(self) -> list[LrvizError]:
        """The refusals of the schedules torch stopped part-way (``partial=True`` only), in order."""
        return [t.error for t in self.trajectories if t.error is not None]

    def trajectory(self, label: str | int | None = None) -> Trajectory:
        """One schedule's trajectory, by label or index; None: the only one."""
        if label is None:
            if len(self.trajectories) != 1:
                raise LrvizError(
                    f"this result has {len(self.trajectories)} schedules; name one: {_choices(self.labels)}",
                    key="label",
                )
            return self.trajectories[0]
        if isinstance(label, int) and not isinstance(label, bool):
            if -len(self.trajectories) <= label < len(self.trajectories):
                return self.trajectories[label]
        else:
            for t in self.trajectories:
                if t.label == label:
                    return t
        raise LrvizError(f"no schedule {label!r}; this result has {_choices(self.labels)}", key="label")

    def lr(self, label: str | int | None = None, group: str | int | None = None) -> np.ndarray:
        """Group ``group``'s lr at every optimizer step of schedule ``label``: a (steps,) float64 array.

        Each may be a name or an index; None means the only one. A view of the recorded
        values, not a copy.
        """
        t = self.trajectory(label)
        return t.lr[:, _group_index(t, group)]

    def momentum(self, label: str | int | None = None, group: str | int | None = None) -> np.ndarray | None:
        """Like :meth:`lr` for the momentum (beta1 for Adam-like optimizers); None when there is none."""
        t = self.trajectory(label)
        j = _group_index(t, group)
        return None if t.momentum is None else t.momentum[:, j]

    def to_frame(self) -> pd.DataFrame:
        """A long-form pandas DataFrame with the columns of ``lrviz export``'s CSV.

        ``schedule``, ``group`` (pandas' text dtype), ``step`` (int64), ``lr`` and ``momentum``
        (float64; NaN where the optimizer has no momentum, where the CSV is empty), one
        row per schedule, group and step, in the CSV's order. Needs pandas
        (``pip install 'lrviz[pandas]'``).
        """
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError(
                f"Result.to_frame() needs pandas, which is not importable ({exc}); install it with: "
                "pip install 'lrviz[pandas]'"
            ) from exc
        import numpy as np

        parts = []
        for t in self.trajectories:
            for j, group in enumerate(t.groups):
                n = t.steps
                momentum = t.momentum[:, j] if t.momentum is not None else np.full(n, np.nan)
                parts.append(
                    pd.DataFrame(
                        {
                            "schedule": [t.label] * n,
                            "group": [group] * n,
                            "step": np.arange(n, dtype=np.int64),
                            "lr": t.lr[:, j].copy(),
                            "momentum": momentum.copy(),
                        }
                    )
                )
        if not parts:
            return pd.DataFrame({c: [] for c in FRAME_COLUMNS})
        return pd.concat(parts, ignore_index=True)


#: The columns of :meth:`Result.to_frame`: those of ``lrviz export``'s CSV (tests keep them equal).
FRAME_COLUMNS = ("schedule", "group", "step", "lr", "momentum")


def _choices(names: list[str]) -> str:
    return ", ".join(repr(n) for n in names) + " (or an index)"


def _group_index(t: Trajectory, group: str | int | None) -> int:
    if group is None:
        if len(t.groups) != 1:
            raise LrvizError(
                f"{t.label!r} has {len(t.groups)} param groups; name one: {_choices(t.groups)}", key="group"
            )
        return 0
    if isinstance(group, int) and not isinstance(group, bool):
        if -len(t.groups) <= group < len(t.groups):
            return group % len(t.groups)
    elif group in t.groups:
        return t.groups.index(group)
    raise LrvizError(f"no param group {group!r}; {t.label!r} has {_choices(t.groups)}", key="group")


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
            if exc.scheduler_step == 1:  # nothing but the starting lr: bad input, not a run to draw
                raise first_step(schedule.scheduler, schedule.spec.walk(), exc).located(file=config.file) from None
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
    return list(dict.fromkeys(f"{w.category.__name__}: {str(w.message).strip()}" for w in caught))


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
