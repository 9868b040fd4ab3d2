"""`lrviz export`: the simulated trajectories as CSV or JSON."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from lrviz.commands.common import (
    FLAG,
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

PartialOpt = Annotated[
    bool,
    typer.Option(
        "--partial",
        metavar=FLAG,
        help="Write a schedule torch refuses part-way up to the failing step (exit 1) instead of nothing (exit 2).",
    ),
]


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
    partial: PartialOpt = False,
    trust: TrustOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Simulate CONFIG and write every schedule's lr and momentum at every step.

    CSV is long-form (schedule,group,step,lr,momentum) with floats at round-trip
    precision, plus a metric column for ReduceLROnPlateau and a column per other
    param-group value a schedule changes (weight_decay...); JSON adds the config as
    resolved, defaults filled in. A schedule torch refuses part-way is an error (exit 2,
    nothing written) unless --partial: then its rows up to the refusal are written,
    the refusal is printed, and the exit code is 1.

    Example: lrviz export configs/torch/steplr.yaml -o steplr.csv
    """
    with cli_errors(debug):
        from lrviz.export import to_csv, to_json
        from lrviz.io import atomic_write
        from lrviz.simulate import simulate

        if fmt is None:
            fmt = ExportFormat.json if output is not None and output.suffix.lower() == ".json" else ExportFormat.csv
        (cfg,) = load_configs([config], steps=steps, device=device, trust=trust, sweep=sweep, force=force)
        result = simulate(cfg, jobs=None, partial=partial)
        text = to_json(result) if fmt is ExportFormat.json else to_csv(result)
        if output is None:
            sys.stdout.write(text)
        else:
            atomic_write(output, text)
            print(output)
        refusals(result.errors)
