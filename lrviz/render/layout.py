"""A figure's size, the size of its fonts at that size, and the pixel budget.

A figure keeps the size it is asked for; what changes with the size is the text. The
default size of each style is its nominal size, drawn with the style's fonts as they
are. A smaller figure (a one-column 3.5 x 2.5 in, down to 2.5 x 2 in) scales every
font by the square root of how much smaller it is (never below half), so a paper
figure stays legible while the axes keep room; the frame and the tick thinning
(:mod:`lrviz.render.frame`, :mod:`lrviz.render.ticks`) then make the rest fit.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from lrviz.errors import LrvizError
from lrviz.validate.plot import MAX_INCHES, PlotOptions

if TYPE_CHECKING:
    from lrviz.render.series import Plan
    from lrviz.styles import Style

MAX_PIXELS_PER_SIDE = 20_000
#: The Agg canvas holds the whole figure as pixels (4 bytes each) at the PNG dpi, for
#: every format (it measures the text for the layout): 50 in x 50 in at 400 dpi took
#: 1.9 GB and 50 s, and at 1200 dpi it would want 14 GB. Bounded before it is made.
MAX_PIXELS = 50_000_000
#: Each panel under the lr adds this share of the lr's height to a default figure.
SUB_HEIGHT = 0.3
#: Fonts never shrink below this share of the style's.
MIN_SCALE = 0.5
FONT_KEYS = (
    "font.size",
    "axes.titlesize",
    "axes.labelsize",
    "xtick.labelsize",
    "ytick.labelsize",
    "legend.fontsize",
    "figure.titlesize",
    "figure.labelsize",
)


SPACING_KEYS = (
    "lines.markersize",
    "axes.titlepad",
    "axes.labelpad",
    "xtick.major.size",
    "ytick.major.size",
    "xtick.minor.size",
    "ytick.minor.size",
    "xtick.major.pad",
    "ytick.major.pad",
    "xtick.minor.pad",
    "ytick.minor.pad",
    "figure.constrained_layout.h_pad",  # the pads lrviz.render.arrange keeps around each axes
    "figure.constrained_layout.w_pad",
)
#: The last resort of a figure whose texts still collide at MIN_SCALE.
LAST_SCALE = 0.4


def nominal_size(opts: PlotOptions, style: Style, plan: Plan, n_cells: int) -> tuple[float, float]:
    """The size a figure gets when none is asked for: the style's, grown for sub-panels and big legends."""
    from lrviz.render.legend import LEGEND_INSIDE_MAX

    k = len(plan.panels)
    if opts.layout == "overlay":
        w, h = style.overlay_size
        h = h * (1 + SUB_HEIGHT * k)
        if len(plan.series) > LEGEND_INSIDE_MAX and opts.legend in ("auto", "right"):  # room for a side legend
            n = len(plan.series)
            rows = math.ceil(n / math.ceil(n / 30))  # at most ~30 entries a column: taller, not wider
            font = 9.0
            h = max(h, rows * font * 1.45 / 72 / 0.85 + 0.9)
            w = w + math.ceil(n / rows) * max(len(s.label) * 0.6 + 4.5 for s in plan.series) * font / 72
        return (min(MAX_INCHES, w), min(MAX_INCHES, h))
    cw, ch = grid_cell(style, k)
    ncols, nrows = grid_shape(n_cells, None, (cw, ch))
    return (min(MAX_INCHES, cw * ncols + 0.4), min(MAX_INCHES, ch * nrows + 0.7))


def default_size(opts: PlotOptions, style: Style, plan: Plan, n_cells: int) -> tuple[float, float]:
    return opts.size if opts.size is not None else nominal_size(opts, style, plan, n_cells)


def font_scale(opts: PlotOptions, style: Style, plan: Plan, n_cells: int) -> float:
    """1 at the style's own size or larger; the square root of the ratio below it, at least MIN_SCALE."""
    if opts.size is None:
        return 1.0
    w0, h0 = nominal_size(opts, style, plan, n_cells)
    ratio = min(opts.size[0] / w0, opts.size[1] / h0)
    return max(MIN_SCALE, min(1.0, math.sqrt(ratio)))


@contextmanager
def scaled_fonts(scale: float) -> Iterator[None]:
    """Every font size (and marker size) of the current rcParams times ``scale``, for the block."""
    import matplotlib
    from matplotlib.font_manager import FontProperties

    if scale == 1.0:
        yield
        return
    rc: Any = matplotlib.rcParams  # typed by matplotlib with a Literal of every key
    sizes: Any = {k: FontProperties(size=rc[k]).get_size_in_points() * scale for k in FONT_KEYS}
    for key in SPACING_KEYS:  # pads and tick lengths shrink with the text they space
        sizes[key] = float(rc[key]) * scale
    sizes["lines.linewidth"] = float(rc["lines.linewidth"]) * (0.5 + 0.5 * scale)  # thinner, not as much
    with matplotlib.rc_context(sizes):
        yield


#: The shape a grid of default size aims at (width / height): a screen's or a page's, not a strip.
GRID_ASPECT = 1.6
#: What an empty slot costs a shape, per share of the cells (against a log-ratio of aspects).
EMPTY_COST = 0.6


def grid_shape(
    n: int, size: tuple[float, float] | None = None, cell: tuple[float, float] = (3.2, 2.3)
) -> tuple[int, int]:
    """(columns, rows) for n panels, chosen for the figure: cells as close to ``cell``'s shape as a
    figure of ``size`` allows (a 7 x 4.2 in figure of 4 panels is 2 x 2, never a 4 x 1 strip); with
    no size, the shape whose default figure (cells of ``cell``) is nearest GRID_ASPECT, at most 4 wide.
    Few empty slots, and never an empty column."""
    if n <= 1:
        return 1, 1
    best: tuple[float, int, int] | None = None
    for ncols in range(1, min(n, 6 if size is not None else 4) + 1):
        nrows = math.ceil(n / ncols)
        if (ncols - 1) * nrows >= n:  # a column would stay empty
            continue
        if size is not None:
            aspect, goal = (size[0] / ncols) / (size[1] / nrows), cell[0] / cell[1]
        else:
            aspect, goal = ncols * cell[0] / (nrows * cell[1]), GRID_ASPECT
        cost = abs(math.log(aspect / goal)) + EMPTY_COST * (ncols * nrows - n) / n
        if best is None or cost < best[0] - 1e-12:
            best = (cost, ncols, nrows)
    assert best is not None
    return best[1], best[2]


def grid_cell(style: Style, panels: int) -> tuple[float, float]:
    """A grid cell's nominal size in the style, with its panels under the lr."""
    cw, ch = style.cell_size
    return cw, ch * (1 + 0.35 * panels)


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
