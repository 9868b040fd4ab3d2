"""What a plan-vs-actual comparison says: findings with a code, a severity, the step, both values
and, for a divergence, the likely cause.

``step`` is lrviz's row (the 0-based optimizer step, as ``lrviz export`` numbers them);
``logged_step`` is the step as the log wrote it, so a user can find the line in their file.
Severities: ``error`` (plan and log disagree, or nothing could be compared: ``check`` exits 1),
``warning`` (the log holds something the plan cannot judge, or a series could not be
matched), ``info`` (agreement, and what the reader noticed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lrviz.actual.series import ERROR, INFO, WARNING
from lrviz.errors import one_line
from lrviz.jsonio import plain

SEVERITIES = (ERROR, WARNING, INFO)

# Finding codes, in one place for the CLI, the JSON schema and the README.
AGREE = "agree"
DIVERGED = "diverged"
NO_OVERLAP = "no-overlap"
BEYOND_PLAN = "beyond-plan"
BEFORE_PLAN = "before-plan"
UNMAPPED = "unmapped"
NO_PLANNED_MOMENTUM = "no-planned-momentum"
REPEATED_STEPS = "repeated-steps"
REWRITTEN_STEPS = "rewritten-steps"
FLOAT32_VALUES = "float32-values"


@dataclass(frozen=True)
class Cause:
    """Why the log likely differs from the plan: ``shift``, ``factor``, ``restart``, ``warmup-length``,
    ``resume``, ``changed-total`` or ``changed-after``; ``values`` holds the numbers (k, the factor...)."""

    code: str
    message: str
    values: dict[str, Any] = field(default_factory=dict)
    also: tuple[str, ...] = ()  # other causes the data fits equally well

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "values": {k: plain(v) for k, v in self.values.items()},
            "also": list(self.also),
        }


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    message: str
    series: str | None = None
    group: str | None = None
    kind: str | None = None  # "lr" | "momentum"
    step: int | None = None  # lrviz row
    logged_step: int | None = None  # the step as the log wrote it
    planned: float | None = None
    logged: float | None = None
    cause: Cause | None = None
    values: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        who = self.series or ""
        if self.group:
            who += f" -> {self.group}"
        head = f"{who}: " if who else ""
        return one_line(f"{head}{self.severity} [{self.code}] {self.message}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, by lrviz's one convention (:mod:`lrviz.jsonio`): non-finite floats are 'nan', 'inf', '-inf'."""
        return {
            "code": self.code,
            "severity": self.severity,
            "series": self.series,
            "group": self.group,
            "kind": self.kind,
            "step": self.step,
            "logged_step": self.logged_step,
            "planned": plain(self.planned),
            "logged": plain(self.logged),
            "message": self.message,
            "cause": self.cause.to_dict() if self.cause else None,
            "values": {k: plain(v) for k, v in self.values.items()},
        }


def num(v: float) -> str:
    """A value at full precision: two lrs can differ in the last digit."""
    return repr(float(v))
