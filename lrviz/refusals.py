"""What torch's refusals mean in config terms: the key at fault, and what to change.

torch validates its schedulers well but speaks in its own terms ("Tried to step 6
times"). Each entry of :data:`HINTS` maps a message pattern to the config key at fault
and a hint; an unknown message passes through unchanged, so nothing is ever hidden.
Used wherever torch can refuse: building (:mod:`lrviz.build`), stepping
(:mod:`lrviz.step`) and validation's trial (:mod:`lrviz.validate.verdict`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


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
