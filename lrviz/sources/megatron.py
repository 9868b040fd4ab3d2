"""Megatron-LM / NeMo pretraining arguments in, the schedule Megatron-Core's OptimizerParamScheduler runs out.

The arguments come as a YAML mapping or as a saved command line
(:mod:`lrviz.sources.megatron_args`, which types them as Megatron's argparse does).
Then Megatron-LM's rules, quoted from NVIDIA/Megatron-LM (commit 000c4ac of
megatron/training/arguments.py, 001b00c of megatron/training/training.py):

* **validate_args**: ``data_parallel_size = world_size // (tensor x pipeline x context
  parallel)`` (the world size must divide); ``global_batch_size`` defaults to
  ``micro_batch_size x data_parallel_size``; iteration-based (``--train-iters``) and
  sample-based (``--train-samples``) training exclude each other's decay / warmup
  arguments and ``--lr-warmup-fraction`` excludes ``--lr-warmup-iters`` /
  ``--lr-warmup-samples``; ``--rampup-batch-size`` needs sample-based training;
  ``min_lr <= lr``; a ``constant`` weight-decay style takes ``--weight-decay`` for start
  and end (giving ``--start-weight-decay`` is refused), any other needs both.
* **get_optimizer_param_scheduler** (training.py): iteration-based, every length is in
  samples: ``lr_decay_steps = lr_decay_iters (default train_iters) x global_batch_size``,
  ``wd_incr_steps = train_iters x global_batch_size``, ``wsd_decay_steps =
  lr_wsd_decay_iters x global_batch_size``, warmup ``lr_warmup_fraction x
  lr_decay_steps`` or ``lr_warmup_iters x global_batch_size``. Sample-based:
  ``train_iters = train_samples // global_batch_size`` (update_train_iters),
  ``lr_decay_steps = lr_decay_samples`` (default train_samples), ``wsd_decay_steps =
  lr_wsd_decay_samples``, warmup ``fraction x lr_decay_steps`` or ``lr_warmup_samples``.
* **train_step**: ``opt_param_scheduler.step(increment=get_num_microbatches() x
  micro_batch_size x data_parallel_size)``, the global batch size, once per iteration
  (in both modes). So lrviz shows ``train_iters`` steps, each the lr of one iteration.

Not modelled, and said so: ``--rampup-batch-size`` (refused: the increment changes
while the batch ramps up), ``--decoupled-lr`` (the embedding / output layers' own lr:
the default group is shown), iterations whose update is skipped (fp16 overflow).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lrviz.errors import ConfigError, LrvizError
from lrviz.sources import values as V
from lrviz.sources.megatron_args import ARGS, read_args
from lrviz.sources.plan import Plan, Row


def _data_parallel(args: Mapping[str, Any], world: int) -> tuple[int, str]:
    model = args["tensor_model_parallel_size"] * args["pipeline_model_parallel_size"] * args["context_parallel_size"]
    if model < 1 or world % model:
        raise LrvizError(
            f"world size ({world}) is not divisible by tensor x pipeline x context parallel size ({model}): "
            "Megatron's validate_args refuses it (pass --world-size N)"
        )
    return world // model, f"world size {world} // (tensor x pipeline x context parallel = {model})"


def _global_batch(args: Mapping[str, Any], dp: int) -> tuple[int, str]:
    if args["global_batch_size"] is not None:
        gbs, how = args["global_batch_size"], "--global-batch-size"
    elif args["micro_batch_size"] is not None:
        gbs, how = args["micro_batch_size"] * dp, "--micro-batch-size x data-parallel size (validate_args' default)"
    else:
        raise ConfigError(
            "missing: Megatron asserts --micro-batch-size is given, and the global batch size (default micro x "
            "data-parallel size) sets the scheduler's step: give --global-batch-size or --micro-batch-size",
            key="global_batch_size",
        )
    if gbs < 1:
        raise ConfigError(f"expected a whole number >= 1, got {gbs}", key="global_batch_size")
    return gbs, how


def _exclusive(args: Mapping[str, Any]) -> str:
    """``iters`` or ``samples``: validate_args' checks of the two modes, with the flag that breaks them."""
    iters, samples = args["train_iters"], args["train_samples"]
    if not iters and not samples:
        raise ConfigError("missing: give --train-iters or --train-samples (training.py raises)", key="train_iters")
    mode = "iters" if iters else "samples"
    other = "samples" if mode == "iters" else "iters"
    checks = [
        (f"train_{other}", args[f"train_{other}"] is not None),
        (f"lr_decay_{other}", args[f"lr_decay_{other}"] is not None),
        (f"lr_warmup_{other}", args[f"lr_warmup_{other}"] != 0),
    ]
    for dest, bad in checks:
        if bad:
            raise ConfigError(
                f"expected {'iteration' if mode == 'iters' else 'sample'}-based training (--train-{mode} is given): "
                "validate_args refuses it",
                key=dest,
            )
    if args["lr_warmup_fraction"] is not None and args[f"lr_warmup_{mode}"] != 0:
        raise ConfigError(f"can only specify one of lr-warmup-fraction and lr-warmup-{mode}", key="lr_warmup_fraction")
    if args["rampup_batch_size"] is not None:
        raise ConfigError(
            "a batch-size rampup changes each iteration's increment; lrviz does not model it"
            + (" (and Megatron refuses it with --train-iters)" if mode == "iters" else ""),
            key="rampup_batch_size",
        )
    return mode


def _weight_decay(args: Mapping[str, Any]) -> tuple[float, float]:
    if args["weight_decay_incr_style"] == "constant":
        for dest in ("start_weight_decay", "end_weight_decay"):
            if args[dest] is not None:
                raise ConfigError("with --weight-decay-incr-style constant, give --weight-decay only", key=dest)
        return args["weight_decay"], args["weight_decay"]
    for dest in ("start_weight_decay", "end_weight_decay"):
        if args[dest] is None:
            raise ConfigError(
                f"missing: --weight-decay-incr-style {args['weight_decay_incr_style']} needs it", key=dest
            )
    return args["start_weight_decay"], args["end_weight_decay"]


def _lengths(args: dict[str, Any], mode: str, gbs: int) -> tuple[int, dict[str, Any], list[Row]]:
    """(iterations shown, the scheduler's step counts, rows): get_optimizer_param_scheduler's arithmetic."""
    if mode == "iters":
        iters = args["train_iters"]
        decay_iters = args["lr_decay_iters"] or iters  # "if args.lr_decay_iters is None"
        decay = decay_iters * gbs
        wsd = args["lr_wsd_decay_iters"] * gbs if args["lr_wsd_decay_iters"] is not None else None
        warm = (
            args["lr_warmup_fraction"] * decay
            if args["lr_warmup_fraction"] is not None
            else args["lr_warmup_iters"] * gbs
        )
        wd_steps = iters * gbs
        rows = [
            Row("iterations", iters, "--train-iters"),
            Row("lr decay steps", decay, f"{decay_iters:,} iterations x global batch"),
        ]
    else:
        iters = args["train_samples"] // gbs  # update_train_iters
        decay = args["lr_decay_samples"] or args["train_samples"]
        wsd = args["lr_wsd_decay_samples"]
        warm = (
            args["lr_warmup_fraction"] * decay if args["lr_warmup_fraction"] is not None else args["lr_warmup_samples"]
        )
        wd_steps = args["train_samples"]
        rows = [
            Row("iterations", iters, f"--train-samples {args['train_samples']:,} // global batch (update_train_iters)"),
            Row("lr decay steps", decay, "--lr-decay-samples" if args["lr_decay_samples"] else "--train-samples"),
        ]
    if args["lr_warmup_fraction"] is not None:
        how = "--lr-warmup-fraction x lr decay steps"
    else:
        how = "--lr-warmup-iters x global batch" if mode == "iters" else "--lr-warmup-samples"
    rows.append(Row("lr warmup steps", warm, how))
    if wsd is not None or args["lr_decay_style"] == "WSD":
        rows.append(Row("wsd decay steps", "none" if wsd is None else wsd, f"--lr-wsd-decay-{mode}"))
    counts = {"lr_decay_steps": decay, "lr_warmup_steps": warm, "wsd_decay_steps": wsd, "wd_incr_steps": wd_steps}
    return iters, counts, rows


def _check_scheduler(args: Mapping[str, Any], counts: Mapping[str, Any], start_wd: float, end_wd: float) -> None:
    """OptimizerParamScheduler.__init__'s asserts, worded with the flags (Megatron refuses these too)."""
    lr, min_lr, init = args["lr"], args["min_lr"], args["lr_warmup_init"]
    rules = [
        (min_lr >= 0.0, "min_lr", f"--min-lr must be >= 0, got {min_lr!r}"),
        (lr >= min_lr, "min_lr", f"--min-lr {min_lr!r} is above --lr {lr!r} (validate_args asserts min_lr <= lr)"),
        (init <= lr, "lr_warmup_init", f"--lr-warmup-init {init!r} is above --lr {lr!r}"),
        (counts["lr_decay_steps"] > 0, "lr_decay_iters", "the lr decay length must be > 0"),
        (
            counts["lr_warmup_steps"] < counts["lr_decay_steps"],
            "lr_warmup_iters",
            f"warmup ({counts['lr_warmup_steps']:,} samples) must end before the decay does "
            f"({counts['lr_decay_steps']:,} samples)",
        ),
        (start_wd >= 0.0 and end_wd >= start_wd, "start_weight_decay", "weight decay must be 0 <= start <= end"),
        (
            args["lr_decay_style"] != "WSD" or counts["wsd_decay_steps"] is not None,
            "lr_wsd_decay_iters",
            "--lr-decay-style WSD needs the length of its decay: --lr-wsd-decay-iters (or -samples)",
        ),
    ]
    for ok, dest, message in rules:
        if not ok:
            raise ConfigError(message + ": OptimizerParamScheduler asserts it", key=dest)


def _optimizer(args: Mapping[str, Any], start_wd: float) -> tuple[dict[str, Any], str]:
    name = str(args["optimizer"]).lower()
    if name == "sgd":
        return {"name": "SGD", "lr": args["lr"], "momentum": args["sgd_momentum"]}, "--optimizer sgd: torch SGD"
    betas = [args["adam_beta1"], args["adam_beta2"]]
    opt = {"name": "AdamW", "lr": args["lr"], "betas": betas, "eps": args["adam_eps"], "weight_decay": start_wd}
    if name == "adam":
        return opt, "--optimizer adam: Megatron's Adam decouples weight decay (AdamW)"
    return opt, f"--optimizer {name}: shown on AdamW with its lr (the scheduler writes every lr)"


def _arguments(data: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """(the arguments typed as argparse types them, the other arguments' names)."""
    raw = V.normalise_keys(data)
    ignored = raw.pop("__other_flags__", None)
    if ignored is None:  # a YAML: its keys that are no argument lrviz reads
        ignored = [k for k in raw if k not in ARGS]
    typos = V.misspelt({k: None for k in ignored}, ARGS)
    if typos:  # Megatron's argparse refuses an unknown flag; lrviz knows only the schedule's, so only near misses
        raise ConfigError(f"unknown argument {typos[0]}: Megatron's argparse would refuse it")
    return read_args(raw), list(ignored)


def plan(
    data: Mapping[str, Any], *, dataset_size: int | None = None, world_size: int = 1, source: str | None = None
) -> Plan:
    """Read Megatron's arguments (YAML keys or a parsed command line); see the module docstring for the rules."""
    world = V.option(world_size, "--world-size", needed_for="the number of processes")
    args, ignored = _arguments(data)
    if args["lr"] is None:
        raise ConfigError("missing: Megatron builds the schedule from --lr (its default None fails)", key="lr")
    dp, dp_how = _data_parallel(args, world)
    gbs, gbs_how = _global_batch(args, dp)
    mode = _exclusive(args)
    iters, counts, length_rows = _lengths(args, mode, gbs)
    start_wd, end_wd = _weight_decay(args)
    _check_scheduler(args, counts, start_wd, end_wd)
    V.check_total(iters, f"train_{mode}", "iterations")
    optimizer, optim_how = _optimizer(args, start_wd)
    style = args["lr_decay_style"]
    params = {
        "max_lr": args["lr"],
        "min_lr": args["min_lr"],
        "init_lr": args["lr_warmup_init"],
        "lr_warmup_steps": counts["lr_warmup_steps"],
        "lr_decay_steps": counts["lr_decay_steps"],
        "start_wd": start_wd,
        "end_wd": end_wd,
        "wd_incr_steps": counts["wd_incr_steps"],
        "wd_incr_style": args["weight_decay_incr_style"],
        "increment": gbs,
    }
    if counts["wsd_decay_steps"] is not None or style == "WSD":
        params.update(wsd_decay_steps=counts["wsd_decay_steps"], lr_wsd_decay_style=args["lr_wsd_decay_style"])
    rows = [
        Row("world size", world, "--world-size (processes; default 1)"),
        Row("data-parallel size", dp, dp_how),
        Row("global batch", gbs, gbs_how),
        Row("training", f"{mode}-based", f"--train-{mode}"),
        *length_rows,
        Row("total optimizer steps", iters, "one scheduler step per iteration"),
        Row(
            "stepping",
            "per iteration",
            f"step(increment={gbs:,}) after each applied update (train_step: microbatches x micro x data parallel)",
        ),
        Row("lr", args["lr"], f"--lr; --min-lr {args['min_lr']!r}, --lr-warmup-init {args['lr_warmup_init']!r}"),
        Row("scheduler", f"megatron.{style}", "Megatron-Core OptimizerParamScheduler, --lr-decay-style"),
        Row("optimizer", optimizer["name"], optim_how),
    ]
    if args["decoupled_lr"] is not None:
        rows.append(Row("note", "--decoupled-lr is not modelled: the default param group is shown"))
    if ignored:
        rows.append(Row("other arguments", len(ignored), "not about the schedule: ignored"))
    if dataset_size is not None:
        rows.append(Row("note", "--dataset-size is not used: Megatron counts iterations or samples itself"))
    config = {
        "steps": iters,
        "optimizer": optimizer,
        "schedules": [{"label": f"{style} (Megatron)", "scheduler": f"megatron.{style}", "params": params}],
    }
    return Plan(kind="megatron", config=config, rows=rows, summary=_summary(iters, gbs, style, counts), source=source)


def _summary(iters: int, gbs: int, style: str, counts: Mapping[str, Any]) -> str:
    warm = counts["lr_warmup_steps"]
    warm_shown = f"{int(warm):,}" if float(warm).is_integer() else f"{warm:,.1f}"
    return f"Megatron: {iters:,} iterations x global batch {gbs:,}, {style}, warmup {warm_shown} samples"[:120]
