"""Per-step minor ticks: one at every step where the steps stand apart as drawn, none where
they would merge into a bar (issue 28's decision: ticks denser than the eye can separate go).

The truth is independent arithmetic on the drawn figure: the step positions are k / steps
per epoch, and the distance between two of them is the axes' drawn width (points) over
the number of steps in view. A tick is a mark drawn under the x axis: matplotlib's minor
ticks, or any line of tick markers drawn on the axis' tick transform (lrviz draws the per-step
marks as one such line, :mod:`lrviz.render.marks`); both are read, in the view.
"""

from __future__ import annotations

import numpy as np
import pytest

import lrviz
from lrviz.render.plot import figure_for
from lrviz.validate import PlotOptions

GAP_PT = 2.0  # the least distance between two per-step ticks the decision keeps, in points


def config(epochs: int, per_epoch: int, schedules: int) -> dict:
    base = {"epochs": epochs, "steps_per_epoch": per_epoch, "optimizer": {"name": "SGD", "lr": 0.1}}
    one = {"scheduler": "StepLR", "params": {"step_size": 3, "gamma": 0.5}}
    if schedules == 1:
        return {**base, **one}
    return {**base, "schedules": [{**one, "label": f"s{i}"} for i in range(schedules)]}


def drawn(cfg: dict, **options) -> list[tuple[float, np.ndarray, np.ndarray]]:
    """(gap between steps in points, minor tick positions, major tick positions) of each x axis drawn."""
    result = lrviz.simulate(cfg)
    fig = figure_for(result, PlotOptions.resolve(result.config.plot, x="epoch", **options))
    try:
        fig.canvas.draw()
        out = []
        for ax in fig.axes:
            if not ax.get_visible():
                continue
            x0, x1 = ax.get_xlim()
            width_pt = ax.get_window_extent().width * 72 / fig.dpi
            gap = width_pt / ((x1 - x0) * cfg["steps_per_epoch"])
            lo, hi = min(x0, x1) - 1e-9, max(x0, x1) + 1e-9
            minor = [x for x in [*ax.xaxis.get_minorticklocs(), *marks(ax)] if lo <= x <= hi]  # drawn: in the view
            out.append((gap, np.asarray(minor), np.asarray(ax.xaxis.get_majorticklocs())))
        return out
    finally:
        fig.clear()


def marks(ax) -> list[float]:
    """The x of every tick mark a line of markers draws on ``ax``'s x axis (its tick transform),
    beside the axes' own Axis objects (their ticks are read as ticks)."""
    from matplotlib.axis import Axis
    from matplotlib.lines import TICKDOWN, TICKUP, Line2D

    found, todo = [], [a for a in ax.get_children() if not isinstance(a, Axis)]
    while todo:
        artist = todo.pop()
        todo.extend(artist.get_children())
        if not isinstance(artist, Line2D) or not artist.get_visible():
            continue
        if artist.get_marker() in (TICKDOWN, TICKUP, "|") and artist.get_transform() == ax.get_xaxis_transform("tick1"):
            found.extend(float(x) for x in artist.get_xdata())
    return found


@pytest.mark.parametrize(
    "epochs, per_epoch, schedules, options",
    [(4, 8, 1, {}), (4, 8, 14, {"layout": "grid"}), (3, 4, 4, {"layout": "grid", "size": "5x4"})],
)
def test_a_minor_tick_at_every_step_where_the_steps_stand_apart(epochs, per_epoch, schedules, options):
    axes = drawn(config(epochs, per_epoch, schedules), **options)
    assert axes
    for gap, minor, major in axes:
        assert gap >= GAP_PT
        steps = np.arange(epochs * per_epoch + 1) / per_epoch
        expected = steps[~np.isin(steps, major)]
        np.testing.assert_allclose(np.sort(minor), expected, atol=1e-9)


@pytest.mark.parametrize(
    "epochs, per_epoch, schedules, options",
    [(24, 16, 1, {}), (24, 16, 6, {"layout": "grid"}), (12, 16, 4, {"size": "3.5x2.5"})],
)
def test_no_minor_ticks_where_they_would_merge(epochs, per_epoch, schedules, options):
    axes = drawn(config(epochs, per_epoch, schedules), **options)
    assert axes
    for gap, minor, _ in axes:
        assert gap < GAP_PT, gap  # the case this test is about: the steps closer than the eye separates
        assert minor.size == 0
