"""torchvision's classification reference: a recipe's arguments in, the schedule train.py builds out.

``references/classification/train.py`` (pytorch/vision) takes its recipe as command-line
flags; a recipe file here holds the same arguments by their argparse names
(``lr_scheduler``, ``lr_warmup_epochs``...; dashes read as underscores), as YAML or
JSON. Missing keys take the script's defaults (:data:`TRAIN_DEFAULTS`, from
``get_args_parser``). Everything below is torch's own classes, so the config needs no
framework installed; how ``main()`` builds and steps them:

* main scheduler (``args.lr_scheduler.lower()``): ``steplr`` -> ``StepLR(step_size=
  lr_step_size, gamma=lr_gamma)``; ``cosineannealinglr`` -> ``CosineAnnealingLR(T_max=
  epochs - lr_warmup_epochs, eta_min=lr_min)``; ``exponentiallr`` ->
  ``ExponentialLR(gamma=lr_gamma)``; anything else is the script's RuntimeError.
* with ``lr_warmup_epochs > 0``, a warmup (``linear`` -> ``LinearLR(start_factor=
  lr_warmup_decay, total_iters=lr_warmup_epochs)``, ``constant`` -> ``ConstantLR(factor=
  lr_warmup_decay, total_iters=lr_warmup_epochs)``) and ``SequentialLR(schedulers=[warmup,
  main], milestones=[lr_warmup_epochs])``.
* ``lr_scheduler.step()`` once after every epoch, ``epochs`` epochs: lrviz's
  ``interval: epoch`` with the updates per epoch as ``steps_per_epoch``.
* the optimizer: ``opt`` starting with ``sgd`` -> ``SGD(lr, momentum, weight_decay,
  nesterov="nesterov" in opt)``, ``rmsprop`` -> ``RMSprop(..., eps=0.0316, alpha=0.9)``,
  ``adamw`` -> ``AdamW(lr, weight_decay)``.
* updates per epoch: the train ``DataLoader`` keeps the last partial batch (no
  ``drop_last``) over ``ceil(N / world_size)`` samples per process
  (``DistributedSampler``), or the ``RASampler`` share ``floor(N // 256 x 256 /
  world_size)`` with ``ra_sampler`` (references/classification/sampler.py). The
  schedule itself does not depend on it: without ``--dataset-size`` one step per epoch
  is shown.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from lrviz.errors import ConfigError
from lrviz.sources import values as V
from lrviz.sources.plan import Plan, Row

#: get_args_parser() defaults of references/classification/train.py for the keys used here.
TRAIN_DEFAULTS: dict[str, Any] = {
    "lr": 0.1,
    "epochs": 90,
    "opt": "sgd",
    "momentum": 0.9,
    "weight_decay": 1e-4,
    "lr_scheduler": "steplr",
    "lr_warmup_epochs": 0,
    "lr_warmup_method": "constant",
    "lr_warmup_decay": 0.01,
    "lr_step_size": 30,
    "lr_gamma": 0.1,
    "lr_min": 0.0,
    "batch_size": 32,
    "ra_sampler": False,
    "ra_reps": 3,
    "start_epoch": 0,
}
#: Every argparse destination of train.py's get_args_parser (pytorch/vision main: the flags
#: with dashes as underscores, plus the short aliases). train.py refuses any other
#: argument ("unrecognized arguments"), and so does lrviz: a misspelt key would
#: otherwise take its default silently (``lr_warmup_epoch: 30`` shown as no warmup).
TRAIN_ARGS = frozenset(
    {
        "data_path", "model", "device", "batch_size", "b", "epochs", "workers", "j", "opt", "lr", "momentum",
        "weight_decay", "wd", "norm_weight_decay", "bias_weight_decay", "transformer_embedding_decay",
        "label_smoothing", "mixup_alpha", "cutmix_alpha", "lr_scheduler", "lr_warmup_epochs", "lr_warmup_method",
        "lr_warmup_decay", "lr_step_size", "lr_gamma", "lr_min", "print_freq", "output_dir", "resume",
        "start_epoch", "cache_dataset", "sync_bn", "test_only", "auto_augment", "ra_magnitude", "augmix_severity",
        "random_erase", "amp", "world_size", "dist_url", "model_ema", "model_ema_steps", "model_ema_decay",
        "use_deterministic_algorithms", "interpolation", "val_resize_size", "val_crop_size", "train_crop_size",
        "clip_grad_norm", "ra_sampler", "ra_reps", "weights", "backend", "use_v2", "pretrained",
    }
)  # fmt: skip
SCHEDULERS = ("steplr", "cosineannealinglr", "exponentiallr")
WARMUPS = ("linear", "constant")


def _main_scheduler(args: dict[str, Any], name: str) -> dict[str, Any]:
    if name == "steplr":
        step = V.whole(args, "lr_step_size")
        return {"scheduler": "StepLR", "params": {"step_size": step, "gamma": V.number(args, "lr_gamma")}}
    if name == "cosineannealinglr":
        t_max = args["epochs"] - args["lr_warmup_epochs"]
        return {"scheduler": "CosineAnnealingLR", "params": {"T_max": t_max, "eta_min": V.number(args, "lr_min")}}
    return {"scheduler": "ExponentialLR", "params": {"gamma": V.number(args, "lr_gamma")}}


def _optimizer(args: dict[str, Any]) -> tuple[dict[str, Any], str]:
    opt = V.text(args, "opt", "sgd").lower()
    lr, momentum, wd = args["lr"], V.number(args, "momentum"), V.number(args, "weight_decay", minimum=0)
    if opt.startswith("sgd"):
        return {
            "name": "SGD",
            "lr": lr,
            "momentum": momentum,
            "weight_decay": wd,
            "nesterov": "nesterov" in opt,
        }, f"{opt}: torch SGD"
    if opt == "rmsprop":
        return {
            "name": "RMSprop",
            "lr": lr,
            "momentum": momentum,
            "weight_decay": wd,
            "eps": 0.0316,
            "alpha": 0.9,
        }, "rmsprop: torch RMSprop(eps=0.0316, alpha=0.9)"
    if opt == "adamw":
        return {"name": "AdamW", "lr": lr, "weight_decay": wd}, "adamw: torch AdamW"
    raise ConfigError(f"unknown optimizer {opt!r}; train.py supports sgd (sgd_nesterov), rmsprop and adamw", key="opt")


def _schedule(args: dict[str, Any], warmup: int) -> tuple[dict[str, Any], str]:
    """The scheduler spec main() builds, and how to show it."""
    name = V.text(args, "lr_scheduler", "steplr").lower()  # main(): args.lr_scheduler.lower()
    if name not in SCHEDULERS:
        raise ConfigError(
            f"unknown lr_scheduler {name!r}; train.py supports steplr, cosineannealinglr and exponentiallr",
            key="lr_scheduler",
        )
    main = _main_scheduler(args, name)
    if warmup == 0:
        return main, main["scheduler"]
    method = V.text(args, "lr_warmup_method", "constant")
    if method not in WARMUPS:
        raise ConfigError(
            f"unknown lr_warmup_method {method!r}; train.py supports linear and constant", key="lr_warmup_method"
        )
    decay = V.number(args, "lr_warmup_decay")
    if method == "linear":
        warm = {"scheduler": "LinearLR", "params": {"start_factor": decay, "total_iters": warmup}}
    else:
        warm = {"scheduler": "ConstantLR", "params": {"factor": decay, "total_iters": warmup}}
    schedule = {"scheduler": "SequentialLR", "params": {"schedulers": [warm, main], "milestones": [warmup]}}
    return schedule, f"SequentialLR([{warm['scheduler']}, {main['scheduler']}], milestones=[{warmup}])"


def _refuse_unknown(given: dict[str, Any]) -> None:
    """train.py's own refusal of an argument its parser does not define, with a did-you-mean."""
    from lrviz.errors import ConfigErrors, did_you_mean

    unknown = [k for k in given if k not in TRAIN_ARGS]
    errors = [
        ConfigError(
            f"train.py has no argument {k!r}{did_you_mean(k, sorted(TRAIN_ARGS))}; its parser refuses it "
            "(unrecognized arguments)",
            key=k,
        )
        for k in unknown
    ]
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ConfigErrors(errors)


def _updates_per_epoch(args: dict[str, Any], n: int, world: int, batch: int, rows: list[Row]) -> int:
    """Batches of the train DataLoader (no drop_last) over one process's samples (rows appended)."""
    if V.flag(args, "ra_sampler", False):
        per = math.floor(n // 256 * 256 / world)
        rows.append(Row("samples per process", per, f"RASampler: floor({n:,} // 256 x 256 / {world})"))
    else:
        per = -(-n // world)
        if world > 1:
            rows.append(Row("samples per process", per, f"ceil({n:,} / {world}) (DistributedSampler pads)"))
    upe = -(-per // batch)
    if upe == 0:
        raise ConfigError(
            f"{n:,} examples leave no sample per process for the RASampler (it keeps multiples of "
            "256); check --dataset-size",
            key="ra_sampler",
        )
    rows.append(
        Row("updates per epoch", upe, f"ceil({per:,} / {batch}) (the train loader keeps the last partial batch)")
    )
    return upe


def _steps_per_epoch(args: dict[str, Any], dataset_size: int | None, world: int, batch: int, rows: list[Row]) -> int:
    """Updates per epoch (1 without --dataset-size: the lr changes only at epoch ends)."""
    if dataset_size is None:
        rows.append(
            Row(
                "updates per epoch",
                "not counted",
                "no --dataset-size: the lr changes only at epoch ends, so one step is shown per epoch",
            )
        )
        return 1
    n = V.option(dataset_size, "--dataset-size", needed_for="the updates per epoch")
    rows.insert(0, Row("examples", n, "--dataset-size"))
    return _updates_per_epoch(args, n, world, batch, rows)


def plan(
    data: Mapping[str, Any], *, dataset_size: int | None = None, world_size: int = 1, source: str | None = None
) -> Plan:
    """Read a torchvision recipe mapping; see the module docstring for every rule."""
    given = V.normalise_keys(data)
    _refuse_unknown(given)
    args = {**TRAIN_DEFAULTS, **given}
    world = V.option(world_size, "--world-size", needed_for="the number of processes")
    lr = V.number(args, "lr", minimum=0)
    epochs = V.whole(args, "epochs")
    warmup = V.whole(args, "lr_warmup_epochs", minimum=0)
    batch = V.whole(args, "batch_size")
    schedule, shown = _schedule(args, warmup)
    optimizer, optim_how = _optimizer(args)

    rows = [
        Row("world size", world, "--world-size (processes; default 1)"),
        Row("batch", f"{batch} x {world} = {batch * world:,}", "batch_size x world size (no accumulation)"),
    ]
    upe = _steps_per_epoch(args, dataset_size, world, batch, rows)
    total = V.check_total(epochs * upe, "epochs", f"{epochs:,} epochs x {upe:,} updates")
    rows += [
        Row("epochs", epochs, "epochs"),
        Row("total optimizer steps", total, f"{epochs:,} x {upe:,}"),
        Row(
            "warmup steps",
            f"{warmup} epochs" if dataset_size is None else warmup * upe,
            f"lr_warmup_epochs ({args['lr_warmup_method']})" if warmup else "no warmup (lr_warmup_epochs 0)",
        ),
        Row("lr", lr, "lr"),
        Row("optimizer", optimizer["name"], optim_how),
        Row("stepping", "per epoch", "lr_scheduler.step() after every epoch"),
        Row("scheduler", shown, "built as main() builds it"),
    ]
    if args["start_epoch"]:
        rows.append(Row("note", f"start_epoch {args['start_epoch']} ignored: the run is shown from epoch 0"))
    label = V.text(args, "lr_scheduler", "steplr").lower()
    config = {
        "epochs": epochs,
        "steps_per_epoch": upe,
        "optimizer": optimizer,
        "schedules": [{"label": f"{label} (torchvision)", **schedule, "interval": "epoch"}],
    }
    if dataset_size is None:
        summary = f"torchvision: {epochs:,} epochs (one step shown per epoch), lr stepped per epoch"
    else:
        summary = (
            f"torchvision: {dataset_size:,} ex / ({batch}x{world}) -> {upe:,} updates/epoch x {epochs:,} epochs "
            f"= {total:,} steps, lr stepped per epoch"
        )
    return Plan(kind="torchvision", config=config, rows=rows, summary=summary, source=source)
