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
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lrviz.commands.help import FLAG
from lrviz.errors import EXIT_INTERNAL, EXIT_USAGE, LrvizError, one_line

if TYPE_CHECKING:
    from lrviz.spec import Config

# Options shared by several commands. Every option names its value the way people read it
# (a metavar: N, DIR, png|svg|pdf); a flag shows none (lrviz.commands.help).

ConfigArg = Annotated[Path, typer.Argument(metavar="CONFIG", help="YAML config file.", show_default=False)]
ConfigsArg = Annotated[
    list[Path], typer.Argument(metavar="CONFIG", help="One or more YAML config files.", show_default=False)
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


def refusals(errors: list[LrvizError]) -> None:
    """Schedules torch refused part-way (drawn or written up to there): their lines, then exit 1."""
    for exc in errors:
        err(f"error: {exc}")
    if errors:
        from lrviz.errors import EXIT_FINDINGS

        raise typer.Exit(EXIT_FINDINGS)


def load_configs(
    paths: list[Path],
    *,
    steps: int | None = None,
    device: str | None = None,
    trust: bool = False,
    sweep: list[str] | None = None,
    force: bool = False,
) -> list[Config]:
    """Load (and sweep-expand) every config given on the command line."""
    from lrviz.validate import apply_sweeps, load_config

    configs = []
    for path in paths:
        cfg = load_config(path, trust=trust, steps=steps, device=device)
        configs.append(apply_sweeps(cfg, sweep or [], force=force))  # the config's sweep: block too
    return configs


__all__ = ["EXIT_USAGE", "FLAG", "cli_errors", "err", "load_configs", "refusals"]
