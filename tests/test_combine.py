"""plot --combine: every schedule of every file in one figure, runs of different lengths on one axes.

The lines must be the recorded values of each file's own run: each line ends where its
run ends, and wherever a line is drawn from its envelope, every pixel column it covers
still holds that column's exact minimum and maximum (checked against the pixel columns
matplotlib itself maps the points to).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from lrviz.cli import app
from lrviz.render.combine import combine, combined_labels
from lrviz.render.plot import PlotOptions, figure_for
from lrviz.simulate import simulate
from lrviz.sources import load_source
from lrviz.validate import load_config
from tests.conftest import REPO

runner = CliRunner()
RECIPE = {"lr": 0.4, "epochs": 6, "batch_size": 8, "lr_scheduler": "cosineannealinglr", "lr_warmup_epochs": 2}


def cli(*args):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def cyclic(steps: int, half: int, name: str = "CyclicLR") -> dict:
    return {
        "steps": steps,
        "optimizer": {"name": "SGD", "lr": 0.1, "momentum": 0.9},
        "schedules": [
            {
                "label": name,
                "scheduler": "CyclicLR",
                "params": {"base_lr": 0.001, "max_lr": 0.1, "step_size_up": half, "cycle_momentum": False},
            }
        ],
    }


def test_labels_a_file_shares_get_its_stem():
    got = combined_labels([("a", ["cosine", "StepLR"]), ("b", ["cosine", "linear"]), ("a", ["cosine"])])
    assert got == [["a: cosine", "StepLR"], ["b: cosine", "linear"], ["a: cosine (2)"]]
    assert combined_labels([("a", ["x"]), ("b", ["y"])]) == [["x"], ["y"]]  # nothing to tell apart


def test_runs_of_different_lengths_end_where_they_end():
    """Three runs (300, 30,000 and 120,000 steps): the shorter two drawn over their share of the width."""
    runs = {
        name: simulate(load_config(cyclic(n, half, name)))
        for name, n, half in [("tiny", 300, 7), ("mid", 30_000, 61), ("long", 120_000, 900)]
    }
    result = combine(list(runs.items()), title="three runs")
    assert [t.label for t in result.trajectories] == ["tiny", "mid", "long"] and result.config.steps == 120_000
    fig = figure_for(result)
    fig.canvas.draw()
    (ax,) = fig.axes
    assert ax.get_xlim() == pytest.approx((0, 120_000))  # the longest run, its last step held to its end
    width = math.ceil(ax.get_window_extent().width)  # the pixel columns lrviz draws at
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert len(runs) == 3
    for label, run in runs.items():
        values = run.trajectories[0].lr[:, 0]
        x, y = (np.asarray(a, dtype=float) for a in lines[label].get_data())
        assert x[0] == 0 and x[-1] == len(values)  # each line ends where its run ends (its last step held)
        assert x[-2] == len(values) - 1 and y[-1] == y[-2]
        x, y = x[:-1], y[:-1]
        np.testing.assert_array_equal(y, values[x.astype(int)])  # recorded values, not resampled ones
        # every pixel column the line covers (of the whole axes: step i in column floor(i * W / N),
        # N the longest run's steps, each held through its step) holds its exact min and max
        span = result.config.steps
        column = np.minimum((np.arange(len(values)) * width) // span, width - 1)
        drawn_column = np.minimum((x.astype(np.int64) * width) // span, width - 1)
        assert len(np.unique(column)) >= 2
        for c in np.unique(column):
            mine, drawn = values[column == c], y[drawn_column == c]
            assert drawn.size and drawn.min() == mine.min() and drawn.max() == mine.max(), (label, c)
    assert len(lines["tiny"].get_xdata()) < 300  # 300 points in ~3 columns: the envelope too
    assert len(lines["mid"].get_xdata()) < 3_000  # many: the envelope, over its share of the columns
    assert len(lines["long"].get_xdata()) < 12_000
    fig.clear()


@pytest.mark.parametrize(("n", "span", "columns"), [(5_000, 20_000, 300), (333, 100_000, 800), (20_000, 20_001, 97)])
def test_a_shorter_run_keeps_the_columns_of_the_whole_width(n, span, columns):
    """envelope_indices(values, W, span=N): W columns over N steps (point i in floor(i * W / N)), of which
    a run of n < N points covers its share; each keeps its exact min and max (brute force)."""
    from lrviz.render.envelope import envelope_indices

    i = np.arange(n)
    values = 1e-3 + 1e-3 * np.sin(i * 0.37) * np.cos(i * 0.011)
    idx = envelope_indices(values, columns, span=span)
    column = np.minimum((i * columns) // span, columns - 1)
    kept = np.minimum((idx * columns) // span, columns - 1)
    assert len(np.unique(column)) >= 2
    for c in np.unique(column):
        assert values[idx[kept == c]].min() == values[column == c].min()
        assert values[idx[kept == c]].max() == values[column == c].max()
    assert idx[0] == 0 and idx[-1] == n - 1
    np.testing.assert_array_equal(envelope_indices(values, columns, span=n - 1), envelope_indices(values, columns))


def test_plot_combine_draws_every_file_into_one_figure(tmp_path, monkeypatch):
    import lrviz.render.plot as render_plot

    drawn = []
    write_plots = render_plot.write_plots

    def spy(result, folder, stem, options, **kw):  # what the command draws, then drawn for real
        drawn.extend([result, options])
        return write_plots(result, folder, stem, options, **kw)

    monkeypatch.setattr(render_plot, "write_plots", spy)
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(yaml.safe_dump(RECIPE))
    other = tmp_path / "other" / "recipe.yaml"  # the same stem and label: told apart by " (2)"
    other.parent.mkdir()
    other.write_text(yaml.safe_dump({**RECIPE, "epochs": 3}))
    hf = tmp_path / "args.json"
    hf.write_text(json.dumps({"lr_scheduler_type": "cosine", "max_steps": 40, "warmup_steps": 3}))
    lrviz_config = REPO / "configs" / "torch" / "steplr.yaml"
    out = tmp_path / "figs"
    out.mkdir()
    res = cli("plot", recipe, other, hf, lrviz_config, "--combine", "all", "-o", out, "-f", "png", "-f", "svg")
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == ["all.png", "all.svg"]  # one figure, no per-file ones
    assert res.stdout.split() == [str(out / "all.png"), str(out / "all.svg")]
    (result, opts) = drawn
    assert [t.label for t in result.trajectories] == [
        "recipe: cosineannealinglr (torchvision)",  # the same stem and label in two files: " (2)"
        "recipe: cosineannealinglr (torchvision) (2)",
        "cosine (Trainer)",
        "StepLR",
    ]
    assert [t.steps for t in result.trajectories] == [6, 3, 40, 32]  # one step an epoch without --dataset-size
    assert opts.title == "all" and opts.subtitle is not None
    assert [line.split(": ")[0] for line in opts.subtitle.splitlines()] == ["recipe", "recipe", "args"]
    again = tmp_path / "again"
    again.mkdir()
    args = ["plot", recipe, other, hf, lrviz_config, "--combine", "all", "-o", again, "-f", "png"]
    monkeypatch.undo()
    assert cli(*args).exit_code == 0
    assert (again / "all.png").read_bytes() == (out / "all.png").read_bytes()  # deterministic


def test_the_combined_lines_are_each_file_s_own_values(tmp_path):
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(yaml.safe_dump(RECIPE))
    loaded = [load_source(recipe, dataset_size=100), load_source(REPO / "configs" / "torch" / "steplr.yaml")]
    results = [simulate(one.config) for one in loaded]
    result = combine([("recipe", results[0]), ("steplr", results[1])], title="t")
    assert len(result.trajectories) == 2
    for got, want in zip(result.trajectories, [t for r in results for t in r.trajectories], strict=True):
        np.testing.assert_array_equal(got.lr, want.lr)
    assert [t.steps for t in result.trajectories] == [6 * 13, 32]  # ceil(100 / 8) = 13 steps an epoch


def test_x_in_epochs_needs_one_steps_per_epoch(tmp_path):
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(yaml.safe_dump(RECIPE))
    steplr = REPO / "configs" / "torch" / "steplr.yaml"  # 8 steps an epoch
    res = cli("plot", recipe, steplr, "--dataset-size", 100, "--combine", "c", "--x", "epoch", "-o", tmp_path)
    assert res.exit_code == 2 and "--x" in res.stderr and "recipe 13" in res.stderr and "steplr 8" in res.stderr
    assert not list(tmp_path.glob("c.*"))
    ok = cli("plot", recipe, steplr, "--dataset-size", 64, "--combine", "c", "--x", "epoch", "-o", tmp_path)
    assert ok.exit_code == 0, ok.output  # 64 / 8 = 8 steps an epoch, as steplr's


def test_bad_file_in_a_combination_writes_nothing(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"lr_scheduler_type": "cosinee", "num_train_epochs": 1}))
    res = cli("plot", REPO / "configs" / "torch" / "steplr.yaml", bad, "--combine", "c", "-o", tmp_path)
    assert res.exit_code == 2 and "lr_scheduler_type" in res.stderr and res.stderr.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json"]
    empty = cli("plot", REPO / "configs" / "torch" / "steplr.yaml", "--combine", " ", "-o", tmp_path)
    assert empty.exit_code == 2 and "--combine needs a name" in empty.stderr


def test_combined_figure_with_a_subtitle_per_framework_file(tmp_path):
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(yaml.safe_dump(RECIPE))
    loaded = load_source(recipe, dataset_size=100)
    assert loaded.summary is not None
    subtitle = f"a: {loaded.summary}\nb: {loaded.summary}"
    fig = figure_for(simulate(loaded.config), PlotOptions(subtitle=subtitle))
    fig.canvas.draw()
    (sub,) = [t for t in fig.texts if t.get_text().startswith("a: ")]
    assert sub.get_text().count("\n") >= 1 and "b: torchvision" in sub.get_text()
    fig.clear()


def test_combine_with_actual_draws_the_log_over_runs_of_different_lengths(tmp_path):
    """--combine and --actual together: the log is compared with every file's schedules, whose runs differ in
    length (a 30-step and a 32-step plan); the figure is written and the verdict names the log."""
    (tmp_path / "out").mkdir()
    log = REPO / "examples" / "logs" / "tensorboard-resume"
    args = [REPO / "examples/logs/tensorboard/plan.yaml", REPO / "configs/torch/steplr.yaml"]
    result = cli("plot", *args, "--combine", "both", "-o", tmp_path / "out", "--actual", log)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "both.png").stat().st_size > 0
    assert "tensorboard-resume" in result.stderr
