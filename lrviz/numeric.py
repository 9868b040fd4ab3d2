"""Numbers as people mean them: the one check every reader and option puts a count through.

A file or a command line can hold numbers that Python accepts and a person never meant:
``'²'`` and ``'٣'`` (``str.isdigit`` and ``int()`` take other scripts' digits), a
5,000-digit integer (past Python's 4300-digit limit for int <-> text, a ``ValueError``
wherever it is printed), ``1e400`` or ``nan`` where a count is needed, an integer past
2**63 (an ``OverflowError`` in numpy or C). Each reader used to guard against some of
these; here every one of them is refused, as an :class:`~lrviz.errors.LrvizError` (or
the subclass the caller names) that says what was expected and the limit, so the caller
only adds the file and key or row.
"""

from __future__ import annotations

import math
import re

from lrviz.errors import LrvizError, describe

#: Characters of a whole number written as text: 10**30 is far past any limit, so
#: a longer run of digits is refused before it is converted (no int-string limit).
MAX_DIGITS = 30

_WHOLE = re.compile(r"[+-]?[0-9]+\Z", re.ASCII)


def whole_text(
    raw: str,
    *,
    what: str,
    minimum: int,
    maximum: int,
    error: type[LrvizError] = LrvizError,
    key: str | None = None,
    file: str | None = None,
) -> int:
    """The whole number ``raw`` writes in ASCII digits, within [minimum, maximum]."""
    text = raw.strip()
    allowed = f"a whole number from {minimum:,} to {maximum:,}"
    if not _WHOLE.match(text):
        raise error(f"{_lead(what)}expected {allowed} (ASCII digits), got {_quoted(raw)}", key=key, file=file)
    if len(text.lstrip("+-")) > MAX_DIGITS:
        raise error(f"{_lead(what)}expected {allowed}, got a number of {len(text)} digits", key=key, file=file)
    return in_range(int(text), what=what, minimum=minimum, maximum=maximum, error=error, key=key, file=file)


def whole_value(
    value: object,
    *,
    what: str,
    minimum: int,
    maximum: int,
    error: type[LrvizError] = LrvizError,
    key: str | None = None,
    file: str | None = None,
) -> int:
    """A whole number a parsed file holds (an int, or a float with no fraction), within [minimum, maximum].

    Booleans, text, NaN and infinities are refused; a float is compared before it is
    converted, so ``1e400`` never reaches ``int()``.
    """
    allowed = f"a whole number from {minimum:,} to {maximum:,}"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise error(f"{_lead(what)}expected {allowed}, got {describe(value)}", key=key, file=file)
    if isinstance(value, float):
        if not math.isfinite(value) or value != math.floor(value):
            raise error(f"{_lead(what)}expected {allowed}, got {describe(value)}", key=key, file=file)
        if not minimum <= value <= maximum:
            raise error(f"{_lead(what)}{value!r} is outside {minimum:,} to {maximum:,}", key=key, file=file)
        value = int(value)
    assert isinstance(value, int)
    return in_range(value, what=what, minimum=minimum, maximum=maximum, error=error, key=key, file=file)


def in_range(
    value: int,
    *,
    what: str,
    minimum: int,
    maximum: int,
    error: type[LrvizError] = LrvizError,
    key: str | None = None,
    file: str | None = None,
) -> int:
    if not minimum <= value <= maximum:
        shown = f"{value:,}" if value.bit_length() < 128 else f"an integer of {value.bit_length()} bits"
        raise error(f"{_lead(what)}{shown} is outside {minimum:,} to {maximum:,}", key=key, file=file)
    return value


def finite_value(
    value: object, *, what: str, error: type[LrvizError] = LrvizError, key: str | None = None, file: str | None = None
) -> float:
    """A finite float from an int or a float (an int too large for a float is refused, not an OverflowError)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise error(f"{_lead(what)}expected a number, got {describe(value)}", key=key, file=file)
    try:
        out = float(value)
    except OverflowError:
        out = math.inf
    if not math.isfinite(out):
        raise error(f"{_lead(what)}expected a finite number, got {describe(value)}", key=key, file=file)
    return out


#: Digits of an integer a JSON file may hold (json's ``parse_int``); the YAML reader's limit.
MAX_INT_CHARS = 100


def json_int(text: str) -> int:
    """An integer literal of a JSON file, for ``json.loads(parse_int=...)``: Python's int-string
    limit (4300 digits) would raise a ValueError from inside the parser."""
    if len(text) > MAX_INT_CHARS:
        raise LrvizError(f"an integer of {len(text)} characters (at most {MAX_INT_CHARS} are allowed)")
    return int(text)


def as_float(value: int | float) -> float:
    """``float(value)``, with an int too large for a float as an infinity of its sign (not an OverflowError)."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _lead(what: str) -> str:
    return f"{what}: " if what else ""


def _quoted(raw: str) -> str:
    return repr(raw[:40] + ("..." if len(raw) > 40 else ""))
