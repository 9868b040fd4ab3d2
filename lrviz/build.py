"""Build: the one place a fresh optimizer and scheduler are made from a config.

Simulation, the resume check and benchmarks all call :func:`build`, so they see the
same objects a training script would: a real ``torch.optim`` optimizer with the
configured parameter groups over dummy parameters on the chosen device, and the real
scheduler built with the config's params.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lrviz.errors import SimulationError, first_line, key_join
from lrviz.registry import BuildContext, build_scheduler, torch_optimizers

if TYPE_CHECKING:
    from lrviz.config import Config, Schedule

#: A 2-D dummy parameter: the smallest shape every torch optimizer accepts (Muon needs 2-D).
DUMMY_SHAPE = (2, 2)


def build_optimizer(config: "Config", device: str):
    """A fresh optimizer with one dummy parameter per configured group."""
    import torch

    spec = config.optimizer
    cls = torch_optimizers()[spec.name]
    groups = []
    for g in spec.param_groups:
        param = torch.zeros(DUMMY_SHAPE, device=device, requires_grad=True)
        groups.append({"params": [param], **g})
    try:
        return cls(groups, **spec.kwargs)
    except Exception as exc:
        raise SimulationError(f"torch.optim.{spec.name} refused these settings: {first_line(exc)}", key="optimizer") from exc


def build(config: "Config", schedule: "Schedule", device: str) -> tuple[Any, Any, list[float] | None]:
    """Return ``(optimizer, scheduler, metric)`` for one schedule, all fresh.

    ``metric`` is the list of values fed to ``ReduceLROnPlateau.step`` (None otherwise).
    """
    optimizer = build_optimizer(config, device)
    ctx = BuildContext(config.scheduler_steps(schedule), config.base_dir, config.trust, optimizer)
    scheduler = build_scheduler(schedule.scheduler, schedule.params, key=schedule.key, ctx=ctx)
    metric = None
    if schedule.metric is not None:
        from lrviz.metric import metric_values

        metric = metric_values(
            schedule.metric, config.scheduler_steps(schedule), key_join(schedule.key, "metric"), config
        )
    return optimizer, scheduler, metric
