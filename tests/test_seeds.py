"""The values printed in the seed articles come back exactly.

The numbers are data (tests/data/seeds.json, read through tests/seed_data.py), so these
tests run wherever the repository is. The articles themselves live beside the
repository (../shared/seeds); where they are present, the last test checks every
entry of the data against its article, and where they are absent it skips, saying so.
"""

from __future__ import annotations

import pytest

from lrviz.simulate import simulate
from lrviz.validate import load_config
from tests.seed_data import ARTICLES, ENTRIES, SEEDS, extract, seed

STEPLR_ON_ADAM = {
    "optimizer": {"name": "Adam", "lr": 0.1},
    "scheduler": "StepLR",
    "params": {"step_size": 1, "gamma": 0.1},
}


def test_seed_001_steplr_on_adam():
    """StepLR(step_size=1, gamma=0.1) on Adam(lr=0.1): the article prints `epoch [lr]` for 10 epochs."""
    printed = seed("001/get_last_lr")
    assert len(printed) == 10
    cfg = load_config({"steps": 10, **STEPLR_ON_ADAM})
    assert simulate(cfg).trajectories[0].lr[:, 0].tolist() == printed


def test_seed_001_state_dict_last_lr():
    """The same run's state_dict()['_last_lr'] column, printed in section 2.2.2."""
    printed = seed("001/state_dict_last_lr")
    assert len(printed) == 10
    cfg = load_config({"steps": 10, **STEPLR_ON_ADAM})
    assert simulate(cfg).trajectories[0].lr[:, 0].tolist() == printed


def test_seed_001_param_groups_lr():
    """Section 3.2 prints the param groups' lr itself: what the optimizer uses, and what lrviz records."""
    printed = seed("001/param_groups_lr")
    assert len(printed) == 3
    cfg = load_config({"steps": 3, **STEPLR_ON_ADAM})
    assert simulate(cfg).trajectories[0].lr[:, 0].tolist() == printed


def test_seed_002_manual_decay_two_groups():
    """0.1 ** (epoch // 2) on param groups of lr 10 and 5, printed as `linear1: epoch lr` lines."""
    g1, g2 = seed("002/linear1"), seed("002/linear2")
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
    printed = seed("002/one_group")
    assert len(printed) == 10
    cfg = load_config(
        {
            "steps": 10,
            "optimizer": {"name": "SGD", "lr": 10},
            "scheduler": "LambdaLR",
            "params": {"lr_lambda": "0.1 ** (epoch // 2)"},
        }
    )
    assert simulate(cfg).trajectories[0].lr[:, 0].tolist() == printed


def test_seed_data_is_well_formed():
    """Every entry names an article and a place in it, and holds numbers."""
    assert len(ENTRIES) == 20, sorted(ENTRIES)
    for key, entry in ENTRIES.items():
        assert key.split("/")[0] == entry["article"] and entry["article"] in ARTICLES, key
        assert entry["where"] and entry["setup"], key
        assert {"after", "before", "pattern"} <= set(entry["extract"]), key
        values = entry["values"]
        assert values and isinstance(values, (list, dict)), key
        numbers = values if isinstance(values, list) else [v for v in values.values() if not isinstance(v, list)]
        assert all(isinstance(v, (int, float)) for v in numbers), key


def test_seed_data_matches_the_articles():
    """The data says what the articles say: each entry, extracted again from its article."""
    if not SEEDS.is_dir():
        pytest.skip(
            f"the seed articles are not beside the repository ({SEEDS} is absent), "
            "so tests/data/seeds.json is used without being checked against them"
        )
    wrong, checked = [], 0
    for key, entry in ENTRIES.items():
        path = SEEDS / ARTICLES[entry["article"]]["file"]
        assert path.is_file(), f"{key}: {path} is missing, though {SEEDS} exists"
        found = extract(path.read_text(encoding="utf-8"), entry["extract"])
        if found != entry["values"]:
            wrong.append(f"{key} ({entry['where']}): the article says {found}, the data {entry['values']}")
        checked += 1
    assert checked == len(ENTRIES) == 20
    assert not wrong, "\n".join(wrong)
