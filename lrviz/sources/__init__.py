"""Framework sources: read the config a framework trains from, get the schedule it will run.

People keep their schedules in the config of the framework that trains: a Hugging Face
``TrainingArguments`` file, timm's ``args.yaml``, a torchvision classification recipe.
This package reads those files (as data: nothing in them is imported or run), does
the step arithmetic the framework would do (examples, batch x accumulation x world
size, updates per epoch, epochs, total optimizer steps, warmup), and returns a
:class:`Plan`: the equivalent lrviz config (a dict in lrviz's YAML format) plus every
number of the arithmetic with the rule that produced it.

>>> from lrviz.sources import plan
>>> p = plan({"sched": "step", "epochs": 4, "decay_epochs": 2, "warmup_epochs": 0})  # doctest: +SKIP
>>> p.kind, p.config["schedules"][0]["scheduler"]  # doctest: +SKIP
('timm', 'timm.step')

:func:`load_source` is the one function that turns any file into a validated config
(an lrviz config, or a framework file through :func:`plan`); the CLI, the gallery and
the Python API all read paths through it (:mod:`~lrviz.sources.load`).

One module per framework (:mod:`~lrviz.sources.hf`, :mod:`~lrviz.sources.timm`,
:mod:`~lrviz.sources.torchvision`), all with the same ``plan(data, *, dataset_size,
world_size, source) -> Plan``, found through :data:`PLANNERS`; the schedulers the
frameworks build themselves live in :mod:`~lrviz.registry.frameworks`.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lrviz.errors import ConfigError, LrvizError
from lrviz.sources.files import KINDS, NAMES, check_kind, detect, read_mapping
from lrviz.sources.load import Loaded, load_source
from lrviz.sources.plan import Plan, Row

#: kind -> module whose ``plan(data, *, dataset_size, world_size, source)`` reads that kind.
PLANNERS = {"hf": "lrviz.sources.hf", "timm": "lrviz.sources.timm", "torchvision": "lrviz.sources.torchvision"}

__all__ = ["KINDS", "NAMES", "PLANNERS", "Loaded", "Plan", "Row", "detect", "load_source", "plan", "read_mapping"]


def plan(
    path_or_mapping: str | Path | Mapping[str, Any],
    *,
    kind: str | None = None,
    dataset_size: int | None = None,
    world_size: int = 1,
    source: str | None = None,
) -> Plan:
    """Read a framework file (or its parsed mapping) into a :class:`Plan`.

    ``kind`` forces the kind (``--from``); by default it is detected from the keys.
    ``dataset_size`` / ``world_size`` are what the file does not hold (``--dataset-size``,
    ``--world-size``). Every problem is one :class:`~lrviz.errors.LrvizError` naming the
    file and the key (or the option).
    """
    if isinstance(path_or_mapping, Mapping):
        data = dict(path_or_mapping)
    else:
        source = source or str(path_or_mapping)
        data = read_mapping(path_or_mapping)
    try:
        if kind is None:
            kind = detect(data)
        elif kind not in KINDS:
            raise ConfigError(f"unknown kind {kind!r}; --from takes {', '.join(KINDS)}")
        else:
            check_kind(data, kind)
        if kind == "lrviz":
            raise ConfigError("this is an lrviz config already: load it with lrviz.validate.load_config")
        module = importlib.import_module(PLANNERS[kind])
        planned: Plan = module.plan(data, dataset_size=dataset_size, world_size=world_size, source=source)
        return planned
    except LrvizError as exc:  # the file's name on every message, the key where the planner knew it
        raise exc.located(file=source) from None
