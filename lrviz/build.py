"""Build: the one place a fresh optimizer and scheduler are made.

Simulation, the resume check, validation's trial and benchmarks all call
:func:`build`, so they see the objects a training script would: a real
``torch.optim`` optimizer with the configured param groups over dummy parameters on
the chosen device, and the real scheduler made by its spec's maker with the spec's
keywords. The spec was resolved by validation (:mod:`lrviz.validate`); nothing is
checked again here. Each build gets fresh objects: nested schedulers are built on
this optimizer, expressions become new functions, lists are new lists.

A maker may return any object with ``step()``; what is not a torch scheduler is
wrapped by :class:`~lrviz.registry.adapter.StepAdapter`, so stepping is the same for all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lrviz.dynamo import no_dynamo_import
from lrviz.errors import LrvizError, SimulationError, first_line, key_join
from lrviz.metric import metric_values
from lrviz.parse.expr import Expression
from lrviz.refusals import named_param, translate
from lrviz.registry.adapter import adapt
from lrviz.registry.torch_classes import torch_optimizers
from lrviz.spec import SchedulerSpec

if TYPE_CHECKING:
    from torch.optim import Optimizer

    from lrviz.spec import Config, Schedule

#: A 2-D dummy parameter: the smallest shape every torch optimizer accepts (Muon needs 2-D).
DUMMY_SHAPE = (2, 2)


def build_optimizer(config: Config, device: str) -> Optimizer:
    """A fresh optimizer with one dummy parameter per configured group."""
    import torch

    spec = config.optimizer
    cls = spec.cls or torch_optimizers()[spec.name]
    groups = []
    for g in spec.param_groups:
        param = torch.zeros(DUMMY_SHAPE, device=device, requires_grad=True)
        groups.append({"params": [param], **fresh(g)})
    try:
        with no_dynamo_import():  # torch's wrappers import torch._dynamo (1 s) for nothing here
            optimizer: Optimizer = cls(groups, **fresh(spec.kwargs))
    except Exception as exc:
        raise SimulationError(
            f"torch.optim.{spec.name} refused these settings: {first_line(exc)}", key="optimizer"
        ) from exc
    return optimizer


#: Optimizers whose step always decouples weight decay (``param.mul_(1 - lr * weight_decay)``
#: in torch/optim/_adafactor.py and _muon.py); the others say so in their groups
#: (``decoupled_weight_decay``: AdamW, and Adam / NAdam / RAdam when asked).
ALWAYS_DECOUPLED = ("Adafactor", "Muon")


def decoupled_decay(optimizer: Any) -> bool:
    """Whether ``optimizer`` applies weight decay as ``p *= 1 - lr * wd`` (decoupled) rather than as an L2 term."""
    if type(optimizer).__name__ in ALWAYS_DECOUPLED:
        return True
    return any(bool(g.get("decoupled_weight_decay", False)) for g in optimizer.param_groups)


def build_scheduler(spec: SchedulerSpec, optimizer: Any) -> Any:
    """The scheduler ``spec`` describes, on ``optimizer`` (nested schedulers built first, in order)."""
    kwargs = {name: _materialize(value, optimizer) for name, value in spec.kwargs.items()}
    try:
        made = spec.make(optimizer, **kwargs)
    except LrvizError:  # already located, e.g. an lr_lambda failing when torch calls it at step 0
        raise
    except Exception as exc:  # torch validates its own arguments: say where
        where, message = translate(first_line(exc))
        if where is None:
            named = named_param(message, [n.key.rsplit(".", 1)[-1] for n in spec.notes])
            where = key_join("params", named) if named else None
        raise SimulationError(
            f"{spec.name} refused these params: {message}", key=key_join(spec.key, where or "params")
        ) from exc
    return adapt(made, optimizer, name=spec.name, key=key_join(spec.key, "scheduler"))


def build(config: Config, schedule: Schedule, device: str) -> tuple[Any, Any, list[float] | None]:
    """Return ``(optimizer, scheduler, metric)`` for one schedule, all fresh.

    ``metric`` is the list of values fed to ``ReduceLROnPlateau.step`` (None otherwise).
    """
    optimizer = build_optimizer(config, device)
    scheduler = build_scheduler(schedule.spec, optimizer)
    metric = metric_values(schedule.feed, config.scheduler_steps(schedule)) if schedule.feed is not None else None
    return optimizer, scheduler, metric


def fresh(value: Any) -> Any:
    """A copy of the containers (and tensors) in a validated value, so no two builds share
    a list torch may keep or a tensor lr a scheduler fills in place (``like=`` copies those)."""
    import torch

    if isinstance(value, torch.Tensor):
        return value.detach().clone()
    if isinstance(value, dict):
        return {k: fresh(v) for k, v in value.items()}
    if isinstance(value, list):
        return [fresh(v) for v in value]
    if isinstance(value, tuple):
        return tuple(fresh(v) for v in value)
    return value


def _materialize(value: Any, optimizer: Any) -> Any:
    """A resolved value as torch takes it: nested specs built, expressions made functions."""
    if isinstance(value, SchedulerSpec):
        return build_scheduler(value, optimizer)
    if isinstance(value, Expression):
        return value.function()
    if isinstance(value, dict):
        return {k: _materialize(v, optimizer) for k, v in value.items()}
    if isinstance(value, list):
        return [_materialize(v, optimizer) for v in value]
    if isinstance(value, tuple):
        return tuple(_materialize(v, optimizer) for v in value)
    return value
