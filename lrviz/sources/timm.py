"""timm: the ``args.yaml`` that ``train.py`` writes into every output folder, in; its schedule, out.

``train.py`` (huggingface/pytorch-image-models, read at commit 2aabaef) saves its
parsed arguments as ``args.yaml`` before training; the same keys are what its
``--config`` recipe files hold. Keys missing from a hand-written recipe take
``train.py``'s argparse defaults (:data:`TRAIN_DEFAULTS`). Where each number comes from:

* **lr.** ``main()``: when ``lr`` is unset (null or 0), ``lr = lr_base x global_batch /
  lr_base_size`` with ``global_batch = batch_size x world_size x grad_accum_steps``,
  the ratio square-rooted when ``lr_base_scale`` is ``sqrt`` (or, when it is empty,
  when ``opt`` contains ``ada`` or ``lamb``).
* **Updates per epoch.** ``main()``: ``(len(loader_train) + grad_accum_steps - 1) //
  grad_accum_steps``. ``len(loader_train)``: timm's ``create_loader``
  (timm/data/loader.py) drops the last partial batch when training, over
  ``ceil(N / world_size)`` samples per process (torch ``DistributedSampler``) or, with
  ``aug_repeats``, timm's ``RepeatAugSampler`` share (timm/data/distributed_sampler.py).
* **The schedule and the number of epochs.** ``create_scheduler_v2(optimizer,
  **scheduler_kwargs(args), updates_per_epoch=...)`` (timm/scheduler/scheduler_factory.py)
  builds it and returns the epochs to run (warmup prefix, cooldown and cycles
  included); lrviz calls timm's own ``scheduler_kwargs`` and ``create_scheduler_v2``.
* **Stepping.** ``train_one_epoch``: ``lr_scheduler.step_update(num_updates=...)`` after
  every optimizer update (``num_updates`` counts updates from the start of training);
  ``main()``: ``lr_scheduler.step(epoch + 1, eval_metric)`` after every epoch. The
  ``timm.<sched>`` scheduler of :mod:`lrviz.registry.frameworks` makes both calls.

``sched: plateau`` reacts to the evaluation metric, which ``args.yaml`` does not hold:
the plan feeds a constant metric (it never improves), so the decays come as early as
``patience_epochs`` allows. ``layer_decay`` (per-layer lr scales) is not modelled: the
lr shown is the one of the layers with scale 1.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

from lrviz.errors import ConfigError, LrvizError, describe, first_line
from lrviz.sources import values as V
from lrviz.sources.plan import Plan, Row
from lrviz.textsafe import one_line

#: train.py's argparse defaults for the keys that shape the schedule (commit 2aabaef).
TRAIN_DEFAULTS: dict[str, Any] = {
    "sched": "cosine",
    "sched_on_updates": False,
    "lr": None,
    "lr_base": 0.1,
    "lr_base_size": 256,
    "lr_base_scale": "",
    "lr_noise": None,
    "lr_noise_pct": 0.67,
    "lr_noise_std": 1.0,
    "lr_cycle_mul": 1.0,
    "lr_cycle_decay": 0.5,
    "lr_cycle_limit": 1,
    "lr_k_decay": 1.0,
    "warmup_lr": 1e-5,
    "min_lr": 0,
    "epochs": 300,
    "epoch_repeats": 0.0,
    "decay_milestones": [90, 180, 270],
    "decay_epochs": 90,
    "warmup_epochs": 5,
    "warmup_prefix": False,
    "cooldown_epochs": 0,
    "patience_epochs": 10,
    "decay_rate": 0.1,
    "batch_size": 128,
    "grad_accum_steps": 1,
    "opt": "sgd",
    "momentum": 0.9,
    "weight_decay": 2e-5,
    "opt_betas": None,
    "opt_eps": None,
    "seed": 42,
    "eval_metric": "top1",
    "aug_repeats": 0,
    "layer_decay": None,
    "start_epoch": None,
}
#: The smallest chance, per draw, that timm's noise loop accepts a sample (it redraws until
#: |noise| < lr_noise_pct): below it a run would take more than ~100 draws per step.
MIN_NOISE_ACCEPT = 0.01


def _validate(args: dict[str, Any]) -> None:
    """Every schedule key, with train.py's argparse types (int where it says type=int)."""
    V.whole(args, "epochs")
    for k in ("warmup_epochs", "cooldown_epochs", "patience_epochs"):
        V.whole(args, k, minimum=0)
    V.whole(args, "lr_cycle_limit")
    V.whole(args, "batch_size")
    V.whole(args, "lr_base_size")
    for k in ("seed",):
        V.whole(args, k, minimum=0, limit=2**63 - 1)
    V.number(args, "decay_epochs", above=0)
    for k in ("decay_rate", "lr_cycle_decay", "lr_k_decay", "momentum", "weight_decay"):
        V.number(args, k)
    for k in ("min_lr", "warmup_lr", "lr_noise_std"):
        V.number(args, k, minimum=0)
    V.number(args, "lr_cycle_mul", above=0)
    V.number(args, "lr_base", minimum=0)
    V.number(args, "lr", minimum=0, none=True)
    V.number(args, "aug_repeats", minimum=0)
    V.number(args, "epoch_repeats", minimum=0)
    V.number(args, "layer_decay", none=True)
    for k in ("sched_on_updates", "warmup_prefix"):
        V.flag(args, k, False)
    for k in ("sched", "opt", "lr_base_scale", "eval_metric"):
        V.text(args, k, "")
    milestones = args["decay_milestones"]
    if not isinstance(milestones, list):
        raise ConfigError(f"expected a list of epochs, got {describe(milestones)}", key="decay_milestones")
    for i, v in enumerate(milestones):
        V.whole({f"decay_milestones[{i}]": v}, f"decay_milestones[{i}]", minimum=0)
    accum = args["grad_accum_steps"]
    if isinstance(accum, bool) or not isinstance(accum, int):
        raise ConfigError(f"expected a whole number, got {describe(accum)}", key="grad_accum_steps")
    _validate_noise(args)


def _validate_noise(args: dict[str, Any]) -> None:
    noise = args["lr_noise"]
    if noise is None:
        return
    items = noise if isinstance(noise, list) else [noise]
    if not items:
        raise ConfigError("expected one or two fractions of the schedule (noise on / off), got []", key="lr_noise")
    for i, v in enumerate(items):
        key = f"lr_noise[{i}]" if isinstance(noise, list) else "lr_noise"
        V.number({key: v}, key, minimum=0)
    pct = V.number(args, "lr_noise_pct", above=0)
    std = args["lr_noise_std"]
    if std > 0 and math.erf(pct / (std * math.sqrt(2))) < MIN_NOISE_ACCEPT:
        raise ConfigError(
            f"timm draws noise until |noise| < lr_noise_pct; with lr_noise_pct {pct!r} and lr_noise_std {std!r} "
            f"fewer than 1 draw in {round(1 / MIN_NOISE_ACCEPT)} is accepted, too slow to simulate",
            key="lr_noise_pct",
        )


def _lr(args: dict[str, Any], world: int, accum: int) -> tuple[float, str]:
    """train.py main(): ``if not args.lr:`` scale lr_base by the global batch."""
    if args["lr"]:
        return args["lr"], "lr"
    global_batch = args["batch_size"] * world * accum
    ratio = global_batch / args["lr_base_size"]
    scale = one_line(args["lr_base_scale"])
    if not scale:
        scale = "sqrt" if any(o in args["opt"].lower() for o in ("ada", "lamb")) else "linear"
    if scale == "sqrt":
        ratio = ratio**0.5
    lr = args["lr_base"] * ratio
    form = (
        f"sqrt({global_batch:,} / {args['lr_base_size']})"
        if scale == "sqrt"
        else f"{global_batch:,} / {args['lr_base_size']}"
    )
    return lr, f"lr_base x {form} = {args['lr_base']!r} x {ratio!r} ({scale} scaling; lr unset)"


def _optimizer(args: dict[str, Any], lr: float) -> tuple[dict[str, Any], str]:
    """The torch optimizer timm's create_optimizer_v2 makes for ``opt``, where it is a torch class."""
    opt = one_line(args["opt"]).lower()  # free text, shown in the arithmetic: one line (issue 33)
    name = opt.removeprefix("lookahead_")
    momentum, wd = args["momentum"], args["weight_decay"]
    adam: dict[str, Any] = {"lr": lr, "weight_decay": wd}
    if args["opt_betas"] is not None:
        adam["betas"] = list(args["opt_betas"])
    if args["opt_eps"] is not None:
        adam["eps"] = args["opt_eps"]
    if name in ("sgd", "nesterov"):
        return {
            "name": "SGD",
            "lr": lr,
            "momentum": momentum,
            "nesterov": True,
            "weight_decay": wd,
        }, f"{opt}: torch SGD with Nesterov momentum"
    if name == "momentum":
        return {"name": "SGD", "lr": lr, "momentum": momentum, "weight_decay": wd}, f"{opt}: torch SGD with momentum"
    if name in ("adam", "adamw"):
        return {"name": "Adam" if name == "adam" else "AdamW", **adam}, f"{opt}: torch {name.capitalize()}"
    if name == "rmsprop":
        return {
            "name": "RMSprop",
            "lr": lr,
            "alpha": 0.9,
            "momentum": momentum,
            "weight_decay": wd,
        }, f"{opt}: torch RMSprop"
    return {
        "name": "SGD",
        "lr": lr,
        "momentum": momentum,
        "weight_decay": wd,
    }, f"{opt} is not a torch optimizer; shown on torch SGD (the lr schedule does not depend on it)"


def _updates_per_epoch(args: dict[str, Any], n: int, world: int, accum: int, rows: list[Row]) -> int:
    batch: int = args["batch_size"]  # checked by _validate
    repeats = args["aug_repeats"]
    if repeats:
        if world == 1:
            raise ConfigError(
                "timm uses aug_repeats only in distributed training: pass --world-size N (N > 1) or set aug_repeats: 0",
                key="aug_repeats",
            )
        per = math.ceil(n / world) if n < 256 else math.floor(n // 256 * 256 / world)
        per = min(per, math.ceil(n * repeats / world))
        rows.append(
            Row(
                "samples per process",
                per,
                f"RepeatAugSampler: floor({n:,} // 256 x 256 / {world})"
                if n >= 256
                else f"RepeatAugSampler: ceil({n:,} / {world})",
            )
        )
    elif world > 1:
        per = -(-n // world)
        rows.append(Row("samples per process", per, f"ceil({n:,} / {world}) (DistributedSampler pads)"))
    else:
        per = n
    batches = per // batch
    if batches == 0:
        raise ConfigError(
            f"{per:,} examples per process make no full batch of {batch} (timm's train loader drops "
            "the last partial batch); check --dataset-size",
            key="batch_size",
        )
    rows.append(
        Row("batches per epoch", batches, f"{per:,} // {batch} (the train loader drops the last partial batch)")
    )
    upe = (batches + accum - 1) // accum
    rows.append(Row("updates per epoch", upe, f"({batches:,} + {accum} - 1) // {accum} (train.py main)"))
    return upe


def _run_rows(args: dict[str, Any], num_epochs: int, upe: int, total: int, on_updates: bool) -> list[Row]:
    warm = args["warmup_epochs"]
    return [
        Row(
            "epochs",
            num_epochs,
            "returned by create_scheduler_v2 (epochs, + warmup_epochs with warmup_prefix, + cooldown_epochs, x cycles)",
        ),
        Row("total optimizer steps", total, f"{num_epochs:,} x {upe:,}"),
        Row(
            "warmup steps",
            warm * upe if on_updates else f"{warm} epochs",
            f"{warm} x {upe:,} (warmup_epochs x updates, sched_on_updates)"
            if on_updates
            else "warmup_epochs; the lr changes at epoch ends",
        ),
        Row(
            "stepping",
            "per update" if on_updates else "per epoch",
            "step_update(num_updates) after every update"
            if on_updates
            else "step(epoch + 1) at every epoch end (sched_on_updates false)",
        ),
    ]


def _notes(args: dict[str, Any]) -> list[str]:
    """What the plan does not model, said where it matters."""
    notes = []
    if args["layer_decay"] is not None:
        notes.append("layer_decay is not modelled: the lr shown is that of layers with scale 1")
    if args["start_epoch"]:
        notes.append(f"start_epoch {args['start_epoch']} ignored: the run is shown from epoch 0")
    if args["sched"] == "plateau":
        notes.append("plateau: args.yaml holds no metric; shown with a constant one, which never improves")
    return notes


def plan(
    data: Mapping[str, Any], *, dataset_size: int | None = None, world_size: int = 1, source: str | None = None
) -> Plan:
    """Read a timm args.yaml mapping; see the module docstring for every rule."""
    from lrviz.registry.frameworks import lookup, timm_scheduler_module

    module = timm_scheduler_module(key="sched")
    args = {**TRAIN_DEFAULTS, **V.normalise_keys(data)}
    typos = V.misspelt(data, TRAIN_DEFAULTS)  # timm accepts any key: a near miss is only noted
    _validate(args)
    world = V.option(world_size, "--world-size", needed_for="the number of processes")
    accum = max(1, args["grad_accum_steps"])  # train.py: args.grad_accum_steps = max(1, args.grad_accum_steps)
    sched = args["sched"]
    on_updates = args["sched_on_updates"]

    rows = [
        Row("world size", world, "--world-size (processes; default 1)"),
        Row(
            "batch",
            f"{args['batch_size']} x {accum} x {world} = {args['batch_size'] * accum * world:,}",
            "batch_size x grad_accum_steps x world size",
        ),
    ]
    notes = [f"unknown key {t}: train.py takes it silently (set_defaults) and runs the default" for t in typos]
    upe = _steps_per_epoch(args, dataset_size, world, accum, rows, notes)

    lr, lr_how = _lr(args, world, accum)
    kwargs = dict(module.scheduler_kwargs(SimpleNamespace(**args)))
    kwargs.pop("sched", None)
    params = {k: v for k, v in kwargs.items() if v is not None}
    params["updates_per_epoch"] = upe
    num_epochs = _run_factory(module, sched, params, lr)
    total = V.check_total(num_epochs * upe, "epochs", f"{num_epochs:,} epochs x {upe:,} updates")

    optimizer, optim_how = _optimizer(args, lr)
    backend = lookup(f"timm.{sched}", key="sched").backend
    rows += _run_rows(args, num_epochs, upe, total, on_updates) + [
        Row("lr", lr, lr_how),
        Row("optimizer", optimizer["name"], optim_how),
        Row("scheduler", f"create_scheduler_v2(sched={sched!r})", f"built by {backend}"),
    ]
    schedule: dict[str, Any] = {
        "label": f"{sched} (timm)",
        "scheduler": f"timm.{sched}",
        "params": params,
        "interval": "step",
    }
    if sched == "plateau":
        schedule["metric"] = {"expr": "0"}
    rows += [Row("note", note) for note in notes + _notes(args)]

    config: dict[str, Any] = {"steps": total, "steps_per_epoch": upe, "optimizer": optimizer, "schedules": [schedule]}
    per = "update" if on_updates else "epoch"
    if dataset_size is None and not on_updates:
        summary = f"timm: {num_epochs:,} epochs (one step shown per epoch), lr stepped per {per}"
    else:
        summary = (
            f"timm: {dataset_size:,} ex / ({args['batch_size']}x{accum}x{world}) -> {upe:,} updates/epoch x "
            f"{num_epochs:,} epochs = {total:,} steps, lr stepped per {per}"
        )
    return Plan(kind="timm", config=config, rows=rows, summary=summary, source=source)


def _steps_per_epoch(
    args: dict[str, Any], dataset_size: int | None, world: int, accum: int, rows: list[Row], notes: list[str]
) -> int:
    """Updates per epoch (1 when the lr moves only at epoch ends and no --dataset-size is given)."""
    if dataset_size is None and not args["sched_on_updates"]:
        rows.append(
            Row(
                "updates per epoch",
                "not counted",
                "no --dataset-size: the lr changes only at epoch ends here, so one step is shown per epoch",
            )
        )
        return 1
    n = V.option(
        dataset_size,
        "--dataset-size",
        needed_for="sched_on_updates steps the schedule per optimizer update, counted from the number "
        "of training examples",
    )
    rows.insert(0, Row("examples", n, "--dataset-size"))
    if args["epoch_repeats"]:
        notes.append(f"epoch_repeats {args['epoch_repeats']!r}: --dataset-size is read as the examples per epoch")
    return _updates_per_epoch(args, n, world, accum, rows)


def _run_factory(module: Any, sched: str, params: dict[str, Any], lr: float) -> int:
    """Build the schedule once with timm's factory: it validates and says how many epochs run."""
    import torch

    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _, num_epochs = module.create_scheduler_v2(optimizer, sched=sched, **params)
    except LrvizError:
        raise
    except Exception as exc:
        text = first_line(exc)
        key = "sched_on_updates" if "step per epoch" in text else "sched"
        raise ConfigError(f"timm's create_scheduler_v2 refused these settings: {text}", key=key) from None
    if isinstance(num_epochs, float) and num_epochs.is_integer():
        num_epochs = int(num_epochs)
    if not isinstance(num_epochs, int) or num_epochs < 1:
        raise ConfigError(
            f"timm's create_scheduler_v2 gives {num_epochs!r} epochs to run: nothing to show", key="epochs"
        )
    return num_epochs
