"""A factory's schedule as the lints read it: the parameters of the scheduler it built.

A config's schedule tells the lints its params (``T_max: 100``); a scheduler factory
(``lrviz.check(lambda o: CosineAnnealingLR(o, T_max=100), steps=120)``) tells nothing
until it runs. The built scheduler keeps them: torch's classes store each constructor
argument under its own name (``T_max``, ``total_steps``, ``step_size``...), with a few
exceptions read here (MultiStepLR's milestones as a Counter, CyclicLR's ``max_lrs``,
SequentialLR's and ChainedScheduler's children). The result is a
:class:`~lrviz.spec.SchedulerSpec` of the same shape a config gives, so every lint reads
a factory's schedule as it reads a config's.
"""

from __future__ import annotations

import inspect
from typing import Any

from lrviz.errors import key_join
from lrviz.spec import SchedulerSpec

#: Constructor arguments that say nothing a lint reads.
SKIP = frozenset({"self", "optimizer", "last_epoch", "verbose", "lr_lambda", "scale_fn", "schedulers"})


def _plain(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(v, (int, float)) for v in value):
        return list(value)
    return None


def _params(scheduler: Any) -> dict[str, Any]:
    try:
        names = inspect.signature(type(scheduler).__init__).parameters
    except (TypeError, ValueError):
        return {}
    out = {n: _plain(getattr(scheduler, n, None)) for n in names if n not in SKIP}
    milestones: Any = getattr(scheduler, "milestones", None)
    if hasattr(milestones, "elements"):  # MultiStepLR: a Counter
        out["milestones"] = sorted(milestones.elements())
    if hasattr(scheduler, "_milestones"):  # SequentialLR
        out["milestones"] = list(scheduler._milestones)
    if hasattr(scheduler, "max_lrs"):  # CyclicLR
        out["max_lr"] = _plain(scheduler.max_lrs)
    return {k: v for k, v in out.items() if v is not None}


def built_spec(spec: SchedulerSpec, scheduler: Any) -> SchedulerSpec:
    """``spec`` (a factory's) with the name and params of the torch scheduler it built."""
    inner = getattr(scheduler, "scheduler", scheduler)  # lrviz's adapter keeps what it wraps
    return _spec(inner, spec.key, spec)


def _spec(scheduler: Any, key: str, like: SchedulerSpec) -> SchedulerSpec:
    params = _params(scheduler)
    children = getattr(scheduler, "_schedulers", None)
    if isinstance(children, (list, tuple)):
        where = key_join(key_join(key, "params"), "schedulers")
        params["schedulers"] = [_spec(c, key_join(where, i), like) for i, c in enumerate(children)]
    return SchedulerSpec(type(scheduler).__name__, like.kind, like.make, params, key)
