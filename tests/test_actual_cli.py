"""``plot``, ``show`` and ``check`` with ``--actual``: real runs' logs through the command line.

The runs are real (tests/actual_runs.py: a transformers Trainer, a Lightning Trainer with a
LearningRateMonitor and a CSVLogger, a plain loop with a SummaryWriter, tiny models built
there) and record the lr of every optimizer step from inside the loop: that truth, and the
schedules' closed forms written here, are what the expected steps and values come from.
Each log is checked against the config it followed (exit 0) and against deliberately changed
ones (exit 1, naming the step, both values and the cause); the figure's artists are read back;
bad input is exit 2 with one line and nothing written.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from lrviz.cli import app
from tests.conftest import REPO
from tests.optional import import_or_skip

import_or_skip("transformers", "hf")
import_or_skip("accelerate", "hf")
import_or_skip("pytorch_lightning", "lightning")
import_or_skip("tensorboard", "tensorboard")

from tests.actual_runs import (  # noqa: E402
    HF_LR,
    HF_PLAN,
    HF_STEPS,
    HF_WARMUP,
    TB_PLAN,
    TB_STEPS,
    hf_cosine,
    hf_run,
    lightning_run,
    tb_loop,
    warmup_cosine,
)

runner = CliRunner()
L = __import__("torch").optim.lr_scheduler
EXAMPLES = REPO / "examples" / "logs"


def cli(*args):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def check_json(*args):
    result = cli("check", *args, "--format", "json")
    return result, json.loads(result.stdout)


def actual_findings(doc) -> list[dict]:
    return [f for f in doc["findings"] if f["code"].startswith("actual-")]


@pytest.fixture
def plan(tmp_path):
    """Write a config mapping to a YAML file."""

    def write(data: dict, name: str = "plan.yaml"):
        path = tmp_path / name
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        return path

    return write


# --------------------------------------------------------------------------- the runs


@pytest.fixture(scope="module")
def hf(tmp_path_factory):
    state, truth = hf_run(tmp_path_factory.mktemp("hf"), max_steps=HF_STEPS, warmup_steps=HF_WARMUP, lr=HF_LR)
    assert len(truth) == HF_STEPS
    return state, truth


PL_STEPS = 24
LIGHTNING = {
    "steps": PL_STEPS,
    "optimizer": {
        "name": "SGD",
        "lr": 0.1,
        "momentum": 0.9,
        "param_groups": [{"name": "backbone", "lr": 0.01}, {"name": "head"}],
    },
    "scheduler": "OneCycleLR",
    "params": {"max_lr": [0.05, 0.5], "total_steps": PL_STEPS},
}


@pytest.fixture(scope="module")
def lightning(tmp_path_factory):
    def one_cycle(opt):
        return {"scheduler": L.OneCycleLR(opt, max_lr=[0.05, 0.5], total_steps=PL_STEPS), "interval": "step"}

    metrics, lrs, moms = lightning_run(tmp_path_factory.mktemp("pl"), make_scheduler=one_cycle)
    assert len(lrs) == PL_STEPS
    return metrics, lrs, moms


def tb_closed_form(step: int) -> float:
    """LinearLR from 0.1x over 5 steps, then cosine annealing over 25 (torch's documented closed forms)."""
    if step < 5:
        return 0.1 * (0.1 + 0.9 * step / 5)
    return 0.1 * 0.5 * (1 + math.cos(math.pi * (step - 5) / 25))


@pytest.fixture(scope="module")
def tb_resumed(tmp_path_factory):
    """A loop resumed at step 12 with only the scheduler's state loaded into a fresh optimizer."""
    out = tmp_path_factory.mktemp("tb_resume")
    return out, tb_loop(out, warmup_cosine, TB_STEPS, resume_at=12, resume_loads="scheduler")


@pytest.fixture(scope="module")
def tb_after_step(tmp_path_factory):
    out = tmp_path_factory.mktemp("tb_after")
    return out, tb_loop(out, warmup_cosine, TB_STEPS, log_after_step=True)


# --------------------------------------------------------------------------- check: agreement


def test_check_agreement_exits_0_and_says_which_schedule(hf, plan):
    config = plan(HF_PLAN)
    result = cli("check", config, "--actual", hf[0])
    assert result.exit_code == 0, result.output
    assert f"plan vs actual: {hf[0]} (transformers) agrees with 'cosine'" in result.stdout
    assert "[agree] agrees with the plan at all 30 logged steps" in result.stdout
    result, doc = check_json(config, "--actual", hf[0], "--strict")  # info never counts, even with --strict
    assert result.exit_code == 0 and doc["ok"] and doc["findings"] == []
    (report,) = doc["actual"]
    assert report["ok"] and report["agrees_with"] == [{"config": str(config), "schedule": "cosine"}]
    (comparison,) = report["comparisons"]
    assert [(f["code"], f["severity"]) for f in comparison["findings"]] == [("agree", "info")]
    assert comparison["series"][0]["points"] == HF_STEPS and comparison["series"][0]["group"] == "group0"


def test_check_lightning_two_groups_and_momentum_agree(lightning, plan):
    result, doc = check_json(plan(LIGHTNING), "--actual", lightning[0])
    assert result.exit_code == 0, result.output
    groups = {s["series"]: s["group"] for s in doc["actual"][0]["comparisons"][0]["series"]}
    assert groups == {
        "lr-SGD/backbone": "backbone",
        "lr-SGD/backbone-momentum": "backbone",
        "lr-SGD/pg2": "head",
        "lr-SGD/pg2-momentum": "head",
    }


def test_check_summary_writer_agrees_at_float32(plan, tmp_path):
    truth = tb_loop(tmp_path / "run", warmup_cosine, TB_STEPS)
    np.testing.assert_allclose(truth, [tb_closed_form(i) for i in range(TB_STEPS)], rtol=1e-12)
    result = cli("check", plan(TB_PLAN), "--actual", tmp_path / "run")
    assert result.exit_code == 0, result.output
    assert "tolerance 4.8e-07 relative, float32" in result.stdout


# --------------------------------------------------------------------------- check: each changed config

CHANGED = {
    # name: (config change, first diverging step, planned there (closed form), cause)
    "warmup 10 instead of 5": ({"params": {"num_warmup_steps": 10}}, 1, HF_LR * 1 / 10, "warmup-length"),
    "total 45 instead of 30": (
        {"params": {"num_warmup_steps": HF_WARMUP, "num_training_steps": 45}},
        HF_WARMUP + 1,  # both are at the peak when the warmup ends; the cosines part one step later
        HF_LR * hf_cosine(HF_WARMUP + 1, HF_WARMUP, 45),
        "changed-total",
    ),
    "lr x 2": ({"optimizer": {"name": "AdamW", "lr": 2 * HF_LR}}, 1, 2 * HF_LR * hf_cosine(1), "factor"),
}


@pytest.mark.parametrize("name", sorted(CHANGED))
def test_check_changed_config_exits_1_at_the_right_step_with_the_cause(name, hf, plan):
    change, step, planned, cause = CHANGED[name]
    state, truth = hf
    result, doc = check_json(plan({**HF_PLAN, **change}), "--actual", state)
    assert result.exit_code == 1 and not doc["ok"], result.output
    (f,) = actual_findings(doc)
    assert f["code"] == "actual-diverged" and f["severity"] == "error" and f["schedule"] == "cosine"
    assert f["step"] == step and f["values"]["logged_step"] == step + 1  # transformers logs step k + 1
    assert f["values"]["planned"] == pytest.approx(planned, rel=1e-12)
    assert f["values"]["logged"] == truth[step]
    assert f["values"]["cause"]["code"] == cause
    text = cli("check", plan({**HF_PLAN, **change}), "--actual", state)
    assert text.exit_code == 1
    line = next(ln for ln in text.stdout.splitlines() if "[actual-diverged]" in ln)
    assert f"from step {step} " in line and f"planned {planned!r}"[:20] in line and "likely cause" in line


def test_check_constant_factor_matches_the_logs_own_train_batch_size(hf, plan):
    """trainer_state.json says train_batch_size 4: an lr 4x the run's is named as 1 / that."""
    result, doc = check_json(plan({**HF_PLAN, "optimizer": {"name": "AdamW", "lr": 4 * HF_LR}}), "--actual", hf[0])
    (f,) = actual_findings(doc)
    assert result.exit_code == 1 and f["values"]["cause"]["values"]["factor"] == pytest.approx(0.25, rel=1e-12)
    assert f["values"]["cause"]["values"]["matches"] == ["1 / the log's train_batch_size (1/4)"]


def test_candidate_factors_interface(hf):
    """factors= (what --world-size or a framework file's arithmetic will pass) names a factor."""
    from lrviz.actual import read_actual
    from lrviz.commands.actual import compare
    from lrviz.simulate import simulate
    from lrviz.validate import load_config

    result = simulate(load_config({**HF_PLAN, "optimizer": {"name": "AdamW", "lr": 2 * HF_LR}}))
    (report,) = compare(result.trajectories, [read_actual(hf[0])], None, factors={"world size": 2})
    cause = report.comparisons[0].first_divergence.cause
    assert cause.code == "factor" and cause.values["matches"] == ["1 / world size (1/2)"]


def test_check_resume_that_reloads_only_the_scheduler(tb_resumed, plan):
    folder, truth = tb_resumed
    assert truth[12] == pytest.approx(0.1 * 0.1)  # a fresh optimizer holds the warmup's first lr
    result, doc = check_json(plan(TB_PLAN), "--actual", folder)
    assert result.exit_code == 1
    diverged, rewritten = actual_findings(doc)
    assert diverged["code"] == "actual-diverged" and diverged["step"] == 12
    assert diverged["values"]["planned"] == pytest.approx(tb_closed_form(12), rel=1e-12)
    assert diverged["values"]["logged"] == float(np.float32(truth[12]))
    assert diverged["values"]["cause"]["code"] == "resume"
    assert rewritten["code"] == "actual-rewritten-steps" and rewritten["severity"] == "warning"


def test_check_lightning_changed_max_lr_each_group_a_factor(lightning, plan):
    result, doc = check_json(
        plan({**LIGHTNING, "params": {"max_lr": [0.1, 1.0], "total_steps": PL_STEPS}}), "--actual", lightning[0]
    )
    assert result.exit_code == 1
    found = {f["values"]["series"]: f for f in actual_findings(doc)}
    assert sorted(found) == ["lr-SGD/backbone", "lr-SGD/pg2"]  # the momentum still agrees
    assert {f["step"] for f in found.values()} == {0}
    assert {f["values"]["cause"]["code"] for f in found.values()} == {"factor"}


def test_check_shift_and_actual_shift(tb_after_step, plan):
    folder, _ = tb_after_step
    config = plan(TB_PLAN)
    result, doc = check_json(config, "--actual", folder)
    (f,) = actual_findings(doc)
    assert result.exit_code == 1 and f["step"] == 0
    assert f["values"]["cause"]["code"] == "shift" and f["values"]["cause"]["values"]["k"] == 1
    result, doc = check_json(config, "--actual", folder, "--actual-shift", "1")
    assert result.exit_code == 0 and doc["actual"][0]["ok"]
    assert [f["code"] for f in actual_findings(doc)] == ["actual-beyond-plan"]  # a warning: the last logged step
    result = cli("check", config, "--actual", folder, "--actual-shift", "1", "--strict")
    assert result.exit_code == 1


# --------------------------------------------------------------------------- several schedules, configs, logs

CANDIDATES = {
    "steps": HF_STEPS,
    "optimizer": {"name": "AdamW", "lr": HF_LR},
    "schedules": [
        {"label": "warmup 10", "scheduler": "cosine", "params": {"num_warmup_steps": 10}},
        {"label": "warmup 5", "scheduler": "cosine", "params": {"num_warmup_steps": 5}},
        {"label": "linear", "scheduler": "linear", "params": {"num_warmup_steps": 5}},
    ],
}


def test_several_schedules_the_log_agrees_with_one(hf, plan):
    config = plan(CANDIDATES)
    result = cli("check", config, "--actual", hf[0])
    assert result.exit_code == 0, result.output
    assert "agrees with 'warmup 5' (of 3 schedules)" in result.stdout
    assert "note: 'warmup 10' (not the schedule this run followed): learning_rate -> group0: differs" in result.stdout
    result, doc = check_json(config, "--actual", hf[0])
    assert doc["findings"] == [] and doc["actual"][0]["agrees_with"] == [
        {"config": str(config), "schedule": "warmup 5"}
    ]
    assert [c["ok"] for c in doc["actual"][0]["comparisons"]] == [False, True, False]


def test_several_schedules_none_agrees_each_is_an_error(hf, plan):
    data = {**CANDIDATES, "schedules": [CANDIDATES["schedules"][0], CANDIDATES["schedules"][2]]}
    result, doc = check_json(plan(data), "--actual", hf[0])
    assert result.exit_code == 1
    assert [(f["schedule"], f["step"]) for f in actual_findings(doc)] == [("warmup 10", 1), ("linear", 6)]
    assert "agrees with none of the 2 schedules" in cli("check", plan(data), "--actual", hf[0]).stdout


def test_several_configs_a_log_follows_a_schedule_of_one(hf, plan):
    right, wrong = plan(HF_PLAN, "right.yaml"), plan({**HF_PLAN, "params": {"num_warmup_steps": 10}}, "wrong.yaml")
    result, doc = check_json(wrong, right, "--actual", hf[0])
    assert result.exit_code == 0, result.output
    assert doc["actual"][0]["agrees_with"] == [{"config": str(right), "schedule": "cosine"}]


def test_several_logs_each_judged(tb_resumed, plan, tmp_path):
    tb_loop(tmp_path / "good", warmup_cosine, TB_STEPS)
    result, doc = check_json(plan(TB_PLAN), "--actual", tmp_path / "good", "--actual", tb_resumed[0])
    assert result.exit_code == 1
    assert [r["ok"] for r in doc["actual"]] == [True, False]
    assert {f["values"]["file"] for f in actual_findings(doc)} == {str(tb_resumed[0])}


def test_repeated_steps_with_the_same_value_are_info_only(plan, tmp_path):
    """A resume done right logs steps 12-14 twice with the same lr: agreement, a note, never a finding."""
    tb_loop(tmp_path / "run", warmup_cosine, TB_STEPS, resume_at=12, crashed_at=14, resume_loads="both")
    result, doc = check_json(plan(TB_PLAN), "--actual", tmp_path / "run", "--strict")
    assert result.exit_code == 0 and doc["findings"] == []
    codes = [f["code"] for f in doc["actual"][0]["comparisons"][0]["findings"]]
    assert codes == ["agree", "repeated-steps"]
    assert "note: 'SequentialLR': lr -> group0: [repeated-steps] 3 steps were logged more than once" in (
        cli("check", plan(TB_PLAN), "--actual", tmp_path / "run").stdout
    )


# --------------------------------------------------------------------------- show


def test_show_prints_the_comparison(tb_resumed, hf, plan):
    result = cli("show", plan(TB_PLAN), "--actual", tb_resumed[0])
    assert result.exit_code == 0, result.output
    assert f"plan vs actual: {tb_resumed[0]} (tensorboard) differs from 'SequentialLR' from step 12" in result.stdout
    assert "likely cause: identical to the plan until step 11; at step 12 the lr fell back" in result.stdout
    result = cli("show", plan(HF_PLAN, "hf.yaml"), "--actual", hf[0])
    assert result.exit_code == 0 and "agrees with 'cosine'" in result.stdout


# --------------------------------------------------------------------------- plot


def _figure(config: dict, *specs, options=None, groups=(), **kw):
    from lrviz.actual import compare_plan, read_actual
    from lrviz.render.plot import PlotOptions, figure_for
    from lrviz.simulate import simulate
    from lrviz.validate import load_config

    result = simulate(load_config(config))
    reports = compare_plan(result.trajectories, [read_actual(s, **kw) for s in specs], groups=groups)
    return figure_for(result, options or PlotOptions(dpi=72), actual=reports), reports


def _logged(ax) -> list:
    return [ln for ln in ax.get_lines() if ln.get_marker() in ("x", "+") and ln.get_linestyle() == "None"]


def _rings(ax) -> list:
    return [ln for ln in ax.get_lines() if ln.get_label() == "first divergence"]


def test_plot_cli_writes_the_figure_and_says_the_verdict(tb_resumed, plan, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    result = cli("plot", plan(TB_PLAN), "-o", out, "--actual", tb_resumed[0])
    assert result.exit_code == 0, result.output  # plot draws; check is the command that judges
    assert result.stdout.strip() == str(out / "plan.png")
    assert f"plan vs actual: {tb_resumed[0]} (tensorboard) differs from 'SequentialLR' from step 12" in result.stderr
    assert (out / "plan.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def legend_texts(fig) -> list[str]:
    """The entries of the figure's one legend (lrviz puts it in the frame, around the axes)."""
    (legend,) = fig.legends
    return [t.get_text() for t in legend.get_texts()]


def test_plot_markers_are_the_logged_values_and_the_divergence_is_ringed(tb_resumed):
    folder, truth = tb_resumed
    fig, _ = _figure(TB_PLAN, folder)
    ax = fig.axes[0]
    (markers,) = _logged(ax)
    assert markers.get_label() == f"logged · {folder.name}"
    assert markers.get_xdata().tolist() == list(range(TB_STEPS))
    assert markers.get_ydata().tolist() == [float(np.float32(v)) for v in truth]
    (ring,) = _rings(ax)
    assert ring.get_xdata().tolist() == [12] and ring.get_ydata().tolist() == [float(np.float32(truth[12]))]
    assert [t.get_text() for t in ax.texts] == ["step 12: resume"]
    legend = legend_texts(fig)
    assert legend == ["SequentialLR", f"logged · {folder.name}", "first divergence"]


def test_plot_agreeing_log_has_markers_and_no_ring(hf):
    fig, _ = _figure(HF_PLAN, hf[0])
    (markers,) = _logged(fig.axes[0])
    assert markers.get_ydata().tolist() == hf[1] and _rings(fig.axes[0]) == [] and len(fig.axes[0].texts) == 0


def test_plot_x_in_epochs_divides_rows_like_the_plan(tb_resumed):
    from lrviz.render.plot import PlotOptions

    data = {**{k: v for k, v in TB_PLAN.items() if k != "steps"}, "epochs": 3, "steps_per_epoch": 10}
    fig, _ = _figure(data, tb_resumed[0], options=PlotOptions(x="epoch", dpi=72))
    (markers,) = _logged(fig.axes[0])
    np.testing.assert_array_equal(markers.get_xdata(), np.arange(TB_STEPS) / 10)
    assert _rings(fig.axes[0])[0].get_xdata().tolist() == [1.2]


def test_plot_momentum_markers_on_the_momentum_panel(lightning):
    metrics, lrs, moms = lightning
    fig, _ = _figure(LIGHTNING, metrics)
    lr_ax, m_ax = fig.axes
    assert m_ax.get_ylabel() == "momentum"
    lr_marks, m_marks = _logged(lr_ax), _logged(m_ax)
    assert len(lr_marks) == 2 and len(m_marks) == 2  # one per group
    assert sorted(tuple(m.get_ydata()) for m in lr_marks) == sorted(tuple(c) for c in zip(*lrs, strict=True))
    assert sorted(tuple(m.get_ydata()) for m in m_marks) == sorted(tuple(c) for c in zip(*moms, strict=True))
    legend = legend_texts(fig)
    assert legend.count("logged · metrics.csv") == 1  # one entry per log, not per series


def test_plot_grid_marks_each_panel_overlay_marks_none_when_one_agrees(hf):
    from lrviz.render.plot import PlotOptions

    fig, reports = _figure(CANDIDATES, hf[0], options=PlotOptions(layout="grid", dpi=72))
    assert reports[0].agrees_with == ["'warmup 5'"]
    panels = [ax for ax in fig.axes if ax.get_title(loc="left")]
    assert [ax.get_title(loc="left") for ax in panels] == ["warmup 10", "warmup 5", "linear"]
    assert [len(_logged(ax)) for ax in panels] == [1, 1, 1]
    assert [[r.get_xdata()[0] for r in _rings(ax)] for ax in panels] == [[1], [], [6]]
    assert legend_texts(fig) == ["logged · trainer_state.json", "first divergence"]
    overlay, _ = _figure(CANDIDATES, hf[0])
    assert _rings(overlay.axes[0]) == [] and len(_logged(overlay.axes[0])) == 1  # the log is drawn once


def test_plot_one_legend_entry_per_log_named_apart(lightning, tmp_path):
    metrics = lightning[0]
    other = tmp_path / "run" / "metrics.csv"
    other.parent.mkdir(parents=True)
    other.write_bytes(metrics.read_bytes())
    fig, _ = _figure(LIGHTNING, metrics, other, f"{metrics}:lr-SGD/pg2")
    legend = [text for text in legend_texts(fig) if text.startswith("logged")]  # (laid out to read row by row)
    assert sorted(legend) == sorted(
        [
            "logged · version_0/metrics.csv (lr-SGD/backbone, lr-SGD/pg2)",  # the same file twice: its series
            "logged · run/metrics.csv",  # the folder above the name tells the two files apart
            "logged · version_0/metrics.csv (lr-SGD/pg2)",
        ]
    )
    shapes = [ln.get_marker() for ln in fig.axes[0].get_lines() if ln.get_linestyle() == "None"]
    assert sorted(shapes) == ["+", "+", "1", "x", "x"]  # a marker per log, on each of its lr series


def test_plot_y_range_grows_to_hold_the_logged_values(hf):
    from lrviz.render.plot import PlotOptions, figure_for
    from lrviz.simulate import simulate
    from lrviz.validate import load_config

    half = {**HF_PLAN, "optimizer": {"name": "AdamW", "lr": HF_LR / 2}}
    alone = figure_for(simulate(load_config(half)), PlotOptions(dpi=72)).axes[0].get_ylim()[1]
    fig, _ = _figure(half, hf[0])
    assert alone < max(hf[1]) == HF_LR <= fig.axes[0].get_ylim()[1]


def test_plot_long_log_is_thinned_the_divergence_kept(tmp_path):
    """5,000 logged steps on a 7-inch figure: about 75 markers, the first diverging one among them."""
    from lrviz.simulate import simulate
    from lrviz.validate import load_config

    data = {"steps": 5000, "optimizer": {"name": "SGD", "lr": 0.1}, "scheduler": "CosineAnnealingLR",
            "params": {"T_max": 5000}}  # fmt: skip
    values = simulate(load_config(data)).trajectories[0].lr[:, 0].copy()
    values[3001:] *= 0.5
    log = tmp_path / "lr.csv"
    log.write_text("step,lr\n" + "".join(f"{i},{v!r}\n" for i, v in enumerate(values.tolist())))
    fig, reports = _figure(data, log)
    assert reports[0].comparisons[0].first_divergence.step == 3001
    (markers,) = _logged(fig.axes[0])
    shown = markers.get_xdata().tolist()
    assert 64 <= len(shown) < 200 and 3001 in shown
    assert re.fullmatch(rf"logged · lr\.csv \({len(shown)} of 5,000 shown\)", markers.get_label())


def test_plot_is_deterministic(tb_resumed):
    from lrviz.actual import compare_plan, read_actual
    from lrviz.render.plot import PlotOptions, render_bytes
    from lrviz.simulate import simulate
    from lrviz.validate import load_config

    result = simulate(load_config(TB_PLAN))
    reports = compare_plan(result.trajectories, [read_actual(tb_resumed[0])])
    opts = PlotOptions(dpi=50)
    assert render_bytes(result, "svg", opts, actual=reports) == render_bytes(result, "svg", opts, actual=reports)


# ----------------------------------------------------------------- bad input: exit 2, one line, nothing written


def _truncated_json(tmp_path):
    text = (EXAMPLES / "hf" / "trainer_state.json").read_text()
    path = tmp_path / "trainer_state.json"
    path.write_text(text[: len(text) // 2])
    return path, "not valid JSON"


def _non_numeric_csv(tmp_path):
    path = tmp_path / "lr.csv"
    path.write_text("step,lr\n0,0.1\n1,oops\n")
    return path, "line 3"


def _corrupt_event_file(tmp_path):
    data = bytearray((EXAMPLES / "tensorboard" / "events.out.tfevents.1700000000.example.first").read_bytes())
    data[len(data) // 2] ^= 0xFF
    path = tmp_path / "events.out.tfevents.1.corrupt"
    path.write_bytes(bytes(data))
    return path, "checksum"


def _no_lr(tmp_path):
    path = tmp_path / "metrics.csv"
    path.write_text("step,loss\n0,1.0\n1,0.5\n")
    return path, "no lr"


def _empty(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    return path, "empty"


def _missing(tmp_path):
    return tmp_path / "nowhere.json", "no such file"


BAD_LOGS = {
    "truncated JSON": _truncated_json,
    "non-numeric CSV": _non_numeric_csv,
    "corrupt event file": _corrupt_event_file,
    "no lr": _no_lr,
    "empty file": _empty,
    "missing file": _missing,
}


@pytest.mark.parametrize("command", ["plot", "show", "check"])
@pytest.mark.parametrize("bad", sorted(BAD_LOGS))
def test_bad_log_is_exit_2_one_line_naming_the_file_nothing_written(bad, command, plan, tmp_path):
    path, needle = BAD_LOGS[bad](tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    extra = ["-o", out] if command == "plot" else []
    result = cli(command, plan(TB_PLAN), *extra, "--actual", path)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"error: {path}") and needle in line and "Traceback" not in result.output
    assert list(out.iterdir()) == []


BAD_OPTIONS = {
    "unknown group": (["--actual-group", "backbone"], "no param group 'backbone'"),
    "unknown series": (["--actual-group", "lr-head=group0"], "the log has no lr series 'lr-head'"),
    "shift not a number": (["--actual-shift", "one"], "Invalid value for '--actual-shift'"),
}


@pytest.mark.parametrize("name", sorted(BAD_OPTIONS))
def test_bad_actual_options_are_exit_2(name, tb_resumed, plan, tmp_path):
    args, needle = BAD_OPTIONS[name]
    out = tmp_path / "out"
    out.mkdir()
    result = cli("plot", plan(TB_PLAN), "-o", out, "--actual", tb_resumed[0], *args)
    assert result.exit_code == 2 and needle in result.output, result.output
    assert list(out.iterdir()) == []


def test_actual_group_or_shift_without_actual_is_exit_2(plan):
    result = cli("check", plan(TB_PLAN), "--actual-group", "group0", "--actual-shift", "1")
    assert result.exit_code == 2
    assert (
        result.stderr.strip()
        == "error: --actual-group and --actual-shift apply to a logged run: give it with --actual FILE"
    )


def test_a_log_whose_series_match_no_group_is_exit_2(plan, tmp_path):
    log = tmp_path / "lr.csv"
    first = repr(0.1 * 0.1)  # LinearLR's start: 0.1 x the lr, in both groups
    log.write_text(f"step,lr_a,lr_b\n0,{first},{first}\n")
    data = {**TB_PLAN, "optimizer": {"name": "SGD", "lr": 0.1, "param_groups": [{"name": "x"}, {"name": "y"}]}}
    result = cli("check", plan(data), "--actual", log)
    assert result.exit_code == 2
    assert "no lr series of this log could be compared with the plan" in result.stderr
    assert "--actual-group lr_a=GROUP" in result.stderr
    result, doc = check_json(plan(data), "--actual", log, "--actual-group", "lr_a=x", "--actual-group", "lr_b=1")
    assert result.exit_code == 0, result.output  # named: both compared, and both agree at step 0
    assert [s["group"] for s in doc["actual"][0]["comparisons"][0]["series"]] == ["x", "y"]


def test_duplicate_and_out_of_order_steps_are_handled(plan, tmp_path):
    exact = [repr(tb_closed_form(i)) for i in range(TB_STEPS)]
    rows = [(i, exact[i]) for i in range(TB_STEPS)]
    shuffled = rows[10:20] + rows[:10] + rows[5:] + [(3, exact[3])]  # out of order, steps 5..19 and 3 twice
    log = tmp_path / "lr.csv"
    log.write_text("step,lr\n" + "".join(f"{s},{v}\n" for s, v in shuffled))
    result, doc = check_json(plan(TB_PLAN), "--actual", log, "--actual-group", "group0")
    assert result.exit_code == 0, result.output
    repeated = doc["actual"][0]["comparisons"][0]["findings"][1]
    assert repeated["code"] == "repeated-steps" and repeated["values"]["count"] == 16
    log.write_text(log.read_text() + "7,0.5\n")  # step 7 again, with another lr: the last write is compared
    result, doc = check_json(plan(TB_PLAN), "--actual", log)
    assert result.exit_code == 1
    assert [f["code"] for f in actual_findings(doc)] == ["actual-diverged", "actual-rewritten-steps"]
    assert actual_findings(doc)[0]["step"] == 7 and actual_findings(doc)[0]["values"]["logged"] == 0.5


# --------------------------------------------------------------------------- the shipped examples


def test_example_logs_are_what_the_frameworks_log_today(tmp_path):
    """examples/logs/make_logs.py, run again: every series holds the same rows and values as the shipped files."""
    import importlib.util

    from lrviz.actual import read_actual

    spec = importlib.util.spec_from_file_location("make_logs", EXAMPLES / "make_logs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    folders = module.make(tmp_path)
    assert [f.name for f in folders] == [
        "hf",
        "lightning",
        "tensorboard",
        "tensorboard-resume",
        "tensorboard-after-step",
    ]
    compared = []
    for folder in folders:
        fresh, shipped = read_actual(folder), read_actual(EXAMPLES / folder.name)
        assert [s.name for s in fresh.series] == [s.name for s in shipped.series]
        for a, b in zip(fresh.series, shipped.series, strict=True):
            assert a.rows.tolist() == b.rows.tolist() and a.values.tolist() == b.values.tolist(), (folder, a.name)
            compared.append(a.name)
    assert len(compared) == 8


def test_check_on_a_terminal_shows_the_findings_table_then_the_verdict(tb_resumed, plan):
    import io

    from rich.console import Console

    from lrviz.actual import read_actual
    from lrviz.commands.check import _check, render_text
    from lrviz.validate import load_config

    cfg = load_config(plan(TB_PLAN))
    results, reports = _check([cfg], None, [read_actual(tb_resumed[0])], None)
    buffer = io.StringIO()
    render_text(results, Console(file=buffer, force_terminal=True, width=160, color_system=None), actual=reports)
    text = buffer.getvalue()
    assert "actual-diverged" in text and "actual-rewritten-steps" in text and "1 error, 1 warning" in text
    assert text.rstrip().splitlines()[-1].startswith("plan vs actual:") and "from step 12" in text


def test_check_json_without_actual_has_no_actual_key(plan):
    result, doc = check_json(plan(TB_PLAN))
    assert result.exit_code == 0 and "actual" not in doc and doc["findings"] == []


def test_world_size_names_a_constant_factor_in_a_framework_plan(tmp_path):
    """--world-size reaches the comparison: an lr scaled by it is named after it (lead's wiring of issues 13 + 14)."""
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(
        "lr: 0.1\nmomentum: 0.9\nbatch_size: 32\nepochs: 6\nlr_scheduler: steplr\nlr_step_size: 2\nlr_gamma: 0.1\n"
    )
    sizes = ("--dataset-size", "640", "--world-size", "2")  # 640 / (32 x 2) = 10 steps an epoch, 60 in all
    planned = {1: 0.1, 25: 0.1 * 0.1, 45: 0.1 * 0.1 * 0.1}  # closed form: StepLR(2, 0.1) over 10-step epochs
    log = tmp_path / "log.csv"
    log.write_text("step,lr\n" + "".join(f"{step},{2 * lr!r}\n" for step, lr in planned.items()))
    result, doc = check_json(recipe, *sizes, "--actual", log)
    assert result.exit_code == 1, result.output
    (diverged,) = [f for f in actual_findings(doc) if f["severity"] == "error"]
    assert "world size" in diverged["message"], diverged["message"]
    ok = tmp_path / "ok.csv"
    ok.write_text("step,lr\n" + "".join(f"{step},{lr!r}\n" for step, lr in planned.items()))
    result, _ = check_json(recipe, *sizes, "--actual", ok)
    assert result.exit_code == 0, result.output
