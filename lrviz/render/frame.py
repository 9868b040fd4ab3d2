"""What goes around the axes: the title and subtitle on top, the legend above, below or
beside, and the rectangle left for the axes, which :mod:`lrviz.render.arrange` then fills.

The frame is sized first, with the renderer's own text extents (titles fitted by
:mod:`lrviz.render.text`, legends by :mod:`lrviz.render.legend`): a title wider than
the figure is wrapped, a legend reflowed into the columns that fit. The axes, their
tick labels and axis labels get the rectangle that is left (lrviz's own arithmetic,
in place of matplotlib's constrained layout, which measured every axes twice).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lrviz.render import legend as legends
from lrviz.render.text import fit

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.legend import Legend

#: Margin around the figure's edge, and between the stacked parts of the frame, in points.
PAD_PT = 5.0
GAP_PT = 5.0


class Frame:
    """The parts around the axes of one figure, in pixels from the top / bottom / right."""

    def __init__(self, fig: Figure):
        import matplotlib

        self.fig = fig
        self.renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
        self.px = fig.dpi / 72.0
        self.pad, self.gap = PAD_PT * self.px, GAP_PT * self.px
        self.top = self.pad
        self.bottom = self.pad
        self.right = 0.0
        self.legend: Legend | None = None
        self.where = "none"
        self.rc = matplotlib.rcParams
        self.collapsed = False

    @property
    def width(self) -> float:
        return float(self.fig.bbox.width)

    @property
    def height(self) -> float:
        return float(self.fig.bbox.height)

    def header(self, title: str | None, subtitle: str | None) -> None:
        """The title (the figure's suptitle, bold) and a subtitle line under it, centred, fitted to the width."""
        width = self.width - 2 * self.pad
        if title:
            t = self.fig.suptitle(title, x=0.5, y=1.0, ha="center", va="top")
            t.set_in_layout(False)  # placed here; the axes only get the rectangle below
            fit(t, title, width, self.renderer, max_lines=2)
            self._stack(t)
        if subtitle:
            size = points(self.rc["axes.labelsize"]) * 0.92
            color = self.rc["axes.labelcolor"]
            s = self.fig.text(0.5, 1.0, subtitle, ha="center", va="top", fontsize=size, color=color)
            fit(s, subtitle, width, self.renderer, max_lines=3)
            self._stack(s)

    def _stack(self, text: Any) -> None:
        text.set_y(1.0 - self.top / self.height)
        self.top += text.get_window_extent(self.renderer).height + self.gap

    def add_legend(self, ents: legends.Entries, where: str) -> None:
        """A figure legend above, below or right of the axes, fitted now and placed after the layout.

        ``side``: a column on the right, or below the axes when that shows more entries (a
        narrow figure has more room under its axes than beside them).
        """
        if not len(ents) or where in ("none", "best"):
            return
        size = points(self.rc["legend.fontsize"])
        places = ["right", "below"] if where == "side" else [where]
        leg = None
        for place in places:
            found = legends.fitted(self.fig, ents, place, size, self.renderer, self.pad)
            if found is not None and (leg is None or legends.shown(found) > legends.shown(leg)):
                if leg is not None:
                    leg.remove()
                leg, where = found, place
            elif found is not None:
                found.remove()
            if leg is not None and legends.shown(leg) == len(ents):
                break
        if leg is None:
            return
        self.legend, self.where = leg, where
        box = leg.get_window_extent(self.renderer)
        if where == "above":
            self.top += box.height + self.gap
        elif where == "below":
            self.bottom += box.height + self.gap
        else:
            self.right = box.width + self.gap + self.pad

    def layout(self) -> None:
        """Place the axes in the rectangle the frame leaves (:mod:`lrviz.render.arrange`; then :meth:`freeze`)."""
        from lrviz.render.arrange import arrange

        rect = (0.0, self.bottom, self.width - self.right, max(self.bottom + 1.0, self.height - self.top))
        self.collapsed = not arrange(self.fig, rect, self.renderer, edge=self.pad)

    def freeze(self) -> None:
        """No more layout: saving the figure must not move what was placed after it.

        No engine at all (None), not matplotlib's "none" placeholder: with any engine,
        ``savefig`` draws the whole figure once more before saving, to let it lay out
        (the 14-panel cheat sheet: a third of its saving time), and a frozen figure has
        nothing to lay out. Without rcParams asking for one, None is no engine."""
        import matplotlib

        with matplotlib.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
            self.fig.set_layout_engine(None)
        for ax in self.fig.axes:
            freeze_titles(ax, self.renderer)
            for axis in (ax.xaxis, ax.yaxis):
                freeze_label(axis)

    def place_legend(self, axes: list[Axes]) -> None:
        if self.legend is None or not axes:
            return
        from matplotlib.transforms import Bbox

        box = Bbox.union([ax.get_window_extent(self.renderer) for ax in axes])
        top = self.height - (self.top - self.legend.get_window_extent(self.renderer).height - self.gap)
        legends.place(self.legend, self.fig, self.where, box, top, self.pad, self.renderer)


def freeze_titles(ax: Axes, renderer: Any) -> None:
    """An axes' titles placed once, where matplotlib places them, and kept there.

    Unfrozen, every draw places them again over the top of the axes' decorations: the
    spine's extent (which updates every x tick) and each y axis' tight box (every y tick,
    every tick label measured), on each axes with a title, in every format saved: a
    quarter of the 14-panel cheat sheet's saving time. After the layout nothing moves,
    so the place is the one every draw would compute (matplotlib's ``set_title(y=...)``
    turns the placing off the same way, ``_autotitlepos``). Any other matplotlib: as it is.
    """
    update = getattr(ax, "_update_title_position", None)
    if update is None or getattr(ax, "_autotitlepos", None) is None:
        return
    if _alone(ax):
        _place_titles(ax, renderer)
    else:
        update(renderer)
    ax._autotitlepos = False  # type: ignore[attr-defined]


def _alone(ax: Axes) -> bool:
    """Whether matplotlib's title placing comes down to "above the axes' top": no twin, child or
    aligned title, no x tick label or label on top, and a y formatter that never writes an offset
    (the one thing on the y axis that can push a title up; matplotlib measures the whole y axis
    at every placing to find it)."""
    from matplotlib.ticker import FuncFormatter, LogFormatter

    fig: Any = ax.figure
    groups = getattr(fig, "_align_label_groups", {})
    if ax.child_axes or len(list(ax._twinned_axes.get_siblings(ax))) > 1:  # type: ignore[attr-defined]
        return False
    if "title" in groups and len(list(groups["title"].get_siblings(ax))) > 1:
        return False
    if ax.xaxis.get_ticks_position() in ("top", "unknown") or ax.xaxis.get_label_position() == "top":
        # matplotlib then takes the top of the x axis' tight box, which is the axes' own top
        # when the axis draws no tick label and no label (every axes of a grid but the lowest)
        tick = ax.xaxis.majorTicks[0]
        if tick.label1.get_visible() or tick.label2.get_visible() or ax.xaxis.label.get_text():
            return False
    formatter = ax.yaxis.get_major_formatter()
    return isinstance(formatter, (FuncFormatter, LogFormatter)) and not formatter.get_offset()


def _place_titles(ax: Axes, renderer: Any) -> None:
    """matplotlib's ``Axes._update_title_position`` for an axes :func:`_alone`: each title at the
    axes' top, raised where its text would reach below it, all on the highest baseline."""
    titles = [ax.title, getattr(ax, "_left_title", ax.title), getattr(ax, "_right_title", ax.title)]
    if not any(t.get_text() for t in titles):
        return
    top = ax.get_window_extent().ymax
    for title in titles:
        x, _ = title.get_position()
        title.set_position((x, 1.0))
        if title.get_text() and top >= 0 and title.get_window_extent(renderer).ymin < top:
            _, y = ax.transAxes.inverted().transform((0, top))
            title.set_position((x, y))
            if title.get_window_extent(renderer).ymin < top:
                _, y = ax.transAxes.inverted().transform((0.0, 2 * top - title.get_window_extent(renderer).ymin))
                title.set_position((x, y))
    ymax = max(t.get_position()[1] for t in titles)
    for title in titles:
        title.set_position((title.get_position()[0], ymax))


def freeze_label(axis: Any) -> None:
    """An axis without a label (every cell of a grid but the outer ones: the grid has one
    label of its own) no longer places its empty label at every draw and measure.

    Placing it reads the tick boxes of every axes it is aligned with (each of their ticks
    updated) and the spine, for a text that draws nothing. A label with text keeps
    matplotlib's placing: its place is in pixels of the dpi it is drawn at, and SVG is drawn
    at 72. ``_autolabelpos`` is what matplotlib's ``set_label_coords`` turns off; any other
    matplotlib: as it is.
    """
    if axis.label.get_text() or getattr(axis, "_autolabelpos", None) is not True:
        return
    axis._autolabelpos = False


def points(size: Any) -> float:
    """A font size as rcParams may hold it (9, 'medium') in points."""
    from matplotlib.font_manager import FontProperties

    return float(FontProperties(size=size).get_size_in_points())
