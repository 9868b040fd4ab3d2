"""Framework files on the command line: plot, show, export and check read them as they read lrviz configs.

The truth is the frameworks' own code, run here: ``lrviz export FILE`` (the CLI, in
process) gives the lrs of a real ``Trainer.train()``, of timm's factory stepped as its
``train.py`` steps it, and of torchvision's reference script's construction, bit for
bit. Every bad input the issue lists is exit 2 with one line naming the key (or the
option), and nothing written.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from lrviz.cli import app
from tests.conftest import REPO
from tests.test_sources_hf import TRAINER_MISSING, train
from tests.test_sources_timm import ARGS as TIMM_ARGS
from tests.test_sources_timm import train_py_lrs
from tests.test_sources_torchvision import script_lrs

runner = CliRunner()

RECIPE = {"lr": 0.4, "epochs": 6, "batch_size": 8, "lr_scheduler": "cosineannealinglr", "lr_warmup_epochs": 2}
HF = {
    "learning_rate": 1e-3,
    "lr_scheduler_type": "cosine",
    "warmup_steps": 0.25,
    "num_train_epochs": 2,
    "per_device_train_batch_size": 4,
    "gradient_accumulation_steps": 2,
}


@pytest.fixture(autouse=True)
def _no_ambient_trust(monkeypatch):
    monkeypatch.delenv("LRVIZ_TRUST", raising=False)


def cli(*args):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def write(path, data):
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
    return path


def refused(result, *fragments):
    """The one stderr line of an exit-2 refusal, checked to hold every fragment."""
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    assert fragments
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def csv_columns(text: str) -> tuple[np.ndarray, np.ndarray]:
    """(lr, momentum) of the first schedule's first group of an ``lrviz export`` CSV."""
    rows = [line.split(",") for line in text.strip().splitlines()]
    assert rows[0] == ["schedule", "group", "step", "lr", "momentum"]
    first = [r for r in rows[1:] if (r[0], r[1]) == (rows[1][0], rows[1][1])]
    assert [int(r[2]) for r in first] == list(range(len(first)))
    return np.array([float(r[3]) for r in first]), np.array([float(r[4]) for r in first])


# --------------------------------------------------------------------------- the truth, through the CLI


def test_export_of_a_torchvision_recipe_is_the_script_s_lrs(tmp_path):
    path = write(tmp_path / "recipe.yaml", RECIPE)
    out = cli("export", path, "--dataset-size", 100, "--world-size", 2)
    assert out.exit_code == 0, out.output
    lr, momentum = csv_columns(out.stdout)
    # DistributedSampler: ceil(100 / 2) = 50 samples per process; ceil(50 / 8) = 7 batches = 7 optimizer steps
    want_lr, want_momentum = script_lrs(RECIPE, updates_per_epoch=7)
    assert len(lr) == 6 * 7 and len(set(lr.tolist())) > 2
    np.testing.assert_array_equal(lr, want_lr)
    np.testing.assert_array_equal(momentum, want_momentum)


@pytest.mark.skipif(bool(TRAINER_MISSING), reason=TRAINER_MISSING or "-")
def test_export_of_training_arguments_is_the_trainer_s_lrs(tmp_path):
    args, lrs, beta1 = train(tmp_path, 23, adam_beta1=0.85, **HF)
    path = tmp_path / "training_args.json"
    path.write_text(args.to_json_string())
    out = cli("export", path, "--dataset-size", 23)
    assert out.exit_code == 0, out.output
    lr, momentum = csv_columns(out.stdout)
    # ceil(23 / 4) = 6 batches, ceil(6 / 2) = 3 updates per epoch, 2 epochs: 6 steps, warmup ceil(6 x 0.25) = 2
    assert len(lrs) == 6 and lrs[0] == 0.0 and len(set(lrs.tolist())) > 2
    np.testing.assert_array_equal(lr, lrs)
    np.testing.assert_array_equal(momentum, beta1)


def test_export_of_a_timm_args_yaml_is_train_py_s_lrs(tmp_path, timm_scheduler):
    args = {**TIMM_ARGS, "sched_on_updates": True, "epochs": 4, "warmup_epochs": 1}
    path = write(tmp_path / "args.yaml", args)
    out = cli("export", path, "--dataset-size", 22)
    assert out.exit_code == 0, out.output
    lr, _ = csv_columns(out.stdout)
    # the train loader drops the last partial batch: 22 // 4 = 5 updates per epoch
    want = train_py_lrs(timm_scheduler, args, updates_per_epoch=5, lr=args["lr"])
    assert len(lr) == 4 * 5 and len(set(want.tolist())) > 5
    np.testing.assert_array_equal(lr, want)


# --------------------------------------------------------------------------- every command reads them


def test_every_command_reads_a_framework_file(tmp_path):
    path = write(tmp_path / "recipe.yaml", RECIPE)
    plot = cli("plot", path, "--dataset-size", 100, "-o", tmp_path)
    assert plot.exit_code == 0, plot.output
    assert (tmp_path / "recipe.png").read_bytes()[:4] == b"\x89PNG"
    show = cli("show", path, "--dataset-size", 100)
    assert show.exit_code == 0, show.output
    for row in ("examples", "updates per epoch", "total optimizer steps", "warmup steps", "ceil(100 / 8)"):
        assert row in show.stdout, row
    check = cli("check", path, "--dataset-size", 100, "--format", "json")
    assert check.exit_code == 0, check.output
    assert json.loads(check.stdout)["configs"][0]["steps"] == 6 * 13  # ceil(100 / 8) = 13 steps an epoch


def test_show_s_arithmetic_reads_whole_at_80_columns():
    """Each reason stays readable in an 80-column terminal: on lines of its own under its value."""
    path = REPO / "configs" / "frameworks" / "hf-roberta-mnli.json"
    shown = CliRunner().invoke(app, ["show", str(path)], env={"COLUMNS": "80"})
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert len(lines) > 20 and max(len(line) for line in lines) <= 80
    for reason in ("ceil(392,702 / 32)", "ceil(3 x 3,068)", "--world-size (processes; default 1)"):
        assert any(reason in line for line in lines), reason


@pytest.mark.parametrize("layout", ["overlay", "grid"])
def test_plot_puts_the_summary_under_the_title(tmp_path, layout):
    """The subtitle is drawn between the title and the axes (and the legend above them), never on them."""
    from lrviz.render.plot import PlotOptions, figure_for
    from lrviz.simulate import simulate
    from lrviz.sources import load_source

    loaded = load_source(write(tmp_path / "recipe.yaml", RECIPE), dataset_size=100)
    assert loaded.summary is not None
    fig = figure_for(simulate(loaded.config), PlotOptions(layout=layout, subtitle=loaded.summary))
    renderer = fig.canvas.get_renderer()
    fig.canvas.draw()
    (sub,) = [t for t in fig.texts if t.get_text().replace("\n", " ") == loaded.summary]
    title = fig._suptitle.get_window_extent(renderer)
    box = sub.get_window_extent(renderer)
    assert box.y1 <= title.y0 + 1  # under the title
    assert fig.axes
    for ax in fig.axes:
        assert box.y0 >= ax.get_tightbbox(renderer).y1 - 1  # above every axes with its labels
    tops = [legend.get_window_extent(renderer).y1 for legend in fig.legends]  # in the frame, under the titles
    assert len(tops) == (1 if layout == "overlay" else 0)  # a grid of one group each needs none
    assert all(box.y0 >= top - 1 for top in tops)  # and above the legend
    fig.clear()


def test_export_json_records_the_arithmetic(tmp_path):
    path = write(tmp_path / "recipe.yaml", RECIPE)
    out = cli("export", path, "--dataset-size", 100, "--world-size", 2, "--format", "json")
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    framework = doc["framework"]
    assert framework["kind"] == "torchvision" and framework["source"] == str(path)
    rows = {r["name"]: r for r in framework["arithmetic"]}
    assert rows["examples"]["value"] == 100 and rows["world size"]["value"] == 2
    assert rows["updates per epoch"]["value"] == 7 and "ceil(50 / 8)" in rows["updates per epoch"]["how"]
    assert rows["total optimizer steps"]["value"] == 42 == doc["config"]["steps"]
    assert "42 steps" in framework["summary"]
    plain = json.loads(cli("export", "configs/torch/steplr.yaml", "--format", "json").stdout)
    assert "framework" not in plain


def test_options_override_the_file_s_comment(tmp_path):
    path = write(tmp_path / "recipe.yaml", "# lrviz: --dataset-size 100 --world-size 2\n" + yaml.safe_dump(RECIPE))
    from_comment = json.loads(cli("export", path, "-f", "json").stdout)
    assert from_comment["config"]["steps"] == 6 * 7
    overridden = json.loads(cli("export", path, "-f", "json", "--world-size", 1).stdout)
    assert overridden["config"]["steps"] == 6 * 13  # ceil(100 / 8)


def test_from_forces_the_kind(tmp_path):
    path = write(tmp_path / "recipe.yaml", {"lr": 0.2, "epochs": 3})  # only keys every framework shares
    refused(cli("export", path), "cannot tell what this file is", "--from lrviz|hf|timm|torchvision")
    out = cli("export", path, "--from", "torchvision", "-f", "json")
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["framework"]["kind"] == "torchvision"
    refused(cli("export", "configs/torch/steplr.yaml", "--from", "hf"), "looks like an lrviz config", "--from lrviz")
    bad = cli("export", path, "--from", "keras")
    assert bad.exit_code == 2 and "lrviz|hf|timm|torchvision" in bad.output.replace("'", "").replace(", ", "|")


def test_ambiguous_file_names_what_was_expected(tmp_path):
    path = write(tmp_path / "mixed.yaml", {"sched": "cosine", "lr_scheduler": "steplr", "epochs": 10})
    refused(cli("plot", path, "-o", tmp_path), "ambiguous", "timm", "torchvision", "--from timm|torchvision")
    assert not list(tmp_path.glob("*.png"))


def test_size_options_are_for_framework_files(tmp_path):
    refused(cli("export", "configs/torch/steplr.yaml", "--world-size", 2), "--world-size is for framework files")
    refused(cli("show", "configs/torch/steplr.yaml", "--dataset-size", 2), "--dataset-size is for framework files")


# --------------------------------------------------------------------------- bad input: exit 2, one line, nothing

DEEP_JSON = "[" * 100_000 + "]" * 100_000
LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)

N = ["--dataset-size", 100]
BAD = {
    "unknown scheduler type": ("a.json", {**HF, "lr_scheduler_type": "cosinee"}, N, ["lr_scheduler_type", "cosine"]),
    "zero batch": ("a.json", {**HF, "per_device_train_batch_size": 0}, N, ["per_device_train_batch_size"]),
    "negative accumulation": ("a.json", {**HF, "gradient_accumulation_steps": -2}, N, ["gradient_accumulation_steps"]),
    "zero dataset size": ("a.json", HF, ["--dataset-size", 0], ["--dataset-size"]),
    "negative world size": ("a.json", HF, [*N, "--world-size", -1], ["--world-size"]),
    "missing dataset size": ("a.json", HF, [], ["--dataset-size"]),
    "ratio above 1": ("a.json", {**HF, "warmup_ratio": 1.5}, N, ["warmup_ratio", "<= 1"]),
    "absurd max_steps": ("a.json", {**HF, "max_steps": 10**12}, [], ["max_steps", "limit"]),
    "absurd dataset size": ("a.json", HF, ["--dataset-size", 10**13], ["--dataset-size", "limit"]),
    "absurd epochs": ("r.yaml", {**RECIPE, "epochs": 10**9}, N, ["epochs", "limit"]),
    "unknown lr_scheduler": ("r.yaml", {**RECIPE, "lr_scheduler": "bogus"}, N, ["lr_scheduler", "steplr"]),
    "wrong kind": ("a.json", HF, [*N, "--from", "torchvision"], ["learning_rate", "--from hf"]),
    "JSON bomb": ("a.json", DEEP_JSON, N, ["nested deeper than 64"]),
    "YAML bomb": ("r.yaml", "lr_scheduler: steplr\n" + LAUGHS, N, ["expands to more than"]),
}


@pytest.mark.parametrize("case", list(BAD))
@pytest.mark.parametrize("command", ["plot", "export", "show", "check"])
def test_bad_input_is_one_line_naming_the_key_and_nothing_written(tmp_path, case, command):
    name, data, options, fragments = BAD[case]
    folder = tmp_path / "in"
    folder.mkdir()
    path = folder / name
    write(path, data if isinstance(data, str) else (json.dumps(data) if name.endswith(".json") else data))
    out = tmp_path / "out"
    out.mkdir()
    args = [command, path, *options]
    if command == "plot":
        args += ["-o", out]
    elif command == "export":
        args += ["-o", out / "x.csv"]
    refused(cli(*args), *fragments)
    assert list(out.iterdir()) == []
    assert sorted(p.name for p in folder.iterdir()) == [name]


# --------------------------------------------------------------------------- convert

EXAMPLES = sorted(p for p in (REPO / "configs" / "frameworks").iterdir() if p.suffix in (".json", ".yaml"))
#: Options per conversion: the examples' own facts (small ones, for speed) and a few variations.
OPTIONS = [
    ["--dataset-size", 5000],
    ["--dataset-size", 777, "--world-size", 3],
    ["--dataset-size", 3000, "--world-size", 1],
]


@pytest.mark.parametrize("options", OPTIONS, ids=["5000", "777x3", "3000x1"])
@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_export_of_the_converted_config_is_the_export_of_the_file(tmp_path, path, options, request):
    """lrviz export OUT.yaml gives the values of lrviz export FILE, bit for bit (the CSV, labels included)."""
    from lrviz.sources import detect

    if detect(path) == "timm":
        request.getfixturevalue("timm_scheduler")
    if detect(path) == "hydra":
        request.getfixturevalue("omegaconf_module")  # OmegaConf resolves its interpolation
    if detect(path) == "deepspeed":
        request.getfixturevalue("deepspeed_schedules")  # DeepSpeed's own classes build it
    if detect(path) == "lightningcli":
        request.getfixturevalue("jsonargparse_module")  # LightningCLI's parser reads it
    if detect(path) == "torchtune":
        request.getfixturevalue("torchtune_schedules")  # torchtune's own functions build it
    direct = cli("export", path, *options)
    if detect(path) == "deepspeed" and "--world-size" in options and 512 % options[3]:
        refused(direct, "train_batch_size", "DeepSpeed refuses it")  # 512 sequences do not split over 3 processes
        return
    assert direct.exit_code == 0, direct.output
    out = tmp_path / "converted.yaml"
    conv = cli("convert", path, *options, "-o", out)
    assert conv.exit_code == 0, conv.output
    assert conv.stdout.strip() == str(out)
    text = out.read_text()
    again = cli("export", out)
    assert again.exit_code == 0, again.output
    assert again.stdout == direct.stdout
    assert len({row.split(",")[3] for row in direct.stdout.splitlines()[1:]}) > 2  # a schedule, not a flat line
    assert "--trust" not in again.output  # hf.* / timm.* need no trust
    # the arithmetic as comments above the config, and the config as the planner made it
    from lrviz.parse.yamlio import parse_yaml
    from lrviz.sources import load_source

    planned = load_source(path, dataset_size=options[1], world_size=options[3] if len(options) > 2 else None).plan
    assert planned is not None
    assert planned.comments() in text
    data = parse_yaml(text)
    assert data.pop("title") == path.stem and data.pop("description") == planned.summary
    assert data == planned.config


def test_export_of_the_converted_example_with_its_own_facts(tmp_path):
    """The example as the gallery draws it (its '# lrviz:' comment: 450,450 steps), converted and exported."""
    path = REPO / "configs" / "frameworks" / "torchvision-resnet50.yaml"
    out = tmp_path / "resnet.yaml"
    assert cli("convert", path, "-o", out).exit_code == 0
    direct, again = cli("export", path), cli("export", out)
    assert direct.exit_code == again.exit_code == 0
    assert len(direct.stdout.splitlines()) == 450_450 + 1
    assert again.stdout == direct.stdout


def test_convert_names_the_framework_kind_and_the_arithmetic(tmp_path):
    path = write(tmp_path / "args.json", json.dumps(HF))
    out = cli("convert", path, "--dataset-size", 23)  # no -o: standard output
    assert out.exit_code == 0, out.output
    text = out.stdout
    assert "scheduler: hf.cosine" in text and "hf.cosine: built by the framework's own code" in text
    assert "# updates per epoch      3  (max(ceil(6 / 2), 1)" in text  # ceil(23 / 4) = 6 batches; 2 accumulated
    assert "# total optimizer steps  6  (ceil(2 x 3))" in text
    assert "# warmup steps           2  (ceil(6 x 0.25)" in text


def test_convert_output_is_a_file_or_a_folder(tmp_path):
    path = write(tmp_path / "recipe.yaml", RECIPE)
    folder = tmp_path / "a" / "b"  # no extension: a folder, created with its parents
    out = cli("convert", path, "--dataset-size", 100, "-o", folder)
    assert out.exit_code == 0, out.output
    assert (folder / "recipe.yaml").is_file() and out.stdout.strip() == str(folder / "recipe.yaml")
    nested = tmp_path / "c" / "d.yml"
    assert cli("convert", path, "--dataset-size", 100, "-o", nested).exit_code == 0 and nested.is_file()
    first = (folder / "recipe.yaml").read_bytes()
    assert cli("convert", path, "--dataset-size", 100, "-o", folder).exit_code == 0
    assert (folder / "recipe.yaml").read_bytes() == first  # deterministic
    refused(cli("convert", path, "--dataset-size", 100, "-o", tmp_path / "x.json"), "x.json", ".yaml or .yml")
    assert not (tmp_path / "x.json").exists()


@pytest.mark.parametrize("case", ["lrviz config", "missing dataset size", "bad key"])
def test_convert_refuses_bad_input_and_writes_nothing(tmp_path, case):
    path = {
        "lrviz config": lambda: REPO / "configs" / "torch" / "steplr.yaml",
        "missing dataset size": lambda: write(tmp_path / "a.json", json.dumps(HF)),
        "bad key": lambda: write(tmp_path / "a.json", json.dumps({**HF, "warmup_ratio": 2})),
    }[case]()
    fragment = {"lrviz config": "lrviz config already", "missing dataset size": "--dataset-size"}.get(
        case, "warmup_ratio"
    )
    out = tmp_path / "out" / "c.yaml"
    refused(cli("convert", path, "-o", out, *(["--dataset-size", 5] if case == "bad key" else [])), fragment)
    assert not (tmp_path / "out").exists()


def test_the_readme_s_arithmetic_table_is_what_lrviz_says():
    """The docs' excerpt of the step arithmetic for the RoBERTa example: each row as lrviz works it out."""
    import re

    from lrviz.sources import load_source

    page = (REPO / "docs" / "frameworks.rst").read_text()
    (block,) = re.findall(r"\.\. code-block:: text\n\n((?:   .*\n|\n)+)", page)
    block = "\n".join(line[3:] for line in block.splitlines())
    loaded = load_source(REPO / "configs" / "frameworks" / "hf-roberta-mnli.json")
    assert loaded.plan is not None
    rows = block.strip().splitlines()
    assert len(rows) >= 5
    for line in rows:
        name, value, how = re.split(r"\s{2,}", line.strip(), maxsplit=2)
        row = loaded.plan.row(name)
        assert (row.shown(), row.how[: len(how)]) == (value, how), line
