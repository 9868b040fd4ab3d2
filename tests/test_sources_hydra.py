"""Hydra / OmegaConf configs: lrviz's plan against Hydra's own ``instantiate`` in a real Lightning fit.

The truth is the pattern of lightning-hydra-template: a LightningModule whose
``configure_optimizers`` calls ``hydra.utils.instantiate`` on the config's partial
optimizer and scheduler nodes (OmegaConf resolving the ``${...}`` values), fitted by a
real ``pytorch_lightning.Trainer`` built from the config's ``trainer`` node, recording
the lr each optimizer step uses. lrviz reads the same YAML file and must give the same
lrs, bit for bit. Hostile files (loops, resolvers, doubling interpolations,
``_target_: os.system``) are refused with nothing run.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from lrviz.errors import LrvizError
from lrviz.simulate import simulate
from lrviz.sources import detect, load_source
from tests.optional import import_or_skip

import_or_skip("omegaconf", "hydra")  # OmegaConf resolves every Hydra config (lrviz[hydra])

TEMPLATE = """\
trainer:
  _target_: lightning.pytorch.trainer.Trainer
  max_epochs: {epochs}
  accumulate_grad_batches: {accum}
data:
  _target_: src.data.mnist_datamodule.MNISTDataModule
  batch_size: {batch}
model:
  _target_: src.models.mnist_module.MNISTLitModule
  optimizer:
    _target_: torch.optim.AdamW
    _partial_: true
    lr: 0.002
    weight_decay: 0.01
{scheduler}
"""
EPOCH_COSINE = """\
  scheduler:
    _target_: torch.optim.lr_scheduler.CosineAnnealingLR
    _partial_: true
    T_max: ${trainer.max_epochs}
    eta_min: 1.0e-5
"""
STEP_ONECYCLE = """\
  lr_scheduler:
    interval: step
    frequency: 1
    scheduler:
      _target_: torch.optim.lr_scheduler.OneCycleLR
      _partial_: true
      max_lr: ${...optimizer.lr}
      total_steps: 30
      pct_start: 0.25
"""


def _write(tmp_path: Path, text: str, name: str = "config.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _lightning_lrs(path: Path, n: int) -> list[float]:
    """The lr of every optimizer step of a real Lightning fit, configured by Hydra's instantiate."""
    hydra_utils = import_or_skip("hydra.utils", "test")
    pl = import_or_skip("pytorch_lightning", "lightning")
    from omegaconf import OmegaConf

    cfg = OmegaConf.load(path)
    lrs: list[float] = []

    class Module(pl.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.layer = torch.nn.Linear(3, 1)

        def training_step(self, batch, batch_idx):
            x, y = batch
            return ((self.layer(x).squeeze(-1) - y) ** 2).mean()

        def on_before_optimizer_step(self, optimizer):
            lrs.append(float(optimizer.param_groups[0]["lr"]))

        def configure_optimizers(self):  # lightning-hydra-template's, with the scheduler dict read from the file
            optimizer = hydra_utils.instantiate(cfg.model.optimizer)(params=self.parameters())
            if "scheduler" in cfg.model:
                return {
                    "optimizer": optimizer,
                    "lr_scheduler": {
                        "scheduler": hydra_utils.instantiate(cfg.model.scheduler)(optimizer=optimizer),
                        "interval": "epoch",
                        "frequency": 1,
                    },
                }
            node = cfg.model.lr_scheduler
            scheduler = hydra_utils.instantiate(node.scheduler)(optimizer=optimizer)
            return {
                "optimizer": optimizer,
                "lr_scheduler": {"scheduler": scheduler, "interval": node.interval, "frequency": node.frequency},
            }

    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn(n, 3, generator=gen), torch.randn(n, generator=gen)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=cfg.data.batch_size)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in ("pytorch_lightning", "lightning", "lightning.pytorch", "lightning_fabric"):
            logging.getLogger(name).setLevel(logging.ERROR)
        trainer = pl.Trainer(
            max_epochs=cfg.trainer.max_epochs,
            accumulate_grad_batches=cfg.trainer.accumulate_grad_batches,
            accelerator="cpu",
            devices=1,
            logger=False,
            enable_checkpointing=False,
            enable_progress_bar=False,
            enable_model_summary=False,
        )
        trainer.fit(Module(), loader)
    return lrs


@pytest.mark.parametrize(
    ("scheduler", "epochs", "batch", "accum", "n", "total"),
    [
        (EPOCH_COSINE, 4, 4, 2, 38, 4 * 5),  # ceil(38 / 4) = 10 batches, ceil(10 / 2) = 5 updates per epoch
        (STEP_ONECYCLE, 3, 3, 1, 30, 3 * 10),  # stepped after every optimizer step, OneCycle over 30
    ],
    ids=["epoch-cosine-accumulated", "step-onecycle"],
)
def test_values_match_hydra_instantiate_in_a_real_lightning_fit(tmp_path, scheduler, epochs, batch, accum, n, total):
    path = _write(tmp_path, TEMPLATE.format(epochs=epochs, batch=batch, accum=accum, scheduler=scheduler))
    truth = _lightning_lrs(path, n)
    loaded = load_source(path, dataset_size=n)
    assert loaded.kind == "hydra"
    assert loaded.plan.row("total optimizer steps").value == total == len(truth)
    ours = simulate(loaded.config).trajectories[0].lr[:, 0]
    np.testing.assert_array_equal(ours, np.array(truth))


def test_without_a_dataset_size_an_epoch_schedule_shows_one_step_per_epoch(tmp_path):
    path = _write(tmp_path, TEMPLATE.format(epochs=5, batch=8, accum=1, scheduler=EPOCH_COSINE))
    loaded = load_source(path)
    lrs = simulate(loaded.config).trajectories[0].lr[:, 0]
    opt = torch.optim.AdamW([torch.zeros(1, requires_grad=True)], lr=0.002, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=5, eta_min=1e-5)  # T_max: the resolved epochs
    truth = []
    for _ in range(5):
        truth.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    np.testing.assert_array_equal(lrs, truth)
    assert "one step is shown per epoch" in loaded.plan.row("updates per epoch").how


def test_nested_schedulers_and_the_arithmetic_rows(tmp_path):
    nested = """\
  scheduler:
    _target_: torch.optim.lr_scheduler.SequentialLR
    _partial_: true
    milestones: [2]
    schedulers:
      - _target_: torch.optim.lr_scheduler.LinearLR
        start_factor: 0.1
        total_iters: 2
      - _target_: torch.optim.lr_scheduler.ExponentialLR
        gamma: 0.5
"""
    path = _write(tmp_path, TEMPLATE.format(epochs=6, batch=10, accum=1, scheduler=nested))
    loaded = load_source(path, dataset_size=95, world_size=2)  # ceil(95 / 2) = 48 per process, ceil(48 / 10) = 5
    assert loaded.plan.row("updates per epoch").value == 5
    assert loaded.plan.row("batches per epoch").how == "ceil(48 / 10), ceil(95 / 2) per process"
    lrs = simulate(loaded.config).trajectories[0].lr[::5, 0]
    opt = torch.optim.AdamW([torch.zeros(1, requires_grad=True)], lr=0.002, weight_decay=0.01)
    s = torch.optim.lr_scheduler.SequentialLR(
        opt,
        [
            torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=2),
            torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5),
        ],
        milestones=[2],
    )
    truth = []
    for _ in range(6):
        truth.append(opt.param_groups[0]["lr"])
        opt.step()
        s.step()
    np.testing.assert_array_equal(lrs, truth)


def test_detection_by_target_nodes_even_beside_a_top_level_scheduler_key(tmp_path):
    text = "trainer: {max_epochs: 3}\noptimizer: {_target_: torch.optim.SGD, lr: 0.1}\n"
    text += "scheduler: {_target_: torch.optim.lr_scheduler.StepLR, step_size: 1}\n"
    assert detect(_write(tmp_path, text)) == "hydra"
    loaded = load_source(tmp_path / "config.yaml")
    assert [float(v) for v in simulate(loaded.config).trajectories[0].lr[:, 0]] == [0.1, 0.1 * 0.1, 0.1 * 0.1 * 0.1]


HOSTILE = {
    "loop": ("a: ${b}\nb: ${a}\n", "a", "interpolation loop: a -> b -> a"),
    "resolver": ("x: ${oc.env:HOME}\n", "x", "a resolver call ${oc.env:...}"),
    "nested": ("a: 1\nx: ${y.${a}}\n", "x", "an interpolation inside another"),
    "laughs": (
        "l0: xxxxxxxxxx\n" + "".join(f"l{i}: ${{l{i - 1}}}${{l{i - 1}}}\n" for i in range(1, 40)),
        "l",
        "characters",
    ),
    "chain": ("c0: 1\n" + "".join(f"c{i}: ${{c{i - 1}}}\n" for i in range(1, 400)), "c", "chained more than 200"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_interpolation_is_refused_before_omegaconf_resolves_anything(tmp_path, name, monkeypatch):
    import omegaconf

    extra, key, words = HOSTILE[name]
    text = TEMPLATE.format(epochs=2, batch=2, accum=1, scheduler=EPOCH_COSINE) + extra

    def never(*args, **kwargs):
        raise AssertionError("OmegaConf was asked to resolve a hostile file")

    monkeypatch.setattr(omegaconf.OmegaConf, "to_container", never)
    with pytest.raises(LrvizError) as err:
        load_source(_write(tmp_path, text))
    assert words in str(err.value)
    assert (err.value.key or "").startswith(key)


def test_a_target_naming_os_system_is_never_imported_or_run(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(os, "system", lambda *a: calls.append(a))
    text = TEMPLATE.format(epochs=2, batch=2, accum=1, scheduler=EPOCH_COSINE)
    text += "callbacks:\n  boom:\n    _target_: os.system\n    command: touch pwned\n"
    loaded = load_source(_write(tmp_path, text))  # a node that is no scheduler: read, never built
    assert loaded.kind == "hydra"
    bad = text.replace("torch.optim.lr_scheduler.CosineAnnealingLR", "os.system")
    with pytest.raises(LrvizError, match="--trust"):
        load_source(_write(tmp_path, bad, "bad.yaml"))  # under the scheduler's key: code, needs --trust
    assert calls == []


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("defaults: [_self_]\nx: {_target_: a.B}\n", "composed config"),
        ("trainer: {max_epochs: 2}\nx: {_target_: torch.optim.lr_scheduler.NoSuchLR}\n", "not a scheduler class"),
        ("trainer: {max_epochs: 2}\nx: {_target_: torch.optim.SGD, lr: 0.1}\n", "no scheduler node"),
        ("trainer: {max_epochs: 2}\ns: {_target_: torch.optim.lr_scheduler.ReduceLROnPlateau}\n", "monitored metric"),
        ("s: {_target_: torch.optim.lr_scheduler.StepLR, step_size: 1}\n", "no trainer node"),
        (
            "trainer: {max_epochs: 2}\nx: {interval: step, frequency: 2, scheduler: "
            "{_target_: torch.optim.lr_scheduler.StepLR, step_size: 1}}\n",
            "frequency other than 1",
        ),
        ("trainer: {max_epochs: 2}\ns: {_target_: torch.optim.lr_scheduler.StepLR, step_size: '???'}\n", "step_size"),
    ],
)
def test_files_lrviz_cannot_read_are_refused_with_the_key(tmp_path, text, words):
    with pytest.raises(LrvizError) as err:
        load_source(_write(tmp_path, text))
    assert words in str(err.value)


def test_a_deep_or_huge_file_is_refused_by_the_reader_before_anything_is_resolved(tmp_path):
    deep = (
        "trainer: {max_epochs: 2}\n" + "".join("  " * i + f"k{i}:\n" for i in range(80)) + "  " * 80 + "_target_: x\n"
    )
    with pytest.raises(LrvizError) as err:
        load_source(_write(tmp_path, deep))
    assert "deep" in str(err.value) or "nest" in str(err.value)
    huge = TEMPLATE.format(epochs=2, batch=2, accum=1, scheduler=EPOCH_COSINE) + "pad: '" + "x" * 1_100_000 + "'\n"
    with pytest.raises(LrvizError) as err:
        load_source(_write(tmp_path, huge, "huge.yaml"))
    assert "MB" in str(err.value) or "large" in str(err.value)


def test_the_python_api_and_combine_take_a_hydra_file(tmp_path):
    from typer.testing import CliRunner

    import lrviz
    from lrviz.cli import app

    path = _write(tmp_path, TEMPLATE.format(epochs=3, batch=4, accum=1, scheduler=EPOCH_COSINE))
    result = lrviz.simulate(str(path), dataset_size=12)
    assert result.trajectories[0].lr.shape[0] == 9  # 3 epochs x ceil(12 / 4) updates
    out = CliRunner().invoke(app, ["plot", str(path), str(path), "--combine", "both", "-o", str(tmp_path / "o")])
    assert out.exit_code == 0, out.output
    assert (tmp_path / "o" / "both.png").is_file()
