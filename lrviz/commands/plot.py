"""`lrviz plot`: simulate configs and write their figures (PNG, SVG, PDF)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from lrviz.commands.actual import ActualGroupOpt, ActualOpt, ActualShiftOpt
from lrviz.commands.common import (
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


class PlotFormat(str, Enum):
    png = "png"
    svg = "svg"
    pdf = "pdf"


if TYPE_CHECKING:
    from lrviz.actual import ActualLog
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
        "--x", metavar="step|epoch", help="x axis in optimizer steps (default) or epochs (uses steps_per_epoch)."
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
    sweep: SweepOpt = None,
    force: ForceOpt = False,
    actual: ActualOpt = None,
    actual_group: ActualGroupOpt = None,
    actual_shift: ActualShiftOpt = None,
    trust: TrustOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Simulate each CONFIG with the real torch scheduler and write its figure.

    Writes OUTDIR/<config file name>.<format> for every format, one figure per config,
    and prints the paths written. Options may also be set in the config's `plot:`
    block; the command line wins. Files are written atomically and are byte-identical
    from run to run. With --actual, a real run's logged values are drawn as markers
    over the plan, its first divergence marked, and a verdict per log is printed
    on stderr.

    Example: lrviz plot configs/torch/steplr.yaml -o out --format png --format svg
    """
    with cli_errors(debug):
        from lrviz.commands.actual import read_logs
        from lrviz.errors import LrvizError

        folder = outdir if outdir is not None else Path(".")
        if not folder.is_dir():
            raise LrvizError(f"output folder {str(folder)!r} does not exist or is not a folder; create it first")
        loaded = load_configs(configs, steps=steps, device=device, trust=trust, sweep=sweep, force=force)
        overrides = dict(
            layout=_value(layout),
            yscale=_value(yscale),
            x=_value(x),
            title=title,
            style=style,
            size=size,
            dpi=dpi,
            formats=[_value(f) for f in formats] if formats else None,
        )
        plans = _plans(configs, loaded, folder, overrides)
        logs = read_logs(actual, actual_group, actual_shift)
        _simulate_and_write(plans, folder, logs, actual_group)


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
}


def _plans(
    configs: list[Path], loaded: list[Config], folder: Path, overrides: dict[str, Any]
) -> list[tuple[Path, Config, PlotOptions]]:
    """(path, config, options) per config; refuses two configs that would write the same file."""
    from lrviz.errors import LrvizError
    from lrviz.render.plot import output_paths
    from lrviz.validate import PlotOptions

    plans = []
    targets: dict[Path, Path] = {}
    for path, cfg in zip(configs, loaded, strict=True):
        try:
            opts = PlotOptions.resolve(cfg.plot, **overrides)
        except LrvizError as exc:
            exc.key = FLAGS.get(exc.key or "", exc.key)
            raise
        for target in output_paths(folder, cfg.name, opts):
            if target in targets:
                raise LrvizError(
                    f"{str(targets[target])!r} and {str(path)!r} would both write {str(target)!r}; "
                    "plot them into different folders"
                )
            targets[target] = path
        plans.append((path, cfg, opts))
    return plans


def _simulate_and_write(
    plans: list[tuple[Path, Config, PlotOptions]],
    folder: Path,
    logs: list[ActualLog] | None = None,
    groups: list[str] | None = None,
) -> None:
    """Simulate every config (their schedules share one pool of all cores), warn, write, print the paths."""
    from lrviz.commands.actual import compare, say_verdicts
    from lrviz.errors import LrvizError
    from lrviz.progress import progress_bar
    from lrviz.render.plot import value_problems, write_plots
    from lrviz.simulate import simulate_configs

    total = sum(cfg.steps * len(cfg.schedules) for _, cfg, _ in plans)
    with progress_bar(total) as progress:
        simulated = simulate_configs([cfg for _, cfg, _ in plans], jobs=None, progress=progress)
    # every log compared before the first file is written: a bad --actual-group writes nothing
    reports = [compare(result.trajectories, logs or [], groups) for result in simulated]
    for (path, _, opts), result, actual in zip(plans, simulated, reports, strict=True):
        problems = value_problems(result, opts.yscale)
        if problems:
            err(f"warning: {path}: {problems}")
        for t in result.trajectories:
            for w in t.warnings:
                err(f"warning: {path}: {t.label}: torch: {w}")
        try:
            written_paths = write_plots(result, folder, result.config.name, opts, actual=actual)
        except LrvizError as exc:  # e.g. a figure too large to draw: name the config
            raise exc.located(file=str(path)) from None
        for written in written_paths:
            print(written)
        say_verdicts(actual)
