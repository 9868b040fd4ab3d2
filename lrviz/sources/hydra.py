"""Hydra / OmegaConf configs: ``_target_`` nodes in, the schedule ``instantiate`` would build out.

A Hydra config (the composed one Hydra saves as ``.hydra/config.yaml``, or any file
without a ``defaults`` list) names its objects by ``_target_``; lightning-hydra-template
and most research code keep ``model.optimizer`` and ``model.scheduler`` as
``_partial_: true`` nodes that the LightningModule's ``configure_optimizers`` completes.
How lrviz reads one (:mod:`lrviz.sources.interpolation` vets and resolves the
``${...}`` values through OmegaConf first):

* **The scheduler**: every node whose ``_target_`` is a class of
  ``torch.optim.lr_scheduler`` (built as that torch class), a schedule function of
  ``transformers`` (``get_cosine_schedule_with_warmup``...: built as ``hf.<type>``, the
  same function through transformers' ``get_scheduler``), or, under a key that says
  ``sched``, any other import path, which becomes an import target and needs
  ``--trust`` like any code a config names. The node's keys are its keyword arguments
  (Hydra's own ``_partial_``, ``_recursive_``, ``_convert_`` and the ``optimizer`` the
  module passes are dropped); a scheduler node inside its parameters (SequentialLR's
  ``schedulers``) is nested the same way. Nothing else of the file is built: a
  ``_target_`` naming the model, the data or ``os.system`` is never imported.
* **The optimizer**: the ``torch.optim`` node beside the scheduler (same parent), else
  the file's only one; its keywords, less ``params``. An optimizer torch does not have
  is shown on SGD with its ``lr`` (the schedule multiplies the lr; a row says so).
* **Stepping** is Lightning's (the file's ``trainer`` node): a scheduler node inside a
  Lightning scheduler dict (``{scheduler: ..., interval: step, frequency: 1}``) steps
  by its ``interval``, else by Lightning's default, ``epoch``: ``scheduler.step()`` after
  every training epoch (``_update_learning_rates`` in Lightning's training epoch loop).
  ``frequency`` other than 1 is refused (not modelled).
* **Length**: ``trainer.max_epochs`` (Lightning's default 1000 when neither it nor
  ``max_steps`` is set); ``trainer.max_steps`` > 0 ends the run there. Updates per epoch
  from ``--dataset-size``, the data node's ``batch_size``, ``--world-size``
  (DistributedSampler: ``ceil(N / W)`` per process) and
  ``trainer.accumulate_grad_batches`` (Lightning steps on the last, partial
  accumulation of an epoch too: ``ceil(batches / accumulation)``). Without
  ``--dataset-size`` an epoch-stepped schedule shows one step per epoch.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from lrviz.errors import ConfigError, describe
from lrviz.sources import values as V
from lrviz.sources.lightning_rules import counted, get, interval, length
from lrviz.sources.plan import Plan, Row

SCHEDULERS = "torch.optim.lr_scheduler."
OPTIMIZERS = "torch.optim."
HYDRA_KEYS = ("_target_", "_partial_", "_recursive_", "_convert_")

Path = tuple[Any, ...]


def shown(path: Path) -> str:
    return ".".join(str(p) for p in path)


def targets(data: Any, path: Path = ()) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Every node with a ``_target_``, outermost first, with its key path."""
    stack = [(path, data)]
    while stack:
        p, v = stack.pop(0)
        if isinstance(v, dict):
            if "_target_" in v:
                yield p, v
            stack.extend((p + (k,), c) for k, c in v.items())
        elif isinstance(v, list):
            stack.extend((p + (i,), c) for i, c in enumerate(v))


def _hf_type(function: str, key: str) -> str | None:
    """``hf.<type>`` for a transformers schedule function, None when it is not one."""
    from lrviz.registry.frameworks import hf_backend

    module, backend = hf_backend()
    if module is None:
        raise ConfigError(f"transformers' {function} needs transformers installed ({backend})", key=key)
    for type_name, fn in module.TYPE_TO_SCHEDULER_FUNCTION.items():
        if getattr(fn, "__name__", None) == function:
            return f"hf.{type_name.value}"
    return None


def scheduler_name(target: Any, path: Path) -> str | None:
    """The lrviz scheduler name a ``_target_`` builds (None: not a scheduler node)."""
    key = shown(path + ("_target_",))
    if not isinstance(target, str) or not target.strip():
        raise ConfigError(f"expected an import path, got {describe(target)}", key=key)
    from lrviz.registry.torch_classes import torch_schedulers

    module, _, name = target.rpartition(".")
    if target.startswith(SCHEDULERS):
        if module != SCHEDULERS[:-1] or name not in torch_schedulers():
            raise ConfigError(
                f"{target!r} is not a scheduler class of torch.optim.lr_scheduler; torch has "
                f"{', '.join(torch_schedulers())}",
                key=key,
            )
        return name
    if module in ("transformers", "transformers.optimization") and name.startswith("get_"):
        return _hf_type(name, key)
    last = str(path[-1]) if path else ""
    if "sched" in last.lower() and module:
        return f"{module}:{name}"  # the user's code: an import target, refused without --trust
    return None


def _kwargs(node: Mapping[str, Any], path: Path) -> dict[str, Any]:
    """A scheduler node's keywords: Hydra's keys and the optimizer dropped, nested schedulers converted."""
    if "_args_" in node:
        raise ConfigError(
            "positional arguments (_args_) are not read: give the scheduler's arguments by name",
            key=shown(path + ("_args_",)),
        )
    out: dict[str, Any] = {}
    for k, v in node.items():
        if k in HYDRA_KEYS or k == "optimizer":
            continue
        out[k] = _nested(v, path + (k,))
    return out


def _nested(value: Any, path: Path) -> Any:
    if isinstance(value, dict) and "_target_" in value:
        name = scheduler_name(value["_target_"], path + ("scheduler",))  # in a scheduler's params: one too
        return {"scheduler": name, "params": _kwargs(value, path)}
    if isinstance(value, list):
        return [_nested(v, path + (i,)) for i, v in enumerate(value)]
    return value


def _optimizer(nodes: list[tuple[Path, dict[str, Any]]], sched_path: Path) -> tuple[dict[str, Any] | None, str]:
    """The optimizer beside the scheduler (or the file's only one) as lrviz's optimizer block."""
    from lrviz.registry.torch_classes import torch_optimizers

    optims = [(p, n) for p, n in nodes if str(n["_target_"]).startswith(OPTIMIZERS) and not _is_sched(n)]
    beside = [(p, n) for p, n in optims if p[:-1] == sched_path[:-1]]
    chosen = beside or optims
    if not chosen:
        return None, "lrviz's default (the file has no torch.optim node)"
    if len(chosen) > 1:
        raise ConfigError(
            f"several optimizer nodes ({', '.join(shown(p) for p, _ in chosen)}) and none beside the scheduler",
            key=shown(sched_path),
        )
    path, node = chosen[0]
    name = str(node["_target_"]).rpartition(".")[2]
    kwargs = {k: v for k, v in node.items() if k not in HYDRA_KEYS and k != "params"}
    if name not in torch_optimizers() or not str(node["_target_"]).startswith(OPTIMIZERS):
        lr = V.number(node, "lr", minimum=0)
        return {"name": "SGD", "lr": lr}, f"{shown(path)}: {node['_target_']} is not torch's; shown on SGD (lr {lr!r})"
    return {"name": name, **kwargs}, f"{shown(path)}: torch.optim.{name}"


def _is_sched(node: Mapping[str, Any]) -> bool:
    return str(node.get("_target_", "")).startswith(SCHEDULERS)


def _schedulers(nodes: list[tuple[Path, dict[str, Any]]]) -> list[tuple[Path, str]]:
    """The outermost scheduler nodes (one nested in another's params is part of it)."""
    found: list[tuple[Path, str]] = []
    for path, node in nodes:
        if any(path[: len(p)] == p for p, _ in found):
            continue
        name = scheduler_name(node["_target_"], path)
        if name == "ReduceLROnPlateau":
            raise ConfigError(
                "ReduceLROnPlateau is stepped by Lightning on a monitored metric (val/loss...), which the file does "
                "not hold, so lrviz cannot show it from the file alone; write an lrviz config with a metric",
                key=shown(path + ("_target_",)),
            )
        if name is not None:
            found.append((path, name))
    if not found:
        raise ConfigError(
            "no scheduler node: expected a node with _target_: torch.optim.lr_scheduler.<Class> (or a transformers "
            "schedule function, or your own class under a key named like 'scheduler', with --trust)"
        )
    return found


def plan(
    data: Mapping[str, Any], *, dataset_size: int | None = None, world_size: int = 1, source: str | None = None
) -> Plan:
    """Read a Hydra config mapping; see the module docstring for every rule."""
    from lrviz.sources.interpolation import resolve

    world = V.option(world_size, "--world-size", needed_for="the number of processes")
    if "defaults" in data:
        raise ConfigError(
            "a defaults list: this config is composed by Hydra from other files; give the composed config "
            "(Hydra saves it as .hydra/config.yaml in every run's output folder)",
            key="defaults",
        )
    resolved = resolve(dict(data))
    nodes = list(targets(resolved))
    found = _schedulers(nodes)
    rows = [Row("world size", world, "--world-size (processes; default 1)")]
    intervals = {interval(resolved, p) for p, _ in found}
    if len({i for i, _ in intervals}) > 1:
        raise ConfigError("the scheduler nodes step at different intervals; give one file per schedule")
    every, interval_how = next(iter(intervals))
    total, upe = length(resolved, every, dataset_size, world, rows)
    optimizer, optim_how = _optimizer(nodes, found[0][0])
    schedules = []
    for path, name in found:
        node = get(resolved, *path)
        schedules.append(
            {"label": f"{shown(path)} (Hydra)", "scheduler": name, "params": _kwargs(node, path), "interval": every}
        )
        rows.append(Row("scheduler", name, f"{shown(path)}._target_: {node['_target_']}"))
    rows.append(Row("optimizer", optimizer["name"] if optimizer else "SGD", optim_how))
    if optimizer is not None and "lr" in optimizer:
        rows.append(Row("lr", optimizer["lr"], "the optimizer node's lr"))
    rows.append(Row("stepping", f"per {every}", interval_how))
    config: dict[str, Any] = {"steps": total, "steps_per_epoch": upe, "schedules": schedules}
    if optimizer is not None:
        config["optimizer"] = optimizer
    summary = f"Hydra: {counted(rows)}{total:,} steps, lr stepped per {every} (Lightning)"
    return Plan(kind="hydra", config=config, rows=rows, summary=summary, source=source)
