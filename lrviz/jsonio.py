"""JSON as lrviz writes it, with one spelling for the numbers JSON cannot hold.

JSON has no NaN or infinity. Everywhere lrviz writes JSON (``export --format json``,
``check --format json``) a non-finite number is the string ``"nan"``, ``"inf"`` or
``"-inf"``: the spelling of lrviz's CSV (Python's ``repr``), which ``float()`` and
numpy read back as the same value. ``null`` would lose the difference between a NaN
and an infinite lr, which tell different stories (a 0/0 against an overflow).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from typing import Any

_SPELLING = {math.inf: "inf", -math.inf: "-inf"}


def number(value: float) -> float | str:
    """``value`` itself when finite, else its spelling: "nan", "inf" or "-inf"."""
    if math.isfinite(value):
        return value
    return "nan" if math.isnan(value) else _SPELLING[value]


def numbers(values: Iterable[float]) -> list[float | str]:
    """A list of floats made JSON-ready; the fast path for long lr columns."""
    isfinite = math.isfinite
    return [v if isfinite(v) else number(v) for v in values]


def plain(value: Any) -> Any:
    """``value`` as JSON types: mappings and sequences walked, non-finite floats spelled,
    callables named by their source (an expression) or name, anything else by its repr."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, float):
        return number(value)
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if callable(value):
        return _callable_name(value)
    return repr(value)


def _callable_name(fn: Callable[..., Any]) -> str:
    return str(getattr(fn, "source", getattr(fn, "__name__", repr(fn))))


def compact(value: Any) -> str:
    """``value`` as one short line of JSON (a sweep value in a label: ``[0.1,0.2]``)."""
    return json.dumps(plain(value), separators=(",", ":"), allow_nan=False)


def dumps(doc: Any, *, indent: int | None = None, ensure_ascii: bool = True) -> str:
    """``doc`` as JSON text ending in a newline; refuses a non-finite number that was not spelled."""
    return json.dumps(doc, indent=indent, ensure_ascii=ensure_ascii, allow_nan=False) + "\n"
