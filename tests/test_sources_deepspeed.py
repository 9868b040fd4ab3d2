"""DeepSpeed ds_config.json: lrviz's values against DeepSpeed's own scheduler classes, stepped as its engine steps them.

The truth: ``getattr(deepspeed.runtime.lr_schedules, type)(optimizer, **params)`` (what
``DeepSpeedEngine._scheduler_from_config`` builds) on a torch optimizer made from the
file's optimizer section, then, per optimizer step, the lr the step uses, ``optimizer.step()``
and ``lr_scheduler.step()`` with no argument (``_take_model_step``). Written here from
DeepSpeed's engine source, not from lrviz; lrviz must give the same lr (and, for
OneCycle, beta1) at every step, bit for bit.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from lrviz.errors import LrvizError
from lrviz.simulate import simulate
from lrviz.sources import detect, load_source
from tests.optional import import_or_skip

lr_schedules = import_or_skip("deepspeed.runtime.lr_schedules", "test")

OPTIMIZER = {"type": "AdamW", "params": {"lr": 3e-4, "betas": [0.9, 0.95], "eps": 1e-8, "weight_decay": 0.1}}
CASES = {
    "warmup-decay-linear": (
        "WarmupDecayLR",
        dict(total_num_steps=60, warmup_min_lr=1e-5, warmup_max_lr=3e-4, warmup_num_steps=12, warmup_type="linear"),
        60,
    ),
    "warmup-cosine-log": (
        "WarmupCosineLR",
        dict(total_num_steps=50, warmup_num_steps=7, warmup_min_ratio=0.1, cos_min_ratio=0.01),
        50,
    ),
    "warmup-log": ("WarmupLR", dict(warmup_min_lr=0, warmup_max_lr=1e-3, warmup_num_steps=9), 18),
    "one-cycle": (
        "OneCycle",
        dict(
            cycle_min_lr=1e-4,
            cycle_max_lr=1e-3,
            cycle_first_step_size=10,
            cycle_second_step_size=14,
            decay_lr_rate=0.1,
            cycle_min_mom=0.85,
            cycle_max_mom=0.95,
        ),
        24,
    ),
    "range-test": (
        "LRRangeTest",
        dict(
            lr_range_test_min_lr=1e-5,
            lr_range_test_step_size=5,
            lr_range_test_step_rate=2.0,
            lr_range_test_staircase=True,
        ),
        50,
    ),
}


def engine_lrs(type_name: str, params: dict, steps: int) -> tuple[list[float], list[float]]:
    """(lr, beta1) per optimizer step, as DeepSpeedEngine builds and steps the file's scheduler."""
    p = OPTIMIZER["params"]
    optimizer = torch.optim.AdamW(
        [torch.zeros(2, 2, requires_grad=True)],
        lr=p["lr"],
        betas=tuple(p["betas"]),
        eps=p["eps"],
        weight_decay=p["weight_decay"],
    )
    scheduler = getattr(lr_schedules, type_name)(optimizer, **params)  # _scheduler_from_config
    lrs, betas = [], []
    for _ in range(steps):
        lrs.append(optimizer.param_groups[0]["lr"])
        betas.append(optimizer.param_groups[0]["betas"][0])
        optimizer.step()
        scheduler.step(**({}))  # _take_model_step: self.lr_scheduler.step(**(lr_kwargs or {}))
    return lrs, betas


def _write(tmp_path, data: dict, name: str = "ds_config.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize("case", list(CASES))
def test_values_match_deepspeed_s_own_classes_stepped_as_the_engine_steps_them(tmp_path, case):
    type_name, params, total = CASES[case]
    ds = {
        "train_micro_batch_size_per_gpu": 4,
        "gradient_accumulation_steps": 2,
        "optimizer": OPTIMIZER,
        "scheduler": {"type": type_name, "params": params},
    }
    loaded = load_source(_write(tmp_path, ds), world_size=2)
    assert loaded.kind == "deepspeed"
    assert loaded.plan.row("total optimizer steps").value == total  # total_num_steps, or twice the warmup / cycle
    assert loaded.plan.row("batch").value == "4 x 2 x 2 = 16"
    traj = simulate(loaded.config).trajectories[0]
    lrs, betas = engine_lrs(type_name, params, total)
    np.testing.assert_array_equal(traj.lr[:, 0], lrs)
    np.testing.assert_array_equal(traj.momentum[:, 0], betas)  # OneCycle cycles beta1; the others keep 0.9
    assert len(set(lrs)) > 2


def test_a_torch_type_is_built_as_the_engine_falls_back_to_torch(tmp_path):
    ds = {"train_batch_size": 8, "scheduler": {"type": "StepLR", "params": {"step_size": 3, "gamma": 0.5}}}
    loaded = load_source(_write(tmp_path, ds), steps=7)
    lrs = simulate(loaded.config).trajectories[0].lr[:, 0]
    assert [float(v) for v in lrs] == [0.001] * 3 + [0.0005] * 3 + [0.00025]  # AdamW(lr=0.001): the client's
    assert "no run length" in loaded.plan.row("total optimizer steps").how


@pytest.mark.parametrize(
    ("batch", "shown"),
    [
        ({"train_batch_size": 64, "train_micro_batch_size_per_gpu": 4}, "4 x 4 x 4 = 64"),
        ({"train_batch_size": 64, "gradient_accumulation_steps": 2}, "8 x 2 x 4 = 64"),
        ({"train_micro_batch_size_per_gpu": 3}, "3 x 1 x 4 = 12"),
        ({"train_batch_size": 32}, "8 x 1 x 4 = 32"),
    ],
)
def test_the_batch_is_derived_as_deepspeed_derives_it(tmp_path, batch, shown):
    ds = {**batch, "scheduler": {"type": "WarmupLR", "params": {"warmup_num_steps": 5}}}
    assert load_source(_write(tmp_path, ds), world_size=4).plan.row("batch").value == shown


def test_detection_with_a_shared_key_and_a_scheduler_mapping(tmp_path):
    ds = {"gradient_accumulation_steps": 4, "train_batch_size": 32, "scheduler": {"type": "WarmupLR", "params": {}}}
    assert detect(_write(tmp_path, ds)) == "deepspeed"  # not ambiguous with HF's gradient_accumulation_steps
    minimal = {"scheduler": {"type": "WarmupLR", "params": {}}}
    assert detect(_write(tmp_path, minimal, "m.json")) == "deepspeed"  # a scheduler mapping is not lrviz's name


@pytest.mark.parametrize(
    ("ds", "key", "words"),
    [
        ({"train_batch_size": "auto", "scheduler": {"type": "WarmupLR", "params": {}}}, "train_batch_size", "'auto'"),
        (
            {"train_batch_size": 8, "scheduler": {"type": "WarmupDecayLR", "params": {"total_num_steps": "auto"}}},
            "scheduler.params.total_num_steps",
            "Hugging Face Trainer",
        ),
        (
            {"train_batch_size": 8, "scheduler": {"type": "os.system", "params": {"command": "touch x"}}},
            "scheduler.type",
            "unknown scheduler type",
        ),
        ({"train_batch_size": 8, "scheduler": {"type": "WarmupLR"}}, "scheduler.params", "**params"),
        (
            {
                "train_batch_size": 10,
                "train_micro_batch_size_per_gpu": 3,
                "gradient_accumulation_steps": 1,
                "scheduler": {"type": "WarmupLR", "params": {}},
            },
            "train_batch_size",
            "DeepSpeed refuses it",
        ),
        (
            {
                "train_batch_size": 8,
                "scheduler": {"type": "WarmupDecayLR", "params": {"total_num_steps": 10, "no_such": 1}},
            },
            "no_such",
            "no_such",
        ),
    ],
)
def test_files_deepspeed_or_lrviz_would_refuse_name_the_key(tmp_path, ds, key, words):
    with pytest.raises(LrvizError) as err:
        load_source(_write(tmp_path, ds))
    assert words in str(err.value)
    assert key in str(err.value)


def test_deepspeed_s_warnings_go_to_check_not_to_stdout(tmp_path, capsys):
    params = {"total_num_steps": 10, "warmup_num_steps": 3, "warmup_type": "cubic"}
    ds = {"train_batch_size": 8, "scheduler": {"type": "WarmupDecayLR", "params": params}}
    loaded = load_source(_write(tmp_path, ds))
    traj = simulate(loaded.config).trajectories[0]
    assert any("unknown warmup_type: cubic" in w for w in traj.warnings), traj.warnings
    assert capsys.readouterr().out == ""  # DeepSpeed logs to stdout: not while lrviz runs it


def test_lrviz_list_shows_deepspeed_s_schedulers():
    from lrviz.registry import catalogue

    found = {name: info for name, info in catalogue().items() if info.kind == "deepspeed"}
    assert sorted(found) == sorted(f"ds.{t}" for t in lr_schedules.VALID_LR_SCHEDULES)
    assert "total_num_steps" in [p.name for p in found["ds.WarmupDecayLR"].params]


def test_the_python_api_and_lrviz_code_take_a_ds_config(tmp_path):
    from typer.testing import CliRunner

    import lrviz
    from lrviz.cli import app

    type_name, params, total = CASES["warmup-decay-linear"]
    path = _write(
        tmp_path, {"train_batch_size": 8, "optimizer": OPTIMIZER, "scheduler": {"type": type_name, "params": params}}
    )
    np.testing.assert_array_equal(
        lrviz.simulate(str(path)).trajectories[0].lr[:, 0], engine_lrs(type_name, params, total)[0]
    )
    code = CliRunner().invoke(app, ["code", str(path)])
    assert code.exit_code == 0, code.output
    namespace: dict = {}
    exec(compile(code.stdout, "generated.py", "exec"), namespace)  # the program lrviz writes, run as a user would
    assert [row[0] for row in namespace["lrs"]] == engine_lrs(type_name, params, total)[0]
