"""One figure of a result: an overlay (every schedule on one axes) or a grid (a panel each).

A momentum / beta1 panel goes under the lr when any schedule changes it. The layout is
fixed before any line gets data (limits frozen first), then each line is filled from
its envelope at the real pixel width of its axes (:func:`lrviz.render.axes.fill`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from lrviz.render.axes import add_lines, fill, setup_x, setup_y
from lrviz.render.layout import check_pixels, default_size, grid_shape, place_legend, quiet_layout, wrap_title
from lrviz.render.series import Plan, Series, drawable, extent, plan_series
from lrviz.validate.plot import PlotOptions

if TYPE_CHECKING:
    import numpy as np
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    from lrviz.simulate import Result, Trajectory
    from lrviz.styles import Style


def figure_for(result: Result, options: PlotOptions | None = None) -> Figure:
    """A matplotlib Figure of ``result`` (Agg canvas attached; close it with ``fig.clear()``)."""
    from lrviz.render.style import style_context

    opts = options or PlotOptions()
    with style_context(opts.style) as style:
        return build_figure(result, opts, style)


def build_figure(result: Result, opts: PlotOptions, style: Style) -> Figure:
    """The figure of ``result`` under the style already applied (see :func:`figure_for`)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    plan = plan_series(result, opts, style)
    size = default_size(opts, style, plan, len(result.trajectories))
    check_pixels(size, opts.dpi)
    fig = Figure(figsize=size, dpi=opts.dpi, layout="constrained")
    FigureCanvasAgg(fig)
    panels = _Panels(fig, plan)
    if opts.layout == "overlay":
        panels.overlay(size)
    else:
        panels.grid(result.trajectories)
    fig.align_ylabels()  # "learning rate" and "momentum" start at the same x
    # a file name is not math: "$" in it is drawn as written (\$ is a literal $ to matplotlib)
    title = opts.title if opts.title is not None else (result.config.title or result.config.name.replace("$", r"\$"))
    if title or opts.subtitle:
        _titles(fig, title, opts.subtitle)
    # Fix the layout now (limits are frozen, so the lines' data cannot move it), then
    # draw each line at the real pixel width of its axes.
    with quiet_layout():
        fig.get_layout_engine().execute(fig)  # type: ignore[union-attr]
    for ax, lines, arrays in panels.pending:
        fill(ax, lines, arrays, plan)
    return fig


def _titles(fig: Figure, title: str, subtitle: str | None) -> None:
    """The title, and under it the subtitle in a smaller, lighter font.

    Constrained layout makes room for the suptitle only, so the suptitle holds a blank
    line per subtitle line and the subtitle is drawn in them, anchored to the
    suptitle's box (it follows wherever the layout puts the suptitle).
    """
    import textwrap

    import matplotlib
    from matplotlib.font_manager import FontProperties
    from matplotlib.text import Annotation

    if not subtitle:
        fig.suptitle(title)
        return
    title_points = FontProperties(size=matplotlib.rcParams["figure.titlesize"]).get_size_in_points()
    points = title_points * 0.72
    chars = max(20, int(fig.get_figwidth() * 72 * 0.94 / (points * 0.55)))
    lines = [wrapped for part in subtitle.splitlines() for wrapped in (textwrap.wrap(part, width=chars) or [part])]
    blank = math.ceil(len(lines) * points / title_points)
    sup = fig.suptitle("\n".join([title or " ", *[" "] * blank]))
    fig.add_artist(
        Annotation(
            "\n".join(lines),
            xy=(0.5, 0.0),
            xycoords=sup,
            xytext=(0, 1),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=points,
            fontweight="normal",
            color=matplotlib.rcParams["axes.labelcolor"],
            alpha=0.85,
        )
    )


class _Panels:
    """Axes of one figure, set up with everything but the lines' data (``pending``)."""

    def __init__(self, fig: Figure, plan: Plan):
        self.fig, self.plan = fig, plan
        lr_drawn = {id(s): drawable(s.lr, plan.yscale) for s in plan.series}
        m_drawn = {id(s): drawable(s.momentum, "linear") for s in plan.series if s.momentum is not None}
        self.lr_arrays = {k: v for k, (v, _) in lr_drawn.items()}
        self.m_arrays = {k: v for k, (v, _) in m_drawn.items()}
        self.lr_extent = extent([e for _, e in lr_drawn.values()])
        self.m_extent = extent([e for _, e in m_drawn.values()])
        self.pending: list[tuple[Axes, list[Line2D], list[np.ndarray]]] = []  # filled after the layout

    def panel(
        self, ax_lr: Axes, ax_m: Axes | None, series: list[Series], ylabels: bool, xlabels: bool, lr_label: bool = True
    ) -> None:
        plan = self.plan
        setup_x(ax_lr, plan, with_labels=xlabels and ax_m is None)
        setup_y(ax_lr, self.lr_extent, plan.yscale, "learning rate" if ylabels and lr_label else None)
        self.pending.append((ax_lr, add_lines(ax_lr, series), [self.lr_arrays[id(s)] for s in series]))
        if ax_m is not None:
            setup_x(ax_m, plan, with_labels=xlabels)
            setup_y(ax_m, self.m_extent, "linear", plan.momentum_label if ylabels else None)
            if not lr_label:  # a grid: the short momentum row gets a smaller label
                ax_m.yaxis.label.set_fontsize(float(ax_m.yaxis.label.get_fontsize()) * 0.85)
            ms = [s for s in series if s.momentum is not None]
            self.pending.append((ax_m, add_lines(ax_m, ms), [self.m_arrays[id(s)] for s in ms]))

    def overlay(self, size: tuple[float, float]) -> None:
        """Every schedule on one axes (and one momentum axes under it), the legend above or beside."""
        fig = self.fig
        if self.plan.show_momentum:
            gs = fig.add_gridspec(2, 1, height_ratios=[3, 1.1])
            ax = fig.add_subplot(gs[0])
            axm: Axes | None = fig.add_subplot(gs[1], sharex=ax)
        else:
            ax, axm = fig.add_subplot(), None
        self.panel(ax, axm, self.plan.series, ylabels=True, xlabels=True)
        place_legend(ax, self.pending[0][1], size)

    def grid(self, trajs: list[Trajectory]) -> None:
        """A panel per schedule (at most 4 wide), one shared y label, a legend of groups when several."""
        fig, plan = self.fig, self.plan
        ncols, nrows = grid_shape(len(trajs))
        rows_per = 2 if plan.show_momentum else 1
        ratios = [3, 1.1] * nrows if plan.show_momentum else [1] * nrows
        gs = fig.add_gridspec(nrows * rows_per, ncols, height_ratios=ratios)
        first_lr: Axes | None = None
        first_m: Axes | None = None
        for i, t in enumerate(trajs):
            r, c = divmod(i, ncols)
            bottom = i + ncols >= len(trajs)  # nothing below this panel
            ax = fig.add_subplot(gs[r * rows_per, c], sharex=first_lr, sharey=first_lr)
            axm = None
            if plan.show_momentum:
                axm = fig.add_subplot(gs[r * rows_per + 1, c], sharex=first_lr, sharey=first_m)
                first_m = first_m or axm
            first_lr = first_lr or ax
            self.panel(ax, axm, [s for s in plan.series if s.traj == i], ylabels=c == 0, xlabels=bottom, lr_label=False)
            if c != 0:
                ax.tick_params(axis="y", labelleft=False)
                if axm is not None:
                    axm.tick_params(axis="y", labelleft=False)
            ax.set_title(wrap_title(t.label, fig.get_figwidth() / ncols), loc="left")
        self._grid_labels(trajs)

    def _grid_labels(self, trajs: list[Trajectory]) -> None:
        import matplotlib

        # one "learning rate" for the whole grid: a label per row would be taller than
        # a short row and collide with the next
        self.fig.supylabel(
            "learning rate",
            fontsize=matplotlib.rcParams["axes.labelsize"],
            color=matplotlib.rcParams["axes.labelcolor"],
        )
        if max((len(t.groups) for t in trajs), default=1) > 1:
            from matplotlib.lines import Line2D

            from lrviz.styles import GROUP_LINESTYLES

            names = max((t.groups for t in trajs), key=len)
            handles = [
                Line2D([], [], color="#666666", linestyle=GROUP_LINESTYLES[j % len(GROUP_LINESTYLES)], label=g)
                for j, g in enumerate(names)
            ]
            self.fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 6))


def draw(result: Result, ax: Axes, options: PlotOptions | None = None) -> Axes:
    """Draw every schedule's lr onto ``ax`` (an overlay), for a figure of your own.

    The axes keeps the caller's look (fonts, spines); lrviz sets the scale, the x
    limits and ticks, the labels, the line colours and a legend. Long runs are drawn
    from the envelope at twice the axes' current width (it may still grow).
    """
    from lrviz.render.style import get_style

    opts = options or PlotOptions()
    plan = plan_series(result, opts, get_style(opts.style))
    drawn = [drawable(s.lr, plan.yscale) for s in plan.series]
    arrays = [a for a, _ in drawn]
    setup_x(ax, plan, with_labels=True)
    setup_y(ax, extent([e for _, e in drawn]), plan.yscale, "learning rate")
    lines = add_lines(ax, plan.series)
    fill(ax, lines, arrays, plan, columns=2 * max(1, math.ceil(ax.get_window_extent().width)))
    ax.legend(handles=lines, loc="best")
    if opts.title is not None:
        ax.set_title(opts.title)
    return ax


__all__ = ["build_figure", "draw", "figure_for"]
