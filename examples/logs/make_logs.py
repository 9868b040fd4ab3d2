"""Regenerate the example training logs in this folder with the real frameworks.

    .venv/bin/python examples/logs/make_logs.py          # from the repository root, with the test extra installed

Each log comes from a real run on a tiny model built on the spot (no downloads, a few
seconds on a CPU), made by the same functions the tests use (``tests/actual_runs.py``):

* ``hf/trainer_state.json``: a transformers ``Trainer.train()`` (cosine with 5 warmup steps,
  30 steps, lr 1e-3, ``logging_steps=1``), saved by ``Trainer.save_state()``;
* ``lightning/metrics.csv``: a Lightning ``Trainer.fit`` with ``LearningRateMonitor(logging_interval="step",
  log_momentum=True)`` and a ``CSVLogger`` (SGD over two param groups, OneCycleLR over 24 steps);
* ``tensorboard/``: a plain torch loop logging ``optimizer.param_groups[0]["lr"]`` with
  ``SummaryWriter.add_scalar("lr", lr, step)`` before each step (LinearLR warmup, then cosine);
* ``tensorboard-resume/``: the same loop checkpointed at step 12, crashed after step 15 and resumed
  from the checkpoint with only the scheduler's ``state_dict`` loaded into a fresh optimizer (two
  event files; steps 12-15 logged twice);
* ``tensorboard-after-step/``: the same loop logging ``scheduler.get_last_lr()[0]`` *after*
  ``scheduler.step()``, the off-by-one many loops have.

Event files are renamed to fixed names (``events.out.tfevents.<n>.example.<part>``: SummaryWriter
puts the time, host name and process id in the name); their contents hold wall times, so a
regenerated file differs in bytes but not in any logged value. Each folder's ``plan.yaml`` is the
lrviz config the run was meant to follow (written by hand; tests/test_actual_cli.py checks that
these logs are what the frameworks log today, and that each agrees with its plan or differs where
it should).
"""

from __future__ import annotations

import contextlib
import io
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent


def _scheduler(opt):  # LinearLR warmup for 5 steps, then cosine to step 30: tensorboard*/plan.yaml
    from torch.optim import lr_scheduler as L

    return L.SequentialLR(
        opt, [L.LinearLR(opt, 0.1, total_iters=5), L.CosineAnnealingLR(opt, T_max=25)], milestones=[5]
    )


def _one_cycle(opt):  # lightning/plan.yaml
    from torch.optim import lr_scheduler as L

    return {"scheduler": L.OneCycleLR(opt, max_lr=[0.05, 0.5], total_steps=24), "interval": "step"}


def _events(run: Path, into: Path) -> None:
    """Copy the run's event files into ``into`` under fixed names, in the order they were written."""
    from lrviz.actual.tensorboard import find_event_files

    for i, path in enumerate(find_event_files(run)):
        part = path.name.rsplit(".", 1)[-1]
        shutil.copyfile(path, into / f"events.out.tfevents.{1_700_000_000 + i}.example.{part}")


#: The SummaryWriter loops: folder -> tb_loop options (tests/actual_runs.py).
LOOPS: dict[str, dict[str, object]] = {
    "tensorboard": {},
    "tensorboard-resume": {"resume_at": 12, "crashed_at": 15, "resume_loads": "scheduler"},
    "tensorboard-after-step": {"log_after_step": True},
}


def _folder(out: Path, name: str) -> Path:
    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*tfevents*"):
        old.unlink()
    return folder


def make(out: Path = HERE) -> list[Path]:
    """Run every framework and write the logs under ``out`` (each in its folder); returns the folders."""
    sys.path.insert(0, str(REPO))
    from tests.actual_runs import hf_run, lightning_run, tb_loop

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with contextlib.redirect_stdout(io.StringIO()):  # the Trainer prints every log line
            state, _ = hf_run(work / "hf", max_steps=30, logging_steps=1, warmup_steps=5, lr=1e-3)
        shutil.copyfile(state, _folder(out, "hf") / "trainer_state.json")
        metrics, _, _ = lightning_run(work / "pl", interval="step", make_scheduler=_one_cycle)
        shutil.copyfile(metrics, _folder(out, "lightning") / "metrics.csv")
        for name, options in LOOPS.items():
            tb_loop(work / name, _scheduler, 30, **options)
            _events(work / name, _folder(out, name))
    return [out / name for name in ("hf", "lightning", *LOOPS)]


if __name__ == "__main__":
    for folder in make():
        print(folder.relative_to(REPO) if folder.is_relative_to(REPO) else folder)
