"""The values printed in the seed articles come back exactly (../shared/seeds)."""

from __future__ import annotations

import re

import pytest

from lrviz.simulate import simulate
from lrviz.validate import load_config
from tests.conftest import SEEDS


def _seed(prefix: str) -> str:
    files = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    if not files:
        pytest.skip(f"seed article {prefix} not found under {SEEDS}")
    return files[0].read_text(encoding="utf-8")


def test_seed_001_steplr_on_adam():
    """StepLR(step_size=1, gamma=0.1) on Adam(lr=0.1): the article prints `epoch [lr]` for 10 epochs."""
    text = _seed("001")
    block = text[text.index("代码输出") : text.index("2.2.2")]
    printed = [float(v) for v in re.findall(r"^\d+ \[([0-9.e-]+)\]$", block, flags=re.M)]
    assert len(printed) == 10
    cfg = load_config(
        {
            "steps": 10,
            "optimizer": {"name": "Adam", "lr": 0.1},
            "scheduler": "StepLR",
            "params": {"step_size": 1, "gamma": 0.1},
        }
    )
    assert simulate(cfg).trajectories[0].lr[:, 0].tolist() == printed


def test_seed_001_state_dict_last_lr():
    """The same run's state_dict()['_last_lr'] column, printed in section 2.2.2."""
    text = _seed("001")
    block = text[text.index("2.2.2") : text.index("输出详解")]
    printed = [float(v) for v in re.findall(r"'_last_lr': \[([0-9.e-]+)\]", block)]
    cfg = load_config(
        {
            "steps": 10,
            "optimizer": {"name": "Adam", "lr": 0.1},
            "scheduler": "StepLR",
            "params": {"step_size": 1, "gamma": 0.1},
        }
    )
    assert simulate(cfg).trajectories[0].lr[:, 0].tolist() == printed


def test_seed_002_manual_decay_two_groups():
    """0.1 ** (epoch // 2) on param groups of lr 10 and 5, printed as `linear1: epoch lr` lines."""
    text = _seed("002")
    g1 = [float(v) for v in re.findall(r"^linear1: \d+ ([0-9.e-]+)$", text, flags=re.M)]
    g2 = [float(v) for v in re.findall(r"^linear2: \d+ ([0-9.e-]+)$", text, flags=re.M)]
    assert len(g1) == len(g2) == 10
    cfg = load_config(
        {
            "steps": 10,
            "optimizer": {
                "name": "SGD",
                "lr": 10,
                "param_groups": [{"name": "linear1", "lr": 10}, {"name": "linear2", "lr": 5}],
            },
            "scheduler": "LambdaLR",
            "params": {"lr_lambda": "0.1 ** (epoch // 2)"},
        }
    )
    traj = simulate(cfg).trajectories[0]
    assert traj.groups == ["linear1", "linear2"]
    assert traj.lr[:, 0].tolist() == g1
    assert traj.lr[:, 1].tolist() == g2


def test_seed_002_single_group_print():
    """The first example of 002: one group of lr 10, `epoch lr` lines inside the ''' block."""
    text = _seed("002")
    first = text[text.index("'''") : text.index("'''", text.index("'''") + 3)]
    printed = [float(v) for v in re.findall(r"^\d+ ([0-9.e-]+)$", first, flags=re.M)]
    cfg = load_config(
        {
            "steps": 10,
            "optimizer": {"name": "SGD", "lr": 10},
            "scheduler": "LambdaLR",
            "params": {"lr_lambda": "0.1 ** (epoch // 2)"},
        }
    )
    assert simulate(cfg).trajectories[0].lr[:, 0].tolist() == printed
