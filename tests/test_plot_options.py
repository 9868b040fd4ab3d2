"""The figure's controls and what the figure says: drawstyle, x and y ranges, legend place and
order, the momentum panel, tokens on x, a log axis's range, sweeps, coinciding curves, the
panels under the lr, annotations and the terminal chart's glyphs.

Values drawn are compared with lrviz's simulation of the real torch scheduler (itself
compared with torch elsewhere) or with closed forms written here.
"""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.text import Text
from typer.testing import CliRunner

from lrviz.cli import app
from lrviz.errors import ConfigError, LrvizError
from lrviz.render.plot import PlotOptions, figure_for, figure_notes, sweep_stem
from lrviz.simulate import simulate
from lrviz.validate import apply_sweeps, load_config
from tests.conftest import REPO, gallery_paths, gallery_source
from tests.layout import drawn_texts, layout_problems

runner = CliRunner()

THREE = {
    "steps": 100,
    "optimizer": {"name": "SGD", "lr": 0.1, "momentum": 0.9},
    "schedules": [
        {"label": "step", "scheduler": "StepLR", "params": {"step_size": 30, "gamma": 0.1}},
        {"label": "cosine", "scheduler": "CosineAnnealingLR", "params": {"T_max": 100}},
        {"label": "exp", "scheduler": "ExponentialLR", "params": {"gamma": 0.97}},
    ],
}


def sim(data: dict, **kw):
    return simulate(load_config(data, **kw))


def lr_axes(fig):
    return next(ax for ax in fig.axes if ax.get_ylabel() == "learning rate")


# --------------------------------------------------------------------------- drawstyle, ranges


def test_line_drawstyle_joins_the_values_as_before():
    result = sim(THREE)
    fig = figure_for(result, PlotOptions(drawstyle="line"))
    line = lr_axes(fig).get_lines()[0]
    assert line.get_drawstyle() == "default"
    assert list(line.get_xdata()) == list(range(100))
    assert list(line.get_ydata()) == result.trajectories[0].lr[:, 0].tolist()


def test_xlim_zooms_and_draws_every_step_in_view_exactly():
    data = {"steps": 200_000, "scheduler": "CyclicLR", "params": {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 50}}
    result = sim(data)
    fig = figure_for(result, PlotOptions(xlim=(0, 500)))
    ax = lr_axes(fig)
    assert ax.get_xlim() == (0.0, 500.0)
    x, y = ax.get_lines()[0].get_data()
    lr = result.trajectories[0].lr[:, 0]
    inside = x <= 500
    assert np.array_equal(x[inside][:500], np.arange(500))  # all steps in view, not an envelope of 200k
    assert y[inside][:500].tolist() == lr[:500].tolist()
    low, high = ax.get_ylim()
    assert low <= 0.01 and high >= 0.1 and high < 0.2  # the y range of what is in view


def test_ylim_sets_the_lr_range_and_a_log_axis_refuses_a_non_positive_end(write_config, tmp_path):
    fig = figure_for(sim(THREE), PlotOptions(ylim=(0.0, 0.05)))
    assert lr_axes(fig).get_ylim() == (0.0, 0.05)
    result = runner.invoke(
        app, ["plot", str(write_config(THREE)), "-o", str(tmp_path), "--yscale", "log", "--ylim", "0,1"]
    )
    assert result.exit_code == 2 and "--ylim" in result.stderr and "positive" in result.stderr
    assert list(tmp_path.glob("*.png")) == []


@pytest.mark.parametrize(
    "block,key",
    [
        ({"xlim": "a,b"}, "plot.xlim"),
        ({"xlim": [5, 1]}, "plot.xlim"),
        ({"ylim": [None, None]}, "plot.ylim"),
        ({"legend": "top"}, "plot.legend"),
        ({"momentum": "yes"}, "plot.momentum"),
        ({"drawstyle": "dots"}, "plot.drawstyle"),
        ({"annotate": "yes"}, "plot.annotate"),
        ({"tokens_per_step": 0}, "plot.tokens_per_step"),
        ({"x": "tokens"}, "plot.x"),
        ({"yscale": "log", "ylim": [0, 1]}, "plot.ylim"),
    ],
)
def test_new_plot_block_values_are_checked_with_their_key(block, key):
    with pytest.raises(ConfigError) as info:
        PlotOptions.resolve(block)
    assert info.value.key == key


def test_options_built_directly_get_the_same_checks():
    with pytest.raises(LrvizError):
        PlotOptions(x="tokens")
    assert PlotOptions(xlim="0,", ylim=",1e-3").xlim == (0.0, None)


# --------------------------------------------------------------------------- legend


@pytest.mark.parametrize("where", ["above", "below", "right", "best", "none"])
def test_legend_goes_where_asked(where):
    fig = figure_for(sim(THREE), PlotOptions(legend=where))
    ax = lr_axes(fig)
    renderer = fig.canvas.get_renderer()
    fig.draw(renderer)
    box = ax.get_window_extent(renderer)
    if where in ("best", "none"):
        assert fig.legends == [] and (ax.get_legend() is not None) == (where == "best")
        return
    (leg,) = fig.legends
    ext = leg.get_window_extent(renderer)
    if where == "above":
        assert ext.y0 >= box.y1
    elif where == "below":
        assert ext.y1 <= box.y0
    else:
        assert ext.x0 >= box.x1


def test_legend_entries_read_in_the_given_order_row_by_row():
    labels = ["first schedule", "second schedule", "third schedule", "fourth schedule", "fifth schedule"]
    data = {
        "steps": 20,
        "schedules": [
            {"label": lb, "scheduler": "StepLR", "params": {"step_size": k + 2}} for k, lb in enumerate(labels)
        ],
    }
    fig = figure_for(sim(data), PlotOptions(size=(3.2, 3.0)))  # too narrow for one row of five
    renderer = fig.canvas.get_renderer()
    fig.draw(renderer)
    (leg,) = fig.legends
    placed = [
        (round(-t.get_window_extent(renderer).y0), t.get_window_extent(renderer).x0, t.get_text())
        for t in leg.get_texts()
    ]
    assert 1 < len({row for row, _, _ in placed}) < 5  # several rows of several columns
    assert [text for _, _, text in sorted(placed)] == labels


def test_identical_curves_are_named_in_the_legend():
    data = {
        "steps": 100,
        "schedules": [
            {"label": "step (30, 0.1)", "scheduler": "StepLR", "params": {"step_size": 30, "gamma": 0.1}},
            {"label": "multistep", "scheduler": "MultiStepLR", "params": {"milestones": [30, 60, 90], "gamma": 0.1}},
            {"label": "cosine", "scheduler": "CosineAnnealingLR", "params": {"T_max": 100}},
        ],
    }
    fig = figure_for(sim(data))
    (leg,) = fig.legends
    assert [t.get_text() for t in leg.get_texts()] == ["step (30, 0.1)", "multistep = step (30, 0.1)", "cosine"]


# --------------------------------------------------------------------------- panels


def test_momentum_on_and_off():
    flat = sim(THREE)  # SGD momentum 0.9, never changed
    assert [ax.get_ylabel() for ax in figure_for(flat).axes] == ["learning rate"]
    assert [ax.get_ylabel() for ax in figure_for(flat, PlotOptions(momentum="on")).axes] == [
        "learning rate",
        "momentum",
    ]
    cyc = sim({"steps": 50, "scheduler": "OneCycleLR", "params": {"max_lr": 0.1, "total_steps": 50}})
    assert len(figure_for(cyc).axes) == 2 and len(figure_for(cyc, PlotOptions(momentum="off")).axes) == 1


def test_plateau_metric_panel_marks_each_reduction_on_both_panels():
    result = simulate(load_config(REPO / "configs" / "seeds" / "003-reducelronplateau.yaml"))
    (t,) = result.trajectories
    fig = figure_for(result)
    ax, axm = fig.axes
    assert axm.get_ylabel() == "metric fed"
    x, y = axm.get_lines()[0].get_data()
    assert y.tolist() == t.metric.tolist() and x.tolist() == list(range(1, 26))  # fed at the end of each step
    drops = np.flatnonzero(t.lr[1:, 0] < t.lr[:-1, 0]) + 1
    assert drops.tolist() == [19]
    for a in (ax, axm):
        verticals = [ln for ln in a.get_lines() if len(set(ln.get_xdata())) == 1 and len(ln.get_xdata()) == 2]
        assert [float(ln.get_xdata()[0]) for ln in verticals] == [19.0]
    rings = [ln for ln in axm.get_lines() if ln.get_marker() == "o" and ln.get_markerfacecolor() == "none"]
    assert len(rings) == 1 and rings[0].get_ydata()[0] == t.metric[18]  # the value fed before the drop


def test_weight_decay_panel_and_effective_decay():
    result = simulate(load_config(REPO / "configs" / "custom" / "weight-decay-schedule.yaml", trust=True))
    (t,) = result.trajectories
    fig = figure_for(result, PlotOptions(effective_decay=True))
    labels = [ax.get_ylabel().replace("\n", " ") for ax in fig.axes]
    assert labels == ["learning rate", "weight decay (decoupled)", "lr × weight decay"]
    wd_line = fig.axes[1].get_lines()[0]
    assert wd_line.get_ydata()[:-1].tolist() == t.params["weight_decay"][:, 0].tolist()
    eff = fig.axes[2].get_lines()[0].get_ydata()[:-1]
    assert eff.tolist() == (t.lr[:, 0] * t.params["weight_decay"][:, 0]).tolist()


def test_effective_decay_of_a_coupled_decay_is_not_drawn_and_says_why():
    result = sim(
        {
            "steps": 10,
            "optimizer": {"name": "SGD", "lr": 0.1, "weight_decay": 1e-4},
            "scheduler": "StepLR",
            "params": {"step_size": 3},
        }
    )
    opts = PlotOptions(effective_decay=True)
    assert len(figure_for(result, opts).axes) == 1
    (note,) = figure_notes(result, opts)
    assert "L2" in note and "decoupled" in note


# --------------------------------------------------------------------------- x in tokens, log range


def test_x_in_tokens(write_config, tmp_path):
    data = {**THREE, "tokens_per_step": 500_000}
    fig = figure_for(sim(data), PlotOptions(x="tokens", tokens_per_step=500_000))
    ax = lr_axes(fig)
    assert ax.get_xlabel() == "tokens"
    x = ax.get_lines()[0].get_xdata()
    assert x[1] == 500_000 and x[-1] == 100 * 500_000
    fig.draw(fig.canvas.get_renderer())
    shown = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert "50M" in shown and all(s[-1] in "KMBT" or s == "0" for s in shown)
    path = write_config(data, "tok.yaml")
    assert runner.invoke(app, ["plot", str(path), "-o", str(tmp_path), "--x", "tokens"]).exit_code == 0
    bare = write_config(THREE, "bare.yaml")
    refused = runner.invoke(app, ["plot", str(bare), "-o", str(tmp_path), "--x", "tokens"])
    assert refused.exit_code == 2 and "--x" in refused.stderr and "tokens_per_step" in refused.stderr
    given = runner.invoke(app, ["plot", str(bare), "-o", str(tmp_path), "--x", "tokens", "--tokens-per-step", "2048"])
    assert given.exit_code == 0, given.output


def test_a_log_axis_leaves_out_a_tail_towards_zero_and_says_so():
    """Cosine annealing to 0 at the last step: 1e-3 down to 2.5e-9 in the last few steps (and 0 at the
    very end), which would leave the curve in the top half of the axis."""
    data = {
        "steps": 1000,
        "optimizer": {"name": "AdamW", "lr": 1e-3},
        "scheduler": "CosineAnnealingLR",
        "params": {"T_max": 999},
    }
    result = sim(data)
    lr = result.trajectories[0].lr[:, 0]
    fig = figure_for(result, PlotOptions(yscale="log"))
    low, high = lr_axes(fig).get_ylim()
    assert lr[lr > 0].min() < 1e-8 and low > 10 * lr[lr > 0].min()
    assert np.mean(lr >= low) > 0.98  # 98% of the run is in view
    zero, clipped = figure_notes(result, PlotOptions(yscale="log"))
    assert "0 or below at 1 step" in zero
    assert "log axis starts at" in clipped and "not shown" in clipped and "--ylim" in clipped
    assert len(figure_notes(result, PlotOptions(yscale="log", ylim=(1e-9, None)))) == 1  # asked for: no clipping
    expo = sim({"steps": 1000, "scheduler": "ExponentialLR", "params": {"gamma": 0.99}})  # four decades, all meaningful
    assert figure_notes(expo, PlotOptions(yscale="log")) == []
    assert lr_axes(figure_for(expo, PlotOptions(yscale="log"))).get_ylim()[0] <= expo.trajectories[0].lr.min()


# --------------------------------------------------------------------------- sweeps


def test_a_sweep_says_what_it_swept_and_never_takes_the_plain_figures_name(write_config, tmp_path):
    path = write_config(
        {
            "title": "StepLR(step_size=4, gamma=0.5)",
            "steps": 32,
            "scheduler": "StepLR",
            "params": {"step_size": 4, "gamma": 0.5},
        },
        "steplr.yaml",
    )
    plain = runner.invoke(app, ["plot", str(path), "-o", str(tmp_path)])
    swept = runner.invoke(
        app,
        ["plot", str(path), "-o", str(tmp_path), "--sweep", "params.gamma=0.1", "--sweep", "params.step_size=10,20"],
    )
    assert plain.exit_code == 0 and swept.exit_code == 0, swept.output
    assert sorted(p.name for p in tmp_path.glob("*.png")) == [
        "steplr.png",
        "steplr.sweep-gamma-0.1-step_size-10-20.png",
    ]
    cfg = apply_sweeps(load_config(path), ["params.gamma=0.1", "params.step_size=10,20"])
    assert sweep_stem(cfg) == "steplr.sweep-gamma-0.1-step_size-10-20"
    fig = figure_for(simulate(cfg))
    assert fig.get_suptitle() == "Sweep of params.gamma, params.step_size on steplr"
    assert "sweep: params.gamma = 0.1 × params.step_size = 10, 20" in [t.get_text() for t in fig.texts]


# --------------------------------------------------------------------------- annotations


GALLERY = gallery_paths()


def drawn_segments(fig) -> list[np.ndarray]:
    """Every line of every axes as display-coordinate segments, held steps drawn as the steps they are."""
    out = []
    for ax in fig.axes:
        for line in ax.get_lines():
            xy = np.asarray(line.get_xydata(), dtype=float)
            if len(xy) < 2 or line.get_linestyle() in ("None", "none", ""):
                continue
            if line.get_drawstyle() == "steps-post":
                xy = np.repeat(xy, 2, axis=0)[1:]
                xy[1::2, 1] = xy[0::2, 1][: len(xy[1::2])]
            d = ax.transData.transform(xy)
            out.append(np.hstack([d[:-1], d[1:]]))
    return out


def hits(seg: np.ndarray, box) -> bool:
    """Whether any segment meets the box, by sampling each segment finely (independent of lrviz's clipping)."""
    t = np.linspace(0, 1, 24)[:, None]
    pts = seg[:, None, :2] + (seg[:, None, 2:] - seg[:, None, :2]) * t[None]
    pts = pts[np.all(np.isfinite(pts), axis=2)]
    return bool(np.any((pts[:, 0] > box.x0) & (pts[:, 0] < box.x1) & (pts[:, 1] > box.y0) & (pts[:, 1] < box.y1)))


@pytest.mark.parametrize("path", GALLERY, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_annotations_touch_no_line_and_no_other_text_in_the_gallery(path, request):
    loaded = gallery_source(path, request)
    result = simulate(loaded.config)
    opts = PlotOptions.resolve(result.config.plot, annotate=True, dpi=100, subtitle=loaded.summary)
    fig = figure_for(result, opts)
    texts, _ = drawn_texts(fig)
    assert layout_problems(fig) == []
    renderer = fig.canvas.get_renderer()
    notes = [a for ax in fig.axes for a in ax.texts]
    assert notes or path.stem in ("constantlr", "000-cheatsheet"), "no key point was labelled"
    segments = drawn_segments(fig)
    for note in notes:
        box = Text.get_window_extent(note, renderer)  # the label, not its leader
        assert not any(hits(seg, box) for seg in segments), f"{note.get_text()!r} touches a line"
    assert len(texts) > len(notes)
