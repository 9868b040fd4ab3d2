"""Real training runs for the plan-vs-actual tests: tiny models built here, no downloads.

Each run writes the log its framework writes (transformers' trainer_state.json, Lightning's
CSVLogger metrics.csv, a SummaryWriter event file) and returns the *truth*: the lr (and
momentum) of every param group at every optimizer step, recorded from inside the training
loop right before ``optimizer.step()`` -- independent of lrviz and of the log, so a test can
prove which logged step is which optimizer step.

The frameworks seed the global RNGs; :func:`isolated_rng` puts them back so the rest of
the suite sees no difference.
"""

from __future__ import annotations

import contextlib
import logging
import math
import random
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import torch


@contextlib.contextmanager
def isolated_rng() -> Iterator[None]:
    state = (random.getstate(), np.random.get_state(), torch.random.get_rng_state())
    try:
        yield
    finally:
        random.setstate(state[0])
        np.random.set_state(state[1])
        torch.random.set_rng_state(state[2])


def _regression_data(n: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 4, generator=g), torch.randn(n, generator=g)


# --------------------------------------------------------------------------- transformers


#: The HF run's plan as an lrviz config (what hf_run's Trainer was told), shared by the tests that read its log.
HF_STEPS, HF_WARMUP, HF_LR = 30, 5, 1e-3
HF_PLAN = {
    "steps": HF_STEPS,
    "optimizer": {"name": "AdamW", "lr": HF_LR},
    "scheduler": "cosine",
    "params": {"num_warmup_steps": HF_WARMUP},
}


def hf_cosine(step: int, warmup: int = HF_WARMUP, total: int = HF_STEPS) -> float:
    """transformers' get_cosine_schedule_with_warmup multiplier, written out from its docs."""
    if step < warmup:
        return step / max(1, warmup)
    progress = (step - warmup) / max(1, total - warmup)
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * progress)))


def hf_run(
    out: Path,
    *,
    max_steps: int = 30,
    logging_steps: int = 1,
    warmup_steps: int = 5,
    lr: float = 1e-3,
    scheduler: str = "cosine",
    tensorboard: bool = False,
) -> tuple[Path, list[float]]:
    """A transformers ``Trainer.train()`` on a linear model; returns trainer_state.json and the truth (group 0).

    ``tensorboard``: also report to TensorBoard (transformers' TensorBoardCallback, under ``out/runs``)."""
    from torch import nn
    from transformers import Trainer, TrainerCallback, TrainingArguments

    class Tiny(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(4, 1)

        def forward(self, x, labels=None):
            out = self.linear(x).squeeze(-1)
            return {"loss": ((out - labels) ** 2).mean(), "logits": out}

    x, y = _regression_data(64)

    class Data(torch.utils.data.Dataset):
        def __len__(self) -> int:
            return x.shape[0]

        def __getitem__(self, i):
            return {"x": x[i], "labels": y[i]}

    truth: list[float] = []

    class Record(TrainerCallback):
        def on_pre_optimizer_step(self, args, state, control, optimizer=None, **kwargs):
            truth.append(float(optimizer.param_groups[0]["lr"]))

    args = TrainingArguments(
        output_dir=str(out),
        max_steps=max_steps,
        per_device_train_batch_size=4,
        learning_rate=lr,
        lr_scheduler_type=scheduler,
        warmup_steps=warmup_steps,
        logging_steps=logging_steps,
        report_to=["tensorboard"] if tensorboard else "none",
        save_strategy="no",
        use_cpu=True,
        disable_tqdm=True,
        seed=0,
        dataloader_num_workers=0,
    )
    with isolated_rng(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.getLogger("transformers").setLevel(logging.ERROR)
        trainer = Trainer(model=Tiny(), args=args, train_dataset=Data(), callbacks=[Record()])
        trainer.train()
        trainer.save_state()
    return out / "trainer_state.json", truth


# --------------------------------------------------------------------------- Lightning


def lightning_run(
    out: Path,
    *,
    interval: str = "step",
    epochs: int = 2,
    batches: int = 12,
    make_scheduler: Callable[[torch.optim.Optimizer], dict],
    tensorboard: bool = False,
) -> tuple[Path, list[list[float]], list[list[float]]]:
    """A Lightning ``Trainer.fit`` with SGD over two param groups ('backbone' named, the head not), momentum,
    a LearningRateMonitor and a CSVLogger (and a TensorBoardLogger into ``out/tb`` with ``tensorboard``).
    Returns metrics.csv and the truth: lr and momentum per optimizer step, per group."""
    import pytorch_lightning as pl
    from pytorch_lightning.callbacks import LearningRateMonitor
    from pytorch_lightning.loggers import CSVLogger, TensorBoardLogger

    lrs: list[list[float]] = []
    moms: list[list[float]] = []

    class Tiny(pl.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.body = torch.nn.Linear(4, 4)
            self.head = torch.nn.Linear(4, 1)

        def training_step(self, batch, batch_idx):
            x, y = batch
            return ((self.head(self.body(x)).squeeze(-1) - y) ** 2).mean()

        def on_before_optimizer_step(self, optimizer):
            lrs.append([float(g["lr"]) for g in optimizer.param_groups])
            moms.append([float(g["momentum"]) for g in optimizer.param_groups])

        def configure_optimizers(self):
            opt = torch.optim.SGD(
                [
                    {"params": self.body.parameters(), "name": "backbone", "lr": 0.01},
                    {"params": self.head.parameters()},
                ],
                lr=0.1,
                momentum=0.9,
            )
            return {"optimizer": opt, "lr_scheduler": make_scheduler(opt)}

    x, y = _regression_data(batches * 4)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=4)
    loggers = [CSVLogger(str(out), name="run")] + ([TensorBoardLogger(str(out), name="tb")] if tensorboard else [])
    with isolated_rng(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in ("pytorch_lightning", "lightning", "lightning.pytorch", "lightning_fabric"):
            logging.getLogger(name).setLevel(logging.ERROR)
        trainer = pl.Trainer(
            max_epochs=epochs,
            accelerator="cpu",
            devices=1,
            logger=loggers,
            callbacks=[LearningRateMonitor(logging_interval=interval, log_momentum=True)],
            enable_checkpointing=False,
            enable_progress_bar=False,
            enable_model_summary=False,
            log_every_n_steps=1,
        )
        trainer.fit(Tiny(), loader)
    return out / "run" / "version_0" / "metrics.csv", lrs, moms


# --------------------------------------------------------------------------- a plain loop + SummaryWriter

#: The plain loop's plan as an lrviz config (what tb_loop runs with make_scheduler=warmup_cosine),
#: shared by the tests that read its event files.
TB_STEPS = 30
TB_PLAN = {
    "steps": TB_STEPS,
    "optimizer": {"name": "SGD", "lr": 0.1},
    "scheduler": "SequentialLR",
    "params": {
        "milestones": [5],
        "schedulers": [
            {"scheduler": "LinearLR", "params": {"start_factor": 0.1, "total_iters": 5}},
            {"scheduler": "CosineAnnealingLR", "params": {"T_max": 25}},
        ],
    },
}


def warmup_cosine(opt: torch.optim.Optimizer) -> torch.optim.lr_scheduler.LRScheduler:
    """TB_PLAN's scheduler, built with torch directly (what a user's loop does)."""
    L = torch.optim.lr_scheduler
    return L.SequentialLR(
        opt, [L.LinearLR(opt, 0.1, total_iters=5), L.CosineAnnealingLR(opt, T_max=25)], milestones=[5]
    )


def tb_loop(
    out: Path,
    make_scheduler: Callable[[torch.optim.Optimizer], object],
    steps: int,
    *,
    lr: float = 0.1,
    tag: str = "lr",
    log_after_step: bool = False,
    resume_at: int | None = None,
    crashed_at: int | None = None,
    resume_loads: str = "scheduler",
) -> list[float]:
    """A plain torch loop that logs ``tag`` with ``SummaryWriter.add_scalar(tag, lr, step)`` and trains a linear model.

    ``log_after_step``: log ``scheduler.get_last_lr()[0]`` after ``scheduler.step()`` (the off-by-one users write).
    ``resume_at=K``: the run checkpoints at step K, goes on until ``crashed_at`` (default K) and dies; a new
    process resumes from the checkpoint: a fresh model and optimizer, the scheduler built again and, per
    ``resume_loads``, ``"scheduler"`` (only the scheduler's state_dict), ``"both"`` or ``"nothing"`` loaded.
    Each process writes its own event file into ``out``, as a real resumed run does.
    Returns the truth: the lr each kept optimizer step used (the resumed process's for steps >= K).
    """
    from torch.utils.tensorboard import SummaryWriter

    x, y = _regression_data(16)

    def fresh() -> tuple[torch.nn.Module, torch.optim.Optimizer, object]:
        model = torch.nn.Linear(4, 1)
        opt = torch.optim.SGD(model.parameters(), lr=lr)
        return model, opt, make_scheduler(opt)

    def train(model, opt, sched, first: int, last: int, writer, truth: list[float], checkpoint: dict | None) -> None:
        for step in range(first, last):
            if checkpoint is not None and step == resume_at:
                checkpoint.update(
                    model=model.state_dict(),
                    optimizer=opt.state_dict(),
                    scheduler=sched.state_dict(),  # type: ignore[attr-defined]
                )
            lr_now = opt.param_groups[0]["lr"]
            if not log_after_step:
                writer.add_scalar(tag, lr_now, step)
            truth[step] = lr_now
            loss = ((model(x).squeeze(-1) - y) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()  # type: ignore[attr-defined]
            if log_after_step:
                writer.add_scalar(tag, sched.get_last_lr()[0], step)  # type: ignore[attr-defined]

    truth = [float("nan")] * steps
    with isolated_rng(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.manual_seed(0)
        model, opt, sched = fresh()
        checkpoint: dict = {}
        stop = steps if resume_at is None else (crashed_at if crashed_at is not None else resume_at) + 1
        with SummaryWriter(str(out), filename_suffix=".first") as writer:
            train(model, opt, sched, 0, stop, writer, truth, checkpoint)
        if resume_at is not None:
            model, opt, sched = fresh()
            model.load_state_dict(checkpoint["model"])
            if resume_loads in ("both",):
                opt.load_state_dict(checkpoint["optimizer"])
            if resume_loads in ("scheduler", "both"):
                sched.load_state_dict(checkpoint["scheduler"])  # type: ignore[attr-defined]
            with SummaryWriter(str(out), filename_suffix=".second") as writer:
                train(model, opt, sched, resume_at, steps, writer, truth, None)
    return truth
