"""`lrviz show`: a terminal preview of a config's schedules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from lrviz.commands.actual import ActualGroupOpt, ActualOpt, ActualShiftOpt
from lrviz.commands.common import (
    ConfigArg,
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
    load_sources,
    refusals,
    warn_lints,
)
from lrviz.commands.plot_options import DrawStyleOpt, YScale

if TYPE_CHECKING:
    from rich.table import Table

    from lrviz.sources import Plan


def show(
    config: ConfigArg,
    steps: StepsOpt = None,
    device: DeviceOpt = None,
    yscale: Annotated[
        YScale | None, typer.Option("--yscale", metavar="linear|log", help="Learning-rate axis (default linear).")
    ] = None,
    height: Annotated[
        int, typer.Option("--height", min=3, max=60, metavar="ROWS", help="Chart height in terminal rows.")
    ] = 12,
    drawstyle: DrawStyleOpt = None,
    sweep: SweepOpt = None,
    force: ForceOpt = False,
    quiet: QuietOpt = False,
    actual: ActualOpt = None,
    actual_group: ActualGroupOpt = None,
    actual_shift: ActualShiftOpt = None,
    from_: FromOpt = None,
    dataset_size: DatasetSizeOpt = None,
    world_size: WorldSizeOpt = None,
    transformers_version: TransformersVersionOpt = None,
    trust: TrustOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Preview CONFIG in the terminal: a chart and the points that matter per schedule.

    For each schedule: a braille chart of its lr (one line per param group; without
    colour, each line has a glyph of its own) and a table of the first, peak, min and
    last values and of the steps where the lr changes regime (end of warmup,
    milestones, restarts), at full precision. A framework file's step arithmetic
    comes first, as a table: examples, batch, updates per epoch and the rounding used,
    epochs, total steps, warmup. With --actual: per logged run, the schedule it agrees
    with, or where and (likely) why it differs. What lrviz check's lints find is
    printed as one warning line each on stderr (--quiet: none); the exit code does not
    change. A schedule torch refuses part-way is shown up to there, its refusal
    printed, and the exit code is 1.

    Example: lrviz show configs/torch/onecyclelr.yaml --steps 1000
    """
    with cli_errors(debug):
        from rich.console import Console

        from lrviz.commands.actual import compare, read_logs, with_release_rules, world_size_factor
        from lrviz.progress import progress_bar
        from lrviz.render.terminal import preview
        from lrviz.simulate import simulate

        (loaded,) = load_sources(
            [config],
            steps=steps,
            device=device,
            trust=trust,
            sweep=sweep,
            force=force,
            kind=from_,
            dataset_size=dataset_size,
            world_size=world_size,
            transformers_version=transformers_version,
        )
        logs = read_logs(actual, actual_group, actual_shift)
        (loaded,), logs = with_release_rules(
            [loaded], logs, version=transformers_version, sweep=sweep, dataset_size=dataset_size,
            world_size=world_size, trust=trust, steps=steps, device=device,
        )  # fmt: skip
        cfg = loaded.config
        with progress_bar(cfg.steps * len(cfg.schedules)) as progress:
            result = simulate(cfg, progress=progress, jobs=None, partial=True)  # schedules on every core
        reports = compare(result.trajectories, logs, actual_group, factors=world_size_factor(world_size))
        console = Console(highlight=False)
        log = yscale is not None and yscale.value == "log"
        if loaded.plan is not None:
            console.print(arithmetic_table(loaded.plan))
        color = console.color_system is not None and not console.no_color
        held = drawstyle is None or drawstyle.value == "steps"
        for renderable in preview(result, width=console.width, height=height, log=log, color=color, held=held):
            console.print(renderable)
        for report in reports:  # plan vs actual: the verdict per log, then what each schedule showed
            for i, line in enumerate(report.lines()):
                style = ("bold green" if report.ok else "bold red") if i == 0 else None
                console.print(line, style=style, markup=False, highlight=False)

        warn_lints([result], quiet)
        refusals(result.errors)


def arithmetic_table(plan: Plan) -> Table:
    """A framework file's step arithmetic: every number, and beside it how it was found.

    Compact, as the README shows it: no boxes or rules, the name, the value (right-aligned,
    folded past :data:`VALUE_WIDTH`) and the reason (dim, wrapping in what is left); about
    one line a row at 80 columns where a boxed table took three or four. A value longer
    than that (the scheduler call) goes in the wide column, its reason under it."""
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    from lrviz.sources import NAMES

    table = Table(
        title=escape(f"{plan.source}: {NAMES[plan.kind]}, the step arithmetic"),
        title_justify="left",
        box=None,
        show_header=False,
        pad_edge=False,
    )
    table.add_column("", style="bold", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True)
    table.add_column("how it was found", style="dim", overflow="fold")
    for name, value, how in plan.table():
        if len(value) <= VALUE_WIDTH:
            table.add_row(name, Text(value, style="bold"), how)
        else:  # a scheduler call: on its own line in the wide column, the reason under it
            table.add_row(name, "", Text(value, style="bold not dim") + Text("\n" + how if how else ""))
    return table


#: The widest a value gets before it folds (a scheduler call is long; a number never is).
VALUE_WIDTH = 18
