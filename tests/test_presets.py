"""Presets (the Hugging Face schedule family) against values derived from the formulas.

The expected values below are closed forms written from transformers' documented
definitions, vectorised over the step with numpy -- a different code path from the
per-step ``lr_lambda`` functions in :mod:`lrviz.presets`. Every case runs with two
param groups whose lrs differ (0.1, which is also the optimizer's default lr, and
0.03), because ``polynomial`` and ``min_lr`` are defined from the optimizer's default
lr, not each group's. When transformers is importable, every case is also compared
with transformers' own functions stepped by a plain torch loop.
"""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest
import torch
from torch.optim.lr_scheduler import LambdaLR
from typer.testing import CliRunner

from lrviz.cli import app
from lrviz.errors import ConfigError, LrvizError
from lrviz.registry.presets import PRESETS
from lrviz.simulate import simulate
from lrviz.validate import load_config
from tests.optional import optional_import
from tests.torchloop import direct_lrs

# optional test dependency (lrviz[hf]); installed in CI, where its absence is an error
hf, HF_MISSING = optional_import("transformers.optimization", "hf")

STEPS = 60
DEFAULT_LR = 0.1  # the optimizer-level lr: optimizer.defaults["lr"]
GROUP_LRS = np.array([0.1, 0.03])
T = np.arange(STEPS, dtype=np.float64)[:, None]  # a column of steps, broadcast over groups


def optimizer_spec() -> dict:
    return {"name": "SGD", "lr": DEFAULT_LR, "param_groups": [{"name": "a"}, {"name": "b", "lr": float(GROUP_LRS[1])}]}


def run_lrviz(name: str, params: dict, steps: int = STEPS) -> np.ndarray:
    cfg = load_config({"steps": steps, "optimizer": optimizer_spec(), "scheduler": name, "params": params})
    return simulate(cfg).trajectories[0].lr


def half_cosine(progress, cycles):
    """0.5 * (1 + cos(2 pi cycles progress)): 1 at progress 0; 0 at 1 for half a wave."""
    return 0.5 * (1.0 + np.cos(2.0 * np.pi * cycles * progress))


# --------------------------------------------------------------------------- closed forms
# Each returns the (steps, groups) lr array from the definitions, with W warmup steps
# and n the decay horizon (num_training_steps).


def x_constant(p):
    return GROUP_LRS * np.ones_like(T)


def x_constant_with_warmup(p):
    w = p["num_warmup_steps"]
    return GROUP_LRS * np.minimum(T / w, 1.0)


def x_linear(p, n):
    w = p["num_warmup_steps"]
    return GROUP_LRS * np.where(T < w, T / w, np.clip((n - T) / (n - w), 0.0, None))


def x_cosine(p, n):
    w, c = p["num_warmup_steps"], p.get("num_cycles", 0.5)
    with np.errstate(divide="ignore", invalid="ignore"):  # T / w with w = 0: the unused branch
        return GROUP_LRS * np.where(T < w, T / w, np.clip(half_cosine((T - w) / (n - w), c), 0.0, None))


def x_cosine_with_restarts(p, n):
    w, c = p["num_warmup_steps"], p.get("num_cycles", 1)
    progress = (T - w) / (n - w)
    in_cycle = np.modf(c * progress)[0]  # where we are inside the current restart, 0..1
    decay = np.where(progress >= 1.0, 0.0, 0.5 * (1.0 + np.cos(np.pi * in_cycle)))
    return GROUP_LRS * np.where(T < w, T / w, decay)


def x_polynomial(p, n):
    w, end, power = p["num_warmup_steps"], p.get("lr_end", 1e-7), p.get("power", 1.0)
    # the curve of the *default* lr, applied to every group as a ratio
    curve = (DEFAULT_LR - end) * np.clip(1.0 - (T - w) / (n - w), 0.0, None) ** power + end
    ratio = np.where(T < w, T / w, np.where(T > n, end / DEFAULT_LR, curve / DEFAULT_LR))
    return GROUP_LRS * ratio


def x_inverse_sqrt(p):
    w = p["num_warmup_steps"]
    tau = p.get("timescale") or w or 10_000
    with np.errstate(divide="ignore", invalid="ignore"):  # T / w with w = 0: the unused branch
        return GROUP_LRS * np.where(T < w, T / w, np.sqrt(tau / (T + tau - w)))


def x_cosine_with_min_lr(p, n):
    w, c = p["num_warmup_steps"], p.get("num_cycles", 0.5)
    floor = p["min_lr"] / DEFAULT_LR if "min_lr" in p else p["min_lr_rate"]
    decay = floor + (1.0 - floor) * half_cosine((T - w) / (n - w), c)
    return GROUP_LRS * np.where(T < w, T / w, decay)


def x_cosine_warmup_with_min_lr(p, n):
    w, c = p["num_warmup_steps"], p.get("num_cycles", 0.5)
    floor = p["min_lr"] / DEFAULT_LR if "min_lr" in p else p["min_lr_rate"]
    if p.get("warmup_lr_rate") is None:
        warm = (T + 1.0) / w  # one step ahead: 1/W .. 1
    else:
        r = p["warmup_lr_rate"]
        warm = r + (1.0 - r) * T / (w - 1)  # r .. 1 over W-1 steps
    decay = floor + (1.0 - floor) * half_cosine((T - w + 1.0) / (n - w), c)  # also one step ahead
    return GROUP_LRS * np.where(T < w, warm, decay)


WSD_UP = {
    "linear": lambda x: x,
    "cosine": lambda x: (1 - np.cos(np.pi * x)) / 2,
    "1-sqrt": lambda x: 1 - np.sqrt(1 - x),
}
WSD_DOWN = {
    "linear": lambda x, c: 1 - x,
    "cosine": lambda x, c: half_cosine(x, c),
    "1-sqrt": lambda x, c: 1 - np.sqrt(x),
}


def x_warmup_stable_decay(p, n):
    w, d = p["num_warmup_steps"], p["num_decay_steps"]
    s = p.get("num_stable_steps", n - w - d)
    m, c = p.get("min_lr_ratio", 0.0), p.get("num_cycles", 0.5)
    with np.errstate(invalid="ignore"):  # the unused branch of np.where may take sqrt(<0)
        up = m + (1 - m) * WSD_UP[p.get("warmup_type", "linear")](np.clip(T / max(w, 1), 0, 1))
        down = m + (1 - m) * WSD_DOWN[p.get("decay_type", "cosine")](np.clip((T - w - s) / d, 0, 1), c)
    ratio = np.select([T < w, T < w + s, T < w + s + d], [up, 1.0, down], default=m)
    return GROUP_LRS * ratio


# (preset, params, num_training_steps or None for "the config's steps" = STEPS, closed form)
CASES = [
    ("constant", {}, None, x_constant),
    ("constant_with_warmup", {"num_warmup_steps": 7}, None, x_constant_with_warmup),
    ("linear", {"num_warmup_steps": 5}, None, x_linear),
    ("linear", {"num_warmup_steps": 5, "num_training_steps": 40}, 40, x_linear),  # flat 0 after 40
    ("cosine", {"num_warmup_steps": 6}, None, x_cosine),
    ("cosine", {"num_warmup_steps": 0, "num_cycles": 1.5}, None, x_cosine),
    ("cosine_with_restarts", {"num_warmup_steps": 4, "num_cycles": 3}, None, x_cosine_with_restarts),
    (
        "cosine_with_restarts",
        {"num_warmup_steps": 4, "num_cycles": 2, "num_training_steps": 45},
        45,
        x_cosine_with_restarts,
    ),
    ("polynomial", {"num_warmup_steps": 5, "lr_end": 1e-4, "power": 2.0}, None, x_polynomial),
    ("polynomial", {"num_warmup_steps": 5, "lr_end": 0.01, "num_training_steps": 40}, 40, x_polynomial),
    ("inverse_sqrt", {"num_warmup_steps": 8}, None, x_inverse_sqrt),
    ("inverse_sqrt", {"num_warmup_steps": 8, "timescale": 20}, None, x_inverse_sqrt),
    ("inverse_sqrt", {"num_warmup_steps": 0}, None, x_inverse_sqrt),  # timescale 10000
    ("cosine_with_min_lr", {"num_warmup_steps": 5, "min_lr": 0.005}, None, x_cosine_with_min_lr),
    (
        "cosine_with_min_lr",
        {"num_warmup_steps": 5, "min_lr_rate": 0.2, "num_training_steps": 40},
        40,
        x_cosine_with_min_lr,
    ),
    ("cosine_warmup_with_min_lr", {"num_warmup_steps": 5, "min_lr_rate": 0.1}, None, x_cosine_warmup_with_min_lr),
    (
        "cosine_warmup_with_min_lr",
        {"num_warmup_steps": 6, "min_lr": 0.01, "warmup_lr_rate": 0.25, "num_training_steps": 40},
        40,
        x_cosine_warmup_with_min_lr,
    ),
    ("warmup_stable_decay", {"num_warmup_steps": 8, "num_decay_steps": 20}, None, x_warmup_stable_decay),
    (
        "warmup_stable_decay",
        {
            "num_warmup_steps": 8,
            "num_decay_steps": 16,
            "warmup_type": "cosine",
            "decay_type": "linear",
            "min_lr_ratio": 0.1,
        },
        None,
        x_warmup_stable_decay,
    ),
    (
        "warmup_stable_decay",
        {
            "num_warmup_steps": 10,
            "num_decay_steps": 20,
            "num_stable_steps": 15,
            "warmup_type": "1-sqrt",
            "decay_type": "1-sqrt",
            "min_lr_ratio": 0.05,
        },
        None,
        x_warmup_stable_decay,
    ),
]
IDS = [f"{name}-{i}" for i, (name, *_rest) in enumerate(CASES)]


@pytest.mark.parametrize(("name", "params", "n", "closed_form"), CASES, ids=IDS)
def test_preset_matches_closed_form_at_two_groups(name, params, n, closed_form):
    got = run_lrviz(name, params)
    takes_n = "n" in inspect.signature(closed_form).parameters
    expected = closed_form(params, n or STEPS) if takes_n else closed_form(params)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


def test_every_preset_has_a_closed_form_case():
    assert {name for name, *_ in CASES} == set(PRESETS)


def test_polynomial_quirk_uses_the_optimizers_default_lr():
    # At the end of the decay group a (lr = default lr) reaches lr_end; group b does not:
    # it gets lr_end / default_lr of its own lr, as in transformers.
    lr = run_lrviz("polynomial", {"num_warmup_steps": 0, "lr_end": 0.01, "num_training_steps": 30}, steps=40)
    assert lr[35, 0] == pytest.approx(0.01, rel=1e-12)
    assert lr[35, 1] == pytest.approx(0.03 * 0.01 / 0.1, rel=1e-12)


def test_polynomial_lr_end_must_be_below_the_default_lr():
    with pytest.raises(LrvizError, match=r"lr_end \(0\.5\) must be smaller"):
        run_lrviz("polynomial", {"lr_end": 0.5})


def test_min_lr_presets_need_min_lr_or_rate():
    with pytest.raises(LrvizError, match="min_lr or min_lr_rate"):
        run_lrviz("cosine_with_min_lr", {"num_warmup_steps": 2})
    with pytest.raises(LrvizError, match="only one of min_lr or min_lr_rate"):
        run_lrviz("cosine_warmup_with_min_lr", {"min_lr": 0.01, "min_lr_rate": 0.1})


def test_num_training_steps_defaults_to_the_scheduler_steps():
    explicit = run_lrviz("cosine", {"num_warmup_steps": 5, "num_training_steps": STEPS})
    np.testing.assert_array_equal(run_lrviz("cosine", {"num_warmup_steps": 5}), explicit)
    # interval: epoch -> the scheduler is stepped steps // steps_per_epoch times
    cfg = load_config({"steps": 40, "steps_per_epoch": 4, "scheduler": "linear", "interval": "epoch"})
    lr = simulate(cfg).trajectories[0].lr[:, 0]
    epochs = np.arange(40) // 4
    np.testing.assert_allclose(lr, 0.1 * (10 - epochs) / 10, rtol=1e-12)


def test_presets_are_lambdalr_and_resume_like_training():
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    params = {"num_warmup_steps": 3, "num_decay_steps": 5, "num_training_steps": 20}
    sched = PRESETS["warmup_stable_decay"](opt, **params)
    assert isinstance(sched, LambdaLR)
    straight = []
    for _ in range(20):
        straight.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    # interrupted after 9 steps, rebuilt from state_dicts, continued
    opt1 = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    s1 = PRESETS["warmup_stable_decay"](opt1, **params)
    resumed = []
    for _ in range(9):
        resumed.append(opt1.param_groups[0]["lr"])
        opt1.step()
        s1.step()
    # as a training script resumes: build both, then load both states (HF Trainer's order)
    opt2 = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    s2 = PRESETS["warmup_stable_decay"](opt2, **params)
    opt2.load_state_dict(opt1.state_dict())
    s2.load_state_dict(s1.state_dict())
    for _ in range(11):
        resumed.append(opt2.param_groups[0]["lr"])
        opt2.step()
        s2.step()
    assert resumed == straight


def test_preset_params_are_validated_with_key_paths():
    base = {"steps": 10, "schedules": [{"scheduler": "warmup_stable_decay", "params": {"num_decay_steps": 3}}]}
    bad = {
        **base,
        "schedules": [{"scheduler": "warmup_stable_decay", "params": {"num_decay_steps": 3, "decay_type": "exp"}}],
    }
    with pytest.raises(ConfigError) as info:
        load_config(bad)
    assert info.value.key == "schedules[0].params.decay_type"
    assert "'linear', 'cosine', '1-sqrt'" in str(info.value)
    with pytest.raises(ConfigError) as info:
        load_config({"steps": 10, "scheduler": "warmup_stable_decay"})
    assert info.value.key == "params.num_decay_steps"
    with pytest.raises(ConfigError, match="did you mean num_warmup_steps"):
        load_config({"steps": 10, "scheduler": "cosine", "params": {"num_warmup_step": 3}})
    with pytest.raises(ConfigError, match="did you mean cosine"):
        load_config({"steps": 10, "scheduler": "cosin"})
    load_config(base)  # the good one loads


def test_list_shows_presets_with_parameters():
    result = CliRunner().invoke(app, ["list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "presets" in result.output
    assert len(PRESETS) >= 10
    for name in PRESETS:
        assert name in result.output
    assert "num_decay_steps" in result.output and "lr_end=1e-07" in result.output
    one = CliRunner().invoke(app, ["list", "polynomial"], env={"COLUMNS": "200"})
    assert one.exit_code == 0, one.output
    assert "lrviz preset" in one.output and "get_polynomial_decay_schedule_with_warmup" in one.output


# --------------------------------------------------------------------------- transformers itself

HF_FUNCTIONS = {
    "constant": "get_constant_schedule",
    "constant_with_warmup": "get_constant_schedule_with_warmup",
    "linear": "get_linear_schedule_with_warmup",
    "cosine": "get_cosine_schedule_with_warmup",
    "cosine_with_restarts": "get_cosine_with_hard_restarts_schedule_with_warmup",
    "polynomial": "get_polynomial_decay_schedule_with_warmup",
    "inverse_sqrt": "get_inverse_sqrt_schedule",
    "cosine_with_min_lr": "get_cosine_with_min_lr_schedule_with_warmup",
    "cosine_warmup_with_min_lr": "get_cosine_with_min_lr_schedule_with_warmup_lr_rate",
    "warmup_stable_decay": "get_wsd_schedule",
}


def run_transformers(name: str, params: dict) -> np.ndarray:
    fn = getattr(hf, HF_FUNCTIONS[name])
    kwargs = dict(params)
    if "num_training_steps" in inspect.signature(fn).parameters and "num_stable_steps" not in kwargs:
        kwargs.setdefault("num_training_steps", STEPS)  # (wsd warns when given both)
    return direct_lrs(lambda opt: fn(opt, **kwargs), [float(lr) for lr in GROUP_LRS], STEPS, default_lr=DEFAULT_LR)


@pytest.mark.skipif(hf is None, reason=HF_MISSING)
@pytest.mark.parametrize(("name", "params", "n", "closed_form"), CASES, ids=IDS)
def test_preset_matches_transformers(name, params, n, closed_form):
    fn = getattr(hf, HF_FUNCTIONS[name], None)
    if fn is None or not set(params) <= set(inspect.signature(fn).parameters):
        pytest.skip(f"transformers {hf_version()} has no {HF_FUNCTIONS[name]} taking {sorted(params)}")
    np.testing.assert_array_equal(run_lrviz(name, params), run_transformers(name, params))


def hf_version() -> str:
    import transformers

    return transformers.__version__


@pytest.mark.skipif(hf is None, reason=HF_MISSING)
def test_preset_names_and_parameters_are_transformers():
    from transformers.trainer_utils import SchedulerType

    # every lr_scheduler_type of transformers that is a LambdaLR schedule is a preset
    names = {t.value for t in SchedulerType} - {"reduce_lr_on_plateau", "greedy"}
    assert names <= set(PRESETS), f"transformers {hf_version()} has schedules lrviz lacks: {names - set(PRESETS)}"
    compared = []
    for name, fn in PRESETS.items():
        theirs = getattr(hf, HF_FUNCTIONS[name], None)
        if theirs is None:
            continue  # an older transformers
        ours = set(inspect.signature(fn).parameters) - {"optimizer"}
        assert set(inspect.signature(theirs).parameters) - {"optimizer"} <= ours, name
        compared.append(name)
    assert names <= set(compared), f"not compared: {names - set(compared)}"


def test_closed_forms_can_fail():
    """The closed forms are not vacuous: a wrong warmup length gives other values."""
    got = run_lrviz("linear", {"num_warmup_steps": 5})
    assert not np.allclose(got, x_linear({"num_warmup_steps": 6}, STEPS))
    assert math.isclose(got[5, 1], 0.03)  # end of warmup: the group's own lr
