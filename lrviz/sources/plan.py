"""What reading a framework file gives: an lrviz config and the step arithmetic behind it.

The arithmetic (examples, batch x accumulation x world size, updates per epoch and how
they were rounded, epochs, total optimizer steps, warmup) is where runs go wrong, so a
:class:`Plan` keeps every number with the rule that produced it. The outputs built on
top stay thin: ``show`` prints :meth:`Plan.table`, ``plot`` puts :attr:`Plan.summary`
under its title, ``export --format json`` stores :meth:`Plan.to_dict`, and ``convert``
writes :meth:`Plan.comments` above the config.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from lrviz.textsafe import one_line


@dataclass(frozen=True)
class Row:
    """One number of the arithmetic: what it is, its value, and how it was found."""

    name: str
    value: Any  # int, float or short text
    how: str = ""

    def shown(self) -> str:
        v = self.value
        if isinstance(v, bool):
            return str(v).lower()
        if isinstance(v, int):
            return f"{v:,}"
        if isinstance(v, float):
            return repr(v)
        return str(v)


@dataclass
class Plan:
    """A framework file read: its kind, the equivalent lrviz config (a dict), the arithmetic.

    ``config`` is in lrviz's public YAML format. Its schedule names a framework-built
    scheduler by a reserved prefix (``hf.<type>``, ``timm.<sched>``; see
    :mod:`lrviz.registry.frameworks`) or, for torchvision, torch classes.
    """

    kind: str
    config: dict[str, Any]
    rows: list[Row] = field(default_factory=list)
    summary: str = ""
    source: str | None = None

    def row(self, name: str) -> Row:
        for r in self.rows:
            if r.name == name:
                return r
        raise KeyError(name)

    def table(self) -> list[tuple[str, str, str]]:
        """(name, value, how) per row, as text, for a terminal table."""
        return [(r.name, r.shown(), r.how) for r in self.rows]

    def comments(self) -> str:
        """The arithmetic as YAML comment lines (``convert`` writes them above the config), one line each."""
        width = max((len(r.name) for r in self.rows), default=0)
        lines = []
        for r in self.rows:
            line = f"# {r.name.ljust(width)}  {r.shown()}"
            if r.how:
                line += f"  ({r.how})"
            lines.append(one_line(line.rstrip()))  # a free-text field (HF optim) cannot end the comment
        return "\n".join(lines) + ("\n" if lines else "")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: kind, source, summary, rows and the config."""
        return {
            "kind": self.kind,
            "source": self.source,
            "summary": self.summary,
            "arithmetic": [{"name": r.name, "value": r.value, "how": r.how} for r in self.rows],
            "config": copy.deepcopy(self.config),
        }
