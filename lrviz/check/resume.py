"""The resume round trip: does a run resumed from a checkpoint continue as if never stopped?

Run the real scheduler to step K, ``torch.save`` the optimizer and scheduler state into
a buffer, build a *fresh* pair with :func:`lrviz.build.build`, load both (in the order
PyTorch documents), continue, and compare bit for bit with the uninterrupted run of
:func:`lrviz.simulate.step_schedule`. Both runs use the same stepping loop
(:func:`lrviz.step.advance`), so the only thing that can differ is state that
``state_dict`` did not carry; a difference names the first step, both values and the
likely cause.
"""

from __future__ import annotations

import types
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lrviz.build import build
from lrviz.check.findings import ERROR, Finding, num
from lrviz.check.walk import milestones, walk
from lrviz.dynamo import no_dynamo_import
from lrviz.errors import LrvizError, first_line
from lrviz.simulate import Trajectory, warning_lines
from lrviz.spec import Config, Schedule
from lrviz.step import Record, advance, zero_closure

if TYPE_CHECKING:
    import numpy as np

#: At most this many resume points per schedule (defaults plus milestones).
MAX_RESUME_POINTS = 16


def validate_resume_at(config: Config, resume_at: list[int] | None) -> None:
    """Refuse resume points outside the run (bad input: exit 2), before any work."""
    n = config.steps
    for k in resume_at or ():
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= n - 1:
            raise LrvizError(
                f"--resume-at {k} is outside the run of {n} steps: give an optimizer step from 1 to {n - 1}",
                file=config.file,
            )


def resume_points(config: Config, schedule: Schedule, resume_at: list[int] | None = None) -> list[int]:
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
            for m in milestones(node.params):
                extra.update({(node.offset + m) * every, (node.offset + m - 1) * every})
    points = {p for p in points if 0 < p < n}
    extra = {p for p in extra if 0 < p < n} - points
    return sorted(points | set(sorted(extra)[: max(0, MAX_RESUME_POINTS - len(points))]))


def first_difference(a: np.ndarray, b: np.ndarray) -> tuple[int, int] | None:
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
    with no_dynamo_import():  # state_dict's wrapper imports torch._dynamo (1 s) for nothing here
        state = {"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()}
    torch.save(state, buf)
    return buf.getvalue()


def _load(blob: bytes) -> dict[str, Any]:
    import io

    import torch

    # weights_only=False: a scheduler's state_dict holds plain Python objects (a
    # callable's __dict__, SequentialLR's children's dicts) that the weights-only
    # unpickler refuses. The bytes were written a moment ago by _save in this
    # process, never read from a file, so full unpickling trusts nothing new.
    state: dict[str, Any] = torch.load(io.BytesIO(blob), weights_only=False)
    return state


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
    config: Config, schedule: Schedule, device: str, points: list[int], *, momentum: bool = True
) -> tuple[dict[int, bytes], np.ndarray]:
    """One run from a fresh build, ``torch.save``-d after each of ``points`` (sorted).

    Returns the saved bytes by step, and the lr rows recorded up to the last point.
    """
    every = config.scheduler_every(schedule)
    optimizer, scheduler, metric = build(config, schedule, device)
    record = Record(optimizer.param_groups, momentum=momentum)
    saved: dict[int, bytes] = {}
    pos = 0
    for k in points:
        advance(optimizer, scheduler, metric, record, every=every, start=pos, stop=k, key=schedule.key)
        pos = k
        saved[k] = _save(optimizer, scheduler)
    return saved, record.matrices()[0]


@dataclass
class Resumed:
    """A run resumed after step ``k``: rows ``k..steps-1`` of lr (and momentum)."""

    k: int
    lr: np.ndarray
    momentum: np.ndarray | None
    scheduler: Any  # the fresh scheduler, for diagnosing a difference


def resume(
    config: Config,
    schedule: Schedule,
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
    optimizer, scheduler, metric = build(config, schedule, device)
    state = _load(blob)
    # PyTorch's documented order: the scheduler is constructed after the optimizer
    # (build does that), then the optimizer's state is loaded, then the scheduler's.
    with no_dynamo_import():  # as in lrviz.step: torch's wrappers import torch._dynamo for nothing here
        if restore_optimizer:
            optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        # A resumed training loop calls optimizer.step() before scheduler.step(), as
        # the uninterrupted run did at step 0; without it torch warns about the order.
        # The dummy parameters have no gradient, so this changes no lr or momentum.
        optimizer.step(zero_closure)
    record = Record(optimizer.param_groups, momentum=momentum)
    advance(
        optimizer,
        scheduler,
        metric,
        record,
        every=config.scheduler_every(schedule),
        start=k,
        stop=config.steps,
        key=schedule.key,
    )
    lr, m = record.matrices()
    return Resumed(k, lr, m, scheduler)


@dataclass(frozen=True)
class _Divergence:
    point: int  # resumed after this step
    step: int  # first step that differs
    what: str  # "lr of group head"
    uninterrupted: float
    resumed: float
    cause: str


def resume_round_trip(
    config: Config,
    schedule: Schedule,
    device: str,
    trajectory: Trajectory,
    points: list[int],
    *,
    restore_optimizer: bool = True,
) -> tuple[list[Finding], list[str]]:
    """Save at each point, resume on a fresh build, compare with ``trajectory``.

    Returns (findings, warnings torch raised along the way): at most one
    ``resume-divergence`` per schedule, at the earliest point that diverges.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        findings = _round_trip(config, schedule, device, trajectory, points, restore_optimizer)
    return findings, warning_lines(caught)


def _finding(schedule: Schedule, config: Config, code: str, message: str, **kw: Any) -> Finding:
    return Finding(schedule.label, ERROR, code, message, config=config.file, key=schedule.key or None, **kw)


def _round_trip(
    config: Config, schedule: Schedule, device: str, trajectory: Trajectory, points: list[int], restore_optimizer: bool
) -> list[Finding]:
    has_m = trajectory.momentum is not None
    try:
        saved, prefix = checkpoints(config, schedule, device, points, momentum=has_m)
    except LrvizError:
        raise
    except Exception as exc:
        return [
            _finding(
                schedule,
                config,
                "resume-failed",
                f"saving the optimizer and scheduler state with torch.save failed: {first_line(exc)}; a state_dict "
                "must hold only picklable values (no lambdas or local functions among the scheduler's attributes)",
            )
        ]
    diff = first_difference(prefix, trajectory.lr[: len(prefix)])
    if diff is not None:
        i, g = diff
        return [
            _finding(
                schedule,
                config,
                "nondeterministic",
                f"two fresh runs of this schedule differ at step {i} (group {trajectory.groups[g]}: "
                f"{num(trajectory.lr[i, g])} then {num(prefix[i, g])}): it depends on something besides its params "
                "(randomness, a global, the clock), so no saved state can reproduce it",
                step=i,
            )
        ]
    findings: list[Finding] = []
    diverged: list[_Divergence] = []
    for k in points:
        try:
            run = resume(config, schedule, device, saved[k], k, momentum=has_m, restore_optimizer=restore_optimizer)
        except LrvizError as exc:
            message = f"the run resumed after step {k} fails where the uninterrupted one does not: {exc.message}"
            findings.append(_finding(schedule, config, "resume-failed", message, step=k))
            break
        except Exception as exc:
            message = f"loading the state saved after step {k} failed: {first_line(exc)}"
            findings.append(_finding(schedule, config, "resume-failed", message, step=k))
            break
        found = _divergence(trajectory, run, schedule.spec.kind)
        if found is not None:
            diverged.append(found)
    if diverged:
        findings.append(_divergence_finding(schedule, config, diverged))
    return findings


def _divergence(trajectory: Trajectory, run: Resumed, kind: str) -> _Divergence | None:
    """Where a resumed run first differs from the uninterrupted one (lr or momentum), if it does."""
    k = run.k
    hits = []
    for what, ref, got in (
        ("lr", trajectory.lr[k:], run.lr),
        ("momentum", trajectory.momentum[k:] if trajectory.momentum is not None else None, run.momentum),
    ):
        d = first_difference(ref, got) if ref is not None and got is not None else None
        if d is not None and ref is not None and got is not None:
            hits.append((d[0] + k, d[1], what, float(ref[d]), float(got[d])))
    if not hits:
        return None
    step, g, what, ref_v, got_v = min(hits)
    cause = likely_cause(run.scheduler, kind, step == k)
    return _Divergence(k, step, f"{what} of group {trajectory.groups[g]}", ref_v, got_v, cause)


def _divergence_finding(schedule: Schedule, config: Config, diverged: list[_Divergence]) -> Finding:
    d = diverged[0]
    others = [e.point for e in diverged[1:]]
    also = f" (also when resumed after step {', '.join(map(str, others))})" if others else ""
    return _finding(
        schedule,
        config,
        "resume-divergence",
        f"resumed from a checkpoint saved after step {d.point}, the {d.what} differs from the uninterrupted run "
        f"first at step {d.step}: {num(d.resumed)} instead of {num(d.uninterrupted)}{also}. Likely cause: {d.cause}",
        step=d.step,
        values={"resume_at": d.point, "uninterrupted": d.uninterrupted, "resumed": d.resumed},
    )
