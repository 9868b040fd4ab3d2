"""The Python API and the CLI agree: the same config gives the same values, the same files
(bytes: CSV, JSON, PNG, SVG), the same findings and the same error messages."""

from __future__ import annotations

import csv
import io
import json
import shutil

import numpy as np
import pytest
from typer.testing import CliRunner

import lrviz
from lrviz.cli import app
from lrviz.errors import LrvizError
from tests.conftest import REPO

runner = CliRunner()

CONFIGS = [
    "configs/seeds/002-manual-decay-two-groups.yaml",  # two groups, LambdaLR expressions
    "configs/torch/onecyclelr.yaml",  # momentum cycled
    "configs/compare/warmup-lengths.yaml",  # several schedules, a plot: block
    "configs/seeds/003-reducelronplateau.yaml",  # a metric
]


def cli(*args: object):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "120"})


@pytest.fixture
def folder(tmp_path):
    """A scratch folder holding copies of the configs (relative paths as the user types them)."""
    for rel in CONFIGS:
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / rel, target)
    return tmp_path


@pytest.mark.parametrize("rel", CONFIGS)
def test_values_equal_the_clis_csv(rel, folder, monkeypatch):
    monkeypatch.chdir(folder)
    done = cli("export", rel, "-o", "cli.csv")
    assert done.exit_code == 0, done.output
    rows = list(csv.DictReader(io.StringIO((folder / "cli.csv").read_text())))
    result = lrviz.simulate(rel)
    checked = 0
    for t in result.trajectories:
        for j, group in enumerate(t.groups):
            mine = [r for r in rows if r["schedule"] == t.label and r["group"] == group]
            assert np.array_equal(t.lr[:, j], np.array([float(r["lr"]) for r in mine]))
            checked += 1
    assert checked == sum(len(t.groups) for t in result.trajectories) > 0


@pytest.mark.parametrize("rel", CONFIGS)
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_files_are_the_clis_bytes(rel, fmt, folder, monkeypatch):
    monkeypatch.chdir(folder)
    assert cli("export", rel, "-o", f"cli.{fmt}").exit_code == 0
    written = lrviz.export(rel, f"api.{fmt}")
    assert written == folder.joinpath(f"api.{fmt}").relative_to(folder)
    assert (folder / f"api.{fmt}").read_bytes() == (folder / f"cli.{fmt}").read_bytes()


def test_overrides_are_the_clis_flags(folder, monkeypatch):
    monkeypatch.chdir(folder)
    rel = "configs/compare/warmup-lengths.yaml"
    key = "params.schedulers.0.params.start_factor"
    args = ("--steps", "40", "--sweep", f"{key}=0.01,0.1", "--device", "cpu")
    done = cli("export", rel, "-o", "cli.json", *args)
    assert done.exit_code == 0, done.output
    lrviz.export(rel, "api.json", steps=40, sweep=f"{key}=0.01,0.1", device="cpu")
    lrviz.export(rel, "api-mapping.json", steps=40, sweep={key: [0.01, 0.1]}, device="cpu")
    cli_bytes = (folder / "cli.json").read_bytes()
    assert (folder / "api.json").read_bytes() == cli_bytes == (folder / "api-mapping.json").read_bytes()
    assert len(json.loads(cli_bytes)["schedules"]) == 2 * 3  # the sweep did happen


@pytest.mark.parametrize("rel", CONFIGS[:3])
def test_figures_are_the_clis_bytes(rel, folder, monkeypatch):
    monkeypatch.chdir(folder)
    (folder / "cli").mkdir()
    (folder / "api").mkdir()
    done = cli("plot", rel, "-o", "cli", "--format", "png", "--format", "svg", "--style", "paper")
    assert done.exit_code == 0, done.output
    fig = lrviz.plot(rel, "api", format=["png", "svg"], style="paper")
    fig.clear()
    names = sorted(p.name for p in (folder / "cli").iterdir())
    assert len(names) == 2 and names == sorted(p.name for p in (folder / "api").iterdir())
    for name in names:
        assert (folder / "api" / name).read_bytes() == (folder / "cli" / name).read_bytes(), name
    stem = names[0].rsplit(".", 1)[0]
    lrviz.plot(rel, "one.svg", style="paper").clear()  # a file: its suffix is the format
    assert (folder / "one.svg").read_bytes() == (folder / "cli" / f"{stem}.svg").read_bytes()


def test_plot_path_mistakes(folder, monkeypatch):
    monkeypatch.chdir(folder)
    rel = CONFIGS[0]
    with pytest.raises(LrvizError, match="neither an existing folder nor a .png, .svg, .pdf or .html file") as bad:
        lrviz.plot(rel, "missing-folder")
    assert bad.value.key == "path"
    with pytest.raises(LrvizError, match=r"is a \.png file but format=\['svg'\]"):
        lrviz.plot(rel, "a.png", format="svg")
    assert not (folder / "a.png").exists()


def test_findings_are_the_clis(folder, monkeypatch):
    monkeypatch.chdir(folder)
    shutil.copy(REPO / "configs/compare/onecycle-step-vs-epoch.yaml", folder / "oc.yaml")
    done = cli("check", "oc.yaml", "--format", "json", "--resume-at", "7")
    reported = json.loads(done.stdout)["findings"]
    mine = [f.to_dict() for f in lrviz.check("oc.yaml", resume_at=[7])]
    assert reported and mine == reported


# Bad input: the API raises what the CLI prints after "error: ".
BAD = {
    "unknown scheduler": {"steps": 5, "scheduler": "StepLr"},
    "unknown param": {"steps": 5, "scheduler": "StepLR", "params": {"step_sise": 2}},
    "plot block": {"steps": 5, "scheduler": "StepLR", "params": {"step_size": 2}, "plot": {"layout": "grids"}},
    "torch refuses mid-run": {"steps": 30, "scheduler": "OneCycleLR", "params": {"max_lr": 0.1, "total_steps": 10}},
    "optimizer keyword": {
        "steps": 5,
        "optimizer": {"name": "SGD", "lr": 0.1, "momentun": 0.9},
        "scheduler": "StepLR",
        "params": {"step_size": 2},
    },
    "sweep key": {"steps": 5, "scheduler": "StepLR", "params": {"step_size": 2}, "sweep": {"params.gama": [0.1]}},
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_errors_are_the_clis_messages(case, write_config, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_config(BAD[case], "bad.yaml")
    done = cli("export", "bad.yaml", "-o", "out.csv")
    assert done.exit_code == 2, done.output
    (line,) = done.stderr.strip().splitlines()
    with pytest.raises(LrvizError) as raised:
        lrviz.export("bad.yaml", "out.csv")
    assert f"error: {raised.value}" == line
    assert raised.value.key and raised.value.key.split(".")[0].split("[")[0] in line
    assert not (tmp_path / "out.csv").exists()


# --------------------------------------------------------------------------- framework files (lrviz.sources)


def test_a_framework_file_is_read_as_the_cli_reads_it(tmp_path, monkeypatch):
    """A torchvision recipe: the values of the script itself, and the CLI's JSON and PNG bytes."""
    import yaml

    from tests.test_sources_torchvision import script_lrs

    monkeypatch.chdir(tmp_path)
    recipe = {"lr": 0.4, "epochs": 6, "batch_size": 8, "lr_scheduler": "cosineannealinglr", "lr_warmup_epochs": 2}
    (tmp_path / "recipe.yaml").write_text(yaml.safe_dump(recipe))
    sizes = dict(dataset_size=100, world_size=2)  # ceil(ceil(100 / 2) / 8) = 7 optimizer steps per epoch
    result = lrviz.simulate("recipe.yaml", **sizes)
    want_lr, want_momentum = script_lrs(recipe, updates_per_epoch=7)
    assert np.array_equal(result.lr(), want_lr) and np.array_equal(result.momentum(), want_momentum)
    assert result.plan is not None and result.plan.kind == "torchvision"
    flags = ("--dataset-size", "100", "--world-size", "2")
    (tmp_path / "cli").mkdir()
    (tmp_path / "api").mkdir()
    assert cli("export", "recipe.yaml", "-o", "cli.json", *flags).exit_code == 0
    assert cli("plot", "recipe.yaml", "-o", "cli", *flags).exit_code == 0
    lrviz.export("recipe.yaml", "api.json", **sizes)
    lrviz.plot("recipe.yaml", "api", **sizes).clear()
    assert (tmp_path / "api.json").read_bytes() == (tmp_path / "cli.json").read_bytes()
    assert "framework" in json.loads((tmp_path / "api.json").read_text())  # the arithmetic, recorded
    assert (tmp_path / "api" / "recipe.png").read_bytes() == (tmp_path / "cli" / "recipe.png").read_bytes()
    (tmp_path / "steplr.yaml").write_text("steps: 5\nscheduler: StepLR\nparams: {step_size: 2}\n")
    with pytest.raises(TypeError, match="dataset_size= is for framework files; the source is an lrviz config"):
        lrviz.simulate("steplr.yaml", dataset_size=10)
    with pytest.raises(TypeError, match="world_size= is for framework files; the source is a dict, not a path"):
        lrviz.simulate({"steps": 5, "scheduler": "StepLR", "params": {"step_size": 2}}, world_size=2)
    with pytest.raises(
        LrvizError,
        match="must be one of lrviz, hf, timm, torchvision, hydra, deepspeed, megatron, function, lightningcli, "
        "torchtune, mmengine, got 'keras'",
    ):
        lrviz.simulate("recipe.yaml", kind="keras")
