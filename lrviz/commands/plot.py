"""`lrviz plot`: simulate configs and write their figures (PNG, SVG, PDF)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from lrviz.commands.common import (
    FLAG,
    ConfigsArg,
    DebugOpt,
    DeviceOpt,
    ForceOpt,
    StepsOpt,
    SweepOpt,
    TrustOpt,
    cli_errors,
    err,
    load_configs,
    refusals,
)


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


class PlotFormat(str, Enum):
    png = "png"
    svg = "svg"
    pdf = "pdf"


if TYPE_CHECKING:
    from lrviz.spec import Config
    from lrviz.validate.plot import PlotOptions


def _value(option: Any) -> Any:
    return option.value if isinstance(option, Enum) else option


OutdirOpt = Annotated[
    Path | None,
    typer.Option(
        "-o", "--outdir", metavar="DIR", help="Folder to write into; it must exist. Default: the current folder."
    ),
]
FormatsOpt = Annotated[
    list[PlotFormat] | None,
    typer.Option(
        "--format", "-f", metavar="png|svg|pdf", help="Repeat for several. Default: the config's plot.format, else png."
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


def plot(
    configs: ConfigsArg,
    outdir: OutdirOpt = None,
    formats: FormatsOpt = None,
    layout: LayoutOpt = None,
    yscale: YScaleOpt = None,
    x: XOpt = None,
    steps: StepsOpt = None,
    device: DeviceOpt = None,
    title: TitleOpt = None,
    style: StyleOpt = None,
    size: SizeOpt = None,
    dpi: DpiOpt = None,
    drawstyle: DrawStyleOpt = None,
    xlim: XlimOpt = None,
    ylim: YlimOpt = None,
    legend: LegendOpt = None,
    momentum: MomentumOpt = None,
    annotate: AnnotateOpt = False,
    effective_decay: EffectiveDecayOpt = False,
    tokens_per_step: TokensOpt = None,
    sweep: SweepOpt = None,
    force: ForceOpt = False,
    trust: TrustOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Simulate each CONFIG with the real torch scheduler and write its figure.

    Writes OUTDIR/<config file name>.<format> for every format, one figure per config,
    and prints the paths written (a --sweep adds what it swept to the name:
    steplr.sweep-gamma-0.1-0.5.png). Options may also be set in the config's `plot:`
    block; the command line wins. Files are written atomically and are byte-identical
    from run to run. A schedule torch refuses part-way is drawn up to that step and
    named with torch's reason; the other schedules are drawn in full, and the exit
    code is 1.

    Example: lrviz plot configs/torch/steplr.yaml -o out --format png --format svg
    """
    with cli_errors(debug):
        from lrviz.errors import LrvizError

        folder = outdir if outdir is not None else Path(".")
        if not folder.is_dir():
            raise LrvizError(f"output folder {str(folder)!r} does not exist or is not a folder; create it first")
        loaded = load_configs(configs, steps=steps, device=device, trust=trust, sweep=sweep, force=force)
        given = locals()
        # every plot option as the library names it (FLAGS); a flag not given (False) leaves the config's plot: block
        overrides = {name: None if given[name] is False else _value(given[name]) for name in FLAGS if name != "formats"}
        overrides["formats"] = [_value(f) for f in formats] if formats else None
        plans = _plans(configs, loaded, folder, overrides)
        _simulate_and_write(plans, folder)


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


def _plans(
    configs: list[Path], loaded: list[Config], folder: Path, overrides: dict[str, Any]
) -> list[tuple[Path, Config, PlotOptions]]:
    """(path, config, options) per config; refuses two configs that would write the same file."""
    from lrviz.errors import LrvizError
    from lrviz.render.plot import output_paths, sweep_stem
    from lrviz.validate import PlotOptions

    plans = []
    targets: dict[Path, Path] = {}
    for path, cfg in zip(configs, loaded, strict=True):
        try:
            opts = PlotOptions.resolve(cfg.plot, **overrides)
        except LrvizError as exc:
            exc.key = FLAGS.get(exc.key or "", exc.key)
            raise
        for target in output_paths(folder, sweep_stem(cfg), opts):
            if target in targets:
                raise LrvizError(
                    f"{str(targets[target])!r} and {str(path)!r} would both write {str(target)!r}; "
                    "plot them into different folders"
                )
            targets[target] = path
        plans.append((path, cfg, opts))
    return plans


def _simulate_and_write(plans: list[tuple[Path, Config, PlotOptions]], folder: Path) -> None:
    """Simulate every config (their schedules share one pool of all cores), warn, write, print the paths.

    A schedule torch refuses part-way is drawn up to there; its refusal is printed as
    the error it would be without a figure, and the exit code is 1.
    """
    from lrviz.errors import LrvizError
    from lrviz.progress import progress_bar
    from lrviz.render.plot import figure_notes, sweep_stem, write_plots
    from lrviz.simulate import simulate_configs

    total = sum(cfg.steps * len(cfg.schedules) for _, cfg, _ in plans)
    with progress_bar(total) as progress:
        simulated = simulate_configs([cfg for _, cfg, _ in plans], jobs=None, progress=progress, partial=True)
    for (path, _, opts), result in zip(plans, simulated, strict=True):
        for note in figure_notes(result, opts):
            err(f"warning: {path}: {note}")
        for t in result.trajectories:
            for w in t.warnings:
                err(f"warning: {path}: {t.label}: torch: {w}")
        try:
            written_paths = write_plots(result, folder, sweep_stem(result.config), opts)
        except LrvizError as exc:  # e.g. a figure too large to draw: name the config
            raise exc.located(file=str(path)) from None
        for written in written_paths:
            print(written)
    refusals([exc for result in simulated for exc in result.errors])
