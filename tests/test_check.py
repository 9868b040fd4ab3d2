"""`lrviz check`: the resume round trip, every lint (and its fixed twin), torch warnings,
output formats and exit codes.

Expected values come from closed forms written here, from torch run directly, or
from seed article 001 (state_dict / load_state_dict of StepLR), never from lrviz.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from rich.console import Console
from typer.testing import CliRunner

from lrviz.check import (
    Finding,
    check_config,
    checkpoints,
    first_difference,
    resume,
    resume_points,
    resume_round_trip,
)
from lrviz.cli import app
from lrviz.commands.check import render_text
from lrviz.simulate import step_schedule
from lrviz.validate import load_config
from tests.seed_data import seed

runner = CliRunner()

# A custom scheduler keeping its state in a closure: the classic resume bug. Each
# call of lr_lambda advances the counter, whatever step torch passes in.
CLOSURE_SCHEDULER = textwrap.dedent(
    """
    from torch.optim.lr_scheduler import LambdaLR, StepLR


    def CountingLR(optimizer, gamma: float = 0.5):
        calls = [0]

        def lr_lambda(epoch):
            calls[0] += 1
            return gamma ** (calls[0] - 1)

        return LambdaLR(optimizer, lr_lambda)


    class _Counter:
        # the fixed twin: the same counter as an attribute of a callable object,
        # which LambdaLR.state_dict() saves (it copies the object's __dict__)
        def __init__(self, gamma):
            self.gamma = gamma
            self.calls = 0

        def __call__(self, epoch):
            self.calls += 1
            return self.gamma ** (self.calls - 1)


    def CountingObjectLR(optimizer, gamma: float = 0.5):
        return LambdaLR(optimizer, _Counter(gamma))


    class NoisyStepLR(StepLR):
        # calls get_lr() outside torch's step(): torch warns on every call
        def step(self, *args, **kwargs):
            self.get_lr()
            super().step(*args, **kwargs)


    def RandomLR(optimizer):
        import random

        return LambdaLR(optimizer, lambda epoch: random.random())
    """
)


@pytest.fixture
def sched_file(tmp_path):
    (tmp_path / "custom_scheds.py").write_text(CLOSURE_SCHEDULER)
    return tmp_path


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


def check_dict(data: dict, **kw) -> list[Finding]:
    return check_config(load_config(data), **kw)


def invoke(*args: str):
    return runner.invoke(app, ["check", *args])


# --------------------------------------------------------------------------- clean configs


CLEAN = {
    "steps": 100,
    "optimizer": {"name": "SGD", "lr": 0.1, "momentum": 0.9},
    "schedules": [
        {"scheduler": "StepLR", "params": {"step_size": 30}},
        {"scheduler": "CosineAnnealingLR", "params": {"T_max": 100}},
        {"scheduler": "OneCycleLR", "params": {"max_lr": 1.0, "total_steps": 100}},
        {"scheduler": "CyclicLR", "params": {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 10}},
        {
            "scheduler": "SequentialLR",
            "params": {
                "milestones": [10],
                "schedulers": [
                    {"scheduler": "LinearLR", "params": {"start_factor": 0.1, "total_iters": 10}},
                    {"scheduler": "CosineAnnealingLR", "params": {"T_max": 90}},
                ],
            },
        },
        {"scheduler": "LambdaLR", "params": {"lr_lambda": "0.97 ** epoch"}},
    ],
}


def test_clean_config_passes(write_config):
    result = invoke(str(write_config(CLEAN)))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "ok: 6 schedules in 1 config, no findings"


def test_clean_config_passes_with_adam_two_groups_and_epoch_interval():
    cfg = {
        "epochs": 10,
        "steps_per_epoch": 7,
        "optimizer": {"name": "AdamW", "lr": 0.001, "param_groups": [{"name": "a", "lr": 0.0001}, {"name": "b"}]},
        "schedules": [
            {"scheduler": "MultiStepLR", "params": {"milestones": [3, 6]}, "interval": "epoch"},
            {"scheduler": "OneCycleLR", "params": {"max_lr": [0.001, 0.01], "total_steps": 70}},
        ],
    }
    assert check_dict(cfg) == []


# --------------------------------------------------------------------------- resume round trip


def closure_config(sched_file, name="CountingLR"):
    path = sched_file / "c.yaml"
    path.write_text(
        f"steps: 20\noptimizer: {{name: SGD, lr: 0.1}}\nscheduler: custom_scheds.py:{name}\nparams: {{gamma: 0.5}}\n"
    )
    return path


@pytest.mark.parametrize("k", [3, 7, 12])
def test_closure_state_is_caught_at_the_step_it_diverges(sched_file, k):
    """Uninterrupted: construction is call 1, the t-th step call t+1, so lr_t = 0.1 * 0.5**t.
    Resumed after step k: the fresh closure has counted only its own construction, so the
    first lr the resumed scheduler computes (step k+1) is 0.1 * 0.5**1."""
    result = invoke(str(closure_config(sched_file)), "--trust", "--resume-at", str(k), "--format", "json")
    assert result.exit_code == 1, result.output
    (finding,) = json.loads(result.stdout)["findings"]
    assert finding["code"] == "resume-divergence" and finding["severity"] == "error"
    assert finding["step"] == k + 1
    assert finding["values"]["uninterrupted"] == 0.1 * 0.5 ** (k + 1)
    assert finding["values"]["resumed"] == 0.1 * 0.5
    assert finding["values"]["resume_at"] == k
    assert "closure" in finding["message"] and f"first at step {k + 1}" in finding["message"]


def test_closure_state_caught_with_default_resume_points(sched_file):
    findings = check_config(load_config(closure_config(sched_file), trust=True))
    (finding,) = findings
    # default points 5, 10, 15 (1/4, 1/2, 3/4 of 20): the earliest is reported, the others named
    assert (finding.code, finding.step, finding.values["resume_at"]) == ("resume-divergence", 6, 5)
    assert "also when resumed after step 10, 15" in finding.message


def test_state_kept_in_a_callable_object_survives_the_round_trip(sched_file):
    """The fixed twin: same counter, held where LambdaLR.state_dict() saves it."""
    result = invoke(str(closure_config(sched_file, "CountingObjectLR")), "--trust", "--resume-at", "7")
    assert result.exit_code == 0, result.output


def test_import_target_without_trust_is_bad_input(sched_file):
    result = invoke(str(closure_config(sched_file)))
    assert result.exit_code == 2
    assert "--trust" in result.stderr and "Traceback" not in result.output


def test_nondeterministic_scheduler_is_reported_as_such(sched_file):
    path = sched_file / "r.yaml"
    path.write_text("steps: 20\nscheduler: custom_scheds.py:RandomLR\n")
    findings = check_config(load_config(path, trust=True))
    assert codes(findings) == ["nondeterministic"]
    assert findings[0].step == 0


SEED_001 = {
    "steps": 10,
    "optimizer": {"name": "Adam", "lr": 0.1},
    "scheduler": "StepLR",
    "params": {"step_size": 1, "gamma": 0.1},
}
# Printed in seed article 001 (StepLR(step_size=1, gamma=0.1) on Adam(lr=0.1)), epochs 5..9.
SEED_001_LR_5_TO_9 = seed("001/get_last_lr")[5:10]


def test_seed_001_resume_at_5_continues_with_the_articles_values():
    cfg = load_config(SEED_001)
    (sched,) = cfg.schedules
    saved, prefix = checkpoints(cfg, sched, "cpu", [5], momentum=True)
    run = resume(cfg, sched, "cpu", saved[5], 5)
    assert run.lr[:, 0].tolist() == SEED_001_LR_5_TO_9
    assert check_config(cfg, resume_at=[5]) == []


def test_seed_001_loading_only_the_scheduler_state_reproduces_the_articles_jump():
    """The article loads the scheduler's state into a fresh optimizer (lr 0.1) and prints
    _last_lr 0.010000000000000002 then 0.0010000000000000002: StepLR multiplies the
    optimizer's current lr, which was never restored."""
    cfg = load_config(SEED_001)
    (sched,) = cfg.schedules
    saved, _ = checkpoints(cfg, sched, "cpu", [5], momentum=True)
    run = resume(cfg, sched, "cpu", saved[5], 5, restore_optimizer=False)
    printed = seed("001/load_state_dict_last_lr")  # the saved 1e-6, then the jump: 0.010000000000000002, ...
    assert printed[0] == SEED_001_LR_5_TO_9[0] and len(printed) == 3
    assert run.lr[1:3, 0].tolist() == printed[1:]
    trajectory = step_schedule(cfg, sched, "cpu")
    findings, _ = resume_round_trip(cfg, sched, "cpu", trajectory, [5], restore_optimizer=False)
    (finding,) = findings
    assert finding.code == "resume-divergence" and finding.step == 5
    assert finding.values["uninterrupted"] == SEED_001_LR_5_TO_9[0] and finding.values["resumed"] == 0.1
    assert "optimizer.state_dict()" in finding.message


def direct_plateau(metric, steps, k=None, **params):
    """ReduceLROnPlateau stepped directly with torch, optionally saved/loaded after step k."""

    def fresh():
        opt = torch.optim.SGD([torch.zeros(2, 2, requires_grad=True)], lr=0.1, momentum=0.9)
        return opt, torch.optim.lr_scheduler.ReduceLROnPlateau(opt, **params)

    opt, sched = fresh()
    out = []
    for i in range(steps):
        if i == k:
            state = (opt.state_dict(), sched.state_dict())
            opt, sched = fresh()
            opt.load_state_dict(state[0])
            sched.load_state_dict(state[1])
        out.append(opt.param_groups[0]["lr"])
        opt.step(lambda: 0.0)
        sched.step(metric[i])
    return out


def test_reduce_on_plateau_resumes_with_its_metric_at_the_right_index():
    metric = [1.0 / (i + 1) if i < 10 else 0.1 for i in range(40)]
    cfg = load_config(
        {"steps": 40, "scheduler": "ReduceLROnPlateau", "params": {"patience": 2, "factor": 0.5}, "metric": metric}
    )
    (sched,) = cfg.schedules
    trajectory = step_schedule(cfg, sched, "cpu")
    direct = direct_plateau(metric, 40, patience=2, factor=0.5)
    assert trajectory.lr[:, 0].tolist() == direct
    assert len(set(direct)) > 2  # it does reduce, more than once
    saved, _ = checkpoints(cfg, sched, "cpu", [12], momentum=True)
    run = resume(cfg, sched, "cpu", saved[12], 12)
    assert run.lr[:, 0].tolist() == direct_plateau(metric, 40, k=12, patience=2, factor=0.5)[12:]
    assert check_config(cfg, resume_at=[5, 12, 13, 20]) == []


def test_epoch_interval_resumed_mid_epoch_matches():
    cfg = {
        "epochs": 10,
        "steps_per_epoch": 10,
        "scheduler": "CosineAnnealingLR",
        "params": {"T_max": 10},
        "interval": "epoch",
    }
    assert check_dict(cfg, resume_at=[25, 37, 40, 99]) == []
    plateau = {
        "epochs": 10,
        "steps_per_epoch": 10,
        "scheduler": "ReduceLROnPlateau",
        "interval": "epoch",
        "params": {"patience": 1},
        "metric": [1.0, 0.5] + [0.5] * 8,
    }
    assert check_dict(plateau, resume_at=[25, 37, 40, 99]) == []


def test_default_resume_points():
    cfg = load_config({"steps": 100, "scheduler": "StepLR", "params": {"step_size": 3}})
    assert resume_points(cfg, cfg.schedules[0]) == [25, 50, 75]
    # interval: epoch: on epoch boundaries (10 steps per epoch)
    cfg = load_config(
        {"epochs": 10, "steps_per_epoch": 10, "scheduler": "StepLR", "params": {"step_size": 3}, "interval": "epoch"}
    )
    assert resume_points(cfg, cfg.schedules[0]) == [20, 50, 70]
    # SequentialLR: both sides of each milestone, milestones in scheduler steps -> x steps_per_epoch
    seq = {
        "milestones": [3],
        "schedulers": [
            {"scheduler": "ConstantLR", "params": {"factor": 0.5, "total_iters": 3}},
            {"scheduler": "ExponentialLR", "params": {"gamma": 0.9}},
        ],
    }
    cfg = load_config(
        {"epochs": 10, "steps_per_epoch": 10, "scheduler": "SequentialLR", "params": seq, "interval": "epoch"}
    )
    assert resume_points(cfg, cfg.schedules[0]) == [20, 30, 50, 70]
    cfg = load_config({"steps": 100, "scheduler": "SequentialLR", "params": seq})
    assert resume_points(cfg, cfg.schedules[0]) == [2, 3, 25, 50, 75]
    assert resume_points(cfg, cfg.schedules[0], [60, 7, 60]) == [7, 60]


def test_first_difference_is_bitwise_and_nan_aware():
    a = np.array([[1.0, np.nan], [0.0, 2.0]])
    assert first_difference(a, a.copy()) is None
    b = a.copy()
    b[1, 0] = -0.0  # equal as floats, different bits
    assert first_difference(a, b) == (1, 0)
    c = a.copy()
    c[1, 1] = np.nextafter(2.0, 3.0)
    assert first_difference(a, c) == (1, 1)
    d = a.copy()
    d[0, 1] = 1.0
    assert first_difference(a, d) == (0, 1)


# --------------------------------------------------------------------------- lints: each fires, its twin is silent


def one(scheduler, params, steps=100, **extra):
    return {"steps": steps, "scheduler": scheduler, "params": params, **extra}


LINT_CASES = [
    # (code, severity, config that triggers it, its fixed twin)
    (
        "onecycle-total-steps",
        "error",
        one("OneCycleLR", {"max_lr": 1.0, "total_steps": 90}),
        one("OneCycleLR", {"max_lr": 1.0, "total_steps": 100}),
    ),
    (
        "onecycle-total-steps",
        "warning",
        one("OneCycleLR", {"max_lr": 1.0, "total_steps": 400}),
        one("OneCycleLR", {"max_lr": 1.0, "total_steps": 100}),
    ),
    (
        "onecycle-total-steps",
        "warning",
        one("OneCycleLR", {"max_lr": 1.0, "epochs": 10, "steps_per_epoch": 20}),
        one("OneCycleLR", {"max_lr": 1.0, "epochs": 10, "steps_per_epoch": 10}),
    ),
    (
        "cosine-tmax",
        "warning",
        one("CosineAnnealingLR", {"T_max": 50, "eta_min": 0.001}),
        one("CosineAnnealingLR", {"T_max": 100, "eta_min": 0.001}),
    ),
    ("cosine-tmax", "warning", one("CosineAnnealingLR", {"T_max": 1000}), one("CosineAnnealingLR", {"T_max": 99})),
    (
        "milestone-beyond-run",
        "warning",
        one("MultiStepLR", {"milestones": [30, 120]}),
        one("MultiStepLR", {"milestones": [30, 60]}),
    ),
    (
        "milestone-beyond-run",
        "warning",
        one(
            "SequentialLR",
            {
                "milestones": [150],
                "schedulers": [
                    {"scheduler": "ConstantLR", "params": {"factor": 0.5, "total_iters": 150}},
                    {"scheduler": "ExponentialLR", "params": {"gamma": 0.9}},
                ],
            },
        ),
        one(
            "SequentialLR",
            {
                "milestones": [50],
                "schedulers": [
                    {"scheduler": "ConstantLR", "params": {"factor": 0.5, "total_iters": 50}},
                    {"scheduler": "ExponentialLR", "params": {"gamma": 0.99}},
                ],
            },
        ),
    ),
    ("constant-lr", "warning", one("StepLR", {"step_size": 1000}), one("StepLR", {"step_size": 30})),
    (
        "nonpositive-lr",
        "error",
        one("LambdaLR", {"lr_lambda": "1 - epoch / 50"}),
        one("LambdaLR", {"lr_lambda": "1 - epoch / 100"}),
    ),
    (
        "nonpositive-lr",
        "warning",
        one("PolynomialLR", {"total_iters": 8}, steps=32),
        one("PolynomialLR", {"total_iters": 32}, steps=32),
    ),
    # 0.1 * 1e10**t overflows to inf at t = 31 (1e309 > 1.8e308); times 0 after epoch 35 it is nan
    (
        "nonfinite-lr",
        "error",
        one("ExponentialLR", {"gamma": 1e10}, steps=40),
        one("ExponentialLR", {"gamma": 0.9}, steps=40),
    ),
    (
        "nonfinite-lr",
        "error",
        one("MultiplicativeLR", {"lr_lambda": "0 if epoch > 35 else 1e10"}, steps=40),
        one("MultiplicativeLR", {"lr_lambda": "0.5 if epoch > 35 else 1.1"}, steps=40),
    ),
    (
        "groups-collapse",
        "warning",
        one(
            "OneCycleLR",
            {"max_lr": 1.0, "total_steps": 100},
            optimizer={"name": "SGD", "lr": 0.1, "param_groups": [{"name": "a", "lr": 0.01}, {"name": "b"}]},
        ),
        one(
            "OneCycleLR",
            {"max_lr": [0.1, 1.0], "total_steps": 100},
            optimizer={"name": "SGD", "lr": 0.1, "param_groups": [{"name": "a", "lr": 0.01}, {"name": "b"}]},
        ),
    ),
    (
        "interval-mismatch",
        "warning",
        one("CosineAnnealingLR", {"T_max": 100}, steps=None, epochs=10, steps_per_epoch=10, interval="epoch"),
        one("CosineAnnealingLR", {"T_max": 10}, steps=None, epochs=10, steps_per_epoch=10, interval="epoch"),
    ),
    (
        "interval-mismatch",
        "warning",
        one("CosineAnnealingLR", {"T_max": 10}, steps=None, epochs=10, steps_per_epoch=10),
        one("CosineAnnealingLR", {"T_max": 100}, steps=None, epochs=10, steps_per_epoch=10),
    ),
    (
        "interval-mismatch",
        "warning",
        one("MultiStepLR", {"milestones": [30, 60, 90]}, steps=None, epochs=100, steps_per_epoch=5),
        one("MultiStepLR", {"milestones": [30, 60, 90]}, steps=None, epochs=100, steps_per_epoch=5, interval="epoch"),
    ),
]


def _clean(cfg: dict) -> dict:
    return {k: v for k, v in cfg.items() if v is not None}


@pytest.mark.parametrize(
    "code, severity, bad, fixed", LINT_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(LINT_CASES)]
)
def test_lint_fires_and_its_fixed_twin_is_silent(code, severity, bad, fixed):
    found = check_dict(_clean(bad))
    assert [(f.code, f.severity) for f in found if f.code == code] == [(code, severity)], found
    assert check_dict(_clean(fixed)) == []


def test_lint_messages_name_the_key_and_the_fix():
    (f,) = check_dict(one("CosineAnnealingLR", {"T_max": 50, "eta_min": 0.001}, label="cos"))
    assert f.key == "params.T_max" and f.schedule == "cos"
    assert "T_max: 100" in f.message and "rises again" in f.message
    (f,) = check_dict(one("OneCycleLR", {"max_lr": 1.0, "total_steps": 90}))
    assert "set total_steps: 100" in f.message and "scheduler step 91" in f.message
    # per epoch with a per-batch plan: the fix is the interval, not the number
    (f,) = check_dict(
        {
            "epochs": 10,
            "steps_per_epoch": 20,
            "scheduler": "OneCycleLR",
            "interval": "epoch",
            "params": {"max_lr": 0.1, "epochs": 10, "steps_per_epoch": 20},
        }
    )
    assert f.code == "onecycle-total-steps" and "use interval: step" in f.message


def test_nested_sequential_child_is_linted_against_its_own_part_of_the_run():
    """Warmup 10 + cosine: the cosine child runs 90 of the 100 steps, so T_max=40 rises again
    and T_max=90 is right (T_max=100 would be judged against the whole run)."""

    def cfg(t_max):
        return one(
            "SequentialLR",
            {
                "milestones": [10],
                "schedulers": [
                    {"scheduler": "LinearLR", "params": {"start_factor": 0.1, "total_iters": 10}},
                    {"scheduler": "CosineAnnealingLR", "params": {"T_max": t_max}},
                ],
            },
            label="warm",
        )

    (f,) = check_dict(cfg(40))
    assert (f.code, f.key) == ("cosine-tmax", "params.schedulers[1].params.T_max")
    assert "90 scheduler steps" in f.message
    assert check_dict(cfg(90)) == []


def direct_lrs(make, steps):
    """The lr of each optimizer step, with torch stepped directly."""
    opt = torch.optim.SGD([torch.zeros(2, 2, requires_grad=True)], lr=0.1)
    sched = make(opt)
    out = []
    for _ in range(steps):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


def test_cosine_boundary_follows_what_torch_does_in_the_run():
    L = torch.optim.lr_scheduler
    # T_max=98 over 100 steps: the last step's lr is past the minimum, climbing again
    lr98 = direct_lrs(lambda o: L.CosineAnnealingLR(o, T_max=98), 100)
    assert lr98[99] > lr98[98]
    assert [f.code for f in check_dict(one("CosineAnnealingLR", {"T_max": 98}))] == ["cosine-tmax"]
    # T_max=99: the lr falls all the way to the last step, never rises
    lr99 = direct_lrs(lambda o: L.CosineAnnealingLR(o, T_max=99), 100)
    assert len(lr99) == 100 and all(b <= a for a, b in zip(lr99, lr99[1:], strict=False))
    assert check_dict(one("CosineAnnealingLR", {"T_max": 99})) == []


def test_milestone_boundary_follows_what_torch_does_in_the_run():
    L = torch.optim.lr_scheduler
    # milestone 99 decays the lr of the last step (99); milestone 100 would decay nothing
    assert (
        direct_lrs(lambda o: L.MultiStepLR(o, [50, 99]), 100)[99]
        != direct_lrs(lambda o: L.MultiStepLR(o, [50]), 100)[99]
    )
    assert direct_lrs(lambda o: L.MultiStepLR(o, [50, 100]), 100) == direct_lrs(lambda o: L.MultiStepLR(o, [50]), 100)
    assert check_dict(one("MultiStepLR", {"milestones": [50, 99]})) == []
    (f,) = check_dict(one("MultiStepLR", {"milestones": [50, 100]}))
    assert f.code == "milestone-beyond-run" and f.values["milestone"] == 100


def test_groups_meeting_once_at_a_shared_floor_is_not_a_collapse():
    """Cosine with one eta_min over two groups reaches eta_min in both groups at the last
    step only (T_max = 99 of 100): by design. A plateau scheduler holding both at min_lr is."""
    opt = {"name": "SGD", "lr": 0.1, "param_groups": [{"name": "a", "lr": 0.01}, {"name": "b"}]}
    assert check_dict(one("CosineAnnealingLR", {"T_max": 99, "eta_min": 0.001}, optimizer=opt)) == []
    plateau = one(
        "ReduceLROnPlateau", {"patience": 1, "factor": 0.5, "min_lr": 0.001}, metric=[1.0] * 100, optimizer=opt
    )
    (f,) = check_dict(plateau)
    assert f.code == "groups-collapse" and f.values == {"a": 0.001, "b": 0.001}


def test_zero_lr_at_the_first_or_last_step_only_is_not_a_finding():
    # linear decay to exactly 0 at the last step: lr_t = 1 - t/99
    assert check_dict(one("LambdaLR", {"lr_lambda": "1 - epoch / 99"})) == []


def test_nonfinite_names_inf_then_nan():
    (f,) = check_dict(one("MultiplicativeLR", {"lr_lambda": "0 if epoch > 35 else 1e10"}, steps=40))
    # inf from step 31; the factor 0 (lambda(36), applied by the 36th step) makes inf * 0 = nan from step 36
    assert f.step == 31 and "nan and inf at 9 of 40 steps" in f.message


def test_negative_lr_reports_the_first_step():
    # 1 - t/50 < 0 first at t = 51
    found = check_dict(one("LambdaLR", {"lr_lambda": "1 - epoch / 50"}))
    (f,) = [f for f in found if f.code == "nonpositive-lr"]
    assert f.step == 51 and f.values["group0"] == pytest.approx(0.1 * (1 - 51 / 50))


def test_polynomial_zero_stretch_counts_the_wasted_steps():
    # PolynomialLR(total_iters=8) over 32 steps: 0 from step 8 to the end, 24 of 32 steps
    (f,) = check_dict(one("PolynomialLR", {"total_iters": 8}, steps=32))
    assert f.step == 8 and "24 of 32 steps" in f.message


def test_a_scheduler_that_raises_mid_run_is_an_error_finding_not_a_crash():
    result = invoke_config({"steps": 100, "scheduler": "LambdaLR", "params": {"lr_lambda": "1 / (epoch - 50)"}})
    assert result.exit_code == 1, result.output
    assert "[simulation-failed]" in result.stdout and "epoch 50" in result.stdout


def invoke_config(data, *args):
    import tempfile
    from pathlib import Path

    import yaml

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "c.yaml"
        path.write_text(yaml.safe_dump(data))
        return invoke(str(path), *args)


# --------------------------------------------------------------------------- torch warnings


def test_torch_warnings_shown_once_and_attributed_to_their_schedule(sched_file):
    path = sched_file / "w.yaml"
    path.write_text(
        textwrap.dedent(
            """
        steps: 30
        schedules:
          - {label: plain, scheduler: StepLR, params: {step_size: 10}}
          - {label: noisy, scheduler: "custom_scheds.py:NoisyStepLR", params: {step_size: 10}}
        """
        )
    )
    findings = check_config(load_config(path, trust=True))
    warned = [f for f in findings if f.code == "torch-warning"]
    assert [f.schedule for f in warned] == ["noisy"]  # once, although torch warned at every step
    assert "get_last_lr()" in warned[0].message
    assert all(f.schedule == "noisy" for f in findings)
    result = invoke(str(path), "--trust")
    assert result.exit_code == 0 and "warning [torch-warning]" in result.stdout
    assert invoke(str(path), "--trust", "--strict").exit_code == 1


def test_show_and_plot_print_a_torch_warning_once(sched_file):
    """torch's warning is check's torch-warning lint: one stderr line, not also a line of the preview."""
    path = sched_file / "w.yaml"
    path.write_text('steps: 30\nscheduler: "custom_scheds.py:NoisyStepLR"\nparams: {step_size: 10}\n')
    said = {
        command: runner.invoke(app, [command, str(path), "--trust", *extra])
        for command, extra in (("show", []), ("plot", ["-o", str(sched_file / "out")]))
    }
    assert len(said) == 2
    for command, result in said.items():
        assert result.exit_code == 0, (command, result.output)
        everything = result.stdout + result.stderr
        assert everything.count("get_last_lr()") == 1, (command, everything)
        assert "[torch-warning]" in result.stderr, command


# --------------------------------------------------------------------------- output and exit codes


def test_json_output_and_exit_codes(write_config):
    bad = write_config(
        {
            "steps": 100,
            "schedules": [
                {"label": "cos", "scheduler": "CosineAnnealingLR", "params": {"T_max": 50}},
                {"label": "inf", "scheduler": "ExponentialLR", "params": {"gamma": 1e10}},
            ],
        },
        "bad.yaml",
    )
    result = invoke(str(bad), "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["ok"] is False and doc["exit_code"] == 1 and doc["errors"] == 1 and doc["warnings"] == 1
    assert doc["configs"] == [{"config": str(bad), "steps": 100, "schedules": ["cos", "inf"]}]
    by_code = {f["code"]: f for f in doc["findings"]}
    assert set(by_code) == {"cosine-tmax", "nonfinite-lr"}
    assert by_code["nonfinite-lr"]["values"] == {"group0": "inf"} and by_code["nonfinite-lr"]["step"] == 31
    assert by_code["cosine-tmax"]["key"] == "schedules[0].params.T_max"
    # deterministic: the same bytes twice
    assert invoke(str(bad), "--format", "json").stdout == result.stdout


def test_warnings_alone_exit_0_unless_strict(write_config):
    path = str(write_config(one("CosineAnnealingLR", {"T_max": 50, "eta_min": 0.001})))
    plain = invoke(path)
    assert plain.exit_code == 0 and "warning [cosine-tmax]" in plain.stdout
    assert plain.stdout.strip().endswith("0 errors, 1 warning in 1 schedule in 1 config")
    strict = invoke(path, "--strict", "-f", "json")
    assert strict.exit_code == 1 and json.loads(strict.stdout)["strict"] is True
    assert invoke(str(write_config(CLEAN, "clean.yaml")), "--strict").exit_code == 0


def test_several_configs_one_report(write_config):
    clean = write_config(CLEAN, "clean.yaml")
    bad = write_config(one("OneCycleLR", {"max_lr": 1.0, "total_steps": 90}), "bad.yaml")
    result = invoke(str(clean), str(bad))
    assert result.exit_code == 1
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith(f"{bad}: params.total_steps: OneCycleLR: error [onecycle-total-steps]")
    assert lines[-1] == "1 error, 0 warnings in 7 schedules in 2 configs"


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--resume-at", "100"], "--resume-at 100 is outside the run of 100 steps"),
        (["--resume-at", "0"], "--resume-at"),
        (["--format", "yaml"], "--format"),
    ],
)
def test_bad_options_exit_2(write_config, args, needle):
    result = invoke(str(write_config(CLEAN)), *args)
    assert result.exit_code == 2
    assert needle in result.output and "Traceback" not in result.output
    assert result.stdout == ""


def test_bad_config_exit_2_with_key(write_config):
    result = invoke(str(write_config(one("LinearLR", {"start_factor": 0.0}))))
    assert result.exit_code == 2
    assert "params" in result.stderr and result.stdout == ""
    result = invoke(str(write_config(one("StepLR", {"step_sise": 3}))))
    assert result.exit_code == 2 and "params.step_sise" in result.stderr and "step_size" in result.stderr


def test_rich_table_on_a_terminal():
    cfg = load_config(one("CosineAnnealingLR", {"T_max": 50}, label="cos"))
    findings = check_config(cfg)
    buf = io.StringIO()
    render_text([(cfg, findings)], Console(file=buf, force_terminal=True, width=100, color_system=None))
    out = buf.getvalue()
    assert "┃" in out and "cosine-tmax" in out and "params.T_max" in out
    assert "0 errors, 1 warning in 1 schedule in 1 config" in out


def test_command_module_does_not_import_torch():
    code = "import sys, lrviz.cli; assert 'torch' not in sys.modules and 'numpy' not in sys.modules, 'heavy import'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_check_actual_steps_each_schedule_once(tmp_path, monkeypatch):
    """--actual compares the logs with the same runs the checks lint: it builds no scheduler
    more than check alone does (it stepped every schedule twice), and the log agrees."""
    config = tmp_path / "two.yaml"
    config.write_text(
        "steps: 12\nschedules:\n"
        "  - {label: a, scheduler: StepLR, params: {step_size: 4, gamma: 0.5}}\n"
        "  - {label: b, scheduler: StepLR, params: {step_size: 3, gamma: 0.5}}\n"
    )
    opt = torch.optim.SGD([torch.zeros(2, 2, requires_grad=True)], lr=0.1)  # lrviz's default optimizer's lr
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=4, gamma=0.5)
    rows = ["step,lr"]
    for i in range(12):
        rows.append(f"{i},{opt.param_groups[0]['lr']!r}")
        opt.step()
        sched.step()
    (tmp_path / "log.csv").write_text("\n".join(rows) + "\n")
    built: list[str] = []
    real_init = torch.optim.lr_scheduler.LRScheduler.__init__

    def counting_init(self, *args, **kwargs):
        built.append(type(self).__name__)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.lr_scheduler.LRScheduler, "__init__", counting_init)
    alone = runner.invoke(app, ["check", str(config), "--format", "json"])
    assert alone.exit_code == 0, alone.output
    n_alone, built[:] = len(built), []
    result = runner.invoke(app, ["check", str(config), "--actual", str(tmp_path / "log.csv"), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert n_alone > 2 and set(built) == {"StepLR"}  # the probe sees every build
    assert len(built) == n_alone
    assert [r["ok"] for r in json.loads(result.output)["actual"]] == [True]
