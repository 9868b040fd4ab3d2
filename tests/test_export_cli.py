"""`lrviz export` and `lrviz list` through the CLI, and every class of user error."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest
import torch
from typer.testing import CliRunner

from lrviz.cli import app
from lrviz.registry.torch_classes import torch_schedulers
from tests.torchloop import direct_lrs

runner = CliRunner()

GOOD = {
    "steps": 12,
    "optimizer": {
        "name": "SGD",
        "lr": 0.1,
        "momentum": 0.9,
        "param_groups": [{"name": "backbone", "lr": 0.01}, {"name": "head"}],
    },
    "schedules": [
        {"label": "step", "scheduler": "StepLR", "params": {"step_size": 4, "gamma": 0.1}},
        {"label": "cyc", "scheduler": "CyclicLR", "params": {"base_lr": 0.001, "max_lr": 0.1, "step_size_up": 3}},
    ],
}


def direct_steplr(lrs, steps, step_size, gamma):
    make = lambda opt: torch.optim.lr_scheduler.StepLR(opt, step_size, gamma)  # noqa: E731
    return direct_lrs(make, lrs, steps, default_lr=0.1, momentum=0.9).tolist()


def test_export_csv_round_trips_torch_values(write_config, tmp_path):
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["export", str(write_config(GOOD)), "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open()))
    assert list(rows[0]) == ["schedule", "group", "step", "lr", "momentum"]
    assert len(rows) == 2 * 2 * 12
    step_rows = [r for r in rows if r["schedule"] == "step"]
    assert len(step_rows) == 2 * 12
    expected = direct_steplr([0.01, 0.1], 12, 4, 0.1)
    for r in step_rows:
        j = 0 if r["group"] == "backbone" else 1
        assert float(r["lr"]) == expected[int(r["step"])][j]
        assert float(r["momentum"]) == 0.9
    assert {r["group"] for r in rows} == {"backbone", "head"}
    # CyclicLR cycles momentum: it must be in the export
    assert len({r["momentum"] for r in rows if r["schedule"] == "cyc"}) > 1


def test_export_csv_to_stdout_and_empty_momentum(write_config):
    cfg = {
        "steps": 3,
        "optimizer": {"name": "Adagrad", "lr": 0.5},
        "scheduler": "ExponentialLR",
        "params": {"gamma": 0.5},
    }
    result = runner.invoke(app, ["export", str(write_config(cfg))])
    assert result.exit_code == 0
    lines = result.stdout.strip().splitlines()
    assert lines == [
        "schedule,group,step,lr,momentum",
        "ExponentialLR,group0,0,0.5,",
        "ExponentialLR,group0,1,0.25,",
        "ExponentialLR,group0,2,0.125,",
    ]


def test_export_json_holds_data_and_resolved_config(write_config, tmp_path):
    out = tmp_path / "out.json"
    result = runner.invoke(app, ["export", str(write_config(GOOD)), "-o", str(out)])
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert doc["torch"] == torch.__version__.split("+")[0]
    cfg = doc["config"]
    assert cfg["steps"] == 12 and cfg["device"] == "cpu"
    assert cfg["optimizer"]["dampening"] == 0  # a torch default, filled in
    assert cfg["schedules"][1]["params"]["mode"] == "triangular"  # a scheduler default, filled in
    step = doc["schedules"][0]
    assert [g["name"] for g in step["groups"]] == ["backbone", "head"]
    expected = direct_steplr([0.01, 0.1], 12, 4, 0.1)
    assert step["groups"][0]["lr"] == [row[0] for row in expected]
    assert step["groups"][1]["lr"] == [row[1] for row in expected]


def test_export_steps_override(write_config):
    result = runner.invoke(app, ["export", str(write_config(GOOD)), "--steps", "5"])
    assert result.exit_code == 0
    assert len(result.stdout.strip().splitlines()) == 1 + 2 * 2 * 5


def test_export_is_deterministic(write_config, tmp_path):
    path = write_config(GOOD)
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    runner.invoke(app, ["export", str(path), "-o", str(a)])
    runner.invoke(app, ["export", str(path), "-o", str(b)])
    assert a.read_bytes() == b.read_bytes()


def test_list_shows_every_discovered_scheduler():
    result = runner.invoke(app, ["list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert len(torch_schedulers()) >= 15
    for name in torch_schedulers():
        assert name in result.stdout


def test_list_one_shows_params_and_defaults():
    result = runner.invoke(app, ["list", "CyclicLR"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "step_size_up" in result.stdout and "2000" in result.stdout and "triangular" in result.stdout


# ----------------------------------------------------------------------------- errors

ERRORS = [
    # (config, expected fragments of the one-line message)
    (
        {"steps": 10, "scheduler": "StepLRR", "params": {"step_size": 2}},
        ["scheduler", "unknown scheduler 'StepLRR'", "did you mean StepLR"],
    ),
    (
        {"steps": 10, "scheduler": "StepLR", "params": {"step_size": 2, "gama": 0.5}},
        ["params.gama", "did you mean gamma", "step_size, gamma"],
    ),
    ({"steps": 10, "scheduler": "StepLR", "params": {}}, ["params.step_size", "missing required parameter"]),
    (
        {
            "steps": 10,
            "schedules": [
                {"scheduler": "ExponentialLR", "params": {"gamma": 0.5}},
                {"scheduler": "StepLR", "params": {"step_size": "abc"}},
            ],
        },
        ["schedules[1].params.step_size", "expected an integer", "'abc'"],
    ),
    (
        {"steps": 10, "scheduler": "CyclicLR", "params": {"base_lr": 0.1, "max_lr": 1, "mode": "sine"}},
        ["params.mode", "one of 'triangular'"],
    ),
    ({"steps": 10, "scheduler": "StepLR", "params": {"step_size": 2}, "device": "tpu"}, ["device", "cpu, cuda"]),
    ({"steps": -3, "scheduler": "StepLR", "params": {"step_size": 2}}, ["steps", "positive whole number"]),
    ({"steps": 2.5, "scheduler": "StepLR", "params": {"step_size": 2}}, ["steps", "positive whole number"]),
    ({"steps": True, "scheduler": "StepLR", "params": {"step_size": 2}}, ["steps", "positive whole number"]),
    ({"steps": 10**9, "scheduler": "StepLR", "params": {"step_size": 2}}, ["steps", "limit of 50,000,000"]),
    (
        {"steps": 10, "optimizer": {"name": "Adamm"}, "scheduler": "StepLR", "params": {"step_size": 2}},
        ["optimizer.name", "did you mean Adam"],
    ),
    (
        {"steps": 10, "optimizer": {"name": "SGD", "momentun": 0.9}, "scheduler": "StepLR", "params": {"step_size": 2}},
        ["optimizer.momentun", "did you mean momentum"],
    ),
    (
        {"steps": 10, "scheduler": "ReduceLROnPlateau", "params": {}, "metric": [1.0, 0.9]},
        ["metric", "2 values", "10 times"],
    ),
    ({"steps": 10, "scheduler": "ReduceLROnPlateau", "params": {}}, ["metric", "needs a 'metric'"]),
    (
        {"steps": 10, "scheduler": "LambdaLR", "params": {"lr_lambda": "__import__('os')"}},
        ["params.lr_lambda", "not allowed"],
    ),
    (
        {"steps": 10, "scheduler": "LambdaLR", "params": {"lr_lambda": "1 / (epoch - 3)"}},
        ["lr_lambda", "failed at epoch 3", "division by zero"],
    ),
    # torch refuses while building: translated, against the schedule's params
    ({"steps": 10, "scheduler": "ConstantLR", "params": {"factor": 2.0}}, ["params", "ConstantLR refused", "factor"]),
    ({"steps": 10, "scheduler": "OneCycleLR", "params": {"max_lr": [0.1, 0.2]}}, ["OneCycleLR refused"]),
    # torch refuses while stepping: OneCycleLR stepped past total_steps
    (
        {"steps": 10, "scheduler": "OneCycleLR", "params": {"max_lr": 0.1, "total_steps": 5}},
        ["params.total_steps", "torch failed at step 5", "set total_steps"],
    ),
    ({"steps": 10, "schedules": []}, ["schedules", "non-empty list"]),
    ({"steps": 10, "schedule": [{"scheduler": "StepLR"}]}, ["'schedule'", "did you mean schedules"]),
    ([1, 2, 3], ["expected a mapping at the top level"]),
]


@pytest.mark.parametrize("cfg, fragments", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_user_errors_exit_2_with_one_line_and_no_file(cfg, fragments, write_config, tmp_path):
    out = tmp_path / "out.csv"
    path = write_config(cfg)
    result = runner.invoke(app, ["export", str(path), "-o", str(out)])
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert message.startswith("error: ") and "\n" not in message, message
    assert str(path) in message
    assert fragments
    for fragment in fragments:
        assert fragment in message, message
    assert "Traceback" not in result.output
    assert not out.exists()


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("steps: 10\nscheduler: StepLR\nparams: {step_size: 2\n", "invalid YAML at line"),
        ("", "the config is empty"),
        ("just a string", "expected a mapping"),
        ("steps: 10\nsteps: 11\nscheduler: StepLR\n", "duplicate key 'steps'"),
    ],
)
def test_bad_yaml_names_the_line(text, fragment, write_config):
    result = runner.invoke(app, ["export", str(write_config(text))])
    assert result.exit_code == 2
    assert fragment in result.stderr


def test_missing_config_file(tmp_path):
    result = runner.invoke(app, ["export", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "no such file" in result.stderr


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA; the error path needs one without")
def test_cuda_missing_is_a_clear_error(write_config):
    result = runner.invoke(app, ["export", str(write_config({**GOOD, "device": "cuda"}))])
    assert result.exit_code == 2
    assert "no CUDA device" in result.stderr


def test_auto_device_falls_back_quietly(write_config):
    result = runner.invoke(app, ["export", str(write_config(GOOD)), "--device", "auto", "-f", "json"])
    assert result.exit_code == 0
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert json.loads(result.stdout)["config"]["device"] == expected


def test_debug_shows_traceback(write_config):
    result = runner.invoke(app, ["export", str(write_config({"steps": 10, "scheduler": "Nope"})), "--debug"])
    assert result.exit_code == 2
    assert "Traceback" in result.stderr


def test_python_m_lrviz_help_in_a_real_process():
    proc = subprocess.run([sys.executable, "-m", "lrviz", "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    for command in ("plot", "show", "export", "check", "gallery", "list"):
        assert command in proc.stdout


def test_every_command_has_help():
    from lrviz.cli import COMMANDS

    assert len(COMMANDS) >= 6
    for name, fn in COMMANDS:
        assert fn.__doc__ and "Example:" in fn.__doc__, f"{name} needs a docstring with an example"
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0


@pytest.mark.parametrize("command", ["export", "check", "show", "plot"])
def test_a_bad_plot_block_is_refused_by_every_command(write_config, tmp_path, command):
    """The plot: block is checked when the config is loaded, so commands that draw nothing refuse it too."""
    cfg = write_config({**GOOD, "plot": {"layout": "bogus"}})
    args = [command, str(cfg)] + (["-o", str(tmp_path)] if command == "plot" else [])
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.strip().splitlines()
    assert f"{cfg}: plot.layout: expected one of overlay, grid, got 'bogus'" in line
    assert result.stdout == "" and list(tmp_path.glob("*.png")) == []


def test_json_spells_nan_and_inf_as_the_csv_does(write_config, tmp_path):
    """One convention for numbers JSON cannot hold (lrviz.jsonio): "nan", "inf", "-inf", read back by float()."""
    cfg = write_config(
        {"steps": 8, "scheduler": "MultiplicativeLR", "params": {"lr_lambda": "0 if epoch > 5 else 1e200"}}
    )
    out_json, out_csv = tmp_path / "out.json", tmp_path / "out.csv"
    assert runner.invoke(app, ["export", str(cfg), "-o", str(out_json)]).exit_code == 0
    assert runner.invoke(app, ["export", str(cfg), "-o", str(out_csv)]).exit_code == 0
    text = out_json.read_text()
    lrs = json.loads(text, parse_constant=lambda c: pytest.fail(f"non-standard JSON constant {c}"))
    lrs = lrs["schedules"][0]["groups"][0]["lr"]
    from_csv = [row["lr"] for row in csv.DictReader(out_csv.read_text().splitlines())]
    assert "inf" in lrs and "nan" in lrs  # 0.1 * 1e200**2 overflows, then inf * 0 is nan
    assert [str(v) if isinstance(v, str) else repr(v) for v in lrs] == from_csv
    assert [float(v) for v in lrs][:2] == [0.1, 0.1 * 1e200]
