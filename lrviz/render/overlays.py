"""What is drawn over the lines once the layout is fixed: marks that explain the curves.

* every reduction of a ReduceLROnPlateau, on the lr and on the metric panel: a dotted
  line where the lr drops, and a ring on the metric value that triggered it (the value
  fed at the end of the step before the drop);
* the end of a schedule torch stopped part-way: a cross where its line ends (the
  legend entry says why);
* with ``annotate``, the key points of ``lrviz show`` (:mod:`lrviz.render.annotate`).

:func:`draw_overlays` is the one place overlays are drawn: an overlay of another
module (values logged by a real run...) is one more call there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from lrviz.render.cells import Cells
    from lrviz.simulate import Result
    from lrviz.validate.plot import PlotOptions


def draw_overlays(cells: Cells, result: Result, opts: PlotOptions) -> None:
    """Every overlay, in drawing order, on a laid-out figure whose lines have their data."""
    plateau_marks(cells, result)
    stopped_ends(cells)
    if opts.annotate:
        from lrviz.render.annotate import annotate

        annotate(cells, result)
    # overlays of other modules go here, one call each, drawn over the ones above


def reductions(lr: np.ndarray) -> np.ndarray:
    """Steps at which some group's lr is lower than at the step before."""
    import numpy as np

    if lr.shape[0] < 2:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.any(lr[1:] < lr[:-1], axis=1)) + 1


def plateau_marks(cells: Cells, result: Result) -> None:
    plan = cells.plan
    for cell in cells.cells:
        for s in cell.series:
            t = result.trajectories[s.traj]
            if t.metric is None or s.group != 0:
                continue
            drops = reductions(t.lr)
            metric_ax = cell.subs.get("metric")
            for k in drops.tolist():
                x = plan.x.of(float(k if plan.held else k - 1))
                for ax in (cell.lr, metric_ax):
                    if ax is not None and ax.get_visible():
                        ax.axvline(x, color=s.color, linestyle=(0, (1, 2)), linewidth=0.9, alpha=0.8, zorder=1)
                fed = k // t.every - 1  # the value fed at the end of the step before the drop
                if metric_ax is not None and k % t.every == 0 and 0 <= fed < t.metric.size:
                    metric_ax.plot(
                        [x],
                        [t.metric[fed]],
                        marker="o",
                        markersize=7,
                        markerfacecolor="none",
                        markeredgecolor=s.color,
                        markeredgewidth=1.2,
                        linestyle="none",
                        zorder=4,
                    )


def stopped_ends(cells: Cells) -> None:
    """A cross where the line of a schedule torch stopped part-way ends."""
    import math

    plan = cells.plan
    for cell in cells.cells:
        for s in cell.series:
            if s.error is None or s.steps == 0:
                continue
            last = s.steps - 1
            y = float(s.lr[last])
            if not math.isfinite(y) or (plan.yscale == "log" and y <= 0):
                continue
            x = plan.x.of(float(last + 1 if plan.held else last))
            cell.lr.plot(
                [x],
                [y],
                marker="X",
                markersize=8,
                color=s.color,
                markeredgecolor="white",
                markeredgewidth=0.8,
                linestyle="none",
                zorder=5,
                clip_on=False,
            )
