"""The one progress reporter: a bar for a person watching a terminal, nothing otherwise.

Piped output, CI logs (``CI`` set to true), ``TERM=dumb`` and short jobs get nothing: a
bar there is noise in a log file or a flash on the screen. The bar goes to stderr, so
stdout (paths written, exported data) stays clean. Simulations count optimizer steps
(:func:`progress_bar`); the gallery counts configs (:class:`Reporter` with a total
known once the folder is read).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

#: Runs with fewer steps in total than this finish too quickly to need a bar.
MIN_STEPS = 200_000


def wanted(total: int, stream: TextIO | None = None, *, min_total: int = MIN_STEPS) -> bool:
    """Whether a bar should be shown for ``total`` units of work on ``stream`` (default stderr)."""
    stream = stream if stream is not None else sys.stderr
    if total < min_total:
        return False
    if os.environ.get("CI", "").strip().lower() in ("1", "true", "yes"):
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # closed or replaced streams
        return False


class Reporter:
    """A rich progress bar, started once the total is known; every call is a no-op when not :func:`wanted`."""

    def __init__(self, description: str, *, stream: TextIO | None = None, min_total: int = MIN_STEPS):
        self.description = description
        self.stream = stream
        self.min_total = min_total
        self._bar: Any = None
        self._task: Any = None

    def start(self, total: int) -> None:
        if self._bar is not None or not wanted(total, self.stream, min_total=self.min_total):
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        console = Console(file=self.stream if self.stream is not None else sys.stderr)
        self._bar = Progress(
            TextColumn(self.description),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.description}"),
            console=console,
            transient=True,
        )
        self._bar.start()
        self._task = self._bar.add_task("", total=total)

    @property
    def shown(self) -> bool:
        return self._bar is not None

    def advance(self, n: int = 1, note: str | None = None) -> None:
        if self._bar is not None:
            self._bar.update(self._task, advance=n, **({"description": note} if note is not None else {}))

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def __enter__(self) -> Reporter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextmanager
def progress_bar(
    total: int, description: str = "simulating", *, stream: TextIO | None = None
) -> Iterator[Callable[[int], None] | None]:
    """Yield a ``progress(n_steps_done)`` callable for :func:`lrviz.simulate.simulate`, or None.

    None means "no bar" (simulate then skips the calls altogether).
    """
    with Reporter(description, stream=stream) as reporter:
        reporter.start(total)
        yield reporter.advance if reporter.shown else None
