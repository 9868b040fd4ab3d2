"""Sweeps: labels, values (each swept schedule against torch run directly), limits and errors."""

from __future__ import annotations

import csv
import itertools

import numpy as np
import pytest
from torch.optim import lr_scheduler as L
from typer.testing import CliRunner

from lrviz.cli import app
from lrviz.errors import ConfigError, LrvizError
from lrviz.limits import MAX_SWEEP_SCHEDULES
from lrviz.simulate import simulate
from lrviz.validate import load_config
from lrviz.validate.sweep import apply_sweeps, parse_cli_sweep
from tests.torchloop import direct_lrs

runner = CliRunner()
LRS = [0.1, 0.02]
STEPS = 25


def base(**extra) -> dict:
    return {
        "steps": STEPS,
        "optimizer": {
            "name": "SGD",
            "lr": LRS[0],
            "momentum": 0.9,
            "param_groups": [{"name": "a"}, {"name": "b", "lr": LRS[1]}],
        },
        **extra,
    }


def direct(make, steps: int = STEPS) -> np.ndarray:
    return direct_lrs(make, LRS, steps, momentum=0.9)


def test_cli_sweep_labels_and_values_equal_direct_torch():
    cfg = load_config(base(scheduler="StepLR", params={"step_size": 4}))
    swept = apply_sweeps(cfg, ["params.gamma=0.1,0.5,0.9"], force=False)
    assert [s.label for s in swept.schedules] == [
        "StepLR params.gamma=0.1",
        "StepLR params.gamma=0.5",
        "StepLR params.gamma=0.9",
    ]
    result = simulate(swept)
    for traj, gamma in zip(result.trajectories, (0.1, 0.5, 0.9), strict=True):
        np.testing.assert_array_equal(traj.lr, direct(lambda o, gamma=gamma: L.StepLR(o, step_size=4, gamma=gamma)))
    assert cfg.schedules[0].params == {"step_size": 4}  # the original config is untouched


def test_nested_path_into_sequentiallr():
    cfg = load_config(
        base(
            schedules=[
                {
                    "label": "warm+exp",
                    "scheduler": "SequentialLR",
                    "params": {
                        "milestones": [5],
                        "schedulers": [
                            {"scheduler": "LinearLR", "params": {"start_factor": 0.1, "total_iters": 5}},
                            {"scheduler": "ExponentialLR", "params": {"gamma": 0.9}},
                        ],
                    },
                }
            ]
        )
    )
    swept = apply_sweeps(cfg, ["params.schedulers.0.params.total_iters=2,5,10"])
    assert [s.label for s in swept.schedules] == [
        f"warm+exp params.schedulers.0.params.total_iters={n}" for n in (2, 5, 10)
    ]
    for traj, n in zip(simulate(swept).trajectories, (2, 5, 10), strict=True):
        expected = direct(
            lambda o, n=n: L.SequentialLR(
                o, [L.LinearLR(o, start_factor=0.1, total_iters=n), L.ExponentialLR(o, gamma=0.9)], milestones=[5]
            )
        )
        np.testing.assert_array_equal(traj.lr, expected)


def test_block_and_cli_make_a_cartesian_product_per_schedule():
    cfg = load_config(
        base(
            schedules=[
                {"label": "step", "scheduler": "StepLR", "params": {"step_size": 3}},
                {"label": "step6", "scheduler": "StepLR", "params": {"step_size": 6, "gamma": 0.2}},
            ],
            sweep={"params.gamma": [0.3, 0.6], "params.step_size": [1, 2]},
        )
    )
    # the command line replaces the block's params.step_size and adds a new key
    swept = apply_sweeps(cfg, ["params.step_size=2,4,8", "interval=step"])
    assert len(swept.schedules) == 2 * 2 * 3
    assert swept.schedules[0].label == "step params.gamma=0.3 params.step_size=2 interval=step"
    assert swept.schedules[-1].label == "step6 params.gamma=0.6 params.step_size=8 interval=step"
    combos = list(itertools.product((0.3, 0.6), (2, 4, 8)))
    trajectories = simulate(swept).trajectories
    assert len(trajectories) == len(combos * 2) == 12
    for traj, (gamma, size) in zip(trajectories, combos * 2, strict=True):
        np.testing.assert_array_equal(
            traj.lr, direct(lambda o, size=size, gamma=gamma: L.StepLR(o, step_size=size, gamma=gamma))
        )
    assert swept.sweep == {}  # applied: a second apply_sweeps leaves it as is
    assert apply_sweeps(swept, []) is swept


def test_sweep_a_preset_parameter_and_the_interval():
    cfg = load_config(base(steps=20, steps_per_epoch=4, scheduler="linear", params={"num_warmup_steps": 0}))
    swept = apply_sweeps(cfg, ["interval=step,epoch"])
    step, epoch = simulate(swept).trajectories
    assert step.label == "linear interval=step" and epoch.label == "linear interval=epoch"
    # linear decay to 0 over the scheduler steps: 20 optimizer steps, or 5 epochs
    np.testing.assert_allclose(step.lr[:, 0], 0.1 * (20 - np.arange(20)) / 20, rtol=1e-12)
    np.testing.assert_allclose(epoch.lr[:, 0], 0.1 * (5 - np.arange(20) // 4) / 5, rtol=1e-12)


def test_no_sweep_returns_the_config_itself():
    cfg = load_config(base(scheduler="StepLR", params={"step_size": 4}))
    assert apply_sweeps(cfg, [], force=False) is cfg


def test_duplicate_values_get_unique_labels():
    cfg = load_config(base(scheduler="StepLR", params={"step_size": 4}))
    labels = [s.label for s in apply_sweeps(cfg, ["params.gamma=0.5,0.5"]).schedules]
    assert labels == ["StepLR params.gamma=0.5", "StepLR params.gamma=0.5 (2)"]


@pytest.mark.parametrize(
    ("text", "key", "values"),
    [
        ("params.gamma=0.1,0.5", "params.gamma", [0.1, 0.5]),
        ("params.step_size=5,10", "params.step_size", [5, 10]),
        ("params.eta_min=1e-5,2.5E-3", "params.eta_min", [1e-5, 2.5e-3]),
        ("params.anneal_strategy=cos,linear", "params.anneal_strategy", ["cos", "linear"]),
        ("params.cycle_momentum=true,false", "params.cycle_momentum", [True, False]),
        (" params.x = null , 3 ", "params.x", [None, 3]),
    ],
)
def test_cli_values_are_yaml_scalars(text, key, values):
    k, v = parse_cli_sweep(text)
    assert k == key and v == values
    assert [type(x) for x in v] == [type(x) for x in values]


@pytest.mark.parametrize("text", ["gamma", "=1,2", "params.gamma=", "params.gamma=1,,2"])
def test_malformed_cli_sweeps(text):
    with pytest.raises(LrvizError, match="--sweep"):
        parse_cli_sweep(text)


@pytest.mark.parametrize(
    ("sweep", "fragment"),
    [
        ("params.milestones.5=1,2", "params.milestones is a list of 2; '5' is not an index of it"),
        ("params.milestones.0.x=1", "params.milestones.0 is 3 (int), nothing to sweep inside"),
        ("steps=1,2", "starts with one of params, scheduler, interval, metric"),
        ("params..gamma=1", "not a dotted path"),
        ("metric.seed=1,2", "is None (NoneType), nothing to sweep inside"),
    ],
)
def test_bad_paths_name_the_sweep_key(sweep, fragment):
    cfg = load_config(base(scheduler="MultiStepLR", params={"milestones": [3, 9]}))
    with pytest.raises(ConfigError) as info:
        apply_sweeps(cfg, [sweep])
    assert info.value.key == "sweep." + sweep.split("=")[0]
    assert fragment in str(info.value)


def test_bad_swept_values_are_blamed_on_their_key():
    cfg = load_config(base(scheduler="StepLR", params={"step_size": 4}))
    with pytest.raises(ConfigError) as info:
        apply_sweeps(cfg, ["params.step_size=2,3", "params.gamma=0.5,fast"])
    assert info.value.key == "sweep.params.gamma"
    assert "params.gamma: expected a number, got 'fast'" in str(info.value)
    with pytest.raises(ConfigError) as info:
        apply_sweeps(cfg, ["params.gama=0.5"])
    assert info.value.key == "sweep.params.gama" and "did you mean gamma" in str(info.value)


def test_bad_sweep_block_in_a_file(write_config):
    path = write_config(base(scheduler="StepLR", params={"step_size": 4}, sweep={"params.gamma": {"a": 1}}))
    result = runner.invoke(app, ["export", str(path)])
    assert result.exit_code == 2
    assert f"{path}: sweep.params.gamma: expected a non-empty list of values" in result.stderr


def test_more_than_64_schedules_needs_force(write_config, tmp_path):
    path = write_config(base(steps=3, scheduler="StepLR", params={"step_size": 1}))
    values = ",".join(str(round(0.01 * i, 2)) for i in range(1, MAX_SWEEP_SCHEDULES + 2))  # 65 values
    out = tmp_path / "out.csv"
    refused = runner.invoke(app, ["export", str(path), "--sweep", f"params.gamma={values}", "-o", str(out)])
    assert refused.exit_code == 2
    assert "65 schedules" in refused.stderr and "--force" in refused.stderr
    assert not out.exists()
    forced = runner.invoke(app, ["export", str(path), "--sweep", f"params.gamma={values}", "--force", "-o", str(out)])
    assert forced.exit_code == 0, forced.stderr
    rows = list(csv.DictReader(out.open()))
    assert len({r["schedule"] for r in rows}) == 65
    # exactly 64 is allowed without --force
    values64 = ",".join(values.split(",")[:64])
    assert runner.invoke(app, ["export", str(path), "--sweep", f"params.gamma={values64}"]).exit_code == 0


def test_hard_limit_holds_even_with_force():
    cfg = load_config(base(steps=3, scheduler="StepLR", params={"step_size": 1}))
    values = ",".join(str(i) for i in range(1, 258))
    with pytest.raises(LrvizError, match="257 schedules .* above the hard limit of 256"):
        apply_sweeps(cfg, [f"params.step_size={values}"], force=True)


def test_cli_sweep_end_to_end(write_config):
    path = write_config(base(steps=6, scheduler="ExponentialLR", params={"gamma": 0.5}))
    result = runner.invoke(app, ["export", str(path), "--sweep", "params.gamma=0.5,0.8"])
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(result.stdout.splitlines()))
    assert [r["schedule"] for r in rows if r["group"] == "b" and r["step"] == "5"] == [
        "ExponentialLR params.gamma=0.5",
        "ExponentialLR params.gamma=0.8",
    ]
    last = {r["schedule"]: float(r["lr"]) for r in rows if r["group"] == "b" and r["step"] == "5"}
    assert last["ExponentialLR params.gamma=0.8"] == direct(lambda o: L.ExponentialLR(o, 0.8), 6)[5, 1]
