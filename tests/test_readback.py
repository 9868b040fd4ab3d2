"""Every word and number on a figure, read back and held against the data (tests/readback.py).

The gallery in every style and size is read back by tests/test_layout.py (one draw for
both judges); here: generated runs of every length lrviz draws (1e3 to 1e8 steps; 3 to
1000 epochs; tokens), and the issue's own cases, each in a test of its own. On the
code before issue 24 the step axis of every run of 10,000 to 999,999 steps read 10x too
small ("40k" at 400,000) and a 20-epoch paper figure with a momentum panel ran its epoch
ticks together: these tests fail there.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pytest

from lrviz.render.axes import step_label, token_label
from lrviz.render.plot import PlotOptions, figure_for
from lrviz.simulate import Result, simulate
from lrviz.styles import STYLES
from lrviz.validate import load_config
from tests.conftest import REPO
from tests.layout import drawn_artists, layout_problems
from tests.readback import number_of, parse, truth_problems

DPI = 100
SIZES = [(2.5, 2.0), (3.5, 2.5), None]


def read_back(result: Result, subtitle: str | None = None, **options) -> list[str]:
    opts = PlotOptions.resolve(result.config.plot, dpi=DPI, subtitle=subtitle, **options)
    fig = figure_for(result, opts)
    try:
        artists = drawn_artists(fig)
        assert artists, "nothing was drawn"
        return layout_problems(fig, artists) + truth_problems(fig, result, opts, subtitle, artists)
    finally:
        fig.clear()


def x_tick_labels(result: Result, **options) -> list[tuple[float, str]]:
    """(position, label) of every drawn x tick label of the lowest axes."""
    opts = PlotOptions.resolve(result.config.plot, dpi=DPI, **options)
    fig = figure_for(result, opts)
    try:
        drawn = {id(t) for t in drawn_artists(fig)}
        return sorted(
            {(float(t.get_loc()), t.label1.get_text()) for ax in fig.axes for t in ax.xaxis.get_major_ticks()
             if id(t.label1) in drawn}
        )  # fmt: skip
    finally:
        fig.clear()


# --------------------------------------------------------------------------- the runs


@functools.cache
def per_step(steps: int) -> Result:
    """A cosine stepped every optimizer step (torch's CosineAnnealingLR, run for real)."""
    return simulate(load_config({"steps": steps, "scheduler": "CosineAnnealingLR", "params": {"T_max": steps}}))


@functools.cache
def per_epoch(steps: int, epochs: int) -> Result:
    """A StepLR stepped once an epoch, as torchvision's recipes do (fast: the scheduler steps per epoch)."""
    return simulate(
        load_config(
            {
                "steps": steps,
                "steps_per_epoch": steps // epochs,
                "interval": "epoch",
                "optimizer": {"name": "SGD", "lr": 0.5, "momentum": 0.9},
                "scheduler": "StepLR",
                "params": {"step_size": max(1, epochs // 3), "gamma": 0.1},
            }
        )
    )


@functools.cache
def recorded(steps: int) -> Result:
    """A run longer than a config may ask for (MAX_STEPS), given to the renderer as recorded data:
    a short real StepLR whose config is stretched to ``steps``, its lr a constant view of that
    length (no copy: 1e8 float64 would be 800 MB). The axis' words are what is on trial."""
    short = simulate(load_config({"steps": 10, "scheduler": "ConstantLR", "params": {"factor": 1.0}}))
    t = short.trajectories[0]
    lr = np.broadcast_to(t.lr[-1:, :], (steps, t.lr.shape[1]))
    return Result(dataclasses.replace(short.config, steps=steps), [dataclasses.replace(t, lr=lr, momentum=None)], "cpu")


RUNS = {
    "1e3 steps": lambda: per_step(1_000),
    "2e4 steps": lambda: per_step(20_000),
    "4.5e5 steps": lambda: per_epoch(450_450, 90),
    "1e6 steps": lambda: per_epoch(1_000_000, 100),
    "5e7 steps (the most a config may ask)": lambda: recorded(50_000_000),
    "1e8 steps": lambda: recorded(100_000_000),
}
EPOCH_RUNS = {3: (3, 40), 20: (20, 50), 90: (90, 100), 1000: (1000, 1)}
TOKEN_RUNS = {"1e3 x 524,288 tokens": (1_000, 524_288), "2e4 x 4M tokens": (20_000, 4_000_000)}


@pytest.mark.parametrize("name", list(RUNS))
def test_long_runs_read_back_in_every_style(name):
    result = RUNS[name]()
    found = {style: read_back(result, style=style) for style in STYLES}
    found |= {f"paper {size}": read_back(result, style="paper", size=size) for size in SIZES[:2]}
    assert {k: v for k, v in found.items() if v} == {}


@pytest.mark.parametrize("epochs", list(EPOCH_RUNS))
def test_epoch_axes_read_back_in_every_style(epochs):
    n_epochs, spe = EPOCH_RUNS[epochs]
    result = per_epoch(n_epochs * spe, n_epochs)
    found = {style: read_back(result, x="epoch", style=style) for style in STYLES}
    found |= {f"paper {size}": read_back(result, x="epoch", style="paper", size=size) for size in SIZES[:2]}
    assert {k: v for k, v in found.items() if v} == {}


@pytest.mark.parametrize("name", list(TOKEN_RUNS))
def test_token_axes_read_back_in_every_style(name):
    steps, per = TOKEN_RUNS[name]
    result = per_step(steps)
    found = {style: read_back(result, x="tokens", tokens_per_step=per, style=style) for style in STYLES}
    found |= {
        f"paper {size}": read_back(result, x="tokens", tokens_per_step=per, style="paper", size=size)
        for size in SIZES[:2]
    }
    assert {k: v for k, v in found.items() if v} == {}


# --------------------------------------------------------------------------- the step axis, case by case


def test_the_reader_parses_labels_as_people_write_them():
    """The test's own reader, against values written by hand (not by lrviz)."""
    assert number_of("40k") == 40_000 and number_of("1.25k") == 1_250 and number_of("1M") == 1_000_000
    assert number_of("−20k") == -20_000 and number_of("300B") == 3e11 and number_of("3e-4") == 3e-4
    assert number_of("$\\mathdefault{10^{-3}}$") == pytest.approx(1e-3) and number_of("lr") is None
    assert parse("40k").tol == 500 and parse("2.5").tol == 0.05 and parse("1,624").value == 1624


@pytest.mark.parametrize(
    ("value", "written"),
    [(2_500, "2500"), (10_000, "10k"), (20_000, "20k"), (400_000, "400k"), (450_450, "450.4k"),
     (999_999, "1M"), (1_000_000, "1M"), (50_000_000, "50M"), (100_000_000, "100M")],
)  # fmt: skip
def test_a_step_number_reads_back_as_itself(value, written):
    """The issue's "40k" for 400,000: every step number, written, means that number."""
    assert step_label(value) == written
    reading = parse(written)
    assert reading is not None and abs(reading.value - value) <= reading.tol


def test_tokens_read_back():
    for value in (500, 1_000, 524_288_000, 3e11, 2e12):
        reading = parse(token_label(value))
        assert reading is not None and abs(reading.value - value) <= reading.tol, token_label(value)


def test_the_resnet50_recipe_ends_at_450k():
    """gallery/frameworks-torchvision-resnet50.png said "450,450 steps" over an axis ending at "40k"."""
    from lrviz.sources import load_source

    loaded = load_source(REPO / "configs" / "frameworks" / "torchvision-resnet50.yaml", trust=True)
    result = simulate(loaded.config)
    assert read_back(result, loaded.summary) == []
    labels = dict(x_tick_labels(result))
    assert labels[400_000.0] == "400k" and max(labels) <= 450_450


def test_a_20000_step_lambdalr_reads_0_to_20k():
    """It read "0, 2500, 5000, 7500, 1k, 1.25k, ..., 2k"."""
    result = simulate(
        load_config({"steps": 20_000, "scheduler": "LambdaLR", "params": {"lr_lambda": "0.9999 ** epoch"}})
    )
    labels = x_tick_labels(result)
    assert all(abs(number_of(text) - loc) <= parse(text).tol for loc, text in labels), labels
    assert labels[-1] == (20_000.0, "20k")
    assert read_back(result) == []


def test_a_million_steps_read_up_to_1m():
    """It read "0, 20k, 40k, 60k, 80k, 1M"."""
    labels = x_tick_labels(per_epoch(1_000_000, 100))
    assert [text for _, text in labels] == ["0", "200k", "400k", "600k", "800k", "1M"]


def test_twenty_epochs_in_paper_style_under_a_momentum_panel_stand_apart():
    """The epoch ticks of the lowest panel were never thinned (the lr axes above it, which shares
    them, was measured instead and shows none): "10111213141516171819"."""
    result = simulate(
        load_config(
            {
                "epochs": 20,
                "steps_per_epoch": 50,
                "optimizer": {"name": "SGD", "lr": 0.1, "momentum": 0.9},
                "scheduler": "OneCycleLR",
                "params": {"max_lr": 0.1, "total_steps": 1000},
            }
        )
    )
    for size in SIZES:
        assert read_back(result, x="epoch", style="paper", size=size) == [], size
