"""torchtune recipe configs: ``_component_`` nodes in, the schedule the recipe would step out.

A torchtune recipe config (``tune cp llama3_2/1B_lora_single_device .``, then edited) holds
``optimizer: {_component_: torch.optim.AdamW, lr: 3e-4}`` and ``lr_scheduler: {_component_:
torchtune.training.lr_schedulers.get_cosine_schedule_with_warmup, num_warmup_steps: 100}``
beside ``epochs``, ``max_steps_per_epoch``, ``batch_size`` and ``gradient_accumulation_steps``.
The rules are the recipes' own (torchtune 0.6, ``recipes/full_finetune_single_device.py``;
``full_finetune_distributed.py`` and the LoRA recipes do the same)::

    self._steps_per_epoch = (
        len(self._dataloader) // self._gradient_accumulation_steps
    )
    if (
        self.max_steps_per_epoch is not None
        and self.max_steps_per_epoch < self._steps_per_epoch
    ):
        self._steps_per_epoch = self.max_steps_per_epoch
    self.global_step = self.epochs_run * self._steps_per_epoch
    self._lr_scheduler = self._setup_lr_scheduler(
        cfg_lr_scheduler=cfg.get("lr_scheduler", None),
        num_training_steps=self.total_epochs * self._steps_per_epoch,
        last_epoch=self.global_step - 1,
    )

``_setup_lr_scheduler`` calls ``config.instantiate(cfg_lr_scheduler, optimizer,
num_training_steps=..., last_epoch=...)`` (the recipe's keywords win over the file's), and
the training loop steps it after every optimizer step (``if (idx + 1) %
self._gradient_accumulation_steps == 0: ... self._lr_scheduler.step()``), leaving an epoch
after ``max_steps_per_epoch`` of them. The DataLoader drops its last partial batch
(``drop_last=True``) behind a ``DistributedSampler`` over the data-parallel processes
(``ceil(N / W)`` examples each), so ``len(dataloader) = floor(ceil(N / W) / batch_size)``.
lrviz shows a fresh run (``epochs_run`` 0, so ``last_epoch=-1``).

What is built: a schedule function of ``torchtune.training.lr_schedulers`` by torchtune itself
(``torchtune.<function>``, :mod:`lrviz.registry.torchtune`); any other ``_component_`` is an
import target that needs ``--trust``, and a torch class is refused (it does not take the
``num_training_steps`` the recipe passes). Nothing else of the file is built: a
``_component_`` naming the model, the dataset or ``os.system`` is never imported.
``${...}`` values are resolved by OmegaConf (as ``config.parse`` loads the file), after lrviz
vets them (:mod:`lrviz.sources.interpolation`).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from lrviz.errors import ConfigError, describe
from lrviz.sources import values as V
from lrviz.sources.plan import Plan, Row

COMPONENT = "_component_"
HOMES = ("torchtune.training.lr_schedulers", "torchtune.training", "torchtune.modules")
RECIPE = "the recipe passes num_training_steps and last_epoch"


def _node(data: Mapping[str, Any], key: str) -> dict[str, Any] | None:
    node = data.get(key)
    if node is None:
        return None
    if not isinstance(node, dict) or not isinstance(node.get(COMPONENT), str) or not node[COMPONENT].strip():
        raise ConfigError(f"expected a node with {COMPONENT}: <import path>, got {describe(node)}", key=key)
    return node


def _scheduler_name(target: str, trust: bool) -> str:
    """The lrviz name the ``_component_`` builds: torchtune's function, or an import target (--trust)."""
    key = f"lr_scheduler.{COMPONENT}"
    module, _, name = target.rpartition(".")
    if module in HOMES:
        from lrviz.registry.torchtune import MODULE, functions, lr_schedulers

        known = functions(lr_schedulers(key))
        if name not in known:
            raise ConfigError(
                f"{target!r} is not a schedule function of torchtune; {MODULE} has {', '.join(known)}", key=key
            )
        return f"torchtune.{name}"
    if module == "torch.optim.lr_scheduler":
        import torch

        cls = getattr(torch.optim.lr_scheduler, name, None)
        if not inspect.isclass(cls) or "num_training_steps" not in inspect.signature(cls).parameters:
            raise ConfigError(
                f"{target!r}: {RECIPE} to the scheduler (config.instantiate(cfg_lr_scheduler, optimizer, "
                "num_training_steps=..., last_epoch=...)), which this torch class does not take, so the recipe "
                "fails; use a torchtune schedule function (lrviz list shows them)",
                key=key,
            )
    if not module:
        raise ConfigError(f"expected an import path (module.function), got {target!r}", key=key)
    if not trust:
        raise ConfigError(
            f"{target!r} is not a schedule function of torchtune: importing it runs its code; pass --trust if it "
            "is yours",
            key=key,
        )
    return f"{module}:{name}"  # the user's own function: an import target, refused without --trust


def _optimizer(node: dict[str, Any] | None) -> tuple[dict[str, Any] | None, str]:
    from lrviz.registry.torch_classes import torch_optimizers

    if node is None:
        return None, "lrviz's default (the file has no optimizer node)"
    target = node[COMPONENT]
    module, _, name = target.rpartition(".")
    kwargs = {k: v for k, v in node.items() if k != COMPONENT}
    if module != "torch.optim" or name not in torch_optimizers():
        lr = V.number(kwargs, "lr", minimum=0)
        return {"name": "SGD", "lr": lr}, f"optimizer: {target} is not torch's; shown on SGD (lr {lr!r})"
    return {"name": name, **kwargs}, f"optimizer.{COMPONENT}: {target}"


def _max_steps(data: Mapping[str, Any]) -> int | None:
    if data.get("max_steps_per_epoch") is None:
        return None
    return V.whole(data, "max_steps_per_epoch", minimum=1)


def _steps_per_epoch(data: Mapping[str, Any], n: int | None, world: int, rows: list[Row]) -> int:
    """The recipe's ``_steps_per_epoch`` (rows appended)."""
    batch = V.whole(data, "batch_size", minimum=1)
    if "gradient_accumulation_steps" not in data:
        raise ConfigError(
            "missing: the recipe reads cfg.gradient_accumulation_steps", key="gradient_accumulation_steps"
        )
    accum = V.whole(data, "gradient_accumulation_steps", minimum=1)
    cap = _max_steps(data)
    rows.append(Row("batch", f"{batch} x {accum} x {world} = {batch * accum * world:,}", "batch_size x "
                    "gradient_accumulation_steps x data-parallel processes"))  # fmt: skip
    if n is None:
        if cap is None:
            V.option(n, "--dataset-size", needed_for="the recipe's steps per epoch come from len(dataloader)")
        rows.append(Row("steps per epoch", cap, "max_steps_per_epoch (no --dataset-size: assumes the data fills it)"))
        return int(cap or 0)
    rows.insert(0, Row("examples", n, "--dataset-size (the dataset's length, after packing if packed)"))
    per = -(-n // world)
    batches = per // batch
    where = f", ceil({n:,} / {world}) per process" if world > 1 else ""
    rows.append(Row("batches per epoch", batches, f"floor({per:,} / {batch}){where}: drop_last=True"))
    spe = batches // accum
    how = f"floor({batches:,} / {accum}): len(dataloader) // gradient_accumulation_steps"
    if cap is not None and cap < spe:
        spe, how = cap, f"max_steps_per_epoch (before {how})"
    rows.append(Row("steps per epoch", spe, how))
    if spe == 0:
        raise ConfigError(
            f"{n:,} examples make {batches:,} batches of {batch}, fewer than one optimizer step of {accum} "
            "accumulated batches: the recipe would not step at all",
            key="--dataset-size",
        )
    return spe


def _schedule(node: dict[str, Any], total: int, rows: list[Row], trust: bool) -> dict[str, Any]:
    name = _scheduler_name(node[COMPONENT], trust)
    params = {k: v for k, v in node.items() if k != COMPONENT}
    for key in ("num_training_steps", "last_epoch"):
        if key in params:
            rows.append(Row("note", f"lr_scheduler.{key} in the file is overridden: {RECIPE}"))
    params.update(num_training_steps=total, last_epoch=-1)
    rows.append(Row("scheduler", name, f"lr_scheduler.{COMPONENT}: {node[COMPONENT]}"))
    rows.append(Row("num_training_steps", total, "epochs x steps per epoch, passed by the recipe"))
    if "num_warmup_steps" in params:
        rows.append(Row("warmup steps", params["num_warmup_steps"], "lr_scheduler.num_warmup_steps"))
    return {"label": "lr_scheduler (torchtune)", "scheduler": name, "params": params, "interval": "step"}


def plan(
    data: Mapping[str, Any],
    *,
    dataset_size: int | None = None,
    world_size: int = 1,
    source: str | None = None,
    trust: bool = False,
) -> Plan:
    """Read a torchtune recipe config mapping; see the module docstring for every rule."""
    world = V.option(world_size, "--world-size", needed_for="the data-parallel processes")
    from lrviz.sources.interpolation import resolved_if_interpolated

    resolved, _ = resolved_if_interpolated(data)
    sched = _node(resolved, "lr_scheduler")
    if sched is None:
        raise ConfigError(
            "no lr_scheduler: the recipe then trains at the optimizer's constant lr ('No learning rate scheduler "
            "configured'); add lr_scheduler: {_component_: torchtune.training.lr_schedulers.<function>, ...}",
            key="lr_scheduler",
        )
    optimizer, optim_how = _optimizer(_node(resolved, "optimizer"))
    epochs = V.whole(resolved, "epochs", minimum=1)
    rows = [Row("world size", world, "--world-size (data-parallel processes; default 1)")]
    spe = _steps_per_epoch(resolved, dataset_size, world, rows)
    rows.append(Row("epochs", epochs, "epochs"))
    total = V.check_total(epochs * spe, "epochs", f"{epochs:,} x {spe:,}")
    rows.append(Row("total optimizer steps", total, f"{epochs:,} epochs x {spe:,} steps per epoch"))
    schedule = _schedule(sched, total, rows, trust)
    rows.append(Row("optimizer", optimizer["name"] if optimizer else "SGD", optim_how))
    if optimizer is not None and "lr" in optimizer:
        rows.append(Row("lr", optimizer["lr"], "optimizer.lr"))
    rows.append(Row("stepping", "per optimizer step", "lr_scheduler.step() after every optimizer step (the recipe)"))
    if resolved.get("optimizer_in_bwd"):
        rows.append(Row("note", "optimizer_in_bwd: the scheduler drives the first parameter's optimizer; same lr"))
    config: dict[str, Any] = {"steps": total, "steps_per_epoch": spe, "schedules": [schedule]}
    if optimizer is not None:
        config["optimizer"] = optimizer
    counted = f"{dataset_size:,} ex -> {spe:,} steps/epoch, " if dataset_size is not None else ""
    summary = f"torchtune: {counted}{epochs:,} epochs, {total:,} steps, lr stepped per optimizer step"
    return Plan(kind="torchtune", config=config, rows=rows, summary=summary, source=source)
