"""Scheduler factories -> a :class:`~lrviz.spec.Config`, checked like a written config.

A factory (``make(optimizer) -> scheduler``, :class:`lrviz.registry.factory.Factory`)
has no config around it, so what a config would say comes from the caller: the run's
length (``steps``, required: nothing else knows it), ``steps_per_epoch``, ``interval``,
``device``, a ReduceLROnPlateau ``metric``, and the dummy optimizer, described

* by ``optimizer=``: a mapping as in a config's ``optimizer:`` block (``name``, its
  keywords, ``param_groups``), checked by :func:`~lrviz.validate.optimizer.validate_optimizer`
  with the same key paths; a bare name (``"AdamW"``) is ``{name: AdamW}``; none is the
  config default, SGD(lr=0.1, momentum=0.9);
* or copied from a real optimizer with ``like=opt`` (:func:`optimizer_like`), on the
  device of its parameters unless ``device=`` says otherwise (:func:`device_of`).

Each factory becomes a schedule whose spec's maker is the factory, so build, step and
check treat it as any other. Labels: the given ones (a mapping's keys), else the
function's name, made unique; a lambda, which has none, is named after the class of the
scheduler it returns. Every factory is called once here, on a dummy optimizer, so one
that fails or returns something that is not a scheduler is reported before anything runs.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from lrviz.build import build_optimizer, build_scheduler
from lrviz.errors import ConfigError, describe
from lrviz.limits import MAX_GROUPS, MAX_SCHEDULES, MAX_STEPS
from lrviz.registry.adapter import StepAdapter, is_torch_scheduler
from lrviz.registry.factory import Factory, factory_name, made_name
from lrviz.registry.signature import signature_params
from lrviz.registry.torch_classes import torch_optimizers
from lrviz.spec import Config, OptimizerSpec, Schedule, SchedulerSpec
from lrviz.validate.checks import check_device, check_values, math_text, one_line, positive_int, text
from lrviz.validate.metric import resolve_metric
from lrviz.validate.optimizer import validate_optimizer
from lrviz.validate.schedule import INTERVALS, unique_labels

#: A factory and its label (None: named after the function).
Labelled = tuple[str | None, Callable[[Any], Any]]


def validate_factories(
    factories: Sequence[Labelled],
    *,
    steps: Any = None,
    steps_per_epoch: Any = None,
    device: Any = None,
    optimizer: Any = None,
    like: Any = None,
    interval: Any = None,
    metric: Any = None,
    title: Any = None,
) -> Config:
    """A config whose schedules are ``factories``, in order (see the module docstring)."""
    if steps is None:
        raise ConfigError(
            "a scheduler factory has no config to say how long the run is: pass steps=N (optimizer steps)",
            key="steps",
        )
    n = positive_int(steps, "steps", limit=MAX_STEPS)
    spe = positive_int(1 if steps_per_epoch is None else steps_per_epoch, "steps_per_epoch", limit=MAX_STEPS)
    how = "step" if interval is None else interval
    if how not in INTERVALS:
        raise ConfigError(f"expected 'step' or 'epoch', got {describe(how)}", key="interval")
    if not factories or len(factories) > MAX_SCHEDULES:
        raise ConfigError(f"expected 1 to {MAX_SCHEDULES} scheduler factories, got {len(factories)}", key="source")
    opt = _optimizer(optimizer, like)
    check_values(n, len(opt.param_groups), len(factories))
    config = Config(
        steps=n,
        steps_per_epoch=spe,
        device=check_device(device if device is not None else (device_of(like) if like is not None else "cpu")),
        optimizer=opt,
        schedules=[],
        title=None if title is None else math_text(text(title, "title"), "title"),
    )
    several = len(factories) > 1
    for i, (label, fn) in enumerate(factories):
        config.schedules.append(_schedule(config, label, fn, f"schedules[{i}]" if several else "", how, metric))
    unique_labels(config.schedules)
    if config.title is None:  # a figure's title otherwise falls back to a file name, which a factory has not
        labels = " vs ".join(s.label for s in config.schedules)
        several_math = "$" in labels and len(config.schedules) > 1  # "$" of two labels would pair up as math
        config.title = labels if len(labels) <= 80 and not several_math else f"{len(config.schedules)} schedules"
    if metric is not None and all(s.feed is None for s in config.schedules):
        raise ConfigError(
            "no factory returns a scheduler that reads a metric (only ReduceLROnPlateau, or a timm-style "
            "scheduler, does); remove metric=",
            key="metric",
        )
    return config


def _optimizer(optimizer: Any, like: Any) -> OptimizerSpec:
    if like is not None and optimizer is not None:
        raise ConfigError("give optimizer= (a description) or like= (a real optimizer to copy), not both", key="like")
    if like is not None:
        return optimizer_like(like)
    return validate_optimizer({"name": optimizer} if isinstance(optimizer, str) else optimizer)


def _schedule(config: Config, label: Any, fn: Any, key: str, interval: str, metric: Any) -> Schedule:
    """One factory as a schedule, after a trial build that names a lambda and checks the result."""
    lkey = f"{key}.label" if key else "label"
    if not callable(fn):
        raise ConfigError(f"expected a scheduler factory make(optimizer) -> scheduler, got {describe(fn)}", key=key)
    name = factory_name(fn)
    maker = Factory(fn, name, key=key, updates_per_epoch=config.steps_per_epoch if interval == "step" else None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the simulation records torch's warnings, once
        made = build_scheduler(SchedulerSpec(name, "factory", maker, {}, key), build_optimizer(config, "cpu"))
    if name == "<lambda>":
        name = maker.name = made_name(made)
    label_text = "" if label is None else one_line(label, lkey)
    if label is not None and (not label_text or len(label_text) > 200):
        raise ConfigError("a label must have 1 to 200 characters", key=lkey)
    schedule = Schedule(
        label=math_text(label_text, lkey),
        scheduler=name,
        params={},
        spec=SchedulerSpec(name, "factory", maker, {}, key),
        interval=interval,
        metric=metric if _reads_metric(made) else None,
        key=key,
    )
    if _is_plateau(made) and metric is None:
        raise ConfigError(
            f"{name} returns a ReduceLROnPlateau, which needs a metric: pass metric= a list of values, "
            "{'expr': ..., 'noise': ..., 'seed': ...} or {'csv': file, 'column': name}",
            key="metric",
        )
    if schedule.metric is not None:
        schedule.feed = resolve_metric(
            metric, "metric", scheduler_steps=config.scheduler_steps(schedule), base_dir=Path.cwd(), trust=True
        )
    return schedule


def _is_plateau(made: Any) -> bool:
    from torch.optim.lr_scheduler import ReduceLROnPlateau

    return isinstance(made, ReduceLROnPlateau)


def _reads_metric(made: Any) -> bool:
    """ReduceLROnPlateau, or an object lrviz drives (timm's schedulers take ``metric=``)."""
    return _is_plateau(made) or isinstance(made, StepAdapter) or not is_torch_scheduler(made)


# --------------------------------------------------------------------------- like=


def optimizer_like(opt: Any) -> OptimizerSpec:
    """The description of a dummy twin of ``opt``: same class, same param groups and hyperparameters.

    Only what the optimizer holds besides its parameters is read, and copied (tensors
    too: a scheduler fills a tensor lr in place), so the twin shares nothing with ``opt``,
    and a 1 GB model costs nothing: ``params`` is never touched. An lr a scheduler
    already attached to ``opt`` has changed is restored from the ``initial_lr`` it keeps,
    so the twin starts where ``opt`` started.
    """
    import torch

    if not isinstance(opt, torch.optim.Optimizer):
        raise ConfigError(f"like= takes a torch.optim.Optimizer to copy, got {describe(opt)}", key="like")
    cls = type(opt)
    torch_cls = torch_optimizers().get(cls.__name__)
    params, accepts_any = signature_params(cls.__init__)
    names = {p.name for p in params}
    kwargs = {k: _copied(v) for k, v in opt.defaults.items() if accepts_any or k in names}
    if len(opt.param_groups) > MAX_GROUPS:
        raise ConfigError(
            f"{len(opt.param_groups)} param groups is above the limit of {MAX_GROUPS}", key="like.param_groups"
        )
    groups: list[dict[str, Any]] = []
    used: set[str] = set()
    for i, group in enumerate(opt.param_groups):
        values = {k: _copied(v) for k, v in group.items() if k not in ("params", "initial_lr", "name")}
        if "initial_lr" in group:
            values["lr"] = _copied(group["initial_lr"])
        groups.append({"name": _group_name(group.get("name"), i, used), **values})
    return OptimizerSpec(
        name=cls.__name__ if torch_cls is cls else f"{cls.__module__}.{cls.__qualname__}",
        kwargs=kwargs,
        param_groups=groups,
        cls=None if torch_cls is cls else cls,
    )


def device_of(opt: Any) -> str:
    """Where ``opt``'s parameters live, as a config names a device: the twin's default.

    On the user's GPU, the twin's tensor hyperparameters (a capturable optimizer's) and
    its dummy parameters agree as the user's do. Only the first parameter's ``device``
    is read. A device lrviz does not simulate on (``meta``, ``xla``) gives cpu.
    """
    for group in getattr(opt, "param_groups", ()):
        for param in group.get("params", ()):
            device = param.device
            if device.type == "cuda":
                return f"cuda:{device.index or 0}"
            return "mps" if device.type == "mps" else "cpu"
    return "cpu"


def _group_name(raw: Any, i: int, used: set[str]) -> str:
    key = f"like.param_groups[{i}].name"
    base = math_text(one_line(raw, key, strip=False), key) if isinstance(raw, str) and raw.strip() else f"group{i}"
    name, n = base, 1
    while name in used:
        n += 1
        name = f"{base} ({n})"
    used.add(name)
    return name


def _copied(value: Any) -> Any:
    """Containers and tensors copied, so nothing of the user's optimizer is shared."""
    import torch

    if isinstance(value, torch.Tensor):
        return value.detach().clone()
    if isinstance(value, dict):
        return {k: _copied(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_copied(v) for v in value) if type(value) in (list, tuple) else value
    return value
