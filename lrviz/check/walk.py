"""A schedule's scheduler tree, with how far the run takes each scheduler in it.

The parameter lints read each scheduler's params against the part of the run it is
in charge of: a SequentialLR child runs from one milestone to the next, a
ChainedScheduler child sees every step.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lrviz.errors import key_join
from lrviz.spec import Config, Schedule, SchedulerSpec


@dataclass(frozen=True)
class Node:
    """One scheduler in a schedule's spec tree, with how far the run takes it.

    ``reach`` is the largest ``last_epoch`` the scheduler gets to (the number of
    ``step()`` calls it sees); ``horizon`` is its ``last_epoch`` behind the lr of the
    run's last optimizer step (one less than ``reach`` when the final ``step()``
    produces an lr nothing uses).
    """

    name: str
    params: dict[str, Any]  # as the config wrote them (converted), without what lrviz filled in
    key: str  # key path of this scheduler spec ("" for a single-schedule config)
    reach: int
    horizon: int
    offset: int = 0  # the parent run's scheduler step at which it takes over
    span: int | None = None  # scheduler steps it is in charge of (None: to the end of the run)
    children: tuple[SchedulerSpec, ...] = ()
    full: dict[str, Any] = field(default_factory=dict)  # every keyword, what lrviz filled in included

    def pkey(self, param: str) -> str:
        return key_join(key_join(self.key, "params"), param)


def is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def milestones(params: dict[str, Any]) -> list[int]:
    raw = params.get("milestones")
    if not isinstance(raw, (list, tuple)):
        return []
    return [int(m) for m in raw if is_number(m)]


def _node(spec: SchedulerSpec, reach: int, horizon: int, offset: int = 0, span: int | None = None) -> Node:
    children = spec.kwargs.get("schedulers")
    kids = tuple(c for c in children if isinstance(c, SchedulerSpec)) if isinstance(children, (list, tuple)) else ()
    return Node(spec.name, spec.given, spec.key, reach, horizon, offset, span, kids, dict(spec.kwargs))


def walk(config: Config, schedule: Schedule, built: Any = None) -> Iterator[Node]:
    """Every scheduler of ``schedule``'s spec, outermost first, children in order.

    ``built``: the scheduler a factory's schedule made, whose params stand in for the
    config's (:mod:`lrviz.check.built`); a config's schedule ignores it."""
    from lrviz.check.built import built_spec

    spec = built_spec(schedule.spec, built) if built is not None and schedule.spec.kind == "factory" else schedule.spec
    every = config.scheduler_every(schedule)
    yield from _walk(_node(spec, config.scheduler_steps(schedule), (config.steps - 1) // every))


def _walk(node: Node) -> Iterator[Node]:
    yield node
    ms = milestones(node.params)
    for j, child in enumerate(node.children):
        if node.name == "SequentialLR":
            # child j runs from milestone j-1 (after a step(0)) until milestone j
            start = ms[j - 1] if 0 < j <= len(ms) else 0
            end = ms[j] if j < len(ms) else None
            if start > node.horizon:
                continue  # never takes over in this run
            reach = (min(end - 1, node.reach) if end is not None else node.reach) - start
            horizon = (min(end - 1, node.horizon) if end is not None else node.horizon) - start
            span = end - start if end is not None else (node.span - start if node.span is not None else None)
            yield from _walk(_node(child, reach, horizon, node.offset + start, span))
        else:  # ChainedScheduler: every child sees every step
            yield from _walk(_node(child, node.reach, node.horizon, node.offset, node.span))
