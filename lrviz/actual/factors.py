"""Candidate factors: the numbers a constant-factor divergence is checked against.

When every logged lr is the plan's times one constant, the comparison names that constant
when it (or its inverse) equals a factor it was told about (``causes.factor``). The
candidates come from two places, merged by :func:`candidates`:

* **the log itself** (:func:`from_log`): transformers' ``trainer_state.json`` stores
  ``train_batch_size`` (``TrainerState.train_batch_size``: the per-device batch times the
  GPUs of one process), the number a "scale the lr with the batch" rule multiplies by.
  Lightning's ``metrics.csv`` and TensorBoard event files state nothing of the kind.
* **the caller** (``named``): what the command line or a framework plan knows, keyed by a
  name people read: ``{"world size": 8, "gradient accumulation": 4}``. This is the one
  interface for more sources (``--world-size``, a framework file's arithmetic): a caller
  passes them as ``factors=`` to :func:`lrviz.actual.report.compare_plan`.

A factor of 1 (or 0, or not a finite number) can name nothing and is left out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from lrviz.actual.series import ActualLog

#: TrainerState fields that can scale an lr, and the name a message gives them.
LOG_FACTORS = {"train_batch_size": "the log's train_batch_size"}


def _usable(value: Any) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
        and value != 1
    )


def from_log(log: ActualLog) -> dict[str, float]:
    """The factors the log states about its own run (see the module docstring)."""
    return {name: float(log.meta[key]) for key, name in LOG_FACTORS.items() if _usable(log.meta.get(key))}


def candidates(log: ActualLog, named: Mapping[str, float] | None = None) -> dict[str, float]:
    """The log's own factors, then the caller's (a caller's name wins over the log's)."""
    out = from_log(log)
    for name, value in (named or {}).items():
        if _usable(value):
            out[str(name)] = float(value)
    return out


__all__ = ["LOG_FACTORS", "candidates", "from_log"]
