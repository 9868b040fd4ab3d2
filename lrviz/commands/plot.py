"""`lrviz plot`: simulate configs and write their figures (PNG, SVG, PDF)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from lrviz.commands.common import (
    ConfigsArg,
    DatasetSizeOpt,
    DebugOpt,
    DeviceOpt,
    ForceOpt,
    FromOpt,
    StepsOpt,
    SweepOpt,
    TrustOpt,
    WorldSizeOpt,
    cli_errors,
    err,
    load_sources,
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
    from lrviz.sources import Loaded
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
CombineOpt = Annotated[
    str | None,
    typer.Option(
        "--combine",
        metavar="NAME",
        help="Draw every schedule of every CONFIG into one figure, OUTDIR/NAME.<format> (labels a file shares "
        "with another get its name); the files' plot: blocks are not read.",
    ),
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
    combine: CombineOpt = None,
    from_: FromOpt = None,
    dataset_size: DatasetSizeOpt = None,
    world_size: WorldSizeOpt = None,
    trust: TrustOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Simulate each CONFIG with the real torch scheduler and write its figure.

    Writes OUTDIR/<config file name>.<format> for every format, one figure per config,
    and prints the paths written. Options may also be set in the config's `plot:`
    block; the command line wins. Files are written atomically and are byte-identical
    from run to run. A framework file (TrainingArguments, timm args.yaml, torchvision
    recipe) is drawn as that framework runs it, its step arithmetic under the title.
    --combine NAME draws every file's schedules into one figure instead.

    Example: lrviz plot configs/torch/steplr.yaml -o out --format png --format svg
    """
    with cli_errors(debug):
        from lrviz.errors import LrvizError

        folder = outdir if outdir is not None else Path(".")
        if not folder.is_dir():
            raise LrvizError(f"output folder {str(folder)!r} does not exist or is not a folder; create it first")
        sources: dict[str, Any] = {"kind": from_, "dataset_size": dataset_size, "world_size": world_size}
        loaded = load_sources(configs, steps=steps, device=device, trust=trust, sweep=sweep, force=force, **sources)
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
        if combine is not None:
            _combine(configs, loaded, folder, combine, overrides)
        else:
            _simulate_and_write(_plans(configs, loaded, folder, overrides), folder)


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
    configs: list[Path], loaded: list[Loaded], folder: Path, overrides: dict[str, Any]
) -> list[tuple[Path, Config, PlotOptions]]:
    """(path, config, options) per config; refuses two configs that would write the same file.

    A framework file's step arithmetic goes under the title (its one-line summary)."""
    from lrviz.errors import LrvizError
    from lrviz.render.plot import output_paths
    from lrviz.validate import PlotOptions

    plans = []
    targets: dict[Path, Path] = {}
    for path, one in zip(configs, loaded, strict=True):
        cfg = one.config
        try:
            opts = PlotOptions.resolve(cfg.plot, **overrides, subtitle=one.summary)
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


def _simulate_and_write(plans: list[tuple[Path, Config, PlotOptions]], folder: Path) -> None:
    """Simulate every config (their schedules share one pool of all cores), warn, write, print the paths."""
    from lrviz.errors import LrvizError
    from lrviz.progress import progress_bar
    from lrviz.render.plot import value_problems, write_plots
    from lrviz.simulate import simulate_configs

    total = sum(cfg.steps * len(cfg.schedules) for _, cfg, _ in plans)
    with progress_bar(total) as progress:
        simulated = simulate_configs([cfg for _, cfg, _ in plans], jobs=None, progress=progress)
    for (path, _, opts), result in zip(plans, simulated, strict=True):
        problems = value_problems(result, opts.yscale)
        if problems:
            err(f"warning: {path}: {problems}")
        for t in result.trajectories:
            for w in t.warnings:
                err(f"warning: {path}: {t.label}: torch: {w}")
        try:
            written_paths = write_plots(result, folder, result.config.name, opts)
        except LrvizError as exc:  # e.g. a figure too large to draw: name the config
            raise exc.located(file=str(path)) from None
        for written in written_paths:
            print(written)


def _combine(configs: list[Path], loaded: list[Loaded], folder: Path, name: str, overrides: dict[str, Any]) -> None:
    """--combine NAME: every schedule of every file in one figure, FOLDER/NAME.<format>."""
    from lrviz.errors import LrvizError
    from lrviz.progress import progress_bar
    from lrviz.render.combine import combine, steps_per_epoch
    from lrviz.render.plot import value_problems, write_plots
    from lrviz.simulate import simulate_configs
    from lrviz.validate import PlotOptions

    if not name.strip():
        raise LrvizError("--combine needs a name for the figure's file, e.g. --combine runs")
    stems = [path.stem for path in configs]
    subtitle = "\n".join(f"{stem}: {one.summary}" for stem, one in zip(stems, loaded, strict=True) if one.summary)
    try:
        opts = PlotOptions.resolve(
            None, **{**overrides, "title": overrides["title"] or name}, subtitle=subtitle or None
        )
    except LrvizError as exc:
        exc.key = FLAGS.get(exc.key or "", exc.key)
        raise
    total = sum(one.config.steps * len(one.config.schedules) for one in loaded)
    with progress_bar(total) as progress:
        simulated = simulate_configs([one.config for one in loaded], jobs=None, progress=progress)
    named = list(zip(stems, simulated, strict=True))
    if opts.x == "epoch" and steps_per_epoch(named) is None:
        raise LrvizError(
            "--x epoch needs one steps_per_epoch for all files; they have "
            + ", ".join(f"{stem} {r.config.steps_per_epoch:,}" for stem, r in named),
            key="--x",
        )
    result = combine(named, title=opts.title or name)
    problems = value_problems(result, opts.yscale)
    if problems:
        err(f"warning: {name}: {problems}")
    for t in result.trajectories:
        for w in t.warnings:
            err(f"warning: {name}: {t.label}: torch: {w}")
    for written in write_plots(result, folder, name, opts):
        print(written)
