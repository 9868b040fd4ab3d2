"""A figure's size and what goes around the axes: legends, panel titles, the pixel budget."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from lrviz.errors import LrvizError
from lrviz.render.series import Plan
from lrviz.validate.plot import MAX_INCHES, PlotOptions

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.lines import Line2D

    from lrviz.styles import Style

#: Up to this many legend entries go in rows above the axes; more go on the right.
LEGEND_INSIDE_MAX = 8
MAX_PIXELS_PER_SIDE = 20_000
#: The Agg canvas holds the whole figure as pixels (4 bytes each) at the PNG dpi, for
#: every format (it measures the text for the layout): 50 in x 50 in at 400 dpi took
#: 1.9 GB and 50 s, and at 1200 dpi it would want 14 GB. Bounded before it is made.
MAX_PIXELS = 50_000_000


def legend_font() -> float:
    import matplotlib
    from matplotlib.font_manager import FontProperties

    return FontProperties(size=matplotlib.rcParams["legend.fontsize"]).get_size_in_points()


def entry_width(label: str, font: float) -> float:
    """Rough width in inches of one legend entry: ~0.6 em per character plus the line sample."""
    return (len(label) * 0.6 + 4.5) * font / 72


def side_legend_shape(labels: list[str], height: float, font: float) -> tuple[int, float]:
    """(columns, width in inches) of a legend beside the axes that fits ``height``."""
    rows = max(4, int(height * 72 * 0.85 / (font * 1.45)))
    ncols = math.ceil(len(labels) / rows)
    return ncols, ncols * max(entry_width(lb, font) for lb in labels)


def place_legend(ax: Axes, handles: list[Line2D], fig_size: tuple[float, float]) -> None:
    """A legend outside the axes, so it never hides a line: rows above the axes for a
    few entries, columns on the right for many (a sweep)."""
    font = legend_font()
    if len(handles) <= LEGEND_INSIDE_MAX:
        widths = [entry_width(str(h.get_label()), font) for h in handles]
        ncols = len(handles)
        while ncols > 1 and max(sum(widths[i : i + ncols]) for i in range(0, len(widths), ncols)) > fig_size[0] * 0.92:
            ncols -= 1
        ax.legend(
            handles=handles,
            loc="lower left",
            bbox_to_anchor=(0.0, 1.01),
            ncols=ncols,
            frameon=False,
            borderaxespad=0.0,
            columnspacing=1.6,
        )
    else:
        # beside the axes (constrained layout makes room; the default figure size grew
        # for it); a figure legend would collide with the suptitle
        ncols, _ = side_legend_shape([str(h.get_label()) for h in handles], fig_size[1], font)
        ax.legend(
            handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, frameon=False, ncols=ncols
        )


def default_size(opts: PlotOptions, style: Style, plan: Plan, n_panels: int) -> tuple[float, float]:
    if opts.size is not None:
        return opts.size
    show_m = plan.show_momentum
    if opts.layout == "overlay":
        w, h = style.overlay_size
        h = h * 1.3 if show_m else h
        if len(plan.series) > LEGEND_INSIDE_MAX:  # make room for the legend beside the axes
            font = legend_font()
            n = len(plan.series)
            rows = math.ceil(n / math.ceil(n / 30))  # at most ~30 entries a column: taller, not wider
            h = min(MAX_INCHES, max(h, rows * font * 1.45 / 72 / 0.85 + 0.9))
            _, extra = side_legend_shape([s.label for s in plan.series], h, font)
            w = min(MAX_INCHES, w + extra)
        return (w, h)
    ncols, nrows = grid_shape(n_panels)
    cw, ch = style.cell_size
    return (min(MAX_INCHES, cw * ncols + 0.4), min(MAX_INCHES, (ch * (1.35 if show_m else 1.0)) * nrows + 0.7))


def grid_shape(n: int) -> tuple[int, int]:
    """(columns, rows) for n panels: at most 4 wide, as square as possible."""
    ncols = min(4, n) if n <= 4 else min(4, math.ceil(math.sqrt(n)))
    return ncols, math.ceil(n / ncols)


def wrap_title(label: str, panel_inches: float) -> str:
    """Break a panel title that would run into the next panel (bold DejaVu ~0.62 em a char)."""
    import textwrap

    import matplotlib
    from matplotlib.font_manager import FontProperties

    points = FontProperties(size=matplotlib.rcParams["axes.titlesize"]).get_size_in_points()
    chars = max(12, int(panel_inches * 72 * 0.92 / (points * 0.62)))
    return textwrap.fill(label, width=chars, break_long_words=True) if len(label) > chars else label


def check_pixels(size: tuple[float, float], dpi: int) -> None:
    w, h = (round(v * dpi) for v in size)
    if max(w, h) > MAX_PIXELS_PER_SIDE or w * h > MAX_PIXELS:
        raise LrvizError(
            f"a figure of {w:,} x {h:,} pixels ({size[0]:g} x {size[1]:g} in at {dpi} dpi) is above the limit of "
            f"{MAX_PIXELS_PER_SIDE:,} pixels a side and {MAX_PIXELS:,} in all; lower the dpi or the size "
            "(the options dpi and size)"
        )


@contextmanager
def quiet_layout() -> Iterator[None]:
    """A figure too small for its labels (a size the user chose) is still drawn, without
    matplotlib's layout warning on every call: the picture itself shows the problem."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="constrained_layout not applied", category=UserWarning)
        yield
