"""Check: find the schedule bugs that cost people training runs, before they train.

:func:`check_config` returns a list of :class:`Finding`, one per problem, each naming
the schedule, what is wrong and what to change. Three kinds of evidence, all from
torch itself (nothing here computes a schedule's values):

* **the resume round trip** -- run the real scheduler to step K, ``torch.save`` the
  optimizer and scheduler state into a buffer, build a *fresh* pair with
  :func:`lrviz.build.build`, load both, continue, and compare bit for bit with the
  uninterrupted run of :func:`lrviz.simulate.step_schedule`. Both runs use the same
  stepping loop (:func:`lrviz.simulate.advance`), so the only thing that can differ
  is state that ``state_dict`` did not carry;
* **parameter lints** read the config's params (nested SequentialLR /
  ChainedScheduler children too) against the run's length: OneCycleLR total_steps,
  CosineAnnealingLR T_max, milestones past the end, step counts given to a
  per-epoch schedule;
* **value lints** read the recorded trajectory: an lr that never changes, that is
  negative, zero, NaN or infinite, per-group lrs that collapse to one value; and
  every warning torch raised while simulating.

Lints live in the :data:`LINTS` registry: a new lint is a function, not a branch.
Severity: ``error`` for what will break a run (resume divergence, NaN/inf, lr < 0,
a scheduler that raises mid-run), ``warning`` for what is probably not what was
meant. ``lrviz check`` exits 1 on errors (and on warnings with ``--strict``).
"""

from __future__ import annotations

import math
import types
import warnings
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lrviz.errors import LrvizError, SimulationError, first_line, key_join, one_line
from lrviz.jsonio import plain

if TYPE_CHECKING:
    import numpy as np

    from lrviz.config import Config, Schedule
    from lrviz.simulate import Trajectory

ERROR = "error"
WARNING = "warning"
SEVERITIES = (ERROR, WARNING)

#: Scheduler parameters that count scheduler steps (epochs for ``interval: epoch``).
COUNT_PARAMS = (
    "T_max", "T_0", "step_size", "step_size_up", "step_size_down", "total_iters", "total_steps",
    "milestones", "num_training_steps", "num_warmup_steps", "warmup_steps",
)
#: Count parameters that say how long a schedule lasts (not a period or a milestone):
#: given the number of epochs on a per-step schedule, the whole schedule is squeezed
#: into the first 1/steps_per_epoch of the run.
DURATION_PARAMS = ("T_max", "total_iters", "total_steps", "num_training_steps")
#: At most this many resume points per schedule (defaults plus milestones).
MAX_RESUME_POINTS = 16


@dataclass(frozen=True)
class Finding:
    """One problem with one schedule.

    ``step`` is the optimizer step (0-based, as in ``lrviz export``) where it shows,
    when there is one; ``values`` holds the numbers behind the message.
    """

    schedule: str
    severity: str  # "error" | "warning"
    code: str
    message: str
    step: int | None = None
    values: dict[str, Any] = field(default_factory=dict)
    key: str | None = None  # where in the config, e.g. schedules[1].params.T_max
    config: str | None = None  # the config file, when there is one

    def __str__(self) -> str:
        where = "".join(f"{part}: " for part in (self.config, self.key) if part)
        return one_line(f"{where}{self.schedule}: {self.severity} [{self.code}] {self.message}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; non-finite numbers spelled as :mod:`lrviz.jsonio` spells them."""
        return {
            "config": self.config,
            "schedule": self.schedule,
            "severity": self.severity,
            "code": self.code,
            "key": self.key,
            "step": self.step,
            "message": self.message,
            "values": plain(self.values),
        }


def _num(v: float) -> str:
    """Full precision: a resume divergence can be one ulp."""
    return repr(float(v))


# --------------------------------------------------------------------------- spec walking


@dataclass
class Node:
    """One scheduler in a schedule's spec tree, with how far the run takes it.

    ``reach`` is the largest ``last_epoch`` the scheduler gets to (the number of
    ``step()`` calls it sees); ``horizon`` is its ``last_epoch`` behind the lr of the
    run's last optimizer step (one less than ``reach`` when the final ``step()``
    produces an lr nothing uses).
    """

    name: str
    params: dict[str, Any]
    key: str  # key path of this scheduler spec ("" for a single-schedule config)
    reach: int
    horizon: int
    offset: int = 0  # the parent run's scheduler step at which it takes over
    span: int | None = None  # scheduler steps it is in charge of (None: to the end of the run)

    def pkey(self, param: str) -> str:
        return key_join(key_join(self.key, "params"), param)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _milestones(params: dict) -> list[int]:
    raw = params.get("milestones")
    if not isinstance(raw, (list, tuple)):
        return []
    return [int(m) for m in raw if _is_number(m)]


def walk(config: "Config", schedule: "Schedule") -> Iterator[Node]:
    """Every scheduler of ``schedule``'s spec, outermost first, children in order."""
    every = config.scheduler_every(schedule)
    top = Node(
        schedule.scheduler, schedule.params, schedule.key,
        reach=config.scheduler_steps(schedule), horizon=(config.steps - 1) // every,
    )
    yield from _walk(top, 0)


def _walk(node: Node, depth: int) -> Iterator[Node]:
    from lrviz.config import MAX_NESTING

    yield node
    children = node.params.get("schedulers")
    if depth >= MAX_NESTING or not isinstance(children, (list, tuple)):
        return
    ckey = key_join(key_join(node.key, "params"), "schedulers")
    ms = _milestones(node.params)
    for j, child in enumerate(children):
        if not isinstance(child, dict) or not isinstance(child.get("scheduler"), str):
            continue
        params = child.get("params") if isinstance(child.get("params"), dict) else {}
        if node.name == "SequentialLR":
            # child j runs from milestone j-1 (after a step(0)) until milestone j
            start = ms[j - 1] if 0 < j <= len(ms) else 0
            end = ms[j] if j < len(ms) else None
            if start > node.horizon:
                continue  # never takes over in this run
            reach = (min(end - 1, node.reach) if end is not None else node.reach) - start
            horizon = (min(end - 1, node.horizon) if end is not None else node.horizon) - start
            span = end - start if end is not None else (node.span - start if node.span is not None else None)
            sub = Node(child["scheduler"], params, key_join(ckey, j), reach, horizon, node.offset + start, span)
        else:  # ChainedScheduler: every child sees every step
            sub = Node(child["scheduler"], params, key_join(ckey, j), node.reach, node.horizon, node.offset, node.span)
        yield from _walk(sub, depth + 1)


# --------------------------------------------------------------------------- lint context


@dataclass
class Context:
    """What a lint sees: the config, one schedule, its spec tree and its trajectory."""

    config: "Config"
    schedule: "Schedule"
    nodes: list[Node]
    trajectory: "Trajectory | None"  # None when the simulation failed
    configured_lrs: list[float]
    claimed: set[str] = field(default_factory=set)  # param keys a lint already reported

    def finding(self, severity: str, code: str, message: str, **kw: Any) -> Finding:
        src = self.config.file
        return Finding(self.schedule.label, severity, code, message, config=src, **kw)


Lint = Callable[[Context], Iterator[Finding]]
#: Lints in the order they run (and report). ``interval-mismatch`` runs first and
#: claims the params it explains, so later lints do not report the same number twice.
LINTS: list[tuple[str, Lint]] = []


def lint(code: str, *, needs_trajectory: bool = False) -> Callable[[Lint], Lint]:
    def register(fn: Lint) -> Lint:
        fn.needs_trajectory = needs_trajectory  # type: ignore[attr-defined]
        LINTS.append((code, fn))
        return fn

    return register


def _count_values(value: Any) -> list[int]:
    if _is_number(value):
        return [int(value)]
    if isinstance(value, (list, tuple)):
        return [int(v) for v in value if _is_number(v)]
    return []


@lint("interval-mismatch")
def _interval_mismatch(ctx: Context) -> Iterator[Finding]:
    cfg = ctx.config
    spe = cfg.steps_per_epoch
    if spe <= 1:
        return  # epochs and steps are the same count: nothing to mix up
    epochs = cfg.steps // spe
    for node in ctx.nodes:
        for param in COUNT_PARAMS:
            if param not in node.params:
                continue
            values = _count_values(node.params[param])
            if not values:
                continue
            shown = node.params[param]
            key = node.pkey(param)
            if ctx.schedule.interval == "epoch":
                big = [v for v in values if epochs < v <= cfg.steps]
                if big:
                    ctx.claimed.add(key)
                    yield ctx.finding(
                        WARNING, "interval-mismatch",
                        f"{node.name} {param}={shown} looks like a count of optimizer steps, but this schedule has "
                        f"interval: epoch and is stepped once per epoch ({epochs} times in {cfg.steps} steps); "
                        f"use interval: step, or give {param} in epochs",
                        key=key, values={param: max(big), "epochs": epochs, "steps": cfg.steps},
                    )
            elif _looks_like_epochs(node, param, shown, values, epochs):
                ctx.claimed.add(key)
                yield ctx.finding(
                    WARNING, "interval-mismatch",
                    f"{node.name} {param}={shown} looks like a count of epochs (the run has {epochs} epochs of "
                    f"{spe} steps), but this schedule has interval: step and is stepped {cfg.steps} times; "
                    f"use interval: epoch, or give {param} in optimizer steps",
                    key=key, values={param: max(values), "epochs": epochs, "steps": cfg.steps},
                )


def _looks_like_epochs(node: Node, param: str, shown: Any, values: list[int], epochs: int) -> bool:
    """On a per-step schedule: a duration equal to the number of epochs (and not to the
    part of the run this scheduler is in charge of), or two or more milestones that all
    fall within the first ``epochs`` steps and reach past half of them (30, 60, 90 of
    100 epochs). Periods (step_size, T_0) are left alone: short ones are common.
    """
    if param in DURATION_PARAMS and not isinstance(shown, (list, tuple)):
        span = node.span if node.span is not None else node.reach
        return values[0] == epochs and values[0] != span
    if param == "milestones" and len(values) >= 2:
        return epochs / 2 <= max(values) <= epochs
    return False


def _onecycle_total(params: dict) -> int | None:
    if _is_number(params.get("total_steps")):
        return int(params["total_steps"])
    if _is_number(params.get("epochs")) and _is_number(params.get("steps_per_epoch")):
        return int(params["epochs"]) * int(params["steps_per_epoch"])
    return None


@lint("onecycle-total-steps")
def _onecycle(ctx: Context) -> Iterator[Finding]:
    for node in ctx.nodes:
        if node.name != "OneCycleLR":
            continue
        total = _onecycle_total(node.params)
        if total is None:
            continue
        given = "total_steps" if "total_steps" in node.params else "epochs x steps_per_epoch"
        key = node.pkey("total_steps" if "total_steps" in node.params else "epochs")
        if key in ctx.claimed or total == node.reach:
            continue
        how = f"stepped {node.reach} times" + (" (once per epoch)" if ctx.schedule.interval == "epoch" else "")
        if total < node.reach:
            yield ctx.finding(
                ERROR, "onecycle-total-steps",
                f"OneCycleLR {given} = {total} but the scheduler is {how}: torch raises ValueError at "
                f"scheduler step {total + 1}; set total_steps: {node.reach}",
                key=key, values={"total_steps": total, "scheduler_steps": node.reach},
            )
        else:
            fix = (
                "OneCycleLR plans one step per batch: use interval: step"
                if ctx.schedule.interval == "epoch" and total == ctx.config.steps
                else f"set total_steps: {node.reach}"
            )
            yield ctx.finding(
                WARNING, "onecycle-total-steps",
                f"OneCycleLR {given} = {total} but the scheduler is {how}: the cycle stops at "
                f"{node.reach / total:.0%} and never anneals to its final lr; {fix}",
                key=key, values={"total_steps": total, "scheduler_steps": node.reach},
            )


@lint("cosine-tmax")
def _cosine(ctx: Context) -> Iterator[Finding]:
    for node in ctx.nodes:
        if node.name != "CosineAnnealingLR" or not _is_number(node.params.get("T_max")):
            continue
        key = node.pkey("T_max")
        t_max = int(node.params["T_max"])
        if key in ctx.claimed or node.reach <= 0:
            continue
        if 0 < t_max < node.horizon:
            yield ctx.finding(
                WARNING, "cosine-tmax",
                f"CosineAnnealingLR T_max={t_max} is shorter than the {node.reach} scheduler steps it runs: the lr "
                f"reaches eta_min after {t_max} steps and rises again (T_max is a half period, not a restart); "
                f"set T_max: {node.reach}, or use CosineAnnealingWarmRestarts for restarts",
                key=key, values={"T_max": t_max, "scheduler_steps": node.reach},
            )
        elif t_max >= 2 * node.reach:
            yield ctx.finding(
                WARNING, "cosine-tmax",
                f"CosineAnnealingLR T_max={t_max} is {t_max / node.reach:.3g}x the {node.reach} scheduler steps it "
                f"runs: the lr is still above half its starting value at the end and never anneals; "
                f"set T_max: {node.reach} (the run's length)",
                key=key, values={"T_max": t_max, "scheduler_steps": node.reach},
            )


@lint("milestone-beyond-run")
def _milestones_lint(ctx: Context) -> Iterator[Finding]:
    for node in ctx.nodes:
        if node.name not in ("SequentialLR", "MultiStepLR"):
            continue
        key = node.pkey("milestones")
        if key in ctx.claimed:
            continue
        late = [m for m in _milestones(node.params) if m > node.horizon]
        if not late:
            continue
        what = "switches to the next scheduler" if node.name == "SequentialLR" else "decays the lr"
        yield ctx.finding(
            WARNING, "milestone-beyond-run",
            f"{node.name} milestone{'s' if len(late) > 1 else ''} {', '.join(map(str, late))} never take"
            f"{'' if len(late) > 1 else 's'} effect: a milestone {what} after that many scheduler steps, and the "
            f"last optimizer step uses the lr after {node.horizon}; lower {'them' if len(late) > 1 else 'it'} "
            f"or lengthen the run",
            key=key, values={"milestone": late[0], "last_scheduler_step": node.horizon},
        )


def _group_values(ctx: Context, row: "np.ndarray") -> dict[str, float]:
    return {name: float(v) for name, v in zip(ctx.trajectory.groups, row)}


@lint("nonfinite-lr", needs_trajectory=True)
def _nonfinite(ctx: Context) -> Iterator[Finding]:
    import numpy as np

    lr = ctx.trajectory.lr
    bad = ~np.isfinite(lr)
    if bad.any():
        i = int(np.argmax(bad.any(axis=1)))
        yield ctx.finding(
            ERROR, "nonfinite-lr",
            f"the lr is {_num(lr[i][bad[i]][0])} from step {i} ({' and '.join(_nonfinite_kinds(lr))} at "
            f"{int(bad.any(axis=1).sum())} of {len(lr)} steps): training would diverge or stop; check the "
            "params (a factor that overflows, a division by zero)",
            step=i, values=_group_values(ctx, lr[i]),
        )


def _nonfinite_kinds(a: "np.ndarray") -> list[str]:
    import numpy as np

    kinds = [("nan", np.isnan(a)), ("inf", np.isposinf(a)), ("-inf", np.isneginf(a))]
    return [name for name, mask in kinds if mask.any()]


@lint("nonpositive-lr", needs_trajectory=True)
def _nonpositive(ctx: Context) -> Iterator[Finding]:
    import numpy as np

    lr = ctx.trajectory.lr
    neg = lr < 0
    if neg.any():
        i = int(np.argmax(neg.any(axis=1)))
        yield ctx.finding(
            ERROR, "nonpositive-lr",
            f"the lr is negative ({_num(lr[i][neg[i]].min())}) at step {i}: the optimizer would climb the loss; "
            "check the params (an end factor or lr_lambda below zero)",
            step=i, values=_group_values(ctx, lr[i]),
        )
        return
    # A zero lr at the first step (warmup from 0), the last (decay to 0) or at the
    # bottom of a cycle is a common design; a stretch of zeros before the end is a
    # schedule that ran out early: those optimizer steps do nothing.
    zero = (lr == 0).any(axis=1)[:-1]
    stretch = zero[1:] & zero[:-1]
    if stretch.any():
        i = int(np.argmax(stretch))
        yield ctx.finding(
            WARNING, "nonpositive-lr",
            f"the lr is 0 at {int((lr == 0).any(axis=1).sum())} of {len(lr)} steps, from step {i}: those "
            "optimizer steps do nothing; check the params (a schedule that ends before the run, a factor of 0)",
            step=i, values=_group_values(ctx, lr[i]),
        )


@lint("constant-lr", needs_trajectory=True)
def _constant(ctx: Context) -> Iterator[Finding]:
    import numpy as np

    t = ctx.trajectory
    if t.steps < 2 or not np.isfinite(t.lr).all():
        return
    if np.all(t.lr == t.lr[0]) and not t.momentum_varies():
        yield ctx.finding(
            WARNING, "constant-lr",
            f"the lr never changes ({', '.join(_num(v) for v in t.lr[0])} for all {t.steps} steps): "
            "this scheduler does nothing in this run; check its params against the run's length",
            values=_group_values(ctx, t.lr[0]),
        )


@lint("groups-collapse", needs_trajectory=True)
def _collapse(ctx: Context) -> Iterator[Finding]:
    import numpy as np

    lr = ctx.trajectory.lr
    if lr.shape[1] < 2 or len(set(ctx.configured_lrs)) < 2:
        return
    same = np.all(lr == lr[:, :1], axis=1) & (lr[:, 0] != 0)
    # One scheduler step alike is a shared floor touched once (cosine reaching a
    # single eta_min at the very end): by design. Two or more is a collapse.
    every = ctx.config.scheduler_every(ctx.schedule)
    if np.unique(np.flatnonzero(same) // every).size >= 2:
        i = int(np.argmax(same))
        configured = ", ".join(f"{g}={_num(v)}" for g, v in zip(ctx.trajectory.groups, ctx.configured_lrs))
        yield ctx.finding(
            WARNING, "groups-collapse",
            f"the param groups were configured with different lrs ({configured}) but all use lr "
            f"{_num(lr[i, 0])} from step {i}: a single-number scheduler param (max_lr, base_lr, eta_min, "
            "min_lr) sets every group alike; give it a list with one value per group",
            step=i, values=_group_values(ctx, lr[i]),
        )


@lint("torch-warning", needs_trajectory=True)
def _torch_warnings(ctx: Context) -> Iterator[Finding]:
    for line in ctx.trajectory.warnings:
        yield ctx.finding(WARNING, "torch-warning", f"torch warned while simulating: {line}", values={"warning": line})


# --------------------------------------------------------------------------- resume round trip


def validate_resume_at(config: "Config", resume_at: list[int] | None) -> None:
    """Refuse resume points outside the run (bad input: exit 2), before any work."""
    n = config.steps
    for k in resume_at or ():
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= n - 1:
            raise LrvizError(
                f"--resume-at {k} is outside the run of {n} steps: give an optimizer step from 1 to {n - 1}",
                file=config.file,
            )


def resume_points(config: "Config", schedule: "Schedule", resume_at: list[int] | None = None) -> list[int]:
    """Optimizer steps after which the run is saved and resumed, sorted.

    Given ``resume_at``: those. Otherwise 1/4, 1/2 and 3/4 of the run (on an epoch
    boundary for ``interval: epoch``) and both sides of every SequentialLR milestone
    (milestones count scheduler steps: times ``steps_per_epoch`` for ``interval:
    epoch``): the switch happens inside ``step()``, so state can be lost on either side.
    """
    n = config.steps
    if resume_at:
        validate_resume_at(config, resume_at)
        return sorted(set(resume_at))
    every = config.scheduler_every(schedule)
    points = {(n * q // 4) // every * every for q in (1, 2, 3)}
    extra: set[int] = set()
    for node in walk(config, schedule):
        if node.name == "SequentialLR":
            for m in _milestones(node.params):
                extra.update({(node.offset + m) * every, (node.offset + m - 1) * every})
    points = {p for p in points if 0 < p < n}
    extra = {p for p in extra if 0 < p < n} - points
    return sorted(points | set(sorted(extra)[: max(0, MAX_RESUME_POINTS - len(points))]))


def _columns(n: int) -> list[array]:
    return [array("d") for _ in range(n)]


def first_difference(a: "np.ndarray", b: "np.ndarray") -> tuple[int, int] | None:
    """(row, column) of the first bitwise difference; two NaNs count as equal."""
    import numpy as np

    differ = (a.view(np.int64) != b.view(np.int64)) & ~(np.isnan(a) & np.isnan(b))
    if not differ.any():
        return None
    row = int(np.argmax(differ.any(axis=1)))
    return row, int(np.argmax(differ[row]))


def _save(optimizer: Any, scheduler: Any) -> bytes:
    import io

    import torch

    buf = io.BytesIO()
    torch.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()}, buf)
    return buf.getvalue()


def _load(blob: bytes) -> dict:
    import io

    import torch

    # weights_only=False: a scheduler's state_dict holds plain Python objects (a
    # callable's __dict__, SequentialLR's children's dicts) that the weights-only
    # unpickler refuses. The bytes were written a moment ago by _save in this
    # process, never read from a file, so full unpickling trusts nothing new.
    return torch.load(io.BytesIO(blob), weights_only=False)


def _schedulers_in(scheduler: Any) -> Iterator[Any]:
    yield scheduler
    for child in getattr(scheduler, "_schedulers", None) or []:
        yield from _schedulers_in(child)


def likely_cause(scheduler: Any, info_kind: str, first_resumed: bool) -> str:
    """Why a resumed run may differ, read from the fresh scheduler's objects."""
    for s in _schedulers_in(scheduler):
        for fn in getattr(s, "lr_lambdas", None) or []:
            if isinstance(fn, types.FunctionType) and fn.__closure__ and not hasattr(fn, "source"):
                return (
                    f"{type(s).__name__}'s lr_lambda {fn.__qualname__} is a function with captured variables "
                    "(a closure), and state_dict() saves no function state: a counter in the closure restarts "
                    "from zero on resume; make lr_lambda a pure function of its step argument, or a callable "
                    "object whose attributes hold the state"
                )
    if first_resumed:
        return (
            "the lr right after load_state_dict differs: the saved state does not restore the optimizer's "
            "param_groups; save and load optimizer.state_dict() too (construct the scheduler after the "
            "optimizer, then load both)"
        )
    if info_kind == "import":
        return (
            "the custom scheduler keeps state outside state_dict() (a closure, a global, another object); "
            "keep it in the scheduler's own attributes, or override state_dict() and load_state_dict()"
        )
    return "state held outside state_dict() (e.g. a counter in a lambda's closure)"


def checkpoints(
    config: "Config", schedule: "Schedule", device: str, points: list[int], *, momentum: bool = True
) -> tuple[dict[int, bytes], "np.ndarray"]:
    """One run from a fresh build, ``torch.save``-d after each of ``points`` (sorted).

    Returns the saved bytes by step, and the lr rows recorded up to the last point.
    """
    from lrviz.build import build
    from lrviz.simulate import _as_matrix, advance

    every = config.scheduler_every(schedule)
    optimizer, scheduler, metric = build(config, schedule, device)
    groups = len(optimizer.param_groups)
    lr_cols, m_cols = _columns(groups), (_columns(groups) if momentum else None)
    saved: dict[int, bytes] = {}
    pos = 0
    for k in points:
        advance(optimizer, scheduler, metric, every=every, start=pos, stop=k, lr_cols=lr_cols, m_cols=m_cols,
                key=schedule.key)
        pos = k
        saved[k] = _save(optimizer, scheduler)
    return saved, _as_matrix(lr_cols)


@dataclass
class Resumed:
    """A run resumed after step ``k``: rows ``k..steps-1`` of lr (and momentum)."""

    k: int
    lr: "np.ndarray"
    momentum: "np.ndarray | None"
    scheduler: Any  # the fresh scheduler, for diagnosing a difference


def resume(
    config: "Config",
    schedule: "Schedule",
    device: str,
    blob: bytes,
    k: int,
    *,
    momentum: bool = True,
    restore_optimizer: bool = True,
) -> Resumed:
    """Build a fresh optimizer + scheduler, load the state saved after step ``k``, run to the end.

    ``restore_optimizer`` False skips ``optimizer.load_state_dict`` -- what a training
    script that saves only the scheduler does -- to show what that costs.
    """
    from lrviz.build import build
    from lrviz.simulate import _as_matrix, _zero_closure, advance

    optimizer, scheduler, metric = build(config, schedule, device)
    state = _load(blob)
    # PyTorch's documented order: the scheduler is constructed after the optimizer
    # (build does that), then the optimizer's state is loaded, then the scheduler's.
    if restore_optimizer:
        optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    # A resumed training loop calls optimizer.step() before scheduler.step(), as
    # the uninterrupted run did at step 0; without it torch warns about the order.
    # The dummy parameters have no gradient, so this changes no lr or momentum.
    optimizer.step(_zero_closure)
    groups = len(optimizer.param_groups)
    lr_cols, m_cols = _columns(groups), (_columns(groups) if momentum else None)
    advance(optimizer, scheduler, metric, every=config.scheduler_every(schedule), start=k, stop=config.steps,
            lr_cols=lr_cols, m_cols=m_cols, key=schedule.key)
    return Resumed(k, _as_matrix(lr_cols), _as_matrix(m_cols) if momentum else None, scheduler)


def resume_round_trip(
    config: "Config",
    schedule: "Schedule",
    device: str,
    trajectory: "Trajectory",
    points: list[int],
    *,
    restore_optimizer: bool = True,
) -> tuple[list[Finding], list[str]]:
    """Save at each point, resume on a fresh build, compare with ``trajectory``.

    Returns (findings, warnings torch raised along the way): at most one
    ``resume-divergence`` per schedule, at the earliest point that diverges.
    """
    from lrviz.registry import resolve
    from lrviz.simulate import _warning_lines

    ctx = Context(config, schedule, [], trajectory, [])
    has_m = trajectory.momentum is not None
    ref_lr, ref_m = trajectory.lr, trajectory.momentum
    key = schedule.key or None
    findings: list[Finding] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            saved, prefix = checkpoints(config, schedule, device, points, momentum=has_m)
        except LrvizError:
            raise
        except Exception as exc:
            findings.append(ctx.finding(
                ERROR, "resume-failed",
                f"saving the optimizer and scheduler state with torch.save failed: {first_line(exc)}; a state_dict "
                "must hold only picklable values (no lambdas or local functions among the scheduler's attributes)",
                key=key,
            ))
            return findings, _warning_lines(caught)
        diff = first_difference(prefix, ref_lr[: len(prefix)])
        if diff is not None:
            i, g = diff
            findings.append(ctx.finding(
                ERROR, "nondeterministic",
                f"two fresh runs of this schedule differ at step {i} (group {trajectory.groups[g]}: "
                f"{_num(ref_lr[i, g])} then {_num(prefix[i, g])}): it depends on something besides its params "
                "(randomness, a global, the clock), so no saved state can reproduce it",
                step=i, key=key,
            ))
            return findings, _warning_lines(caught)

        kind = resolve(schedule.scheduler, key=key_join(schedule.key, "scheduler"), base_dir=config.base_dir,
                       trust=config.trust).kind
        diverged: list[tuple[int, int, str, float, float, str]] = []  # (point, step, what, ref, got, cause)
        for k in points:
            try:
                run = resume(config, schedule, device, saved[k], k, momentum=has_m,
                             restore_optimizer=restore_optimizer)
            except LrvizError as exc:
                findings.append(ctx.finding(
                    ERROR, "resume-failed",
                    f"the run resumed after step {k} fails where the uninterrupted one does not: {exc.message}",
                    step=k, key=key,
                ))
                break
            except Exception as exc:
                findings.append(ctx.finding(
                    ERROR, "resume-failed", f"loading the state saved after step {k} failed: {first_line(exc)}",
                    step=k, key=key,
                ))
                break
            hits = []
            for what, ref, got in (("lr", ref_lr[k:], run.lr), ("momentum", ref_m[k:] if has_m else None, run.momentum)):
                d = first_difference(ref, got) if ref is not None else None
                if d is not None:
                    hits.append((d[0] + k, d[1], what, float(ref[d]), float(got[d])))
            if hits:
                step, g, what, ref_v, got_v = min(hits)
                diverged.append((k, step, f"{what} of group {trajectory.groups[g]}", ref_v, got_v,
                                 likely_cause(run.scheduler, kind, step == k)))
        if diverged:
            k, step, what, ref_v, got_v, cause = diverged[0]
            others = [d[0] for d in diverged[1:]]
            also = f" (also when resumed after step {', '.join(map(str, others))})" if others else ""
            findings.append(ctx.finding(
                ERROR, "resume-divergence",
                f"resumed from a checkpoint saved after step {k}, the {what} differs from the uninterrupted run "
                f"first at step {step}: {_num(got_v)} instead of {_num(ref_v)}{also}. Likely cause: {cause}",
                step=step, key=key,
                values={"resume_at": k, "uninterrupted": ref_v, "resumed": got_v},
            ))
    return findings, _warning_lines(caught)


# --------------------------------------------------------------------------- entry points


def check_schedule(
    config: "Config", schedule: "Schedule", device: str, resume_at: list[int] | None = None
) -> list[Finding]:
    """Every finding for one schedule: lints, torch warnings, then the resume round trip."""
    from lrviz.build import build, build_optimizer
    from lrviz.simulate import step_schedule

    # Build once up front: params torch refuses are bad input (exit 2), not a finding.
    # Its warnings are dropped here: step_schedule's build records the same ones.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        build(config, schedule, device)
        configured = [float(g["lr"]) for g in build_optimizer(config, device).param_groups]
    points = resume_points(config, schedule, resume_at)
    failure: SimulationError | None = None
    try:
        trajectory = step_schedule(config, schedule, device)
    except SimulationError as exc:
        trajectory, failure = None, exc
    ctx = Context(config, schedule, list(walk(config, schedule)), trajectory, configured)
    findings: list[Finding] = []
    for _code, fn in LINTS:
        if trajectory is None and fn.needs_trajectory:  # type: ignore[attr-defined]
            continue
        findings.extend(fn(ctx))
    if failure is not None:
        if not any(f.severity == ERROR for f in findings):
            onecycle = "Tried to step" in failure.message
            findings.append(ctx.finding(
                ERROR, "onecycle-total-steps" if onecycle else "simulation-failed",
                failure.message if onecycle else f"{failure.message}; training would stop here",
                key=failure.key,
            ))
        return findings
    if points:
        more, resume_warnings = resume_round_trip(config, schedule, device, trajectory, points)
        findings.extend(more)
        for line in resume_warnings:
            if line not in trajectory.warnings:
                findings.append(ctx.finding(
                    WARNING, "torch-warning", f"torch warned during the resume round trip: {line}",
                    values={"warning": line},
                ))
    return findings


def check_config(
    config: "Config", resume_at: list[int] | None = None, *, device: str | None = None
) -> list[Finding]:
    """Check every schedule of ``config``; findings in schedule order.

    ``resume_at`` lists optimizer steps at which to save and resume (default: 1/4,
    1/2, 3/4 of the run and both sides of every SequentialLR milestone). Raises
    :class:`~lrviz.errors.LrvizError` for bad input (a value outside the run, params
    torch refuses); everything else is a :class:`Finding`.
    """
    from lrviz.simulate import resolve_device

    validate_resume_at(config, resume_at)
    dev = resolve_device(device or config.device)
    findings: list[Finding] = []
    for schedule in config.schedules:
        findings.extend(check_schedule(config, schedule, dev, resume_at))
    return findings


def summarize(findings: list[Finding]) -> dict[str, int]:
    return {sev + "s": sum(f.severity == sev for f in findings) for sev in SEVERITIES}


def exit_code(findings: list[Finding], *, strict: bool = False) -> int:
    """0 clean; 1 when any finding is an error, or any at all with ``strict``."""
    from lrviz.errors import EXIT_FINDINGS, EXIT_OK

    if any(f.severity == ERROR for f in findings) or (strict and findings):
        return EXIT_FINDINGS
    return EXIT_OK


# --------------------------------------------------------------------------- output


def render_json(results: list[tuple["Config", list[Finding]]], *, strict: bool = False, exit_code: int = 0) -> str:
    """The report for CI: every finding, per-config schedule lists and the totals."""
    from lrviz.jsonio import dumps

    findings = [f for _, fs in results for f in fs]
    doc = {
        "ok": exit_code == 0,
        "exit_code": exit_code,
        "strict": strict,
        **summarize(findings),
        "configs": [
            {
                "config": str(cfg.source) if cfg.source else None,
                "steps": cfg.steps,
                "schedules": [s.label for s in cfg.schedules],
            }
            for cfg, _ in results
        ],
        "findings": [f.to_dict() for f in findings],
    }
    return dumps(doc, indent=2, ensure_ascii=False)


def _summary_line(results: list[tuple["Config", list[Finding]]]) -> str:
    findings = [f for _, fs in results for f in fs]
    counts = summarize(findings)
    n_sched = sum(len(cfg.schedules) for cfg, _ in results)
    scope = f"{n_sched} schedule{'s' if n_sched != 1 else ''} in {len(results)} config{'s' if len(results) != 1 else ''}"
    if not findings:
        return f"ok: {scope}, no findings"
    e, w = counts["errors"], counts["warnings"]
    return f"{e} error{'s' if e != 1 else ''}, {w} warning{'s' if w != 1 else ''} in {scope}"


def render_text(results: list[tuple["Config", list[Finding]]], console: Any = None) -> None:
    """A rich table on a terminal; one plain line per finding when piped."""
    from rich.console import Console

    console = console or Console(highlight=False, soft_wrap=False)
    findings = [f for _, fs in results for f in fs]
    if not console.is_terminal:
        for f in findings:
            print(str(f), file=console.file)
        print(_summary_line(results), file=console.file)
        return
    from rich.markup import escape
    from rich.table import Table

    for cfg, fs in results:
        if not fs:
            continue
        # one table per config, titled with its file; the message gets the width
        table = Table(title=escape(str(cfg.source or cfg.name)), title_justify="left", show_lines=True, expand=True)
        table.add_column("schedule / finding", overflow="fold", max_width=28)
        table.add_column("step", justify="right", no_wrap=True)
        table.add_column("what is wrong, what to change", overflow="fold", ratio=1)
        for f in fs:
            sev = "[bold red]error[/]" if f.severity == ERROR else "[yellow]warning[/]"
            table.add_row(
                f"{escape(f.schedule)}\n{sev} {escape(f.code)}" + (f"\n[dim]{escape(f.key)}[/]" if f.key else ""), "" if f.step is None else str(f.step), escape(f.message)
            )
        console.print(table)
    style = "green" if not findings else ("bold red" if any(f.severity == ERROR for f in findings) else "yellow")
    console.print(f"[{style}]{escape(_summary_line(results))}[/]")
