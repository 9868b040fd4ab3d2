"""Hugging Face Trainer: a ``TrainingArguments`` file in, the schedule ``Trainer.train()`` runs out.

The file is what ``TrainingArguments.to_json_string()`` writes, or the same keys in a
YAML recipe. Where each number comes from (transformers 5.23, read from the installed
source; older rules from the released wheels named below):

* **Batches per epoch, per process.** ``len(DataLoader)``: ``N // B`` with
  ``dataloader_drop_last``, else ``ceil(N / B)`` (torch ``BatchSampler.__len__``). With
  ``W`` processes accelerate shards the batches (``BatchSamplerShard.__len__`` in
  accelerate/data_loader.py, ``even_batches=True`` by default in the Trainer's
  ``AcceleratorConfig``): ``n // W`` when it divides, else ``n // W`` with drop_last and
  ``n // W + 1`` without.
* **Updates per epoch.** ``Trainer.set_initial_training_values`` (transformers/trainer.py):
  ``max(ceil(batches / gradient_accumulation_steps), 1)`` since transformers 4.52 (a last,
  partial accumulation still makes an optimizer step); ``max(batches // accumulation, 1)``
  before (checked: 4.51.3 rounds down, 4.52.4 up). The rule of the installed
  transformers is used, 5.23's when it is not installed, and the row says which.
* **Total optimizer steps.** ``max_steps`` when > 0, else ``ceil(num_train_epochs x
  updates per epoch)`` (same method); the Trainer stops at that step, so a fractional
  ``num_train_epochs`` ends mid-epoch.
* **Warmup.** ``TrainingArguments.get_warmup_steps`` (transformers/training_args.py),
  transformers 5: ``int(warmup_steps)`` when >= 1, else ``ceil(total x warmup_steps)``.
  A file with a ``warmup_ratio`` comes from transformers 4, whose rule was
  ``warmup_steps if warmup_steps > 0 else ceil(total x warmup_ratio)``; 5.0 and 5.1
  copied a set ``warmup_ratio`` into ``warmup_steps``; 5.2 removed the key.
* **The schedule.** ``Trainer.create_scheduler`` calls ``get_scheduler(lr_scheduler_type,
  optimizer, num_warmup_steps=warmup, num_training_steps=total,
  scheduler_specific_kwargs=lr_scheduler_kwargs)``; ``get_scheduler``
  (transformers/optimization.py) passes ``constant`` nothing, ``constant_with_warmup``
  the warmup only, ``inverse_sqrt`` no total. The plan's params are exactly what it
  passes, and ``hf.<type>`` (:mod:`lrviz.registry.frameworks`) makes the same call.
* **The optimizer** only matters for what is drawn beside the lr (beta1 / momentum): the
  schedule multiplies ``learning_rate``. ``adamw_torch`` / ``adamw_torch_fused`` are torch
  ``AdamW(betas=(adam_beta1, adam_beta2), eps=adam_epsilon)``; ``sgd``, ``adagrad``,
  ``rmsprop`` their torch classes with ``optim_args``; anything else is shown on AdamW,
  and a row says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lrviz.errors import ConfigError, describe
from lrviz.sources import hf_rules
from lrviz.sources import values as V
from lrviz.sources.hfkeys import refuse_near_misses
from lrviz.sources.plan import Plan, Row

#: What transformers' get_scheduler passes on, per type: (warmup, total, scheduler kwargs).
GET_SCHEDULER_PASSES = {
    "constant": (False, False, False),
    "constant_with_warmup": (True, False, False),
    "inverse_sqrt": (True, False, True),
}
_ALL = (True, True, True)
_ADAMW_TORCH = ("adamw_torch", "adamw_torch_fused")


def _dict_field(data: Mapping[str, Any], key: str) -> dict[str, Any]:
    """A TrainingArguments dict field: a mapping, a JSON string of one, or null."""
    from lrviz.sources.files import parse_json

    value = data.get(key)
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            value = parse_json(value, source=key)
        except ConfigError as exc:
            raise ConfigError(f"not a JSON object: {exc.message}", key=key) from None
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise ConfigError(f"expected a mapping (or a JSON string of one), got {describe(value)}", key=key)
    return value


def _max_steps(data: Mapping[str, Any]) -> int:
    value = data.get("max_steps", -1)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value % 1:
        raise ConfigError(f"expected a whole number (-1: the epochs decide), got {describe(value)}", key="max_steps")
    value = int(value)
    if value == 0:
        raise ConfigError(
            "0 optimizer steps: there is no schedule to show; use -1 to let num_train_epochs decide", key="max_steps"
        )
    if value > 0:
        V.check_total(value, "max_steps", "max_steps")
    return value


def _per_process_batches(n: int, batch: int, world: int, drop_last: bool, even: bool) -> tuple[int, str]:
    batches = n // batch if drop_last else -(-n // batch)
    how = f"{n:,} // {batch}" if drop_last else f"ceil({n:,} / {batch})"
    how += " (dataloader_drop_last)" if drop_last else ""
    if world == 1:
        return batches, how
    if batches % world == 0:
        per = batches // world
        return per, f"{how} = {batches:,}, / {world} processes"
    if drop_last:
        return batches // world, f"{how} = {batches:,}, // {world} processes (accelerate drops the remainder)"
    per = batches // world + 1
    why = "even_batches" if even else "process 0's share"
    return per, f"{how} = {batches:,}, ceil over {world} processes (accelerate, {why})"


def _optimizer(data: Mapping[str, Any], lr: float) -> tuple[dict[str, Any], str]:
    optim = V.text(data, "optim", "adamw_torch_fused").lower()
    wd = V.number(data, "weight_decay", 0.0, minimum=0)
    beta1 = V.number(data, "adam_beta1", 0.9, minimum=0, below=1)
    beta2 = V.number(data, "adam_beta2", 0.999, minimum=0, below=1)
    eps = V.number(data, "adam_epsilon", 1e-8, minimum=0)
    adamw = {"name": "AdamW", "lr": lr, "betas": [beta1, beta2], "eps": eps, "weight_decay": wd}
    if optim in _ADAMW_TORCH:
        return adamw, f"{optim}: torch AdamW"
    args = _optim_args(data)
    if optim == "sgd":
        spec = {"name": "SGD", "lr": lr, "weight_decay": wd}
        for k in ("momentum", "dampening", "weight_decay"):
            if k in args:
                spec[k] = _float_arg(args, k)
        if "nesterov" in args:
            spec["nesterov"] = args["nesterov"].lower() in ("true", "1", "yes")
        return spec, "sgd: torch SGD (optim_args as the Trainer reads them)"
    if optim == "adagrad":
        spec = {"name": "Adagrad", "lr": lr}
        for k in ("lr_decay", "weight_decay", "eps"):
            if k in args:
                spec[k] = _float_arg(args, k)
        return spec, "adagrad: torch Adagrad"
    if optim == "rmsprop":
        spec = {"name": "RMSprop", "lr": lr}
        for k in ("momentum", "alpha", "eps", "weight_decay"):
            if k in args:
                spec[k] = _float_arg(args, k)
        if "centered" in args:
            spec["centered"] = args["centered"].lower() in ("true", "1", "yes")
        return spec, "rmsprop: torch RMSprop"
    return adamw, f"{optim} is not a torch optimizer; shown on torch AdamW (the lr schedule does not depend on it)"


def _optim_args(data: Mapping[str, Any]) -> dict[str, str]:
    """``optim_args`` as the Trainer splits it: ``"momentum=0.9,nesterov=True"``."""
    raw = data.get("optim_args")
    if raw is None or raw == "":
        return {}
    if not isinstance(raw, str):
        raise ConfigError(f"expected text such as 'momentum=0.9,nesterov=True', got {describe(raw)}", key="optim_args")
    out = {}
    for item in raw.replace(" ", "").split(","):
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"expected key=value pairs separated by commas, got {raw!r}", key="optim_args")
        out[key] = value
    return out


def _float_arg(args: dict[str, str], key: str) -> float:
    try:
        value = float(args[key])
    except ValueError:
        raise ConfigError(f"{key}={args[key]!r} is not a number", key="optim_args") from None
    if not math.isfinite(value):
        raise ConfigError(f"{key}={args[key]!r} is not a finite number", key="optim_args")
    return value


def _scheduler_params(
    type_name: str, kwargs: dict[str, Any], warmup: int, total: int
) -> tuple[dict[str, Any], list[str]]:
    """The params get_scheduler passes to the schedule function, and notes on what it drops."""
    from lrviz.registry.frameworks import lookup

    info = lookup(f"hf.{type_name}", key="lr_scheduler_type")
    passes_warmup, passes_total, passes_kwargs = GET_SCHEDULER_PASSES.get(type_name, _ALL)
    params: dict[str, Any] = {}
    notes = []
    if passes_warmup:
        params["num_warmup_steps"] = warmup
    if passes_total:
        params["num_training_steps"] = total
    if kwargs and not passes_kwargs:
        notes.append(f"lr_scheduler_kwargs ignored: get_scheduler passes none to {type_name}")
        return params, notes
    sig = info.signature.parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in sig.values())
    for k, v in kwargs.items():
        if k in ("optimizer", "num_warmup_steps", "num_training_steps") or (k not in sig and not takes_any):
            allowed = [p for p in sig if p not in ("optimizer", "num_warmup_steps", "num_training_steps")]
            raise ConfigError(
                f"{type_name} takes no {k!r} here; lr_scheduler_kwargs for it: {', '.join(allowed) or 'none'}",
                key=f"lr_scheduler_kwargs.{k}",
            )
        params[k] = v
    return params, notes


@dataclass(frozen=True)
class _Settings:
    """The TrainingArguments fields the schedule depends on, checked."""

    lr: float
    type_name: str
    kwargs: dict[str, Any]
    epochs: float
    max_steps: int
    batch: int
    accum: int
    drop_last: bool
    warmup_steps: float
    warmup_ratio: float | None
    accel: dict[str, Any]


def _settings(data: Mapping[str, Any]) -> _Settings:
    from lrviz.registry.frameworks import hf_types, lookup

    type_name = V.text(data, "lr_scheduler_type", "linear")
    if type_name not in hf_types():
        lookup(f"hf.{type_name}", key="lr_scheduler_type")  # says why: metric-driven, or unknown (did you mean)
    return _Settings(
        lr=V.number(data, "learning_rate", 5e-5, minimum=0),
        type_name=type_name,
        kwargs=_dict_field(data, "lr_scheduler_kwargs"),
        epochs=V.number(data, "num_train_epochs", 3.0, minimum=0),
        max_steps=_max_steps(data),
        batch=V.whole(data, "per_device_train_batch_size", 8),
        accum=V.whole(data, "gradient_accumulation_steps", 1),
        drop_last=V.flag(data, "dataloader_drop_last", False),
        warmup_steps=V.number(data, "warmup_steps", 0, minimum=0),
        warmup_ratio=V.number(data, "warmup_ratio", None, minimum=0, maximum=1, none=True),
        accel=_dict_field(data, "accelerator_config"),
    )


def _updates_per_epoch(s: _Settings, n: int, world: int, rules: tuple[int, int], origin: str, rows: list[Row]) -> int:
    """Set_initial_training_values' updates per epoch from n examples (rows appended)."""
    if world > 1 and (s.accel.get("split_batches") or s.accel.get("dispatch_batches")):
        which = "split_batches" if s.accel.get("split_batches") else "dispatch_batches"
        raise ConfigError(
            f"lrviz counts batches as accelerate does by default ({which}: false) with more than one process",
            key=f"accelerator_config.{which}",
        )
    even = s.accel.get("even_batches", True) is not False
    per, how = _per_process_batches(n, s.batch, world, s.drop_last, even)
    if per == 0:
        raise ConfigError(
            f"{n:,} examples make no full batch of {s.batch} per process with dataloader_drop_last: "
            "the Trainer would refuse to train (check --dataset-size)",
            key="per_device_train_batch_size",
        )
    rows.append(Row("batches per epoch", per, f"{how}; per process" if world > 1 else how))
    if hf_rules.rounds_up(rules):
        nupe = max(-(-per // s.accum), 1)
        how = f"max(ceil({per:,} / {s.accum}), 1): a last, partial accumulation still steps"
    else:
        nupe = max(per // s.accum, 1)
        how = f"max({per:,} // {s.accum}, 1): a last, partial accumulation is not counted"
    rows.append(Row("updates per epoch", nupe, f"{how} ({hf_rules.name(rules, origin)})"))
    return nupe


def _total(s: _Settings, nupe: int | None, rows: list[Row]) -> int:
    """Total optimizer steps: max_steps when > 0, else ceil(num_train_epochs x updates per epoch)."""
    if s.max_steps > 0:
        if nupe is not None:
            rows.append(Row("epochs", -(-s.max_steps // nupe), f"ceil({s.max_steps:,} / {nupe:,}) (max_steps decides)"))
        rows.append(Row("total optimizer steps", s.max_steps, "max_steps (wins over num_train_epochs)"))
        return s.max_steps
    assert nupe is not None
    raw_total = s.epochs * nupe
    if raw_total > 1e15:
        raise ConfigError(
            f"num_train_epochs x updates per epoch = {raw_total:.3g} optimizer steps", key="num_train_epochs"
        )
    total = math.ceil(raw_total)
    rows.append(Row("epochs", s.epochs, "num_train_epochs (the Trainer stops at the total below)"))
    V.check_total(total, "num_train_epochs", f"ceil({s.epochs!r} x {nupe:,})")
    rows.append(Row("total optimizer steps", total, f"ceil({s.epochs!r} x {nupe:,})"))
    return total


def plan(
    data: Mapping[str, Any],
    *,
    dataset_size: int | None = None,
    world_size: int = 1,
    source: str | None = None,
    transformers_version: str | None = None,
) -> Plan:
    """Read a TrainingArguments mapping; see the module docstring for every rule.

    ``transformers_version``: the release whose rules apply (``"4.46"``); default the installed one."""
    from lrviz.registry.frameworks import hf_backend

    world = V.option(world_size, "--world-size", needed_for="the number of processes")
    refuse_near_misses(data, hf_rules.installed_version() is not None)
    s = _settings(data)
    rules, origin = hf_rules.rules_for(transformers_version)
    rows = [
        Row("transformers rules", f"{rules[0]}.{rules[1]}", hf_rules.name(rules, origin)),
        Row("world size", world, "--world-size (processes; default 1)"),
        Row(
            "batch",
            f"{s.batch} x {s.accum} x {world} = {s.batch * s.accum * world:,}",
            "per_device_train_batch_size x gradient_accumulation_steps x world size",
        ),
    ]
    nupe = n = None
    if s.max_steps < 0 or dataset_size is not None:
        n = V.option(
            dataset_size,
            "--dataset-size",
            needed_for="the total optimizer steps come from the number of training examples (max_steps is not set)",
        )
        rows.insert(0, Row("examples", n, "--dataset-size"))
        nupe = _updates_per_epoch(s, n, world, rules, origin, rows)
    total = _total(s, nupe, rows)
    warmup, warmup_how = _warmup(s.warmup_steps, s.warmup_ratio, total, rules)
    rows.append(Row("warmup steps", warmup, warmup_how))

    params, notes = _scheduler_params(s.type_name, s.kwargs, warmup, total)
    optimizer, optim_how = _optimizer(data, s.lr)
    shown = ", ".join(f"{k}={v!r}" for k, v in params.items())
    rows += [
        Row("lr", s.lr, "learning_rate"),
        Row("optimizer", optimizer["name"], optim_how),
        Row(
            "scheduler",
            f"{s.type_name}({shown})",
            f"get_scheduler as Trainer.create_scheduler calls it; built by {hf_backend()[1]}",
        ),
    ]
    rows += [Row("note", note) for note in notes]

    config: dict[str, Any] = {"steps": total}
    if nupe is not None:
        config["steps_per_epoch"] = nupe
    config["optimizer"] = optimizer
    config["schedules"] = [{"label": f"{s.type_name} (Trainer)", "scheduler": f"hf.{s.type_name}", "params": params}]

    if s.max_steps > 0:
        steps_part = f"max_steps {total:,}"
    else:
        steps_part = f"{nupe:,} updates/epoch x {s.epochs:g} epochs = {total:,} steps"
    counted = f"{n:,} ex / ({s.batch}x{s.accum}x{world}) -> " if n is not None and s.max_steps < 0 else ""
    summary = f"HF Trainer: {counted}{steps_part}, warmup {warmup:,}"
    return Plan(kind="hf", config=config, rows=rows, summary=summary, source=source)


def _warmup(steps: float, ratio: float | None, total: int, rules: tuple[int, int]) -> tuple[int, str]:
    """TrainingArguments.get_warmup_steps of the rules in force (see the module docstring)."""
    if rules < (5, 0):
        if steps != int(steps):
            raise ConfigError(f"transformers 4 takes a whole number of warmup steps, got {steps!r}", key="warmup_steps")
        if steps > 0:
            return int(steps), "warmup_steps (transformers 4: it wins over warmup_ratio)"
        ratio = ratio or 0.0
        return math.ceil(total * ratio), f"ceil({total:,} x {ratio!r}) (warmup_ratio, transformers 4)"
    if ratio is not None and rules < (5, 2):
        steps = ratio  # transformers 5.0 / 5.1: a set warmup_ratio replaces warmup_steps
        if steps >= 1:
            return int(steps), f"int({steps!r}) (warmup_ratio copied into warmup_steps, transformers 5.0/5.1)"
        return math.ceil(total * steps), f"ceil({total:,} x {steps!r}) (warmup_ratio, transformers 5.0/5.1)"
    if ratio is not None and ratio > 0:  # a transformers 4 file read under 5.2+: its own rule
        if steps > 0:
            return int(steps), "warmup_steps (a transformers 4 file: warmup_steps > 0 wins over warmup_ratio)"
        return math.ceil(total * ratio), f"ceil({total:,} x {ratio!r}) (warmup_ratio of a transformers 4 file)"
    if steps >= 1:
        return int(steps), f"int({steps!r}) (warmup_steps >= 1 counts steps)"
    return math.ceil(total * steps), f"ceil({total:,} x {steps!r}) (warmup_steps < 1 is a ratio of the total)"
