"""What a lint sees (:class:`Context`): the config, one schedule, its scheduler tree and trajectory."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lrviz.check.findings import Finding
from lrviz.check.walk import Node
from lrviz.spec import Config, Schedule

if TYPE_CHECKING:
    from lrviz.simulate import Trajectory


@dataclass(frozen=True)
class Context:
    """What a lint sees: the config, one schedule, its spec tree and its trajectory."""

    config: Config
    schedule: Schedule
    nodes: list[Node]
    trajectory: Trajectory | None  # None when the simulation failed
    configured_lrs: list[float]

    @property
    def recorded(self) -> Trajectory:
        """The trajectory, for the lints that run only when there is one."""
        assert self.trajectory is not None
        return self.trajectory

    def finding(self, severity: str, code: str, message: str, **kw: Any) -> Finding:
        return Finding(self.schedule.label, severity, code, message, config=self.config.file, **kw)
