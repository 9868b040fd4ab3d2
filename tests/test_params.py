"""Recording every param-group value a scheduler changes, the plateau metric, and partial runs.

Every expected value comes from a direct torch loop (tests/torchloop.py) over the same
scheduler: the user's own weight-decay scheduler of configs/custom/, ReduceLROnPlateau
fed a metric computed here from the config's formula, OneCycleLR stepped until torch
refuses.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import math

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from lrviz import step as stepping
from lrviz.cli import app
from lrviz.errors import SimulationError
from lrviz.export import to_csv, to_json
from lrviz.simulate import simulate
from lrviz.validate import load_config
from tests.conftest import REPO
from tests.torchloop import direct_group_values, direct_run

runner = CliRunner()
WD_FILE = REPO / "configs" / "custom" / "weight_decay_schedule.py"
WD_CONFIG = REPO / "configs" / "custom" / "weight-decay-schedule.yaml"


def user_module(path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------------------- param-group values


def test_weight_decay_of_a_users_scheduler_equals_a_direct_torch_loop():
    result = simulate(load_config(WD_CONFIG, trust=True))
    (t,) = result.trajectories
    assert list(t.params) == ["weight_decay"]  # lr and momentum are recorded as ever; nothing else moved
    cls = user_module(WD_FILE, "wd_schedule").WarmupCosineWithWeightDecay
    direct = direct_group_values(
        lambda o: cls(o, warmup_steps=100, total_steps=1000, wd_start=0.04, wd_end=0.4),
        1000,
        ["lr", "weight_decay"],
        optimizer=torch.optim.AdamW,
        lr=0.0005,
        weight_decay=0.04,
    )
    assert t.params["weight_decay"][:, 0].tobytes() == direct["weight_decay"].tobytes()
    assert t.lr[:, 0].tobytes() == direct["lr"].tobytes()
    assert t.decoupled_decay  # AdamW's groups say decoupled_weight_decay: True


SCHEDULERS = '''
from torch.optim.lr_scheduler import LambdaLR


class WarmupWithoutDecay(LambdaLR):
    """No weight decay during warmup, then the configured one: the same float object put back."""

    def __init__(self, optimizer, warmup: int):
        self.warmup = warmup
        self.saved = [g["weight_decay"] for g in optimizer.param_groups]
        super().__init__(optimizer, lambda step: 1.0)

    def step(self, epoch=None):
        super().step(epoch)
        for g, wd in zip(self.optimizer.param_groups, self.saved):
            g["weight_decay"] = 0.0 if self.last_epoch < self.warmup else wd


class Beta2Warmup(LambdaLR):
    """Adam's beta2 from 0.9 up to 0.999 over the first steps (lr constant)."""

    def __init__(self, optimizer, steps: int):
        self.steps = steps
        super().__init__(optimizer, lambda step: 1.0)

    def step(self, epoch=None):
        super().step(epoch)
        t = min(1.0, self.last_epoch / self.steps)
        for g in self.optimizer.param_groups:
            g["betas"] = (g["betas"][0], 0.9 + 0.099 * t)
'''


@pytest.fixture
def own_schedulers(tmp_path):
    (tmp_path / "own.py").write_text(SCHEDULERS)
    return tmp_path / "own.py"


def test_a_value_changed_only_mid_run_and_put_back_is_recorded_where_it_changed(own_schedulers):
    """The per-row watch sees a change a check at the end would miss: 0 during warmup, then the same object back."""
    cfg = load_config(
        {
            "steps": 30,
            "optimizer": {"name": "SGD", "lr": 0.1, "weight_decay": 5e-4},
            "scheduler": f"{own_schedulers}:WarmupWithoutDecay",
            "params": {"warmup": 10},
        },
        trust=True,
    )
    (t,) = simulate(cfg).trajectories
    cls = user_module(own_schedulers, "own_direct").WarmupWithoutDecay
    direct = direct_group_values(lambda o: cls(o, warmup=10), 30, ["weight_decay"], lr=0.1, weight_decay=5e-4)
    assert t.params["weight_decay"][:, 0].tolist() == direct["weight_decay"].tolist()
    assert t.params["weight_decay"][0, 0] == 0.0 and t.params["weight_decay"][-1, 0] == 5e-4


def test_beta2_is_recorded_as_the_second_of_betas(own_schedulers):
    cfg = load_config(
        {
            "steps": 20,
            "optimizer": {"name": "Adam", "lr": 1e-3},
            "scheduler": f"{own_schedulers}:Beta2Warmup",
            "params": {"steps": 10},
        },
        trust=True,
    )
    (t,) = simulate(cfg).trajectories
    assert list(t.params) == ["betas[1]"]  # betas[0] is the momentum column, unchanged here
    cls = user_module(own_schedulers, "own_beta").Beta2Warmup
    direct = direct_group_values(lambda o: cls(o, steps=10), 20, ["betas[1]"], optimizer=torch.optim.Adam, lr=1e-3)
    assert t.params["betas[1]"][:, 0].tolist() == direct["betas[1]"].tolist()
    doc = json.loads(to_json(simulate(cfg)))
    assert doc["schedules"][0]["groups"][0]["betas[1]"] == direct["betas[1]"].tolist()


CONFIGS = sorted((REPO / "configs" / "torch").glob("*.yaml")) + [REPO / "configs" / "seeds" / "000-cheatsheet.yaml"]


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.stem)
def test_torchs_own_schedulers_write_nothing_but_lr_and_momentum(path, monkeypatch):
    """Why torch's classes skip the per-row watch (step.WATCH_FREE_KINDS): stepped with it on, they record
    nothing else. A torch release that changes this fails here."""
    monkeypatch.setattr(stepping, "WATCH_FREE_KINDS", frozenset())
    result = simulate(load_config(path, trust=True))
    assert len(result.trajectories) >= 1
    assert {t.label: list(t.params) for t in result.trajectories} == {t.label: [] for t in result.trajectories}


def test_an_unexpected_change_found_at_a_block_end_is_recorded_by_stepping_again(own_schedulers, monkeypatch):
    """Had a watch-free kind changed a value after all, the check at the end of the run steps it again, watched."""
    monkeypatch.setattr(stepping, "WATCH_FREE_KINDS", frozenset({"torch", "preset", "import"}))
    cfg = load_config(
        {
            "steps": 20,
            "optimizer": {"name": "Adam", "lr": 1e-3},
            "scheduler": f"{own_schedulers}:Beta2Warmup",
            "params": {"steps": 10},
        },
        trust=True,
    )
    (t,) = simulate(cfg).trajectories
    assert t.params["betas[1]"][0, 0] == 0.9 and t.params["betas[1]"][-1, 0] == pytest.approx(0.999)


def test_a_value_that_does_not_change_adds_nothing():
    cfg = load_config(
        {"steps": 10, "optimizer": {"name": "AdamW", "lr": 1e-3}, "scheduler": "StepLR", "params": {"step_size": 3}}
    )
    result = simulate(cfg)
    assert result.trajectories[0].params == {}
    assert to_csv(result).splitlines()[0] == "schedule,group,step,lr,momentum"


def test_weight_decay_is_a_csv_column_and_a_json_key():
    result = simulate(load_config(WD_CONFIG, trust=True))
    rows = list(csv.DictReader(io.StringIO(to_csv(result))))
    assert list(rows[0]) == ["schedule", "group", "step", "lr", "momentum", "weight_decay"]
    assert [float(r["weight_decay"]) for r in rows] == result.trajectories[0].params["weight_decay"][:, 0].tolist()
    doc = json.loads(to_json(result))
    assert doc["schedules"][0]["groups"][0]["weight_decay"] == [float(r["weight_decay"]) for r in rows]


# --------------------------------------------------------------------------- the plateau metric


PLATEAU = REPO / "configs" / "seeds" / "003-reducelronplateau.yaml"


def seed_003_metric(n: int) -> list[float]:
    """The config's metric, written out here: 0.3 + 0.7 exp(-step/2.5) + 0.002 step + 0.002 N(0, 1), seed 0."""
    noise = np.random.default_rng(0).standard_normal(n) * 0.002
    return [0.3 + 0.7 * math.exp(-k / 2.5) + 0.002 * k + float(noise[k]) for k in range(n)]


def test_the_metric_recorded_is_the_one_fed_and_torch_reduces_on_it():
    (t,) = simulate(load_config(PLATEAU)).trajectories
    fed = seed_003_metric(25)
    assert t.metric is not None and t.metric.tolist() == pytest.approx(fed, rel=1e-15, abs=0)
    lrs, _ = direct_run(
        lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(o, mode="min", patience=5), [0.1], 25, metric=fed
    )
    assert t.lr[:, 0].tolist() == lrs[:, 0].tolist()
    assert t.lr[18, 0] == 0.1 and t.lr[19, 0] == pytest.approx(0.01)  # the reduction of the seed article


def test_the_metric_is_a_csv_column_at_the_step_it_was_fed_after():
    cfg = load_config(
        {
            "epochs": 4,
            "steps_per_epoch": 3,
            "optimizer": {"name": "SGD", "lr": 0.1},
            "scheduler": "ReduceLROnPlateau",
            "interval": "epoch",
            "params": {"patience": 0},
            "metric": [1.0, 2.0, 3.0, 4.0],
        }
    )
    result = simulate(cfg)
    rows = list(csv.DictReader(io.StringIO(to_csv(result))))
    assert [r["metric"] for r in rows] == ["", "", "1.0", "", "", "2.0", "", "", "3.0", "", "", "4.0"]
    assert json.loads(to_json(result))["schedules"][0]["metric"] == [1.0, 2.0, 3.0, 4.0]


# --------------------------------------------------------------------------- partial runs


FOUR = {
    "steps": 100,
    "optimizer": {"name": "SGD", "lr": 0.1, "momentum": 0.9},
    "schedules": [
        {"label": "step", "scheduler": "StepLR", "params": {"step_size": 30, "gamma": 0.1}},
        {"label": "onecycle", "scheduler": "OneCycleLR", "params": {"max_lr": 0.1, "total_steps": 60}},
        {"label": "cosine", "scheduler": "CosineAnnealingLR", "params": {"T_max": 100}},
        {"label": "multistep", "scheduler": "MultiStepLR", "params": {"milestones": [50], "gamma": 0.5}},
    ],
}


def direct_until_refused(make, steps: int) -> tuple[list[float], str]:
    """The lrs a plain loop records before torch raises, and torch's words."""
    opt = torch.optim.SGD([torch.zeros(2, 2, requires_grad=True)], lr=0.1, momentum=0.9)
    sched = make(opt)
    out = []
    for _ in range(steps):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        try:
            sched.step()
        except ValueError as exc:
            return out, str(exc)
    raise AssertionError("torch did not refuse")


def test_a_schedule_torch_refuses_part_way_stops_there_and_the_others_are_whole():
    with pytest.raises(SimulationError):
        simulate(load_config(FOUR))  # without partial: an error, as before
    result = simulate(load_config(FOUR), partial=True)
    lrs, words = direct_until_refused(lambda o: torch.optim.lr_scheduler.OneCycleLR(o, 0.1, total_steps=60), 100)
    step, onecycle, cosine, multistep = result.trajectories
    assert onecycle.lr[:, 0].tolist() == lrs and onecycle.steps == 61
    assert onecycle.error is not None and words.split(".")[0] in str(onecycle.error)
    assert [t.steps for t in (step, cosine, multistep)] == [100, 100, 100]
    assert result.errors == [onecycle.error]


def partial_config(write_config):
    return write_config(FOUR, "four.yaml")


def test_plot_draws_the_others_and_exits_1_with_the_line_a_refusal_always_printed(write_config, tmp_path):
    cfg = partial_config(write_config)
    result = runner.invoke(app, ["plot", str(cfg), "-o", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert (tmp_path / "four.png").exists()
    refused = runner.invoke(app, ["export", str(cfg)])  # no figure, no partial data: the refusal as ever
    assert refused.exit_code == 2
    assert result.stderr.splitlines() == refused.stderr.splitlines()
    assert refused.stderr.startswith(f"error: {cfg}: schedules[1].params.total_steps: torch failed at step 60")


def test_export_refuses_unless_partial(write_config, tmp_path):
    cfg = partial_config(write_config)
    out = tmp_path / "four.csv"
    refused = runner.invoke(app, ["export", str(cfg), "-o", str(out)])
    assert refused.exit_code == 2 and not out.exists()
    result = runner.invoke(app, ["export", str(cfg), "-o", str(out), "--partial"])
    assert result.exit_code == 1 and out.exists()
    rows = list(csv.DictReader(out.open()))
    assert sum(r["schedule"] == "onecycle" for r in rows) == 61
    assert sum(r["schedule"] == "cosine" for r in rows) == 100
    assert [ln for ln in result.stderr.splitlines() if ln.startswith("error:")] == [refused.stderr.strip()]


def test_show_shows_the_others_and_exits_1(write_config):
    result = runner.invoke(app, ["show", str(partial_config(write_config))], env={"COLUMNS": "120"})
    assert result.exit_code == 1
    assert "torch stopped it at step 60: Tried to step 61 times" in result.stdout
    assert result.stdout.count("last") == 3  # the three whole schedules reach their last step
    assert "stopped: torch refused the next step" in result.stdout


def test_a_partial_run_comes_back_the_same_from_worker_processes():
    """The refusal (its step and torch's words) and the rows travel back from a worker intact."""
    cfg = load_config(
        {
            "steps": 60_000,  # enough for the pool to be used
            "schedules": [
                {"scheduler": "StepLR", "params": {"step_size": 1000}},
                {"scheduler": "OneCycleLR", "params": {"max_lr": 0.1, "total_steps": 1000}},
            ],
        }
    )
    serial = simulate(cfg, partial=True)
    pooled = simulate(cfg, partial=True, jobs=2, start_method="fork")
    assert [t.steps for t in pooled.trajectories] == [t.steps for t in serial.trajectories] == [60_000, 1001]
    (a,), (b,) = serial.errors, pooled.errors
    assert (str(a), a.step, a.reason) == (str(b), b.step, b.reason) and b.step == 1000
    assert pooled.trajectories[1].lr.tobytes() == serial.trajectories[1].lr.tobytes()
