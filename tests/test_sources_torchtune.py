"""torchtune recipe configs: lrviz's plan against torchtune's own functions stepped as its recipes step them.

The truth is torchtune's: the file loaded by OmegaConf (as ``config.parse`` loads it), the
optimizer and scheduler built by ``torchtune.config.instantiate`` with the keywords the
recipe passes, over a real ``StatefulDataLoader`` / ``StatefulDistributedSampler`` set up as
``full_finetune_single_device.py``'s ``_setup_data`` sets them up, and stepped by the
recipe's own loop (copied below from ``train()``), recording each optimizer step's lr.
lrviz reads the same file and must give the same lrs, bit for bit. The public configs
torchtune ships (``recipes/configs``) are read too. Hostile files are refused with nothing
imported.
"""

from __future__ import annotations

import glob
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from lrviz.errors import LrvizError
from lrviz.simulate import simulate
from lrviz.sources import detect, load_source
from tests.optional import import_or_skip

import_or_skip("torchtune.training.lr_schedulers", "torchtune")  # torchtune builds every schedule (lrviz[torchtune])
import_or_skip("omegaconf", "hydra")

RECIPE = """\
output_dir: /tmp/torchtune/run
model:
  _component_: torchtune.models.llama3_2.lora_llama3_2_1b
  lora_rank: 64
dataset:
  _component_: torchtune.datasets.alpaca_cleaned_dataset
  packed: False
seed: null
shuffle: True
batch_size: {batch}
optimizer:
  _component_: torch.optim.AdamW
  fused: True
  weight_decay: 0.01
  lr: 3e-4
lr_scheduler:
  _component_: {component}
  num_warmup_steps: {warmup}
epochs: {epochs}
max_steps_per_epoch: {cap}
gradient_accumulation_steps: {accum}
metric_logger:
  _component_: torchtune.training.metric_logging.DiskLogger
  log_dir: ${{output_dir}}/logs
log_peak_memory_stats: True
"""
COSINE = "torchtune.training.lr_schedulers.get_cosine_schedule_with_warmup"


def halving(optimizer: torch.optim.Optimizer, num_training_steps: int, num_warmup_steps: int = 0, last_epoch=-1):
    """A user's own schedule function (an import path outside torchtune: needs --trust)."""
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: 0.5 ** (4 * s // max(1, num_training_steps)), last_epoch
    )


def _write(tmp_path: Path, text: str, name: str = "recipe.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _recipe_lrs(path: Path, n: int, world: int) -> list[float]:
    """The lr of every optimizer step of the recipe's loop (full_finetune_single_device.py, torchtune 0.6.1)."""
    from omegaconf import OmegaConf
    from torchdata.stateful_dataloader import StatefulDataLoader
    from torchdata.stateful_dataloader.sampler import StatefulDistributedSampler
    from torchtune import config

    cfg = OmegaConf.load(path)
    param = torch.nn.Parameter(torch.zeros(2))
    optimizer = config.instantiate(cfg.optimizer, [param])
    ds = list(range(n))
    sampler = StatefulDistributedSampler(ds, num_replicas=world, rank=0, shuffle=cfg.shuffle, seed=0)
    dataloader = StatefulDataLoader(dataset=ds, batch_size=cfg.batch_size, sampler=sampler, drop_last=True)
    grad_accum, max_steps_per_epoch = cfg.gradient_accumulation_steps, cfg.max_steps_per_epoch
    steps_per_epoch = len(dataloader) // grad_accum  # from here on, the recipe's own lines
    if max_steps_per_epoch is not None and max_steps_per_epoch < steps_per_epoch:
        steps_per_epoch = max_steps_per_epoch
    lr_scheduler = config.instantiate(
        cfg.lr_scheduler, optimizer, num_training_steps=cfg.epochs * steps_per_epoch, last_epoch=-1
    )
    lrs = []
    for curr_epoch in range(0, cfg.epochs):
        dataloader.sampler.set_epoch(curr_epoch)
        for idx, _batch in enumerate(dataloader):
            if (idx + 1) % grad_accum == 0:
                lrs.append(optimizer.param_groups[0]["lr"])
                param.grad = torch.ones_like(param)
                optimizer.step()
                optimizer.zero_grad(set_to_none=True)
                lr_scheduler.step()
            if ((idx + 1) // grad_accum) == max_steps_per_epoch:
                break
    return lrs


@pytest.mark.parametrize(
    ("n", "world", "batch", "accum", "epochs", "cap", "warmup", "total"),
    [
        (1000, 1, 4, 8, 2, "null", 10, 2 * 31),  # floor(1000 / 4) = 250 batches, 250 // 8 = 31 steps per epoch
        (1003, 2, 3, 2, 3, 50, 7, 3 * 50),  # ceil(1003 / 2) = 502 per process, 167 batches, 83 steps, capped at 50
        (97, 3, 5, 1, 4, "null", 3, 4 * 6),  # ceil(97 / 3) = 33, floor(33 / 5) = 6 (drop_last)
    ],
    ids=["single-device-accumulated", "distributed-capped", "drop-last"],
)
def test_values_match_the_recipe_loop(tmp_path, n, world, batch, accum, epochs, cap, warmup, total):
    text = RECIPE.format(batch=batch, component=COSINE, warmup=warmup, epochs=epochs, cap=cap, accum=accum)
    path = _write(tmp_path, text)
    truth = _recipe_lrs(path, n, world)
    loaded = load_source(path, dataset_size=n, world_size=world)
    assert loaded.kind == "torchtune"
    assert loaded.plan.row("total optimizer steps").value == total == len(truth)
    np.testing.assert_array_equal(simulate(loaded.config).trajectories[0].lr[:, 0], np.array(truth))


def test_a_users_schedule_function_needs_trust_and_then_matches_the_recipe(tmp_path):
    text = RECIPE.format(batch=4, component=f"{__name__}.halving", warmup=0, epochs=2, cap="null", accum=2)
    path = _write(tmp_path, text)
    with pytest.raises(LrvizError, match="--trust"):
        load_source(path, dataset_size=200)
    truth = _recipe_lrs(path, 200, 1)
    loaded = load_source(path, dataset_size=200, trust=True)
    np.testing.assert_array_equal(simulate(loaded.config).trajectories[0].lr[:, 0], np.array(truth))


def _shipped() -> list[str]:
    """torchtune's own recipe configs with a scheduler, one per distinct set of the keys that shape it."""
    import importlib.util

    from omegaconf import OmegaConf

    spec = importlib.util.find_spec("recipes")  # torchtune's wheel installs them; importing the package is refused
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("torchtune's recipes/configs are not installed beside it")
    folder = list(spec.submodule_search_locations)[0]
    seen, out = set(), []
    shipped = sorted(glob.glob(os.path.join(folder, "configs", "**", "*.yaml"), recursive=True))
    assert len(shipped) >= 100, folder
    for path in shipped:
        assert detect(path) == "torchtune", path  # every config torchtune ships, with a scheduler or not
        cfg = OmegaConf.load(path)
        if cfg.get("lr_scheduler") is None:
            continue
        keys = ("batch_size", "gradient_accumulation_steps", "epochs", "max_steps_per_epoch")
        shape = (*(cfg.get(k) for k in keys), str(cfg.optimizer), str(cfg.lr_scheduler))
        if shape not in seen:
            seen.add(shape)
            out.append(path)
    return out


def test_the_recipe_configs_torchtune_ships_match_its_function_stepped_as_the_recipe_steps():
    from omegaconf import OmegaConf
    from torchtune import config

    shipped = _shipped()
    assert len(shipped) >= 5, shipped
    n = 10_000
    for path in shipped:
        cfg = OmegaConf.load(path)
        spe = (n // cfg.batch_size) // cfg.gradient_accumulation_steps  # len(dataloader) with drop_last, one process
        if cfg.get("max_steps_per_epoch") is not None and cfg.max_steps_per_epoch < spe:
            spe = cfg.max_steps_per_epoch
        param = torch.nn.Parameter(torch.zeros(2))
        torch_optim = str(cfg.optimizer._component_).startswith("torch.optim.")
        opt = (
            config.instantiate(cfg.optimizer, [param]) if torch_optim else torch.optim.SGD([param], lr=cfg.optimizer.lr)
        )
        sched = config.instantiate(cfg.lr_scheduler, opt, num_training_steps=cfg.epochs * spe, last_epoch=-1)
        truth = []
        for _ in range(cfg.epochs * spe):
            truth.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
        loaded = load_source(path, dataset_size=n)
        assert loaded.kind == "torchtune", path
        np.testing.assert_array_equal(simulate(loaded.config).trajectories[0].lr[:, 0], np.array(truth), err_msg=path)


def test_the_arithmetic_rows_and_a_capped_run_without_a_dataset_size(tmp_path):
    text = RECIPE.format(batch=2, component=COSINE, warmup=5, epochs=3, cap=40, accum=4)
    loaded = load_source(_write(tmp_path, text))
    assert loaded.plan.row("steps per epoch").value == 40
    assert "assumes the data fills it" in loaded.plan.row("steps per epoch").how
    assert loaded.plan.row("num_training_steps").value == 120
    assert loaded.config.schedules[0].spec.kwargs["last_epoch"] == -1
    planned = load_source(_write(tmp_path, text, "b.yaml"), dataset_size=1001, world_size=2).plan
    assert planned.row("batches per epoch").how == "floor(501 / 2), ceil(1,001 / 2) per process: drop_last=True"
    assert planned.row("steps per epoch").value == 40  # 250 // 4 = 62, capped
    assert planned.row("steps per epoch").how.startswith("max_steps_per_epoch (before floor(250 / 4)")
    assert detect(_write(tmp_path, text, "c.yaml")) == "torchtune"


def _never_resolved(monkeypatch: pytest.MonkeyPatch) -> None:
    import omegaconf

    def never(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("OmegaConf was asked to resolve a hostile file")

    monkeypatch.setattr(omegaconf.OmegaConf, "to_container", never)


def test_a_component_naming_os_system_or_a_module_is_never_imported_or_run(tmp_path, monkeypatch):
    calls: list[Any] = []
    monkeypatch.setattr(os, "system", lambda *a: calls.append(a))
    base = RECIPE.format(batch=4, component=COSINE, warmup=2, epochs=1, cap="null", accum=1)
    other = base.replace("torchtune.models.llama3_2.lora_llama3_2_1b", "os.system").replace(
        "torchtune.datasets.alpaca_cleaned_dataset", "lrviz_evil_data.boom"
    )
    assert load_source(_write(tmp_path, other), dataset_size=40).kind == "torchtune"  # read, never built
    for target in ("os.system", "lrviz_evil_sched.boom"):
        with pytest.raises(LrvizError, match="--trust") as err:
            load_source(_write(tmp_path, base.replace(COSINE, target), "bad.yaml"), dataset_size=40)
        assert err.value.key == "lr_scheduler._component_"
    bad_optim = base.replace("torch.optim.AdamW", "lrviz_evil_optim.Adam")
    assert load_source(_write(tmp_path, bad_optim, "o.yaml"), dataset_size=40).config.optimizer.name == "SGD"
    assert calls == []
    assert not [m for m in sys.modules if m.startswith("lrviz_evil")]
    _never_resolved(monkeypatch)
    hostile = base + "x: ${oc.env:HOME}\nloop_a: ${loop_b}\nloop_b: ${loop_a}\n"
    with pytest.raises(LrvizError, match="resolver call|interpolation loop"):
        load_source(_write(tmp_path, hostile, "h.yaml"), dataset_size=40)


@pytest.mark.parametrize(
    ("change", "key", "words"),
    [
        (
            ("lr_scheduler:\n  _component_: " + COSINE + "\n  num_warmup_steps: 2\n", ""),
            "lr_scheduler",
            "no lr_scheduler",
        ),
        ((COSINE, "torch.optim.lr_scheduler.StepLR"), "lr_scheduler._component_", "does not take"),
        (
            (COSINE, "torchtune.training.lr_schedulers.get_nothing"),
            "lr_scheduler._component_",
            "not a schedule function",
        ),
        (("gradient_accumulation_steps: 1\n", ""), "gradient_accumulation_steps", "missing"),
        (("max_steps_per_epoch: null", "max_steps_per_epoch: 0"), "max_steps_per_epoch", ">= 1"),
        (("batch_size: 4", "batch_size: 400"), "--dataset-size", "would not step at all"),
    ],
    ids=["no-scheduler", "torch-class", "unknown-function", "no-accumulation", "zero-cap", "too-small"],
)
def test_files_lrviz_cannot_read_are_refused_with_the_key(tmp_path, change, key, words):
    text = RECIPE.format(batch=4, component=COSINE, warmup=2, epochs=1, cap="null", accum=1).replace(*change)
    with pytest.raises(LrvizError) as err:
        load_source(_write(tmp_path, text), kind="torchtune", dataset_size=40)
    assert words in str(err.value)
    assert err.value.key == key


def test_no_dataset_size_without_a_cap_is_refused_naming_the_option(tmp_path):
    text = RECIPE.format(batch=4, component=COSINE, warmup=2, epochs=1, cap="null", accum=1)
    with pytest.raises(LrvizError, match="--dataset-size"):
        load_source(_write(tmp_path, text))


def test_a_deep_or_huge_file_is_refused_by_the_reader(tmp_path, monkeypatch):
    _never_resolved(monkeypatch)
    deep = "epochs: 1\n" + "".join("  " * i + f"k{i}:\n" for i in range(80)) + "  " * 80 + "_component_: x\n"
    with pytest.raises(LrvizError) as err:
        load_source(_write(tmp_path, deep))
    assert "deep" in str(err.value) or "nest" in str(err.value)
    huge = RECIPE.format(batch=4, component=COSINE, warmup=2, epochs=1, cap="null", accum=1)
    huge += "pad: '" + "x" * 1_100_000 + "'\n"
    with pytest.raises(LrvizError) as err:
        load_source(_write(tmp_path, huge, "huge.yaml"))
    assert "MB" in str(err.value) or "large" in str(err.value)


def test_the_python_api_combine_code_list_and_check_take_a_torchtune_file(tmp_path):
    from typer.testing import CliRunner

    import lrviz
    from lrviz.cli import app

    path = _write(tmp_path, RECIPE.format(batch=4, component=COSINE, warmup=2, epochs=2, cap="null", accum=2))
    result = lrviz.simulate(str(path), dataset_size=40)
    assert result.trajectories[0].lr.shape[0] == 2 * 5  # floor(40 / 4) = 10 batches, 10 // 2 = 5 steps per epoch
    runner = CliRunner()
    out = runner.invoke(
        app, ["plot", str(path), str(path), "--combine", "both", "--dataset-size", "40", "-o", str(tmp_path / "o")]
    )
    assert out.exit_code == 0, out.output
    assert (tmp_path / "o" / "both.png").is_file()
    code = runner.invoke(app, ["code", str(path), "--dataset-size", "40"])
    assert code.exit_code == 0, code.output
    assert "from torchtune.training.lr_schedulers import get_cosine_schedule_with_warmup" in code.output
    listed = runner.invoke(app, ["list"])
    assert "torchtune.get_cosine_schedule_with_warmup" in listed.output
    check = runner.invoke(app, ["check", str(path), "--dataset-size", "40"])
    assert check.exit_code in (0, 1), check.output


def test_actual_sweep_and_code_with_a_torchtune_file(tmp_path):
    """lrviz code's Python gives the recipe's lrs; --actual: the recipe loop's own lrs, logged as a CSV, agree
    with the plan, and one wrong value is found."""
    from typer.testing import CliRunner

    from lrviz.cli import app

    path = _write(tmp_path, RECIPE.format(batch=4, component=COSINE, warmup=3, epochs=2, cap="null", accum=2))
    lrs = _recipe_lrs(path, 60, 1)  # floor(60 / 4) = 15 batches, 7 steps per epoch
    log = tmp_path / "log.csv"
    log.write_text("step,lr\n" + "".join(f"{i},{lr!r}\n" for i, lr in enumerate(lrs)))
    runner = CliRunner()
    ok = runner.invoke(app, ["check", str(path), "--dataset-size", "60", "--actual", str(log)])
    assert ok.exit_code == 0, ok.output
    assert f"agrees with the plan at all {len(lrs)} logged steps" in ok.output
    log.write_text("step,lr\n" + "".join(f"{i},{0.5 if i == 4 else lr!r}\n" for i, lr in enumerate(lrs)))
    bad = runner.invoke(app, ["check", str(path), "--dataset-size", "60", "--actual", str(log)])
    assert bad.exit_code != 0 and "differs from the plan from step 4" in bad.output, bad.output
    code = runner.invoke(app, ["code", str(path), "--dataset-size", "60"])
    namespace: dict[str, Any] = {}
    exec(compile(code.output, "lrviz-code", "exec"), namespace)  # the Python lrviz writes runs the recipe's lrs
    assert [row[0] for row in namespace["lrs"]] == lrs
    out = tmp_path / "swept.csv"
    swept = runner.invoke(
        app, ["export", str(path), "--dataset-size", "60", "--sweep", "params.num_warmup_steps=0,5", "-o", str(out)]
    )
    assert swept.exit_code == 0, swept.output
    assert out.read_text().count(",group0,0,") == 2  # two schedules, each from step 0
