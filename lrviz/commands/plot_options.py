"""`lrviz plot`'s options: the choices, each flag as a named ``Annotated`` alias, and the
library's name of each plot option -> its flag (so an error names what was typed).

Kept apart from the command so :mod:`lrviz.commands.show` can share the ones it takes."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from lrviz.commands.common import FLAG, OUTPUT_FLAGS, comma_list


class Layout(str, Enum):
    overlay = "overlay"
    grid = "grid"


class YScale(str, Enum):
    linear = "linear"
    log = "log"


class XAxis(str, Enum):
    step = "step"
    epoch = "epoch"
    tokens = "tokens"


class DrawStyle(str, Enum):
    steps = "steps"
    line = "line"


class LegendPlace(str, Enum):
    auto = "auto"
    above = "above"
    below = "below"
    right = "right"
    best = "best"
    none = "none"


class Switch(str, Enum):
    auto = "auto"
    on = "on"
    off = "off"


OutputOpt = Annotated[
    Path | None,
    typer.Option(
        *OUTPUT_FLAGS,
        metavar="PATH",
        help="A folder (created if missing, parents too) for one file per config and format, named after the "
        "config; or a file ending in .png, .svg, .pdf or .html for one figure in that format. "
        "Default: the current folder.",
    ),
]
FormatsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--format",
        "-f",
        metavar="png|svg|pdf|html",
        callback=comma_list(),
        help="Several: png,svg (or repeat the option); html: an interactive page (hover, zoom). "
        "Default: the config's plot.format, else png.",
    ),
]
LayoutOpt = Annotated[
    Layout | None,
    typer.Option(
        "--layout",
        metavar="overlay|grid",
        help="overlay: every schedule on one axes (default); grid: one panel per schedule.",
    ),
]
YScaleOpt = Annotated[
    YScale | None, typer.Option("--yscale", metavar="linear|log", help="Learning-rate axis (default linear).")
]
XOpt = Annotated[
    XAxis | None,
    typer.Option(
        "--x",
        metavar="step|epoch|tokens",
        help="x axis in optimizer steps (default), epochs (uses steps_per_epoch) or tokens (uses tokens_per_step).",
    ),
]
TitleOpt = Annotated[
    str | None,
    typer.Option("--title", metavar="TEXT", help="Figure title. Default: the config's title, else its file name."),
]
StyleOpt = Annotated[
    str | None,
    typer.Option(
        "--style", metavar="NAME", help="clean (default), paper, talk, dark, or a matplotlib style sheet name."
    ),
]
SizeOpt = Annotated[
    str | None,
    typer.Option("--size", metavar="W,H", help="Figure size W,H in inches, e.g. 7,4.2. Default: per layout and style."),
]
CombineOpt = Annotated[
    str | None,
    typer.Option(
        "--combine",
        metavar="NAME",
        help="Draw every schedule of every CONFIG into one figure, NAME.<format> in the --output folder (or "
        "the file it names); labels a file shares with another get its name; the files' plot: blocks are not read.",
    ),
]
DpiOpt = Annotated[
    int | None, typer.Option("--dpi", metavar="N", help="Resolution of PNG files, in dots per inch (default 150).")
]
# The figure's controls (issues 16 and 19); each may also be set in the config's plot: block.
DrawStyleOpt = Annotated[
    DrawStyle | None,
    typer.Option(
        "--drawstyle",
        metavar="steps|line",
        help="steps: each lr held through its optimizer step, as the optimizer uses it (default); "
        "line: consecutive values joined, the articles' look.",
    ),
]
XlimOpt = Annotated[
    str | None,
    typer.Option("--xlim", metavar="A,B", help="x range in the unit of --x, e.g. 0,500 (leave one end out: 0,)."),
]
YlimOpt = Annotated[
    str | None, typer.Option("--ylim", metavar="A,B", help="Learning-rate range, e.g. 1e-6,1e-3 (leave one end out).")
]
LegendOpt = Annotated[
    LegendPlace | None,
    typer.Option(
        "--legend",
        metavar="WHERE",
        help="Where the legend goes: auto (above the axes; beside or below for many entries), above, below, "
        "right, best (inside the axes) or none.",
    ),
]
MomentumOpt = Annotated[
    Switch | None,
    typer.Option(
        "--momentum",
        metavar="auto|on|off",
        help="The momentum / β₁ panel: auto (when a schedule changes it and a grid cell has room), on, off.",
    ),
]
AnnotateOpt = Annotated[
    bool,
    typer.Option(
        "--annotate", metavar=FLAG, help="Mark the key points of `lrviz show`: warmup end, drops, restarts, peak, last."
    ),
]
EffectiveDecayOpt = Annotated[
    bool,
    typer.Option(
        "--effective-decay",
        metavar=FLAG,
        help="Also draw lr × weight_decay, the share of each weight decoupled decay (AdamW) removes per step.",
    ),
]
TokensOpt = Annotated[
    int | None,
    typer.Option(
        "--tokens-per-step",
        min=1,
        metavar="N",
        help="Tokens per optimizer step for --x tokens (overrides the config's tokens_per_step).",
    ),
]


#: The library's names of plot options -> this command's flags, so an error names what was typed.
FLAGS = {
    "layout": "--layout",
    "yscale": "--yscale",
    "x": "--x",
    "title": "--title",
    "style": "--style",
    "size": "--size",
    "dpi": "--dpi",
    "formats": "--format",
    "drawstyle": "--drawstyle",
    "xlim": "--xlim",
    "ylim": "--ylim",
    "legend": "--legend",
    "momentum": "--momentum",
    "annotate": "--annotate",
    "effective_decay": "--effective-decay",
    "tokens_per_step": "--tokens-per-step",
}
