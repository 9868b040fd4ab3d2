"""`lrviz plot`: simulate configs and write their figures (PNG, SVG, PDF)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from lrviz.commands.common import (
    OUTPUT_FLAGS,
    ConfigsArg,
    DebugOpt,
    DeviceOpt,
    ForceOpt,
    QuietOpt,
    StepsOpt,
    SweepOpt,
    TrustOpt,
    cli_errors,
    comma_list,
    err,
    load_configs,
    warn_lints,
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


if TYPE_CHECKING:
    from lrviz.commands.common import Output
    from lrviz.spec import Config
    from lrviz.validate.plot import PlotOptions


def _value(option: Any) -> Any:
    return option.value if isinstance(option, Enum) else option


OutputOpt = Annotated[
    Path | None,
    typer.Option(
        *OUTPUT_FLAGS,
        metavar="PATH",
        help="A folder (created if missing, parents too) for one file per config and format, named after the "
        "config; or a file ending in .png, .svg or .pdf for one figure in that format. Default: the current folder.",
    ),
]
FormatsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--format",
        "-f",
        metavar="png|svg|pdf",
        callback=comma_list(),
        help="Several: png,svg (or repeat the option). Default: the config's plot.format, else png.",
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
    output: OutputOpt = None,
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
    quiet: QuietOpt = False,
    trust: TrustOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Simulate each CONFIG with the real torch scheduler and write its figure.

    Writes PATH/<config file name>.<format> for every format, one figure per config, or
    the one file PATH names (one config; its extension is the format), and prints the
    paths written. Options may also be set in the config's `plot:`
    block; the command line wins. Files are written atomically and are byte-identical
    from run to run. What lrviz check's lints find is printed as one warning line each
    (--quiet: none); the exit code does not change.

    Example: lrviz plot configs/torch/steplr.yaml -o out --format png,svg
    """
    with cli_errors(debug):
        from lrviz.commands.common import output as resolve_output
        from lrviz.validate.plot import FORMATS

        out = resolve_output(output, FORMATS)
        assert out is not None
        loaded = load_configs(configs, steps=steps, device=device, trust=trust, sweep=sweep, force=force)
        overrides = dict(
            layout=_value(layout),
            yscale=_value(yscale),
            x=_value(x),
            title=title,
            style=style,
            size=size,
            dpi=dpi,
            formats=formats or None,
        )
        plans = _plans(configs, loaded, out, overrides)
        _simulate_and_write(plans, out, quiet)


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
    configs: list[Path], loaded: list[Config], out: Output, overrides: dict[str, Any]
) -> list[tuple[Path, Config, PlotOptions]]:
    """(path, config, options) per config; refuses two configs that would write the same file."""
    from lrviz.errors import LrvizError
    from lrviz.validate import PlotOptions

    if out.is_file:
        overrides = dict(overrides, formats=[_file_format(out, overrides.get("formats"), len(configs))])
    plans = []
    targets: dict[Path, Path] = {}
    for path, cfg in zip(configs, loaded, strict=True):
        try:
            opts = PlotOptions.resolve(cfg.plot, **overrides)
        except LrvizError as exc:
            exc.key = FLAGS.get(exc.key or "", exc.key)
            raise
        for target in (out.target(cfg.name, fmt) for fmt in opts.formats):
            if target in targets:
                raise LrvizError(
                    f"{str(targets[target])!r} and {str(path)!r} would both write {str(target)!r}; "
                    "plot them into different folders"
                )
            targets[target] = path
        plans.append((path, cfg, opts))
    return plans


def _file_format(out: Output, formats: list[str] | None, n_configs: int) -> str:
    """The format of the one file ``-o NAME.<ext>`` names; refuses what cannot go into one file."""
    from lrviz.errors import LrvizError

    fmt = out.format
    assert fmt is not None
    if n_configs > 1:
        raise LrvizError(
            f"--output {str(out.path)!r} names one file, but {n_configs} configs make {n_configs} figures; "
            "give a folder instead"
        )
    if formats and formats != [fmt]:
        raise LrvizError(
            f"--output {str(out.path)!r} names a .{fmt} file, but --format asks for {', '.join(formats)}; "
            "the file's extension is its format (give a folder for several formats)"
        )
    return fmt


def _simulate_and_write(plans: list[tuple[Path, Config, PlotOptions]], out: Output, quiet: bool) -> None:
    """Simulate every config (their schedules share one pool of all cores), warn, write, print the paths."""
    from lrviz.errors import LrvizError
    from lrviz.progress import progress_bar
    from lrviz.render.plot import value_problems, write_files, write_plots
    from lrviz.simulate import simulate_configs

    total = sum(cfg.steps * len(cfg.schedules) for _, cfg, _ in plans)
    with progress_bar(total) as progress:
        simulated = simulate_configs([cfg for _, cfg, _ in plans], jobs=None, progress=progress)
    warn_lints(simulated, quiet)  # torch's warnings among them
    for (path, _, opts), result in zip(plans, simulated, strict=True):
        problems = value_problems(result, opts.yscale)
        if problems and not quiet:
            err(f"warning: {path}: {problems}")
        try:
            out.make_folder()  # only now: a refused run creates nothing
            if out.is_file:
                written_paths = write_files(result, [(out.path, opts.formats[0])], opts)
            else:
                written_paths = write_plots(result, out.path, result.config.name, opts)
        except LrvizError as exc:  # e.g. a figure too large to draw: name the config
            raise exc.located(file=str(path)) from None
        for written in written_paths:
            print(written)
