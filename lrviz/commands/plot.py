"""`lrviz plot` (being written)."""

from __future__ import annotations

from lrviz.commands.common import DebugOpt, cli_errors


def plot(debug: DebugOpt = False) -> None:
    """(being written)"""
    with cli_errors(debug):
        from lrviz.errors import LrvizError

        raise LrvizError("'lrviz plot' is not available yet")
