"""`lrviz show`, the key-point detection behind its table, and the terminal chart.

Expected steps come from the schedulers' definitions (a StepLR drops every
step_size steps, MultiStepLR at its milestones, warm restarts every T_0) or from
torch run directly; expected values from torch run directly or printed in the seed
articles.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from lrviz.cli import app
from lrviz.render.keypoints import key_points, regime_changes
from lrviz.render.terminal import Line, chart
from lrviz.simulate import simulate
from lrviz.validate import load_config
from tests.seed_data import seed

runner = CliRunner()


def lr_of(scheduler: str, steps: int, lr: float = 1e-3, **params) -> np.ndarray:
    cfg = load_config(
        {
            "steps": steps,
            "optimizer": {"name": "SGD", "lr": lr, "momentum": 0.9},
            "scheduler": scheduler,
            "params": params,
        }
    )
    return simulate(cfg).trajectories[0].lr[:, 0]


def torch_lrs(make, steps: int, lr: float = 0.1, metric=None) -> list[float]:
    """A plain torch loop, independent of lrviz: lr used at each step."""
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr, momentum=0.9)
    sched = make(opt)
    out = []
    for i in range(steps):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step() if metric is None else sched.step(metric[i])
    return out


# --------------------------------------------------------------------------- regime changes


def test_steplr_drops_every_step_size():
    assert regime_changes(lr_of("StepLR", 32, step_size=4, gamma=0.5)) == [(s, "drop") for s in range(4, 32, 4)]


def test_multisteplr_drops_at_milestones():
    assert regime_changes(lr_of("MultiStepLR", 32, milestones=[8, 24, 28], gamma=0.5)) == [
        (8, "drop"),
        (24, "drop"),
        (28, "drop"),
    ]


def test_warm_restarts_every_t0():
    assert regime_changes(lr_of("CosineAnnealingWarmRestarts", 32, T_0=8, eta_min=1e-4)) == [
        (8, "restart"),
        (16, "restart"),
        (24, "restart"),
    ]


def test_constantlr_steps_up_at_total_iters():
    assert regime_changes(lr_of("ConstantLR", 32, factor=0.5, total_iters=8)) == [(8, "jump up")]


def test_linear_warmup_ends_at_total_iters():
    assert regime_changes(lr_of("LinearLR", 32, start_factor=0.5, total_iters=8)) == [(8, "end of warmup")]


def test_warmup_then_decay_is_one_peak_at_the_milestone():
    cfg = load_config(
        {
            "steps": 100,
            "optimizer": {"name": "SGD", "lr": 0.1},
            "scheduler": "SequentialLR",
            "params": {
                "schedulers": [
                    {"scheduler": "LinearLR", "params": {"start_factor": 0.01, "total_iters": 10}},
                    {"scheduler": "CosineAnnealingLR", "params": {"T_max": 90}},
                ],
                "milestones": [10],
            },
        }
    )
    assert regime_changes(simulate(cfg).trajectories[0].lr[:, 0]) == [(10, "end of warmup (peak)")]


def test_onecycle_peak_is_where_torch_peaks():
    steps = 200
    lrs = torch_lrs(lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=0.1, total_steps=steps), steps)
    changes = regime_changes(lr_of("OneCycleLR", steps, lr=0.1, max_lr=0.1, total_steps=steps))
    assert changes == [(int(np.argmax(lrs)), "end of warmup (peak)")]


def test_cyclic_alternates_peak_and_trough_every_step_size_up():
    changes = regime_changes(lr_of("CyclicLR", 40, base_lr=1e-4, max_lr=1e-3, step_size_up=4))
    assert changes == [(s, "peak" if (s // 4) % 2 else "trough") for s in range(4, 40, 4)]


def test_reduce_on_plateau_drops_where_torch_reduced():
    metric = [1.0 / (1 + i) if i < 10 else 0.1 for i in range(60)]
    lrs = torch_lrs(lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(o, patience=5, factor=0.5), 60, metric=metric)
    expected = [i for i in range(1, 60) if lrs[i] < lrs[i - 1]]
    assert expected, "the synthetic loss must plateau"
    cfg = load_config(
        {
            "steps": 60,
            "optimizer": {"name": "SGD", "lr": 0.1, "momentum": 0.9},
            "scheduler": "ReduceLROnPlateau",
            "params": {"patience": 5, "factor": 0.5},
            "metric": metric,
        }
    )
    changes = regime_changes(simulate(cfg).trajectories[0].lr[:, 0])
    assert changes == [(s, "drop") for s in expected]


@pytest.mark.parametrize(
    "scheduler,params",
    [
        ("ExponentialLR", {"gamma": 0.95}),
        ("CosineAnnealingLR", {"T_max": 500}),
        ("PolynomialLR", {"total_iters": 500, "power": 2.0}),
        ("ConstantLR", {"factor": 1.0, "total_iters": 3}),
    ],
)
def test_smooth_schedules_have_no_regime_change(scheduler, params):
    assert regime_changes(lr_of(scheduler, 500, **params)) == []


def test_float_noise_in_a_linear_ramp_is_not_a_change():
    ramp = np.linspace(1e-5, 3e-4, 10_000) + np.linspace(0, 1, 10_000) * 1e-20
    assert regime_changes(ramp) == []


def test_kink_when_the_slope_changes_but_not_the_direction():
    # closed form: rises by 1 per step for 10 steps, then by 0.1 per step
    y = np.concatenate([np.arange(11, dtype=float), 10 + 0.1 * np.arange(1, 20)])
    assert regime_changes(y) == [(10, "slope changes")]


def test_key_points_merge_per_step_and_cap_changes():
    y = lr_of("CyclicLR", 400, base_lr=1e-4, max_lr=1e-3, step_size_up=4)
    points, more = key_points(y, max_changes=5)
    assert more == len(regime_changes(y)) - 5 == 99 - 5
    steps = [p.step for p in points]
    assert steps == sorted(steps) and len(set(steps)) == len(steps)
    first = points[0]
    assert first.step == 0 and "first" in first.what and "min" in first.what  # base_lr at step 0 is the minimum
    assert points[-1].step == 399 and "last" in points[-1].what
    peak = next(p for p in points if "peak" in p.what)
    assert peak.step == 4 and peak.value == y.max()


def test_key_points_of_nan_values():
    y = np.array([1.0, 0.5, np.nan, 0.25])
    points, _ = key_points(y)
    whats = {p.step: p.what for p in points}
    assert "first NaN/inf" in whats[2]
    assert "peak" in whats[0] and "min" in whats[3]


# --------------------------------------------------------------------------- chart


def test_chart_is_braille_sized_and_deterministic():
    from rich.console import Console

    y = lr_of("CosineAnnealingWarmRestarts", 1000, T_0=250)

    def draw():
        console = Console(width=100, record=True, color_system=None, file=open("/dev/null", "w"))
        console.print(chart([Line("lr", y, "#56B4E9")], width=60, height=10))
        return console.export_text()

    text = draw()
    assert text == draw()
    rows = text.splitlines()
    assert len(rows) == 10 + 2  # plot rows, axis line, x labels
    assert all(len(r) <= 100 for r in rows)
    assert any("\u2800" < ch <= "\u28ff" for ch in text)


def test_chart_top_and_bottom_labels_are_the_extremes():
    from rich.console import Console

    y = lr_of("StepLR", 30, lr=0.1, step_size=10, gamma=0.1)
    console = Console(width=100, record=True, color_system=None, file=open("/dev/null", "w"))
    console.print(chart([Line("lr", y, "#56B4E9")], width=60, height=8))
    rows = console.export_text().splitlines()
    assert rows[0].strip().startswith("0.1 ┤")
    assert rows[7].strip().startswith("0.001 ┤")


def test_chart_of_a_long_cyclic_run_reaches_top_and_bottom_in_every_band():
    """Closed-form triangle, 1M steps, 100 cycles on 60 columns: every column spans the whole height."""
    from rich.console import Console

    n = 1_000_000
    phase = (np.arange(n) % 10_000) / 5_000
    y = np.where(phase <= 1, phase, 2 - phase)
    console = Console(width=100, record=True, color_system=None, file=open("/dev/null", "w"))
    console.print(chart([Line("tri", y, "#56B4E9")], width=60, height=6))
    rows = console.export_text().splitlines()[:6]
    body = [r.split("┤", 1)[-1].split("│", 1)[-1] for r in rows]
    assert all(body[0][c] != " " for c in range(60)), "a peak is missing from the top row"
    assert all(body[5][c] != " " for c in range(60)), "a trough is missing from the bottom row"


# --------------------------------------------------------------------------- CLI


def show(*args, width: int = 120):
    return runner.invoke(app, ["show", *map(str, args)], env={"COLUMNS": str(width)})


def table_rows(output: str) -> list[list[str]]:
    """The rows of every key-point table: the lines after a 'step ... what' header, up to a blank line."""
    rows, inside = [], False
    for ln in output.splitlines():
        words = ln.split()
        if words[:1] == ["step"] and words[-1:] == ["what"]:
            inside = True
        elif inside and words and re.fullmatch(r"[\d,]+", words[0]):
            rows.append(words)
        else:
            inside = False
    return rows


def test_show_prints_chart_and_full_precision_table(write_config):
    cfg = write_config(
        {
            "steps": 32,
            "steps_per_epoch": 8,
            "optimizer": {"name": "SGD", "lr": 1e-3},
            "schedules": [
                {"scheduler": "StepLR", "params": {"step_size": 4, "gamma": 0.5}},
                {"label": "warm", "scheduler": "LinearLR", "params": {"start_factor": 0.5, "total_iters": 8}},
            ],
        },
        "two.yaml",
    )
    result = show(cfg)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "\x1b[" not in out  # piped: no colour codes
    assert "StepLR" in out and "warm" in out and "LinearLR" in out
    assert any("\u2800" < ch <= "\u28ff" for ch in out)
    rows = table_rows(out)
    steplr = torch_lrs(lambda o: torch.optim.lr_scheduler.StepLR(o, 4, 0.5), 32, lr=1e-3)
    drops = [r for r in rows if r[-1] == "drop"]
    assert [int(r[0]) for r in drops[:3]] == [4, 8, 12]
    assert [r[1] for r in drops[:3]] == ["0.5", "1", "1.5"]  # the epoch column
    assert [r[2] for r in drops[:3]] == [repr(steplr[4]), repr(steplr[8]), repr(steplr[12])]
    assert any(r[0] == "8" and "end of warmup" in " ".join(r) for r in rows)


def test_show_values_match_seed_001_at_full_precision(write_config):
    """Seed 001 prints StepLR(step_size=1, gamma=0.1) on Adam(lr=0.1): 0.010000000000000002 and friends."""
    printed = [repr(v) for v in seed("001/get_last_lr")]  # Python prints a float as its repr, as the article does
    assert len(printed) == 10
    cfg = write_config(
        {
            "steps": 10,
            "optimizer": {"name": "Adam", "lr": 0.1},
            "scheduler": "StepLR",
            "params": {"step_size": 1, "gamma": 0.1},
        },
        "seed001.yaml",
    )
    result = show(cfg)
    assert result.exit_code == 0, result.output
    rows = {int(r[0]): r for r in table_rows(result.stdout)}
    assert rows[1][1] == printed[1] == "0.010000000000000002"
    assert rows[9][1] == printed[9]
    assert rows[0][1] == printed[0]


def test_show_groups_and_momentum_columns(write_config):
    cfg = write_config(
        {
            "steps": 20,
            "optimizer": {
                "name": "SGD",
                "lr": 0.1,
                "momentum": 0.9,
                "param_groups": [{"name": "backbone", "lr": 0.01}, {"name": "head"}],
            },
            "scheduler": "OneCycleLR",
            "params": {"max_lr": [0.01, 0.1], "total_steps": 20},
        },
        "groups.yaml",
    )
    result = show(cfg)
    assert result.exit_code == 0, result.output
    header = next(ln for ln in result.stdout.splitlines() if ln.strip().startswith("step"))
    assert header.split() == ["step", "group", "lr", "momentum", "what"]
    rows = table_rows(result.stdout)
    assert {r[1] for r in rows} == {"backbone", "head"}
    first_head = next(r for r in rows if r[1] == "head" and r[0] == "0")
    assert first_head[3] == repr(0.95)  # OneCycleLR starts momentum at max_momentum


def test_show_long_cyclic_run_caps_the_table(write_config):
    cfg = write_config(
        {
            "steps": 2000,
            "optimizer": {"name": "SGD", "lr": 0.1},
            "scheduler": "CyclicLR",
            "params": {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 10, "cycle_momentum": False},
        }
    )
    result = show(cfg)
    assert result.exit_code == 0, result.output
    m = re.search(r"… and ([\d,]+) more regime changes", result.stdout)
    assert m and int(m.group(1).replace(",", "")) == 199 - 12


def test_show_options_steps_yscale_height_sweep(write_config):
    single = {
        "steps": 50,
        "optimizer": {"name": "SGD", "lr": 0.1},
        "scheduler": "ExponentialLR",
        "params": {"gamma": 0.9},
    }
    cfg = write_config(single)
    result = show(cfg, "--steps", "20", "--yscale", "log", "--height", "5", "--device", "cpu")
    assert result.exit_code == 0, result.output
    rows = table_rows(result.stdout)
    assert rows[-1][0] == "19"
    chart_rows = [ln for ln in result.stdout.splitlines() if "┤" in ln or "│" in ln]
    assert len(chart_rows) == 5
    lin = show(cfg, "--steps", "20", "--height", "5")
    assert [ln for ln in lin.stdout.splitlines() if "┤" in ln] != [ln for ln in chart_rows if "┤" in ln]
    swept = show(cfg, "--sweep", "params.gamma=0.5,0.8")
    assert swept.exit_code == 0
    assert "params.gamma=0.5" in swept.stdout and "params.gamma=0.8" in swept.stdout


def test_show_trust_and_errors(write_config, tmp_path):
    (tmp_path / "mine.py").write_text(
        "import torch\n"
        "def halving(optimizer, every=5):\n"
        "    return torch.optim.lr_scheduler.StepLR(optimizer, step_size=every, gamma=0.5)\n"
    )
    cfg = write_config({"steps": 12, "scheduler": "mine.py:halving", "params": {"every": 4}}, "own.yaml")
    refused = show(cfg)
    assert refused.exit_code == 2 and "--trust" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    ok = show(cfg, "--trust")
    assert ok.exit_code == 0, ok.output
    assert [int(r[0]) for r in table_rows(ok.stdout) if r[-1] == "drop"] == [4, 8]
    bad = show(write_config({"steps": 0, "scheduler": "StepLR"}, "bad.yaml"))
    assert bad.exit_code == 2 and "bad.yaml" in bad.stderr and "steps" in bad.stderr
    assert "Traceback" not in bad.output
    missing = show(tmp_path / "nope.yaml")
    assert missing.exit_code == 2


def test_show_labels_with_brackets_are_printed_verbatim(write_config):
    cfg = write_config({"steps": 10, "scheduler": "StepLR", "params": {"step_size": 3}, "label": "[bold]x[/bold]"})
    result = show(cfg)
    assert result.exit_code == 0, result.output
    assert "[bold]x[/bold]" in result.stdout


def test_key_point_labels_are_never_repeated():
    """A warmup peak is both the global peak and a regime change: say 'peak' once."""
    import numpy as np

    from lrviz.render.keypoints import key_points

    warm = np.concatenate([np.linspace(0.1, 1.0, 11), 0.5 * (1 + np.cos(np.linspace(0, np.pi, 90)))])
    points, _ = key_points(warm)
    peak = [p for p in points if p.step == 10]  # the end of the warmup, where both labels land
    assert len(peak) == 1 and peak[0].what.count("peak") == 1, points
    assert len(points) >= 3
    for p in points:
        assert len(p.what) == len(set(p.what)), p


def test_grid_titles_wrap_instead_of_running_into_the_next_panel():
    from lrviz.render.plot import PlotOptions, figure_for
    from lrviz.simulate import simulate
    from lrviz.validate import load_config

    long = "CosineAnnealingWarmRestarts(8, 1, 1e-4) with a long label"
    cfg = load_config(
        {
            "steps": 8,
            "schedules": [
                {"label": long, "scheduler": "CosineAnnealingWarmRestarts", "params": {"T_0": 4}},
                {"label": "short", "scheduler": "StepLR", "params": {"step_size": 2}},
                {"label": "c", "scheduler": "StepLR", "params": {"step_size": 3}},
            ],
        }
    )
    fig = figure_for(simulate(cfg), PlotOptions.resolve({"layout": "grid"}))
    titles = [ax.get_title(loc="left") for ax in fig.axes if ax.get_title(loc="left")]
    assert titles[0].replace("\n", " ") == long and "\n" in titles[0]
    assert titles[1] == "short"
    fig.clf()


# --------------------------------------------------------------------------- held steps and glyphs


def test_chart_holds_each_value_through_its_step():
    """A drop is a vertical edge: every row between the two levels is crossed in one column, not a slope."""
    from rich.console import Console

    y = np.array([1.0] * 10 + [0.0] * 10)
    console = Console(width=100, record=True, color_system=None, file=open("/dev/null", "w"))
    console.print(chart([Line("s", y, "#56B4E9")], width=20, height=6))
    body = [r.split("┤", 1)[-1].split("│", 1)[-1][:20] for r in console.export_text().splitlines()[:6]]
    middle = [[c for c, ch in enumerate(row) if ch != " "] for row in body[1:5]]
    assert len(middle) == 4 and all(len(cols) == 1 for cols in middle), body
    assert len({cols[0] for cols in middle}) == 1, body  # the same column all the way down
    slope = Console(width=100, record=True, color_system=None, file=open("/dev/null", "w"))
    slope.print(chart([Line("s", y, "#56B4E9")], width=20, height=6, held=False))
    assert slope.export_text() != console.export_text()


GROUPS_CFG = {
    "steps": 40,
    "optimizer": {"name": "SGD", "lr": 0.1, "param_groups": [{"name": "backbone", "lr": 0.01}, {"name": "head"}]},
    "scheduler": "StepLR",
    "params": {"step_size": 10, "gamma": 0.5},
}


def test_show_without_colour_draws_each_line_with_its_own_glyph(write_config):
    """CliRunner's output is not a terminal: no colour, so the lines are told apart by glyph, in the legend too."""
    result = show(write_config(GROUPS_CFG, "groups.yaml"), "--height", "8")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    legend = next(ln for ln in lines if "backbone" in ln and "head" in ln)
    assert "• backbone" in legend and "+ head" in legend and "━━" not in legend
    chart_rows = [ln for ln in lines if "┤" in ln or "│" in ln]
    drawn = "".join(ln.split("┤", 1)[-1].split("│", 1)[-1] for ln in chart_rows)
    assert "•" in drawn and "+" in drawn
    assert not any("\u2800" < ch <= "\u28ff" for ch in drawn)  # no braille: it cannot say which line a dot is


def test_show_with_colour_keeps_braille_and_coloured_lines():
    from rich.console import Console

    from lrviz.render.terminal import preview

    result = simulate(load_config(GROUPS_CFG))
    console = Console(width=120, record=True, color_system="truecolor", file=open("/dev/null", "w"))
    for renderable in preview(result, width=120, height=8, color=True):
        console.print(renderable)
    text = console.export_text()
    assert "━━ backbone" in text and any("\u2800" < ch <= "\u28ff" for ch in text)
