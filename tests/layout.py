"""What a figure draws, measured by matplotlib itself: every text's extent, for layout tests.

A figure is drawn once on its Agg canvas with ``Text.draw`` watched, so the texts
collected are exactly those matplotlib drew, one or many lines (a tick label outside the view
limits is created but never drawn, and is not collected). Each text's extent is its own
``get_window_extent`` on that renderer, in pixels. Nothing here knows how lrviz lays a
figure out: the checks are "inside the figure" and "no two overlap", nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Pixels two extents may share (anti-aliasing, a descender touching a neighbour's ascender).
TOLERANCE = 0.5


@dataclass(frozen=True)
class Drawn:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Drawn) -> bool:
        return (
            min(self.x1, other.x1) - max(self.x0, other.x0) > TOLERANCE
            and min(self.y1, other.y1) - max(self.y0, other.y0) > TOLERANCE
        )


def drawn_artists(fig) -> list:
    """Every Text artist ``fig`` draws, from one draw: each one whose ``Text.draw`` runs with a
    visible, non-empty text (multi-line ones included: matplotlib draws those a line at a time
    with no ``mtext`` to tell whose line it is, so watching the renderer's ``draw_text`` misses them)."""
    from matplotlib.text import Text

    renderer = fig.canvas.get_renderer()
    seen: dict[int, Text] = {}
    original = Text.draw

    def watched(self, renderer):
        if self.get_visible() and self.get_text().strip():
            seen.setdefault(id(self), self)
        return original(self, renderer)

    Text.draw = watched
    try:
        fig.draw(renderer)
    finally:
        Text.draw = original
    return list(seen.values())


def drawn_texts(fig, artists: list | None = None) -> tuple[list[Drawn], tuple[float, float]]:
    """(every text drawn, (width, height) of the figure in pixels), from one draw of ``fig``
    (or from ``artists``, what :func:`drawn_artists` found in a draw already made)."""
    from matplotlib.text import Text

    renderer = fig.canvas.get_renderer()
    out = []
    for text in drawn_artists(fig) if artists is None else artists:
        box = Text.get_window_extent(text, renderer)  # the text alone (an annotation's would add its arrow)
        out.append(Drawn(text.get_text().replace("\n", " / "), box.x0, box.y0, box.x1, box.y1))
    return out, (fig.bbox.width, fig.bbox.height)


def layout_problems(fig, artists: list | None = None) -> list[str]:
    """Every text outside the figure and every pair of texts that overlap, in words."""
    texts, (w, h) = drawn_texts(fig, artists)
    problems = []
    for t in texts:
        if t.x0 < -TOLERANCE or t.y0 < -TOLERANCE or t.x1 > w + TOLERANCE or t.y1 > h + TOLERANCE:
            problems.append(f"{t.text!r} is cut by the figure edge ({t.x0:.0f},{t.y0:.0f})-({t.x1:.0f},{t.y1:.0f})")
    for i, a in enumerate(texts):
        for b in texts[i + 1 :]:
            if a.overlaps(b):
                problems.append(f"{a.text!r} overlaps {b.text!r}")
    return problems
