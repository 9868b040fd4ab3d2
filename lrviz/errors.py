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

    def __init__(self, message: str, *, key: str | None = None, file: str | None = None, excerpt: tuple[str, ...] = ()):
        super().__init__(message)
        self.message = message
        self.key = key
        self.file = file
        #: Lines shown below the message on the command line: the offending line of a
        #: file with a caret under the column (a YAML mistake). ``str()`` stays one line.
        self.excerpt = excerpt

    def lines(self) -> list[str]:
        """Everything the command line prints for this error: the message, then the excerpt."""
        return [f"error: {self}", *self.excerpt]

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


class ConfigErrors(ConfigError):
    """Several mistakes found in one config, each a :class:`ConfigError` with its key path.

    Validation goes on after the first mistake it finds, so one run names them all (up
    to :data:`~lrviz.limits.MAX_ERRORS`; ``more`` counts the rest). ``str()`` is the first,
    with a count of the others; :meth:`lines` has one line each.
    """

    def __init__(self, errors: list[ConfigError], more: int = 0):
        first = errors[0]
        super().__init__(first.message, key=first.key, file=first.file, excerpt=first.excerpt)
        self.errors = errors
        self.more = more

    def located(self, *, file: str | None = None, key_prefix: str | None = None) -> LrvizError:
        super().located(file=file, key_prefix=key_prefix)
        for error in self.errors:
            error.located(file=file, key_prefix=key_prefix)
        return self

    def __str__(self) -> str:
        others = len(self.errors) - 1 + self.more
        return f"{self.errors[0]} (and {others} more error{'s' if others != 1 else ''})"

    def lines(self) -> list[str]:
        out = [line for error in self.errors for line in error.lines()]
        if self.more:
            where = f"{self.errors[0].file}: " if self.errors[0].file else ""
            out.append(f"error: {where}{self.more} more errors not shown (the first {len(self.errors)} are above)")
        return out


class UnknownKey(ConfigError):
    """A key or parameter the config names that does not exist where it is written."""


class TrustError(ConfigError):
    """The config wants to import code and the user did not pass --trust."""


class SimulationError(LrvizError):
    """torch (or an expression) failed while building or stepping a schedule.

    Raised while stepping, it also says at which optimizer step (``step``) and, in
    torch's (translated) words without lrviz's framing, why (``reason``).
    """

    step: int | None = None
    reason: str | None = None
    scheduler_step: int | None = None  # the scheduler's step() that failed, counted from 1


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """' (did you mean StepLR?)' when close matches exist (best first, at most 3), else ''."""
    close = suggestions(name, choices)
    return " (did you mean " + " or ".join(close) + "?)" if close else ""


def suggestions(name: str, choices: Iterable[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    """The choices most like ``name``, most similar first.

    Similarity ignores case (``adamw`` is AdamW before it is Adam), then case breaks ties,
    then the order of ``choices``; difflib's own ranking compares case-sensitively and
    would put Adam, RAdam and NAdam before AdamW.
    """
    lowered = name.lower()
    scored = []
    for order, choice in enumerate(dict.fromkeys(choices)):
        matcher = difflib.SequenceMatcher(None, lowered, choice.lower())
        if matcher.real_quick_ratio() < cutoff or matcher.quick_ratio() < cutoff:
            continue
        ratio = matcher.ratio()
        if ratio >= cutoff:
            scored.append((-ratio, -difflib.SequenceMatcher(None, name, choice).ratio(), order, choice))
    return [choice for *_, choice in sorted(scored)[:n]]


def by_any_case(name: str, choices: Iterable[str]) -> str | None:
    """The one choice that is ``name`` but for case (``adamw`` -> AdamW), else None (none, or several)."""
    matches = [c for c in dict.fromkeys(choices) if c.lower() == name.lower()]
    return matches[0] if len(matches) == 1 else None


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
