"""Errors a user can fix, and the exit codes lrviz promises.

Every problem caused by input (a config, a command-line value, a file) is raised as
:class:`LrvizError`. The CLI turns it into one line on stderr and exit code 2; library
users catch it like any exception. The message always says *where* (file and key path,
e.g. ``schedules[2].params.step_size``) and *what is allowed*.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

EXIT_OK = 0
EXIT_FINDINGS = 1  # a check found problems, a gallery had failed entries
EXIT_USAGE = 2  # bad input or usage
EXIT_INTERNAL = 70  # a bug in lrviz itself (EX_SOFTWARE)


class LrvizError(Exception):
    """A problem with the user's input: one clear line, exit code 2."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, key: str | None = None, file: str | None = None):
        super().__init__(message)
        self.message = message
        self.key = key
        self.file = file

    def located(self, *, file: str | None = None, key_prefix: str | None = None) -> LrvizError:
        """Fill in the file / outer key path if the raiser did not know them."""
        if file and not self.file:
            self.file = file
        if key_prefix:
            self.key = f"{key_prefix}.{self.key}" if self.key else key_prefix
        return self

    def __str__(self) -> str:
        where = ": ".join(part for part in (self.file, self.key) if part)
        return one_line(f"{where}: {self.message}" if where else self.message)


class ConfigError(LrvizError):
    """The config is malformed or asks for something that does not exist."""


class TrustError(ConfigError):
    """The config wants to import code and the user did not pass --trust."""


class SimulationError(LrvizError):
    """torch (or an expression) failed while building or stepping a schedule.

    Raised while stepping, it also says at which optimizer step (``step``) and, in
    torch's (translated) words without lrviz's framing, why (``reason``).
    """

    step: int | None = None
    reason: str | None = None


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """' (did you mean StepLR?)' when a close match exists, else ''."""
    choices = list(choices)
    close = difflib.get_close_matches(name, choices, n=3, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in choices}
        close = [lowered[m] for m in difflib.get_close_matches(name.lower(), list(lowered), n=3, cutoff=0.6)]
    if not close:
        return ""
    return " (did you mean " + " or ".join(close) + "?)"


def describe(value: object) -> str:
    """A short, safe rendering of a user value for messages."""
    try:
        text = repr(value)
    except ValueError:  # an int past Python's 4300-digit limit for int -> text
        text = f"<an integer of {value.bit_length()} bits>" if isinstance(value, int) else "<unprintable>"
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def first_line(exc: BaseException, *, with_type: bool = False) -> str:
    """The first line of an exception's message: what lrviz quotes of torch's (or Python's) words.

    An exception without a message gives its type name. A KeyError's ``str()`` is the
    repr of its key (quotes, and escaped newlines on one long line), so its argument is
    used instead. ``with_type`` prefixes the type name: ``ValueError: ...``.
    """
    raw = exc.args[0] if isinstance(exc, KeyError) and exc.args and isinstance(exc.args[0], str) else str(exc)
    raw = raw.strip()
    if not raw:
        return type(exc).__name__
    line = raw.splitlines()[0]
    return f"{type(exc).__name__}: {line}" if with_type else line


def one_line(text: str) -> str:
    """``text`` with line breaks and other control characters escaped.

    Messages quote user input (file names, unknown keys, torch's words); a newline or a
    terminal control sequence in it must not break the one-line promise or the terminal.
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_PLAIN_KEY = re.compile(rf"{_NAME}(?:\.{_NAME}|\.\d+|\[\d+\])*\Z")  # a name, or a path like params.total_steps


def key_join(prefix: str, key: str | int) -> str:
    """Build key paths like ``schedules[2].params.step_size``.

    A key that is not a plain name or dotted path (a user's typo with a space, a dash or
    a newline in it) is quoted, ``params['a b']``, so the path stays on one line.
    """
    if isinstance(key, int):
        return f"{prefix}[{key}]"
    if not _PLAIN_KEY.match(key):
        return f"{prefix}[{key!r}]"
    return f"{prefix}.{key}" if prefix else key
