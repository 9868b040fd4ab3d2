"""DeepSpeed: a ``ds_config.json`` in, the schedule ``DeepSpeedEngine`` steps out.

Read by DeepSpeed 0.19's rules (deepspeed/runtime/config.py and engine.py):

* **The scheduler**: ``scheduler.type`` and ``scheduler.params``; the engine builds
  ``getattr(deepspeed.runtime.lr_schedules, type)(optimizer, **params)``, or torch's
  class of that name when DeepSpeed has none (``_scheduler_from_config``). lrviz names
  them ``ds.<type>`` (:mod:`lrviz.registry.deepspeed`, DeepSpeed's own classes) or the
  torch class, with the params as given. ``"auto"`` values are filled by the Hugging
  Face Trainer's DeepSpeed integration from its TrainingArguments: refused, naming the key.
* **Stepping**: ``lr_scheduler.step()`` after every optimizer step the engine applies,
  one per ``train_batch_size`` samples (micro batch x accumulation x processes).
* **Batch**: ``train_batch_size = train_micro_batch_size_per_gpu x
  gradient_accumulation_steps x world size``; any two give the third, as
  ``DeepSpeedConfig._set_batch_related_parameters`` derives it (a missing
  accumulation is 1).
* **Length**: ``total_num_steps`` of WarmupDecayLR / WarmupCosineLR. A file whose
  scheduler has no end (WarmupLR, OneCycle, LRRangeTest, a torch class) holds no run
  length: lrviz shows twice its warmup, its cycle, ten of its range test's steps (1,000
  steps for a torch class) and says so; ``--steps N`` shows another length.
* **The optimizer** (``optimizer.type``, ``optimizer.params``): the lr only matters
  before the scheduler writes its own; DeepSpeed's ``Adam`` is AdamW unless
  ``adam_w_mode`` is false (FusedAdam / DeepSpeedCPUAdam), ``AdamW`` AdamW,
  ``Adagrad`` Adagrad; the others (Lamb, OneBitAdam, Lion...) are shown on AdamW with
  their lr and betas, and a row says so. No optimizer section: the client's, shown as
  AdamW(lr=0.001).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lrviz.errors import ConfigError, describe
from lrviz.sources import values as V
from lrviz.sources.plan import Plan, Row

#: Which params give a DeepSpeed scheduler's length, or its shown length without one.
ENDS = {"WarmupDecayLR": "total_num_steps", "WarmupCosineLR": "total_num_steps"}
SHOWN = {
    "WarmupLR": ("warmup_num_steps", 1000, 2, "twice warmup_num_steps"),
    "OneCycle": ("cycle_first_step_size", 2000, 1, "the cycle (cycle_first_step_size + cycle_second_step_size)"),
    "LRRangeTest": ("lr_range_test_step_size", 2000, 10, "ten times lr_range_test_step_size"),
}
TORCH_SHOWN = 1000


def _no_auto(value: Any, key: str) -> None:
    if value == "auto":
        raise ConfigError(
            "'auto' is filled in by the Hugging Face Trainer from its TrainingArguments: give lrviz that file "
            "(or the value)",
            key=key,
        )
    if isinstance(value, dict):
        for k, v in value.items():
            _no_auto(v, f"{key}.{k}")


def _batch(data: Mapping[str, Any], world: int) -> tuple[int, int, int, str]:
    """(train batch, micro batch, accumulation, how): DeepSpeed's _set_batch_related_parameters."""
    for key in ("train_batch_size", "train_micro_batch_size_per_gpu", "gradient_accumulation_steps"):
        _no_auto(data.get(key), key)
    tb = V.whole(data, "train_batch_size") if data.get("train_batch_size") is not None else None
    mb = (
        V.whole(data, "train_micro_batch_size_per_gpu")
        if data.get("train_micro_batch_size_per_gpu") is not None
        else None
    )
    gas = V.whole(data, "gradient_accumulation_steps") if data.get("gradient_accumulation_steps") is not None else None
    if tb is not None and mb is not None and gas is not None:
        how = "as given"
    elif tb is not None and mb is not None:
        gas, how = tb // mb // world, "gradient_accumulation_steps = train_batch_size // micro // world size"
    elif tb is not None and gas is not None:
        mb, how = tb // world // gas, "micro = train_batch_size // world size // gradient_accumulation_steps"
    elif mb is not None:
        gas = gas or 1
        tb, how = mb * gas * world, "train_batch_size = micro x gradient_accumulation_steps x world size"
    elif tb is not None:
        gas, mb, how = 1, tb // world, "gradient_accumulation_steps 1, micro = train_batch_size // world size"
    else:
        raise ConfigError("missing: give train_batch_size or train_micro_batch_size_per_gpu", key="train_batch_size")
    if mb < 1 or gas < 1 or tb != mb * gas * world:
        raise ConfigError(
            f"train_batch_size {tb} is not micro {mb} x accumulation {gas} x world size {world}: DeepSpeed refuses it",
            key="train_batch_size",
        )
    return tb, mb, gas, how


def _scheduler(data: Mapping[str, Any]) -> tuple[str, dict[str, Any], str]:
    """(lrviz scheduler name, params, DeepSpeed's type)."""
    from lrviz.registry.deepspeed import TYPES

    node = data.get("scheduler")
    if not isinstance(node, dict):
        raise ConfigError(f"expected a mapping with type and params, got {describe(node)}", key="scheduler")
    type_name = V.text(node, "type", "")
    if "params" not in node:  # the engine calls scheduler(optimizer, **None)
        raise ConfigError("missing: DeepSpeed calls the scheduler with **params", key="scheduler.params")
    params = node["params"]
    if not isinstance(params, dict):
        raise ConfigError(f"expected a mapping, got {describe(params)}", key="scheduler.params")
    _no_auto(params, "scheduler.params")
    if type_name in TYPES:
        return f"ds.{type_name}", dict(params), type_name
    from lrviz.registry.torch_classes import torch_schedulers

    if type_name in torch_schedulers():
        return type_name, dict(params), type_name
    raise ConfigError(
        f"unknown scheduler type {type_name!r}; DeepSpeed has {', '.join(TYPES)} and falls back to torch's classes",
        key="scheduler.type",
    )


def _length(type_name: str, params: Mapping[str, Any]) -> tuple[int, str]:
    if type_name in ENDS:
        key = ENDS[type_name]
        total = V.whole(params, key)
        return V.check_total(total, f"scheduler.params.{key}", key), f"scheduler.params.{key}"
    if type_name in SHOWN:
        key, default, times, how = SHOWN[type_name]
        first = V.whole(params, key, default)
        second = params.get("cycle_second_step_size") if type_name == "OneCycle" else None
        total = first + V.whole(params, "cycle_second_step_size") if second is not None else times * first
        if type_name == "OneCycle" and second is None:
            total = 2 * first  # cycle_second_step_size defaults to the first
        shown = f"{how}: the file holds no run length (--steps N shows another)"
        return V.check_total(total, f"scheduler.params.{key}", how), shown
    return TORCH_SHOWN, f"{TORCH_SHOWN:,} steps: the file holds no run length (--steps N shows another)"


def _optimizer(data: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    node = data.get("optimizer")
    if node is None:
        return {"name": "AdamW", "lr": 0.001}, "no optimizer section (the client's): shown as AdamW(lr=0.001)"
    if not isinstance(node, dict):
        raise ConfigError(f"expected a mapping with type and params, got {describe(node)}", key="optimizer")
    kind = V.text(node, "type", "").lower()
    params = node.get("params") or {}
    if not isinstance(params, dict):
        raise ConfigError(f"expected a mapping, got {describe(params)}", key="optimizer.params")
    _no_auto(params, "optimizer.params")
    lr = V.number(params, "lr", 0.001, minimum=0)
    kept = {k: params[k] for k in ("betas", "eps", "weight_decay") if k in params}
    if kind == "adam" and params.get("adam_w_mode", True) is False:
        return {"name": "Adam", "lr": lr, **kept}, "Adam with adam_w_mode false: torch Adam"
    if kind in ("adam", "adamw"):
        return {"name": "AdamW", "lr": lr, **kept}, f"{node['type']}: AdamW (DeepSpeed's Adam is AdamW by default)"
    if kind == "adagrad":
        return {"name": "Adagrad", "lr": lr, **{k: v for k, v in kept.items() if k != "betas"}}, "Adagrad"
    return {"name": "AdamW", "lr": lr, **kept}, f"{node['type']} has no torch class: shown on AdamW with its lr"


def plan(
    data: Mapping[str, Any], *, dataset_size: int | None = None, world_size: int = 1, source: str | None = None
) -> Plan:
    """Read a ds_config mapping; see the module docstring for every rule."""
    world = V.option(world_size, "--world-size", needed_for="the number of processes")
    tb, mb, gas, batch_how = _batch(data, world)
    name, params, type_name = _scheduler(data)
    total, total_how = _length(type_name, params)
    optimizer, optim_how = _optimizer(data)
    rows = [
        Row("world size", world, "--world-size (processes; default 1)"),
        Row("batch", f"{mb} x {gas} x {world} = {tb:,}", f"micro x accumulation x world size ({batch_how})"),
        Row("total optimizer steps", total, total_how),
    ]
    if "warmup_num_steps" in params:
        rows.append(Row("warmup steps", params["warmup_num_steps"], "scheduler.params.warmup_num_steps"))
    rows += [
        Row("optimizer", optimizer["name"], optim_how),
        Row("lr", optimizer["lr"], "optimizer.params.lr (the scheduler writes its own lr over it)"),
        Row("stepping", "per optimizer step", "DeepSpeedEngine: lr_scheduler.step() after every applied step"),
        Row("scheduler", name, f"scheduler.type {type_name!r}, built by {'DeepSpeed' if '.' in name else 'torch'}"),
    ]
    if dataset_size is not None:
        rows.append(Row("note", "--dataset-size is not used: a ds_config holds no epochs, the steps are counted"))
    config = {
        "steps": total,
        "optimizer": optimizer,
        "schedules": [{"label": f"{type_name} (DeepSpeed)", "scheduler": name, "params": params}],
    }
    summary = f"DeepSpeed: batch {mb}x{gas}x{world} = {tb:,}, {total:,} steps ({total_how.split(':')[0]})"
    return Plan(kind="deepspeed", config=config, rows=rows, summary=summary, source=source)
