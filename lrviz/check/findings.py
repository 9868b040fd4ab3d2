"""What ``lrviz check`` reports: a :class:`Finding` per problem, and the exit code they make."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from lrviz.errors import EXIT_FINDINGS, EXIT_OK, one_line
from lrviz.jsonio import plain

ERROR = "error"
WARNING = "warning"
SEVERITIES = (ERROR, WARNING)


@dataclass(frozen=True)
class Finding:
    """One problem with one schedule.

    ``step`` is the optimizer step (0-based, as in ``lrviz export``) where it shows,
    when there is one; ``values`` holds the numbers behind the message.
    """

    schedule: str
    severity: str  # "error" | "warning"
    code: str
    message: str
    step: int | None = None
    values: dict[str, Any] = field(default_factory=dict)
    key: str | None = None  # where in the config, e.g. schedules[1].params.T_max
    config: str | None = None  # the config file, when there is one

    def __str__(self) -> str:
        where = "".join(f"{part}: " for part in (self.config, self.key) if part)
        return one_line(f"{where}{self.schedule}: {self.severity} [{self.code}] {self.message}")

    def as_warning(self) -> str:
        """One line for commands that draw rather than check (plot, show): ``warning: ...``,
        the code in brackets; a finding that is an error to ``lrviz check`` says so."""
        where = "".join(f"{part}: " for part in (self.config, self.key) if part)
        severity = ", an error for lrviz check" if self.severity == ERROR else ""
        return one_line(f"warning: {where}{self.schedule}: [{self.code}{severity}] {self.message}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; non-finite numbers spelled as :mod:`lrviz.jsonio` spells them."""
        return {
            "config": self.config,
            "schedule": self.schedule,
            "severity": self.severity,
            "code": self.code,
            "key": self.key,
            "step": self.step,
            "message": self.message,
            "values": plain(self.values),
        }


def summarize(findings: Iterable[Finding]) -> dict[str, int]:
    """``{"errors": n, "warnings": m}``."""
    found = list(findings)
    return {sev + "s": sum(f.severity == sev for f in found) for sev in SEVERITIES}


def exit_code(findings: Iterable[Finding], *, strict: bool = False) -> int:
    """0 clean; 1 when any finding is an error, or any at all with ``strict``."""
    found = list(findings)
    if any(f.severity == ERROR for f in found) or (strict and found):
        return EXIT_FINDINGS
    return EXIT_OK


def num(v: float) -> str:
    """A number in a message at full precision: a resume divergence can be one ulp."""
    return repr(float(v))
