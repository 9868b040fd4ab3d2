"""`lrviz export`: the simulated trajectories as CSV or JSON."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from lrviz.commands.common import (
    ConfigArg,
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
    load_sources,
)


class ExportFormat(str, Enum):
    csv = "csv"
    json = "json"


def export(
    config: ConfigArg,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", metavar="FILE", help="File to write (atomically). Default: standard output."),
    ] = None,
    fmt: Annotated[
        ExportFormat | None,
        typer.Option("--format", "-f", metavar="csv|json", help="Default: from the output's extension, else csv."),
    ] = None,
    steps: StepsOpt = None,
    device: DeviceOpt = None,
    sweep: SweepOpt = None,
    force: ForceOpt = False,
    from_: FromOpt = None,
    dataset_size: DatasetSizeOpt = None,
    world_size: WorldSizeOpt = None,
    trust: TrustOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Simulate CONFIG and write every schedule's lr and momentum at every step.

    CSV is long-form (schedule,group,step,lr,momentum) with floats at round-trip
    precision; JSON adds the config as resolved, defaults filled in, and for a
    framework file the step arithmetic (under "framework").

    Example: lrviz export configs/torch/steplr.yaml -o steplr.csv
    """
    with cli_errors(debug):
        from lrviz.export import to_csv, to_json
        from lrviz.io import atomic_write
        from lrviz.simulate import simulate

        if fmt is None:
            fmt = ExportFormat.json if output is not None and output.suffix.lower() == ".json" else ExportFormat.csv
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
        )
        result = simulate(loaded.config, jobs=None)
        text = to_json(result, loaded.plan) if fmt is ExportFormat.json else to_csv(result)
        if output is None:
            sys.stdout.write(text)
        else:
            atomic_write(output, text)
            print(output)
