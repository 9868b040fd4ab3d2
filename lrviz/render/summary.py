"""What ``lrviz show`` adds under the key points: the numbers users computed by hand.

Per param group: the mean lr over the run's steps, the area under the lr curve (the sum
of the lr over every optimizer step: what two schedules of one run length are compared
by, an "lr budget"), and the lr at 10%, 50% and 90% of the run. The sum is
``math.fsum`` (exact rounding, whatever the run's length); the mean is that sum over the
steps. A schedule torch stopped part-way is summed over the steps it ran, and says so.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import RenderableType

    from lrviz.simulate import Trajectory

#: Where in the run the lr is read: fractions of the run's steps.
FRACTIONS = (0.1, 0.5, 0.9)


def at_fraction(steps: int, fraction: float) -> int:
    """The optimizer step at ``fraction`` of a run of ``steps`` (step 10 of 100 at 10%)."""
    return min(steps - 1, int(fraction * steps))


def summary(t: Trajectory, steps: int) -> list[dict[str, float | int | str]]:
    """Per group: ``group``, ``mean``, ``area`` and ``lr@10%`` ... (``step@10%`` ...)."""
    rows: list[dict[str, float | int | str]] = []
    ran = t.steps
    for j, group in enumerate(t.groups):
        column = t.lr[:ran, j].tolist()
        area = math.fsum(column)
        row: dict[str, float | int | str] = {"group": group, "mean": area / ran if ran else math.nan, "area": area}
        for f in FRACTIONS:
            step = at_fraction(steps, f)
            row[f"step@{f:.0%}"] = step
            row[f"lr@{f:.0%}"] = column[step] if step < ran else math.nan
        rows.append(row)
    return rows


def summary_table(t: Trajectory, steps: int) -> RenderableType:
    """The summary as a rich Table, values to 6 significant digits (the key points hold them in full)."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    rows = summary(t, steps)
    partial = f" (the {t.steps:,} steps it ran)" if t.steps < steps else ""
    where = ", ".join(f"{at_fraction(steps, f):,}" for f in FRACTIONS)
    note = f"at 10%, 50%, 90%: the lr during steps {where} of {steps:,}; sum of lr: over every step"
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    if len(rows) > 1:
        table.add_column("group")
    table.add_column("mean lr", justify="left")
    table.add_column(f"sum of lr{partial}", justify="left")
    for f in FRACTIONS:
        table.add_column(f"at {f:.0%}", justify="left")
    for row in rows:
        cells = [f"{row['mean']:.6g}", f"{row['area']:.6g}"] + [f"{row[f'lr@{f:.0%}']:.6g}" for f in FRACTIONS]
        table.add_row(*([str(row["group"])] if len(rows) > 1 else []), *cells)
    return Group(table, Text(note, style="dim"))
