"""MMEngine / OpenMMLab configs: ``param_scheduler``, ``train_cfg``, ``optim_wrapper`` in, the runner's lr out.

The file is read as data by :mod:`lrviz.sources.mmconfig` (``_base_`` files merged by
MMEngine's own rule); this module does the runner's arithmetic (mmengine 0.10's
``Runner``, ``loops.py``, ``DefaultSampler``):

* **The loop**: ``train_cfg.type`` (``EpochBasedTrainLoop`` / ``IterBasedTrainLoop``),
  else ``train_cfg.by_epoch`` (``Runner.build_train_loop``), with ``max_epochs`` /
  ``max_iters``.
* **Iterations per epoch** (``len(train_dataloader)``): ``DefaultSampler`` gives each of
  the W processes ``ceil(N / W)`` examples (``round_up``), batched by
  ``train_dataloader.batch_size``: ``ceil(ceil(N / W) / batch)`` (floor with
  ``drop_last=True``); ``InfiniteSampler`` reports the whole dataset,
  ``ceil(N / batch)``. N is ``--dataset-size`` (a config names a dataset, not its size).
  OpenMMLab's ``vis_scheduler.py`` uses ``N // (batch x W)``; a row says when that differs.
* **Total**: ``max_epochs x iterations per epoch``, or ``max_iters``.
* **Schedulers**: ``param_scheduler`` (a dict or a list), built and stepped by MMEngine
  through ``mm.param_scheduler`` (:mod:`lrviz.registry.mmengine`: the runner's default
  ``end``, ``convert_to_iter_based``, ``ParamSchedulerHook``'s order).
* **Optimizer**: ``optim_wrapper.optimizer`` (a torch class MMEngine registers by name:
  SGD, AdamW...); another is shown on SGD with its lr and a row says so.
  ``auto_scale_lr`` with ``enable=True`` scales the lr by ``W x batch / base_batch_size``
  (``Runner.scale_lr``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from lrviz.errors import ConfigError, describe
from lrviz.sources import values as V
from lrviz.sources.plan import Plan, Row

#: Optimizer keywords lrviz keeps (what decides the lr / momentum a scheduler starts from).
OPTIMIZER_KEYS = ("momentum", "betas", "weight_decay", "eps", "nesterov", "dampening", "alpha", "amsgrad")
#: Schedulers stepped on a validation metric (ParamSchedulerHook.after_val_epoch): the file holds none.
METRIC_SCHEDULERS = ("ReduceOnPlateauLR", "ReduceOnPlateauMomentum", "ReduceOnPlateauParamScheduler")


def short(value: Any, prefixes: tuple[str, ...] = ("mmengine.", "torch.optim.")) -> Any:
    """A lazy-import config's type, a dotted path (``'mmengine.optim.scheduler.lr_scheduler.LinearLR'``, as
    ``Config.to_dict`` shows the class it imports), as the registered name MMEngine's and torch's classes have."""
    if isinstance(value, str) and "." in value and value.startswith(prefixes):
        return value.rsplit(".", 1)[1]
    return value


def _mapping(data: Mapping[str, Any], key: str, required: bool = True) -> dict[str, Any]:
    node = data.get(key)
    if node is None and not required:
        return {}
    if not isinstance(node, dict):
        raise ConfigError(f"expected dict(...), got {describe(node)}", key=key)
    return node


def _loop(data: Mapping[str, Any]) -> tuple[bool, int, str]:
    """(epoch based, max_epochs or max_iters, how), as Runner.build_train_loop reads train_cfg."""
    cfg = dict(_mapping(data, "train_cfg"))
    if "type" in cfg:
        cfg["type"] = short(cfg["type"])
        try:
            kind = V.text(cfg, "type", "", ("EpochBasedTrainLoop", "IterBasedTrainLoop"))
        except ConfigError as exc:
            raise exc.located(key_prefix="train_cfg") from None
        epoch, how = kind == "EpochBasedTrainLoop", f"train_cfg.type {kind!r}"
    elif "by_epoch" in cfg:
        if not isinstance(cfg["by_epoch"], bool):
            raise ConfigError(f"expected True or False, got {describe(cfg['by_epoch'])}", key="train_cfg.by_epoch")
        epoch, how = cfg["by_epoch"], f"train_cfg.by_epoch={cfg['by_epoch']}"
    else:
        raise ConfigError("missing: give type (EpochBasedTrainLoop / IterBasedTrainLoop) or by_epoch", key="train_cfg")
    key = "max_epochs" if epoch else "max_iters"
    return epoch, _whole(cfg, key), how


def _whole(cfg: Mapping[str, Any], key: str) -> int:
    try:
        return V.whole(cfg, key)
    except ConfigError as exc:
        raise exc.located(key_prefix="train_cfg") from None


def _epoch_length(
    data: Mapping[str, Any], dataset_size: int | None, world: int, needed: bool, rows: list[Row]
) -> tuple[int, int | None]:
    """(iterations per epoch, batch) from --dataset-size and train_dataloader."""
    loader = _mapping(data, "train_dataloader", required=False)
    batch = V.whole(loader, "batch_size") if loader.get("batch_size") is not None else None
    if dataset_size is None:
        if needed:
            raise ConfigError(
                "an epoch is len(train_dataloader) iterations, and the config names a dataset, not its size: give "
                "--dataset-size N (or a '# lrviz: --dataset-size N' comment in the file)",
                key="train_cfg",
            )
        return 1, batch
    n = V.option(dataset_size, "--dataset-size", needed_for="the training examples")
    if batch is None:
        raise ConfigError(
            "missing: the batch size per process counts the iterations of an epoch", key="train_dataloader"
        )
    sampler = loader["sampler"] if isinstance(loader.get("sampler"), dict) else {}
    drop_last = loader.get("drop_last", False) is True
    rows.append(Row("examples", n, "--dataset-size"))
    if sampler.get("type") == "InfiniteSampler":
        length, how = math.ceil(n / batch), "InfiniteSampler: len is the dataset's, ceil(N / batch)"
    else:
        per = math.ceil(n / world)
        length = per // batch if drop_last else math.ceil(per / batch)
        rule = "floor" if drop_last else "ceil"
        how = f"DefaultSampler: ceil(N / world size) = {per:,} per process, {rule}(that / batch {batch})"
    if length < 1:
        raise ConfigError(f"{n} examples make no batch of {batch} per process", key="train_dataloader.batch_size")
    rows.append(Row("iterations per epoch", length, how))
    vis = n // (batch * world)
    if vis != length:
        rows.append(Row("note", f"OpenMMLab's vis_scheduler.py counts {vis:,} (N // (batch x world size))"))
    return length, batch


def _optimizer(data: Mapping[str, Any], world: int, batch: int | None, rows: list[Row]) -> dict[str, Any]:
    if "optim_wrapper" not in data and "optimizer" in data:
        raise ConfigError(
            "an MMCV 1.x config (optimizer / lr_config): lrviz reads MMEngine's optim_wrapper", key="optimizer"
        )
    wrapper = _mapping(data, "optim_wrapper")
    node = wrapper.get("optimizer")
    if not isinstance(node, dict):
        raise ConfigError(f"expected dict(type=..., lr=...), got {describe(node)}", key="optim_wrapper.optimizer")
    kind = short(V.text(node, "type", "SGD"))
    lr = V.number(node, "lr", minimum=0)
    from lrviz.registry.torch_classes import torch_optimizers

    if kind in torch_optimizers():
        out = {"name": kind, "lr": lr, **{k: _listed(node[k]) for k in OPTIMIZER_KEYS if k in node}}
        rows.append(Row("optimizer", kind, "optim_wrapper.optimizer.type (torch's class, as MMEngine registers it)"))
    else:
        out = {"name": "SGD", "lr": lr}
        rows.append(Row("optimizer", "SGD", f"{kind} is no torch optimizer: shown on SGD with its lr"))
    rows.append(Row("lr", lr, "optim_wrapper.optimizer.lr"))
    scale = data.get("auto_scale_lr")
    if isinstance(scale, dict) and scale.get("enable") is True:
        base = V.whole(scale, "base_batch_size") if "base_batch_size" in scale else None
        if base is None or batch is None:
            raise ConfigError("enable=True needs base_batch_size and train_dataloader.batch_size", key="auto_scale_lr")
        out["lr"] = lr * (float(world * batch) / float(base))
        how = f"auto_scale_lr: lr x world size {world} x batch {batch} / base_batch_size {base} (Runner.scale_lr)"
        rows.append(Row("scaled lr", out["lr"], how))
    for key in ("paramwise_cfg", "accumulative_counts", "clip_grad"):
        if key in wrapper:
            rows.append(Row("note", f"optim_wrapper.{key} is not modelled (the schedule shown is param group 0's)"))
    return out


def _listed(value: Any) -> Any:
    """Tuples as lists (lrviz configs are YAML / JSON data)."""
    if isinstance(value, (list, tuple)):
        return [_listed(v) for v in value]
    if isinstance(value, dict):
        return {k: _listed(v) for k, v in value.items()}
    return value


def _schedulers(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    node = data.get("param_scheduler")
    if node is None:
        return []
    listed = [node] if isinstance(node, dict) else node
    if not isinstance(listed, (list, tuple)):
        raise ConfigError(f"expected dict(type=...) or a list of them, got {describe(node)}", key="param_scheduler")
    out = []
    for i, cfg in enumerate(listed):
        cfg = {**cfg, "type": short(cfg["type"])} if isinstance(cfg, dict) and "type" in cfg else cfg
        key = f"param_scheduler[{i}]" if not isinstance(node, dict) else "param_scheduler"
        if not isinstance(cfg, dict) or not isinstance(cfg.get("type"), str):
            what = "a dict per optimizer (several optimizers)" if isinstance(node, dict) else describe(cfg)
            raise ConfigError(f"expected dict(type='...', ...), got {what}", key=key)
        if cfg["type"] in METRIC_SCHEDULERS:
            raise ConfigError(
                f"{cfg['type']} steps on a validation metric (ParamSchedulerHook.after_val_epoch) the file does not "
                "hold; lrviz cannot draw it",
                key=f"{key}.type",
            )
        _known(cfg["type"], f"{key}.type")
        out.append(_listed(cfg))
    return out


def _known(type_name: str, key: str) -> None:
    """A type MMEngine's registry lacks, refused at the file's key (its registry decides, not a list here)."""
    from lrviz.errors import did_you_mean
    from lrviz.registry.mmengine import scheduler_types

    known = scheduler_types()
    if type_name not in known:
        raise ConfigError(
            f"MMEngine has no scheduler {type_name!r}{did_you_mean(type_name, known)}; run 'lrviz list' for mm.* names",
            key=key,
        )


def _scheduler_row(cfg: Mapping[str, Any], max_epochs: int, max_iters: int) -> str:
    by_epoch = cfg.get("by_epoch", True)
    unit = "epoch" if by_epoch else "iter"
    end = cfg.get("end", max_epochs if by_epoch else max_iters)  # Runner._build_param_scheduler's default
    text = f"{cfg['type']} by {unit}, [{cfg.get('begin', 0)}, {end})"
    if cfg.get("convert_to_iter_based"):
        text += ", converted to iterations"
    return text


def _label(schedulers: list[dict[str, Any]]) -> str:
    names = " + ".join(str(s["type"]) for s in schedulers[:4]) + (" + ..." if len(schedulers) > 4 else "")
    return f"{names or 'no param_scheduler'} (MMEngine)"


def plan(
    data: Mapping[str, Any], *, dataset_size: int | None = None, world_size: int = 1, source: str | None = None
) -> Plan:
    """Read an MMEngine config's names (already read from the file); see the module docstring for every rule."""
    world = V.option(world_size, "--world-size", needed_for="the number of processes")
    if "_base_" in data:  # a Python config's bases are merged before this (mmconfig); a YAML one's are not
        raise ConfigError("lrviz follows _base_ files of Python configs only: give the .py config", key="_base_")
    epoch, length, loop_how = _loop(data)
    schedulers = _schedulers(data)
    converts = any(s.get("convert_to_iter_based") for s in schedulers)
    rows = [Row("train loop", "epoch based" if epoch else "iteration based", loop_how)]
    rows.append(Row("world size", world, "--world-size (processes; default 1)"))
    per_epoch, batch = _epoch_length(data, dataset_size, world, epoch or converts, rows)
    if batch is not None:
        rows.append(Row("batch", f"{batch} x {world} = {batch * world:,}", "train_dataloader.batch_size x world size"))
    total = length * per_epoch if epoch else length
    how = f"train_cfg.max_epochs {length} x {per_epoch:,} iterations" if epoch else "train_cfg.max_iters"
    rows.append(Row("total optimizer steps", V.check_total(total, "train_cfg", how), how))
    optimizer = _optimizer(data, world, batch, rows)
    for i, cfg in enumerate(schedulers):
        rows.append(Row(f"scheduler {i}", _scheduler_row(cfg, length if epoch else 1, total), f"param_scheduler[{i}]"))
    if not schedulers:
        rows.append(Row("scheduler", "none", "no param_scheduler: the lr stays the optimizer's"))
    stepping = "by-iter schedulers after every iteration, by-epoch ones after every epoch"
    if not epoch:
        stepping = "by-iter schedulers after every iteration (IterBasedTrainLoop: by-epoch ones never step)"
    rows.append(Row("stepping", stepping, "MMEngine's ParamSchedulerHook"))
    params = {
        "schedulers": schedulers,
        "epoch_length": per_epoch,
        "max_epochs": length if epoch else 1,
        "max_iters": total,
        "epoch_loop": epoch,
    }
    config: dict[str, Any] = {
        "steps": total,
        "optimizer": optimizer,
        "schedules": [{"label": _label(schedulers), "scheduler": "mm.param_scheduler", "params": params}],
    }
    if epoch:
        config["steps_per_epoch"] = per_epoch
    unit = f"{length} epochs x {per_epoch:,} iterations" if epoch else f"{length:,} iterations"
    summary = f"MMEngine: {unit} = {total:,} steps, {len(schedulers)} param schedulers (ParamSchedulerHook)"
    return Plan(kind="mmengine", config=config, rows=rows, summary=summary, source=source)
