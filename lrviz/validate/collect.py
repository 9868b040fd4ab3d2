"""Going on after a mistake: validation reports every error of a config in one run.

A :class:`Collector` is a ``with`` block that keeps a :class:`~lrviz.errors.ConfigError`
raised inside it instead of letting it end validation; what a failed block would have
made is simply not there, so the code after it checks what it can without it. At the
end :meth:`Collector.raise_if_any` raises the one error, or a
:class:`~lrviz.errors.ConfigErrors` of all of them (the first
:data:`~lrviz.limits.MAX_ERRORS`, and a count of the rest).
"""

from __future__ import annotations

from types import TracebackType

from lrviz.errors import ConfigError, ConfigErrors
from lrviz.limits import MAX_ERRORS


class Collector:
    """Errors kept from the ``with`` blocks of one part of a config, in the order found."""

    def __init__(self) -> None:
        self.errors: list[ConfigError] = []
        self.more = 0

    @property
    def full(self) -> bool:
        """Whether no more errors will be shown (later ones are only counted)."""
        return len(self.errors) >= MAX_ERRORS

    def add(self, error: ConfigError) -> None:
        for one in error.errors if isinstance(error, ConfigErrors) else [error]:
            if self.full:
                self.more += 1
            else:
                self.errors.append(one)
        if isinstance(error, ConfigErrors):
            self.more += error.more

    def __enter__(self) -> Collector:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> bool:
        if isinstance(error, ConfigError):
            self.add(error)
            return True  # kept: validation goes on
        return False

    def raise_if_any(self) -> None:
        if len(self.errors) == 1 and not self.more:
            raise self.errors[0]
        if self.errors:
            raise ConfigErrors(self.errors, self.more)
