"""Export: trajectories as long-form CSV or as JSON with the resolved config.

Floats are written with ``repr`` (shortest round-trip form), so a value such as
0.010000000000000002 printed by the seed articles reads back bit for bit.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lrviz.simulate import Result

CSV_HEADER = ("schedule", "group", "step", "lr", "momentum")


def _csv_field(text: str) -> str:
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def to_csv(results: "list[Result] | Result") -> str:
    """Long form: one row per schedule, group and step; momentum empty where absent."""
    if not isinstance(results, list):
        results = [results]
    out = [",".join(CSV_HEADER)]
    for result in results:
        for t in result.trajectories:
            label = _csv_field(t.label)
            for j, group in enumerate(t.groups):
                prefix = f"{label},{_csv_field(group)},"
                lrs = t.lr[:, j].tolist()
                moms = t.momentum[:, j].tolist() if t.momentum is not None else None
                if moms is None:
                    out.extend(f"{prefix}{i},{lr!r}," for i, lr in enumerate(lrs))
                else:
                    out.extend(f"{prefix}{i},{lr!r},{m!r}" for i, (lr, m) in enumerate(zip(lrs, moms)))
    return "\n".join(out) + "\n"


def _finite_or_none(values: list[float]) -> list[float | None]:
    return [v if math.isfinite(v) else None for v in values]


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if callable(value):
        return getattr(value, "source", getattr(value, "__name__", repr(value)))
    return repr(value)


def resolved_config(result: "Result") -> dict[str, Any]:
    """The config as simulated, with defaults filled in from torch's signatures."""
    import inspect

    from lrviz.registry import torch_optimizers, torch_schedulers

    cfg = result.config
    opt_cls = torch_optimizers()[cfg.optimizer.name]
    opt_defaults = {
        name: p.default
        for name, p in inspect.signature(opt_cls.__init__).parameters.items()
        if name not in ("self", "params") and p.default is not inspect.Parameter.empty
    }
    optimizer = {"name": cfg.optimizer.name, **opt_defaults, **cfg.optimizer.kwargs}
    optimizer["param_groups"] = [dict(g) for g in cfg.optimizer.param_groups]
    schedules = []
    for s in cfg.schedules:
        info = torch_schedulers().get(s.scheduler)
        params = dict(s.params)
        if info is not None:
            params = {p.name: p.default for p in info.params if not p.required} | params
        schedules.append(
            {"label": s.label, "scheduler": s.scheduler, "params": params, "interval": s.interval, "metric": s.metric}
        )
    return _jsonable(
        {
            "title": cfg.title,
            "steps": cfg.steps,
            "steps_per_epoch": cfg.steps_per_epoch,
            "device": result.device,
            "optimizer": optimizer,
            "schedules": schedules,
        }
    )


def to_json(results: "list[Result] | Result") -> str:
    """JSON: versions, the resolved config, and per schedule and group the lr / momentum lists.

    Non-finite values (NaN, inf) are written as null, since JSON has no spelling for them.
    """
    import torch

    from lrviz import __version__

    single = not isinstance(results, list)
    items = [results] if single else results
    docs = []
    for result in items:
        docs.append(
            {
                "source": result.config.file,
                "config": resolved_config(result),
                "schedules": [
                    {
                        "label": t.label,
                        "scheduler": t.scheduler,
                        "interval": t.interval,
                        "groups": [
                            {
                                "name": g,
                                "lr": _finite_or_none(t.lr[:, j].tolist()),
                                "momentum": _finite_or_none(t.momentum[:, j].tolist()) if t.momentum is not None else None,
                            }
                            for j, g in enumerate(t.groups)
                        ],
                        "warnings": t.warnings,
                    }
                    for t in result.trajectories
                ],
            }
        )
    payload = {"lrviz": __version__, "torch": torch.__version__.split("+")[0]}
    payload.update(docs[0] if single else {"configs": docs})
    return json.dumps(payload, indent=1, allow_nan=False) + "\n"
