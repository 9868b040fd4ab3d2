"""Which texts of a laid-out figure run off its edge or into each other.

The figure builder asks this after the layout (and the tick thinning) to decide
whether the fonts must shrink: every title, axis label, legend text and drawn tick
label, measured with the renderer the figure is drawn with. The tests ask the same
question independently, from a real draw (tests/layout.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lrviz.render.ticks import drawn_labels

if TYPE_CHECKING:
    from matplotlib.backend_bases import RendererBase
    from matplotlib.figure import Figure

#: Pixels two extents may share (anti-aliasing, a descender touching an ascender).
TOLERANCE = 0.5


def texts(fig: Figure, renderer: RendererBase) -> list[Any]:
    """Every non-empty, visible text the figure will draw (tick labels in view only); a legend counts as one."""
    found: list[Any] = [t for t in fig.texts]
    for name in ("_suptitle", "_supylabel", "_supxlabel"):  # where matplotlib keeps them
        extra = getattr(fig, name, None)
        if extra is not None:
            found.append(extra)
    found.extend(fig.legends)  # a legend as one box: its texts are placed only when it is drawn
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        found.extend([ax.title, getattr(ax, "_left_title", ax.title), getattr(ax, "_right_title", ax.title)])
        found.extend([ax.xaxis.label, ax.yaxis.label])
        found.extend(drawn_labels(ax.xaxis, renderer))
        found.extend(drawn_labels(ax.yaxis, renderer))
        if ax.get_legend() is not None:
            found.append(ax.get_legend())
        found.extend(t for t in ax.texts)
    return [t for t in dict.fromkeys(found) if t.get_visible() and _words(t).strip()]


def _words(artist: Any) -> str:
    if hasattr(artist, "get_texts"):  # a legend
        return " / ".join(t.get_text() for t in artist.get_texts())
    return str(artist.get_text())


def problems(fig: Figure, renderer: RendererBase) -> list[str]:
    """Texts cut by the figure's edge, and pairs of texts that overlap, in words."""
    import numpy as np

    items = texts(fig, renderer)
    if not items:
        return []
    boxes = np.array([list(t.get_window_extent(renderer).extents) for t in items])  # x0 y0 x1 y1
    w, h = fig.bbox.width, fig.bbox.height
    out = []
    outside = (boxes[:, 0] < -TOLERANCE) | (boxes[:, 1] < -TOLERANCE)
    outside |= (boxes[:, 2] > w + TOLERANCE) | (boxes[:, 3] > h + TOLERANCE)
    out += [f"{_words(items[i])!r} is cut by the figure's edge" for i in np.flatnonzero(outside)]
    dx = np.minimum(boxes[:, None, 2], boxes[None, :, 2]) - np.maximum(boxes[:, None, 0], boxes[None, :, 0])
    dy = np.minimum(boxes[:, None, 3], boxes[None, :, 3]) - np.maximum(boxes[:, None, 1], boxes[None, :, 1])
    clash = np.triu((dx > TOLERANCE) & (dy > TOLERANCE), k=1)
    rows, cols = np.nonzero(clash)
    out += [f"{_words(items[i])!r} overlaps {_words(items[j])!r}" for i, j in zip(rows, cols, strict=True)]
    return out
