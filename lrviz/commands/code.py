"""`lrviz code`: a config's schedules as ready-to-paste Python (torch, or transformers for presets)."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lrviz.commands.common import (
    OUTPUT_FLAGS,
    ConfigArg,
    DatasetSizeOpt,
    DebugOpt,
    ForceOpt,
    FromOpt,
    StepsOpt,
    SweepOpt,
    TransformersVersionOpt,
    TrustOpt,
    WorldSizeOpt,
    cli_errors,
    load_sources,
)

if TYPE_CHECKING:
    from lrviz.spec import Schedule


class Framework(str, Enum):
    torch = "torch"
    hf = "hf"


FrameworkOpt = Annotated[
    Framework | None,
    typer.Option(
        "--framework",
        metavar="torch|hf",
        help="torch: torch.optim.lr_scheduler classes; hf: transformers' get_*_schedule* call for a preset. "
        "Default: hf for a schedule that uses a preset, else torch.",
    ),
]
ScheduleOpt = Annotated[
    str | None,
    typer.Option(
        "--schedule",
        metavar="N|KEY|LABEL",
        help="Only this schedule: its number (1 is the first), its key path as messages print it "
        "(schedules[0] is the first), or its label. Default: every schedule, one program each.",
    ),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option(
        *OUTPUT_FLAGS,
        metavar="PATH",
        help="A file ending in .py, or a folder (created if missing, parents too) to write <config name>.py "
        "into. Default: standard output.",
    ),
]


def code(
    config: ConfigArg,
    framework: FrameworkOpt = None,
    schedule: ScheduleOpt = None,
    output: OutputOpt = None,
    steps: StepsOpt = None,
    sweep: SweepOpt = None,
    force: ForceOpt = False,
    from_: FromOpt = None,
    dataset_size: DatasetSizeOpt = None,
    world_size: WorldSizeOpt = None,
    transformers_version: TransformersVersionOpt = None,
    trust: TrustOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Print Python that builds CONFIG's optimizer and scheduler and steps them in a training loop.

    scheduler.step() comes after optimizer.step(), every step or once per
    epoch (interval: epoch), with the metric for ReduceLROnPlateau; the
    program records every group's lr in `lrs`, and running it gives lrviz's
    values bit for bit. Expressions become Python lambdas; what lrviz filled
    in from the run is written out. A preset is transformers' own function
    (--framework hf); a Hugging Face TrainingArguments file gives the get_scheduler call
    its Trainer makes; DeepSpeed, torchtune and Megatron files their framework's own
    call and step; an MMEngine config its Runner's build and ParamSchedulerHook's loop;
    a script's get_lr the loop that calls it and writes its lr into every param group.
    A framework file's program starts with what lrviz read from it and the totals.

    Example: lrviz code configs/torch/onecyclelr.yaml -o train_snippet.py
    """
    with cli_errors(debug):
        from lrviz.codegen import program
        from lrviz.commands.common import output as resolve_output
        from lrviz.io import atomic_write

        out = resolve_output(output, ("py",), default=None)
        (loaded,) = load_sources(
            [config],
            steps=steps,
            trust=trust,
            sweep=sweep,
            force=force,
            kind=from_,
            dataset_size=dataset_size,
            world_size=world_size,
            transformers_version=transformers_version,
        )
        cfg = loaded.config
        chosen = _chosen(cfg.schedules, schedule)
        wanted = framework.value if framework is not None else None
        read = loaded.plan.comments() if loaded.plan is not None else ""
        text = "\n\n".join(program(cfg, s, wanted, read) for s in chosen)
        if out is None:
            sys.stdout.write(text)
            return
        target = out.target(cfg.name, "py")
        out.make_folder()
        atomic_write(target, text)
        print(target)


def _chosen(schedules: list[Schedule], which: str | None) -> list[Schedule]:
    """The schedules to print: all, or the one ``--schedule`` names (number or label)."""
    from lrviz.errors import LrvizError, did_you_mean

    if which is None:
        return schedules
    if which.isdigit() and 1 <= int(which) <= len(schedules):
        return [schedules[int(which) - 1]]
    for s in schedules:
        if s.label == which or _key_path(s, schedules) == which:
            return [s]
    labels = [s.label for s in schedules]
    zero = " (numbers count from 1 here; schedules[0], the key path messages print, is 1)" if which == "0" else ""
    raise LrvizError(
        f"--schedule {which!r} is neither a number from 1 to {len(schedules)}, a key path from schedules[0] to "
        f"schedules[{len(schedules) - 1}], nor a label{zero}{did_you_mean(which, labels)}; labels: {', '.join(labels)}"
    )


def _key_path(schedule: Schedule, schedules: list[Schedule]) -> str:
    """``schedules[i]``: how key paths in messages name a schedule (a single-schedule config's too)."""
    return f"schedules[{schedules.index(schedule)}]"
