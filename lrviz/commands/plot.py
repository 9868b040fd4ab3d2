"""`lrviz plot`: simulate configs and write their figures (PNG, SVG, PDF)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lrviz.commands.actual import ActualGroupOpt, ActualOpt, ActualShiftOpt
from lrviz.commands.common import (
    ConfigsArg,
    DatasetSizeOpt,
    DebugOpt,
    DeviceOpt,
    ForceOpt,
    FromOpt,
    QuietOpt,
    StepsOpt,
    SweepOpt,
    TransformersVersionOpt,
    TrustOpt,
    WorldSizeOpt,
    cli_errors,
    err,
    load_sources,
    refusals,
    warn_lints,
)
from lrviz.commands.plot_options import (
    FLAGS,
    AnnotateOpt,
    CombineOpt,
    DpiOpt,
    DrawStyleOpt,
    EffectiveDecayOpt,
    FormatsOpt,
    LayoutOpt,
    LegendOpt,
    MomentumOpt,
    OutputOpt,
    SizeOpt,
    StyleOpt,
    TitleOpt,
    TokensOpt,
    XlimOpt,
    XOpt,
    YlimOpt,
    YScaleOpt,
)

if TYPE_CHECKING:
    from lrviz.actual import ActualLog
    from lrviz.commands.common import Output
    from lrviz.sources import Loaded
    from lrviz.spec import Config
    from lrviz.validate.plot import PlotOptions

    #: --actual's logs, --actual-group's names and the factors a cause may be named after
    ActualArgs = tuple[list[ActualLog], list[str] | None, dict[str, float] | None]


def _value(option: Any) -> Any:
    return option.value if isinstance(option, Enum) else option


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
    actual: ActualOpt = None,
    actual_group: ActualGroupOpt = None,
    actual_shift: ActualShiftOpt = None,
    combine: CombineOpt = None,
    from_: FromOpt = None,
    dataset_size: DatasetSizeOpt = None,
    world_size: WorldSizeOpt = None,
    transformers_version: TransformersVersionOpt = None,
    quiet: QuietOpt = False,
    trust: TrustOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Simulate each CONFIG with the real torch scheduler and write its figure.

    Writes PATH/<config file name>.<format> for every format, one figure per config, or
    the one file PATH names (one config; its extension is the format), and prints the
    paths written (a --sweep adds what it swept to the name:
    steplr.sweep-gamma-0.1-0.5.png). Options may also be set in the config's `plot:`
    block; the command line wins. Files are written atomically and are byte-identical
    from run to run. A framework file (TrainingArguments, timm args.yaml, torchvision
    recipe) is drawn as that framework runs it, its step arithmetic under the title.
    --combine NAME draws every file's schedules into one figure instead. With --actual,
    a real run's logged values are drawn as markers over the plan, its first divergence
    marked, and a verdict per log is printed on stderr. What lrviz check's lints
    find is printed as one warning line each (--quiet: none). A schedule torch refuses
    part-way is drawn up to that step and named with torch's reason; the other
    schedules are drawn in full, and the exit code is 1.

    Example: lrviz plot configs/torch/steplr.yaml -o out --format png,svg
    """
    with cli_errors(debug):
        from lrviz.commands.actual import read_logs, with_release_rules, world_size_factor
        from lrviz.commands.common import output as resolve_output
        from lrviz.startup import RENDER_MODULES, preload
        from lrviz.validate.plot import FORMATS

        out = resolve_output(output, FORMATS)
        assert out is not None
        if all(path.is_file() for path in configs):  # matplotlib loads while torch does (lrviz.startup)
            preload(RENDER_MODULES)
        sources: dict[str, Any] = {
            "kind": from_,
            "dataset_size": dataset_size,
            "world_size": world_size,
            "transformers_version": transformers_version,
        }
        loaded = load_sources(configs, steps=steps, device=device, trust=trust, sweep=sweep, force=force, **sources)
        given = locals()
        # every plot option as the library names it (FLAGS); a flag not given (False) leaves the config's plot: block
        overrides = {name: None if given[name] is False else _value(given[name]) for name in FLAGS if name != "formats"}
        overrides["formats"] = formats or None
        logs = read_logs(actual, actual_group, actual_shift)
        loaded, logs = with_release_rules(
            loaded, logs, version=transformers_version, sweep=sweep, dataset_size=dataset_size,
            world_size=world_size, trust=trust, steps=steps, device=device,
        )  # fmt: skip
        compared = (logs, actual_group, world_size_factor(world_size))
        if combine is not None:
            _combine(configs, loaded, out, combine, overrides, quiet, compared)
        else:
            _simulate_and_write(_plans(configs, loaded, out, overrides), out, quiet, compared)


def _plans(
    configs: list[Path], loaded: list[Loaded], out: Output, overrides: dict[str, Any]
) -> list[tuple[Path, Config, PlotOptions]]:
    """(path, config, options) per config; refuses two configs that would write the same file.

    A framework file's step arithmetic goes under the title (its one-line summary)."""
    from lrviz.errors import LrvizError
    from lrviz.render.plot import sweep_stem
    from lrviz.validate import PlotOptions

    if out.is_file:
        overrides = dict(overrides, formats=[_file_format(out, overrides.get("formats"), len(configs))])
    plans = []
    targets: dict[Path, Path] = {}
    for path, one in zip(configs, loaded, strict=True):
        cfg = one.config
        try:
            opts = PlotOptions.resolve(cfg.plot, **overrides, subtitle=one.summary)
        except LrvizError as exc:
            exc.key = FLAGS.get(exc.key or "", exc.key)
            raise
        for target in (out.target(sweep_stem(cfg), fmt) for fmt in opts.formats):
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


def _simulate_and_write(
    plans: list[tuple[Path, Config, PlotOptions]],
    out: Output,
    quiet: bool,
    actual: ActualArgs = ([], None, None),
) -> None:
    """Simulate every config (their schedules share one pool of all cores), warn, write, print the paths.

    A schedule torch refuses part-way is drawn up to there; its refusal is printed as
    the error it would be without a figure, and the exit code is 1.
    """
    from lrviz.commands.actual import compare, say_verdicts
    from lrviz.errors import LrvizError
    from lrviz.progress import progress_bar
    from lrviz.render.plot import figure_notes, sweep_stem, write_files, write_plots
    from lrviz.simulate import simulate_configs

    total = sum(cfg.steps * len(cfg.schedules) for _, cfg, _ in plans)
    with progress_bar(total) as progress:
        simulated = simulate_configs([cfg for _, cfg, _ in plans], jobs=None, progress=progress, partial=True)
    warn_lints(simulated, quiet)  # torch's warnings among them
    # every log compared before the first file is written: a bad --actual-group writes nothing
    logs, groups, factors = actual
    reports = [compare(result.trajectories, logs, groups, factors=factors) for result in simulated]
    for (path, _, opts), result, report in zip(plans, simulated, reports, strict=True):
        if not quiet:
            for note in figure_notes(result, opts):
                err(f"warning: {path}: {note}")
        try:
            out.make_folder()  # only now: a refused run creates nothing
            if out.is_file:
                written_paths = write_files(result, [(out.path, opts.formats[0])], opts, actual=report)
            else:
                written_paths = write_plots(result, out.path, sweep_stem(result.config), opts, actual=report)
        except LrvizError as exc:  # e.g. a figure too large to draw: name the config
            raise exc.located(file=str(path)) from None
        for written in written_paths:
            print(written)
        say_verdicts(report)
    refusals([exc for result in simulated for exc in result.errors])


def _combine(
    configs: list[Path],
    loaded: list[Loaded],
    out: Output,
    name: str,
    overrides: dict[str, Any],
    quiet: bool,
    actual: ActualArgs = ([], None, None),
) -> None:
    """--combine NAME: every schedule of every file in one figure, OUT/NAME.<format> (or the file -o names)."""
    from lrviz.commands.actual import compare, say_verdicts
    from lrviz.errors import LrvizError
    from lrviz.progress import progress_bar
    from lrviz.render.combine import combine, steps_per_epoch
    from lrviz.render.plot import figure_notes, write_files, write_plots
    from lrviz.simulate import simulate_configs
    from lrviz.validate import PlotOptions

    if not name.strip():
        raise LrvizError("--combine needs a name for the figure's file, e.g. --combine runs")
    if out.is_file:  # one figure, so -o may name its file
        overrides = dict(overrides, formats=[_file_format(out, overrides.get("formats"), 1)])
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
        simulated = simulate_configs([one.config for one in loaded], jobs=None, progress=progress, partial=True)
    named = list(zip(stems, simulated, strict=True))
    if opts.x == "epoch" and steps_per_epoch(named) is None:
        raise LrvizError(
            "--x epoch needs one steps_per_epoch for all files; they have "
            + ", ".join(f"{stem} {r.config.steps_per_epoch:,}" for stem, r in named),
            key="--x",
        )
    warn_lints(simulated, quiet)  # torch's warnings among them
    result = combine(named, title=opts.title or name)
    if not quiet:
        for note in figure_notes(result, opts):
            err(f"warning: {name}: {note}")
    logs, groups, factors = actual
    reports = compare(result.trajectories, logs, groups, factors=factors)
    out.make_folder()  # only now: a refused run creates nothing
    if out.is_file:
        written_paths = write_files(result, [(out.path, opts.formats[0])], opts, actual=reports)
    else:
        written_paths = write_plots(result, out.path, name, opts, actual=reports)
    for written in written_paths:
        print(written)
    say_verdicts(reports)
    refusals(result.errors)
