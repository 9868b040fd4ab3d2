"""What a cause detector looks at: one diverged series against its group's plan (:class:`Evidence`).

Apart from :mod:`lrviz.actual.causes` so the detectors of :mod:`lrviz.actual.runcauses` can use it
without importing the module that lists them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np


@dataclass
class Evidence:
    planned: np.ndarray  # the plan of this series' group, (steps,)
    rows: np.ndarray  # logged rows inside the plan, ascending
    logged: np.ndarray  # values at rows
    agree: np.ndarray  # bool, per row
    first: int  # index into rows of the first disagreement
    rtol: float
    factors: Mapping[str, float]
    run_steps: int | None = None  # the run length the log itself states (transformers' max_steps)
    #: TrainingArguments overrides -> the planned lr of this group (the caller re-plans: a resume's first total)
    planner: Callable[[Mapping[str, Any]], np.ndarray | None] | None = None
    reason: str | None = None  # why the run's total differs from the plan's, as the caller found it
    offset: int = 0  # row = logged step + offset (to say steps as the log numbers them)
    plan_type: str | None = None  # the planned schedule's name as the planner knows it (transformers' type)
    #: the plan's length parameter, {"key": "T_max", "value": 10}, when the planner re-plans it (an lrviz config)
    length: Mapping[str, Any] | None = None

    def close(self, a: np.ndarray | float, b: np.ndarray | float, scale: float = 1.0) -> np.ndarray:
        import numpy as np

        a = np.asarray(a, dtype=np.float64)
        b = np.asarray(b, dtype=np.float64)
        with np.errstate(invalid="ignore", over="ignore"):
            diff = np.abs(a - b)
            ok = (a == b) | (diff <= self.rtol * scale * np.maximum(np.abs(a), np.abs(b)))
        result: np.ndarray = ok | (np.isnan(a) & np.isnan(b))
        return result

    @property
    def step(self) -> int:
        return int(self.rows[self.first])

    @property
    def last_agreeing(self) -> int | None:
        return int(self.rows[self.first - 1]) if self.first > 0 else None


__all__ = ["Evidence"]
