"""Lightning's rules for when a scheduler steps and how long a run is, shared by every source that
trains with Lightning's ``Trainer`` (Hydra configs, LightningCLI YAML).

From Lightning's own source (pytorch_lightning 2.6):

* **When**: ``_update_learning_rates`` (loops/training_epoch_loop.py) steps a scheduler
  whose config's ``interval`` is ``"step"`` after every optimizer step and one whose
  interval is ``"epoch"`` (Lightning's default, ``LRSchedulerConfig.interval``) after every
  training epoch; ``frequency`` (default 1) steps it every n-th of those, which lrviz does
  not model (refused).
* **How long**: ``trainer.max_epochs`` (1000 when neither it nor ``max_steps`` is set:
  ``_init_trainer``'s fit-loop defaults), ``trainer.max_steps`` > 0 ends the run there.
* **Updates per epoch**: ``ceil(ceil(N / W) / batch)`` batches (DistributedSampler over W
  processes, the DataLoader keeping its last partial batch), ``ceil(batches /
  accumulate_grad_batches)`` optimizer steps (Lightning steps on the last, partial
  accumulation of an epoch too: ``_accumulated_batches_reached`` or ``_num_ready_batches_reached``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lrviz.errors import ConfigError
from lrviz.sources import values as V
from lrviz.sources.plan import Row

#: Lightning's Trainer when neither max_epochs nor max_steps is set (trainer/connectors).
LIGHTNING_DEFAULT_EPOCHS = 1000
#: Where a Hydra config keeps the batch size (lightning-hydra-template: ``data.batch_size``).
HYDRA_BATCH: tuple[tuple[str, ...], ...] = (("data", "batch_size"), ("datamodule", "batch_size"), ("batch_size",))
DEFAULT_HOW = "Lightning's default interval (epoch): scheduler.step() after every training epoch"

Path = tuple[Any, ...]


def _shown(path: Path) -> str:
    return ".".join(str(p) for p in path)


def get(data: Mapping[str, Any], *keys: str) -> Any:
    node: Any = data
    for k in keys:
        if not isinstance(node, Mapping):
            return None
        node = node.get(k)
    return node


def interval(data: Mapping[str, Any], path: Path, default_how: str = DEFAULT_HOW) -> tuple[str, str]:
    """Lightning's interval for the scheduler at ``path``: its dict's, else Lightning's default."""
    parent = get(data, *path[:-1]) if len(path) > 1 else None
    if isinstance(parent, dict) and path[-1] == "scheduler" and ("interval" in parent or "frequency" in parent):
        where = _shown(path[:-1])
        every = V.text(parent, "interval", "epoch", ("epoch", "step"))
        frequency = V.whole(parent, "frequency", 1)
        if frequency != 1:
            raise ConfigError("a frequency other than 1 is not modelled by lrviz yet", key=f"{where}.frequency")
        return every, f"{where}.interval"
    return "epoch", default_how


def _trainer(data: Mapping[str, Any]) -> tuple[int, int, int, list[Row]]:
    """(max_epochs, max_steps, accumulation) of the ``trainer`` node, by Lightning's defaults (-1: no limit)."""
    trainer = data.get("trainer")
    if not isinstance(trainer, dict):
        raise ConfigError(
            "no trainer node: the run's length is trainer.max_epochs / trainer.max_steps (Lightning's Trainer), "
            "which this file does not hold; add a trainer node with either",
            key="trainer",
        )
    steps = trainer.get("max_steps")
    max_steps = -1 if steps is None or steps == -1 else V.whole(trainer, "max_steps")
    epochs = trainer.get("max_epochs")
    rows = []
    if epochs is None or epochs == -1:
        max_epochs = LIGHTNING_DEFAULT_EPOCHS if max_steps == -1 and epochs is None else -1
        how = "Lightning's default when neither max_epochs nor max_steps is set" if max_epochs > 0 else "no limit"
    else:
        max_epochs, how = V.whole(trainer, "max_epochs"), "trainer.max_epochs"
    rows.append(Row("epochs", max_epochs if max_epochs > 0 else "no limit", how))
    if max_steps > 0:
        rows.append(Row("max steps", max_steps, "trainer.max_steps (the run stops there)"))
    accum = V.whole(trainer, "accumulate_grad_batches", 1)
    for key in ("limit_train_batches", "max_time"):
        if trainer.get(key) not in (None, 1, 1.0):
            rows.append(Row("note", f"trainer.{key} is not modelled: the run is shown without it"))
    return max_epochs, max_steps, accum, rows


def _batch(data: Mapping[str, Any], where: Sequence[tuple[str, ...]]) -> tuple[int, str]:
    for keys in where:
        value = get(data, *keys)
        if value is not None:
            return V.whole({_shown(keys): value}, _shown(keys)), _shown(keys)
    raise ConfigError(
        f"the batch size, which counts the updates per epoch with --dataset-size: expected {_shown(where[0])}",
        key=_shown(where[0]),
    )


def _updates(
    data: Mapping[str, Any], n: int, world: int, accum: int, rows: list[Row], where: Sequence[tuple[str, ...]]
) -> int:
    """Optimizer steps per epoch, per Lightning (rows appended)."""
    batch, found = _batch(data, where)
    rows.insert(0, Row("examples", n, "--dataset-size"))
    rows.insert(
        2,  # after the world size
        Row(
            "batch",
            f"{batch} x {accum} x {world} = {batch * accum * world:,}",
            f"{found} x trainer.accumulate_grad_batches x world size",
        ),
    )
    per = -(-n // world)
    batches = -(-per // batch)
    rows.append(
        Row(
            "batches per epoch",
            batches,
            f"ceil({per:,} / {batch})" + (f", ceil({n:,} / {world}) per process" if world > 1 else ""),
        )
    )
    upe = -(-batches // accum)
    rows.append(
        Row(
            "updates per epoch",
            upe,
            f"ceil({batches:,} / {accum}): Lightning steps on the last, partial accumulation too",
        )
    )
    return upe


def length(
    data: Mapping[str, Any],
    interval: str,
    dataset_size: int | None,
    world: int,
    rows: list[Row],
    batch_at: Sequence[tuple[str, ...]] = HYDRA_BATCH,
) -> tuple[int, int]:
    """(total optimizer steps, updates per epoch) of the run (1 per epoch shown without --dataset-size)."""
    max_epochs, max_steps, accum, trainer_rows = _trainer(data)
    rows += trainer_rows
    if dataset_size is None and (interval == "epoch" and max_epochs > 0):
        rows.append(
            Row(
                "updates per epoch",
                "not counted",
                "no --dataset-size: the lr changes only at epoch ends, so one step is shown per epoch",
            )
        )
        total = V.check_total(max_epochs, "trainer.max_epochs", f"{max_epochs:,} epochs")
        rows.append(Row("total optimizer steps", total, f"{max_epochs:,} epochs x 1 step shown"))
        return total, 1
    if dataset_size is None and interval == "step" and max_steps > 0 and max_epochs < 0:
        rows.append(Row("total optimizer steps", max_steps, "trainer.max_steps"))
        return max_steps, max_steps
    n = V.option(dataset_size, "--dataset-size", needed_for="the updates per epoch come from the training examples")
    upe = _updates(data, n, world, accum, rows, batch_at)
    if max_epochs > 0:
        total, how = max_epochs * upe, f"{max_epochs:,} x {upe:,}"
        if 0 < max_steps < total:
            total, how = max_steps, f"trainer.max_steps (before {max_epochs:,} x {upe:,})"
    else:
        total, how = max_steps, "trainer.max_steps"
    V.check_total(total, "trainer.max_epochs", how)
    rows.append(Row("total optimizer steps", total, how))
    return total, upe


def counted(rows: list[Row]) -> str:
    """How the total was counted, for the summary line (empty without --dataset-size)."""
    names = {r.name: r for r in rows}
    if "examples" not in names:
        return "one step shown per epoch, " if names["updates per epoch"].value == "not counted" else ""
    batch = str(names["batch"].value).split(" = ")[0].replace(" ", "")
    return f"{names['examples'].value:,} ex / ({batch}) -> {names['updates per epoch'].value:,} updates/epoch, "
