"""The legend: where it goes, how many columns, and what it says, fitted to the figure.

Entries read in the order the schedules are given, row by row (matplotlib fills
columns first, so the entries are handed to it transposed). The legend is sized with
the renderer's own text extents before the axes are laid out, and the space it needs
is kept out of the layout (:mod:`lrviz.render.frame`): above the axes in as many
columns as fit the width, below them, or in a column on the right for many entries.
When even the smallest font cannot hold every entry, the last ones give way to a
"… and N more" entry rather than run off the figure.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backend_bases import RendererBase
    from matplotlib.figure import Figure
    from matplotlib.legend import Legend

    from lrviz.render.series import Series

#: Up to this many entries go above the axes (``legend: auto``); more go on the right.
LEGEND_INSIDE_MAX = 8
#: The share of the figure a legend may take: its height above or below, its width on the right.
MAX_SHARE = 0.34
MIN_FONT = 4.5


@dataclass
class Entries:
    handles: list[Any]
    labels: list[str]

    def __len__(self) -> int:
        return len(self.labels)


def entries(lines: list[Any], series: list[Series]) -> Entries:
    """One entry per line; a schedule torch stopped part-way gets its end marker and the reason."""
    from matplotlib.lines import Line2D

    handles: list[Any] = []
    labels: list[str] = []
    for line, s in zip(lines, series, strict=True):
        label = s.label
        if s.error is not None:
            line = Line2D([], [], color=s.color, linestyle=s.linestyle, marker="X", markersize=6)
            label += "\n" + "\n".join(textwrap.wrap(s.error, 46, max_lines=2, placeholder=" …"))
        handles.append(line)
        labels.append(label)
    return Entries(handles, labels)


def shown(leg: Legend) -> int:
    """How many entries a fitted legend shows (a folded "… and N more" is not one)."""
    texts = [t.get_text() for t in leg.get_texts()]
    return len(texts) - (1 if texts and texts[-1].startswith("… and ") else 0)


def row_major(items: list[Any], ncols: int) -> list[Any]:
    """``items`` ordered so matplotlib's column-first filling shows them row by row.

    matplotlib gives the first ``n % ncols`` columns one entry more, exactly the
    columns a row-by-row reading fills in the last, shorter row.
    """
    n = len(items)
    if ncols <= 1 or n <= ncols:
        return list(items)
    rows = math.ceil(n / ncols)
    out = []
    for col in range(ncols):
        for row in range(rows):
            k = row * ncols + col
            if k < n:
                out.append(items[k])
    return out


def _make(fig: Figure, ents: Entries, ncols: int, size: float, where: str) -> Legend:
    handles, labels = row_major(ents.handles, ncols), row_major(ents.labels, ncols)
    leg: Legend = fig.legend(
        handles,
        labels,
        loc="upper left",
        ncols=ncols,
        fontsize=size,
        frameon=False,
        borderaxespad=0.0,
        borderpad=0.2,
        columnspacing=1.6 if where != "right" else 1.0,
    )
    return leg


def _truncated(ents: Entries, keep: int) -> Entries:
    from matplotlib.lines import Line2D

    more = len(ents) - keep
    blank = Line2D([], [], linestyle="none", marker="none")
    return Entries([*ents.handles[:keep], blank], [*ents.labels[:keep], f"… and {more:,} more"])


@dataclass
class _Sizes:
    """Each entry's text extent (px) at font ``size``, measured once; other sizes scale them."""

    size: float
    widths: list[float]
    heights: list[float]

    @classmethod
    def measure(cls, fig: Figure, ents: Entries, size: float, renderer: RendererBase) -> _Sizes:
        probe = fig.text(0, 0, "", fontsize=size)
        widths, heights = [], []
        for label in ents.labels:
            probe.set_text(label)
            box = probe.get_window_extent(renderer)
            widths.append(box.width)
            heights.append(box.height)
        probe.remove()
        return cls(size, widths, heights)

    def box(self, size: float, ncols: int, where: str, px: float) -> tuple[float, float]:
        """(width, height) in px of a legend of these entries at ``size`` in ``ncols`` columns (row by row)."""
        import matplotlib

        rc = matplotlib.rcParams
        k, em, n = size / self.size, size * px, len(self.widths)
        handle = (float(rc["legend.handlelength"]) + float(rc["legend.handletextpad"])) * em
        rows = math.ceil(n / ncols)
        col_w = [max(self.widths[i] for i in range(c, n, ncols)) * k + handle for c in range(min(ncols, n))]
        row_h = [
            max(max(self.heights[i] * k, 0.7 * em) for i in range(r * ncols, min(n, (r + 1) * ncols)))
            for r in range(rows)
        ]
        spacing = (1.6 if where != "right" else 1.0) * em
        w = sum(col_w) + spacing * (len(col_w) - 1) + 0.4 * em
        h = sum(row_h) + float(rc["legend.labelspacing"]) * em * (rows - 1) + 0.4 * em
        return w, h


def _columns(sizes: _Sizes, size: float, where: str, box: tuple[float, float], px: float) -> int | None:
    """The most columns (right: the fewest) a legend at ``size`` fits ``box`` with, or None."""
    n = len(sizes.widths)
    if where == "right":
        for ncols in range(1, n + 1):
            w, h = sizes.box(size, ncols, where, px)
            if w > box[0]:
                return None
            if h <= box[1]:
                return ncols
        return None
    for ncols in range(min(n, LEGEND_INSIDE_MAX if where == "above" else 12), 0, -1):
        w, h = sizes.box(size, ncols, where, px)
        if w <= box[0]:
            return ncols if h <= box[1] else None  # fewer columns only make it taller
    return None


def _plan(
    fig: Figure, ents: Entries, where: str, size: float, box: tuple[float, float], renderer: RendererBase
) -> tuple[Entries, float, int] | None:
    """(entries, font size, columns) that fit ``box`` by the measured text extents: the font
    shrinks first, then the last entries fold into "… and N more"."""
    px = fig.dpi / 72.0
    sizes = _Sizes.measure(fig, ents, size, renderer)
    floor = min(size, MIN_FONT)
    while True:
        ncols = _columns(sizes, size, where, box, px)
        if ncols is not None:
            return ents, size, ncols
        if size <= floor:
            break
        size = max(floor, size * 0.88)
    keep = len(ents) - 1
    while keep >= 1:
        short = _truncated(ents, keep)
        ncols = _columns(_Sizes.measure(fig, short, size, renderer), size, where, box, px)
        if ncols is not None:
            return short, size, ncols
        keep = keep - 1 if keep < 8 else keep * 3 // 4
    return None


def fitted(fig: Figure, ents: Entries, where: str, size: float, renderer: RendererBase, pad: float) -> Legend | None:
    """A figure legend for ``where`` (above, below, right) fitted to the figure: columns, then
    a smaller font, then the last entries folded into "… and N more".

    Planned with the entries' measured text extents (one legend is made, not one per
    try: a sweep of 256 schedules has as many entries), then checked as made; if the
    legend came out larger than planned, it is planned again for the smaller box.
    """
    w, h = fig.bbox.width - 2 * pad, fig.bbox.height - 2 * pad
    box = (w * MAX_SHARE, h) if where == "right" else (w, h * MAX_SHARE)
    for _ in range(3):
        planned = _plan(fig, ents, where, size, box, renderer)
        if planned is None:
            return None
        chosen, size_used, ncols = planned
        leg = _make(fig, chosen, ncols, size_used, where)
        ext = leg.get_window_extent(renderer)
        if ext.width <= box[0] + 0.5 and ext.height <= box[1] + 0.5:
            return leg
        leg.remove()
        box = (box[0] * min(1.0, box[0] / ext.width) * 0.98, box[1] * min(1.0, box[1] / ext.height) * 0.98)
    return None


def inside(ax: Axes, ents: Entries, size: float, renderer: RendererBase) -> Legend | None:
    """``legend: best``: inside the axes where it hides least, if it fits in half the axes."""
    box = ax.get_window_extent(renderer)
    floor = min(size, MIN_FONT)
    while True:
        leg: Legend = ax.legend(ents.handles, ents.labels, loc="best", fontsize=size)
        ext = leg.get_window_extent(renderer)
        if ext.width <= box.width * 0.9 and ext.height <= box.height * 0.6:
            return leg
        leg.remove()
        if size <= floor:
            return None
        size = max(floor, size * 0.88)


def place(leg: Legend, fig: Figure, where: str, axes_box: Any, top: float, pad: float, renderer: RendererBase) -> None:
    """Move a fitted figure legend to its place once the axes are laid out (pixel coordinates).

    Above: its top at ``top``, its left on the axes' left spine when it fits there.
    Below: under the axes block. Right: beside the axes, at their top.
    """
    w = leg.get_window_extent(renderer).width
    fw, fh = fig.bbox.width, fig.bbox.height
    if where == "right":
        x, y = fw - pad - w, axes_box.y1
    else:
        x = axes_box.x0 if axes_box.x0 + w <= fw - pad else max(pad, fw - pad - w)
        y = top if where == "above" else pad + leg.get_window_extent(renderer).height
    leg.set_bbox_to_anchor((x / fw, y / fh), transform=fig.transFigure)
