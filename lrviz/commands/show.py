"""`lrviz show`: a terminal preview of a config's schedules."""

from __future__ import annotations

from typing import Annotated

import typer

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
    refusals,
)
from lrviz.commands.plot import DrawStyleOpt, YScale


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
    trust: TrustOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Preview CONFIG in the terminal: a chart and the points that matter per schedule.

    For each schedule: a braille chart of its lr (one line per param group; without
    colour, each line has a glyph of its own) and a table of the first, peak, min and
    last values and of the steps where the lr changes regime (end of warmup,
    milestones, restarts), at full precision. A schedule torch refuses part-way is
    shown up to there, its refusal printed, and the exit code is 1.

    Example: lrviz show configs/torch/onecyclelr.yaml --steps 1000
    """
    with cli_errors(debug):
        from rich.console import Console

        from lrviz.progress import progress_bar
        from lrviz.render.terminal import preview
        from lrviz.simulate import simulate

        (cfg,) = load_configs([config], steps=steps, device=device, trust=trust, sweep=sweep, force=force)
        with progress_bar(cfg.steps * len(cfg.schedules)) as progress:
            result = simulate(cfg, progress=progress, jobs=None, partial=True)  # schedules on every core
        console = Console(highlight=False)
        log = yscale is not None and yscale.value == "log"
        color = console.color_system is not None and not console.no_color
        held = drawstyle is None or drawstyle.value == "steps"
        for renderable in preview(result, width=console.width, height=height, log=log, color=color, held=held):
            console.print(renderable)
        refusals(result.errors)
