"""`lrviz show`: a terminal preview of a config's schedules."""

from __future__ import annotations

from typing import Annotated

import typer

from lrviz.commands.common import (
    ConfigArg,
    DebugOpt,
    DeviceOpt,
    ForceOpt,
    QuietOpt,
    StepsOpt,
    SweepOpt,
    TrustOpt,
    cli_errors,
    load_configs,
    warn_lints,
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
    quiet: QuietOpt = False,
    trust: TrustOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Preview CONFIG in the terminal: a chart and the points that matter per schedule.

    For each schedule: a braille chart of its lr (one line per param group) and a
    table of the first, peak, min and last values and of the steps where the lr
    changes regime (end of warmup, milestones, restarts), at full precision. What
    lrviz check's lints find is printed as one warning line each on stderr (--quiet:
    none); the exit code does not change.

    Example: lrviz show configs/torch/onecyclelr.yaml --steps 1000
    """
    with cli_errors(debug):
        from rich.console import Console

        from lrviz.progress import progress_bar
        from lrviz.render.terminal import preview
        from lrviz.simulate import simulate

        (cfg,) = load_configs([config], steps=steps, device=device, trust=trust, sweep=sweep, force=force)
        with progress_bar(cfg.steps * len(cfg.schedules)) as progress:
            result = simulate(cfg, progress=progress, jobs=None)  # schedules on every core
        console = Console(highlight=False)
        log = yscale is not None and yscale.value == "log"
        for renderable in preview(result, width=console.width, height=height, log=log):
            console.print(renderable)
        warn_lints([result], quiet)
