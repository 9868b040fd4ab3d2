"""check finds schedules that never reach their configured peak and phases that do not fit the
run, for every source (issue 26), and a factory's schedule gets every lint a config gets.

Each case has its fixed twin with no finding. The peaks are checked against the framework or
torch run directly (transformers' get_wsd_schedule, torch's LinearLR), never against lrviz.
"""

from __future__ import annotations

import pytest
import torch
from torch.optim.lr_scheduler import (
    CosineAnnealingLR,
    LambdaLR,
    LinearLR,
    MultiStepLR,
    OneCycleLR,
    SequentialLR,
    StepLR,
)

import lrviz
from lrviz.check import check_config
from lrviz.validate import load_config


def codes(findings) -> list[str]:
    return [f.code for f in findings]


def _peak_direct(make, steps: int, lr: float) -> float:
    """The highest lr of ``make(optimizer)`` over ``steps`` optimizer steps, torch's loop."""
    opt = torch.optim.AdamW([torch.zeros(1, requires_grad=True)], lr=lr)
    sched = make(opt)
    top = 0.0
    for _ in range(steps):
        top = max(top, opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return top


def test_hf_warmup_stable_decay_whose_decay_outlasts_the_run_never_reaches_its_peak():
    from transformers import get_wsd_schedule

    data = {
        "steps": 98,
        "optimizer": {"name": "AdamW", "lr": 2e-4},
        "scheduler": "hf.warmup_stable_decay",
        "params": {"num_warmup_steps": 10, "num_decay_steps": 200},
    }
    findings = check_config(load_config(data))
    assert codes(findings) == ["peak-not-reached"]
    expected = _peak_direct(lambda o: get_wsd_schedule(o, 10, 200, num_training_steps=98), 98, 2e-4)
    assert expected < 2e-4 * 0.95
    assert findings[0].values["peak"] == expected and findings[0].values["configured"] == 2e-4
    assert findings[0].key == "params.num_decay_steps"
    assert "num_warmup_steps 10 + num_decay_steps 200 = 210 steps" in findings[0].message
    data["params"]["num_decay_steps"] = 50  # the fixed twin: 10 + 50 fit in 98
    assert check_config(load_config(data)) == []


def test_an_hf_trainingarguments_file_with_the_same_mistake(tmp_path):
    path = tmp_path / "args.yaml"
    path.write_text(
        "output_dir: out\nlearning_rate: 2.0e-4\nlr_scheduler_type: warmup_stable_decay\n"
        "lr_scheduler_kwargs: {num_decay_steps: 200}\nwarmup_steps: 10\nmax_steps: 98\n"
    )
    assert codes(lrviz.check(path)) == ["peak-not-reached"]
    path.write_text(path.read_text().replace("200", "40"))
    assert lrviz.check(path) == []


def test_a_torchvision_warmup_longer_than_the_run(tmp_path):
    path = tmp_path / "recipe.yaml"
    path.write_text("model: resnet50\nlr: 0.1\nepochs: 10\nlr_scheduler: cosineannealinglr\nlr_warmup_epochs: 30\n")
    found = lrviz.check(path)
    assert "peak-not-reached" in codes(found)
    path.write_text(path.read_text().replace("30", "3"))
    assert lrviz.check(path) == []


@pytest.mark.parametrize(
    ("params", "twin", "param"),
    [
        ({"scheduler": "LinearLR", "params": {"start_factor": 0.01, "total_iters": 100}}, 40, "total_iters"),
        ({"scheduler": "hf.linear", "params": {"num_warmup_steps": 80}}, 20, "num_warmup_steps"),
        (
            {"scheduler": "CyclicLR", "params": {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 100}},
            20,
            "step_size_up",
        ),
    ],
)
def test_a_warmup_or_rise_longer_than_the_run(params, twin, param):
    data = {"steps": 50, "optimizer": {"name": "SGD", "lr": 0.1, "momentum": 0.9}, **params}
    findings = check_config(load_config(data))
    assert codes(findings) == ["peak-not-reached"], findings
    assert findings[0].key == f"params.{param}"
    assert findings[0].values["peak"] < 0.1 * 0.99 and findings[0].values["configured"] == 0.1
    data["params"] = {**data["params"], param: twin}
    assert check_config(load_config(data)) == []


def test_a_sequential_child_cut_short_by_its_milestone():
    data = {
        "steps": 50,
        "scheduler": "SequentialLR",
        "params": {
            "milestones": [5],
            "schedulers": [
                {"scheduler": "LinearLR", "params": {"start_factor": 0.1, "total_iters": 10}},
                {"scheduler": "CosineAnnealingLR", "params": {"T_max": 45}},
            ],
        },
    }
    findings = check_config(load_config(data))
    assert codes(findings) == ["phase-beyond-run"]
    assert findings[0].key == "params.schedulers[0].params.total_iters"
    data["params"]["schedulers"][0]["params"]["total_iters"] = 5
    assert check_config(load_config(data)) == []


@pytest.mark.parametrize(
    "data",
    [
        {"steps": 32, "scheduler": "LambdaLR", "params": {"lr_lambda": "0.5"}},  # a multiplier below 1 by choice
        {"steps": 32, "scheduler": "OneCycleLR", "params": {"max_lr": 1.0, "total_steps": 32}},  # peaks between steps
        {
            "steps": 32,
            "scheduler": "CyclicLR",
            "params": {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 4, "mode": "exp_range", "gamma": 0.9},
        },  # fmt: skip
    ],
)
def test_peaks_that_are_the_schedules_own_choice_are_no_finding(data):
    data = {**data, "optimizer": {"name": "SGD", "lr": 0.1, "momentum": 0.9}}
    assert "peak-not-reached" not in codes(check_config(load_config(data)))


FACTORIES = [
    (lambda o: CosineAnnealingLR(o, T_max=100), {"scheduler": "CosineAnnealingLR", "params": {"T_max": 100}}),
    (
        lambda o: OneCycleLR(o, max_lr=1.0, total_steps=200),
        {"scheduler": "OneCycleLR", "params": {"max_lr": 1.0, "total_steps": 200}},
    ),
    (lambda o: MultiStepLR(o, [50, 300]), {"scheduler": "MultiStepLR", "params": {"milestones": [50, 300]}}),
    (lambda o: StepLR(o, step_size=1, gamma=1e-9), {"scheduler": "StepLR", "params": {"step_size": 1, "gamma": 1e-9}}),
    (
        lambda o: LinearLR(o, start_factor=0.01, total_iters=500),
        {"scheduler": "LinearLR", "params": {"start_factor": 0.01, "total_iters": 500}},
    ),
    (
        lambda o: SequentialLR(o, [LinearLR(o, 0.1, total_iters=10), CosineAnnealingLR(o, T_max=100)], milestones=[5]),
        {"scheduler": "SequentialLR", "params": {"milestones": [5], "schedulers": [
            {"scheduler": "LinearLR", "params": {"start_factor": 0.1, "total_iters": 10}},
            {"scheduler": "CosineAnnealingLR", "params": {"T_max": 100}}]}},
    ),
    (lambda o: LambdaLR(o, lambda s: 1.0), {"scheduler": "LambdaLR", "params": {"lr_lambda": "1.0"}}),
]  # fmt: skip


@pytest.mark.parametrize(("factory", "data"), FACTORIES)
def test_a_factory_gets_every_lint_its_config_twin_gets(factory, data):
    """The same schedule as a factory and as a config: the same findings, word for word
    (the label aside: a factory is named by the class it made, as the config's schedule)."""
    from_config = lrviz.check({"steps": 120, **data})
    from_factory = lrviz.check(factory, steps=120)
    assert from_config, "the config twin must have a finding, or the comparison proves nothing"
    assert [(f.code, f.key, f.message, f.step) for f in from_factory] == [
        (f.code, f.key, f.message, f.step) for f in from_config
    ]


def test_a_decay_that_underflows_is_worded_as_one():
    """Halving every 10 steps: below 1e-30 from the 97th halving (0.1 * 2**-97 = 6.3e-31, a
    closed form), exactly 0 once repeated float64 halving underflows (counted here)."""
    x, halvings = 0.1, 0
    while x:
        x *= 0.5
        halvings += 1
    assert 0.1 * 2.0**-96 >= 1e-30 > 0.1 * 2.0**-97
    findings = lrviz.check({"steps": 12000, "scheduler": "StepLR", "params": {"step_size": 10, "gamma": 0.5}})
    assert codes(findings) == ["nonpositive-lr"]
    assert findings[0].message.startswith(
        f"the lr falls below 1e-30 from step 970 and underflows to 0 at {12000 - 10 * halvings} of 12000 steps, "
        f"from step {10 * halvings}:"
    )


def test_an_epoch_schedule_in_a_run_shorter_than_one_epoch():
    data = {"steps": 50, "steps_per_epoch": 100, "scheduler": "StepLR", "interval": "epoch", "params": {"step_size": 1}}
    findings = lrviz.check(data)
    assert findings[0].code == "interval-mismatch" and findings[0].key == "interval"
    assert "shorter than one epoch of 100 steps: the scheduler never steps" in findings[0].message
    assert "count of optimizer steps" not in " ".join(f.message for f in findings)
    assert "interval-mismatch" not in codes(lrviz.check({**data, "steps": 500}))


def test_a_rise_no_parameter_names_is_found_from_the_lr_alone():
    """A LambdaLR warmup to 1 over 40 steps in a 20-step run: no phase parameter to read, the
    recorded lr climbs to the end (0.5 + 0.5 * 19 / 40 = 0.7375 of the base lr, a closed form)."""
    found = lrviz.check({"steps": 20, "scheduler": "LambdaLR", "params": {"lr_lambda": "0.5 + 0.5*step/40"}})
    assert codes(found) == ["peak-not-reached"] and found[0].key is None
    assert found[0].values["peak"] == pytest.approx(0.1 * (0.5 + 0.5 * 19 / 40), rel=1e-12)
    assert (
        lrviz.check({"steps": 20, "scheduler": "LambdaLR", "params": {"lr_lambda": "min(1, 0.5 + 0.5*step/10)"}}) == []
    )
