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
    "1 step": lambda: per_step(1),
    "7 steps": lambda: per_step(7),
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


# --------------------------------------------------------------------------- the other cases


def legend_of(fig) -> list[tuple[str, object]]:
    """(text, handle) of every legend entry of ``fig``."""
    legs = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    return [(t.get_text(), h) for leg in legs for t, h in zip(leg.get_texts(), leg.legend_handles, strict=False)]


def test_plot_actual_spans_a_log_twice_as_long_as_the_plan():
    """The axis stopped at the plan's end and the logged points past it, the evidence, were not drawn."""
    import yaml

    from lrviz.actual import compare_plan, read_actual

    plan = yaml.safe_load((REPO / "examples" / "logs" / "lightning" / "plan.yaml").read_text())
    plan["steps"] = 12  # the log (Lightning's own, 24 steps) ran twice as long
    result = simulate(load_config(plan))
    log = read_actual(REPO / "examples" / "logs" / "lightning" / "metrics.csv")
    logged_rows = {int(r) for s in log.lr_series() for r in s.rows}
    assert max(logged_rows) == 23
    reports = compare_plan(result.trajectories, [log])
    for layout in ("overlay", "grid"):
        opts = PlotOptions(size=(7, 4.2), dpi=DPI, layout=layout)
        fig = figure_for(result, opts, actual=reports)
        try:
            artists = drawn_artists(fig)
            assert layout_problems(fig, artists) + truth_problems(fig, result, opts, None, artists, logged_to=23) == []
            lr = fig.axes[0]
            assert lr.get_xlim()[1] >= 24  # held: the last logged step lasts until 24
            drawn_x = {float(x) for ln in lr.get_lines() if ln.get_linestyle() == "None" for x in ln.get_xdata()}
            assert set(range(12, 24)) <= drawn_x  # every logged step past the plan is drawn
            texts = [t for t, _ in legend_of(fig)]
            assert "logged past the plan's end (12 steps)" in texts, texts
        finally:
            fig.clear()


TWELVE = [
    {"scheduler": "StepLR", "params": {"step_size": 300}},
    {"scheduler": "ExponentialLR", "params": {"gamma": 0.997}},
    {"scheduler": "CosineAnnealingLR", "params": {"T_max": 1000}},
    {"scheduler": "CosineAnnealingWarmRestarts", "params": {"T_0": 250}},
    {"scheduler": "PolynomialLR", "params": {"total_iters": 1000, "power": 2}},
    {"scheduler": "LinearLR", "params": {"start_factor": 0.1, "total_iters": 400}},
    {"scheduler": "MultiStepLR", "params": {"milestones": [200, 500, 800]}},
    {"scheduler": "ConstantLR", "params": {"factor": 0.5, "total_iters": 300}},
    {"scheduler": "CyclicLR", "params": {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 100}},
    {"scheduler": "OneCycleLR", "params": {"max_lr": 0.1, "total_steps": 1000}},
    {"scheduler": "PolynomialLR", "params": {"total_iters": 800, "power": 1}},
    {"scheduler": "CosineAnnealingLR", "params": {"T_max": 500}},
]


def test_more_than_eight_unordered_schedules_stay_distinguishable():
    """They turned into viridis: cosine, warm restarts and polynomial were three indistinguishable greens."""
    from matplotlib.colors import to_hex

    from lrviz.styles import OKABE_ITO

    cfg = load_config(
        {
            "steps": 1000,
            "optimizer": {"name": "SGD", "lr": 0.1, "momentum": 0.9},
            "schedules": [dict(s, label=f"{s['scheduler']} {i}") for i, s in enumerate(TWELVE)],
        }
    )
    result = simulate(cfg)
    opts = PlotOptions.resolve(cfg.plot, dpi=DPI)
    fig = figure_for(result, opts)
    try:
        entries = legend_of(fig)
        assert len(entries) == 12
        looks = [(to_hex(h.get_color()), str(h.get_linestyle()), str(h.get_marker())) for _, h in entries]
        assert len(set(looks)) == 12, looks
        assert {c for c, _, _ in looks} <= {c.lower() for c in OKABE_ITO}  # no ordered palette
        # each look is drawn as it is listed: the line in the axes has the entry's colour, style and marker
        lines = {ln.get_label(): ln for ln in fig.axes[0].get_lines()}
        for (text, _), look in zip(entries, looks, strict=True):
            line = lines[text]
            assert (to_hex(line.get_color()), str(line.get_linestyle()), str(line.get_marker())) == look
        assert truth_problems(fig, result, opts) == []
    finally:
        fig.clear()


def test_an_ordered_sweep_is_coloured_and_listed_in_the_order_of_its_values():
    from matplotlib import colormaps
    from matplotlib.colors import to_hex, to_rgb

    from lrviz.validate import apply_sweeps

    values = [0.99, 0.95, 0.97, 0.9, 0.98, 0.96, 0.985, 0.975, 0.93, 0.94, 0.92, 0.91]
    cfg = load_config({"steps": 200, "scheduler": "ExponentialLR", "params": {"gamma": 0.99}})
    swept = apply_sweeps(cfg, [f"params.gamma={','.join(map(str, values))}"], force=True)
    result = simulate(swept)
    fig = figure_for(result, PlotOptions.resolve(swept.plot, dpi=DPI))
    try:
        entries = legend_of(fig)
        listed = [float(text.rsplit("=", 1)[1]) for text, _ in entries]
        assert listed == sorted(values)
        viridis = np.array([colormaps["viridis"](k / 255)[:3] for k in range(256)])
        where = [int(np.argmin(((viridis - to_rgb(to_hex(h.get_color()))) ** 2).sum(axis=1))) for _, h in entries]
        assert where == sorted(where) and len(set(where)) == 12  # darkest for the lowest value, then lighter
    finally:
        fig.clear()


def test_a_near_identical_curve_says_so_in_the_legend():
    """A SequentialLR warmup + cosine hides under hf.cosine (their lrs differ by 1e-4 at most)."""
    pytest.importorskip("transformers", reason="hf.cosine is built by transformers' own factory")
    cfg = load_config(
        {
            "steps": 1000,
            "schedules": [
                {
                    "label": "warmup + cosine",
                    "scheduler": "SequentialLR",
                    "params": {
                        "schedulers": [
                            {"scheduler": "LinearLR", "params": {"start_factor": 0.001, "total_iters": 100}},
                            {"scheduler": "CosineAnnealingLR", "params": {"T_max": 900}},
                        ],
                        "milestones": [100],
                    },
                },
                {
                    "label": "hf.cosine",
                    "scheduler": "hf.cosine",
                    "params": {"num_warmup_steps": 100, "num_training_steps": 1000},
                },
                {"label": "step", "scheduler": "StepLR", "params": {"step_size": 300}},
            ],
        }
    )  # fmt: skip
    result = simulate(cfg)
    a, b = (t.lr[:, 0] for t in result.trajectories[:2])
    assert not np.array_equal(a, b) and np.abs(a - b).max() < 0.002 * a.max()  # near, not identical
    fig = figure_for(result, PlotOptions.resolve(cfg.plot, dpi=DPI))
    try:
        assert [t for t, _ in legend_of(fig)] == ["warmup + cosine", "hf.cosine ≈ warmup + cosine", "step"]
    finally:
        fig.clear()


def per_epoch_cosine() -> Result:
    return simulate(
        load_config(
            {
                "epochs": 90,
                "steps_per_epoch": 100,
                "interval": "epoch",
                "optimizer": {
                    "name": "SGD",
                    "lr": 0.1,
                    "param_groups": [{"name": "backbone", "lr": 0.01}, {"name": "head"}],
                },
                "scheduler": "CosineAnnealingLR",
                "params": {"T_max": 90},
            }
        )
    )  # fmt: skip


def annotations(result: Result, **options) -> list[tuple[str, str]]:
    """(text, colour) of every annotation drawn."""
    from matplotlib.colors import to_hex

    opts = PlotOptions.resolve(result.config.plot, dpi=DPI, annotate=True, **options)
    fig = figure_for(result, opts)
    try:
        artists = drawn_artists(fig)
        assert truth_problems(fig, result, opts, None, artists) == []
        drawn = {id(a) for a in artists}
        return [(t.get_text(), to_hex(t.get_color())) for ax in fig.axes for t in ax.texts if id(t) in drawn]
    finally:
        fig.clear()


def test_a_cosine_stepped_per_epoch_is_one_decay():
    """--annotate labelled every epoch a drop ("×1 at step 100", "×0.998 at step 300") and show listed
    "drop ... and 77 more regime changes"."""
    from typer.testing import CliRunner

    from lrviz.cli import app
    from lrviz.render.keypoints import key_points

    result = per_epoch_cosine()
    t = result.trajectories[0]
    for j in range(2):
        points, more = key_points(t.lr[:, j], period=t.every)
        assert more == 0 and not any("drop" in p.what for p in points), points
    texts = [text for text, _ in annotations(result)]
    assert texts and not any(text.startswith("×") for text in texts), texts
    out = CliRunner().invoke(
        app, ["show", str(REPO / "configs" / "frameworks" / "torchvision-resnet50.yaml"), "--trust"]
    )
    assert out.exit_code == 0, out.output
    assert "more regime changes" not in out.output and "drop" in out.output  # its StepLR drops, at 30 and 60 epochs


def test_a_steplr_stepped_per_epoch_still_drops_at_its_milestones():
    from lrviz.render.keypoints import key_points

    result = per_epoch(9_000, 90)  # StepLR(step_size=30) per epoch of 100 steps
    t = result.trajectories[0]
    points, _ = key_points(t.lr[:, 0], period=t.every)
    assert [p.step for p in points if "drop" in p.what] == [3_000, 6_000]
    texts = [text for text, _ in annotations(result)]
    assert "×0.1 at step 3000" in texts, texts


def test_annotations_take_their_lines_colour():
    """Annotations of different param groups shared one colour (the schedule's)."""
    result = per_epoch_cosine()
    opts = PlotOptions.resolve(result.config.plot, dpi=DPI, annotate=True)
    fig = figure_for(result, opts)
    try:
        from matplotlib.colors import to_hex

        ax = fig.axes[0]
        colour = {
            ln.get_label(): to_hex(ln.get_color()) for ln in ax.get_lines() if ln.get_label() in ("backbone", "head")
        }
        assert len(set(colour.values())) == 2
        found = {to_hex(t.get_color()) for t in ax.texts}
        assert found == set(colour.values()), (found, colour)
        assert truth_problems(fig, result, opts) == []  # each annotation's colour is that of a line through its point
    finally:
        fig.clear()


def test_a_single_schedule_legend_names_its_groups_once():
    """It read "CosineAnnealingLR · backbone", "CosineAnnealingLR · head": the title already names the schedule."""
    result = per_epoch_cosine()
    fig = figure_for(result, PlotOptions.resolve(result.config.plot, dpi=DPI))
    try:
        assert [t for t, _ in legend_of(fig)] == ["backbone", "head"]
    finally:
        fig.clear()


def lr_axes_grid(fig) -> tuple[int, int]:
    """(columns, rows) of the lr axes as placed: their distinct left edges and top edges."""
    lr = [ax for ax in fig.axes if ax.get_title(loc="left")]
    xs = {round(ax.get_position().x0, 3) for ax in lr}
    ys = {round(ax.get_position().y1, 3) for ax in lr}
    return len(xs), len(ys)


@pytest.mark.parametrize("size", [None, (7.0, 4.2), (3.5, 2.5)])
def test_a_four_panel_grid_is_two_by_two(size):
    """It was a 1980 x 450 strip."""
    cfg = load_config({"steps": 1000, "schedules": [dict(s) for s in TWELVE[:4]]})
    result = simulate(cfg)
    opts = PlotOptions.resolve(cfg.plot, dpi=DPI, layout="grid", size=size)
    fig = figure_for(result, opts)
    try:
        assert lr_axes_grid(fig) == (2, 2)
        w, h = fig.get_size_inches()
        assert 0.6 <= w / h <= 2.4
        assert layout_problems(fig) == [] and truth_problems(fig, result, opts) == []
    finally:
        fig.clear()


def test_momentum_auto_gives_a_grid_cell_a_panel_only_where_momentum_moves():
    """An auto 3x3 grid spent a third of its height on flat beta1 panels."""
    picks = [TWELVE[k] for k in (0, 1, 2, 3, 9, 4, 5, 6, 11)]  # OneCycleLR (cycles momentum) fifth
    cfg = load_config(
        {"steps": 1000, "optimizer": {"name": "AdamW", "lr": 1e-3}, "schedules": [dict(s) for s in picks]}
    )
    result = simulate(cfg)
    moving = [i for i, t in enumerate(result.trajectories) if t.momentum_varies()]
    assert moving == [4]
    opts = PlotOptions.resolve(cfg.plot, dpi=DPI, layout="grid", momentum="auto")
    fig = figure_for(result, opts)
    try:
        lr = [ax for ax in fig.axes if ax.get_title(loc="left")]
        panels = [ax for ax in fig.axes if ax not in lr and ax.get_visible()]
        assert len(panels) == 1 and panels[0].get_lines()[0].get_color() == lr[4].get_lines()[0].get_color()
        heights = [ax.get_position().height for ax in fig.axes if ax.get_visible()]
        assert sum(heights) - sum(ax.get_position().height for ax in lr) < 0.12 * sum(heights)
        assert layout_problems(fig) == [] and truth_problems(fig, result, opts) == []
    finally:
        fig.clear()


def test_draw_onto_your_own_axes_keeps_the_markers_that_tell_schedules_apart_sparse():
    """lrviz.draw (a figure of the caller's own): past the palette, a schedule's marker is spaced along
    its line as in lrviz's figures, not put on every one of its points."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from lrviz.render.plot import draw

    two = {"name": "SGD", "lr": 0.1, "param_groups": [{"name": "a"}, {"name": "b", "lr": 0.01}]}
    schedules = [dict(s, label=f"{s['scheduler']} {i}") for i, s in enumerate(TWELVE)]
    cfg = load_config({"steps": 1000, "optimizer": two, "schedules": schedules})  # groups hold the line styles
    fig = Figure(figsize=(7, 4.2), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = draw(simulate(cfg), fig.add_subplot())
    marked = [ln for ln in ax.get_lines() if ln.get_marker() not in (None, "None", "")]
    assert marked and all(isinstance(ln.get_markevery(), float) for ln in marked)
