"""The axes of a figure placed in the frame's rectangle: lrviz's own arithmetic, in pixels.

matplotlib's constrained layout measures every axes twice with ``Axes.get_tightbbox``
(each measure updates every tick of both axes and the spines, and measures every tick
label), then solves for the margins. lrviz's figures are simpler: one gridspec of single
cells (an lr axes and its panels; a grid of them), shared axes that show their tick
labels on the outer axes only. So each axes' decorations are measured once where they
exist, with matplotlib's own extents (``Axis.get_tightbbox`` of an axis that shows tick
labels or a label; a title's text), and an axis that shows none takes only its tick
marks' length. Then, as constrained layout does:

* every side of every cell gets the decorations of the axes in its column (its row) and
  the pad of ``figure.constrained_layout.w_pad`` / ``h_pad``, so the axes of a column
  line up and the texts of neighbours stay apart;
* the axes themselves share the rest in the gridspec's ratios;
* ``supylabel`` / ``supxlabel`` (a grid's one "learning rate" and x label) get a strip
  on the left / at the bottom and are centred on the axes.

The tick labels of an axis depend on its length (matplotlib picks how many), so the
measure is taken again after the axes are placed, and the placing repeated while a
margin still grows (twice at most, in practice once).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lrviz.render.ticks import labelled

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backend_bases import RendererBase
    from matplotlib.figure import Figure

#: Placings at most (the first from the gridspec's own positions).
ROUNDS = 3
#: Pixels a margin may grow by without another round.
SLACK = 0.5


@dataclass
class Margins:
    """What each axes needs beside it, in pixels: left, bottom, right, top."""

    left: float = 0.0
    bottom: float = 0.0
    right: float = 0.0
    top: float = 0.0

    def covers(self, other: Margins) -> bool:
        return all(a + SLACK >= b for a, b in zip(self.sides(), other.sides(), strict=True))

    def sides(self) -> tuple[float, float, float, float]:
        return (self.left, self.bottom, self.right, self.top)

    def grown(self, other: Margins) -> Margins:
        """Each side the larger of the two: margins only grow, so the rounds end."""
        return Margins(*(max(a, b) for a, b in zip(self.sides(), other.sides(), strict=True)))


def _shows(axis: Any) -> bool:
    """Whether ``axis`` draws a tick label (on either side) or a label."""
    return bool(axis.label.get_text()) or labelled(axis)


def _mark(axis: Any, px: float) -> float:
    """How far the tick marks of ``axis`` reach out of the axes, in pixels."""
    return float(axis.get_tick_padding()) * px if axis.get_visible() else 0.0


def decorations(ax: Axes, renderer: RendererBase) -> Margins:
    """The room ``ax``'s tick labels, labels, tick marks and titles take beyond it, in pixels."""
    from matplotlib.transforms import Bbox

    px = float(renderer.points_to_pixels(1.0))  # type: ignore[arg-type]
    if not ax.get_visible():
        return Margins()
    pos = ax.get_window_extent(renderer)
    m = Margins(left=_mark(ax.yaxis, px), bottom=_mark(ax.xaxis, px))
    boxes = []
    if _shows(ax.xaxis):  # for_layout_only: an x label's width is not the axes' (a y label's height)
        boxes.append(ax.xaxis.get_tightbbox(renderer, for_layout_only=True))
    if _shows(ax.yaxis):
        boxes.append(ax.yaxis.get_tightbbox(renderer, for_layout_only=True))
    for title in (ax.title, getattr(ax, "_left_title", None), getattr(ax, "_right_title", None)):
        if title is not None and title.get_visible() and title.get_text():
            box = title.get_window_extent(renderer)  # where matplotlib puts it: titlepad above the axes
            mid = (pos.x0 + pos.x1) / 2  # its height only, as constrained layout takes it: a wide title is fitted
            boxes.append(Bbox([[mid, box.y0], [mid, box.y1]]))  # to the room up to the next cell (cells.refit_titles)
    for box in boxes:
        if box is None or box.width <= 0 and box.height <= 0:
            continue
        m.left = max(m.left, pos.x0 - box.x0)
        m.bottom = max(m.bottom, pos.y0 - box.y0)
        m.right = max(m.right, box.x1 - pos.x1)
        m.top = max(m.top, box.y1 - pos.y1)
    return m


def arrange(fig: Figure, rect: tuple[float, float, float, float], renderer: RendererBase, edge: float = 0.0) -> bool:
    """Place every axes of ``fig``'s gridspec in ``rect`` (x0, y0, x1, y1, pixels), decorations
    inside it. False when the axes have no room left (the figure is too small for its texts).

    ``edge``: the frame's own margin at the figure's edge (in ``rect``). The sup-labels sit
    where constrained layout put them: centred on the figure, ``w_pad`` / ``h_pad`` from its
    edge (the supxlabel above a legend below the axes, when there is one)."""
    import matplotlib

    axes = [ax for ax in fig.axes if ax.get_subplotspec() is not None]
    if not axes:
        return True
    rc = matplotlib.rcParams
    pads = (float(rc["figure.constrained_layout.w_pad"]), float(rc["figure.constrained_layout.h_pad"]))
    pads = (pads[0] * fig.dpi, pads[1] * fig.dpi)  # inches, as constrained layout reads them
    x0, y0, x1, y1 = rect
    supy, supx = _suplabel(fig, "_supylabel"), _suplabel(fig, "_supxlabel")
    if supy is not None:
        x0 += supy.get_window_extent(renderer).width + 2 * pads[0]
    if supx is not None:
        y0 += supx.get_window_extent(renderer).height + 2 * pads[1]
    used = {id(ax): Margins() for ax in axes}
    for n in range(ROUNDS):
        measured = {id(ax): decorations(ax, renderer) for ax in axes}
        if n and all(used[k].covers(m) for k, m in measured.items()):
            break
        used = {k: used[k].grown(m) for k, m in measured.items()}
        if not _place(fig, axes, used, (x0, y0, x1, y1), pads):
            return False
    if supy is not None:
        _put(supy, fig, renderer, x0=rect[0] + pads[0], cy=fig.bbox.height / 2)
    if supx is not None:
        _put(supx, fig, renderer, y0=rect[1] - edge + pads[1], cx=fig.bbox.width / 2)
    return True


def _suplabel(fig: Figure, name: str) -> Any:
    text = getattr(fig, name, None)  # where matplotlib keeps a figure's supylabel / supxlabel
    return text if text is not None and text.get_visible() and text.get_text() else None


def _place(
    fig: Figure,
    axes: list[Axes],
    used: dict[int, Margins],
    rect: tuple[float, float, float, float],
    pads: tuple[float, float],
) -> bool:
    """Each axes at its gridspec cell, every column (row) as wide (tall) as its axes' decorations need."""
    gs = axes[0].get_subplotspec().get_gridspec()  # type: ignore[union-attr]
    nrows, ncols = gs.get_geometry()
    ratios: Any = (gs.get_width_ratios(), gs.get_height_ratios())
    wr: list[float] = list(ratios[0] or [1.0] * ncols)
    hr: list[float] = list(ratios[1] or [1.0] * nrows)
    left, right = [pads[0]] * ncols, [pads[0]] * ncols
    top, bottom = [pads[1]] * nrows, [pads[1]] * nrows
    spans = {}
    for ax in axes:
        ss = ax.get_subplotspec()
        assert ss is not None
        rows, cols = ss.rowspan, ss.colspan
        spans[id(ax)] = (rows, cols)
        m = used[id(ax)]
        left[cols.start] = max(left[cols.start], m.left + pads[0])
        right[cols.stop - 1] = max(right[cols.stop - 1], m.right + pads[0])
        top[rows.start] = max(top[rows.start], m.top + pads[1])
        bottom[rows.stop - 1] = max(bottom[rows.stop - 1], m.bottom + pads[1])
    x0, y0, x1, y1 = rect
    inner_w, inner_h = x1 - x0 - sum(left) - sum(right), y1 - y0 - sum(top) - sum(bottom)
    if inner_w <= 1 or inner_h <= 1:
        return False
    widths = [inner_w * w / sum(wr) for w in wr]
    heights = [inner_h * h / sum(hr) for h in hr]
    xs, x = [], x0
    for c in range(ncols):
        xs.append(x + left[c])
        x += left[c] + widths[c] + right[c]
    ys, y = [], y1
    for r in range(nrows):
        ys.append(y - top[r])  # the top of row r's axes
        y -= top[r] + heights[r] + bottom[r]
    w, h = fig.bbox.width, fig.bbox.height
    for ax in axes:
        rows, cols = spans[id(ax)]
        ax0, ax1 = xs[cols.start], xs[cols.stop - 1] + widths[cols.stop - 1]
        ay1, ay0 = ys[rows.start], ys[rows.stop - 1] - heights[rows.stop - 1]
        ax.set_position((ax0 / w, ay0 / h, (ax1 - ax0) / w, (ay1 - ay0) / h))
        ax.set_in_layout(True)  # set_position takes it out of any layout engine; there is none
    return True


def _put(text: Any, fig: Figure, renderer: RendererBase, **at: float) -> None:
    """Move a figure text so its box starts at ``x0`` / ``y0`` or is centred on ``cx`` / ``cy`` (pixels)."""
    box = text.get_window_extent(renderer)
    dx = at["x0"] - box.x0 if "x0" in at else at["cx"] - (box.x0 + box.x1) / 2
    dy = at["y0"] - box.y0 if "y0" in at else at["cy"] - (box.y0 + box.y1) / 2
    x, y = text.get_position()
    text.set_position((x + dx / fig.bbox.width, y + dy / fig.bbox.height))
