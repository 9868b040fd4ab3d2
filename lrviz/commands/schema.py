"""`lrviz schema`: the config's JSON Schema, for editors (yaml-language-server)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from lrviz.commands.common import DebugOpt, cli_errors

SchemaOutputOpt = Annotated[
    Path | None,
    typer.Option("-o", "--output", metavar="FILE", help="File to write (atomically). Default: standard output."),
]


def schema(output: SchemaOutputOpt = None, debug: DebugOpt = False) -> None:
    """Print the JSON Schema of a config, for completion and errors in your editor.

    Generated from what validates a config: every scheduler of the installed torch
    and every preset, with their parameters, types and defaults, nested schedulers,
    the optimizer and plot blocks (JSON Schema draft-07). Point yaml-language-server
    at it with a first line '# yaml-language-server: $schema=lrviz.schema.json'.

    Example: lrviz schema -o lrviz.schema.json
    """
    with cli_errors(debug):
        from lrviz.jsonio import dumps
        from lrviz.validate.schema import config_schema

        text = dumps(config_schema(), indent=2)
        if output is None:
            sys.stdout.write(text)
        else:
            from lrviz.io import atomic_write

            atomic_write(output, text)
            print(output)
