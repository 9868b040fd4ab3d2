"""LightningCLI YAML: lrviz's plan against a real ``LightningCLI`` fit of the same file.

The truth is LightningCLI itself: ``LightningCLI(..., args=["fit", "--config", file])``
(``python train.py fit --config file``) parses the file (jsonargparse), builds the model,
the data module and the trainer from it, adds its own ``configure_optimizers`` from the top-level ``optimizer`` /
``lr_scheduler`` (or the module builds them from its ``OptimizerCallable`` /
``LRSchedulerCallable`` init args), and ``trainer.fit`` runs; every optimizer step's lr
is recorded (``on_before_optimizer_step``). lrviz reads the same file and must give the
same lrs, bit for bit. Hostile files (``class_path: os.system``, an ``lr_lambda`` by import
path, huge and deep files) are refused with nothing imported.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from lrviz.errors import LrvizError
from lrviz.simulate import simulate
from lrviz.sources import detect, load_source
from tests.optional import import_or_skip

import_or_skip("jsonargparse", "lightningcli")  # LightningCLI's parser reads every file (lrviz[lightningcli])
pl = import_or_skip("pytorch_lightning", "lightning")
cli_module = import_or_skip("pytorch_lightning.cli", "lightningcli")

RECORDED: list[float] = []  # the lr of every optimizer step of the last fit


class TinyModel(pl.LightningModule):
    """A linear regression; LightningCLI adds configure_optimizers from the file's optimizer / lr_scheduler."""

    def __init__(self, hidden: int = 3) -> None:
        super().__init__()
        self.layer = torch.nn.Linear(hidden, 1)

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        x, y = batch
        return ((self.layer(x).squeeze(-1) - y) ** 2).mean()

    def on_before_optimizer_step(self, optimizer: torch.optim.Optimizer) -> None:
        RECORDED.append(float(optimizer.param_groups[0]["lr"]))


class CallableModel(TinyModel):
    """LightningCLI's dependency injection: the module takes an optimizer and a scheduler callable."""

    def __init__(
        self,
        optimizer: cli_module.OptimizerCallable = torch.optim.SGD,
        scheduler: cli_module.LRSchedulerCallable | None = None,
        hidden: int = 3,
    ) -> None:
        super().__init__(hidden)
        self.optimizer, self.scheduler = optimizer, scheduler

    def configure_optimizers(self) -> Any:
        optimizer = self.optimizer(self.parameters())
        return {"optimizer": optimizer, "lr_scheduler": self.scheduler(optimizer)}  # Lightning's default interval


class TinyData(pl.LightningDataModule):
    def __init__(self, n: int = 38, batch_size: int = 4) -> None:
        super().__init__()
        self.n, self.batch_size = n, batch_size

    def train_dataloader(self) -> Any:
        gen = torch.Generator().manual_seed(0)
        x, y = torch.randn(self.n, 3, generator=gen), torch.randn(self.n, generator=gen)
        return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=self.batch_size)


class HalvingLR(torch.optim.lr_scheduler.LRScheduler):
    """A user's own scheduler class (an import path outside torch: needs --trust)."""

    def __init__(self, optimizer: torch.optim.Optimizer, every: int = 2, last_epoch: int = -1) -> None:
        self.every = every
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [base * 0.5 ** (self.last_epoch // self.every) for base in self.base_lrs]


HERE = __name__
TOP = f"""\
seed_everything: 0
trainer:
  max_epochs: 3
  accumulate_grad_batches: 2
model:
  class_path: {HERE}.TinyModel
  init_args:
    hidden: 3
data:
  class_path: {HERE}.TinyData
  init_args:
    n: 38
    batch_size: 4
optimizer:
  class_path: AdamW
  init_args:
    lr: 0.002
    weight_decay: 0.01
    betas: [0.9, 0.95]
lr_scheduler:
  class_path: torch.optim.lr_scheduler.CosineAnnealingLR
  init_args:
    T_max: 3
    eta_min: 1.0e-5
ckpt_path: null
"""
IN_MODEL = f"""\
seed_everything: 0
trainer:
  max_epochs: 4
  max_steps: 7
model:
  class_path: {HERE}.CallableModel
  init_args:
    optimizer:
      class_path: torch.optim.SGD
      init_args:
        lr: 0.1
        momentum: 0.9
    scheduler:
      class_path: torch.optim.lr_scheduler.StepLR
      init_args:
        step_size: 1
        gamma: 0.5
data:
  class_path: {HERE}.TinyData
  init_args:
    n: 10
    batch_size: 4
"""


def _write(tmp_path: Path, text: str, name: str = "config.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _lightningcli_lrs(path: Path, *extra: str) -> list[float]:
    """Every optimizer step's lr of a real LightningCLI fit configured by the file."""
    for module in ("docstring_parser", "typeshed_client"):  # LightningCLI needs jsonargparse[signatures]
        import_or_skip(module, "lightningcli")
    RECORDED.clear()
    quiet = [*(extra or ["--trainer.logger=false"]), "--trainer.enable_checkpointing=false"]
    quiet += ["--trainer.enable_progress_bar=false"]
    quiet += ["--trainer.enable_model_summary=false", "--trainer.accelerator=cpu", "--trainer.devices=1"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in ("pytorch_lightning", "lightning", "lightning.pytorch", "lightning_fabric"):
            logging.getLogger(name).setLevel(logging.ERROR)
        cli_module.LightningCLI(  # the `fit` subcommand, as `python train.py fit --config FILE` runs it
            TinyModel,
            TinyData,
            subclass_mode_model=True,
            subclass_mode_data=True,
            save_config_callback=None,
            args=["fit", "--config", str(path), *quiet],
        )
    return list(RECORDED)


@pytest.mark.parametrize(
    ("text", "n", "total"),
    [
        (TOP, 38, 3 * 5),  # ceil(38 / 4) = 10 batches, ceil(10 / 2) = 5 updates per epoch
        (IN_MODEL, 10, 7),  # 3 updates per epoch, max_steps 7 ends the run in the third epoch
    ],
    ids=["top-level-epoch-cosine-accumulated", "model-init-args-max-steps"],
)
def test_values_match_a_real_lightningcli_fit(tmp_path, text, n, total):
    path = _write(tmp_path, text)
    truth = _lightningcli_lrs(path)
    loaded = load_source(path, dataset_size=n)
    assert loaded.kind == "lightningcli"
    assert loaded.plan.row("total optimizer steps").value == total == len(truth)
    ours = simulate(loaded.config).trajectories[0].lr[:, 0]
    np.testing.assert_array_equal(ours, np.array(truth))


def test_a_users_scheduler_class_needs_trust_and_then_matches_the_fit(tmp_path):
    text = TOP.replace("torch.optim.lr_scheduler.CosineAnnealingLR", f"{HERE}.HalvingLR").replace(
        "T_max: 3\n    eta_min: 1.0e-5", "every: 2"
    )
    path = _write(tmp_path, text)
    with pytest.raises(LrvizError, match="--trust") as err:
        load_source(path, dataset_size=38)
    assert err.value.key == "lr_scheduler.class_path"
    truth = _lightningcli_lrs(path)
    loaded = load_source(path, dataset_size=38, trust=True)
    assert loaded.config.schedules[0].spec.name == f"{HERE}:HalvingLR"
    np.testing.assert_array_equal(simulate(loaded.config).trajectories[0].lr[:, 0], np.array(truth))


def test_the_arithmetic_rows_and_one_step_per_epoch_without_a_dataset_size(tmp_path):
    loaded = load_source(_write(tmp_path, TOP), dataset_size=95, world_size=2)
    plan = loaded.plan
    assert plan.row("batches per epoch").how == "ceil(48 / 4), ceil(95 / 2) per process"  # 12 batches
    assert plan.row("updates per epoch").value == 6  # ceil(12 / 2)
    assert plan.row("batch").how == "data.init_args.batch_size x trainer.accumulate_grad_batches x world size"
    assert plan.row("stepping").how.startswith("LightningCLI.configure_optimizers")
    assert plan.row("optimizer").how == "optimizer.class_path: torch.optim.AdamW"  # the short name, resolved
    assert tuple(loaded.config.optimizer.kwargs["betas"]) == (0.9, 0.95)
    shown = simulate(load_source(_write(tmp_path, TOP, "b.yaml")).config).trajectories[0].lr[:, 0]
    opt = torch.optim.AdamW([torch.zeros(1, requires_grad=True)], lr=0.002, weight_decay=0.01, betas=(0.9, 0.95))
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=3, eta_min=1e-5)
    truth = []
    for _ in range(3):
        truth.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    np.testing.assert_array_equal(shown, truth)


def test_detection_by_class_path_nodes_and_seed_everything(tmp_path):
    assert detect(_write(tmp_path, TOP)) == "lightningcli"
    assert detect({"seed_everything": 1, "trainer": {"max_epochs": 2}}) == "lightningcli"
    assert detect({"lr_scheduler": {"class_path": "StepLR"}}) == "lightningcli"


def _never_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    import jsonargparse

    def never(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("jsonargparse was asked to parse (and import) a hostile node")

    monkeypatch.setattr(jsonargparse.ArgumentParser, "parse_object", never)


def test_a_class_path_naming_os_system_or_a_module_is_never_imported_or_run(tmp_path, monkeypatch):
    calls: list[Any] = []
    monkeypatch.setattr(os, "system", lambda *a: calls.append(a))
    hostile_model = TOP.replace(f"{HERE}.TinyModel", "os.system").replace(f"{HERE}.TinyData", "lrviz_evil_data.Boom")
    assert load_source(_write(tmp_path, hostile_model), dataset_size=8).kind == "lightningcli"  # read, never built
    _never_parsed(monkeypatch)
    for target in ("os.system", "lrviz_evil_sched.Boom"):
        bad = TOP.replace("torch.optim.lr_scheduler.CosineAnnealingLR", target)
        with pytest.raises(LrvizError, match="--trust") as err:
            load_source(_write(tmp_path, bad, "bad.yaml"), dataset_size=8)
        assert err.value.key == "lr_scheduler.class_path"
    bad = TOP.replace("class_path: AdamW", "class_path: lrviz_evil_optim.Adam")
    with pytest.raises(LrvizError, match="--trust"):
        load_source(_write(tmp_path, bad, "bad.yaml"), dataset_size=8)
    lam = TOP.replace("torch.optim.lr_scheduler.CosineAnnealingLR", "torch.optim.lr_scheduler.LambdaLR").replace(
        "T_max: 3\n    eta_min: 1.0e-5", "lr_lambda: lrviz_evil_fn.boom"
    )
    with pytest.raises(LrvizError, match="function by import path") as err:
        load_source(_write(tmp_path, lam, "lam.yaml"), dataset_size=8)
    assert err.value.key == "lr_scheduler.init_args.lr_lambda"
    for node, key in (
        ("lr_scheduler: /tmp/other.yaml", "lr_scheduler"),  # jsonargparse would read that file (and what it names)
        ("lr_scheduler: {class_path: StepLR, init_args: sched.yaml}", "lr_scheduler.init_args"),
        ("lr_scheduler: {class_path: ChainedScheduler, init_args: {schedulers: [a/b.yaml]}}", "lr_scheduler.init_args"),
    ):
        text = "seed_everything: 1\noptimizer: {class_path: SGD, init_args: {lr: 0.1}}\n" + node + "\n"
        with pytest.raises(LrvizError, match="file") as err:
            load_source(_write(tmp_path, text, "f.yaml"), dataset_size=8)
        assert str(err.value.key).startswith(key)
    assert calls == []
    assert not [m for m in sys.modules if m.startswith("lrviz_evil")]


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ("seed_everything: 1\noptimizer: {lr: 0.1}\nlr_scheduler: {T_max: 5}\n", "lr_scheduler", "no class_path"),
        ("seed_everything: 1\noptimizer: {class_path: SGD, init_args: {lr: 0.1}}\n", "lr_scheduler", "no scheduler"),
        (
            "seed_everything: 1\nlr_scheduler: {class_path: StepLR, init_args: {step_size: 1}}\n",
            "lr_scheduler",
            "without an optimizer",
        ),
        (
            "seed_everything: 1\noptimizer: SGD\nlr_scheduler: {class_path: StepLR, init_args: {step_size: x}}\n",
            "lr_scheduler",
            'Parser key "step_size"',
        ),
        (
            "seed_everything: 1\noptimizer: {class_path: SGD, init_args: {lr: 0.1}}\n"
            "lr_scheduler: {class_path: pytorch_lightning.cli.ReduceLROnPlateau, init_args: {monitor: val}}\n",
            "lr_scheduler.class_path",
            "--trust",
        ),
        (
            "seed_everything: 1\noptimizer: {class_path: SGD, init_args: {lr: 0.1}}\n"
            "lr_scheduler: {class_path: ReduceLROnPlateau, init_args: {monitor: val}}\n",
            "lr_scheduler",
            "monitored metric",
        ),
        (
            "seed_everything: 1\noptimizer: {class_path: SGD, init_args: {lr: 0.1}}\n"
            "lr_scheduler: {class_path: torch.optim.lr_scheduler.NoSuchLR}\n",
            "lr_scheduler",
            "NoSuchLR",
        ),
        (
            "model:\n  init_args:\n    sched: {interval: epoch, frequency: 2, scheduler: {class_path: StepLR, "
            "init_args: {step_size: 1}}}\n",
            "model.init_args.sched.frequency",
            "frequency other than 1",
        ),
    ],
    ids=[
        "fixed-class",
        "no-scheduler",
        "no-optimizer",
        "bad-type",
        "lightning-plateau-untrusted",
        "plateau",
        "unknown",
        "frequency",
    ],
)
def test_files_lrviz_cannot_read_are_refused_with_the_key(tmp_path, text, key, words):
    with pytest.raises(LrvizError) as err:
        load_source(_write(tmp_path, text), kind="lightningcli", dataset_size=8)
    assert words in str(err.value)
    assert err.value.key == key


def test_a_deep_or_huge_file_is_refused_by_the_reader(tmp_path, monkeypatch):
    _never_parsed(monkeypatch)
    deep = "seed_everything: 1\n" + "".join("  " * i + f"k{i}:\n" for i in range(80)) + "  " * 80 + "class_path: x\n"
    with pytest.raises(LrvizError) as err:
        load_source(_write(tmp_path, deep))
    assert "deep" in str(err.value) or "nest" in str(err.value)
    huge = TOP + "pad: '" + "x" * 1_100_000 + "'\n"
    with pytest.raises(LrvizError) as err:
        load_source(_write(tmp_path, huge, "huge.yaml"))
    assert "MB" in str(err.value) or "large" in str(err.value)


def test_the_python_api_combine_code_and_check_take_a_lightningcli_file(tmp_path):
    from typer.testing import CliRunner

    import lrviz
    from lrviz.cli import app

    path = _write(tmp_path, TOP)
    result = lrviz.simulate(str(path), dataset_size=12)
    assert result.trajectories[0].lr.shape[0] == 3 * 2  # 3 epochs x ceil(ceil(12 / 4) / 2) updates
    out = CliRunner().invoke(app, ["plot", str(path), str(path), "--combine", "both", "-o", str(tmp_path / "o")])
    assert out.exit_code == 0, out.output
    assert (tmp_path / "o" / "both.png").is_file()
    code = CliRunner().invoke(app, ["code", str(path), "--dataset-size", "12"])
    assert code.exit_code == 0, code.output
    assert "CosineAnnealingLR(" in code.output
    check = CliRunner().invoke(app, ["check", str(path), "--dataset-size", "12"])
    assert check.exit_code in (0, 1), check.output


def test_actual_reads_the_csv_log_of_a_real_lightningcli_fit(tmp_path):
    """--actual: Lightning's own log of the fit (CSVLogger + LearningRateMonitor every step) agrees with the plan."""
    from typer.testing import CliRunner

    from lrviz.cli import app

    path = _write(tmp_path, TOP)
    logged = ["--trainer.logger=CSVLogger", f"--trainer.logger.save_dir={tmp_path}", "--trainer.log_every_n_steps=1"]
    logged += ["--trainer.callbacks=LearningRateMonitor", "--trainer.callbacks.logging_interval=step"]
    truth = _lightningcli_lrs(path, *logged)
    (log,) = tmp_path.glob("lightning_logs/version_*/metrics.csv")
    result = CliRunner().invoke(app, ["check", str(path), "--dataset-size", "38", "--actual", str(log)])
    assert result.exit_code == 0, result.output
    assert f"agrees with the plan at all {len(truth)} logged steps" in result.output


def test_an_optimizer_whose_class_the_script_fixes_is_shown_on_sgd_with_its_lr(tmp_path):
    """``parser.add_optimizer_args(torch.optim.AdamW)`` in a script: the saved file holds the arguments only."""
    text = "seed_everything: 1\ntrainer: {max_epochs: 4}\noptimizer: {lr: 1.0e-3, betas: [0.9, 0.999]}\n"
    text += "lr_scheduler: {class_path: StepLR, init_args: {step_size: 2, gamma: 0.5}}\n"
    loaded = load_source(_write(tmp_path, text))
    assert "no class_path" in loaded.plan.row("optimizer").how
    assert [float(v) for v in simulate(loaded.config).trajectories[0].lr[:, 0]] == [1e-3, 1e-3, 5e-4, 5e-4]
