"""The built-in looks of lrviz's figures, as data: rcParams, palettes, sizes.

Plain data, no matplotlib: config validation checks style names against
:data:`STYLES`, and :mod:`lrviz.render.style` applies a style with
``matplotlib.rc_context`` while a figure is built and saved, so nothing leaks into the
caller's matplotlib state. Every style starts from :data:`DETERMINISTIC` (fixed font,
fixed SVG hash salt, no text-as-font dependence), so the same data give the same
bytes on every machine that has the same matplotlib.

Colours come from the Okabe-Ito palette, designed to stay distinct for the common
forms of colour blindness; sweeps of more than eight schedules use viridis, which is
ordered (a sweep's values are) and also colour-blind safe. A param group keeps its
line style in every schedule, so "head" is dashed everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Okabe & Ito (2008), "Color Universal Design", ordered for lines on white: the two
#: lightest (sky blue, yellow) come last, black before yellow.
OKABE_ITO = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#E69F00",  # orange
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow
)
#: The same hues for a dark background (black swapped for light grey).
OKABE_ITO_DARK = ("#56B4E9", "#E69F00", "#009E73", "#F0E442", "#CC79A7", "#0072B2", "#D55E00", "#DDDDDD")

#: Param group i is drawn with GROUP_LINESTYLES[i % len]: the same in every schedule.
GROUP_LINESTYLES: tuple[Any, ...] = ("-", (0, (5, 2)), (0, (1, 1.6)), (0, (6, 2, 1.5, 2)), (0, (3, 1.5)), (0, (1, 3)))
#: Markers for short runs (<= SHORT_RUN steps), one per schedule, so a print in grey
#: still tells the schedules apart.
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
SHORT_RUN = 64

#: Settings every style shares: they make output files reproducible.
DETERMINISTIC: dict[str, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "mathtext.fontset": "dejavusans",
    "svg.hashsalt": "lrviz",  # clip-path ids are hashes; a fixed salt makes them stable
    "svg.fonttype": "path",  # text as paths: looks the same without the font installed
    "pdf.fonttype": 42,  # TrueType, editable in vector editors, as journals prefer
    "ps.fonttype": 42,
    # the envelope already bounds the points per pixel; matplotlib's own simplification
    # would be lossy on dense cycles (it clips troughs), so it stays off
    "path.simplify": False,
    "figure.autolayout": False,
    "savefig.bbox": None,  # the figure keeps the size asked for
    "savefig.transparent": False,
    "axes.formatter.use_mathtext": True,
    "axes.formatter.limits": (-3, 4),
    "axes.formatter.useoffset": False,
}

_CLEAN: dict[str, Any] = {
    "font.size": 10,
    "axes.titlesize": 10.5,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "axes.labelcolor": "#222222",
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "figure.titlesize": 12.5,
    "figure.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#555555",
    "axes.linewidth": 0.8,
    "axes.grid": True,
    "axes.grid.which": "major",
    "axes.axisbelow": True,
    "grid.color": "#E3E3E3",
    "grid.linewidth": 0.7,
    "grid.linestyle": "-",
    "xtick.color": "#555555",
    "ytick.color": "#555555",
    "xtick.major.size": 3.5,
    "ytick.major.size": 3.5,
    "xtick.minor.size": 2.0,
    "ytick.minor.size": 2.0,
    "xtick.major.width": 0.8,
    "ytick.major.width": 0.8,
    "xtick.direction": "out",
    "ytick.direction": "out",
    "lines.linewidth": 1.8,
    "lines.markersize": 4.0,
    "lines.solid_capstyle": "round",
    "lines.dash_capstyle": "butt",
    "legend.frameon": True,
    "legend.framealpha": 0.92,
    "legend.edgecolor": "none",
    "legend.facecolor": "white",
    "legend.handlelength": 2.6,
    "legend.borderaxespad": 0.6,
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "figure.constrained_layout.h_pad": 0.06,
    "figure.constrained_layout.w_pad": 0.06,
}

_PAPER = {
    **_CLEAN,
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.labelsize": 8,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
    "figure.titlesize": 9,
    "lines.linewidth": 1.2,
    "lines.markersize": 2.8,
    "axes.linewidth": 0.6,
    "grid.linewidth": 0.5,
    "xtick.major.size": 2.5,
    "ytick.major.size": 2.5,
}

_TALK = {
    **_CLEAN,
    "font.size": 14,
    "axes.titlesize": 14,
    "axes.labelsize": 14,
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "legend.fontsize": 12,
    "figure.titlesize": 17,
    "lines.linewidth": 2.6,
    "lines.markersize": 6,
}

_DARK = {
    **_CLEAN,
    "figure.facecolor": "#1E1E1E",
    "axes.facecolor": "#1E1E1E",
    "savefig.facecolor": "#1E1E1E",
    "axes.edgecolor": "#AAAAAA",
    "axes.labelcolor": "#DDDDDD",
    "text.color": "#EEEEEE",
    "xtick.color": "#AAAAAA",
    "ytick.color": "#AAAAAA",
    "grid.color": "#3A3A3A",
    "legend.facecolor": "#1E1E1E",
    "legend.labelcolor": "#DDDDDD",
}


@dataclass(frozen=True)
class Style:
    """A named look: rcParams, a palette, and the default figure size per layout."""

    name: str
    rc: dict[str, Any]
    palette: tuple[str, ...]
    overlay_size: tuple[float, float]
    cell_size: tuple[float, float]
    description: str


STYLES: dict[str, Style] = {
    s.name: s
    for s in (
        Style("clean", _CLEAN, OKABE_ITO, (7.0, 4.2), (3.2, 2.3), "light grid, no top/right spines (default)"),
        Style("paper", _PAPER, OKABE_ITO, (3.5, 2.5), (2.2, 1.6), "one column of a two-column paper, 7-8 pt text"),
        Style("talk", _TALK, OKABE_ITO, (10.0, 6.0), (4.5, 3.2), "large text and thick lines for slides"),
        Style("dark", _DARK, OKABE_ITO_DARK, (7.0, 4.2), (3.2, 2.3), "the clean style on a dark background"),
    )
}
DEFAULT_STYLE = "clean"


def style_names() -> list[str]:
    """lrviz's own styles, then matplotlib's built-in style sheets (matplotlib imported here only)."""
    import matplotlib.style

    return list(STYLES) + sorted(n for n in matplotlib.style.available if not n.startswith("_"))
