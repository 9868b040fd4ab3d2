"""The axes of a figure: one cell (an overlay) or a cell per schedule (a grid).

A cell is an lr axes with the sub-panels under it (:mod:`lrviz.render.panels`), all
sharing x. Everything but the lines' data is set up here (limits frozen first), so
the layout is computed once; the data come after it, at the real pixel width of each
axes (:meth:`Cells.fill`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lrviz.render import ranges
from lrviz.render.axes import add_line, columns_of, fill, per_step_ticks, setup_x, setup_y, step_ticks
from lrviz.render.text import fit
from lrviz.validate.plot import PlotOptions

if TYPE_CHECKING:
    import numpy as np
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    from lrviz.render.panels import PanelLine, SubPanel
    from lrviz.render.series import Plan, Series

#: Height of a sub-panel relative to the lr axes.
SUB_RATIO = 1.1 / 3
#: A marker that tells a schedule apart (past the palette's colours) every this share of the
#: axes' diagonal, at any run length: matplotlib spaces them by distance drawn, not by point.
BADGE_EVERY = 0.09


@dataclass
class Cell:
    """The axes of one cell: the lr, the sub-panels by key, and the lr line of each series."""

    lr: Axes
    title: str = ""
    subs: dict[str, Axes] = field(default_factory=dict)
    series: list[Series] = field(default_factory=list)
    lines: list[Line2D] = field(default_factory=list)

    @property
    def axes(self) -> list[Axes]:
        return [self.lr, *(ax for ax in self.subs.values() if ax.get_visible())]


class Cells:
    """Every axes of one figure, set up but for the lines' data (``pending``)."""

    def __init__(self, fig: Figure, plan: Plan, opts: PlotOptions):
        self.fig, self.plan, self.opts = fig, plan, opts
        self.window = ranges.window(opts.xlim, plan.x.index, plan.n)
        self._drawn: dict[tuple[int, str], tuple[np.ndarray, tuple[np.ndarray, tuple[float, float] | None]]] = {}
        self._finite: set[int] = set()  # ids of the arrays above found all finite (and positive on a log axis)
        named = [(s.label, self._in_view(s.lr)) for s in plan.series]
        self.lr_extent, self.log_note = ranges.lr_range(named, plan.yscale, opts.ylim, drawable=self.drawable)
        self.arrays = {id(s): self.drawable(s.lr, plan.yscale)[0] for s in plan.series}
        self.sub_extent = {p.key: self._sub_extent(p) for p in plan.panels}
        self.cells: list[Cell] = []
        self.pending: list[tuple[Axes, Line2D, np.ndarray, bool, Any]] = []
        self.x_locators: dict[int, Any] = {}  # each x axis's first major locator: thinned when it is no longer

    def _in_view(self, values: np.ndarray) -> np.ndarray:
        """The steps in view: the array itself when that is all of them (so :meth:`drawable` finds it)."""
        i0, i1 = self.window
        return values if (i0, i1) == (0, len(values)) else values[i0:i1]

    def drawable(self, values: np.ndarray, yscale: str) -> tuple[np.ndarray, tuple[float, float] | None]:
        """:func:`ranges.drawable`, once per array of this figure: over a 10M-step run each
        is two passes of the whole array, and the axis range and the line both need it."""
        key = (id(values), yscale)
        if key not in self._drawn:
            drawn = ranges.drawable(values, yscale)
            self._drawn[key] = (values, drawn)  # the array kept: its id stays its own
            if drawn[0] is values and drawn[1] is not None:  # all finite: the lines need not look for NaN
                self._finite.add(id(values))
        return self._drawn[key][1]

    def _sub_extent(self, panel: SubPanel) -> tuple[float, float] | None:
        return ranges.extent(
            [self.drawable(self._in_view(ln.values) if ln.at is None else ln.values, "linear")[1] for ln in panel.lines]
        )

    def _setup_x(self, ax: Axes) -> None:
        """The x axis without its per-step minor ticks: they come after the layout (:meth:`minor_ticks`)."""
        setup_x(ax, self.plan, with_labels=False, xlim=self.opts.xlim, minor=False)
        self.x_locators[id(ax.xaxis.major)] = ax.xaxis.get_major_locator()

    def minor_ticks(self) -> None:
        """A minor tick per step on each x axis whose labels were not thinned (a tick per
        epoch still), where the steps stand apart as drawn. Shared axes share them."""
        if not per_step_ticks(self.plan):
            return
        groups: dict[int, list[Axes]] = {}
        for cell in self.cells:
            for ax in cell.axes:
                key = id(ax.xaxis.major)
                if ax.xaxis.get_major_locator() is self.x_locators.get(key):
                    groups.setdefault(key, []).append(ax)
        for axes in groups.values():
            step_ticks(axes, self.plan)

    def _ticks(self, ax: Axes) -> None:
        import matplotlib

        rc = matplotlib.rcParams  # fonts may be scaled for a small figure: keep them for ticks made later
        ax.tick_params(axis="x", which="both", labelsize=rc["xtick.labelsize"])
        ax.tick_params(axis="y", which="both", labelsize=rc["ytick.labelsize"])

    def lr_axes(self, ax: Axes, series: list[Series], ylabel: str | None) -> Cell:
        plan = self.plan
        self._setup_x(ax)
        setup_y(ax, self.lr_extent, plan.yscale, ylabel, self.opts.ylim)
        self._ticks(ax)
        cell = Cell(ax, series=series)
        for s in series:
            line = add_line(ax, s.color, s.linestyle, s.marker, s.label, plan.held)
            if s.badge:
                line.set_markevery(BADGE_EVERY)
            cell.lines.append(line)
            self.pending.append((ax, line, self.arrays[id(s)], plan.held, None))
        self.cells.append(cell)
        return cell

    def sub_axes(self, cell: Cell, panel: SubPanel, ax: Axes, ylabel: bool) -> None:
        mine = [ln for ln in panel.lines if any(ln.series is s for s in cell.series)]
        self._setup_x(ax)
        setup_y(ax, self.sub_extent[panel.key], "linear", panel.label if ylabel else None)
        self._ticks(ax)
        cell.subs[panel.key] = ax
        if not mine:
            ax.set_visible(False)
        for ln in mine:
            self._sub_line(ax, ln, panel)

    def _sub_line(self, ax: Axes, ln: PanelLine, panel: SubPanel) -> None:
        s = ln.series
        marker = ("o" if self.plan.short or ln.values.size <= 64 else None) if ln.at is not None else s.marker
        line = add_line(ax, s.color, s.linestyle, marker, s.label, panel.held and self.plan.held)
        if s.badge and ln.at is None:
            line.set_markevery(BADGE_EVERY)
        if ln.at is not None:
            line.set_markersize(3.0)
        values = self.drawable(ln.values, "linear")[0]
        self.pending.append((ax, line, values, panel.held and self.plan.held, ln.at))

    def overlay(self) -> None:
        """Every schedule on one axes, the sub-panels under it."""
        panels = self.plan.panels
        gs = self.fig.add_gridspec(1 + len(panels), 1, height_ratios=[1.0] + [SUB_RATIO] * len(panels))
        ax = self.fig.add_subplot(gs[0])
        cell = self.lr_axes(ax, self.plan.series, "learning rate")
        for k, panel in enumerate(panels):
            self.sub_axes(cell, panel, self.fig.add_subplot(gs[k + 1], sharex=ax), ylabel=True)
        self._x_labels(cell)
        self.fig.align_ylabels(cell.axes)

    def grid(self, labels: list[str]) -> None:
        """A cell per schedule (``plan.grid`` columns), shared axes, one "learning rate" for the grid.

        A row gets the panels some schedule of it has lines in (``momentum: auto``: only a
        momentum that moves), so a row of flat momenta spends no height on it."""
        fig, plan = self.fig, self.plan
        ncols, nrows = plan.grid
        rows = [self._row_panels(range(r * ncols, min(len(labels), (r + 1) * ncols))) for r in range(nrows)]
        ratios = [h for p in rows for h in [1.0] + [SUB_RATIO] * len(p)]
        top = [sum(1 + len(p) for p in rows[:r]) for r in range(nrows)]  # the gridspec row of each lr
        gs = fig.add_gridspec(len(ratios), ncols, height_ratios=ratios)
        first: dict[str, Axes] = {}
        for i, label in enumerate(labels):
            r, c = divmod(i, ncols)
            ax = fig.add_subplot(gs[top[r], c], sharex=first.get("lr"), sharey=first.get("lr"))
            first.setdefault("lr", ax)
            cell = self.lr_axes(ax, [s for s in plan.series if s.traj == i], None)
            for j, panel in enumerate(rows[r]):
                sub = fig.add_subplot(gs[top[r] + 1 + j, c], sharex=first["lr"], sharey=first.get(panel.key))
                first.setdefault(panel.key, sub)
                self.sub_axes(cell, panel, sub, ylabel=False)
            ax.set_title(label, loc="left")
            cell.title = label
        self._grid_labels(ncols)

    def _row_panels(self, cells: range) -> list[SubPanel]:
        return [p for p in self.plan.panels if any(ln.series.traj in cells for ln in p.lines)]

    def _grid_labels(self, ncols: int) -> None:
        """Tick labels on the outer axes only; a sub-panel's y label on its row's first visible axes."""
        import matplotlib

        rows = [self.cells[i : i + ncols] for i in range(0, len(self.cells), ncols)]
        for row in rows:
            for key in ["lr", *(p.key for p in self.plan.panels)]:
                axes = [c.lr if key == "lr" else c.subs[key] for c in row if key == "lr" or key in c.subs]
                shown = [ax for ax in axes if ax.get_visible()]
                for ax in axes:
                    if shown and ax is not shown[0]:
                        ax.tick_params(axis="y", labelleft=False)
                if shown and key != "lr":
                    panel = next(p for p in self.plan.panels if p.key == key)
                    shown[0].set_ylabel(panel.label)
                    shown[0].yaxis.label.set_fontsize(float(shown[0].yaxis.label.get_fontsize()) * 0.85)
        for i, cell in enumerate(self.cells):
            if i + ncols >= len(self.cells):  # nothing below: its lowest axes shows the x tick labels
                cell.axes[-1].tick_params(axis="x", labelbottom=True)
        rc = matplotlib.rcParams
        # one "learning rate" and one x label for the whole grid: a label per cell would
        # be taller (wider) than a short row (a narrow column) and collide with the next
        self.fig.supylabel("learning rate", fontsize=rc["axes.labelsize"], color=rc["axes.labelcolor"])
        self.fig.supxlabel(self.plan.xlabel, fontsize=rc["axes.labelsize"], color=rc["axes.labelcolor"])

    def _x_labels(self, cell: Cell) -> None:
        lowest = cell.axes[-1]
        lowest.tick_params(axis="x", labelbottom=True)
        lowest.set_xlabel(self.plan.xlabel)

    def fit_titles(self, renderer: Any, width_of_cell: float, lines: int) -> None:
        """Grid titles wrapped (then shrunk) to the width of a cell, measured."""
        for cell in self.cells:
            title = getattr(cell.lr, "_left_title", None)
            if title is not None and cell.title:
                fit(title, cell.title, width_of_cell, renderer, max_lines=lines)

    def refit_titles(self, renderer: Any, ncols: int, lines: int, pad: float) -> bool:
        """After the layout: a grid title wider than the room up to the next cell (or the edge)
        is fitted to it. True when one changed (the layout must run again)."""
        changed = False
        right_edge = self.fig.bbox.width - pad
        for i, cell in enumerate(self.cells):
            title = getattr(cell.lr, "_left_title", None)
            if title is None or not cell.title:
                continue
            nxt = self.cells[i + 1].lr if (i + 1) % ncols and i + 1 < len(self.cells) else None
            x0 = cell.lr.get_window_extent(renderer).x0
            room = (nxt.get_window_extent(renderer).x0 - pad if nxt is not None else right_edge) - x0
            if title.get_window_extent(renderer).x1 - x0 > room:
                fit(title, cell.title, room, renderer, max_lines=lines)
                changed = True
        return changed

    def fill(self) -> None:
        """Each line's data at the pixel width its axes got from the layout; markers only where
        the steps are far enough apart to tell them apart; the per-step minor ticks."""
        self.minor_ticks()
        for ax, line, values, held, at in self.pending:
            visible = self.window[1] - self.window[0] if at is None else len(values)
            if line.get_marker() not in (None, "None", "") and visible and line.get_markevery() != BADGE_EVERY:
                room = ax.get_window_extent().width / visible
                if room < 1.5 * line.get_markersize() * self.fig.dpi / 72:
                    line.set_marker("None")
            finite = id(values) in self._finite
            fill(line, values, self.plan, columns_of(ax), self.window, held=held, at=at, finite=finite)
