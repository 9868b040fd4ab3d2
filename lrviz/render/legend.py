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


def _fits(
    fig: Figure, ents: Entries, size: float, where: str, box: tuple[float, float], renderer: RendererBase
) -> Legend | None:
    """The legend of ``ents`` at font ``size`` with the most columns that fit ``box`` (w, h px), or None."""
    max_w, max_h = box
    if where == "right":
        leg = _make(fig, ents, 1, size, where)
        row_h = leg.get_window_extent(renderer).height / max(1, len(ents))
        leg.remove()
        ncols = max(1, math.ceil(len(ents) / max(1, int(max_h / max(row_h, 1e-9)))))
        candidates = [ncols, ncols + 1]
    else:
        candidates = list(range(min(len(ents), LEGEND_INSIDE_MAX if where == "above" else 12), 0, -1))
    for ncols in candidates:
        leg = _make(fig, ents, ncols, size, where)
        bbox = leg.get_window_extent(renderer)
        if bbox.width <= max_w and bbox.height <= max_h:
            return leg
        leg.remove()
        if where != "right" and bbox.height > max_h and ncols < len(ents):
            return None  # fewer columns only make it taller
    return None


def fitted(fig: Figure, ents: Entries, where: str, size: float, renderer: RendererBase, pad: float) -> Legend | None:
    """A figure legend for ``where`` (above, below, right) fitted to the figure: columns, then
    a smaller font, then the last entries folded into "… and N more"."""
    w, h = fig.bbox.width - 2 * pad, fig.bbox.height - 2 * pad
    box = (w * MAX_SHARE, h) if where == "right" else (w, h * MAX_SHARE)
    floor = min(size, MIN_FONT)
    while True:
        leg = _fits(fig, ents, size, where, box, renderer)
        if leg is not None:
            return leg
        if size <= floor:
            break
        size = max(floor, size * 0.88)
    keep = len(ents) - 1
    while keep >= 1:
        leg = _fits(fig, _truncated(ents, keep), size, where, box, renderer)
        if leg is not None:
            return leg
        keep = keep - 1 if keep < 8 else keep * 3 // 4
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
