"""Small checks every part of validation uses: mappings, keys, counts, text, devices."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from lrviz.errors import ConfigError, UnknownKey, describe, key_join
from lrviz.limits import MAX_VALUES
from lrviz.textsafe import has_line_break
from lrviz.validate.collect import Collector
from lrviz.validate.foreign import hint

DEVICES_HELP = "cpu, cuda, cuda:N, mps or auto"


def expect_mapping(value: Any, key: str, what: str = "a mapping") -> dict[str, Any]:
    """``value`` if it is a mapping with text keys, else a :class:`ConfigError` at ``key``."""
    if not isinstance(value, dict):
        raise ConfigError(f"expected {what}, got {describe(value)}", key=key or None)
    for k in value:
        if not isinstance(k, str):
            raise ConfigError(f"keys must be strings, got {describe(k)}", key=key or None)
    return value


def check_keys(mapping: Mapping[str, Any], allowed: tuple[str, ...], key: str) -> None:
    """Every key of ``mapping`` that is not ``allowed``, each an :class:`UnknownKey` (all of them reported)."""
    problems = Collector()
    for k in mapping:
        if k not in allowed:
            if problems.full:  # only counted from here: no suggestions to compute
                problems.more += 1
                continue
            problems.add(
                UnknownKey(f"unknown key {k!r}{hint(k, allowed)}; allowed: {', '.join(allowed)}", key=key_join(key, k))
            )
    problems.raise_if_any()


def positive_int(value: Any, key: str, *, limit: int | None = None, what: str = "a positive whole number") -> int:
    """Validate a count: refuse bools, floats with a fraction, strings, zero, negatives."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"expected {what}, got {describe(value)}", key=key)
    if isinstance(value, float):
        if not math.isfinite(value) or value != int(value):
            raise ConfigError(f"expected {what}, got {describe(value)}", key=key)
        value = int(value)
    if value <= 0:
        raise ConfigError(f"expected {what}, got {value}", key=key)
    if limit is not None and value > limit:
        shown = value if value < 10**30 else describe(value)  # str() of a 5000-digit int raises
        raise ConfigError(f"{shown} is above the limit of {limit:,}", key=key)
    return int(value)


#: Control characters (escape, carriage return, bell...; tab and newline are fine): a
#: label or title is printed to the terminal by show / check, where "\x1b[2J" would
#: clear the screen and "\x1b]0;...\x07" retitle the window.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def text(value: Any, key: str) -> str:
    """A label, title or name: text (or a number written as text), no control characters."""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        try:
            out = str(value)
        except ValueError:  # an int past Python's 4300-digit limit for int -> text
            raise ConfigError(f"expected text, got {describe(value)}", key=key) from None
        bad = _CONTROL.search(out)
        if bad:
            raise ConfigError(
                f"the control character {bad.group()!r} is not allowed in text (it would reach the terminal as is)",
                key=key,
            )
        return out
    raise ConfigError(f"expected text, got {describe(value)}", key=key)


def one_line(value: Any, key: str, *, strip: bool = True) -> str:
    """A label or group name: :func:`text` (stripped unless told not to) on one line.

    It is written into single lines: the comment above ``lrviz code``'s program, a
    legend, ``show``'s table. A line break there (``\\n``, ``\\u2028``, ``\\u2029``; the
    other line-ending characters are control characters, refused by :func:`text`)
    would end the comment and make what follows live code (issue 33).
    """
    out = text(value, key).strip() if strip else text(value, key)
    bad = has_line_break(out)
    if bad is not None:
        raise ConfigError(f"the line break {bad!r} is not allowed here: a label or name is one line", key=key)
    return out


def math_text(value: str, key: str) -> str:
    """Refuse text that matplotlib cannot draw, with its key.

    Labels, group names and titles end up in figures, where matplotlib reads text
    between two ``$`` as TeX math; a broken formula would otherwise fail deep inside a
    plot or a gallery page. matplotlib is imported only when the text has a ``$``.
    """
    if "$" in value:
        from matplotlib import cbook

        if cbook.is_math_text(value):
            from matplotlib.mathtext import MathTextParser

            try:
                MathTextParser("path").parse(value)
            except (ValueError, RecursionError):
                raise ConfigError(
                    f"{value!r} is not valid math text (matplotlib draws text between two $ as TeX math); "
                    "write \\$ for a dollar sign",
                    key=key,
                ) from None
    return value


def check_values(steps: int, groups: int, schedules: int) -> None:
    """Refuse a run whose lrs would not fit in memory, before anything is allocated."""
    total = steps * groups * schedules
    if total > MAX_VALUES:
        raise ConfigError(
            f"steps x param groups x schedules = {steps:,} x {groups} x {schedules} = {total:,} lr values to record, "
            f"above the limit of {MAX_VALUES:,}; simulate fewer steps or schedules",
            key="steps",
        )


def check_device(value: Any, key: str = "device") -> str:
    """Syntax only; whether the device exists is decided when simulating."""
    if not isinstance(value, str):
        raise ConfigError(f"expected one of {DEVICES_HELP}, got {describe(value)}", key=key)
    v = value.strip().lower()
    if v in ("cpu", "cuda", "mps", "auto"):
        return v
    if v.startswith("cuda:") and v[5:].isdigit():
        return v
    raise ConfigError(f"unknown device {value!r}; allowed: {DEVICES_HELP}", key=key)


def number(value: Any, key: str) -> float:
    """A finite-or-not float from a YAML number (bools and text refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"expected a number, got {describe(value)}", key=key)
    try:
        return float(value)
    except OverflowError:
        raise ConfigError(f"expected a number, got {describe(value)}: too large for a float", key=key) from None
