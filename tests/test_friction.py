"""Issue 20: the frictions a new user meets, one test each, through the real CLI.

Each test was written first against the behaviour of main at 1e416b8, where it failed
(the note /work/notes/20-cli.md quotes each failure); expected values come from torch
run directly, not from lrviz.
"""

from __future__ import annotations

import json

import torch
from typer.testing import CliRunner

from lrviz.cli import app

runner = CliRunner()

STEP = {"steps": 20, "optimizer": {"name": "SGD", "lr": 0.1, "momentum": 0.9}}


def cli(*args, columns: int = 100):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": str(columns)})


def warning_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("warning: ")]


def error_lines(result) -> list[str]:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return [line for line in result.stderr.splitlines() if line.startswith("error: ")]


# --------------------------------------------------------------------------- silent nonsense


def test_plot_and_show_print_checks_lints_as_warnings(write_config, tmp_path):
    """Milestones past the end of the run: `check` says so, and now `plot` and `show` do too."""
    cfg = write_config(STEP | {"scheduler": "MultiStepLR", "params": {"milestones": [30, 60]}}, "late.yaml")
    plotted = cli("plot", cfg, "-o", tmp_path, "-f", "svg")
    assert plotted.exit_code == 0, plotted.output  # a warning does not change the exit code
    lines = warning_lines(plotted)
    (line,) = [line for line in lines if "milestone-beyond-run" in line]
    assert "late.yaml" in line and "params.milestones" in line and "never take effect" in line
    assert any("constant-lr" in line for line in lines)  # and the flat line it makes, as check says
    checked = cli("check", cfg)
    assert checked.exit_code == 0 and "milestone-beyond-run" in checked.stdout and "constant-lr" in checked.stdout
    shown = cli("show", cfg)
    assert shown.exit_code == 0 and warning_lines(shown) == lines
    for command in (["plot", cfg, "-o", tmp_path, "-f", "svg"], ["show", cfg]):
        quiet = cli(*command, "--quiet")
        assert quiet.exit_code == 0 and warning_lines(quiet) == [], quiet.stderr


def test_an_epoch_schedule_shorter_than_one_epoch_is_reported(write_config, tmp_path):
    """interval: epoch in a run shorter than an epoch is a flat line; `plot` now says why."""
    cfg = write_config(
        {"steps": 10, "steps_per_epoch": 20, "scheduler": "StepLR", "params": {"step_size": 1}, "interval": "epoch"}
    )
    result = cli("plot", cfg, "-o", tmp_path, "-f", "svg")
    assert result.exit_code == 0, result.output
    assert any("constant-lr" in line and "never changes" in line for line in warning_lines(result)), result.stderr


def test_bare_e_in_an_expression_points_at_epoch(write_config):
    """'0.95**e' meant the epoch; Euler's number is still there as exp(1)."""
    bad = cli("show", write_config(STEP | {"scheduler": "LambdaLR", "params": {"lr_lambda": "0.95**e"}}))
    (line,) = error_lines(bad)
    assert "params.lr_lambda" in line and "'e'" in line and "epoch" in line and "exp(1)" in line
    ok = cli("export", write_config(STEP | {"scheduler": "LambdaLR", "params": {"lr_lambda": "exp(1) ** -epoch"}}))
    assert ok.exit_code == 0, ok.output
    opt = torch.optim.SGD([torch.zeros(2, 2, requires_grad=True)], lr=0.1, momentum=0.9)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda epoch: 2.718281828459045**-epoch)
    opt.step()
    sched.step()
    assert float(ok.stdout.splitlines()[2].split(",")[3]) == opt.param_groups[0]["lr"]  # step 1


# --------------------------------------------------------------------------- output paths


def test_output_folders_are_created_and_a_path_with_an_extension_names_the_file(write_config, tmp_path, monkeypatch):
    cfg = write_config(STEP | {"scheduler": "StepLR", "params": {"step_size": 5}}, "finetune.yaml")
    monkeypatch.chdir(tmp_path)
    made = cli("plot", cfg, "-o", "nothere")
    assert made.exit_code == 0, made.output
    assert (tmp_path / "nothere" / "finetune.png").read_bytes()[:4] == b"\x89PNG"
    named = cli("plot", cfg, "--output", "out/deep/finetune.pdf")
    assert named.exit_code == 0, named.output
    assert (tmp_path / "out" / "deep" / "finetune.pdf").read_bytes()[:5] == b"%PDF-"
    assert sorted(p.name for p in (tmp_path / "out" / "deep").iterdir()) == ["finetune.pdf"]
    exported = cli("export", cfg, "--output", "data/sub")
    assert exported.exit_code == 0, exported.output
    assert (tmp_path / "data" / "sub" / "finetune.csv").read_text().startswith("schedule,group,step,lr")


# --------------------------------------------------------------------------- the run length is known


def test_onecycle_total_steps_defaults_to_the_runs_scheduler_steps(write_config):
    cfg = write_config({"steps": 100, "scheduler": "OneCycleLR", "params": {"max_lr": 0.1}})
    exported = cli("export", cfg, "-f", "json")
    assert exported.exit_code == 0, exported.output
    doc = json.loads(exported.stdout)
    schedule = doc["config"]["schedules"][0]
    assert schedule["params"]["total_steps"] == 100 and schedule["filled_by_lrviz"] == {"total_steps": 100}
    opt = torch.optim.SGD([torch.zeros(2, 2, requires_grad=True)], lr=0.1, momentum=0.9)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=100)
    expected = []
    for _ in range(100):
        expected.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert doc["schedules"][0]["groups"][0]["lr"] == expected
    shown = cli("show", cfg)
    assert shown.exit_code == 0, shown.output
    assert "total_steps=100" in shown.stdout and "filled in by lrviz" in shown.stdout


# --------------------------------------------------------------------------- sweeps


MIXED = STEP | {
    "steps": 30,
    "schedules": [
        {"scheduler": "StepLR", "params": {"step_size": 10, "gamma": 0.5}},
        {"scheduler": "CosineAnnealingLR", "params": {"T_max": 30}},
    ],
}


def test_a_sweep_applies_to_the_schedules_that_have_the_key(write_config):
    cfg = write_config(MIXED)
    result = cli("export", cfg, "--sweep", "params.gamma=0.1,0.5")
    assert result.exit_code == 0, result.output
    labels = list(dict.fromkeys(line.split(",")[0] for line in result.stdout.splitlines()[1:]))
    assert labels == ["StepLR params.gamma=0.1", "StepLR params.gamma=0.5", "CosineAnnealingLR"]
    (line,) = error_lines(cli("export", cfg, "--sweep", "params.nothere=1,2"))
    assert "sweep.params.nothere" in line and "no schedule" in line
    checked = cli("check", cfg, "--sweep", "params.gamma=0.1,0.5", "--format", "json")
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.stdout)["configs"][0]["schedules"] == labels


# --------------------------------------------------------------------------- names


def test_names_match_without_case_and_suggestions_rank_by_similarity(write_config):
    from lrviz.errors import did_you_mean
    from lrviz.registry.torch_classes import torch_optimizers

    assert did_you_mean("adamw", torch_optimizers()).startswith(" (did you mean AdamW")
    data = {"steps": 5, "optimizer": {"name": "adamw", "lr": 0.1}, "scheduler": "steplr", "params": {"step_size": 2}}
    ok = cli("export", write_config(data), "-f", "json")
    assert ok.exit_code == 0, ok.output
    resolved = json.loads(ok.stdout)["config"]
    assert resolved["optimizer"]["name"] == "AdamW" and resolved["schedules"][0]["scheduler"] == "StepLR"
    line = error_lines(
        cli("export", write_config({"steps": 5, "optimizer": {"name": "Adam_W"}, "scheduler": "StepLR"}))
    )
    assert "did you mean AdamW" in line[0]


def test_a_key_from_another_library_gets_a_pointer(write_config):
    cfg = write_config(STEP | {"scheduler": "linear", "params": {"warmup_ratio": 0.1}})
    (line,) = error_lines(cli("export", cfg))
    assert "params.warmup_ratio" in line
    assert "a transformers TrainingArguments key: use num_warmup_steps" in line
    assert "lrviz plot args.yaml" in line and "--from FILE" not in line  # the file itself, not a --from kind


def test_comma_lists_work_for_every_repeatable_option(write_config, tmp_path):
    cfg = write_config(STEP | {"scheduler": "StepLR", "params": {"step_size": 5}}, "c.yaml")
    plotted = cli("plot", cfg, "-o", tmp_path, "-f", "png,svg")
    assert plotted.exit_code == 0, plotted.output
    assert sorted(p.name for p in tmp_path.glob("c.*")) == ["c.png", "c.svg", "c.yaml"]
    checked = cli("check", cfg, "--resume-at", "3,7", "--format", "json")
    assert checked.exit_code == 0, checked.output


# --------------------------------------------------------------------------- YAML mistakes


def test_a_yaml_mistake_names_line_column_and_shows_the_line(write_config):
    text = "steps: 10\nschedules:\n  - scheduler: StepLR\n  params:\n    step_size: 3\n"
    result = cli("plot", write_config(text, "indent.yaml"))
    assert result.exit_code == 2 and "Traceback" not in result.output
    first, shown, caret = result.stderr.splitlines()
    assert first.startswith("error: ") and "indent.yaml" in first and "line 4, column 3" in first
    assert "'?'" not in first and "<block end>" not in first and "indent" in first
    assert shown.endswith("  params:") and caret.rstrip().endswith("^")
    assert caret.index("^") == shown.index("params:")


def test_every_validation_error_is_reported_in_one_run(write_config):
    cfg = write_config(
        {
            "steps": 0,
            "optimizer": {"name": "SGD", "lr": 0.1, "momentom": 0.9},
            "schedules": [
                {"scheduler": "StepLR", "params": {"step_sise": 3}},
                {"scheduler": "CosineAnnealingLR", "params": {"T_max": 10, "eta_mn": 0}},
            ],
        }
    )
    lines = error_lines(cli("export", cfg))
    assert len(lines) == 4, lines
    for key in ("steps", "optimizer.momentom", "schedules[0].params.step_sise", "schedules[1].params.eta_mn"):
        assert any(f": {key}: " in line for line in lines), key


# --------------------------------------------------------------------------- lrviz list


def test_list_shows_a_clean_summary_at_80_columns():
    result = cli("list", "OneCycleLR", columns=80)
    assert result.exit_code == 0, result.output
    out = result.stdout
    for noise in (".. image::", "xdoctest", ">>>", "``", ":math:", "`_"):
        assert noise not in out, noise
    assert "10000.0" in out and "1000..." not in out
    assert all(len(line) <= 80 for line in out.splitlines())
    assert "per group" in out
    listed = cli("list", columns=400)
    lambda_row = next(line for line in listed.stdout.splitlines() if line.lstrip("│ ").startswith("LambdaLR "))
    assert "Sets the initial learning rate" not in lambda_row and "function" in lambda_row


def test_errors_beyond_the_limit_are_counted_not_shown(write_config):
    from lrviz.limits import MAX_ERRORS

    params = {f"typo_{i}": 1 for i in range(MAX_ERRORS + 5)}
    lines = error_lines(
        cli("export", write_config(STEP | {"scheduler": "StepLR", "params": {"step_size": 2, **params}}))
    )
    assert len(lines) == MAX_ERRORS + 1
    assert all("unknown parameter 'typo_" in line for line in lines[:-1])
    assert lines[-1].endswith(f"5 more errors not shown (the first {MAX_ERRORS} are above)")
