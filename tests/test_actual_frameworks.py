"""Plan vs actual on real runs: a transformers Trainer, a Lightning Trainer, a plain loop with SummaryWriter.

Each run (tests/actual_runs.py, tiny models, a few seconds on CPU) records the lr of every
optimizer step from inside the loop. That truth proves each framework's logging convention
(which logged step is which optimizer step); then the log is compared with an lrviz config
simulated by lrviz's own pipeline: the matching config must agree, and each deliberately
changed one must be caught at the step the closed form of the schedule says, with the
right cause.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lrviz import load_config
from lrviz.actual import compare_trajectory, read_actual
from lrviz.simulate import simulate
from tests.optional import import_or_skip

# the real runs (part of the test extra; under CI a missing one is an error, tests/optional.py)
import_or_skip("transformers", "hf")
import_or_skip("accelerate", "hf")  # transformers' Trainer needs it
import_or_skip("pytorch_lightning", "lightning")
import_or_skip("tensorboard", "tensorboard")  # SummaryWriter needs it

from tests.actual_runs import (  # noqa: E402
    HF_LR,
    HF_PLAN,
    HF_STEPS,
    HF_WARMUP,
    TB_PLAN,
    TB_STEPS,
    hf_cosine,
    hf_run,
    lightning_run,
    tb_loop,
    warmup_cosine,
)

L = torch.optim.lr_scheduler


def compare(config: dict, spec, **options):
    traj = simulate(load_config(config)).trajectories[0]
    return compare_trajectory(traj, read_actual(spec), **options)


def codes(comparison) -> list[str]:
    return [f.code for f in comparison.findings]


def the_divergence(comparison):
    diverged = [f for f in comparison.findings if f.code == "diverged"]
    assert diverged, f"expected a divergence, got {[str(f) for f in comparison.findings]}"
    return comparison.first_divergence


# --------------------------------------------------------------------------- transformers


@pytest.fixture(scope="module")
def hf_every_step(tmp_path_factory):
    return hf_run(tmp_path_factory.mktemp("hf1"), max_steps=HF_STEPS, logging_steps=1, tensorboard=True)


@pytest.fixture(scope="module")
def hf_every_4(tmp_path_factory):
    return hf_run(tmp_path_factory.mktemp("hf4"), max_steps=HF_STEPS, logging_steps=4)


def test_hf_convention_logged_step_k_is_optimizer_step_k_minus_1(hf_every_step):
    state, truth = hf_every_step
    assert len(truth) == HF_STEPS
    np.testing.assert_allclose(truth, [HF_LR * hf_cosine(i) for i in range(HF_STEPS)], rtol=1e-12)
    log = read_actual(state)
    assert log.format == "transformers" and log.meta["max_steps"] == HF_STEPS
    (s,) = log.series
    assert s.name == "learning_rate" and s.dtype == "float64"
    assert s.steps.tolist() == list(range(1, HF_STEPS + 1))  # global_step after the update
    assert s.rows.tolist() == list(range(HF_STEPS))
    assert s.values.tolist() == truth  # bit for bit: json repr round-trips


def test_hf_folder_is_detected_by_its_trainer_state(hf_every_step):
    state, _ = hf_every_step
    assert read_actual(state.parent).format == "transformers"


def test_hf_logging_every_4_steps(hf_every_4):
    state, truth = hf_every_4
    (s,) = read_actual(state).series
    assert s.rows.tolist() == list(range(3, HF_STEPS, 4))  # steps 4, 8, ..., 28
    assert s.values.tolist() == [truth[i] for i in range(3, HF_STEPS, 4)]
    result = compare(HF_PLAN, state)
    assert result.ok and codes(result) == ["agree"]
    assert "every 4 steps" in result.findings[0].message


def test_hf_agreement_is_reported_as_agreement(hf_every_step):
    result = compare(HF_PLAN, hf_every_step[0])
    assert result.ok
    assert codes(result) == ["agree"]
    assert result.first_divergence is None
    assert result.series[0].group == "group0" and bool(result.series[0].agree.all())


def test_hf_tensorboard_callback_uses_the_same_convention(hf_every_step):
    state, truth = hf_every_step
    log = read_actual(state.parent / "runs")
    assert log.format == "tensorboard"
    (s,) = [s for s in log.series if s.name.endswith("train/learning_rate")]
    assert s.convention.name == "transformers-tensorboard" and s.dtype == "float32"
    assert s.rows.tolist() == list(range(HF_STEPS))
    assert s.values.tolist() == [float(np.float32(v)) for v in truth]
    result = compare(HF_PLAN, state.parent / "runs")
    assert result.ok and codes(result) == ["agree"]


def test_hf_changed_warmup_is_caught_at_step_1(hf_every_step):
    result = compare({**HF_PLAN, "params": {"num_warmup_steps": 10}}, hf_every_step[0])
    assert not result.ok
    first = the_divergence(result)
    # step 0 is 0 either way; step 1 is 1/5 of the peak in the run, 1/10 in the plan
    assert first.step == 1 and first.logged_step == 2
    assert first.planned == HF_LR * 1 / 10 and first.logged == HF_LR * 1 / 5
    assert first.cause.code == "warmup-length"
    assert first.cause.values["log_peak_step"] == 5 and first.cause.values["plan_peak_step"] == 10


def test_hf_changed_total_is_caught_after_the_warmup(hf_every_step):
    result = compare({**HF_PLAN, "params": {"num_warmup_steps": HF_WARMUP, "num_training_steps": 45}}, hf_every_step[0])
    first = the_divergence(result)
    # both schedules are 1.0 at the end of the warmup (progress 0); step 6 is the first with progress > 0
    assert first.step == HF_WARMUP + 1
    assert first.cause.code == "changed-total"
    assert first.cause.values["run_steps"] == HF_STEPS  # trainer_state.json's own max_steps


def test_hf_lr_times_2_is_a_factor_matching_the_world_size(hf_every_step):
    result = compare(
        {**HF_PLAN, "optimizer": {"name": "AdamW", "lr": 2 * HF_LR}}, hf_every_step[0], factors={"world size": 2}
    )
    first = the_divergence(result)
    assert first.step == 1  # step 0 is 0 in both
    assert first.cause.code == "factor"
    assert first.cause.values["factor"] == pytest.approx(0.5, rel=1e-12)
    assert first.cause.values["matches"] == ["1 / world size (1/2)"]


def test_hf_log_longer_than_the_plan(hf_every_step):
    result = compare(
        {**HF_PLAN, "steps": 25, "params": {"num_warmup_steps": HF_WARMUP, "num_training_steps": HF_STEPS}},
        hf_every_step[0],
    )
    assert result.ok  # every step both have agrees; the rest is a warning
    beyond = [f for f in result.findings if f.code == "beyond-plan"]
    assert len(beyond) == 1 and beyond[0].step == 25 and beyond[0].values["count"] == 5


# --------------------------------------------------------------------------- Lightning

PL_STEPS = 24
PL_CONFIG = {
    "steps": PL_STEPS,
    "optimizer": {
        "name": "SGD",
        "lr": 0.1,
        "momentum": 0.9,
        "param_groups": [{"name": "backbone", "lr": 0.01}, {"name": "head"}],
    },
    "scheduler": "OneCycleLR",
    "params": {"max_lr": [0.05, 0.5], "total_steps": PL_STEPS},
}


def one_cycle(opt):
    return {"scheduler": L.OneCycleLR(opt, max_lr=[0.05, 0.5], total_steps=PL_STEPS), "interval": "step"}


@pytest.fixture(scope="module")
def lightning_step(tmp_path_factory):
    return lightning_run(tmp_path_factory.mktemp("pl"), interval="step", make_scheduler=one_cycle, tensorboard=True)


def test_lightning_convention_logged_step_k_is_optimizer_step_k(lightning_step):
    metrics, lrs, moms = lightning_step
    assert len(lrs) == PL_STEPS
    log = read_actual(metrics)
    assert log.format == "lightning"
    by_name = {s.name: s for s in log.series}
    assert sorted(by_name) == ["lr-SGD/backbone", "lr-SGD/backbone-momentum", "lr-SGD/pg2", "lr-SGD/pg2-momentum"]
    truth = {"lr-SGD/backbone": 0, "lr-SGD/pg2": 1}
    assert set(truth) < set(by_name)
    for name, g in truth.items():
        assert by_name[name].rows.tolist() == list(range(PL_STEPS))
        assert by_name[name].values.tolist() == [row[g] for row in lrs]
        assert by_name[f"{name}-momentum"].kind == "momentum"
        assert by_name[f"{name}-momentum"].values.tolist() == [row[g] for row in moms]


def test_lightning_two_groups_and_momentum_agree(lightning_step):
    result = compare(PL_CONFIG, lightning_step[0])
    assert result.ok
    assert codes(result) == ["agree"] * 4
    groups = {s.series: s.group for s in result.series}
    assert groups == {
        "lr-SGD/backbone": "backbone",  # by the group's name
        "lr-SGD/backbone-momentum": "backbone",
        "lr-SGD/pg2": "head",  # Lightning's pg2 is the second group
        "lr-SGD/pg2-momentum": "head",
    }


def test_lightning_max_lr_doubled_is_a_factor_and_momentum_still_agrees(lightning_step):
    result = compare({**PL_CONFIG, "params": {"max_lr": [0.1, 1.0], "total_steps": PL_STEPS}}, lightning_step[0])
    diverged = {f.series: f for f in result.findings if f.code == "diverged"}
    assert sorted(diverged) == ["lr-SGD/backbone", "lr-SGD/pg2"]
    for f in diverged.values():
        assert f.step == 0 and f.cause.code == "factor"
        assert f.cause.values["factor"] == pytest.approx(0.5, rel=1e-12)
    assert sum(f.code == "agree" for f in result.findings) == 2  # the momentum series


def test_lightning_changed_total_moves_the_peak(lightning_step):
    result = compare({**PL_CONFIG, "params": {"max_lr": [0.05, 0.5], "total_steps": 40}}, lightning_step[0])
    first = the_divergence(result)
    assert first.step == 1  # OneCycleLR's warmup is pct_start of the total: it differs from step 1
    assert first.cause.code == "warmup-length"
    # the warm-up phase ends at pct_start * total - 1: step 6.2 in the run (peak at 6), 11 in the plan
    assert first.cause.values["log_peak_step"] == 6 and first.cause.values["plan_peak_step"] == 11


def test_lightning_tensorboard_logger(lightning_step):
    metrics, lrs, _ = lightning_step
    log = read_actual(metrics.parent.parent.parent / "tb")
    names = {s.name: s for s in log.series}
    s = names["lr-SGD/pg2"]
    assert s.convention.name == "lightning-tensorboard" and s.dtype == "float32"
    assert s.values.tolist() == [float(np.float32(row[1])) for row in lrs]
    result = compare(PL_CONFIG, metrics.parent.parent.parent / "tb")
    assert result.ok and codes(result) == ["agree"] * 4


@pytest.fixture(scope="module")
def lightning_epoch(tmp_path_factory):
    def step_lr(opt):
        return {"scheduler": L.StepLR(opt, step_size=1, gamma=0.5), "interval": "epoch"}

    return lightning_run(tmp_path_factory.mktemp("ple"), interval="epoch", epochs=3, batches=12, make_scheduler=step_lr)


EPOCH_CONFIG = {
    **PL_CONFIG,
    "epochs": 3,
    "steps_per_epoch": 12,
    "scheduler": "StepLR",
    "params": {"step_size": 1, "gamma": 0.5},
    "interval": "epoch",
}
del EPOCH_CONFIG["steps"]


def test_lightning_epoch_interval_logs_each_epochs_first_step(lightning_epoch):
    metrics, lrs, _ = lightning_epoch
    assert len(lrs) == 36
    log = read_actual(metrics)
    by_name = {s.name: s for s in log.series}
    assert by_name["lr-SGD/backbone"].rows.tolist() == [0, 12, 24]
    assert by_name["lr-SGD/backbone"].values.tolist() == [0.01, 0.005, 0.0025] == [lrs[i][0] for i in (0, 12, 24)]
    result = compare(EPOCH_CONFIG, metrics)
    assert result.ok and codes(result) == ["agree"] * 4


def test_lightning_epoch_log_against_a_per_step_plan(lightning_epoch):
    result = compare({**EPOCH_CONFIG, "interval": "step"}, lightning_epoch[0])
    first = the_divergence(result)
    assert first.step == 12  # row 0 agrees; the plan has decayed 12 times by step 12, the run once


# --------------------------------------------------------------------------- a plain loop + SummaryWriter


def test_summary_writer_loop_agrees(tmp_path):
    truth = tb_loop(tmp_path, warmup_cosine, TB_STEPS)
    (s,) = read_actual(tmp_path).series
    assert s.convention.name == "tensorboard" and s.dtype == "float32"
    assert s.rows.tolist() == list(range(TB_STEPS))
    assert s.values.tolist() == [float(np.float32(v)) for v in truth]
    result = compare(TB_PLAN, tmp_path)
    assert result.ok and codes(result) == ["agree"]


def test_lr_logged_after_scheduler_step_is_a_shift_by_one(tmp_path):
    tb_loop(tmp_path, warmup_cosine, TB_STEPS, log_after_step=True)
    first = the_divergence(compare(TB_PLAN, tmp_path))
    assert first.step == 0
    assert first.cause.code == "shift" and first.cause.values["k"] == 1
    shifted = compare_trajectory(simulate(load_config(TB_PLAN)).trajectories[0], read_actual(tmp_path, shift=1))
    assert shifted.ok  # what the finding says to do works (the last logged step falls beyond the plan)
    assert [f.code for f in shifted.findings] == ["beyond-plan", "agree"]


def test_resume_that_reloads_only_the_scheduler(tmp_path):
    truth = tb_loop(tmp_path, warmup_cosine, TB_STEPS, resume_at=12, resume_loads="scheduler")
    result = compare(TB_PLAN, tmp_path)
    first = the_divergence(result)
    assert first.step == 12
    # the fresh optimizer holds the lr its new scheduler set at construction: the warmup's start, 0.1 * 0.1
    assert first.logged == float(np.float32(0.1 * 0.1)) == float(np.float32(truth[12]))
    assert first.cause.code == "resume" and first.cause.values["fell_back"] is True


def test_resume_that_rebuilt_the_scheduler_restarts_the_warmup(tmp_path):
    tb_loop(tmp_path, warmup_cosine, TB_STEPS, resume_at=12, resume_loads="nothing")
    first = the_divergence(compare(TB_PLAN, tmp_path))
    assert first.step == 12
    assert first.cause.code == "restart" and first.cause.values["restart_step"] == 12


def test_resumed_run_logs_steps_twice_last_write_wins(tmp_path):
    truth = tb_loop(tmp_path, warmup_cosine, TB_STEPS, resume_at=12, crashed_at=15, resume_loads="scheduler")
    assert len(list(tmp_path.iterdir())) == 2  # two event files: the crashed run and the resumed one
    (s,) = read_actual(tmp_path).series
    assert s.duplicates == 4 and s.rewritten_count == 4  # steps 12..15, each with another lr the second time
    assert s.values.tolist() == [float(np.float32(v)) for v in truth]  # the resumed run's values are kept
    result = compare(TB_PLAN, tmp_path)
    rewritten = [f for f in result.findings if f.code == "rewritten-steps"]
    assert len(rewritten) == 1 and rewritten[0].step == 12
    assert the_divergence(result).cause.code == "resume"


def test_correct_resume_with_repeated_steps_agrees(tmp_path):
    tb_loop(tmp_path, warmup_cosine, TB_STEPS, resume_at=12, crashed_at=14, resume_loads="both")
    result = compare(TB_PLAN, tmp_path)
    assert result.ok
    assert codes(result) == ["agree", "repeated-steps"]
    assert result.findings[1].values["count"] == 3


def test_lambda_schedule_resumed_with_only_the_scheduler_differs_for_one_step(tmp_path):
    """A LambdaLR recomputes the lr from base_lrs at the next step: only the resumed step is wrong."""

    def make_hf_cosine(opt):
        return L.LambdaLR(opt, lambda s: hf_cosine(s, 5, TB_STEPS))

    tb_loop(tmp_path, make_hf_cosine, TB_STEPS, resume_at=12)
    config = {
        "steps": TB_STEPS,
        "optimizer": {"name": "SGD", "lr": 0.1},
        "scheduler": "cosine",
        "params": {"num_warmup_steps": 5},
    }
    first = the_divergence(compare(config, tmp_path))
    assert first.step == 12 and first.logged == 0.0
    assert first.cause.code == "resume" and first.cause.values["agrees_again_at"] == 13
    assert first.values["differing"] == 1
