"""What a figure draws, measured by matplotlib itself: every text's extent, for layout tests.

A figure is drawn once on its Agg canvas with the renderer's ``draw_text`` watched, so
the texts collected are exactly those matplotlib drew (a tick label outside the view
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


def drawn_texts(fig) -> tuple[list[Drawn], tuple[float, float]]:
    """(every text drawn, (width, height) of the figure in pixels), from one draw of ``fig``."""
    renderer = fig.canvas.get_renderer()
    seen: dict[int, object] = {}
    original = renderer.draw_text

    def watched(gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if mtext is not None and s.strip():
            seen.setdefault(id(mtext), mtext)
        return original(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)

    renderer.draw_text = watched
    try:
        fig.draw(renderer)
    finally:
        del renderer.draw_text
    from matplotlib.text import Text

    out = []
    for text in seen.values():
        box = Text.get_window_extent(text, renderer)  # the text alone (an annotation's would add its arrow)
        out.append(Drawn(text.get_text().replace("\n", " / "), box.x0, box.y0, box.x1, box.y1))
    return out, (fig.bbox.width, fig.bbox.height)


def layout_problems(fig) -> list[str]:
    """Every text outside the figure and every pair of texts that overlap, in words."""
    texts, (w, h) = drawn_texts(fig)
    problems = []
    for t in texts:
        if t.x0 < -TOLERANCE or t.y0 < -TOLERANCE or t.x1 > w + TOLERANCE or t.y1 > h + TOLERANCE:
            problems.append(f"{t.text!r} is cut by the figure edge ({t.x0:.0f},{t.y0:.0f})-({t.x1:.0f},{t.y1:.0f})")
    for i, a in enumerate(texts):
        for b in texts[i + 1 :]:
            if a.overlaps(b):
                problems.append(f"{a.text!r} overlaps {b.text!r}")
    return problems
