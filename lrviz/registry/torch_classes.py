"""The installed torch's scheduler and optimizer classes, discovered at run time.

Every public class of ``torch.optim.lr_scheduler`` that is an ``LRScheduler`` (plus
``ReduceLROnPlateau``) is a scheduler a config can name, with the parameters of its
own ``__init__``; every ``torch.optim.Optimizer`` subclass is an optimizer. A torch
release that adds a class adds it to lrviz without a change here.
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lrviz.registry.docs import per_group, summary
from lrviz.registry.kind import SchedulerInfo
from lrviz.registry.signature import signature_params
from lrviz.registry.writing import Code, Writing, call, keywords


@dataclass(frozen=True)
class Construct:
    """``make(optimizer, **params)`` for a torch class. The optimizer goes by keyword:
    every torch scheduler names it ``optimizer``, and ChainedScheduler takes it second."""

    cls: type[Any]

    def __call__(self, optimizer: Any, **kwargs: Any) -> Any:
        return self.cls(optimizer=optimizer, **kwargs)


#: What lrviz fills in from the run for a torch class the config leaves it out of, as for
#: the presets' num_training_steps (:attr:`SchedulerInfo.fills`), and what the config
#: gives instead when it chose otherwise. OneCycleLR needs its length, and the run's
#: number of scheduler steps is the length that completes the cycle.
FILLS: dict[str, tuple[dict[str, str], dict[str, tuple[str, ...]]]] = {
    "OneCycleLR": ({"total_steps": "scheduler_steps"}, {"total_steps": ("epochs", "steps_per_epoch")}),
}


@functools.cache
def torch_schedulers() -> dict[str, SchedulerInfo]:
    """Every public scheduler class of the installed torch, by name."""
    from torch.optim import lr_scheduler as L

    found: dict[str, SchedulerInfo] = {}
    for name, obj in sorted(vars(L).items()):
        if name.startswith("_") or not inspect.isclass(obj) or obj is L.LRScheduler:
            continue
        if not (issubclass(obj, L.LRScheduler) or name == "ReduceLROnPlateau"):
            continue
        params, accepts_any = signature_params(obj.__init__)
        fills, unless = FILLS.get(name, ({}, {}))
        found[name] = SchedulerInfo(
            name=name,
            kind="torch",
            make=Construct(obj),
            params=params,
            accepts_any=accepts_any,
            summary=summary(obj.__doc__),
            doc=inspect.cleandoc(obj.__doc__ or ""),
            fills=fills,
            fill_unless=unless,
            per_group_reader=functools.partial(per_group, obj),
        )
    return found


@functools.cache
def torch_optimizers() -> dict[str, type[Any]]:
    """Every optimizer class of the installed torch, by name."""
    import torch

    return {
        name: obj
        for name, obj in sorted(vars(torch.optim).items())
        if inspect.isclass(obj) and issubclass(obj, torch.optim.Optimizer) and obj is not torch.optim.Optimizer
    }


class TorchKind:
    """CamelCase names: the classes of ``torch.optim.lr_scheduler``."""

    name = "torch"

    def claims(self, name: str) -> bool:
        return name[:1].isupper()

    def lookup(self, name: str, *, key: str | None, base_dir: Path | None, trust: bool) -> SchedulerInfo | None:
        return torch_schedulers().get(name)

    def catalogue(self) -> dict[str, SchedulerInfo]:
        return torch_schedulers()

    def code(self, writing: Writing) -> Code:
        """``StepLR(optimizer, step_size=3)``; ``ChainedScheduler([...], optimizer=optimizer)`` (it takes it second)."""
        name = writing.spec.name
        cls = getattr(writing.spec.make, "cls", None)
        first = next((p for p in inspect.signature(cls.__init__).parameters if p != "self"), None) if cls else None
        args = keywords(writing.kwargs)
        made = (
            call(name, "optimizer", *args) if first in (None, "optimizer") else call(name, *args, "optimizer=optimizer")
        )
        return Code(made, imports=(f"from torch.optim.lr_scheduler import {name}",))
