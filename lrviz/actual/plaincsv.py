"""Read a plain CSV written by the user's own loop: a ``step`` column and an lr column.

``FILE:COLUMN`` names the column; without it every column in which ``lr`` or
``learning_rate`` is a word is read (``lr``, ``learning_rate``, ``lr_head``), momentum columns
as momentum. The step is taken as the lrviz row (:data:`lrviz.actual.conventions.PLAIN_CSV`);
a loop that numbered its steps from 1 is reported as a shift by one by the comparison and
corrected with ``shift``.
"""

from __future__ import annotations

from pathlib import Path

from lrviz.actual import conventions, limits
from lrviz.actual.csvread import choose_column, open_table, read_columns
from lrviz.actual.series import LR, ActualLog, Budget, collect, is_lr_name, momentum_base, series_kind
from lrviz.errors import LrvizError

STEP_COLUMNS = ("step", "global_step", "iteration", "iter")


def read(path: Path, selector: str | None, *, shift: int = 0, display: str | None = None) -> ActualLog:
    display = display or str(path)
    with open_table(path, display) as table:
        header = table.header
        step_names = [h for h in STEP_COLUMNS if h in header]
        if not step_names:
            raise LrvizError(
                f"no step column (one of {', '.join(STEP_COLUMNS)}); columns: {', '.join(header[:30])}", file=display
            )
        step_col = header.index(step_names[0])
        if selector is not None:
            wanted = [(choose_column(header, selector, display=display), selector)]
        else:
            wanted = [
                (i, h) for i, h in enumerate(header) if i != step_col and is_lr_name(h) and series_kind(h) is not None
            ]
        if len(wanted) > limits.MAX_SERIES:
            raise LrvizError(
                f"{len(wanted)} lr columns, more than the {limits.MAX_SERIES} lrviz reads: name one with FILE:COLUMN",
                file=display,
            )
        if not wanted:
            raise LrvizError(
                "no lr in this log: no column has 'lr' or 'learning_rate' as a word (columns: "
                f"{', '.join(header[:30])}); "
                "name one with FILE:COLUMN",
                file=display,
            )
        points, dtypes = read_columns(table, wanted, step_column=step_col, display=display, budget=Budget(display))
    series = []
    for _, name in wanted:
        kind = series_kind(name) or LR
        series.append(
            collect(
                points[name],
                name=name,
                kind=kind,
                convention=conventions.PLAIN_CSV,
                dtype=dtypes[name],
                shift=shift,
                base=momentum_base(name) if kind != LR else None,
            )
        )
    if all(len(s) == 0 for s in series):
        raise LrvizError(f"no lr in this log: {', '.join(n for _, n in wanted)} is empty in every row", file=display)
    return ActualLog(file=display, format="csv", series=series)
