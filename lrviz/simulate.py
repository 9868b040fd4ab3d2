"""Simulate: step the real torch scheduler and record what the optimizer would use.

This is the one place a schedule is stepped. For each schedule lrviz builds a fresh
optimizer over dummy parameters on the chosen device, builds the scheduler from its
spec (:func:`lrviz.build.build`), then for i = 0..steps-1:

1. records every group's ``lr`` (and momentum / beta1): row i is what optimizer step i uses;
2. runs ``optimizer.step()``, but only for i = 0: torch checks the
   optimizer-before-scheduler order on the first scheduler step only, and a dummy
   parameter has no gradient, so later calls would change nothing but the run time;
3. calls ``scheduler.step()`` (``step(metric[k])`` for ReduceLROnPlateau), every step
   or once every ``steps_per_epoch`` steps for ``interval: epoch``.

Nothing about a schedule's math lives here: the values are torch's, read back.
"""

from __future__ import annotations

import warnings
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lrviz.errors import ConfigError, LrvizError, SimulationError, first_line, key_join

if TYPE_CHECKING:
    import numpy as np

    from lrviz.config import Config, Schedule


@dataclass
class Trajectory:
    """What one schedule did: ``lr[i, g]`` is group g's lr during optimizer step i."""

    label: str
    scheduler: str
    groups: list[str]
    lr: "np.ndarray"  # (steps, groups) float64
    momentum: "np.ndarray | None"  # (steps, groups) float64, None when the optimizer has none
    interval: str = "step"
    key: str = ""
    warnings: list[str] = field(default_factory=list)

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

    config: "Config"
    trajectories: list[Trajectory]
    device: str

    @property
    def steps(self) -> int:
        return self.config.steps

    @property
    def steps_per_epoch(self) -> int:
        return self.config.steps_per_epoch


# --------------------------------------------------------------------------- device


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
            raise ConfigError(f"{name!r} was asked for but this machine has no CUDA device; use device: cpu or auto", key="device")
        index = int(name.split(":")[1]) if ":" in name else 0
        if index >= torch.cuda.device_count():
            raise ConfigError(
                f"{name!r} does not exist: this machine has {torch.cuda.device_count()} CUDA device(s)", key="device"
            )
    if name == "mps" and not has_mps:
        raise ConfigError("'mps' was asked for but this machine has no MPS device; use device: cpu or auto", key="device")
    return name


# --------------------------------------------------------------------------- stepping


def _momentum_key(group: dict) -> str | None:
    if "momentum" in group:
        return "momentum"
    if "betas" in group:
        return "betas"
    return None


def _read_momentum(group: dict, key: str) -> float:
    value = group[key][0] if key == "betas" else group[key]
    return float(value)


#: Progress is reported once per this many optimizer steps.
PROGRESS_CHUNK = 65536


def advance(
    optimizer: Any,
    scheduler: Any,
    metric: "list[float] | None",
    *,
    every: int,
    start: int,
    stop: int,
    lr_cols: list[array],
    m_cols: list[array] | None = None,
    key: str = "",
    progress: Callable[[int], None] | None = None,
) -> None:
    """Run optimizer steps ``start..stop-1`` on an existing optimizer and scheduler.

    The one stepping loop: :func:`step_schedule` runs it from 0 on a fresh build, and
    ``lrviz check`` runs it in pieces around a state_dict save / load, so a resumed run
    is stepped exactly like an uninterrupted one. Each step appends every group's lr
    (and momentum, when ``m_cols`` is given) to the columns, then steps the scheduler
    every ``every`` optimizer steps; the metric index continues at ``start // every``.

    Why it is shaped like this: stepping the real scheduler costs 2 to 4 microseconds,
    and everything lrviz adds around it must stay within a few percent of that (see
    benchmarks/RESULTS.md). So step 0 (the only one with ``optimizer.step()``) runs
    apart, progress is reported between blocks of ``PROGRESS_CHUNK`` steps rather than
    tested on every step, the common case (one group, per-step interval, no metric) has
    a loop of its own with every lookup hoisted, and ``interval: epoch`` reads the
    groups once per scheduler step and repeats that row: nothing runs between two
    optimizer steps of the same epoch, so the rows are the same values by construction.
    """
    groups = optimizer.param_groups
    mkeys = [_momentum_key(g) for g in groups]
    lr_pairs = [(c.append, g) for c, g in zip(lr_cols, groups)]
    m_pairs = [(c.append, g, mk) for c, g, mk in zip(m_cols, groups, mkeys)] if m_cols is not None else []
    # One momentum key for all groups (torch fills the same defaults into every group).
    mkey = mkeys[0] if m_pairs and len(set(mkeys)) == 1 else None
    sched_step = scheduler.step
    chunk = PROGRESS_CHUNK
    k = start // every  # scheduler steps taken before step ``start``
    i = pos = start
    try:
        if pos == 0 and stop > 0:
            for append, g in lr_pairs:
                append(g["lr"])
            for append, g, mk in m_pairs:
                append(_read_momentum(g, mk))
            optimizer.step(_zero_closure)
            if every == 1:
                sched_step() if metric is None else sched_step(metric[0])
                k = 1
            pos = 1
            if progress is not None and pos % chunk == 0:
                progress(chunk)
        while pos < stop:
            end = min(stop, (pos // chunk + 1) * chunk)
            if every == 1:
                # k == i throughout step i, so the error message below needs only i.
                if metric is None and len(groups) == 1 and (not m_pairs or mkey is not None):
                    g = groups[0]
                    la = lr_cols[0].append
                    if not m_pairs:
                        for i in range(pos, end):
                            la(g["lr"])
                            sched_step()
                    elif mkey == "momentum":
                        ma = m_cols[0].append
                        for i in range(pos, end):
                            la(g["lr"])
                            ma(g["momentum"])
                            sched_step()
                    else:  # betas: beta1 plays the part of momentum
                        ma = m_cols[0].append
                        for i in range(pos, end):
                            la(g["lr"])
                            ma(g["betas"][0])
                            sched_step()
                else:
                    for i in range(pos, end):
                        for append, g in lr_pairs:
                            append(g["lr"])
                        for append, g, mk in m_pairs:
                            append(_read_momentum(g, mk))
                        if metric is None:
                            sched_step()
                        else:
                            sched_step(metric[i])
                k = end
            else:
                r = pos
                while r < end:
                    e = min(end, (r // every + 1) * every)  # end of this epoch, within the block
                    i = r
                    n = e - r
                    for append, g in lr_pairs:
                        append(g["lr"])
                    for append, g, mk in m_pairs:
                        append(_read_momentum(g, mk))
                    if n > 1:  # the same row again for the rest of the epoch
                        for c in lr_cols:
                            c.extend(c[-1:] * (n - 1))
                        if m_cols is not None:
                            for c in m_cols:
                                c.extend(c[-1:] * (n - 1))
                    if e % every == 0:
                        i = e - 1
                        if metric is None:
                            sched_step()
                        else:
                            sched_step(metric[k])
                        k += 1
                    r = e
            pos = end
            if progress is not None and end % chunk == 0:
                progress(chunk)
    except LrvizError as exc:
        raise exc.located(key_prefix=None) from None
    except Exception as exc:
        if every == 1:
            k = i
        from lrviz.hints import translate

        where, message = translate(first_line(exc))
        where = where or "scheduler"
        raise SimulationError(
            f"torch failed at step {i} (scheduler step {k + 1}): {message}",
            key=key_join(key, where) if key else where,
        ) from exc


def step_schedule(
    config: "Config",
    schedule: "Schedule",
    device: str,
    progress: Callable[[int], None] | None = None,
) -> Trajectory:
    """Build a fresh optimizer + scheduler for ``schedule`` and step it ``config.steps`` times."""
    from lrviz.build import build

    steps = config.steps
    every = config.scheduler_every(schedule)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        optimizer, scheduler, metric = build(config, schedule, device)
        groups = optimizer.param_groups
        has_momentum = all(_momentum_key(g) for g in groups)
        lr_cols = [array("d") for _ in groups]
        m_cols = [array("d") for _ in groups] if has_momentum else None
        advance(
            optimizer, scheduler, metric, every=every, start=0, stop=steps, lr_cols=lr_cols, m_cols=m_cols,
            key=schedule.key, progress=progress,
        )
    if progress is not None:
        progress(steps % PROGRESS_CHUNK)
    lr = _as_matrix(lr_cols)
    momentum = _as_matrix(m_cols) if m_cols is not None else None
    return Trajectory(
        label=schedule.label,
        scheduler=schedule.scheduler,
        groups=[g["name"] for g in config.optimizer.param_groups],
        lr=lr,
        momentum=momentum,
        interval=schedule.interval,
        key=schedule.key,
        warnings=_warning_lines(caught),
    )


def _as_matrix(cols: list[array]) -> "np.ndarray":
    """Per-group columns -> a (steps, groups) float64 array, without doubling the memory.

    One group (the common case) becomes a view of its column, no copy; several are
    copied one column at a time, each freed once copied, so at most one column is
    held twice (10M steps x 2 groups stay well within the memory target, see
    benchmarks/RESULTS.md).
    """
    import numpy as np

    if len(cols) == 1:
        return np.frombuffer(cols.pop(), dtype=np.float64).reshape(-1, 1)
    out = np.empty((len(cols[0]), len(cols)), dtype=np.float64)
    for j in range(len(cols)):
        out[:, j] = np.frombuffer(cols[j], dtype=np.float64)
        cols[j] = None  # type: ignore[call-overload]
    return out


def _zero_closure():
    """LBFGS needs a closure; the others accept one. The dummy loss is zero."""
    return 0.0


def _warning_lines(caught: list[warnings.WarningMessage]) -> list[str]:
    """Each distinct warning once, in the order raised."""
    seen: dict[str, None] = {}
    for w in caught:
        seen.setdefault(f"{w.category.__name__}: {str(w.message).strip()}", None)
    return list(seen)


def simulate(
    config: "Config",
    *,
    device: str | None = None,
    progress: Callable[[int], None] | None = None,
    jobs: int | None = 1,
) -> Result:
    """Simulate every schedule of ``config``; each gets its own optimizer and scheduler.

    ``jobs`` > 1 (or None for every core) runs schedules in worker processes; values
    are the same either way, since each schedule is independent.
    """
    try:
        dev = resolve_device(device or config.device)
        if jobs != 1 and len(config.schedules) > 1:
            from lrviz.parallel import simulate_parallel

            trajectories = simulate_parallel(config, dev, jobs=jobs, progress=progress)
        else:
            trajectories = [step_schedule(config, s, dev, progress) for s in config.schedules]
    except LrvizError as exc:  # errors found while stepping name the file, like config errors
        raise exc.located(file=config.file) from None
    return Result(config=config, trajectories=trajectories, device=dev)
