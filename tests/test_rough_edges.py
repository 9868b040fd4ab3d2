"""The everyday rough edges a new user met (issue 26), each as it should be now."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from lrviz.cli import app

runner = CliRunner()
CONFIG = "steps: 20\nscheduler: StepLR\nparams: {step_size: 5}\n"


@pytest.fixture
def cfg(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(CONFIG)
    return path


@pytest.mark.parametrize(
    ("command", "target", "writes"),
    [
        ("plot", "out/fig.jpg", ".png or .svg or .pdf"),
        ("plot", "fig.tiff", ".png or .svg or .pdf"),
        ("export", "data.xlsx", ".csv or .json"),
        ("export", "out/data.parquet", ".csv or .json"),
    ],
)
def test_an_output_named_like_a_file_the_command_cannot_write_is_refused(cfg, tmp_path, command, target, writes):
    res = runner.invoke(app, [command, str(cfg), "-o", str(tmp_path / target)])
    assert res.exit_code == 2, res.output
    assert f"but this command writes {writes}" in res.output
    assert not (tmp_path / target).exists() and not (tmp_path / "out").exists()


def test_an_existing_folder_with_such_a_name_is_still_a_folder(cfg, tmp_path):
    (tmp_path / "run.log").mkdir()
    res = runner.invoke(app, ["export", str(cfg), "-o", str(tmp_path / "run.log")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "run.log" / "c.csv").is_file()


def test_export_quiet_prints_nothing_and_writes_the_same_file(cfg, tmp_path):
    loud = runner.invoke(app, ["export", str(cfg), "-o", str(tmp_path / "a.csv")])
    quiet = runner.invoke(app, ["export", str(cfg), "-o", str(tmp_path / "b.csv"), "-q"])
    assert loud.exit_code == quiet.exit_code == 0
    assert loud.output.strip() == str(tmp_path / "a.csv")
    assert quiet.output == ""
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
