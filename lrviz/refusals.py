"""What torch's refusals mean in config terms: the key at fault, and what to change.

torch validates its schedulers well but speaks in its own terms ("Tried to step 6
times"). Each entry of :data:`HINTS` maps a message pattern to the config key at fault
and a hint; an unknown message passes through unchanged, so nothing is ever hidden.
Used wherever torch can refuse: building (:mod:`lrviz.build`), stepping
(:mod:`lrviz.step`) and validation's trial (:mod:`lrviz.validate.verdict`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lrviz.errors import ConfigError, SimulationError, first_line, key_join


@dataclass(frozen=True)
class Hint:
    pattern: re.Pattern[str]
    key: str  # relative to the schedule, e.g. "params.total_steps"
    advice: str  # formatted with the match's groups


HINTS = (
    Hint(
        re.compile(r"Tried to step (\d+) times?\. The specified number of total steps is (\d+)"),
        "params.total_steps",
        "OneCycleLR cannot step past total_steps ({1}); set total_steps (or epochs x steps_per_epoch) to the number "
        "of scheduler steps in the run, or simulate fewer steps",
    ),
    Hint(
        re.compile(r"Expected positive integer total_steps"),
        "params.total_steps",
        "give OneCycleLR total_steps, or epochs and steps_per_epoch, as positive integers",
    ),
    Hint(
        re.compile(r"optimizer must support momentum or beta1 with `cycle_momentum` option enabled"),
        "params.cycle_momentum",
        "set cycle_momentum: false, or use an optimizer with momentum (SGD, RMSprop) or betas (Adam, AdamW)",
    ),
    Hint(
        re.compile(r"'initial_lr' is not specified in param_groups"),
        "params.last_epoch",
        "last_epoch >= 0 resumes a run from a checkpoint; leave it out (the default -1) to simulate from the start",
    ),
    Hint(
        re.compile(r"max_lr.*len|expected (\d+) values for max_lr", re.I),
        "params.max_lr",
        "give one max_lr, or one per param group",
    ),
)


def translate(message: str) -> tuple[str | None, str]:
    """Return (key relative to the schedule or None, message with advice appended)."""
    for hint in HINTS:
        match = hint.pattern.search(message)
        if match:
            return hint.key, f"{message}; {hint.advice.format(*match.groups())}"
    return None, message


def named_param(message: str, names: list[str]) -> str | None:
    """The parameter among ``names`` that torch's message names (the longest match), if any."""
    found = [n for n in names if re.search(rf"(?<![A-Za-z0-9_]){re.escape(n)}(?![A-Za-z0-9_])", message)]
    return max(found, key=len) if found else None


#: Parameters whose value 0 (or less) torch takes at construction but cannot step with:
#: scheduler name -> (parameter, the least value torch can step with). torch's words for
#: them ("integer modulo by zero") name neither, so lrviz names the key in front.
PERIODS: dict[str, tuple[str, int]] = {
    "StepLR": ("step_size", 1),
    "CosineAnnealingLR": ("T_max", 1),
}


def period_reason(name: str, params: dict[str, object], words: str) -> tuple[str, str] | None:
    """(parameter, plain reason) when ``name``'s params hold a period torch cannot step with.

    ``words``: torch's own message, kept at the end of the reason."""
    entry = PERIODS.get(name)
    if entry is None:
        return None
    param, least = entry
    value = params.get(param)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value >= least:
        return None
    return param, f'{name} needs a {param} of at least {least} (got {value}); torch fails with "{words}"'


def first_step(scheduler: str, specs: Iterable[Any], exc: SimulationError) -> ConfigError:
    """The error for a schedule torch cannot take a single step with: bad input (exit 2),
    as nothing but the starting lr would be drawn. The key at fault with a plain reason
    when :data:`PERIODS` knows the parameter (StepLR's ``step_size: 0``); else the
    schedule's key. torch's words stay. ``specs``: the schedule's scheduler specs
    (``SchedulerSpec.walk()``: each with ``name``, ``kwargs`` and ``key``)."""
    words = first_line(exc.__cause__) if exc.__cause__ is not None else (exc.reason or exc.message)
    for spec in specs:
        found = period_reason(spec.name, spec.kwargs, words)
        if found is not None:
            return ConfigError(found[1], key=key_join(key_join(spec.key, "params"), found[0]))
    what = f"{scheduler} fails at its first scheduler step, so there is no schedule to show"
    return ConfigError(f"{what}: {exc.reason or exc.message}", key=exc.key)
