"""The rendering library: options, what a figure contains, deterministic bytes, files.

Data come from lrviz's simulation of the real torch schedulers, or, where a test needs
values torch cannot produce (NaN, 10M steps), from arrays built here in closed form.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from lrviz.errors import ConfigError, LrvizError
from lrviz.render.plot import PlotOptions, draw, figure_for, render_bytes, value_problems, write_plots
from lrviz.simulate import Result, Trajectory, simulate
from lrviz.styles import OKABE_ITO
from lrviz.validate import load_config

REPO = Path(__file__).resolve().parent.parent


def simulated(data: dict) -> Result:
    return simulate(load_config(data))


def article(**extra) -> dict:
    """The cheat sheet's setting (configs/torch/, after seed 000): lr 1e-3, 32 steps = 4 epochs x 8."""
    return {"steps": 32, "steps_per_epoch": 8, "optimizer": {"name": "SGD", "lr": 1e-3, "momentum": 0.9}, **extra}


def synthetic(values: dict[str, np.ndarray], *, steps_per_epoch: int = 1, momentum: dict | None = None) -> Result:
    """A Result holding arrays built in the test (for data torch would not produce)."""
    n = len(next(iter(values.values())))
    cfg = load_config(
        {
            "steps": n,
            "steps_per_epoch": steps_per_epoch,
            "scheduler": "StepLR",
            "params": {"step_size": 1},
            "title": "synthetic",
        }
    )
    trajs = [
        Trajectory(
            label=k,
            scheduler="StepLR",
            groups=["group0"],
            lr=np.asarray(v, dtype=float).reshape(-1, 1),
            momentum=None if momentum is None else np.asarray(momentum[k], dtype=float).reshape(-1, 1),
        )
        for k, v in values.items()
    ]
    return Result(config=cfg, trajectories=trajs, device="cpu")


TWO = article(
    schedules=[
        {"scheduler": "StepLR", "params": {"step_size": 4, "gamma": 0.5}},
        {"scheduler": "CosineAnnealingLR", "params": {"T_max": 32, "eta_min": 1e-4}},
    ]
)
ONECYCLE = article(
    schedules=[
        {"scheduler": "OneCycleLR", "params": {"max_lr": 1e-3, "total_steps": 32}},
        {"scheduler": "StepLR", "params": {"step_size": 4, "gamma": 0.5}},
    ]
)
GROUPS = {
    "steps": 40,
    "optimizer": {
        "name": "SGD",
        "lr": 0.1,
        "param_groups": [{"name": "backbone", "lr": 0.01}, {"name": "head", "lr": 0.1}],
    },
    "schedules": [
        {"label": "step", "scheduler": "StepLR", "params": {"step_size": 10, "gamma": 0.5}},
        {"label": "cosine", "scheduler": "CosineAnnealingLR", "params": {"T_max": 40}},
    ],
}


# --------------------------------------------------------------------------- options


def test_resolve_defaults_and_config_block():
    assert PlotOptions.resolve({}) == PlotOptions()
    opts = PlotOptions.resolve(
        {
            "layout": "grid",
            "yscale": "log",
            "x": "epoch",
            "size": [6, 3],
            "dpi": 100,
            "format": "svg",
            "title": "T",
            "style": "paper",
        }
    )
    assert opts == PlotOptions(
        layout="grid", yscale="log", x="epoch", size=(6.0, 3.0), dpi=100, formats=("svg",), title="T", style="paper"
    )


def test_resolve_cli_wins_and_none_means_not_given():
    opts = PlotOptions.resolve(
        {"layout": "grid", "dpi": 100, "formats": ["png", "pdf"]},
        layout="overlay",
        dpi=None,
        formats=["svg", "svg"],
        size="5,3",
    )
    assert opts.layout == "overlay" and opts.dpi == 100 and opts.formats == ("svg",) and opts.size == (5.0, 3.0)


@pytest.mark.parametrize(
    "block,key",
    [
        ({"layout": "stacked"}, "plot.layout"),
        ({"yscale": "symlog"}, "plot.yscale"),
        ({"x": "time"}, "plot.x"),
        ({"size": [6]}, "plot.size"),
        ({"size": "big"}, "plot.size"),
        ({"size": [0.1, 3]}, "plot.size"),
        ({"size": [True, 3]}, "plot.size"),
        ({"dpi": 10}, "plot.dpi"),
        ({"dpi": 72.5}, "plot.dpi"),
        ({"dpi": "high"}, "plot.dpi"),
        ({"formats": ["png", "gif"]}, "plot.formats"),
        ({"formats": []}, "plot.formats"),
        ({"style": "cleen"}, "plot.style"),
        ({"title": ["a"]}, "plot.title"),
        ({"colour": "red"}, "plot.colour"),
    ],
)
def test_resolve_rejects_bad_config_values_with_key(block, key):
    with pytest.raises(ConfigError) as info:
        PlotOptions.resolve(block)
    assert info.value.key == key
    assert "\n" not in str(info.value)


def test_resolve_bad_overrides_name_the_option():
    """The library names an option by its own name (the command line maps it to its flag:
    test_plot_cli.test_bad_option_values_name_the_option)."""
    with pytest.raises(LrvizError) as info:
        PlotOptions.resolve({}, size="7;4")
    assert info.value.key == "size" and not isinstance(info.value, ConfigError)
    with pytest.raises(LrvizError) as info:
        PlotOptions.resolve({}, style="nope")
    assert info.value.key == "style" and "clean" in str(info.value)


def test_style_typo_suggests_the_name():
    with pytest.raises(ConfigError, match="did you mean clean"):
        PlotOptions.resolve({"style": "cleen"})


def test_resolve_rejects_both_format_and_formats():
    with pytest.raises(ConfigError) as info:
        PlotOptions.resolve({"format": "png", "formats": ["svg"]})
    assert info.value.key == "plot.formats"


# --------------------------------------------------------------------------- figure contents


def lr_axes(fig: Figure):
    return [ax for ax in fig.axes if ax.get_ylabel() == "learning rate" or ax.get_title(loc="left")]


def test_overlay_draws_torch_values_one_line_per_schedule():
    result = simulated(TWO)
    fig = figure_for(result)
    assert isinstance(fig, Figure)
    (ax,) = fig.axes  # momentum is constant for StepLR / cosine: no second panel
    lines = ax.get_lines()
    assert [ln.get_label() for ln in lines] == ["StepLR", "CosineAnnealingLR"]
    for ln, t in zip(lines, result.trajectories, strict=True):
        x, y = ln.get_data()
        # short run: every point, exactly torch's value, held through its step: the last until 32
        assert list(x) == list(range(33)) and ln.get_drawstyle() == "steps-post"
        assert list(y) == [*t.lr[:, 0].tolist(), t.lr[-1, 0]]
    assert [to_hex(ln.get_color()).upper() for ln in lines] == list(OKABE_ITO[:2])
    assert ax.get_xlabel() == "step" and ax.get_ylabel() == "learning rate"
    assert fig.get_suptitle() == "config"  # no title, no file: the default name
    assert not ax.spines["top"].get_visible() and not ax.spines["right"].get_visible()
    (legend,) = fig.legends  # above the axes, in the frame: it never hides a line
    assert [t.get_text() for t in legend.get_texts()] == ["StepLR", "CosineAnnealingLR"]
    fig.clear()


def test_momentum_panel_when_a_schedule_changes_momentum():
    result = simulated(ONECYCLE)
    fig = figure_for(result)
    ax, axm = fig.axes
    assert axm.get_ylabel() == "momentum"
    assert ax.get_shared_x_axes().joined(ax, axm)
    y = axm.get_lines()[0].get_ydata()
    assert list(y[:-1]) == result.trajectories[0].momentum[:, 0].tolist()  # and the last held to the end
    # OneCycleLR cycles momentum between its defaults 0.95 and 0.85 (the trough falls between two steps)
    assert max(y) == 0.95 and 0.85 <= min(y) < 0.851


def test_momentum_panel_says_beta1_for_adam():
    result = simulated({**ONECYCLE, "optimizer": {"name": "AdamW", "lr": 1e-3}})
    fig = figure_for(result)
    assert fig.axes[1].get_ylabel() == "β₁"


def test_groups_get_their_line_style_in_every_schedule_and_legend_names_them():
    fig = figure_for(simulated(GROUPS))
    (ax,) = fig.axes
    lines = ax.get_lines()
    assert [ln.get_label() for ln in lines] == ["step · backbone", "step · head", "cosine · backbone", "cosine · head"]
    styles = [ln.get_linestyle() for ln in lines]
    assert styles[0] == styles[2] and styles[1] == styles[3] and styles[0] != styles[1]
    assert lines[0].get_color() == lines[1].get_color() != lines[2].get_color()


def test_markers_only_for_short_runs():
    short = figure_for(simulated(article(scheduler="StepLR", params={"step_size": 4}) | {"steps": 64}))
    long = figure_for(simulated(article(scheduler="StepLR", params={"step_size": 4}) | {"steps": 65}))
    assert short.axes[0].get_lines()[0].get_marker() == "o"
    assert long.axes[0].get_lines()[0].get_marker() in (None, "None", "")


def test_log_scale_and_epoch_axis_with_a_tick_per_epoch():
    result = simulated(TWO)
    fig = figure_for(result, PlotOptions(yscale="log", x="epoch"))
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    assert ax.get_xlabel() == "epoch"
    x, _ = ax.get_lines()[0].get_data()
    assert x[8] == 1.0 and x[-2] == 31 / 8 and x[-1] == 4.0  # the last step ends where epoch 4 does
    ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    assert ticks == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_grid_has_one_titled_panel_per_schedule_with_shared_axes():
    result = simulated(
        article(
            schedules=[
                {"scheduler": "StepLR", "params": {"step_size": 4}},
                {"scheduler": "ExponentialLR", "params": {"gamma": 0.9}},
                {"label": "cos", "scheduler": "CosineAnnealingLR", "params": {"T_max": 32}},
            ]
        )
    )
    fig = figure_for(result, PlotOptions(layout="grid"))
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["StepLR", "ExponentialLR", "cos"]
    a, b, c = fig.axes
    assert a.get_shared_y_axes().joined(a, c) and a.get_shared_x_axes().joined(a, b)
    assert [len(ax.get_lines()) for ax in fig.axes] == [1, 1, 1]


def test_grid_with_momentum_has_a_momentum_row_per_schedule():
    """``momentum: auto`` (issue 24): the panel under the schedule whose momentum moves; StepLR's flat
    momentum has none (its axes is left out of the figure)."""
    fig = figure_for(simulated(ONECYCLE), PlotOptions(layout="grid"))
    assert [ax.get_ylabel() for ax in fig.axes][0::2] == ["", ""] and fig.axes[1].get_ylabel() in ("momentum", "mom.")
    assert [ax.get_visible() for ax in fig.axes] == [True, True, True, False]
    on = figure_for(simulated(ONECYCLE), PlotOptions(layout="grid", momentum="on"))
    assert [ax.get_visible() for ax in on.axes] == [True, True, True, True]
    assert fig.get_supylabel() == "learning rate"  # once for the grid, not per row


def test_title_from_option_then_config_then_file(tmp_path):
    path = tmp_path / "warmup-cosine.yaml"
    path.write_text("steps: 10\nscheduler: StepLR\nparams: {step_size: 2}\n")
    result = simulate(load_config(path))
    assert figure_for(result).get_suptitle() == "warmup-cosine"
    result.config.title = "From config"
    assert figure_for(result).get_suptitle() == "From config"
    assert figure_for(result, PlotOptions(title="From CLI")).get_suptitle() == "From CLI"


def test_draw_onto_callers_axes_and_leave_rcparams_alone():
    import matplotlib

    before = matplotlib.rcParams.copy()
    fig = Figure()
    ax = fig.add_subplot()
    draw(simulated(TWO), ax)
    assert len(ax.get_lines()) == 2 and ax.get_ylabel() == "learning rate"
    figure_for(simulated(TWO), PlotOptions(style="dark"))
    assert matplotlib.rcParams == before  # styles are applied in a context, never left behind


def test_long_run_is_drawn_from_the_envelope_and_keeps_extremes():
    n = 2_000_000
    i = np.arange(n)
    tri = 1e-4 + 9e-4 * np.abs(((i % 1000) - 500) / 500)  # closed-form triangle, 2000 cycles
    fig = figure_for(synthetic({"tri": tri}))
    (line,) = fig.axes[0].get_lines()
    x, y = line.get_data()
    assert len(x) < 20_000
    assert y.max() == tri.max() and y.min() == tri.min()
    assert x[0] == 0 and x[-2] == n - 1 and x[-1] == n  # the last step held to the end of the run


def test_file_size_does_not_grow_with_steps():
    """The same shape (20 triangle cycles) at 10^3, 10^5 and 10^7 steps gives SVGs of about the same size."""
    sizes = {}
    for n in (1_000, 100_000, 10_000_000):
        phase = (np.arange(n) % (n // 20)) / (n // 40)
        tri = 1e-4 + 9e-4 * np.where(phase <= 1, phase, 2 - phase)
        sizes[n] = len(render_bytes(synthetic({"tri": tri}), "svg"))
    assert sizes[10_000_000] < 1.5 * sizes[1_000], sizes
    assert sizes[100_000] < 1.5 * sizes[1_000], sizes


@pytest.mark.parametrize("up", [2000, 7, 1])
def test_svg_of_a_million_step_cyclic_run_is_under_300_kb(up):
    """The issue's yardstick on a closed-form CyclicLR triangle with its momentum panel, sparse to densest cycles."""
    n = 1_000_000
    phase = (np.arange(n) % (2 * up)) / up
    tri = np.where(phase <= 1, phase, 2 - phase)
    result = synthetic({"CyclicLR": 1e-4 + 9e-4 * tri}, momentum={"CyclicLR": 0.9 - 0.1 * tri})
    svg = render_bytes(result, "svg")
    assert len(svg) < 300_000, len(svg)


@pytest.mark.slow
def test_svg_of_a_real_million_step_torch_cyclic_run(tmp_path):
    """The same with torch's CyclicLR stepped 1M times (slow: about 20 s of simulation here)."""
    result = simulated(
        {
            "steps": 1_000_000,
            "optimizer": {"name": "SGD", "lr": 0.1, "momentum": 0.9},
            "scheduler": "CyclicLR",
            "params": {"base_lr": 1e-4, "max_lr": 1e-3, "step_size_up": 7},
        }
    )
    (path,) = write_plots(result, tmp_path, "cyclic", PlotOptions(formats=("svg",)))
    assert path.stat().st_size < 300_000, path.stat().st_size


# --------------------------------------------------------------------------- problems


def test_non_positive_and_nan_values_are_reported_in_one_line():
    n = 100
    good = np.linspace(1e-3, 1e-4, n)
    bad = good.copy()
    bad[10] = np.nan
    bad[20:25] = 0.0
    bad[30] = -1e-4
    bad[40] = np.inf
    result = synthetic({"ok": good, "broken": bad})
    line = value_problems(result)
    assert line is not None and "\n" not in line
    assert "'broken'" in line and "'ok'" not in line
    assert "NaN at 1 step (first: step 10)" in line
    assert "inf at 1 step (first: step 40)" in line
    assert "0 or below" not in line  # a linear axis draws zero and negative values: nothing to say
    log_line = value_problems(result, "log")
    assert log_line is not None and "0 or below at 6 steps (first: step 20)" in log_line
    assert value_problems(synthetic({"ok": good})) is None
    # and it is still drawn where it can be: NaN/inf as gaps, zero and below as values
    fig = figure_for(result)
    y = fig.axes[0].get_lines()[1].get_ydata()
    assert np.isnan(y[10]) and np.isnan(y[40]) and y[20] == 0.0 and y[30] == -1e-4
    fig_log = figure_for(result, PlotOptions(yscale="log"))
    y = fig_log.axes[0].get_lines()[1].get_ydata()
    assert np.isnan(y[20]) and np.isnan(y[30]) and y[0] == 1e-3


def test_all_nan_schedule_still_renders():
    result = synthetic({"nan": np.full(50, np.nan)})
    assert render_bytes(result, "png").startswith(b"\x89PNG")


def test_single_step_run_renders():
    result = simulated({"steps": 1, "scheduler": "StepLR", "params": {"step_size": 1}})
    assert render_bytes(result, "svg").startswith(b"<?xml")


# --------------------------------------------------------------------------- deterministic bytes and files


@pytest.mark.parametrize("fmt,magic", [("png", b"\x89PNG"), ("svg", b"<?xml"), ("pdf", b"%PDF")])
def test_same_input_same_bytes(fmt, magic):
    a = render_bytes(simulated(ONECYCLE), fmt, PlotOptions(layout="grid"))
    b = render_bytes(simulated(ONECYCLE), fmt, PlotOptions(layout="grid"))
    assert a.startswith(magic)
    assert a == b


def test_no_dates_in_metadata():
    svg = render_bytes(simulated(TWO), "svg")
    pdf = render_bytes(simulated(TWO), "pdf")
    assert b"<dc:date>" not in svg
    assert b"/CreationDate" not in pdf and b"/ModDate" not in pdf


_CHILD = r"""
import hashlib, sys
from lrviz.validate import load_config
from lrviz.render.plot import PlotOptions, render_bytes
from lrviz.simulate import simulate
r = simulate(load_config({"steps": 3000, "steps_per_epoch": 100,
    "optimizer": {"name": "SGD", "lr": 0.1, "momentum": 0.9},
    "schedules": [{"scheduler": "OneCycleLR", "params": {"max_lr": 0.1, "total_steps": 3000}},
                  {"scheduler": "CyclicLR", "params": {"base_lr": 0.001, "max_lr": 0.1, "step_size_up": 7}}]}))
for fmt in ("png", "svg", "pdf"):
    print(fmt, hashlib.sha256(render_bytes(r, fmt, PlotOptions(x="epoch"))).hexdigest())
assert "matplotlib.pyplot" not in sys.modules, "the library must not touch pyplot"
"""


def test_byte_identical_across_processes():
    """Two fresh interpreters with different hash seeds, SOURCE_DATE_EPOCH unset and set."""
    outs = []
    base = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    for seed, extra in (("1", {}), ("987", {"SOURCE_DATE_EPOCH": "1700000000"})):
        env = {**base, "PYTHONHASHSEED": seed, "MPLBACKEND": "Agg", **extra}
        done = subprocess.run(
            [sys.executable, "-c", _CHILD], env=env, capture_output=True, text=True, cwd=REPO, timeout=300
        )
        assert done.returncode == 0, done.stderr
        outs.append(done.stdout)
    assert outs[0] == outs[1]
    assert len(outs[0].splitlines()) == 3


def test_write_plots_writes_each_format_atomically(tmp_path):
    result = simulated(TWO)
    paths = write_plots(result, tmp_path, "../../etc/my plot", PlotOptions(formats=("png", "svg", "pdf")))
    assert [p.name for p in paths] == ["etc-my-plot.png", "etc-my-plot.svg", "etc-my-plot.pdf"]
    assert all(p.parent == tmp_path for p in paths)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["etc-my-plot.pdf", "etc-my-plot.png", "etc-my-plot.svg"]
    assert paths[0].read_bytes() == render_bytes(result, "png", PlotOptions())


def test_write_plots_failure_keeps_the_old_file(tmp_path, monkeypatch):
    result = simulated(TWO)
    (good,) = write_plots(result, tmp_path, "plot")
    before = good.read_bytes()

    def boom(*_a, **_k):
        raise RuntimeError("renderer died")

    import lrviz.render.plot as plot_mod

    monkeypatch.setattr(plot_mod, "render_formats", boom)  # one figure, saved in every format
    with pytest.raises(RuntimeError):
        write_plots(result, tmp_path, "plot", PlotOptions(formats=("svg", "png")))
    assert good.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plot.png"]


def test_write_plots_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(LrvizError, match="does not exist"):
        write_plots(simulated(TWO), tmp_path / "nope", "x")


def test_every_style_renders_and_looks_different():
    result = simulated(TWO)
    digests = set()
    for style in ("clean", "paper", "talk", "dark", "ggplot"):
        data = render_bytes(result, "png", PlotOptions(style=style, dpi=40, size=(4, 3)))
        assert data.startswith(b"\x89PNG")
        digests.add(hashlib.sha256(data).hexdigest())
    assert len(digests) == 5


def test_no_matplotlib_warnings_while_rendering():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        render_bytes(simulated(GROUPS), "pdf", PlotOptions(layout="grid"))


def test_options_built_directly_are_checked_and_normalised():
    assert PlotOptions(size=[5, 3], formats=["svg"], layout="GRID").size == (5.0, 3.0)
    assert PlotOptions(formats=["svg"]).formats == ("svg",)
    with pytest.raises(LrvizError) as info:
        PlotOptions(layout="stacked")
    assert info.value.key == "layout"
    with pytest.raises(ConfigError):
        PlotOptions.resolve(["layout", "grid"])
