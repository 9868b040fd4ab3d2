"""The ``optimizer:`` block: a torch.optim class, its keywords, and the param groups."""

from __future__ import annotations

from typing import Any

from lrviz.errors import ConfigError, by_any_case, describe, did_you_mean, key_join
from lrviz.limits import MAX_GROUPS
from lrviz.registry.signature import signature_params
from lrviz.registry.torch_classes import torch_optimizers
from lrviz.spec import Note, OptimizerSpec
from lrviz.validate.checks import expect_mapping, math_text, one_line
from lrviz.validate.collect import Collector
from lrviz.validate.params import check_signature_kwargs

#: The optimizer of a config without an ``optimizer:`` block.
DEFAULT_OPTIMIZER: dict[str, Any] = {"name": "SGD", "lr": 0.1, "momentum": 0.9}


def validate_optimizer(raw: Any) -> OptimizerSpec:
    """The ``optimizer:`` mapping (None: :data:`DEFAULT_OPTIMIZER`) -> an :class:`OptimizerSpec`."""
    raw = dict(expect_mapping(DEFAULT_OPTIMIZER if raw is None else raw, "optimizer"))
    name = raw.pop("name", "SGD")
    groups_raw = raw.pop("param_groups", None)
    optimizers = torch_optimizers()
    if isinstance(name, str) and name not in optimizers:
        name = by_any_case(name.strip(), optimizers) or name  # adamw is AdamW
    if not isinstance(name, str) or name not in optimizers:
        shown = name if isinstance(name, str) else describe(name)
        raise ConfigError(
            f"unknown optimizer {shown!r}{did_you_mean(str(name), optimizers)}; allowed: {', '.join(optimizers)}",
            key="optimizer.name",
        )
    params, _ = signature_params(optimizers[name].__init__)
    notes: list[Note] = []
    problems = Collector()  # the keywords and the groups are checked; all their errors are reported
    with problems:
        kwargs = check_signature_kwargs(name, params, raw, "optimizer", notes)
    with problems:
        groups = _groups(groups_raw, name, params, notes)
    problems.raise_if_any()
    return OptimizerSpec(name=name, kwargs=kwargs, param_groups=groups, notes=tuple(notes))


def _groups(groups_raw: Any, name: str, params: Any, notes: list[Note]) -> list[dict[str, Any]]:
    if groups_raw is None:
        groups_raw = [{}]
    if not isinstance(groups_raw, list) or not groups_raw:
        raise ConfigError(
            f"expected a non-empty list of groups, got {describe(groups_raw)}", key="optimizer.param_groups"
        )
    if len(groups_raw) > MAX_GROUPS:
        raise ConfigError(
            f"{len(groups_raw)} param groups is above the limit of {MAX_GROUPS}", key="optimizer.param_groups"
        )
    groups: list[dict[str, Any]] = []
    seen: set[str] = set()
    problems = Collector()
    for i, g in enumerate(groups_raw):
        with problems:
            gkey = f"optimizer.param_groups[{i}]"
            g = dict(expect_mapping(g, gkey))
            gname = math_text(
                one_line(g.pop("name", f"group{i}"), key_join(gkey, "name"), strip=False), key_join(gkey, "name")
            )
            if gname in seen:
                raise ConfigError(f"duplicate group name {gname!r}; names must be unique", key=key_join(gkey, "name"))
            seen.add(gname)
            groups.append({"name": gname, **check_signature_kwargs(name, params, g, gkey, notes)})
    problems.raise_if_any()
    return groups
