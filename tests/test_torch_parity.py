"""lrviz's trajectory equals a direct torch training loop, bit for bit, for every scheduler class.

The reference loop below is written the way the seed articles and PyTorch's docs do
it: real parameters with gradients, ``optimizer.step()`` then ``scheduler.step()``
every step, reading ``param_groups`` before each step. lrviz (dummy parameters, one
real optimizer.step()) must record exactly the same floats.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
from torch import nn
from torch.optim import lr_scheduler as L

from lrviz.registry.torch_classes import torch_schedulers
from lrviz.simulate import simulate
from lrviz.validate import load_config

STEPS = 40
GROUP_LRS = (0.1, 0.03)


def _lambda(epoch):
    return 0.95**epoch


def _mult(epoch):
    return 0.9 if epoch % 3 else 1.0


# name -> (lrviz params, direct-torch constructor, optimizer name, optimizer kwargs)
CASES = {
    "LambdaLR": ({"lr_lambda": "0.95 ** epoch"}, lambda o: L.LambdaLR(o, _lambda), "SGD", {"momentum": 0.9}),
    "MultiplicativeLR": (
        {"lr_lambda": "0.9 if epoch % 3 else 1.0"},
        lambda o: L.MultiplicativeLR(o, _mult),
        "SGD",
        {"momentum": 0.9},
    ),
    "StepLR": ({"step_size": 7, "gamma": 0.5}, lambda o: L.StepLR(o, 7, 0.5), "Adam", {}),
    "MultiStepLR": ({"milestones": [5, 17, 30], "gamma": 0.3}, lambda o: L.MultiStepLR(o, [5, 17, 30], 0.3), "SGD", {}),
    "ConstantLR": ({"factor": 0.25, "total_iters": 9}, lambda o: L.ConstantLR(o, 0.25, 9), "SGD", {}),
    "LinearLR": (
        {"start_factor": 0.1, "end_factor": 0.9, "total_iters": 13},
        lambda o: L.LinearLR(o, 0.1, 0.9, 13),
        "AdamW",
        {},
    ),
    "ExponentialLR": ({"gamma": 0.9}, lambda o: L.ExponentialLR(o, 0.9), "SGD", {}),
    "SequentialLR": (
        {
            "milestones": [10],
            "schedulers": [
                {"scheduler": "LinearLR", "params": {"start_factor": 0.01, "total_iters": 10}},
                {"scheduler": "CosineAnnealingLR", "params": {"T_max": 30, "eta_min": 1e-4}},
            ],
        },
        lambda o: L.SequentialLR(o, [L.LinearLR(o, 0.01, total_iters=10), L.CosineAnnealingLR(o, 30, 1e-4)], [10]),
        "SGD",
        {"momentum": 0.9},
    ),
    "PolynomialLR": ({"total_iters": 30, "power": 2.0}, lambda o: L.PolynomialLR(o, 30, 2.0), "SGD", {}),
    "CosineAnnealingLR": ({"T_max": 25, "eta_min": 0.001}, lambda o: L.CosineAnnealingLR(o, 25, 0.001), "SGD", {}),
    "ChainedScheduler": (
        {
            "schedulers": [
                {"scheduler": "ConstantLR", "params": {"factor": 0.1, "total_iters": 4}},
                {"scheduler": "ExponentialLR", "params": {"gamma": 0.9}},
            ]
        },
        lambda o: L.ChainedScheduler([L.ConstantLR(o, 0.1, 4), L.ExponentialLR(o, 0.9)], optimizer=o),
        "SGD",
        {},
    ),
    "ReduceLROnPlateau": (
        {"patience": 2, "factor": 0.5},
        lambda o: L.ReduceLROnPlateau(o, patience=2, factor=0.5),
        "SGD",
        {},
    ),
    "CyclicLR": (
        {"base_lr": [0.01, 0.003], "max_lr": [0.1, 0.03], "step_size_up": 4, "mode": "triangular2"},
        lambda o: L.CyclicLR(o, [0.01, 0.003], [0.1, 0.03], step_size_up=4, mode="triangular2"),
        "SGD",
        {"momentum": 0.9},
    ),
    "CosineAnnealingWarmRestarts": (
        {"T_0": 6, "T_mult": 2, "eta_min": 1e-4},
        lambda o: L.CosineAnnealingWarmRestarts(o, 6, 2, 1e-4),
        "SGD",
        {},
    ),
    "OneCycleLR": (
        {"max_lr": [1.0, 0.3], "total_steps": STEPS, "three_phase": True},
        lambda o: L.OneCycleLR(o, [1.0, 0.3], total_steps=STEPS, three_phase=True),
        "SGD",
        {"momentum": 0.9},
    ),
}

# A plateauing loss for ReduceLROnPlateau, the same list fed to both loops.
PLATEAU_METRIC = [1.0 / (1 + i) if i < 10 else 0.1 for i in range(STEPS)]


def direct_torch(name: str, opt_name: str, opt_kwargs: dict):
    """The reference: a plain torch training loop over real parameters with gradients."""
    torch.manual_seed(0)
    net = nn.ModuleList([nn.Linear(3, 2), nn.Linear(2, 1)])
    groups = [{"params": net[0].parameters(), "lr": GROUP_LRS[0]}, {"params": net[1].parameters(), "lr": GROUP_LRS[1]}]
    optimizer = getattr(torch.optim, opt_name)(groups, **opt_kwargs)
    scheduler = CASES[name][1](optimizer)
    lrs, moms = [], []
    x = torch.randn(4, 3)
    for i in range(STEPS):
        lrs.append([g["lr"] for g in optimizer.param_groups])
        moms.append([g["momentum"] if "momentum" in g else g["betas"][0] for g in optimizer.param_groups])
        optimizer.zero_grad()
        net[1](net[0](x)).pow(2).mean().backward()
        optimizer.step()
        if name == "ReduceLROnPlateau":
            scheduler.step(PLATEAU_METRIC[i])
        else:
            scheduler.step()
    return lrs, moms


def lrviz_config(name: str) -> dict:
    params, _, opt_name, opt_kwargs = CASES[name]
    cfg = {
        "steps": STEPS,
        "optimizer": {
            "name": opt_name,
            **opt_kwargs,
            "param_groups": [{"name": "a", "lr": GROUP_LRS[0]}, {"name": "b", "lr": GROUP_LRS[1]}],
        },
        "scheduler": name,
        "params": params,
    }
    if name == "ReduceLROnPlateau":
        cfg["metric"] = PLATEAU_METRIC
    return cfg


def test_every_installed_scheduler_has_a_case():
    assert set(torch_schedulers()) == set(CASES), "a torch scheduler class without a parity case"


@pytest.mark.parametrize("name", sorted(CASES))
def test_trajectory_equals_direct_torch_loop(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected_lr, expected_mom = direct_torch(name, CASES[name][2], CASES[name][3])
    traj = simulate(load_config(lrviz_config(name))).trajectories[0]
    assert traj.groups == ["a", "b"]
    got_lr = traj.lr.tolist()
    assert got_lr == expected_lr  # bit for bit: float == float
    assert traj.momentum is not None
    assert traj.momentum.tolist() == expected_mom
    # the schedules really move (a parity test on a flat line would prove little)
    assert len({row[0] for row in got_lr}) > 1


def test_momentum_cycles_with_onecycle():
    traj = simulate(load_config(lrviz_config("OneCycleLR"))).trajectories[0]
    m = traj.momentum[:, 0]
    assert math.isclose(m.max(), 0.95) and math.isclose(m.min(), 0.85)
    assert traj.momentum_varies()


def test_correct_schedule_raises_no_order_warning():
    traj = simulate(load_config(lrviz_config("StepLR"))).trajectories[0]
    assert not any("before `optimizer.step()`" in w for w in traj.warnings), traj.warnings


def test_each_schedule_gets_a_fresh_optimizer():
    """Two identical schedules in one config must give identical trajectories."""
    cfg = load_config(
        {
            "steps": 20,
            "schedules": [
                {"scheduler": "ExponentialLR", "params": {"gamma": 0.8}},
                {"scheduler": "ExponentialLR", "params": {"gamma": 0.8}},
            ],
        }
    )
    a, b = simulate(cfg).trajectories
    assert a.lr.tolist() == b.lr.tolist()
    assert (a.label, b.label) == ("ExponentialLR", "ExponentialLR (2)")


def test_interval_epoch_steps_once_per_epoch():
    cfg = load_config(
        {
            "epochs": 4,
            "steps_per_epoch": 5,
            "optimizer": {"name": "SGD", "lr": 1.0},
            "scheduler": "StepLR",
            "params": {"step_size": 1, "gamma": 0.5},
            "interval": "epoch",
        }
    )
    lr = simulate(cfg).trajectories[0].lr[:, 0].tolist()
    # independent closed form: epoch e = i // 5 uses 0.5 ** e
    assert lr == [0.5 ** (i // 5) for i in range(20)]


def test_default_optimizer_is_sgd_momentum():
    cfg = load_config({"steps": 3, "scheduler": "ConstantLR", "params": {}})
    traj = simulate(cfg).trajectories[0]
    assert traj.lr[0, 0] == 0.1 / 3  # ConstantLR default factor 1/3 on SGD(lr=0.1)
    assert traj.momentum[0, 0] == 0.9


def test_optimizer_without_momentum_records_none():
    cfg = load_config(
        {
            "steps": 3,
            "optimizer": {"name": "Adagrad", "lr": 0.1},
            "scheduler": "ExponentialLR",
            "params": {"gamma": 0.5},
        }
    )
    traj = simulate(cfg).trajectories[0]
    assert traj.momentum is None
    assert traj.lr[:, 0].tolist() == [0.1, 0.05, 0.025]


def test_unwritten_optimizer_keywords_take_torch_defaults():
    cfg = load_config({"steps": 2, "optimizer": {"name": "SGD"}, "scheduler": "StepLR", "params": {"step_size": 1}})
    traj = simulate(cfg).trajectories[0]
    default_lr = torch.optim.SGD([torch.zeros(1, requires_grad=True)]).defaults["lr"]
    assert traj.lr[0, 0] == default_lr


def test_lbfgs_and_muon_optimizers_can_be_simulated():
    for name in ("LBFGS", "Muon", "Adafactor"):
        cfg = load_config(
            {
                "steps": 3,
                "optimizer": {"name": name, "lr": 0.01},
                "scheduler": "ExponentialLR",
                "params": {"gamma": 0.5},
            }
        )
        assert simulate(cfg).trajectories[0].lr[:, 0].tolist() == [0.01, 0.005, 0.0025]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device (none on this machine)")
def test_cuda_matches_cpu():
    cfg = lrviz_config("OneCycleLR")
    cpu = simulate(load_config(cfg)).trajectories[0]
    gpu = simulate(load_config({**cfg, "device": "cuda"})).trajectories[0]
    assert cpu.lr.tolist() == gpu.lr.tolist()
    assert cpu.momentum.tolist() == gpu.momentum.tolist()


@pytest.mark.parametrize("where", [None, 0, 1, 65_535, 65_536, 200_000 - 1])
def test_momentum_varies_wherever_it_moves(where):
    """Read in blocks with an early stop; the answer is the whole array's (`any(m != m[0])`), for a move
    in the first step, at a block's edge, in the last step, in the second group only, or nowhere."""
    from lrviz.simulate import VARIES_BLOCK, Trajectory

    assert VARIES_BLOCK == 65_536  # the edges tried above
    m = np.full((200_000, 2), 0.9)
    if where is not None:
        m[where, 1] = 0.85
    t = Trajectory(label="t", scheduler="x", groups=["a", "b"], lr=np.ones((200_000, 2)), momentum=m)
    assert t.momentum_varies() == bool(np.any(m != m[0])) == (where is not None)
