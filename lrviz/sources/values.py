"""Reading one value of a framework file: the framework's own key in every message.

A framework file is checked key by key against what that framework accepts (its
argparse types, its dataclass fields), and each refusal names the file's key, not an
lrviz one: ``warmup_steps: expected a number >= 0, got -1 (int)``. Values a file does
not hold come from the caller (``--dataset-size``, ``--world-size``); their refusals
name the option. Nothing here knows any framework: :mod:`lrviz.sources.hf`,
:mod:`~lrviz.sources.timm` and :mod:`~lrviz.sources.torchvision` say which key is
which type and what its default is.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Mapping
from typing import Any

from lrviz.errors import ConfigError, LrvizError, describe
from lrviz.limits import MAX_STEPS
from lrviz.textsafe import one_line

_MISSING = object()


def _get(data: Mapping[str, Any], key: str, default: Any) -> Any:
    value = data.get(key, _MISSING)
    return default if value is _MISSING else value


def whole(
    data: Mapping[str, Any], key: str, default: Any = _MISSING, *, minimum: int = 1, limit: int = MAX_STEPS
) -> int:
    """A whole number in [minimum, limit]: bools, fractions and text are refused."""
    value = _get(data, key, default)
    if value is _MISSING:
        raise ConfigError("missing; expected a whole number", key=key)
    what = f"a whole number >= {minimum}"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"expected {what}, got {describe(value)}", key=key)
    if isinstance(value, float):
        if not math.isfinite(value) or value != int(value):
            raise ConfigError(f"expected {what}, got {describe(value)}", key=key)
        value = int(value)
    if value < minimum:
        raise ConfigError(f"expected {what}, got {value}", key=key)
    if value > limit:
        raise ConfigError(f"{describe(value)} is above lrviz's limit of {limit:,}", key=key)
    return value


def number(
    data: Mapping[str, Any],
    key: str,
    default: Any = _MISSING,
    *,
    minimum: float | None = None,
    above: float | None = None,
    maximum: float | None = None,
    below: float | None = None,
    none: bool = False,
) -> Any:
    """A finite number within the bounds given (``none``: None is allowed and returned)."""
    value = _get(data, key, default)
    if value is _MISSING:
        raise ConfigError("missing; expected a number", key=key)
    if value is None and none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"expected a number, got {describe(value)}", key=key)
    try:
        finite = math.isfinite(value)
    except OverflowError:  # an int too large for a float
        finite = False
    if not finite:
        raise ConfigError(f"expected a finite number, got {describe(value)}", key=key)
    for bound, ok, word in (
        (minimum, operator.ge, ">="),
        (above, operator.gt, ">"),
        (maximum, operator.le, "<="),
        (below, operator.lt, "<"),
    ):
        if bound is not None and not ok(value, bound):
            raise ConfigError(f"expected a number {word} {bound}, got {value!r}", key=key)
    return value


def flag(data: Mapping[str, Any], key: str, default: bool) -> bool:
    value = _get(data, key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"expected true or false, got {describe(value)}", key=key)
    return value


def text(data: Mapping[str, Any], key: str, default: str, choices: tuple[str, ...] | None = None) -> str:
    """A string; with ``choices``, one of them (compared as given, callers lower-case first).

    Free text (HF ``optim``, torchvision ``opt``) is shown in the arithmetic's rows, which
    ``show`` prints, ``plot`` draws and ``convert`` writes as YAML comments: it comes
    back on one line, its line breaks and control characters escaped (issue 33). No
    name a framework knows holds one, so comparisons are unchanged.
    """
    value = _get(data, key, default)
    if not isinstance(value, str):
        raise ConfigError(f"expected text, got {describe(value)}", key=key)
    if choices is not None and value not in choices:
        raise ConfigError(f"unknown value {value!r}; allowed: {', '.join(choices)}", key=key)
    return one_line(value)


def option(value: Any, name: str, *, needed_for: str, limit: int = 10**12) -> int:
    """``--dataset-size`` / ``--world-size``: a whole number >= 1; ``needed_for`` says why when it is missing."""
    if value is None:
        raise LrvizError(f"{needed_for}, which the file does not hold: pass {name} N")
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise LrvizError(f"{name} must be a whole number >= 1, got {describe(value)}")
    if value > limit:
        raise LrvizError(f"{name} {value} is above lrviz's limit of {limit:,}")
    return value


def check_total(steps: int, key: str, how: str) -> int:
    """Refuse a run longer than lrviz simulates, before anything is built."""
    if steps < 1:
        raise ConfigError(f"{how} = {steps:,} optimizer steps: there is no schedule to show", key=key)
    if steps > MAX_STEPS:
        raise ConfigError(f"{how} = {steps:,} optimizer steps, above lrviz's limit of {MAX_STEPS:,}", key=key)
    return steps


def normalise_keys(data: Mapping[Any, Any]) -> dict[str, Any]:
    """argparse destinations from recipe keys: ``lr-warmup-epochs`` reads as ``lr_warmup_epochs``.

    timm's and torchvision's files are argparse namespaces, whose keys are the flags with
    dashes turned into underscores; a recipe written by hand may keep the dashes.
    """
    out: dict[str, Any] = {}
    for k, v in data.items():
        if not isinstance(k, str):
            raise ConfigError(f"keys must be text, got {describe(k)}")
        name = k.replace("-", "_")
        if name in out:
            raise ConfigError(f"given twice, as {name!r} and as {k!r}", key=name)
        out[name] = v
    return out


def misspelt(data: Mapping[Any, Any], known: Iterable[str]) -> list[str]:
    """Each key of ``data`` (dashes as underscores) that is not in ``known`` but close to one of
    them, as ``'warmup_epoch' (did you mean warmup_epochs?)``: a likely typo, which a framework
    that ignores unknown keys would run with the default of the key meant."""
    from lrviz.errors import suggestions

    names = sorted(known)
    out = []
    for k in data:
        key = k.replace("-", "_") if isinstance(k, str) else None
        if key is not None and key not in names and (close := suggestions(key, names, cutoff=0.85)):
            out.append(f"{key!r} (did you mean {' or '.join(close)}?)")
    return out
