"""``plan()``: a framework file (or its parsed mapping) -> :class:`~lrviz.sources.plan.Plan`.

Apart from the package's ``__init__`` so :mod:`~lrviz.sources.load` can call it without
importing the package that imports it (no cycle).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lrviz.errors import ConfigError, LrvizError
from lrviz.sources.files import KINDS, check_kind, detect, read_mapping
from lrviz.sources.plan import Plan

#: kind -> module whose ``plan(data, *, dataset_size, world_size, source)`` reads that kind.
PLANNERS = {
    "hf": "lrviz.sources.hf",
    "timm": "lrviz.sources.timm",
    "torchvision": "lrviz.sources.torchvision",
    "hydra": "lrviz.sources.hydra",
    "deepspeed": "lrviz.sources.deepspeed",
    "megatron": "lrviz.sources.megatron",
    "lightningcli": "lrviz.sources.lightningcli",
    "torchtune": "lrviz.sources.torchtune",
    "mmengine": "lrviz.sources.mmengine",
}
#: Kinds whose planner is told whether the user passed ``--trust``: LightningCLI's parser imports each
#: class_path while reading; torchtune's planner refuses code by the file's own key.
TRUSTING = frozenset({"lightningcli", "torchtune"})


def plan(
    path_or_mapping: str | Path | Mapping[str, Any],
    *,
    kind: str | None = None,
    dataset_size: int | None = None,
    world_size: int = 1,
    source: str | None = None,
    transformers_version: str | None = None,
    trust: bool = False,
) -> Plan:
    """Read a framework file (or its parsed mapping) into a :class:`Plan`.

    ``kind`` forces the kind (``--from``); by default it is detected from the keys.
    ``dataset_size`` / ``world_size`` are what the file does not hold (``--dataset-size``,
    ``--world-size``). ``transformers_version``: the release whose rules plan a TrainingArguments
    file (``--transformers-version``; other kinds ignore it). Every problem is one
    :class:`~lrviz.errors.LrvizError` naming the file and the key (or the option).
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
        extra: dict[str, Any] = (
            {"transformers_version": transformers_version} if kind == "hf" and transformers_version else {}
        )
        if kind in TRUSTING:
            extra["trust"] = trust
        planned: Plan = module.plan(data, dataset_size=dataset_size, world_size=world_size, source=source, **extra)
        return planned
    except LrvizError as exc:  # the file's name on every message, the key where the planner knew it
        raise exc.located(file=source) from None
