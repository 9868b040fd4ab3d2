"""The `lrviz` command line: a thin layer over the library.

Each command lives in :mod:`lrviz.commands` and only parses options, calls the
library and maps errors to exit codes. Nothing here imports torch or matplotlib, so
``lrviz --help`` and usage errors answer at once.
"""

from __future__ import annotations

from collections.abc import Callable

import typer

from lrviz._version import __version__
from lrviz.commands import check, code, convert, export, gallery, listing, plot, schema, show
from lrviz.commands.help import FLAG, Command, Group
from lrviz.dynamo import enable_for_cli
from lrviz.interrupts import handle_termination
from lrviz.startup import pause

app = typer.Typer(
    name="lrviz",
    cls=Group,
    help="See a PyTorch learning-rate schedule before you train: simulate the real torch scheduler, "
    "plot it, export it, check it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

COMMANDS: list[tuple[str, Callable[..., None]]] = [
    ("plot", plot.plot),
    ("show", show.show),
    ("export", export.export),
    ("check", check.check),
    ("gallery", gallery.gallery),
    ("list", listing.list_schedulers),
    ("convert", convert.convert),
    ("schema", schema.schema),
    ("code", code.code),
]
for _name, _fn in COMMANDS:
    app.command(_name, cls=Command)(_fn)


def _version(value: bool) -> None:
    if value:
        print(f"lrviz {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", metavar=FLAG, callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """See a PyTorch learning-rate schedule before you train."""


def main() -> None:
    enable_for_cli()  # torch's start-up shortcut, for lrviz's own process only: lrviz.dynamo
    handle_termination()  # SIGTERM and SIGHUP unwind like Ctrl-C: temporary files removed (lrviz.interrupts)
    pause()  # the collector resumes once a command's configs (and torch) are loaded: lrviz.startup
    app()
