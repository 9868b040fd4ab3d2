"""torchtune's schedule functions, by name: ``torchtune.get_cosine_schedule_with_warmup``...

A torchtune recipe config says ``lr_scheduler: {_component_:
torchtune.training.lr_schedulers.get_cosine_schedule_with_warmup, num_warmup_steps: 100}``;
the recipe (``recipes/full_finetune_single_device.py`` and the others, ``_setup_lr_scheduler``)
builds it as::

    lr_scheduler = config.instantiate(
        cfg_lr_scheduler,
        optimizer,
        num_training_steps=num_training_steps,
        last_epoch=last_epoch,
    )

and calls ``self._lr_scheduler.step()`` after every optimizer step. ``torchtune.<function>``
makes that call with torchtune's own function (a torch ``LambdaLR`` comes back, stepped as
torch schedulers are). The functions are found in ``torchtune.training.lr_schedulers`` at
run time: those the recipes can call, taking ``optimizer`` first and ``num_training_steps``.

Importing torchtune (which imports torchao) takes seconds, so it happens only when such a
name is looked up or listed. It imports code lrviz names, never code a config names: no
``--trust``. Without torchtune a clear error says what to install.
"""

from __future__ import annotations

import importlib
import inspect
import logging
from pathlib import Path
from typing import Any

from lrviz.errors import ConfigError, did_you_mean, first_line
from lrviz.registry.kind import SchedulerInfo
from lrviz.registry.writing import Code, Writing, with_optimizer

PREFIX = "torchtune."
MODULE = "torchtune.training.lr_schedulers"


def lr_schedulers(key: str | None = None) -> Any:
    """``torchtune.training.lr_schedulers``, or an error saying what to install."""
    from lrviz.registry.frameworks import FrameworkMissing

    before = logging.root.manager.disable
    logging.disable(logging.WARNING)  # torchao's import-time notes are not lrviz's output
    try:
        return importlib.import_module(MODULE)
    except Exception as exc:
        raise FrameworkMissing(
            "torchtune schedules are built by torchtune's own functions, and importing "
            f"{MODULE} failed ({first_line(exc, with_type=True)}); install it with: pip install 'lrviz[torchtune]'",
            key=key,
        ) from None
    finally:
        logging.disable(before)


def functions(module: Any) -> dict[str, Any]:
    """The module's schedule functions a recipe can call: ``fn(optimizer, ..., num_training_steps, ...)``."""
    out = {}
    for name, fn in vars(module).items():
        if name.startswith("_") or not inspect.isfunction(fn) or fn.__module__ != module.__name__:
            continue
        params = list(inspect.signature(fn).parameters)
        if params[:1] == ["optimizer"] and "num_training_steps" in params:
            out[name] = fn
    return dict(sorted(out.items()))


class TorchtuneMaker:
    """``make(optimizer, **params)``: torchtune's function called as the recipe calls it; picklable by name."""

    def __init__(self, function: str):
        self.function = function

    def __call__(self, optimizer: Any, **params: Any) -> Any:
        return getattr(lr_schedulers(), self.function)(optimizer, **params)

    def __reduce__(self) -> tuple[Any, ...]:
        return (TorchtuneMaker, (self.function,))


class TorchtuneKind:
    """``torchtune.<function>``: torchtune's schedule functions, stepped once per optimizer step."""

    name = "torchtune"

    def claims(self, name: str) -> bool:
        return name.startswith(PREFIX)

    def lookup(self, name: str, *, key: str | None, base_dir: Path | None, trust: bool) -> SchedulerInfo:
        from lrviz.registry.docs import summary
        from lrviz.registry.signature import signature_params

        function = name[len(PREFIX) :]
        known = functions(lr_schedulers(key))
        if function not in known:
            raise ConfigError(
                f"torchtune has no schedule function {function!r}{did_you_mean(function, known)}; "
                f"{MODULE} has {', '.join(known) or 'none'}",
                key=key,
            )
        fn = known[function]
        params, accepts_any = signature_params(fn, skip_first=True)
        return SchedulerInfo(
            name=name,
            kind=self.name,
            make=TorchtuneMaker(function),
            params=params,
            accepts_any=accepts_any,
            summary=f"torchtune's {function}: {summary(fn.__doc__)}",
            doc=inspect.getdoc(fn) or "",
            fills={"num_training_steps": "scheduler_steps"},  # the recipe passes it: epochs x steps per epoch
        )

    def catalogue(self) -> dict[str, SchedulerInfo]:
        """Every ``torchtune.*`` name, when torchtune is importable."""
        try:
            module = lr_schedulers()
        except ConfigError:
            return {}
        return {
            f"{PREFIX}{f}": self.lookup(f"{PREFIX}{f}", key=None, base_dir=None, trust=False) for f in functions(module)
        }

    def code(self, writing: Writing) -> Code:
        """torchtune's function, as its recipes call it: ``step()`` after ``optimizer.step()``."""
        function = writing.type_name
        return Code(with_optimizer(writing, function), imports=(f"from {MODULE} import {function}",))
