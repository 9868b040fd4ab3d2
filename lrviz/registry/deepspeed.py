"""DeepSpeed's schedulers, by their ``ds_config.json`` names: ``ds.WarmupDecayLR``, ``ds.OneCycle``...

A ``ds_config.json`` says ``"scheduler": {"type": "WarmupDecayLR", "params": {...}}``;
``DeepSpeedEngine._scheduler_from_config`` (deepspeed/runtime/engine.py) builds it as
``getattr(deepspeed.runtime.lr_schedules, type)(optimizer, **params)`` (a torch class of
that name when DeepSpeed has none), and ``_take_model_step`` calls
``lr_scheduler.step()`` after every optimizer step the engine applies (at each gradient
accumulation boundary; a step an fp16 overflow skips is not stepped, which lrviz does
not model). ``ds.<Type>`` makes the same call with DeepSpeed's own class, and
:class:`EngineStep` steps it as the engine does: ``step()``, with no argument (these
classes count their own ``last_batch_iteration``; lrviz's generic adapter would tell
them a step number, one too many).

DeepSpeed's classes are not torch schedulers: they write the lr (and OneCycle the
betas / momentum) into the optimizer's param groups themselves, already when built (the
start of their warmup). Importing them imports ``deepspeed``, which lrviz names, never
code a config names, so no ``--trust``; without DeepSpeed (``pip install deepspeed``)
a clear error says so.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lrviz.errors import ConfigError, did_you_mean, first_line
from lrviz.registry.adapter import StepAdapter
from lrviz.registry.kind import SchedulerInfo
from lrviz.registry.writing import Code, Writing, with_optimizer

PREFIX = "ds."
#: deepspeed.runtime.lr_schedules.VALID_LR_SCHEDULES of DeepSpeed 0.19 (the module decides; this feeds messages).
TYPES = ("LRRangeTest", "OneCycle", "WarmupLR", "WarmupDecayLR", "WarmupCosineLR")


def lr_schedules(key: str | None = None) -> Any:
    """``deepspeed.runtime.lr_schedules``, or an error saying what to install."""
    from lrviz.registry.frameworks import FrameworkMissing

    before = logging.root.manager.disable
    logging.disable(logging.WARNING)  # its logger's "Setting accelerator to CPU ..." on import, not lrviz's output
    try:
        return importlib.import_module("deepspeed.runtime.lr_schedules")
    except Exception as exc:
        raise FrameworkMissing(
            "DeepSpeed schedules are built by DeepSpeed's own classes, and importing deepspeed.runtime.lr_schedules "
            f"failed ({first_line(exc, with_type=True)}); install it with: pip install deepspeed",
            key=key,
        ) from None
    finally:
        logging.disable(before)


#: What every DeepSpeed warmup logs when built (a real run prints it too): not worth a warning line.
_BUILT = "Attempting to get learning rate from scheduler before it has started"


class _AsWarnings(logging.Handler):
    """DeepSpeed logs to stdout (which would land in ``lrviz export``'s CSV): its warnings become Python
    warnings instead, which lrviz reports like torch's."""

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.levelno >= logging.WARNING and _BUILT not in message:
            warnings.warn(f"DeepSpeed: {message}", UserWarning, stacklevel=2)


@contextlib.contextmanager
def _ds_logs() -> Iterator[None]:
    logger = logging.getLogger("DeepSpeed")
    handlers = logger.handlers
    logger.handlers = [_AsWarnings()]
    try:
        yield
    finally:
        logger.handlers = handlers


class EngineStep(StepAdapter):
    """A DeepSpeed scheduler stepped as ``DeepSpeedEngine._take_model_step`` steps it: ``step()``."""

    def step(self, metric: Any = None) -> None:
        self.count += 1
        with _ds_logs():
            self.method()  # the scheduler's own step (StepAdapter keeps it), with no argument, as the engine calls it


class DeepSpeedMaker:
    """``make(optimizer, **params)``: ``getattr(lr_schedules, type)(optimizer, **params)``; picklable by name."""

    def __init__(self, type_name: str):
        self.type_name = type_name

    def __call__(self, optimizer: Any, **params: Any) -> Any:
        cls = getattr(lr_schedules(), self.type_name)
        with _ds_logs():
            return EngineStep(cls(optimizer, **params), optimizer)

    def __reduce__(self) -> tuple[Any, ...]:
        return (DeepSpeedMaker, (self.type_name,))


def _class(name: str, key: str | None) -> Any:
    type_name = name[len(PREFIX) :]
    module = lr_schedules(key)
    known = tuple(getattr(module, "VALID_LR_SCHEDULES", TYPES))
    if type_name not in known or not inspect.isclass(getattr(module, type_name, None)):
        raise ConfigError(
            f"unknown DeepSpeed scheduler {type_name!r}{did_you_mean(type_name, known)}; DeepSpeed has "
            f"{', '.join(known)}",
            key=key,
        )
    return getattr(module, type_name)


class DeepSpeedKind:
    """``ds.<Type>``: DeepSpeed's scheduler classes, stepped as its engine steps them."""

    name = "deepspeed"

    def claims(self, name: str) -> bool:
        return name.startswith(PREFIX)

    def lookup(self, name: str, *, key: str | None, base_dir: Path | None, trust: bool) -> SchedulerInfo:
        from lrviz.registry.signature import signature_params

        cls = _class(name, key)
        params, accepts_any = signature_params(cls.__init__)
        from lrviz.registry.docs import summary

        doc = inspect.getdoc(cls) or ""
        return SchedulerInfo(
            name=name,
            kind=self.name,
            make=DeepSpeedMaker(name[len(PREFIX) :]),
            params=params,
            accepts_any=accepts_any,
            summary=f"DeepSpeed's {cls.__name__}: {summary(cls.__doc__)}",
            doc=doc,
        )

    def catalogue(self) -> dict[str, SchedulerInfo]:
        """Every ``ds.*`` name, when DeepSpeed is importable."""
        try:
            lr_schedules()
        except ConfigError:
            return {}
        return {f"{PREFIX}{t}": self.lookup(f"{PREFIX}{t}", key=None, base_dir=None, trust=False) for t in TYPES}

    def code(self, writing: Writing) -> Code:
        """DeepSpeed's class, stepped as its engine steps it: ``step()`` after ``optimizer.step()``."""
        type_name = writing.type_name
        return Code(
            with_optimizer(writing, type_name), imports=(f"from deepspeed.runtime.lr_schedules import {type_name}",)
        )
