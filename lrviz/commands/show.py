"""`lrviz show`: a terminal preview of a config's schedules."""

from __future__ import annotations

from typing import Annotated

import typer

from lrviz.commands.actual import ActualGroupOpt, ActualOpt, ActualShiftOpt
from lrviz.commands.common import (
    ConfigArg,
    DebugOpt,
    DeviceOpt,
    ForceOpt,
    StepsOpt,
    SweepOpt,
    TrustOpt,
    cli_errors,
    load_configs,
)
from lrviz.commands.plot import YScale


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
    sweep: SweepOpt = None,
    force: ForceOpt = False,
    actual: ActualOpt = None,
    actual_group: ActualGroupOpt = None,
    actual_shift: ActualShiftOpt = None,
    trust: TrustOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Preview CONFIG in the terminal: a chart and the points that matter per schedule.

    For each schedule: a braille chart of its lr (one line per param group) and a
    table of the first, peak, min and last values and of the steps where the lr
    changes regime (end of warmup, milestones, restarts), at full precision.
    With --actual: per logged run, the schedule it agrees with, or where and
    (likely) why it differs.

    Example: lrviz show configs/torch/onecyclelr.yaml --steps 1000
    """
    with cli_errors(debug):
        from rich.console import Console

        from lrviz.commands.actual import compare, read_logs
        from lrviz.progress import progress_bar
        from lrviz.render.terminal import preview
        from lrviz.simulate import simulate

        (cfg,) = load_configs([config], steps=steps, device=device, trust=trust, sweep=sweep, force=force)
        logs = read_logs(actual, actual_group, actual_shift)
        with progress_bar(cfg.steps * len(cfg.schedules)) as progress:
            result = simulate(cfg, progress=progress, jobs=None)  # schedules on every core
        reports = compare(result.trajectories, logs, actual_group)
        console = Console(highlight=False)
        log = yscale is not None and yscale.value == "log"
        for renderable in preview(result, width=console.width, height=height, log=log):
            console.print(renderable)
        for report in reports:  # plan vs actual: the verdict per log, then what each schedule showed
            for i, line in enumerate(report.lines()):
                style = ("bold green" if report.ok else "bold red") if i == 0 else None
                console.print(line, style=style, markup=False, highlight=False)
