"""Help as people read it: an option shows what to type (``N``, ``DIR``, ``png|svg|pdf``),
a flag nothing, an argument just its name; never typer's ``<bool>`` or ``<list[Path]>``.

Commands give each option a metavar (:mod:`lrviz.commands.common`); what typer shows by
itself (the type of an argument, the ``--help`` flag's ``<bool>``) is adjusted here, in
the command classes the app uses.
"""

from __future__ import annotations

from typing import Any

import typer.core

FLAG = ""  # the metavar of an on/off flag: nothing to type after it


class _Argument(typer.core.TyperArgument):
    def display_type_rich(self, ctx: Any) -> str | None:
        return None  # the argument's name (CONFIG, CONFIG_DIR) says what it is


def _plain(command: Any, ctx: Any) -> None:
    for param in command.params:
        if type(param) is typer.core.TyperArgument:
            param.__class__ = _Argument
    help_option = command.get_help_option(ctx)
    if help_option is not None:
        help_option.metavar = FLAG


class Command(typer.core.TyperCommand):
    """A command whose help shows types as people read them (see the module docstring)."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _plain(self, ctx)
        super().format_help(ctx, formatter)


class Group(typer.core.TyperGroup):
    """The ``lrviz`` group, with the same help as :class:`Command`."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _plain(self, ctx)
        super().format_help(ctx, formatter)
