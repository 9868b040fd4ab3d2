"""`lrviz list`: every scheduler of the installed torch, and lrviz's presets."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from lrviz.commands.common import DebugOpt, cli_errors


def list_schedulers(
    name: Annotated[Optional[str], typer.Argument(help="Show one scheduler in full.", show_default=False)] = None,
    debug: DebugOpt = False,
) -> None:
    """List the schedulers a config can name, with parameters and defaults.

    Torch classes are discovered from the installed torch at run time; presets
    (lower-case names) are lrviz's built-in LambdaLR schedules.

    Example: lrviz list OneCycleLR
    """
    with cli_errors(debug):
        from lrviz.listing import print_listing, print_one

        if name is None:
            print_listing()
        else:
            print_one(name)
