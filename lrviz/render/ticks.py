"""Tick labels that never run together, and axis labels that fit their panel.

After the layout, every axis's drawn tick labels are measured (the same extents the
renderer will draw); where two neighbours touch, the axis gets a sparser locator:
epochs every 2, 5, 10... epochs, steps and values with fewer "nice" ticks, until
they stand apart. Thinning only removes labels, so the layout stays valid. A y label
longer than its panel is tall (a short momentum panel under a small figure) takes its
short form, then a smaller font, then an ellipsis.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.axis import Axis
    from matplotlib.backend_bases import RendererBase

    from lrviz.render.series import Plan

#: Space between two tick labels, in multiples of the label font's size.
GAP_EM = 0.35
EPOCH_INTERVALS = (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000)


def labelled(axis: Any) -> bool:
    """Whether ``axis``'s major ticks show their labels (``tick_params(labelleft=False)`` hides them):
    read from its first tick, which every new tick copies."""
    tick = axis.majorTicks[0]
    return bool(axis.get_visible() and (tick.label1.get_visible() or tick.label2.get_visible()))


def drawn_labels(axis: Axis, renderer: RendererBase) -> list[Any]:
    """The tick labels ``axis`` draws (in its view, visible, not empty), positioned, in tick order.
    None when its ticks hide their labels (a shared axis inside a grid): nothing is measured."""
    if not labelled(axis):
        return []
    axis.get_tightbbox(renderer)  # updates the ticks: locations, texts, positions
    lo, hi = sorted(axis.get_view_interval())
    tol = (hi - lo) * 1e-9
    out = []
    ticks = axis.get_major_ticks(len(axis.get_majorticklocs()))
    for tick in ticks:
        if not lo - tol <= tick.get_loc() <= hi + tol:
            continue
        for label in (tick.label1, tick.label2):
            if label.get_visible() and label.get_text().strip():
                out.append(label)
    return out


def crowded(axis: Axis, renderer: RendererBase, vertical: bool) -> bool:
    """Whether two neighbouring tick labels of ``axis`` touch."""
    labels = drawn_labels(axis, renderer)
    if len(labels) < 2:
        return False
    gap = GAP_EM * labels[0].get_fontsize() * renderer.points_to_pixels(1.0)
    boxes = sorted((lb.get_window_extent(renderer) for lb in labels), key=lambda b: b.y0 if vertical else b.x0)
    for a, b in zip(boxes, boxes[1:], strict=False):
        if (b.y0 - a.y1 if vertical else b.x0 - a.x1) < gap:
            return True
    return False


def thin_x(ax: Axes, plan: Plan, renderer: RendererBase) -> None:
    """Sparser x ticks until the labels stand apart (shared axes share the result)."""
    from lrviz.render.axes import x_locator

    axis = ax.xaxis
    if not crowded(axis, renderer, vertical=False):
        return
    if plan.x.name == "epoch" and plan.x_range[1] <= 24:
        for interval in EPOCH_INTERVALS[1:]:
            axis.set_major_locator(x_locator(plan, interval=interval))
            axis.set_minor_locator(_null())
            if not crowded(axis, renderer, vertical=False):
                return
        return
    _fewer(axis, renderer, lambda k: x_locator(plan, nbins=k, fewest=1), vertical=False)


def thin_y(ax: Axes, renderer: RendererBase) -> None:
    from matplotlib.ticker import LogLocator, MaxNLocator

    axis = ax.yaxis
    if not crowded(axis, renderer, vertical=True):
        return
    if ax.get_yscale() == "log":
        _fewer(axis, renderer, lambda k: LogLocator(numticks=k + 1), vertical=True)
    else:
        _fewer(axis, renderer, lambda k: MaxNLocator(nbins=k, steps=[1, 2, 2.5, 5, 10], min_n_ticks=1), vertical=True)


def _fewer(axis: Axis, renderer: RendererBase, locator: Any, vertical: bool) -> None:
    count = len(drawn_labels(axis, renderer))
    for k in range(max(1, count - 1), 0, -1):
        axis.set_major_locator(locator(k))
        if not crowded(axis, renderer, vertical=vertical):
            return
    axis.set_major_locator(locator(1))


def _null() -> Any:
    from matplotlib.ticker import NullLocator

    return NullLocator()


def fit_ylabel(ax: Axes, short: str | None, renderer: RendererBase, slack: float = 1.0) -> bool:
    """A y label no longer than its axes is tall (times ``slack``): on two lines, its short form, a
    smaller font, then an ellipsis. True when it went onto two lines (it is wider now)."""
    from lrviz.render.text import MIN_FONT, shorten, width_of, wrap

    label = ax.yaxis.label
    text = label.get_text()
    if not text:
        return False
    room = ax.get_window_extent(renderer).height * slack
    if width_of(label, text, renderer) <= room:
        return False
    lines = wrap(label, text.replace("\n", " "), room, renderer)
    if len(lines) == 2 and all(width_of(label, ln, renderer) <= room for ln in lines):
        label.set_text("\n".join(lines))  # "weight decay" over "(decoupled)"
        return "\n" not in text
    if short and short != text:
        label.set_text(short)
        text = short
    size = float(label.get_fontsize())
    while width_of(label, text, renderer) > room and size > MIN_FONT:
        size = max(MIN_FONT, size * 0.88)
        label.set_fontsize(size)
    if width_of(label, text, renderer) > room:
        label.set_text(shorten(label, text, room, renderer))
    return False
