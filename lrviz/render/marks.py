"""The per-step minor ticks of an x axis as one artist: the marks matplotlib would draw, drawn at once.

matplotlib makes every tick as five artists (two marks, a grid line, two labels), copies
the first tick's properties into each new one, and draws each one by one, in every
format saved: the cheat sheet's 591 per-step ticks were a third of its figure's cost.
A per-step tick draws only its mark, so the marks are one line of markers instead: the
first minor tick's own mark (its marker, size, width, colour and transform, whatever the
style), at every position matplotlib itself would draw one (the minor locator's
positions less those on a major tick, inside the view), drawn where the axis draws its
ticks (the axis' zorder, before the axis itself). The pixels are the same; the SVG holds
one marker definition used at every step instead of a group per tick.

Where a minor tick would draw more than its mark (a style with minor grid lines or
labels), the axis keeps matplotlib's ticks.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def step_positions(ax: Axes, step: float) -> Any:
    """Where matplotlib draws the minor ticks of a MultipleLocator(``step``) on ``ax``'s x axis, in data units."""
    import numpy as np
    from matplotlib.ticker import MultipleLocator, NullLocator

    axis = ax.xaxis
    axis.set_minor_locator(MultipleLocator(step))
    try:
        locs = np.asarray(axis.get_minorticklocs())  # less those on a major tick, as matplotlib removes them
    finally:
        axis.set_minor_locator(NullLocator())
    tr = axis.get_transform()
    a, b = sorted(tr.transform(sorted(axis.get_view_interval())))
    tol = (b - a) * 1e-10  # matplotlib's own test of a tick in the view (``_interval_contains_close``)
    return np.array([x for x in locs if a - tol <= tr.transform(x) <= b + tol], dtype=float)


def mark_only(ax: Axes) -> Any:
    """The first minor tick of ``ax``'s x axis when it draws nothing but its marks (None otherwise)."""
    from matplotlib.ticker import NullFormatter

    axis = ax.xaxis
    tick = axis.get_minor_ticks(1)[0]
    labelled = tick.label1.get_visible() or tick.label2.get_visible()
    if tick.gridline.get_visible() or (labelled and not isinstance(axis.get_minor_formatter(), NullFormatter)):
        return None
    return tick


def add_marks(ax: Axes, positions: Any) -> None:
    """The per-step marks at ``positions`` on ``ax``, as its first minor tick (:func:`mark_only`) draws one."""
    from matplotlib.lines import Line2D

    tick = ax.xaxis.get_minor_ticks(1)[0]
    if not len(positions):
        return
    lines = []
    for mark in (tick.tick1line, tick.tick2line):
        if not mark.get_visible():
            continue
        y: Any = mark.get_ydata()
        line = Line2D(positions, [y[0]] * len(positions))
        line.update_from(mark)  # marker, size, width, colour, transform, no clipping
        line.set_figure(ax.figure)
        line.axes = ax
        lines.append(line)
    if lines:
        marks = _marks_class()(lines)
        marks.set_zorder(ax.xaxis.get_zorder())
        ax.add_artist(marks)
        marks.set_clip_on(False)


@cache
def _marks_class() -> type:
    from matplotlib.artist import Artist

    class Marks(Artist):
        """Tick marks drawn as lines of markers: not a Line2D of the axes (a legend's "best" place
        and the axes' lines are the data's), nothing for the layout to measure."""

        def __init__(self, lines: list[Any]):
            super().__init__()
            self.lines = lines

        def get_children(self) -> list[Any]:
            return list(self.lines)

        def draw(self, renderer: Any) -> None:
            if not self.get_visible():
                return
            renderer.open_group("xtick-steps", gid=self.get_gid())
            for line in self.lines:
                line.draw(renderer)
            renderer.close_group("xtick-steps")
            self.stale = False

    return Marks
