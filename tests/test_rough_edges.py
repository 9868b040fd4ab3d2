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


def test_show_prints_the_mean_the_area_and_the_lr_at_10_50_90_percent(tmp_path):
    """StepLR(step_size=5, gamma=0.1) over 20 steps from lr 0.1, two groups: the closed forms
    are 5 x (0.1 + 0.01 + 0.001 + 0.0001) for the sum (x 0.1 for the 0.01 group), the sum
    over 20 for the mean, and 0.1, 0.001, 0.0001 at steps 2, 10 and 18."""
    import math

    from lrviz.render.summary import summary
    from lrviz.simulate import simulate
    from lrviz.validate import load_config

    data = {
        "steps": 20,
        "optimizer": {"name": "SGD", "lr": 0.1, "param_groups": [{"name": "a", "lr": 0.1}, {"name": "b", "lr": 0.01}]},
        "scheduler": "StepLR",
        "params": {"step_size": 5, "gamma": 0.1},
    }
    rows = summary(simulate(load_config(data)).trajectories[0], 20)
    for row, base in zip(rows, (0.1, 0.01), strict=True):
        area = 5 * (base + base / 10 + base / 100 + base / 1000)
        assert row["area"] == pytest.approx(area, rel=1e-14)
        assert row["mean"] == pytest.approx(area / 20, rel=1e-14)
        assert (row["step@10%"], row["step@50%"], row["step@90%"]) == (2, 10, 18)
        for key, value in (("lr@10%", base), ("lr@50%", base / 100), ("lr@90%", base / 1000)):
            assert row[key] == pytest.approx(value, rel=1e-14)
    cfg = tmp_path / "g.yaml"
    import yaml

    cfg.write_text(yaml.safe_dump(data))
    res = runner.invoke(app, ["show", str(cfg)], env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    assert "mean lr" in res.output and "sum of lr" in res.output
    assert "at 10%, 50%, 90%: the lr during steps 2, 10, 18 of 20" in res.output
    line_a = next(ln for ln in res.output.splitlines() if ln.startswith("a "))
    assert line_a.split()[1:] == [f"{5 * 0.1111 / 20:.6g}", f"{5 * 0.1111:.6g}", "0.1", "0.001", "0.0001"]
    assert max(len(ln) for ln in res.output.splitlines()) <= 80
    assert not math.isnan(rows[0]["mean"])


def test_a_misspelt_torchvision_argument_is_refused_as_train_py_refuses_it(tmp_path):
    """train.py's argparse refuses an argument it does not define ("unrecognized arguments");
    lrviz names each, with the flag it was likely meant to be."""
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text("model: resnet50\nlr: 0.1\nepochs: 10\nlr_warmup_epoch: 3\nlr_sheduler: steplr\n")
    res = runner.invoke(app, ["plot", str(recipe), "--from", "torchvision", "-o", str(tmp_path / "r.png")])
    assert res.exit_code == 2, res.output
    assert "lr_warmup_epoch: train.py has no argument 'lr_warmup_epoch' (did you mean lr_warmup_epochs" in res.output
    assert "lr_sheduler: train.py has no argument 'lr_sheduler' (did you mean lr_scheduler?)" in res.output
    assert not (tmp_path / "r.png").exists()
    recipe.write_text("model: resnet50\nlr: 0.1\nepochs: 10\nlr-warmup-epochs: 3\nlr_scheduler: steplr\nwd: 0.0001\n")
    assert (
        runner.invoke(app, ["export", str(recipe), "--from", "torchvision", "-o", str(tmp_path / "r.csv")]).exit_code
        == 0
    )


def test_torchvision_arguments_are_train_pys_own():
    """Every key lrviz reads with a default is one of train.py's arguments."""
    from lrviz.sources.torchvision import TRAIN_ARGS, TRAIN_DEFAULTS

    assert set(TRAIN_DEFAULTS) <= TRAIN_ARGS


def test_a_near_miss_of_a_trainingarguments_field_is_refused(tmp_path):
    """HfArgumentParser refuses keys no dataclass takes; a key one letter off a field is a typo.
    The fields are the installed transformers' own; a recipe's model and data keys pass."""
    import dataclasses

    from transformers import TrainingArguments

    assert "warmup_steps" in {f.name for f in dataclasses.fields(TrainingArguments)}
    args = tmp_path / "args.yaml"
    args.write_text("output_dir: o\nlearning_rate: 1.0e-4\nwarmup_step: 10\nmax_steps: 100\nmodel_name_or_path: a/b\n")
    res = runner.invoke(app, ["check", str(args)])
    assert res.exit_code == 2, res.output
    assert "warmup_step: TrainingArguments has no field 'warmup_step' (did you mean warmup_steps?)" in res.output
    args.write_text(args.read_text().replace("warmup_step:", "warmup_steps:"))
    assert runner.invoke(app, ["check", str(args)]).exit_code == 0


def test_the_warmup_ratio_hint_names_a_command_that_exists(tmp_path):
    """``--from`` takes a kind (lrviz, hf, timm, torchvision), not a file: the hint says to give
    the TrainingArguments file itself."""
    cfg = tmp_path / "c.yaml"
    cfg.write_text("steps: 10\nscheduler: cosine\nwarmup_ratio: 0.1\n")
    res = runner.invoke(app, ["check", str(cfg)])
    assert res.exit_code == 2
    assert "--from FILE" not in res.output
    assert "give the TrainingArguments file itself as the config" in res.output


def _timm_fails(monkeypatch, words: str):
    import importlib

    from lrviz.registry import frameworks

    real = importlib.import_module

    def fake(name, *a, **kw):
        if name == "timm.scheduler":
            raise ModuleNotFoundError(words)
        return real(name, *a, **kw)

    monkeypatch.setattr(frameworks.importlib, "import_module", fake)


def test_timm_failing_on_torchvision_says_torchvision_and_list_names_why(monkeypatch):
    _timm_fails(monkeypatch, "No module named 'torchvision'")
    res = runner.invoke(app, ["list", "timm.cosine"])
    assert res.exit_code == 2, res.output
    assert "unknown scheduler" not in res.output
    assert "`import timm` imports torchvision" in res.output and "lrviz[timm]" not in res.output


def test_timm_missing_itself_still_says_how_to_install_it(monkeypatch):
    _timm_fails(monkeypatch, "No module named 'timm'")
    res = runner.invoke(app, ["list", "timm.cosine"])
    assert res.exit_code == 2 and "pip install 'lrviz[timm]'" in res.output


def test_to_frame_needs_pandas_and_says_so(monkeypatch):
    import sys

    import lrviz

    result = lrviz.simulate({"steps": 3, "scheduler": "StepLR", "params": {"step_size": 1}})
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"needs pandas.*pip install 'lrviz\[pandas\]'"):
        result.to_frame()
    from tests.conftest import REPO

    page = (REPO / "docs" / "python.rst").read_text()
    line = next(ln for ln in page.splitlines() if ".to_frame()" in ln)
    assert "needs pandas" in line and "lrviz[pandas]" in line


def test_the_readme_says_what_math_is_lrvizs_own_and_how_to_get_the_cpu_torch():
    from tests.conftest import REPO

    readme = (REPO / "README.md").read_text()
    assert "never re-implements" not in readme
    assert "The one schedule math that is lrviz's own is the" in readme and "tests/test_presets.py" in readme
    assert "https://download.pytorch.org/whl/cpu" in readme
    assert "CPU build where the machine offers one" not in readme
    assert (REPO / "tests" / "test_presets.py").read_text().count("def test_preset_matches_transformers") == 1


def test_a_file_whose_telling_keys_are_all_misspelt_names_each_typo(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("step: 100\nsheduler: StepLR\nparams: {step_size: 5}\n")
    res = runner.invoke(app, ["check", str(cfg)])
    assert res.exit_code == 2
    assert "cannot tell what this file is" not in res.output
    assert "step: unknown key 'step' (did you mean steps" in res.output
    assert "sheduler: unknown key 'sheduler' (did you mean scheduler" in res.output
    cfg.write_text("name: x\nsize: 3\n")  # like nothing: still the plain refusal
    assert "cannot tell what this file is" in runner.invoke(app, ["check", str(cfg)]).output


def test_an_invalid_steps_does_not_hide_the_errors_after_it(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("steps: 0\nscheduler: StepLR\nparams: {step_size: 5, gama: 2}\noptimizer: {name: SGDD}\n")
    res = runner.invoke(app, ["check", str(cfg)])
    assert res.exit_code == 2
    assert "steps: expected a positive whole number, got 0" in res.output
    assert "optimizer.name: unknown optimizer 'SGDD'" in res.output
    assert "params.gama: unknown parameter 'gama' (did you mean gamma?)" in res.output


def test_code_schedule_takes_the_number_and_the_key_path_messages_print(tmp_path):
    """Messages name schedules by key path (schedules[0]); --schedule takes that as well as its
    1-based number, and a 0 says which numbering it is."""
    cfg = tmp_path / "two.yaml"
    cfg.write_text(
        "steps: 10\nschedules:\n  - {label: a, scheduler: StepLR, params: {step_size: 3}}\n"
        "  - {label: b, scheduler: ExponentialLR, params: {gamma: 0.9}}\n"
    )
    by_number = runner.invoke(app, ["code", str(cfg), "--schedule", "2"])
    by_key = runner.invoke(app, ["code", str(cfg), "--schedule", "schedules[1]"])
    by_label = runner.invoke(app, ["code", str(cfg), "--schedule", "b"])
    assert by_number.exit_code == by_key.exit_code == by_label.exit_code == 0
    assert by_number.output == by_key.output == by_label.output
    assert "ExponentialLR" in by_number.output and "StepLR" not in by_number.output
    zero = runner.invoke(app, ["code", str(cfg), "--schedule", "0"])
    assert zero.exit_code == 2 and "numbers count from 1 here; schedules[0]" in zero.output
    assert runner.invoke(app, ["code", str(cfg), "--schedule", "schedules[2]"]).exit_code == 2


@pytest.mark.parametrize("columns", ["80", "100"])
def test_list_cuts_nothing_at_80_columns(columns):
    """A default cut short (final_div_factor=1000... for 10000.0) reads as another number: long
    words wrap inside their cell instead."""
    res = runner.invoke(app, ["list"], env={"COLUMNS": columns})
    assert res.exit_code == 0
    assert "…" not in res.output
    assert max(len(line) for line in res.output.splitlines()) <= int(columns)
    cells = "".join(line.split("│")[2].strip() for line in res.output.splitlines() if line.count("│") == 4)
    assert "final_div_factor=10000.0" in cells


def test_the_hf_arithmetic_table_is_compact_at_80_columns():
    """As the README shows it: a name, its value on the same line, the reason beside it; no boxes.
    The numbers are the README's own RoBERTa example (392,702 / 32 = 12,272 batches, / 4 = 3,068)."""
    from tests.conftest import REPO

    res = runner.invoke(app, ["show", str(REPO / "configs/frameworks/hf-roberta-mnli.json")], env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    head = res.output[: res.output.index("hf-roberta-mnli —")]
    lines = head.splitlines()
    assert not set("┏┃│┡├└━─") & set(head)
    assert max(len(line) for line in lines) <= 80
    assert len(lines) <= 27  # the boxed form took 40 (one row, "transformers rules", since --transformers-version)
    for name, value in [
        ("batches per epoch", "12,272"),
        ("updates per epoch", "3,068"),
        ("total optimizer steps", "9,204"),
    ]:
        row = next(line for line in lines if line.startswith(name))
        assert value in row
    page = (REPO / "docs" / "frameworks.rst").read_text()
    assert "total optimizer steps         9,204  ceil(3 x 3,068)" in page


def test_a_misspelt_timm_key_is_noted_since_timm_itself_takes_it_silently(timm_scheduler):
    """timm's train.py reads args.yaml with parser.set_defaults(**cfg): an unknown key raises
    nothing and the argument meant keeps its default. lrviz does as timm does (runs it) and
    says so beside the arithmetic, with the key meant."""
    from lrviz.sources import plan

    args = {"sched": "cosine", "epochs": 10, "warmup_epoch": 3, "lr": 0.1}
    p = plan(args, dataset_size=256)
    notes = [how for name, value, how in p.table() if name == "note"] + [
        value for name, value, how in p.table() if name == "note"
    ]
    assert any("unknown key 'warmup_epoch' (did you mean warmup_epochs?)" in n for n in notes), p.table()
    clean = plan({**{k: v for k, v in args.items() if k != "warmup_epoch"}, "warmup_epochs": 3}, dataset_size=256)
    assert not any("unknown key" in value for name, value, how in clean.table() if name == "note")
