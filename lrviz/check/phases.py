"""Lints for a schedule whose shape does not fit its run, for every source.

``peak-not-reached`` reads the recorded trajectory, so it holds for torch classes,
presets, ``hf.*``, ``timm.*``, framework files and factories alike: each param group's
highest recorded lr against the highest it is configured to reach (its base lr, which
torch and timm keep as ``initial_lr``; OneCycleLR's ``max_lr``; CyclicLR's ``max_lr``).
A warmup longer than the run, or a decay that starts before the warmup ends (an HF
``warmup_stable_decay`` whose ``num_decay_steps`` exceed the run), never gets there.

``phase-beyond-run`` reads the parameters: phases whose lengths do not fit the part of
the run the scheduler is in charge of (HF's warmup + stable + decay longer than its
``num_training_steps``; a ``num_training_steps`` or ``total_iters`` other than the run;
a SequentialLR child cut by its milestone before its own phase ends).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from lrviz.check.context import Context
from lrviz.check.findings import WARNING, Finding
from lrviz.check.walk import Node, is_number

if TYPE_CHECKING:
    import numpy as np

#: How far below its configured peak a recorded maximum may be and still count as reaching it
#: (float rounding of a product of factors, never a phase cut short).
PEAK_RTOL = 1e-6
#: Parameters that give a phase's length in scheduler steps: a rise, or the whole schedule.
LENGTHS = ("num_warmup_steps", "warmup_steps", "warmup_t", "step_size_up", "total_iters", "num_training_steps")
#: Schedulers whose peak is theirs to place: OneCycleLR peaks between two steps (at
#: ``pct_start * total_steps - 1``), CyclicLR's ``exp_range`` shrinks every cycle. Only a
#: length the params name (``step_size_up``; ``total_steps``, onecycle-total-steps) is a finding.
OWN_PEAK = frozenset({"OneCycleLR", "CyclicLR"})
#: HF's phases of warmup_stable_decay, in order.
WSD = ("num_warmup_steps", "num_stable_steps", "num_decay_steps")


def _per_group(value: Any, n: int) -> list[float]:
    if is_number(value):
        return [float(value)] * n
    if isinstance(value, (list, tuple)) and len(value) == n and all(is_number(v) for v in value):
        return [float(v) for v in value]
    return [math.nan] * n


def peaks(ctx: Context) -> list[float]:
    """Per param group: the highest lr the schedule is configured to reach."""
    t = ctx.recorded
    n = len(t.groups)
    base = t.initial.get("initial_lr", [math.nan] * n)
    candidates = [[b if math.isfinite(b) else c] for b, c in zip(base, ctx.configured_lrs, strict=True)]
    for g, v in enumerate(t.initial.get("max_lr", [])):
        candidates[g].append(v)
    for node in ctx.nodes:
        if node.name == "CyclicLR":
            for g, v in enumerate(_per_group(node.full.get("max_lr"), n)):
                candidates[g].append(v)
    return [max((v for v in vs if math.isfinite(v)), default=math.nan) for vs in candidates]


def _cause(ctx: Context) -> tuple[str, str | None]:
    """The phase that keeps the lr from its peak, and its key, when the params say which."""
    for node in ctx.nodes:
        wsd = _wsd_overlap(node)
        if wsd:
            return wsd, node.pkey("num_decay_steps")
        limit = min(node.span, node.reach) if node.span is not None else node.reach
        for param in LENGTHS:
            v: Any = node.full.get(param)
            if is_number(v) and v > limit and not (param == "total_iters" and _decays(node)):
                return f"{node.name} {param}={v} is longer than the {limit} scheduler steps it runs", node.pkey(param)
    return "", None


def _decays(node: Node) -> bool:
    """A LinearLR that falls (its total_iters is a decay's length, not a rise's)."""
    start, end = node.full.get("start_factor", 1 / 3), node.full.get("end_factor", 1.0)
    return node.name == "LinearLR" and is_number(start) and is_number(end) and start > end


def peak_lint(ctx: Context) -> Iterator[Finding]:
    import numpy as np

    lr = ctx.recorded.lr
    if not np.isfinite(lr).all() or not len(lr):
        return
    top = lr.max(axis=0)
    for g, (high, peak) in enumerate(zip(top.tolist(), peaks(ctx), strict=True)):
        if not (math.isfinite(peak) and peak > 0 and high < peak * (1 - PEAK_RTOL)):
            continue
        cause, key = _cause(ctx)
        if not cause and (not _rises(lr[:, g]) or any(n.name in OWN_PEAK for n in ctx.nodes)):
            continue  # a multiplier below 1 throughout (LambdaLR's 0.5) is a choice, not a phase cut short
        cause = cause or "a warmup or rise longer than the run, or a later phase that starts before it ends"
        group = f" (param group {ctx.recorded.groups[g]})" if len(top) > 1 else ""
        yield ctx.finding(
            WARNING,
            "peak-not-reached",
            f"the lr{group} peaks at {high:.4g} (step {int(lr[:, g].argmax())}), {high / peak:.1%} of the "
            f"{peak:.4g} it is configured to reach, and never gets there in this run of {ctx.config.steps} steps: "
            f"{cause}; shorten that phase or lengthen the run",
            key=key,
            step=int(lr[:, g].argmax()),
            values={"peak": high, "configured": peak, "group": ctx.recorded.groups[g]},
        )
        return


def _rises(lr: np.ndarray) -> bool:
    """Whether the lr climbs, never dipping, from its first step to its last: a warmup the run
    ends inside. (A rise that turns before its peak is named by the params, or left alone:
    a multiplier of its own, such as a random one, can do that.)"""
    import numpy as np

    return bool(lr[-1] > lr[0] and np.all(np.diff(lr) >= 0))


def _wsd_overlap(node: Node) -> str | None:
    """HF warmup_stable_decay's phases longer than its num_training_steps, in words."""
    if not node.name.endswith("warmup_stable_decay"):
        return None
    total: Any = node.full.get("num_training_steps")
    phases: dict[str, Any] = {p: node.full.get(p) for p in WSD if is_number(node.full.get(p))}
    if not is_number(total) or sum(phases.values()) <= total:
        return None
    parts = " + ".join(f"{p} {v}" for p, v in phases.items())
    return (
        f"{node.name}'s phases ({parts} = {sum(phases.values())} steps) do not fit its num_training_steps "
        f"({total}): the decay starts before the warmup ends"
    )


def phase_lint(ctx: Context) -> Iterator[Finding]:
    for node in ctx.nodes:
        wsd = _wsd_overlap(node)
        if wsd:
            yield ctx.finding(
                WARNING,
                "phase-beyond-run",
                f"{wsd}; shorten a phase or lengthen the run",
                key=node.pkey("num_decay_steps"),
                values={"num_training_steps": node.full.get("num_training_steps")},
            )
            continue
        yield from _lengths(ctx, node)


def _lengths(ctx: Context, node: Node) -> Iterator[Finding]:
    """A length the config wrote that the part of the run this scheduler is in charge of cuts short."""
    for param in ("total_iters", "num_training_steps"):
        v: Any = node.params.get(param)
        if not is_number(v) or v <= 0:
            continue
        if node.span is not None and v > node.span:
            yield ctx.finding(
                WARNING,
                "phase-beyond-run",
                f"{node.name} {param}={v} is longer than the {node.span} scheduler steps SequentialLR gives it: "
                f"the next scheduler takes over {node.span / v:.0%} of the way through; make the milestone "
                f"{node.offset + int(v)} or {param}: {node.span}",
                key=node.pkey(param),
                values={param: v, "scheduler_steps": node.span},
            )
        elif node.span is None and v > node.reach > 0:
            yield ctx.finding(
                WARNING,
                "phase-beyond-run",
                f"{node.name} {param}={v} is longer than the {node.reach} scheduler steps it runs: the run ends "
                f"{node.reach / v:.0%} of the way through it; set {param}: {node.reach}, or lengthen the run",
                key=node.pkey(param),
                values={param: v, "scheduler_steps": node.reach},
            )
