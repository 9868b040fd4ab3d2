"""Real ``Trainer.fit`` runs under the installed pytorch-lightning, for tests/data/lightning_runs/ (issue 25).

Run by tools/make_lightning_runs.sh once per release, each in its own venv (pytorch-lightning 1.9.5,
2.0.9, 2.4.0, and the project's 2.6; torch 2.13 CPU). Every run trains a tiny linear model built here
(no downloads) with a ``LearningRateMonitor`` and both loggers (``CSVLogger``, ``TensorBoardLogger``), and
writes, under ``OUT/<release>/<run>/``:

* ``metrics.csv``: what the CSVLogger wrote (``csv/version_0/metrics.csv``);
* ``tb/``: the event files the TensorBoardLogger wrote (``version_0/``, and ``version_1/`` for a resume:
  its default starts a new version for the second ``fit``);
* ``plan.yaml``: the lrviz config of the schedule the run built (what a user gives lrviz);
* ``run.json``: what the run itself recorded, independent of the log and of lrviz -- the release
  (pytorch-lightning, torch), the lr of every param group each optimizer step used (read in
  ``on_before_optimizer_step``, before ``optimizer.step()``, keyed by ``trainer.global_step``: the
  0-based optimizer step), the optimizer steps the fp16 loss scaler skipped (its scale went down),
  and for a resume the checkpoint's step and both ``max_steps``.

What is real and what is arranged:

* **skipped steps**: Lightning's ``16-mixed`` refuses a CPU; the run hands the Trainer the real
  ``MixedPrecision`` plugin (``MixedPrecisionPlugin`` in 1.9) with a real ``torch.amp.GradScaler("cpu")``
  and makes the loss infinite at chosen steps; from there it is Lightning's own path (the scaler skips
  ``optimizer.step``; the loop steps the scheduler anyway and counts the step).
* everything else is the plain CPU Trainer.

    python tools/make_lightning_runs.py --out tests/data/lightning_runs
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

import torch

LR = 0.1
BATCH = 2
N = 12  # 6 batches per epoch


def _pl() -> Any:
    import pytorch_lightning as pl

    return pl


def _major_minor() -> tuple[int, int]:
    major, minor = _pl().__version__.split(".")[:2]
    return int(major), int(minor)


#: name -> (Trainer keys, scheduler (class, kwargs; "MAX" = trainer.max_steps), interval, extra).
RUNS: dict[str, dict[str, Any]] = {
    # every step logged; OneCycleLR over 3 epochs x 6 batches
    "step": {"trainer": {"max_epochs": 3, "log_every_n_steps": 1}, "sched": ("OneCycleLR", {"max_lr": LR,
             "total_steps": 18}), "interval": "step", "monitor": {"logging_interval": "step"}},
    # accumulation 2 (3 optimizer steps per epoch), every 3rd step logged, two named param groups, the
    # monitor's default interval
    "accum-sparse": {"trainer": {"max_epochs": 4, "log_every_n_steps": 3, "accumulate_grad_batches": 2},
                     "sched": ("CosineAnnealingLR", {"T_max": 12}), "interval": "step", "groups": True,
                     "monitor": {}},
    # an epoch-interval scheduler: the monitor logs it at each epoch's start
    "epoch-interval": {"trainer": {"max_epochs": 4, "log_every_n_steps": 1},
                       "sched": ("StepLR", {"step_size": 1, "gamma": 0.5}), "interval": "epoch", "monitor": {}},
    # fp16 loss scaling skips three optimizer steps; Lightning steps the scheduler anyway
    "skipped": {"trainer": {"max_steps": 12, "log_every_n_steps": 1}, "sched": ("OneCycleLR", {"max_lr": LR,
                "total_steps": 12}), "interval": "step", "monitor": {"logging_interval": "step"}, "poison": [3, 7, 8]},
    # a mid-epoch checkpoint at step 5 of a 10-step run, resumed with max_steps 16; T_max is the Trainer's
    # max_steps when configure_optimizers runs, but the checkpoint's scheduler state restores T_max 10
    "resume": {"trainer": {"max_steps": 16, "log_every_n_steps": 1}, "sched": ("CosineAnnealingLR", {"T_max": "MAX"}),
               "interval": "step", "monitor": {"logging_interval": "step"}, "first_max_steps": 10, "checkpoint": 5},
    # the same resume with transformers' get_linear_schedule_with_warmup (a LambdaLR, whose lambda a checkpoint
    # does not hold): the rebuilt lambda has the new total; the TensorBoardLogger keeps version 0, so its folder
    # holds both fits
    "resume-lambda": {"trainer": {"max_steps": 16, "log_every_n_steps": 1},
                      "sched": ("hf.linear", {"num_warmup_steps": 2, "num_training_steps": "MAX"}),
                      "interval": "step", "monitor": {"logging_interval": "step"}, "first_max_steps": 10,
                      "checkpoint": 5, "tb_version": 0},
}  # fmt: skip


def _scheduler(opt: Any, cls: str, kwargs: dict[str, Any]) -> Any:
    if cls.startswith("hf."):
        import transformers

        return transformers.get_scheduler(cls.removeprefix("hf."), opt, **kwargs)
    return getattr(torch.optim.lr_scheduler, cls)(opt, **kwargs)


def _module(spec: dict[str, Any], record: dict[str, Any]) -> Any:
    pl = _pl()

    class Tiny(pl.LightningModule):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.body = torch.nn.Linear(4, 4)
            self.head = torch.nn.Linear(4, 1)

        def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
            x, y = batch
            loss = ((self.head(self.body(x)).squeeze(-1) - y) ** 2).mean()
            self.log("train_loss", loss)
            if self.trainer.global_step in spec.get("poison", ()):
                loss = loss * float("inf")  # the gradients overflow: the scaler skips this optimizer step
            return loss

        def configure_optimizers(self) -> Any:
            if spec.get("groups"):
                params = [{"params": self.body.parameters(), "name": "body"},
                          {"params": self.head.parameters(), "name": "head", "lr": LR / 2}]  # fmt: skip
            else:
                params = list(self.parameters())
            opt = torch.optim.SGD(params, lr=LR, momentum=0.9)
            cls, kwargs = spec["sched"]
            kwargs = {k: (self.trainer.max_steps if v == "MAX" else v) for k, v in kwargs.items()}
            sched = _scheduler(opt, cls, kwargs)
            return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": spec["interval"]}}

        def on_before_optimizer_step(self, optimizer: Any, *args: Any) -> None:  # 1.9 passes opt_idx too
            step = int(self.trainer.global_step)
            record["lr_used"][str(step)] = [float(g["lr"]) for g in optimizer.param_groups]
            scaler = getattr(self.trainer.precision_plugin, "scaler", None)
            if scaler is not None:
                record["_scale"][str(step)] = float(scaler.get_scale())

    return Tiny()


def _precision(spec: dict[str, Any]) -> list[Any]:
    if not spec.get("poison"):
        return []
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0**8)
    try:
        from pytorch_lightning.plugins.precision import MixedPrecision

        return [MixedPrecision("16-mixed", "cpu", scaler=scaler)]
    except ImportError:  # 1.9 and 2.0 name it MixedPrecisionPlugin; 1.9 says 16, 2.0 "16-mixed"
        from pytorch_lightning.plugins.precision import MixedPrecisionPlugin

        return [MixedPrecisionPlugin(16 if _major_minor()[0] < 2 else "16-mixed", "cpu", scaler=scaler)]


def _fit(spec: dict[str, Any], tmp: Path, record: dict[str, Any], *, max_steps: int | None, ckpt: str | None) -> Any:
    pl = _pl()
    from pytorch_lightning.callbacks import LearningRateMonitor, ModelCheckpoint
    from pytorch_lightning.loggers import CSVLogger, TensorBoardLogger

    pl.seed_everything(0, workers=True)
    g = torch.Generator().manual_seed(0)
    data = torch.utils.data.TensorDataset(torch.randn(N, 4, generator=g), torch.randn(N, generator=g))
    loader = torch.utils.data.DataLoader(data, batch_size=BATCH)
    keys = dict(spec["trainer"])
    if max_steps is not None:
        keys["max_steps"] = max_steps
    callbacks = [LearningRateMonitor(**spec["monitor"])]
    if "checkpoint" in spec:
        callbacks.append(ModelCheckpoint(dirpath=tmp / "ckpt", every_n_train_steps=spec["checkpoint"], save_top_k=-1,
                                         filename="{step}"))  # fmt: skip
    loggers = [CSVLogger(tmp, name="csv", version=0), TensorBoardLogger(tmp, name="tb", version=spec.get("tb_version"))]
    trainer = pl.Trainer(accelerator="cpu", devices=1, logger=loggers, callbacks=callbacks,
                         plugins=_precision(spec), enable_progress_bar=False, enable_model_summary=False,
                         **keys)  # fmt: skip
    trainer.fit(_module(spec, record), loader, ckpt_path=ckpt)
    return trainer


def _plan(name: str, spec: dict[str, Any], record: dict[str, Any]) -> str:
    """The lrviz config of the schedule the run built (the first fit's T_max for the resume: see run.json)."""
    cls, kwargs = spec["sched"]
    total = int(record["optimizer_steps"])
    # the length the resumed run followed: the checkpoint's for a torch scheduler (its state holds it), the new
    # max_steps for a LambdaLR (transformers' schedules: the rebuilt lambda)
    kept = spec.get("first_max_steps", total) if not cls.startswith("hf.") else total
    kwargs = {k: (kept if v == "MAX" else v) for k, v in kwargs.items()}
    params = ", ".join(f"{k}: {v}" for k, v in kwargs.items())
    two = f", param_groups: [{{name: body, lr: {LR}}}, {{name: head, lr: {LR / 2}}}]"
    groups = two if spec.get("groups") else ""
    per_epoch = N // BATCH // int(spec["trainer"].get("accumulate_grad_batches", 1))
    interval = "\ninterval: epoch" if spec["interval"] == "epoch" else ""
    return (
        f"# the schedule of tools/make_lightning_runs.py's '{name}' run\n"
        f"title: {name}\nsteps: {total}\nsteps_per_epoch: {per_epoch}\n"
        f"optimizer: {{name: SGD, lr: {LR}, momentum: 0.9{groups}}}\n"
        f"scheduler: {cls}\nparams: {{{params}}}{interval}\n"
    )


def run_one(name: str, spec: dict[str, Any], out: Path) -> None:
    record: dict[str, Any] = {"lr_used": {}, "_scale": {}}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if "checkpoint" in spec:
            first: dict[str, Any] = {"lr_used": {}, "_scale": {}}
            _fit(spec, tmp, first, max_steps=spec["first_max_steps"], ckpt=None)
            record["lr_used"] = dict(first["lr_used"])  # steps 0..4 are the first fit's; the resumed fit rewrites 5..
            ckpt = tmp / "ckpt" / f"step={spec['checkpoint']}.ckpt"
            saved = torch.load(ckpt, map_location="cpu", weights_only=False)
            loops = saved["loops"]["fit_loop"]["epoch_loop.state_dict"]
            record["resume"] = {
                "checkpoint_step": int(saved["global_step"]),
                "batches_that_stepped_saved": int(loops.get("_batches_that_stepped", -1)),
                "max_steps_before": spec["first_max_steps"],
                "max_steps_after": spec["trainer"]["max_steps"],
                "T_max_restored": saved["lr_schedulers"][0].get("T_max"),
                "scheduler_state_keys": sorted(saved["lr_schedulers"][0]),
                "first_fit_lr_used": [first["lr_used"][str(s)] for s in range(spec["first_max_steps"])],
            }
            trainer = _fit(spec, tmp, record, max_steps=None, ckpt=str(ckpt))
        else:
            trainer = _fit(spec, tmp, record, max_steps=None, ckpt=None)
        record["global_step"] = int(trainer.global_step)
        record["optimizer_steps"] = int(trainer.global_step)
        where = out / _pl().__version__ / name
        if where.exists():
            shutil.rmtree(where)
        where.mkdir(parents=True)
        shutil.copy(tmp / "csv" / "version_0" / "metrics.csv", where / "metrics.csv")
        for version in sorted((tmp / "tb").iterdir()):
            dest = where / "tb" / version.name
            dest.mkdir(parents=True)
            for f in version.glob("events.out.tfevents.*"):
                # the host and pid in the name are this machine's; the start time orders the files
                stamp = f.name.split(".")[3]
                shutil.copy(f, dest / f"events.out.tfevents.{stamp}.host.0.0")
    scales = record.pop("_scale")
    steps = sorted(int(s) for s in scales)
    record["skipped_steps"] = [s for s, nxt in zip(steps, steps[1:], strict=False) if scales[str(nxt)] < scales[str(s)]]
    record["lr_used"] = [record["lr_used"][str(s)] for s in range(record["optimizer_steps"])]
    (where / "plan.yaml").write_text(_plan(name, spec, record))
    facts = {"release": {"pytorch_lightning": _pl().__version__, "torch": torch.__version__}, "dataset_size": N,
             "batch_size": BATCH, "emulated": _emulated(spec), "settings": _jsonable(spec), **record}  # fmt: skip
    (where / "run.json").write_text(json.dumps(facts, indent=1) + "\n")
    print(f"{where}: {record['optimizer_steps']} optimizer steps, skipped {record['skipped_steps']}")


def _jsonable(spec: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(spec))


def _emulated(spec: dict[str, Any]) -> str | None:
    if spec.get("poison"):
        return "Lightning's MixedPrecision plugin given a torch GradScaler('cpu') (16-mixed refuses a CPU)"
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--only", nargs="*", default=None)
    opts = parser.parse_args()
    warnings.simplefilter("ignore")
    # pytorch-lightning before 2.? loads its checkpoint with torch.load's old default (weights_only=False);
    # torch 2.6+ refuses what it pickled. The checkpoint is this run's own.
    os.environ["TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD"] = "1"
    for name in ("pytorch_lightning", "lightning", "lightning.pytorch", "lightning_fabric"):
        logging.getLogger(name).setLevel(logging.ERROR)
    for name, spec in RUNS.items():
        if opts.only is None or name in opts.only:
            run_one(name, spec, opts.out)


if __name__ == "__main__":
    main()
