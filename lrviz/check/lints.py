"""The lints: one function per kind of schedule bug, run in the order of :data:`LINTS`.

Parameter lints read a schedule's params (nested children too, :mod:`~lrviz.check.walk`)
against the run's length: OneCycleLR total_steps, CosineAnnealingLR T_max, milestones
past the end, step counts given to a per-epoch schedule. Value lints read the recorded
trajectory: an lr that never changes, that is negative, zero, NaN or infinite,
per-group lrs that collapse to one value, and every warning torch raised.

A lint is a pure function of its :class:`Context` yielding findings; a new lint is a
function and an entry in :data:`LINTS`. One rule joins them, applied by
:func:`run_lints`: a config key reported by an earlier lint is not reported again
(``interval-mismatch`` comes first, so a T_max given in epochs is explained once as
that, not again as a short cosine).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lrviz.check.context import Context
from lrviz.check.findings import ERROR, WARNING, Finding, num
from lrviz.check.phases import peak_lint, phase_lint
from lrviz.check.walk import Node, is_number, milestones
from lrviz.errors import key_join

if TYPE_CHECKING:
    import numpy as np

#: Scheduler parameters that count scheduler steps (epochs for ``interval: epoch``).
COUNT_PARAMS = (
    "T_max",
    "T_0",
    "step_size",
    "step_size_up",
    "step_size_down",
    "total_iters",
    "total_steps",
    "milestones",
    "num_training_steps",
    "num_warmup_steps",
    "warmup_steps",
)
#: An lr below this trains nothing (float64 reaches it by repeated decay long before it underflows to 0).
TINY_LR = 1e-30
#: Count parameters that say how long a schedule lasts (not a period or a milestone):
#: given the number of epochs on a per-step schedule, the whole schedule is squeezed
#: into the first 1/steps_per_epoch of the run.
DURATION_PARAMS = ("T_max", "total_iters", "total_steps", "num_training_steps")


def _count_values(value: Any) -> list[int]:
    if is_number(value):
        return [int(value)]
    if isinstance(value, (list, tuple)):
        return [int(v) for v in value if is_number(v)]
    return []


def _interval_mismatch(ctx: Context) -> Iterator[Finding]:
    cfg = ctx.config
    spe = cfg.steps_per_epoch
    if spe <= 1:
        return  # epochs and steps are the same count: nothing to mix up
    epochs = cfg.steps // spe
    if epochs == 0 and ctx.schedule.interval == "epoch":
        yield ctx.finding(
            WARNING,
            "interval-mismatch",
            f"this schedule has interval: epoch, but the run ({cfg.steps} steps) is shorter than one epoch of {spe} "
            "steps: the scheduler never steps and the lr stays at its start; lengthen the run, or use interval: step",
            key=key_join(ctx.schedule.key, "interval"),
            values={"epochs": 0, "steps": cfg.steps, "steps_per_epoch": spe},
        )
        return
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
                    yield ctx.finding(
                        WARNING,
                        "interval-mismatch",
                        f"{node.name} {param}={shown} looks like a count of optimizer steps, but this schedule has "
                        f"interval: epoch and is stepped once per epoch ({epochs} times in {cfg.steps} steps); "
                        f"use interval: step, or give {param} in epochs",
                        key=key,
                        values={param: max(big), "epochs": epochs, "steps": cfg.steps},
                    )
            elif _looks_like_epochs(node, param, shown, values, epochs):
                yield ctx.finding(
                    WARNING,
                    "interval-mismatch",
                    f"{node.name} {param}={shown} looks like a count of epochs (the run has {epochs} epochs of "
                    f"{spe} steps), but this schedule has interval: step and is stepped {cfg.steps} times; "
                    f"use interval: epoch, or give {param} in optimizer steps",
                    key=key,
                    values={param: max(values), "epochs": epochs, "steps": cfg.steps},
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


def _onecycle_total(params: dict[str, Any]) -> int | None:
    if is_number(params.get("total_steps")):
        return int(params["total_steps"])
    if is_number(params.get("epochs")) and is_number(params.get("steps_per_epoch")):
        return int(params["epochs"]) * int(params["steps_per_epoch"])
    return None


def _onecycle(ctx: Context) -> Iterator[Finding]:
    for node in ctx.nodes:
        if node.name != "OneCycleLR":
            continue
        total = _onecycle_total(node.params)
        if total is None:
            continue
        given = "total_steps" if "total_steps" in node.params else "epochs x steps_per_epoch"
        key = node.pkey("total_steps" if "total_steps" in node.params else "epochs")
        if total == node.reach:
            continue
        how = f"stepped {node.reach} times" + (" (once per epoch)" if ctx.schedule.interval == "epoch" else "")
        if total < node.reach:
            yield ctx.finding(
                ERROR,
                "onecycle-total-steps",
                f"OneCycleLR {given} = {total} but the scheduler is {how}: torch raises ValueError at "
                f"scheduler step {total + 1}; set total_steps: {node.reach}",
                key=key,
                values={"total_steps": total, "scheduler_steps": node.reach},
            )
        else:
            fix = (
                "OneCycleLR plans one step per batch: use interval: step"
                if ctx.schedule.interval == "epoch" and total == ctx.config.steps
                else f"set total_steps: {node.reach}"
            )
            yield ctx.finding(
                WARNING,
                "onecycle-total-steps",
                f"OneCycleLR {given} = {total} but the scheduler is {how}: the cycle stops at "
                f"{node.reach / total:.0%} and never anneals to its final lr; {fix}",
                key=key,
                values={"total_steps": total, "scheduler_steps": node.reach},
            )


def _cosine(ctx: Context) -> Iterator[Finding]:
    for node in ctx.nodes:
        if node.name != "CosineAnnealingLR" or not is_number(node.params.get("T_max")):
            continue
        key = node.pkey("T_max")
        t_max = int(node.params["T_max"])
        if node.reach <= 0:
            continue
        if 0 < t_max < node.horizon:
            yield ctx.finding(
                WARNING,
                "cosine-tmax",
                f"CosineAnnealingLR T_max={t_max} is shorter than the {node.reach} scheduler steps it runs: the lr "
                f"reaches eta_min after {t_max} steps and rises again (T_max is a half period, not a restart); "
                f"set T_max: {node.reach}, or use CosineAnnealingWarmRestarts for restarts",
                key=key,
                values={"T_max": t_max, "scheduler_steps": node.reach},
            )
        elif t_max >= 2 * node.reach:
            yield ctx.finding(
                WARNING,
                "cosine-tmax",
                f"CosineAnnealingLR T_max={t_max} is {t_max / node.reach:.3g}x the {node.reach} scheduler steps it "
                f"runs: the lr is still above half its starting value at the end and never anneals; "
                f"set T_max: {node.reach} (the run's length)",
                key=key,
                values={"T_max": t_max, "scheduler_steps": node.reach},
            )


def _milestones_lint(ctx: Context) -> Iterator[Finding]:
    for node in ctx.nodes:
        if node.name not in ("SequentialLR", "MultiStepLR"):
            continue
        key = node.pkey("milestones")
        late = [m for m in milestones(node.params) if m > node.horizon]
        if not late:
            continue
        what = "switches to the next scheduler" if node.name == "SequentialLR" else "decays the lr"
        yield ctx.finding(
            WARNING,
            "milestone-beyond-run",
            f"{node.name} milestone{'s' if len(late) > 1 else ''} {', '.join(map(str, late))} never take"
            f"{'' if len(late) > 1 else 's'} effect: a milestone {what} after that many scheduler steps, and the "
            f"last optimizer step uses the lr after {node.horizon}; lower {'them' if len(late) > 1 else 'it'} "
            f"or lengthen the run",
            key=key,
            values={"milestone": late[0], "last_scheduler_step": node.horizon},
        )


def _group_values(ctx: Context, row: np.ndarray) -> dict[str, float]:
    return {name: float(v) for name, v in zip(ctx.recorded.groups, row, strict=True)}


def _nonfinite(ctx: Context) -> Iterator[Finding]:
    import numpy as np

    lr = ctx.recorded.lr
    bad = ~np.isfinite(lr)
    if bad.any():
        i = int(np.argmax(bad.any(axis=1)))
        yield ctx.finding(
            ERROR,
            "nonfinite-lr",
            f"the lr is {num(lr[i][bad[i]][0])} from step {i} ({' and '.join(_nonfinite_kinds(lr))} at "
            f"{int(bad.any(axis=1).sum())} of {len(lr)} steps): training would diverge or stop; check the "
            "params (a factor that overflows, a division by zero)",
            step=i,
            values=_group_values(ctx, lr[i]),
        )


def _nonfinite_kinds(a: np.ndarray) -> list[str]:
    import numpy as np

    kinds = [("nan", np.isnan(a)), ("inf", np.isposinf(a)), ("-inf", np.isneginf(a))]
    return [name for name, mask in kinds if mask.any()]


def _nonpositive(ctx: Context) -> Iterator[Finding]:
    import numpy as np

    lr = ctx.recorded.lr
    neg = lr < 0
    if neg.any():
        i = int(np.argmax(neg.any(axis=1)))
        yield ctx.finding(
            ERROR,
            "nonpositive-lr",
            f"the lr is negative ({num(lr[i][neg[i]].min())}) at step {i}: the optimizer would climb the loss; "
            "check the params (an end factor or lr_lambda below zero)",
            step=i,
            values=_group_values(ctx, lr[i]),
        )
        return
    # A zero lr at the first step (warmup from 0), the last (decay to 0) or at the
    # bottom of a cycle is a common design; a stretch of zeros before the end is a
    # schedule that ran out early: those optimizer steps do nothing.
    zero = (lr == 0).any(axis=1)[:-1]
    stretch = zero[1:] & zero[:-1]
    if stretch.any():
        i = int(np.argmax(stretch))
        tiny = (np.abs(lr) < TINY_LR).any(axis=1)
        t = int(np.argmax(tiny))
        zeros = f"0 at {int((lr == 0).any(axis=1).sum())} of {len(lr)} steps, from step {i}"
        what = (
            f"the lr falls below {TINY_LR:g} from step {t} and underflows to {zeros}"
            if t < i and lr[i - 1][lr[i - 1] != 0].size and (lr[i - 1][lr[i - 1] != 0] < TINY_LR).all()
            else f"the lr is {zeros}"
        )
        yield ctx.finding(
            WARNING,
            "nonpositive-lr",
            f"{what}: those optimizer steps do nothing; check the params (a schedule that ends before the run, "
            "a factor of 0, a decay too fast for the run)",
            step=i,
            values=_group_values(ctx, lr[i]),
        )


def _constant(ctx: Context) -> Iterator[Finding]:
    import numpy as np

    t = ctx.recorded
    if t.steps < 2 or not np.isfinite(t.lr).all():
        return
    if np.all(t.lr == t.lr[0]) and not t.momentum_varies():
        yield ctx.finding(
            WARNING,
            "constant-lr",
            f"the lr never changes ({', '.join(num(v) for v in t.lr[0])} for all {t.steps} steps): "
            "this scheduler does nothing in this run; check its params against the run's length",
            values=_group_values(ctx, t.lr[0]),
        )


def _collapse(ctx: Context) -> Iterator[Finding]:
    import numpy as np

    lr = ctx.recorded.lr
    if lr.shape[1] < 2 or len(set(ctx.configured_lrs)) < 2:
        return
    same = np.all(lr == lr[:, :1], axis=1) & (lr[:, 0] != 0)
    # One scheduler step alike is a shared floor touched once (cosine reaching a
    # single eta_min at the very end): by design. Two or more is a collapse.
    every = ctx.config.scheduler_every(ctx.schedule)
    steps = np.flatnonzero(same) // every  # sorted: two or more distinct iff the first and last differ
    if steps.size and steps[0] != steps[-1]:  # (np.unique took 2 s on 2M steps, which plot now pays too)
        i = int(np.argmax(same))
        configured = ", ".join(f"{g}={num(v)}" for g, v in zip(ctx.recorded.groups, ctx.configured_lrs, strict=True))
        yield ctx.finding(
            WARNING,
            "groups-collapse",
            f"the param groups were configured with different lrs ({configured}) but all use lr "
            f"{num(lr[i, 0])} from step {i}: a single-number scheduler param (max_lr, base_lr, eta_min, "
            "min_lr) sets every group alike; give it a list with one value per group",
            step=i,
            values=_group_values(ctx, lr[i]),
        )


def _torch_warnings(ctx: Context) -> Iterator[Finding]:
    for line in ctx.recorded.warnings:
        yield ctx.finding(
            WARNING,
            "torch-warning",
            f"the scheduler warned while simulating (torch, or the framework or code it runs): {line}",
            values={"warning": line},
        )


@dataclass(frozen=True)
class Lint:
    code: str
    check: Callable[[Context], Iterator[Finding]]
    needs_trajectory: bool = False
    #: Codes that, reported for this schedule already, say what this lint would (a OneCycleLR
    #: cut short never reaches its peak either): its findings are then left out.
    quiet_after: tuple[str, ...] = ()


#: Findings that already say why a schedule's shape does not fit its run.
_SHAPE = (
    "interval-mismatch", "onecycle-total-steps", "cosine-tmax", "nonfinite-lr", "nonpositive-lr"
)  # fmt: skip

#: Every lint, in the order they run and report.
LINTS: tuple[Lint, ...] = (
    Lint("interval-mismatch", _interval_mismatch),
    Lint("onecycle-total-steps", _onecycle),
    Lint("cosine-tmax", _cosine),
    Lint("milestone-beyond-run", _milestones_lint),
    Lint("nonfinite-lr", _nonfinite, needs_trajectory=True),
    Lint("nonpositive-lr", _nonpositive, needs_trajectory=True),
    Lint("peak-not-reached", peak_lint, needs_trajectory=True, quiet_after=_SHAPE),
    Lint("phase-beyond-run", phase_lint),
    Lint("constant-lr", _constant, needs_trajectory=True, quiet_after=("peak-not-reached",)),
    Lint("groups-collapse", _collapse, needs_trajectory=True),
    Lint("torch-warning", _torch_warnings, needs_trajectory=True),
)


def run_lints(ctx: Context) -> list[Finding]:
    """Every lint of :data:`LINTS` in order (value lints only with a trajectory); a finding
    at a config key an earlier lint reported is left out."""
    findings: list[Finding] = []
    for lint in LINTS:
        if lint.needs_trajectory and ctx.trajectory is None:
            continue
        reported = {f.key for f in findings if f.key}
        if any(f.code in lint.quiet_after for f in findings):
            continue
        findings.extend(f for f in lint.check(ctx) if not (f.key and f.key in reported))
    return findings
