"""Export: trajectories as long-form CSV or as JSON with the resolved config.

Floats are written with ``repr`` (shortest round-trip form), so a value such as
0.010000000000000002 printed by the seed articles reads back bit for bit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lrviz.jsonio import dumps, numbers, plain

if TYPE_CHECKING:
    from lrviz.simulate import Result, Trajectory
    from lrviz.sources import Plan

CSV_HEADER = ("schedule", "group", "step", "lr", "momentum")


def _csv_field(text: str) -> str:
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def to_csv(result: Result) -> str:
    """Long form: one row per schedule, group and step; momentum empty where absent."""
    out = [",".join(CSV_HEADER)]
    for t in result.trajectories:
        label = _csv_field(t.label)
        for j, group in enumerate(t.groups):
            prefix = f"{label},{_csv_field(group)},"
            lrs = t.lr[:, j].tolist()
            moms = t.momentum[:, j].tolist() if t.momentum is not None else None
            if moms is None:
                out.extend(f"{prefix}{i},{lr!r}," for i, lr in enumerate(lrs))
            else:
                out.extend(f"{prefix}{i},{lr!r},{m!r}" for i, (lr, m) in enumerate(zip(lrs, moms, strict=True)))
    return "\n".join(out) + "\n"


def resolved_config(result: Result) -> dict[str, Any]:
    """The config as simulated, with defaults filled in from torch's signatures."""
    import inspect

    from lrviz.registry.torch_classes import torch_optimizers, torch_schedulers

    cfg = result.config
    opt_cls = cfg.optimizer.cls or torch_optimizers()[cfg.optimizer.name]
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
        filled = s.spec.filled_values()  # what lrviz filled in from the run (OneCycleLR's total_steps...)
        schedules.append(
            {
                "label": s.label,
                "scheduler": s.scheduler,
                "params": params | filled,
                "filled_by_lrviz": filled,
                "interval": s.interval,
                "metric": s.metric,
            }
        )
    resolved: dict[str, Any] = plain(
        {
            "title": cfg.title,
            "steps": cfg.steps,
            "steps_per_epoch": cfg.steps_per_epoch,
            "device": result.device,
            "optimizer": optimizer,
            "schedules": schedules,
        }
    )
    return resolved


def _groups(t: Trajectory) -> list[dict[str, Any]]:
    return [
        {
            "name": g,
            "lr": numbers(t.lr[:, j].tolist()),
            "momentum": numbers(t.momentum[:, j].tolist()) if t.momentum is not None else None,
        }
        for j, g in enumerate(t.groups)
    ]


def to_json(result: Result, plan: Plan | None = None) -> str:
    """JSON: versions, the resolved config, and per schedule and group the lr / momentum lists.

    For a framework file, ``framework`` records what was read and the step arithmetic
    (:meth:`lrviz.sources.Plan.to_dict`: kind, summary, every number with how it was
    found, the equivalent lrviz config). NaN and infinities are spelled as
    :mod:`lrviz.jsonio` spells them ("nan", "inf", "-inf").
    """
    import torch

    from lrviz._version import __version__

    doc = {
        "lrviz": __version__,
        "torch": torch.__version__.split("+")[0],
        "source": result.config.file,
        **({"framework": plan.to_dict()} if plan is not None else {}),
        "config": resolved_config(result),
        "schedules": [
            {
                "label": t.label,
                "scheduler": t.scheduler,
                "interval": t.interval,
                "groups": _groups(t),
                "warnings": t.warnings,
            }
            for t in result.trajectories
        ],
    }
    return dumps(doc, indent=1)
