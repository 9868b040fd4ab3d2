"""Image tests: each layout and option that changes the picture, against a stored baseline.

The baselines under tests/baseline/ were rendered by lrviz itself and looked at by a
person before being committed. Regenerate them (after a deliberate change of look,
or a new matplotlib / freetype) with:

    LRVIZ_UPDATE_BASELINES=1 pytest tests/test_plot_images.py

and look at every changed PNG before committing it. Regeneration refuses to run under
CI (the ``CI`` environment variable): a baseline is an image a person has looked at, so
CI only ever compares with it, and a regenerating run reports each rewritten baseline
as a skip rather than a pass. Images are compared with
matplotlib.testing.compare.compare_images (RMS tolerance below), so a different
freetype build shifting anti-aliasing slightly does not fail the test, while a lost
line, panel, legend or tick does. The style fixes the font (DejaVu Sans, shipped with
matplotlib), sizes and DPI.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from matplotlib.testing.compare import compare_images

from lrviz.render.plot import PlotOptions, figure_for, render_bytes
from lrviz.simulate import simulate
from lrviz.validate import apply_sweeps, load_config
from tests.optional import in_ci

BASELINE = Path(__file__).resolve().parent / "baseline"
UPDATE = os.environ.get("LRVIZ_UPDATE_BASELINES") == "1"
TOL = 2.0  # RMS over 0-255 pixel values
DPI = 100

SGD = {"name": "SGD", "lr": 0.1, "momentum": 0.9}
WARMUP_COSINE = {
    "label": "warmup + cosine",
    "scheduler": "SequentialLR",
    "params": {
        "schedulers": [
            {"scheduler": "LinearLR", "params": {"start_factor": 0.01, "total_iters": 100}},
            {"scheduler": "CosineAnnealingLR", "params": {"T_max": 900}},
        ],
        "milestones": [100],
    },
}

CASES: dict[str, tuple[dict, PlotOptions]] = {
    # every schedule on one axes, long run: lines only, Okabe-Ito colours, legend
    "overlay": (
        {
            "title": "Decay choices at equal budget",
            "steps": 1000,
            "optimizer": SGD,
            "schedules": [
                {"label": "step", "scheduler": "StepLR", "params": {"step_size": 300, "gamma": 0.3}},
                {"label": "exponential", "scheduler": "ExponentialLR", "params": {"gamma": 0.997}},
                {"label": "cosine", "scheduler": "CosineAnnealingLR", "params": {"T_max": 1000}},
                WARMUP_COSINE,
            ],
        },
        PlotOptions(size=(7, 4.2), dpi=DPI),
    ),
    # the cheat sheet: one titled panel per schedule, shared axes
    "grid": (
        {
            "title": "Cheat sheet",
            "steps": 1000,
            "optimizer": {"name": "SGD", "lr": 0.1},
            "schedules": [
                {"scheduler": "StepLR", "params": {"step_size": 250, "gamma": 0.5}},
                {"scheduler": "MultiStepLR", "params": {"milestones": [300, 700, 900], "gamma": 0.5}},
                {"scheduler": "CosineAnnealingWarmRestarts", "params": {"T_0": 250}},
                {
                    "scheduler": "CyclicLR",
                    "params": {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 100, "cycle_momentum": False},
                },
                {"scheduler": "PolynomialLR", "params": {"total_iters": 800, "power": 2}},
            ],
        },
        PlotOptions(layout="grid", dpi=DPI),
    ),
    # log y: exponential decay over four decades is a straight line
    "logy": (
        {
            "title": "Log scale",
            "steps": 1000,
            "optimizer": {"name": "SGD", "lr": 0.1},
            "schedules": [
                {"label": "exponential", "scheduler": "ExponentialLR", "params": {"gamma": 0.991}},
                {"label": "step", "scheduler": "StepLR", "params": {"step_size": 250, "gamma": 0.1}},
            ],
        },
        PlotOptions(yscale="log", size=(7, 4.2), dpi=DPI),
    ),
    # x in epochs: a major tick per epoch; OneCycleLR stepped per batch vs per epoch
    "epoch": (
        {
            "title": "OneCycleLR: per step vs per epoch",
            "epochs": 10,
            "steps_per_epoch": 50,
            "optimizer": {"name": "SGD", "lr": 0.1},
            "schedules": [
                {
                    "label": "per step",
                    "scheduler": "OneCycleLR",
                    "params": {"max_lr": 0.1, "total_steps": 500, "cycle_momentum": False},
                },
                {
                    "label": "per epoch",
                    "interval": "epoch",
                    "scheduler": "OneCycleLR",
                    "params": {"max_lr": 0.1, "total_steps": 10, "cycle_momentum": False},
                },
            ],
        },
        PlotOptions(x="epoch", size=(7, 4.2), dpi=DPI),
    ),
    # momentum / beta1 panel below, sharing x, when a schedule moves it
    "momentum": (
        {
            "title": "Cyclical momentum",
            "steps": 1000,
            "optimizer": SGD,
            "schedules": [
                {"scheduler": "OneCycleLR", "params": {"max_lr": 0.1, "total_steps": 1000}},
                {"scheduler": "CyclicLR", "params": {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 125}},
            ],
        },
        PlotOptions(size=(7, 5.2), dpi=DPI),
    ),
    # several param groups: a line style per group, legend "label · group"
    "groups": (
        {
            "title": "Backbone and head",
            "steps": 600,
            "optimizer": {
                "name": "SGD",
                "lr": 0.1,
                "param_groups": [{"name": "backbone", "lr": 0.01}, {"name": "head", "lr": 0.1}],
            },
            "schedules": [
                {"label": "step", "scheduler": "StepLR", "params": {"step_size": 200, "gamma": 0.3}},
                {"label": "cosine", "scheduler": "CosineAnnealingLR", "params": {"T_max": 600}},
            ],
        },
        PlotOptions(size=(7, 4.2), dpi=DPI),
    ),
    # short run (32 steps, as in the cheat sheet configs): markers on every point
    "short": (
        {
            "title": "32 steps, 4 epochs of 8",
            "steps": 32,
            "steps_per_epoch": 8,
            "optimizer": {"name": "SGD", "lr": 1e-3},
            "schedules": [
                {"scheduler": "StepLR", "params": {"step_size": 4, "gamma": 0.5}},
                {"scheduler": "LinearLR", "params": {"start_factor": 0.5, "total_iters": 8}},
                {"scheduler": "CosineAnnealingWarmRestarts", "params": {"T_0": 8, "eta_min": 1e-4}},
            ],
        },
        PlotOptions(size=(7, 4.2), dpi=DPI),
    ),
}


THREE = {
    "title": "Decay choices",
    "steps": 100,
    "optimizer": SGD,
    "schedules": [
        {"label": "step (30, 0.1)", "scheduler": "StepLR", "params": {"step_size": 30, "gamma": 0.1}},
        {
            "label": "multistep ([50, 75], 0.1)",
            "scheduler": "MultiStepLR",
            "params": {"milestones": [50, 75], "gamma": 0.1},
        },
        {"label": "cosine", "scheduler": "CosineAnnealingLR", "params": {"T_max": 100}},
    ],
}
WARMUPS = {
    "title": "Warmup length, 5 vs 10 vs 20 steps, then cosine",
    "steps": 100,
    "optimizer": {"name": "AdamW", "lr": 0.001},
    "schedules": [
        {
            "label": f"warmup {w}",
            "scheduler": "SequentialLR",
            "params": {
                "milestones": [w],
                "schedulers": [
                    {"scheduler": "LinearLR", "params": {"start_factor": 0.01, "total_iters": w}},
                    {"scheduler": "CosineAnnealingLR", "params": {"T_max": 100 - w}},
                ],
            },
        }
        for w in (5, 10, 20)
    ],
}
PLATEAU = {
    "title": "ReduceLROnPlateau(patience=5) on a synthetic validation loss",
    "epochs": 25,
    "optimizer": {"name": "SGD", "lr": 0.1},
    "scheduler": "ReduceLROnPlateau",
    "params": {"mode": "min", "patience": 5},
    "metric": {"expr": "0.3 + 0.7 * exp(-step / 2.5) + 0.002 * step", "noise": 0.002, "seed": 0},
}
WEIGHT_DECAY = {
    "title": "Weight decay that rises while the lr anneals",
    "steps": 1000,
    "optimizer": {"name": "AdamW", "lr": 0.0005, "weight_decay": 0.04},
    "label": "warmup + cosine, wd 0.04 -> 0.4",
    "scheduler": str(Path(__file__).resolve().parent.parent / "configs" / "custom" / "weight_decay_schedule.py")
    + ":WarmupCosineWithWeightDecay",
    "params": {"warmup_steps": 100, "total_steps": 1000, "wd_start": 0.04, "wd_end": 0.4},
}
PARTIAL = {
    "title": "One OneCycleLR with total_steps too small",
    "steps": 100,
    "optimizer": SGD,
    "schedules": [
        {"label": "step", "scheduler": "StepLR", "params": {"step_size": 30, "gamma": 0.1}},
        {"label": "onecycle, total_steps 60", "scheduler": "OneCycleLR", "params": {"max_lr": 0.1, "total_steps": 60}},
        {"label": "cosine", "scheduler": "CosineAnnealingLR", "params": {"T_max": 100}},
    ],
}
LLM = {
    "title": "Pretraining schedules in tokens",
    "steps": 20000,
    "tokens_per_step": 524288,
    "optimizer": {"name": "AdamW", "lr": 0.0006},
    "schedules": [
        {
            "label": "warmup + cosine",
            "scheduler": "SequentialLR",
            "params": {
                "milestones": [2000],
                "schedulers": [
                    {"scheduler": "LinearLR", "params": {"start_factor": 0.001, "total_iters": 2000}},
                    {"scheduler": "CosineAnnealingLR", "params": {"T_max": 18000}},
                ],
            },
        },
        {
            "label": "warmup-stable-decay",
            "scheduler": "warmup_stable_decay",
            "params": {"num_warmup_steps": 2000, "num_decay_steps": 4000},
        },
    ],
}
STEPLR = {
    "title": "StepLR(step_size=4, gamma=0.5)",
    "steps": 32,
    "scheduler": "StepLR",
    "params": {"step_size": 4, "gamma": 0.5},
}

#: Each new panel and control (issues 16 and 19): (config, options, how it is simulated).
NEW: dict[str, tuple[dict, PlotOptions, str]] = {
    "metric": (PLATEAU, PlotOptions(size=(7, 5.2), dpi=DPI), ""),
    "weight_decay": (WEIGHT_DECAY, PlotOptions(size=(7, 6), dpi=DPI, effective_decay=True), "trust"),
    "line": (CASES["short"][0], PlotOptions(size=(7, 4.2), dpi=DPI, drawstyle="line"), ""),
    "partial": (PARTIAL, PlotOptions(size=(7, 5.2), dpi=DPI), "partial"),
    "annotate": (THREE, PlotOptions(size=(7, 4.2), dpi=DPI, annotate=True), ""),
    "tokens": (LLM, PlotOptions(size=(7, 4.2), dpi=DPI, x="tokens", tokens_per_step=524288, yscale="log"), ""),
    "paper_one_column": (WARMUPS, PlotOptions(size=(3.5, 2.5), dpi=200, style="paper", yscale="log", x="epoch"), ""),
    "xlim": (CASES["overlay"][0], PlotOptions(size=(7, 4.2), dpi=DPI, xlim=(0, 150)), ""),
    "ylim": (THREE, PlotOptions(size=(7, 4.2), dpi=DPI, yscale="log", ylim=(1e-4, 0.2)), ""),
    "legend_below": (THREE, PlotOptions(size=(7, 4.2), dpi=DPI, legend="below"), ""),
    "legend_right": (THREE, PlotOptions(size=(7, 4.2), dpi=DPI, legend="right"), ""),
    "legend_best": (THREE, PlotOptions(size=(7, 4.2), dpi=DPI, legend="best"), ""),
    "legend_none": (THREE, PlotOptions(size=(7, 4.2), dpi=DPI, legend="none"), ""),
    "momentum_on": (THREE, PlotOptions(size=(7, 5.2), dpi=DPI, momentum="on"), ""),
    "momentum_off": (CASES["momentum"][0], PlotOptions(size=(7, 4.2), dpi=DPI, momentum="off"), ""),
    "sweep": (STEPLR, PlotOptions(size=(7, 4.2), dpi=DPI), "params.gamma=0.1,0.5|params.step_size=10,20"),
}


def simulated_case(data: dict, how: str):
    if how == "partial":
        return simulate(load_config(data), partial=True)
    if how == "trust":
        return simulate(load_config(data, trust=True))
    if "=" in how:  # a sweep given on the command line
        return simulate(apply_sweeps(load_config(data), how.split("|")))
    return simulate(load_config(data))


ALL = {**{k: (d, o, "") for k, (d, o) in CASES.items()}, **NEW}


@pytest.mark.parametrize("name", sorted(ALL))
def test_image_matches_baseline(name, tmp_path):
    data, opts, how = ALL[name]
    png = render_bytes(simulated_case(data, how), "png", opts)
    actual = tmp_path / f"{name}.png"
    actual.write_bytes(png)
    expected = BASELINE / f"{name}.png"
    if UPDATE:
        if in_ci():
            pytest.fail(
                "LRVIZ_UPDATE_BASELINES=1 is refused under CI: baselines are regenerated by a person, "
                "who looks at every changed image before committing it; CI only compares with them"
            )
        BASELINE.mkdir(exist_ok=True)
        shutil.copyfile(actual, expected)
        pytest.skip(f"baseline {expected.name} rewritten (LRVIZ_UPDATE_BASELINES=1), not compared: look at it")
    if not expected.exists():
        pytest.fail(f"no baseline {expected}; create it with LRVIZ_UPDATE_BASELINES=1 pytest {__file__}")
    diff = compare_images(str(expected), str(actual), tol=TOL)
    assert diff is None, diff


def test_envelope_drawing_is_within_rms_2_of_drawing_every_point(tmp_path, monkeypatch):
    """A 200k-step cyclic run drawn from its envelope looks like all 200k points drawn: within an RMS
    of 2.0 (of 0-255) over the image, where plain decimation to as many points is 18. (Each column's
    min and max are kept exactly: tests/test_envelope.py.)"""
    import lrviz.render.envelope as envelope

    data = {
        "steps": 200_000,
        "optimizer": {"name": "SGD", "lr": 0.1},
        "schedules": [
            {
                "scheduler": "CyclicLR",
                "params": {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 1500, "cycle_momentum": False},
            },
            {"scheduler": "CosineAnnealingWarmRestarts", "params": {"T_0": 7_000}},
        ],
    }
    result = simulate(load_config(data))
    opts = PlotOptions(size=(7, 4.2), dpi=DPI)
    drawn = figure_for(result, opts).axes[0].get_lines()[0].get_xdata()
    assert len(drawn) < 5_000  # the envelope is in use
    enveloped = tmp_path / "envelope.png"
    enveloped.write_bytes(render_bytes(result, "png", opts))
    monkeypatch.setattr(envelope, "MIN_POINTS_PER_COLUMN", 10**9)  # every point drawn
    full = tmp_path / "full.png"
    full.write_bytes(render_bytes(result, "png", opts))
    # measured here: RMS about 1.1 (anti-aliasing at column boundaries); plain decimation to the
    # same number of points gives 18, an envelope at a quarter of the width 10
    assert compare_images(str(full), str(enveloped), tol=2.0) is None


#: plot --actual (lrviz.render.actual): a real run's logged values over the plan, from the logs in
#: examples/logs/ (written by the frameworks; see its README). The agreeing case: crosses on every
#: planned point. The diverging one: a resume that restored only the scheduler, ringed and labelled
#: at step 12.
ACTUAL_CASES = {
    "actual-agree": ("examples/logs/hf/plan.yaml", "examples/logs/hf/trainer_state.json"),
    "actual-resume": ("examples/logs/tensorboard/plan.yaml", "examples/logs/tensorboard-resume"),
}


@pytest.mark.parametrize("name", sorted(ACTUAL_CASES))
def test_actual_image_matches_baseline(name, tmp_path):
    from lrviz.actual import compare_plan, read_actual

    repo = BASELINE.parent.parent
    config, log = ACTUAL_CASES[name]
    result = simulate(load_config(repo / config))
    reports = compare_plan(result.trajectories, [read_actual(repo / log)])
    png = render_bytes(result, "png", PlotOptions(size=(7, 4.2), dpi=DPI), actual=reports)
    actual = tmp_path / f"{name}.png"
    actual.write_bytes(png)
    expected = BASELINE / f"{name}.png"
    if UPDATE:
        if in_ci():
            pytest.fail("LRVIZ_UPDATE_BASELINES=1 is refused under CI (see this module's docstring)")
        shutil.copyfile(actual, expected)
        pytest.skip(f"baseline {expected.name} rewritten (LRVIZ_UPDATE_BASELINES=1), not compared: look at it")
    if not expected.exists():
        pytest.fail(f"no baseline {expected}; create it with LRVIZ_UPDATE_BASELINES=1 pytest {__file__}")
    assert compare_images(str(expected), str(actual), tol=TOL) is None
