"""Options shared by several commands, and the one place errors become exit codes.

Commands parse their options, call the library, and let :func:`cli_errors` turn a
:class:`~lrviz.errors.LrvizError` into one line on stderr and exit code 2. Anything
else is a bug in lrviz: one line and exit 70, the traceback only with ``--debug``.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lrviz.commands.help import FLAG
from lrviz.errors import EXIT_INTERNAL, EXIT_USAGE, LrvizError, one_line

if TYPE_CHECKING:
    from lrviz.sources import Loaded
    from lrviz.spec import Config

# Options shared by several commands. Every option names its value the way people read it
# (a metavar: N, DIR, png|svg|pdf); a flag shows none (lrviz.commands.help).

ConfigArg = Annotated[
    Path,
    typer.Argument(
        metavar="CONFIG",
        help="An lrviz YAML config, or a framework's file: a Hugging Face TrainingArguments JSON/YAML, a timm "
        "args.yaml, a torchvision recipe.",
        show_default=False,
    ),
]
ConfigsArg = Annotated[
    list[Path],
    typer.Argument(
        metavar="CONFIG",
        help="One or more lrviz YAML configs or framework files (TrainingArguments JSON/YAML, timm args.yaml, "
        "torchvision recipe), in any mix.",
        show_default=False,
    ),
]
StepsOpt = Annotated[
    int | None, typer.Option("--steps", min=1, metavar="N", help="Override the config's number of optimizer steps.")
]
DeviceOpt = Annotated[
    str | None,
    typer.Option("--device", metavar="DEVICE", help="Device for the dummy parameters: cpu, cuda, cuda:N, mps or auto."),
]
TrustOpt = Annotated[
    bool,
    typer.Option(
        "--trust",
        metavar=FLAG,
        help="Allow the config to import and run Python code (scheduler: 'module:Name' or 'file.py:Name'). "
        "Also LRVIZ_TRUST=1.",
    ),
]
SweepOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--sweep",
        metavar="KEY=V1,V2",
        help="One schedule per value, e.g. params.gamma=0.1,0.5 (repeatable: several keys give every combination).",
    ),
]
ForceOpt = Annotated[bool, typer.Option("--force", metavar=FLAG, help="Allow a sweep of more than 64 schedules.")]
DebugOpt = Annotated[bool, typer.Option("--debug", metavar=FLAG, help="Show the full traceback on errors.")]


# Framework files (lrviz.sources): what a file is, and the facts of the run it does not hold.
class SourceKind(str, Enum):
    lrviz = "lrviz"
    hf = "hf"
    timm = "timm"
    torchvision = "torchvision"


FromOpt = Annotated[
    SourceKind | None,
    typer.Option(
        "--from",
        metavar="lrviz|hf|timm|torchvision",
        help="What every CONFIG is: an lrviz config, a Hugging Face TrainingArguments file, a timm args.yaml or a "
        "torchvision recipe. Default: told from its keys.",
    ),
]
DatasetSizeOpt = Annotated[
    int | None,
    typer.Option(
        "--dataset-size",
        metavar="N",
        help="Training examples of a framework file's run (the file does not hold them); counts the optimizer steps. "
        "Overrides the file's '# lrviz:' comment.",
    ),
]
WorldSizeOpt = Annotated[
    int | None,
    typer.Option(
        "--world-size",
        metavar="N",
        help="Processes (GPUs) of a framework file's run. Default: the file's '# lrviz:' comment, else 1.",
    ),
]


def err(message: str) -> None:
    """One plain line on stderr (no rich markup: key paths contain brackets)."""
    print(message, file=sys.stderr, flush=True)


@contextmanager
def cli_errors(debug: bool = False) -> Iterator[None]:
    """Turn library errors into clean exits; tracebacks only with --debug."""
    debug = debug or os.environ.get("LRVIZ_DEBUG") == "1"
    try:
        yield
    except typer.Exit:
        raise
    except LrvizError as exc:
        if debug:
            traceback.print_exc()
        err(f"error: {exc}")
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        err("interrupted")
        raise typer.Exit(130) from None
    except Exception as exc:  # a bug in lrviz: say so, in one line
        if debug:
            traceback.print_exc()
        err(
            one_line(
                f"internal error: {type(exc).__name__}: {exc} "
                "(this is a bug in lrviz; rerun with --debug for the traceback)"
            )
        )
        raise typer.Exit(EXIT_INTERNAL) from None


def load_configs(
    paths: list[Path],
    *,
    steps: int | None = None,
    device: str | None = None,
    trust: bool = False,
    sweep: list[str] | None = None,
    force: bool = False,
    kind: SourceKind | None = None,
    dataset_size: int | None = None,
    world_size: int | None = None,
) -> list[Config]:
    """Load (and sweep-expand) every config or framework file given on the command line."""
    return [
        loaded.config
        for loaded in load_sources(
            paths,
            steps=steps,
            device=device,
            trust=trust,
            sweep=sweep,
            force=force,
            kind=kind,
            dataset_size=dataset_size,
            world_size=world_size,
        )
    ]


def load_sources(
    paths: list[Path],
    *,
    steps: int | None = None,
    device: str | None = None,
    trust: bool = False,
    sweep: list[str] | None = None,
    force: bool = False,
    kind: SourceKind | None = None,
    dataset_size: int | None = None,
    world_size: int | None = None,
) -> list[Loaded]:
    """Every file given, through :func:`lrviz.sources.load_source` (sweep-expanded), with its plan."""
    from dataclasses import replace

    from lrviz.errors import LrvizError
    from lrviz.sources import load_source
    from lrviz.validate import apply_sweeps

    loaded = []
    for path in paths:
        one = load_source(
            path,
            kind=kind.value if kind is not None else None,
            dataset_size=dataset_size,
            world_size=world_size,
            trust=trust,
            steps=steps,
            device=device,
        )
        loaded.append(replace(one, config=apply_sweeps(one.config, sweep or [], force=force)))  # its sweep: too
    if all(one.plan is None for one in loaded):
        for value, option in ((dataset_size, "--dataset-size"), (world_size, "--world-size")):
            if value is not None:
                raise LrvizError(
                    f"{option} is for framework files (a TrainingArguments file, a timm args.yaml, a torchvision "
                    "recipe), and every file given is an lrviz config; leave it out"
                )
    return loaded


__all__ = ["EXIT_USAGE", "FLAG", "cli_errors", "err", "load_configs", "load_sources"]
