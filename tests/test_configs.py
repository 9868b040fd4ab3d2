"""The example configs in configs/: they load, simulate, say what they are, cover every
torch scheduler class, and show what their comments and the seed articles say.

Expected values come from the seed articles' printouts or from closed forms written
here, never from lrviz's own output.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import yaml

from lrviz.registry.torch_classes import torch_schedulers
from lrviz.simulate import simulate
from lrviz.validate import load_config

REPO = Path(__file__).resolve().parent.parent
CONFIGS = REPO / "configs"
ALL = sorted(p for p in CONFIGS.rglob("*") if p.suffix in (".yaml", ".yml"))
IDS = [p.relative_to(CONFIGS).as_posix() for p in ALL]


def run(rel: str):
    """Simulate a config of configs/ (trusted: it is this repository's own code)."""
    return simulate(load_config(CONFIGS / rel, trust=True), jobs=1)


def lr(rel: str, schedule: int = 0, group: int = 0) -> np.ndarray:
    return run(rel).trajectories[schedule].lr[:, group]


def scheduler_names(spec) -> set[str]:
    """Every scheduler a (possibly nested) schedule spec uses."""
    found = set()
    if isinstance(spec, dict):
        if isinstance(spec.get("scheduler"), str):
            found.add(spec["scheduler"])
        for value in spec.values():
            found |= scheduler_names(value)
    elif isinstance(spec, list):
        for value in spec:
            found |= scheduler_names(value)
    return found


def test_there_are_configs():
    assert len(ALL) >= 24, IDS


@pytest.mark.parametrize("path", ALL, ids=IDS)
def test_config_loads_simulates_and_describes_itself(path):
    text = path.read_text(encoding="utf-8")
    assert text.lstrip().startswith("#"), "a config starts with comments saying what it is for"
    assert "What to notice" in text or "what to notice" in text.lower()
    cfg = load_config(path, trust=True)
    assert cfg.title and cfg.title.strip()
    assert cfg.description and "\n" not in cfg.description.strip() and len(cfg.description) <= 140
    result = simulate(cfg, jobs=1)
    assert len(result.trajectories) == len(cfg.schedules)
    for t in result.trajectories:
        assert t.lr.shape == (cfg.steps, len(cfg.optimizer.param_groups))
        assert np.all(np.isfinite(t.lr)) and np.all(t.lr >= 0)
        assert t.warnings == [], t.warnings


def test_every_torch_scheduler_class_has_a_config():
    used: set[str] = set()
    for path in ALL:
        used |= scheduler_names(yaml.safe_load(path.read_text()))
    missing = sorted(set(torch_schedulers()) - used)
    assert not missing, f"no config in configs/ uses {missing}"
    assert len(torch_schedulers()) >= 15


def test_each_torch_class_has_its_own_config_file():
    """configs/torch/<class>.yaml exists for every class: the gallery's one-per-class promise."""
    names = {p.stem for p in (CONFIGS / "torch").glob("*.yaml")}
    assert {n.lower() for n in torch_schedulers()} <= names


# --------------------------------------------------------------------------- seed 000


def test_cheat_sheet_is_a_grid_of_the_per_class_configs():
    """Every panel of the cheat sheet is, parameter for parameter, a schedule of a
    configs/torch/ file, so the two never drift apart."""
    sheet = yaml.safe_load((CONFIGS / "seeds" / "000-cheatsheet.yaml").read_text())
    assert sheet["plot"]["layout"] == "grid"
    per_class = []
    for path in (CONFIGS / "torch").glob("*.yaml"):
        data = yaml.safe_load(path.read_text())
        schedules = data.get("schedules") or [{"scheduler": data["scheduler"], "params": data.get("params", {})}]
        per_class += [(s["scheduler"], s.get("params", {})) for s in schedules]
        if path.stem != "reducelronplateau":  # the article's setting: lr 1e-3, 4 epochs x 8 steps
            assert (data["epochs"], data["steps_per_epoch"], data["optimizer"]["lr"]) == (4, 8, 1e-3), path.name
    for s in sheet["schedules"]:
        assert (s["scheduler"], s["params"]) in per_class, s["label"]
    assert len(sheet["schedules"]) == 14
    assert {s["scheduler"] for s in sheet["schedules"]} == {
        "StepLR",
        "MultiStepLR",
        "ConstantLR",
        "LinearLR",
        "ExponentialLR",
        "PolynomialLR",
        "CosineAnnealingLR",
        "CosineAnnealingWarmRestarts",
        "CyclicLR",
        "OneCycleLR",
    }


def test_000_steplr_closed_form():
    got = lr("torch/steplr.yaml")
    assert list(got) == [1e-3 * 0.5 ** (k // 4) for k in range(32)]


def test_000_multisteplr_closed_form():
    want = [1e-3 * 0.5 ** sum(k >= m for m in (8, 24, 28)) for k in range(32)]
    np.testing.assert_allclose(lr("torch/multisteplr.yaml"), want, rtol=1e-12)


def test_000_polynomial_reaches_zero_at_step_8_and_stays():
    for i, power in enumerate((1, 2)):
        got = lr("torch/polynomiallr.yaml", schedule=i)
        want = [1e-3 * (1 - min(k, 8) / 8) ** power for k in range(32)]
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-18)


def test_000_cosine_closed_form():
    want = [1e-4 + (1e-3 - 1e-4) * (1 + math.cos(math.pi * k / 32)) / 2 for k in range(32)]
    np.testing.assert_allclose(lr("torch/cosineannealinglr.yaml"), want, rtol=1e-10)


def test_000_warm_restarts_every_8_steps():
    want = [1e-4 + (1e-3 - 1e-4) * (1 + math.cos(math.pi * (k % 8) / 8)) / 2 for k in range(32)]
    np.testing.assert_allclose(lr("torch/cosineannealingwarmrestarts.yaml"), want, rtol=1e-10)


def test_000_cyclic_triangular_closed_form():
    """Smith's triangular policy: base + (max - base) * max(0, 1 - |k / 4 - 2c - 1|), c = cycle."""
    want = []
    for k in range(32):
        cycle = math.floor(1 + k / 8)
        x = abs(k / 4 - 2 * cycle + 1)
        want.append(1e-4 + (1e-3 - 1e-4) * max(0.0, 1 - x))
    np.testing.assert_allclose(lr("torch/cycliclr.yaml", schedule=0), want, rtol=1e-10)


def test_000_onecycle_peaks_at_max_lr_and_ends_near_zero():
    for i in range(2):
        got = lr("torch/onecyclelr.yaml", schedule=i)
        assert got[0] == pytest.approx(1e-3 / 25)
        assert got.max() <= 1e-3 * (1 + 1e-12)
        assert got[-1] == pytest.approx(1e-3 / 25 / 1e4)


# --------------------------------------------------------------------------- seeds 001-004


def test_001_steplr_docs_example():
    """The seed article's (and torch's docs') table: 0.05 below 30, 0.005 below 60, 0.0005 below 90."""
    got = lr("seeds/001-steplr-100-epochs.yaml")
    assert len(got) == 100
    assert set(got[:30]) == {0.05}
    np.testing.assert_allclose(got[30:60], 0.005, rtol=1e-12)
    np.testing.assert_allclose(got[60:90], 0.0005, rtol=1e-12)
    np.testing.assert_allclose(got[90:], 0.00005, rtol=1e-12)


# The printout of seed article 002, verbatim.
SEED_002_LINEAR1 = [
    10.0,
    10.0,
    1.0,
    1.0,
    0.10000000000000002,
    0.10000000000000002,
    0.010000000000000002,
    0.010000000000000002,
    0.0010000000000000002,
    0.0010000000000000002,
]
SEED_002_LINEAR2 = [
    5.0,
    5.0,
    0.5,
    0.5,
    0.05000000000000001,
    0.05000000000000001,
    0.005000000000000001,
    0.005000000000000001,
    0.0005000000000000001,
    0.0005000000000000001,
]


def test_002_manual_decay_on_two_groups_matches_the_article_exactly():
    traj = run("seeds/002-manual-decay-two-groups.yaml").trajectories[0]
    assert traj.groups == ["linear1", "linear2"]
    assert list(traj.lr[:, 0]) == SEED_002_LINEAR1
    assert list(traj.lr[:, 1]) == SEED_002_LINEAR2


def test_003_plateau_cuts_the_lr_tenfold_once_the_loss_stops_improving():
    got = lr("seeds/003-reducelronplateau.yaml")
    assert len(got) == 25 and got[0] == 0.1
    drops = [k for k in range(1, 25) if got[k] < got[k - 1]]
    assert drops, "the synthetic loss must plateau within 25 epochs"
    assert all(got[k] == pytest.approx(got[k - 1] * 0.1) for k in drops)
    assert drops[0] > 5  # patience 5: never before 6 epochs of history


def test_004_warmup_then_restarts_at_110_and_310():
    got = lr("seeds/004-warmup-cosine-restarts.yaml")
    np.testing.assert_allclose(got[:11], [1e-3 * (0.1 + 0.9 * k / 10) for k in range(11)], rtol=1e-10)
    for start, period in ((10, 100), (110, 200), (310, 400)):
        for k in range(start, min(start + period, 400)):
            t = (k - start) / period
            assert got[k] == pytest.approx(1e-5 + (1e-3 - 1e-5) * (1 + math.cos(math.pi * t)) / 2, rel=1e-9), k


# --------------------------------------------------------------------------- comparisons


def test_onecycle_per_epoch_never_leaves_warmup():
    """Per-epoch stepping runs 10 of the 200 planned steps, the 10th after the last batch: the
    lr the batches see climbs only 9 steps of the cosine warmup (annealing from max_lr/25
    to max_lr over 0.3 * 200 - 1 steps, as in Smith's 1cycle and torch's docs)."""
    result = run("compare/onecycle-step-vs-epoch.yaml")
    per_batch, per_epoch = (t.lr[:, 0] for t in result.trajectories)
    assert per_batch.max() == pytest.approx(0.1)
    start, peak, phase = 0.1 / 25, 0.1, 0.3 * 200 - 1
    want_last = peak + (start - peak) / 2 * (1 + math.cos(math.pi * 9 / phase))
    assert per_epoch.max() == pytest.approx(want_last, rel=1e-9)
    assert per_epoch.max() < per_batch.max() / 10
    assert np.all(np.diff(per_epoch) >= 0)  # never anneals


def test_warmup_lengths_peak_at_the_end_of_warmup_and_end_at_zero():
    result = run("compare/warmup-lengths.yaml")
    for t, warmup in zip(result.trajectories, (5, 10, 20), strict=True):
        got = t.lr[:, 0]
        assert int(np.argmax(got)) == warmup and got[warmup] == pytest.approx(1e-3)
        assert got[0] == pytest.approx(1e-5)
        assert got[-1] < 1e-6


def test_equal_budget_decays_end_where_the_comment_says():
    ends = {t.label: t.lr[-1, 0] for t in run("compare/decay-equal-budget.yaml").trajectories}
    assert ends["step (30, 0.1)"] == pytest.approx(1e-4)
    assert ends["multistep ([50, 75], 0.1)"] == pytest.approx(1e-3)
    assert ends["exponential (0.955)"] == pytest.approx(0.1 * 0.955**99)
    assert ends["cosine (T_max=100)"] == pytest.approx(0.05 * (1 + math.cos(math.pi * 99 / 100)))


def test_backbone_and_head_keep_their_ratio():
    for t in run("compare/param-groups-backbone-head.yaml").trajectories:
        assert t.groups == ["backbone", "head"]
        np.testing.assert_allclose(t.lr[:, 1], 10 * t.lr[:, 0], rtol=1e-9)
