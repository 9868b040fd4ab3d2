"""One figure of a result: an overlay (every schedule on one axes) or a grid (a panel each).

The order of building is what keeps every text inside the figure and apart:

1. the axes (:mod:`lrviz.render.cells`), with the panels under the lr, limits frozen;
2. the frame around them (:mod:`lrviz.render.frame`): title and subtitle fitted to the
   width, the legend fitted above, below or beside; the axes are placed in the rest
   (:mod:`lrviz.render.arrange`);
3. after the layout: the legend placed, crowded tick labels thinned, y labels fitted
   (:mod:`lrviz.render.ticks`), and every text checked (:mod:`lrviz.render.collide`);
   when something still collides (a tiny figure in a big style), the figure is built
   again with smaller fonts;
4. the lines' data, at the real pixel width of their axes, then the overlays
   (:mod:`lrviz.render.overlays`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from lrviz.render import collide, legend, ticks
from lrviz.render.axes import add_line, fill, setup_x, setup_y
from lrviz.render.cells import BADGE_EVERY, Cells
from lrviz.render.frame import Frame, points
from lrviz.render.layout import (
    LAST_SCALE,
    MIN_SCALE,
    check_pixels,
    default_size,
    font_scale,
    grid_cell,
    grid_shape,
    scaled_fonts,
)
from lrviz.render.overlays import draw_overlays
from lrviz.render.panels import sub_panels
from lrviz.render.ranges import drawable, extent
from lrviz.render.series import Plan, plan_series
from lrviz.validate.plot import PlotOptions

#: A grid row (a cell and its panels) shorter than this, in inches, leaves out the momentum
#: panel under ``momentum: auto``: flat lines there would take the room of the lr.
CROWDED_ROW = 1.5

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from lrviz.actual import Report
    from lrviz.simulate import Result
    from lrviz.styles import Style


def figure_for(result: Result, options: PlotOptions | None = None, *, actual: Sequence[Report] = ()) -> Figure:
    """A matplotlib Figure of ``result`` (Agg canvas attached; close it with ``fig.clear()``);
    ``actual``: logged runs drawn over the plan (:mod:`lrviz.render.actual`)."""
    from lrviz.render.style import style_context

    opts = options or PlotOptions()
    with style_context(opts.style) as style:
        return build_figure(result, opts, style, actual=actual)


def build_figure(result: Result, opts: PlotOptions, style: Style, *, actual: Sequence[Report] = ()) -> Figure:
    """The figure of ``result`` under the style already applied (see :func:`figure_for`)."""
    plan = plan_series(result, opts, style)
    plan.panels = sub_panels(result, plan, opts)
    cells = len(result.trajectories) if opts.layout == "grid" else 1
    size = default_size(opts, style, plan, cells)
    check_pixels(size, opts.dpi)
    if opts.layout == "grid":
        plan.grid = grid_shape(cells, size, grid_cell(style, len(plan.panels)))
        if opts.momentum == "auto" and size[1] / plan.grid[1] < CROWDED_ROW:
            plan.panels = [p for p in plan.panels if p.key != "momentum"]  # no room: "auto" leaves it out
            plan.grid = grid_shape(cells, size, grid_cell(style, len(plan.panels)))
    scale = font_scale(opts, style, plan, cells)
    while True:
        fig = _compose(result, plan, opts, size, scale, final=scale <= LAST_SCALE, actual=actual)
        if fig is not None:
            return fig
        scale = max(LAST_SCALE, scale * 0.82 if scale > MIN_SCALE else LAST_SCALE)


def titles(result: Result, opts: PlotOptions) -> tuple[str | None, str | None]:
    """(title, subtitle): the option's, else the config's title or file name; a sweep says what it swept."""
    from lrviz.validate.sweep import format_value

    cfg = result.config
    # a file name is not math: "$" in it is drawn as written (\$ is a literal $ to matplotlib)
    title = opts.title if opts.title is not None else (cfg.title or cfg.name.replace("$", r"\$"))
    lines = [opts.subtitle] if opts.subtitle else []
    if cfg.swept:
        values = " × ".join(f"{k} = {_values([format_value(v) for v in vs])}" for k, vs in cfg.swept.items())
        lines.append(f"sweep: {values}")
        if cfg.swept_cli and opts.title is None:  # the config's own title described the un-swept schedules
            title = f"Sweep of {', '.join(cfg.swept)} on {cfg.name.replace('$', chr(92) + '$')}"
    return title or None, "\n".join(lines) or None


def _values(shown: list[str]) -> str:
    """A sweep's values for a subtitle: all of a few; the first three and the last of many."""
    if len(shown) <= 6:
        return ", ".join(shown)
    return f"{', '.join(shown[:3])}, …, {shown[-1]} ({len(shown)} values)"


def _compose(
    result: Result,
    plan: Plan,
    opts: PlotOptions,
    size: tuple[float, float],
    scale: float,
    *,
    final: bool,
    actual: Sequence[Report] = (),
) -> Figure | None:
    """The figure at font ``scale``, or None when its texts collide and a smaller font may help."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with scaled_fonts(scale):
        fig = Figure(figsize=size, dpi=opts.dpi, layout="none")  # type: ignore[arg-type]  # placed by render.arrange
        FigureCanvasAgg(fig)
        cells = Cells(fig, plan, opts)
        frame = Frame(fig)
        ncols = lines = 1
        if opts.layout == "overlay":
            cells.overlay()
        else:
            cells.grid([t.label for t in result.trajectories])
            ncols, nrows = plan.grid
            lines = 2 if size[1] / nrows >= CROWDED_ROW else 1
            cells.fit_titles(frame.renderer, (frame.width - 2 * frame.pad) / ncols * 0.94, lines)
        frame.header(*titles(result, opts))
        ents, where = _legend(cells, opts)
        if actual:  # plot --actual: logged values as markers, the first divergence marked (lrviz.render.actual)
            from lrviz.render.actual import draw_logged

            logged = draw_logged(cells, size, actual)
            ents = legend.Entries(ents.handles + logged, ents.labels + [str(h.get_label()) for h in logged])
            if logged and where == "none" and opts.legend != "none":  # a grid of one group each: the log's entry
                where = "below"
        frame.add_legend(ents, where)
        frame.layout()
        refit = opts.layout == "grid" and cells.refit_titles(frame.renderer, ncols, lines, frame.pad)
        if _tidy(cells, frame) or refit:  # a label on two lines is wider: lay out again around it
            frame.layout()
            _tidy(cells, frame)
        frame.freeze()
        if where == "best" and len(ents):
            legend.inside(cells.cells[0].lr, ents, points(frame.rc["legend.fontsize"]), frame.renderer)
        frame.place_legend([ax for c in cells.cells for ax in c.axes])
        if not final and (frame.collapsed or collide.problems(fig, frame.renderer)):
            fig.clear()
            return None
        cells.fill()
        draw_overlays(cells, result, opts)
        return fig


def _legend(cells: Cells, opts: PlotOptions) -> tuple[legend.Entries, str]:
    """The entries and where they go: schedules in an overlay; param groups (line styles) in a grid."""
    from matplotlib.lines import Line2D

    from lrviz.styles import GROUP_LINESTYLES

    where = opts.legend
    if opts.layout == "overlay":
        cell = cells.cells[0]
        ents = legend.entries(cell.lines, cell.series)
        if where == "auto":
            where = "above" if len(ents) <= legend.LEGEND_INSIDE_MAX else "side"
        return ents, where
    names = max(([s for s in c.series] for c in cells.cells), key=len)
    if len(names) <= 1:
        return legend.Entries([], []), "none"
    groups = [s.label.rsplit(" · ", 1)[-1] for s in names]
    handles = [
        Line2D([], [], color="#666666", linestyle=GROUP_LINESTYLES[j % len(GROUP_LINESTYLES)])
        for j in range(len(groups))
    ]
    return legend.Entries(handles, groups), ("below" if where in ("auto", "best") else where)


def _tidy(cells: Cells, frame: Frame) -> bool:
    """After the layout: tick labels thinned where they touch, y labels fitted to their panel.
    True when a y label went onto two lines (the layout must make room for it)."""
    shorts = {p.label: p.short for p in cells.plan.panels}
    done: set[int] = set()
    wrapped = False
    for cell in cells.cells:
        for ax in cell.axes:
            # shared axes share their ticks: thin once, on an axes that draws the labels (the
            # lr axes over a momentum panel shows none, and would find nothing crowded)
            if id(ax.xaxis.major) not in done and ticks.drawn_labels(ax.xaxis, frame.renderer):
                done.add(id(ax.xaxis.major))
                ticks.thin_x(ax, cells.plan, frame.renderer)
            ticks.thin_y(ax, frame.renderer)
            # a sub-panel's label may reach a little past its short axes, into the gap around it
            slack = 1.0 if ax is cell.lr else 1.15
            short = shorts.get(ax.get_ylabel(), "lr" if ax is cell.lr else None)
            wrapped |= ticks.fit_ylabel(ax, short, frame.renderer, slack)
    return wrapped


def draw(result: Result, ax: Axes, options: PlotOptions | None = None) -> Axes:
    """Draw every schedule's lr onto ``ax`` (an overlay), for a figure of your own.

    The axes keeps the caller's look (fonts, spines); lrviz sets the scale, the x
    limits and ticks, the labels, the line colours and a legend. Long runs are drawn
    from the envelope at twice the axes' current width (it may still grow).
    """
    from lrviz.render.ranges import window
    from lrviz.render.style import get_style

    opts = options or PlotOptions()
    plan = plan_series(result, opts, get_style(opts.style))
    drawn = [drawable(s.lr, plan.yscale) for s in plan.series]
    setup_x(ax, plan, with_labels=True, xlim=opts.xlim)
    setup_y(ax, extent([e for _, e in drawn]), plan.yscale, "learning rate", opts.ylim)
    columns = 2 * max(1, math.ceil(ax.get_window_extent().width))
    lines = []
    for s, (values, _) in zip(plan.series, drawn, strict=True):
        line = add_line(ax, s.color, s.linestyle, s.marker, s.label, plan.held)
        if s.badge:  # a marker that tells schedules apart: a few along the line, not one per point
            line.set_markevery(BADGE_EVERY)
        fill(line, values, plan, columns, window(opts.xlim, plan.x.index, plan.n), held=plan.held)
        lines.append(line)
    ax.legend(handles=lines, loc="best")
    if opts.title is not None:
        ax.set_title(opts.title)
    return ax


__all__ = ["build_figure", "draw", "figure_for"]
