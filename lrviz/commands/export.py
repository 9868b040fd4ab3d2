"""`lrviz export`: the simulated trajectories as CSV or JSON."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from lrviz.commands.common import (
    FLAG,
    OUTPUT_FLAGS,
    ConfigArg,
    DatasetSizeOpt,
    DebugOpt,
    DeviceOpt,
    ForceOpt,
    FromOpt,
    StepsOpt,
    SweepOpt,
    TransformersVersionOpt,
    TrustOpt,
    WorldSizeOpt,
    cli_errors,
    load_sources,
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


QuietExportOpt = Annotated[
    bool,
    typer.Option(
        "--quiet",
        "-q",
        metavar=FLAG,
        help="Print nothing on success (not the path written); errors and refusals still show.",
    ),
]


class ExportFormat(str, Enum):
    csv = "csv"
    json = "json"


def export(
    config: ConfigArg,
    output: Annotated[
        Path | None,
        typer.Option(
            *OUTPUT_FLAGS,
            metavar="PATH",
            help="A file ending in .csv or .json (its extension is the format), or a folder (created if missing, "
            "parents too) to write <config name>.<format> into. Written atomically. Default: standard output.",
        ),
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
    transformers_version: TransformersVersionOpt = None,
    partial: PartialOpt = False,
    quiet: QuietExportOpt = False,
    trust: TrustOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Simulate CONFIG and write every schedule's lr and momentum at every step.

    CSV is long-form (schedule,group,step,lr,momentum) with floats at round-trip
    precision, plus a metric column for ReduceLROnPlateau and a column per other
    param-group value a schedule changes (weight_decay...); JSON adds the config as
    resolved, defaults filled in, and for a framework file the step arithmetic (under
    "framework"). A schedule torch refuses part-way is an error (exit 2, nothing
    written) unless --partial: then its rows up to the refusal are written, the
    refusal is printed, and the exit code is 1.

    Example: lrviz export configs/torch/steplr.yaml -o steplr.csv
    """
    with cli_errors(debug):
        from lrviz.commands.common import output as resolve_output
        from lrviz.errors import LrvizError
        from lrviz.export import pieces, write
        from lrviz.simulate import simulate

        out = resolve_output(output, tuple(f.value for f in ExportFormat), default=None)
        if out is not None and out.format is not None:
            if fmt is not None and fmt.value != out.format:
                raise LrvizError(
                    f"--output {str(out.path)!r} names a .{out.format} file, but --format asks for {fmt.value}; "
                    "the file's extension is its format"
                )
            fmt = ExportFormat(out.format)
        fmt = fmt or ExportFormat.csv
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
        cfg = loaded.config
        result = simulate(cfg, jobs=None, partial=partial)
        if out is None:
            for piece in pieces(result, fmt.value, loaded.plan):  # streamed: never the whole text in memory
                sys.stdout.write(piece)
        else:
            target = out.target(cfg.name, fmt.value)
            out.make_folder()  # only now: a refused run creates nothing
            write(result, target, fmt.value, loaded.plan)
            if not quiet:
                print(target)
        refusals(result.errors)
