"""What a kind of scheduler name resolves to (see :mod:`lrviz.registry`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from lrviz.registry.signature import Param

if TYPE_CHECKING:
    from lrviz.registry.writing import Code, Writing


@dataclass(frozen=True)
class SchedulerInfo:
    """Everything lrviz knows about one scheduler name."""

    name: str
    kind: str  # the claiming kind's name: "torch", "preset", "import", ...
    make: Callable[..., Any]  # make(optimizer, **params) -> scheduler; picklable (spawned workers build too)
    params: tuple[Param, ...]
    accepts_any: bool = False  # the maker takes **kwargs
    summary: str = ""
    doc: str = ""
    #: Parameters lrviz fills in from the run when the config leaves them out: parameter
    #: -> a fact of :class:`lrviz.validate.params.Facts` (``"scheduler_steps"``,
    #: ``"steps"``, ``"steps_per_epoch"``). The presets' ``num_training_steps`` is the
    #: number of scheduler steps.
    fills: Mapping[str, str] = field(default_factory=dict)
    #: A filled parameter is left to the scheduler when the config gives any of these
    #: instead (OneCycleLR's total_steps, when epochs and steps_per_epoch say it).
    fill_unless: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: Parameters the scheduler takes one value per param group for (a list); None: unknown.
    #: Read it with :meth:`groupwise`: a kind whose answer costs time gives
    #: ``per_group_reader`` instead, asked only by what shows it (``lrviz list NAME``).
    #: torch's is read from each class's source, about 25 ms a class: 0.4 s of every
    #: command's start-up when all 15 were read to look one up.
    per_group: frozenset[str] | None = None
    per_group_reader: Callable[[], frozenset[str] | None] | None = field(default=None, repr=False, compare=False)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def groupwise(self) -> frozenset[str] | None:
        """:attr:`per_group`, read now where the kind left it to ``per_group_reader``."""
        return self.per_group_reader() if self.per_group_reader is not None else self.per_group


class Kind(Protocol):
    """One source of scheduler names."""

    name: str

    def claims(self, name: str) -> bool:
        """Whether a scheduler name is this kind's to resolve (cheap; imports nothing)."""
        ...

    def lookup(self, name: str, *, key: str | None, base_dir: Path | None, trust: bool) -> SchedulerInfo | None:
        """The scheduler for a claimed name, None when there is none by that name."""
        ...

    def catalogue(self) -> dict[str, SchedulerInfo]:
        """Every name this kind offers by itself (``lrviz list``, "did you mean"); {} if open-ended."""
        ...

    def code(self, writing: Writing) -> Code:
        """How ``lrviz code`` writes one of this kind's schedulers (a ConfigError saying why it cannot)."""
        ...
