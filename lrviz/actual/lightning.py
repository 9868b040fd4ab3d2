"""Read a Lightning CSVLogger ``metrics.csv``: every ``lr-*`` column the LearningRateMonitor wrote.

Column names come from ``LearningRateMonitor`` (pytorch_lightning/callbacks/lr_monitor.py):
``lr-<Optimizer>`` for an optimizer with one param group, ``lr-<Optimizer>/pg1``, ``/pg2``, ...
(1-based, ``_add_suffix``) or ``lr-<Optimizer>/<group name>`` for a group with a ``name`` key,
``lr-<Optimizer>-1`` for a second optimizer of the same class, and ``<column>-momentum`` when
``log_momentum=True``. Those names say which param group a column is
(:func:`lightning_hint`). The step column is the logger's step; see
:data:`lrviz.actual.conventions.LIGHTNING` for why it is the lrviz row unchanged.
"""

from __future__ import annotations

import re
from pathlib import Path

from lrviz.actual import conventions, limits
from lrviz.actual.csvread import choose_column, open_table, read_columns
from lrviz.actual.series import LR, ActualLog, Budget, GroupHint, collect, momentum_base, series_kind
from lrviz.errors import LrvizError

_NAME = re.compile(r"^lr-(?P<opt>[^/]+?)(?:-(?P<dup>\d+))?(?:/(?P<group>.+))?$")


def is_lightning_header(header: list[str]) -> bool:
    return "step" in header and any(h.startswith("lr-") for h in header)


def lightning_hint(name: str) -> GroupHint | None:
    """The param group a LearningRateMonitor column names, by Lightning's naming rules."""
    match = _NAME.match(name)
    if match is None:
        return None
    if match.group("dup"):
        return GroupHint(why=f"'{name}' is Lightning's name for another optimizer of class {match.group('opt')}")
    group = match.group("group")
    if group is None:
        return GroupHint(index=0, why="Lightning names the lr of an optimizer with a single param group lr-<Optimizer>")
    numbered = re.fullmatch(r"pg(\d+)", group)
    if numbered and int(numbered.group(1)) >= 1:
        return GroupHint(
            index=int(numbered.group(1)) - 1,
            name=group,
            why="Lightning numbers unnamed param groups pg1, pg2, ... from 1 (LearningRateMonitor._add_suffix)",
        )
    return GroupHint(name=group, why="Lightning names a param group by its 'name' key")


def read(path: Path, selector: str | None, *, shift: int = 0, display: str | None = None) -> ActualLog:
    display = display or str(path)
    with open_table(path, display) as table:
        header = table.header
        if "step" not in header:
            raise LrvizError("no 'step' column; a Lightning CSVLogger metrics.csv has one", file=display)
        if selector is not None:
            wanted = [(choose_column(header, selector, display=display), selector)]
        else:
            wanted = [(i, h) for i, h in enumerate(header) if h.startswith("lr-") and series_kind(h) is not None]
        if len(wanted) > limits.MAX_SERIES:
            raise LrvizError(
                f"{len(wanted)} lr columns, more than the {limits.MAX_SERIES} lrviz reads: name one with FILE:COLUMN",
                file=display,
            )
        if not wanted:
            raise LrvizError(
                f"no lr in this log: no lr-* column (columns: {', '.join(header[:30])}); "
                "Lightning writes them with the LearningRateMonitor callback",
                file=display,
            )
        budget = Budget(display)
        points, dtypes = read_columns(table, wanted, step_column=header.index("step"), display=display, budget=budget)
    series = []
    for _, name in wanted:
        kind = series_kind(name) or LR
        base = momentum_base(name) if kind != LR else None
        series.append(
            collect(
                points[name],
                name=name,
                kind=kind,
                convention=conventions.LIGHTNING,
                dtype=dtypes[name],
                shift=shift,
                hint=lightning_hint(base or name),
                base=base,
            )
        )
    if all(len(s) == 0 for s in series):
        raise LrvizError(
            f"no lr in this log: the columns {', '.join(n for _, n in wanted)} are empty in every row", file=display
        )
    return ActualLog(file=display, format="lightning", series=series)
