"""The typed spec: a config as validation resolved it, and what every later stage reads.

:mod:`lrviz.validate` turns a YAML mapping into a :class:`Config`; nothing after it
looks at raw YAML again. Each :class:`Schedule` carries its :class:`SchedulerSpec`
(the maker and the keywords it will get, already converted: nested specs for
SequentialLR's children, checked expressions for ``lr_lambda``), so building a
scheduler (:mod:`lrviz.build`) never re-validates. Everything here is plain data and
pickles, so worker processes get exactly what was validated.

The as-written ``params`` and ``metric`` of each schedule are kept too: sweeps expand
them, and ``export --format json`` shows them.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lrviz.parse.expr import Expression


@dataclass(frozen=True)
class Note:
    """A value outside what torch's annotation describes, given to torch all the same.

    torch is the judge (:mod:`lrviz.validate.verdict`): a note only words the message
    when torch refuses the value.
    """

    key: str
    expected: str  # "a number"
    got: str  # "[0.8, 0.9] (list)"

    def __str__(self) -> str:
        return f"expected {self.expected}, got {self.got}"


@dataclass(frozen=True)
class SchedulerSpec:
    """One scheduler, resolved: what makes it and the keywords it is given."""

    name: str  # as the config names it: "StepLR", "cosine", "pkg.mod:Name"
    kind: str  # the registry kind that resolved it
    make: Callable[..., Any]  # make(optimizer, **kwargs) -> scheduler
    kwargs: dict[str, Any]  # converted values; SchedulerSpec / Expression where torch takes a scheduler / callable
    key: str  # key path of this spec: "schedules[0]", "schedules[0].params.schedulers[1]"
    filled: frozenset[str] = frozenset()  # keywords lrviz filled in (the run's length), not written
    notes: tuple[Note, ...] = ()

    @property
    def given(self) -> dict[str, Any]:
        """The keywords the config wrote (those lrviz filled in left out)."""
        return {k: v for k, v in self.kwargs.items() if k not in self.filled}

    def filled_values(self) -> dict[str, Any]:
        """The keywords lrviz filled in from the run, with their values, sorted by name."""
        return {k: self.kwargs[k] for k in sorted(self.filled)}

    def children(self) -> list[SchedulerSpec]:
        """Nested schedulers (SequentialLR / ChainedScheduler), in order."""
        out: list[SchedulerSpec] = []
        for value in self.kwargs.values():
            items = value if isinstance(value, (list, tuple)) else [value]
            out.extend(v for v in items if isinstance(v, SchedulerSpec))
        return out

    def walk(self) -> Iterator[SchedulerSpec]:
        """This spec, then every nested one, depth first."""
        yield self
        for child in self.children():
            yield from child.walk()

    def all_notes(self) -> list[Note]:
        return [note for spec in self.walk() for note in spec.notes]


@dataclass(frozen=True)
class MetricSpec:
    """The metric ReduceLROnPlateau is fed: given values, a seeded expression, or a CSV column."""

    key: str
    values: tuple[float, ...] | None = None
    expr: Expression | None = None
    noise: float = 0.0
    seed: int = 0
    csv: Path | None = None  # resolved; inside the config's folder unless trusted
    column: str | int | None = None


@dataclass
class Schedule:
    """One schedule of a config: a scheduler, its params, how it is stepped."""

    label: str
    scheduler: str  # the name as written
    params: dict[str, Any]  # as written
    spec: SchedulerSpec  # as resolved
    interval: str = "step"  # "step" | "epoch"
    metric: Any = None  # as written
    key: str = "schedules[0]"  # where it lives in the config, for messages
    feed: MetricSpec | None = None  # the metric, resolved


@dataclass
class OptimizerSpec:
    name: str
    kwargs: dict[str, Any]
    param_groups: list[dict[str, Any]]  # each: {"name": str, **overrides}
    notes: tuple[Note, ...] = ()
    #: The class, when it is not ``torch.optim.<name>`` (a copy of a user's optimizer, ``like=``).
    cls: type[Any] | None = None


@dataclass
class Config:
    """A validated config: the run, the optimizer, the schedules."""

    steps: int
    schedules: list[Schedule]
    optimizer: OptimizerSpec
    steps_per_epoch: int = 1
    device: str = "cpu"
    title: str | None = None
    description: str | None = None
    plot: dict[str, Any] = field(default_factory=dict)  # the plot: block, validated (lrviz.validate.plot)
    sweep: dict[str, list[Any]] = field(default_factory=dict)  # the sweep: block, validated, not yet applied
    tokens_per_step: int | None = None  # tokens one optimizer step trains on (for an x axis in tokens)
    #: the sweep applied to make these schedules (KEY -> values); ``swept_cli``: the keys given on the command line
    swept: dict[str, list[Any]] = field(default_factory=dict)
    swept_cli: tuple[str, ...] = ()
    source: Path | None = None
    trust: bool = False

    @property
    def name(self) -> str:
        """The file stem, used for output names and default titles."""
        return self.source.stem if self.source else "config"

    @property
    def file(self) -> str | None:
        """The config file as errors name it (None for a config built from a dict)."""
        return str(self.source) if self.source else None

    @property
    def base_dir(self) -> Path:
        return self.source.parent if self.source else Path.cwd()

    @property
    def epochs(self) -> float:
        return self.steps / self.steps_per_epoch

    def scheduler_every(self, schedule: Schedule) -> int:
        """Optimizer steps per ``scheduler.step()``: 1, or steps_per_epoch for ``interval: epoch``."""
        return 1 if schedule.interval == "step" else self.steps_per_epoch

    def scheduler_steps(self, schedule: Schedule) -> int:
        """How many times ``schedule``'s scheduler.step() is called in the run."""
        return self.steps // self.scheduler_every(schedule)

    def replace(self, **changes: Any) -> Config:
        new = copy.copy(self)
        for k, v in changes.items():
            setattr(new, k, v)
        return new
