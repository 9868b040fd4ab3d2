"""A progress bar for long simulations, shown only to a person watching a terminal.

Piped output, CI logs (``CI`` set to true) and short runs get nothing: a bar there is
noise in a log file or a flash on the screen. The bar goes to stderr, so stdout
(paths written, exported data) stays clean.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

#: Runs with fewer steps in total than this finish too quickly to need a bar.
MIN_STEPS = 200_000


def wanted(total: int, stream: TextIO | None = None) -> bool:
    """Whether a bar should be shown for ``total`` steps on ``stream`` (default stderr)."""
    stream = stream if stream is not None else sys.stderr
    if total < MIN_STEPS:
        return False
    if os.environ.get("CI", "").strip().lower() in ("1", "true", "yes"):
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # closed or replaced streams
        return False


@contextmanager
def progress_bar(total: int, description: str = "simulating", *, stream: TextIO | None = None
                 ) -> Iterator[Callable[[int], None] | None]:
    """Yield a ``progress(n_steps_done)`` callable for :func:`lrviz.simulate.simulate`, or None.

    None means "no bar" (simulate then skips the calls altogether).
    """
    if not wanted(total, stream):
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(file=stream if stream is not None else sys.stderr)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=console, transient=True,
    ) as bar:
        task = bar.add_task(description, total=total)

        def advance(n: int) -> None:
            bar.advance(task, n)

        yield advance
