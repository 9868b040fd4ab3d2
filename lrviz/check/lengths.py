"""A re-planner for an lrviz config whose schedule has a length (T_max, total_iters, total_steps).

A run can follow the planned schedule with another length: a Lightning run resumed with a changed
``max_steps`` keeps the length its checkpoint's scheduler state holds (``CosineAnnealingLR`` saves
``T_max``, ``LinearLR`` ``total_iters``, ``OneCycleLR`` ``total_steps`` in ``state_dict()``; what
``configure_optimizers`` computed from the new ``max_steps`` is overwritten by
``load_state_dict``), and a run whose dataset or batch changed built its schedule for another total.
The cause detector :func:`lrviz.actual.runcauses.another_length` re-plans the config with another
value of that key through the planner attached here (``log.planner``, ``log.meta["length"]``), as the
TrainingArguments path re-plans ``max_steps`` (:mod:`lrviz.check.hf_release`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lrviz.errors import LrvizError

if TYPE_CHECKING:
    import numpy as np

    from lrviz.actual import ActualLog
    from lrviz.sources.load import Loaded

#: The parameter that is a torch scheduler's length, per scheduler (torch/optim/lr_scheduler.py).
LENGTH_KEYS = {
    "CosineAnnealingLR": "T_max",
    "LinearLR": "total_iters",
    "ConstantLR": "total_iters",
    "PolynomialLR": "total_iters",
    "OneCycleLR": "total_steps",
    # transformers' schedules (hf.<type>): a LambdaLR of the total, rebuilt with the new one after a resume
    **{
        f"hf.{t}": "num_training_steps"
        for t in ("linear", "cosine", "cosine_with_restarts", "polynomial", "cosine_with_min_lr")
    },  # fmt: skip
}


def _one_schedule(data: Mapping[str, Any]) -> dict[str, Any] | None:
    """The mapping holding ``scheduler`` and ``params`` of a config with one schedule, else None."""
    if "scheduler" in data and "schedules" not in data:
        return dict(data)
    schedules = data.get("schedules")
    if isinstance(schedules, list) and len(schedules) == 1 and isinstance(schedules[0], dict):
        return dict(schedules[0])
    return None


def attach(loaded: list[Loaded], logs: list[ActualLog]) -> list[ActualLog]:
    """The logs, each without a planner given one for the first config when it is an lrviz config of one schedule
    with a length key."""
    from lrviz.sources.files import read_mapping

    first = loaded[0] if loaded else None
    if first is None or first.kind != "lrviz" or first.config.source is None or not logs:
        return logs
    try:
        data = read_mapping(Path(str(first.config.source)))
    except LrvizError:
        return logs
    schedule = _one_schedule(data)
    key = LENGTH_KEYS.get(str(schedule.get("scheduler"))) if schedule else None
    params = schedule.get("params") if schedule else None
    if key is None or not isinstance(params, dict) or not isinstance(params.get(key), int):
        return logs
    length = {"key": key, "value": int(params[key])}
    replan = _planner(data, key)
    return [
        dataclasses.replace(log, planner=replan, meta={**log.meta, "length": length}) if log.planner is None else log
        for log in logs
    ]


def _planner(data: dict[str, Any], key: str) -> Any:
    def replan(overrides: Mapping[str, Any]) -> np.ndarray | None:
        from lrviz.check.actual import plan_trajectories
        from lrviz.validate import load_config

        value = overrides.get("max_steps")
        if not isinstance(value, int):
            return None
        changed = dict(data)
        if "schedules" in changed:
            one = dict(changed["schedules"][0])
            one["params"] = {**one["params"], key: value}
            changed["schedules"] = [one]
        else:
            changed["params"] = {**changed["params"], key: value}
        try:
            trajectories = plan_trajectories(load_config(changed))
        except LrvizError:
            return None
        return trajectories[0].lr[:, 0] if trajectories else None

    return replan


__all__ = ["LENGTH_KEYS", "attach"]
