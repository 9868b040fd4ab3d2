"""lrviz.sources.load_source: the one function that turns any path into a validated config.

Fidelity to the frameworks is proven in test_sources_hf/timm/torchvision (their plans
against the frameworks' own code) and end to end in test_frameworks_cli; here: which
kind a file is, where the facts a file does not hold come from, and that every bad
input is one LrvizError naming the file and the key or option.
"""

from __future__ import annotations

import pytest

from lrviz.errors import ConfigError, LrvizError
from lrviz.sources import Loaded, load_source, plan
from lrviz.validate import load_config
from tests.conftest import REPO

CONFIGS = REPO / "configs"

HF_YAML = """\
# a TrainingArguments recipe
learning_rate: 0.001
lr_scheduler_type: linear
warmup_steps: 2
num_train_epochs: 2
per_device_train_batch_size: 4
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_an_lrviz_config_loads_as_load_config_loads_it():
    path = CONFIGS / "torch" / "steplr.yaml"
    loaded = load_source(path)
    assert isinstance(loaded, Loaded) and loaded.kind == "lrviz" and loaded.plan is None and loaded.summary is None
    want = load_config(path)
    assert (loaded.config.steps, loaded.config.source, [s.label for s in loaded.config.schedules]) == (
        want.steps,
        want.source,
        [s.label for s in want.schedules],
    )
    assert load_source(path, kind="lrviz", steps=7).config.steps == 7  # load_config's overrides


def test_a_framework_file_loads_with_its_plan_and_no_trust(tmp_path):
    path = write(tmp_path, "args.yaml", HF_YAML)
    loaded = load_source(path, dataset_size=23)
    # ceil(23 / 4) = 6 updates per epoch (written out here, not read from lrviz), 2 epochs
    assert loaded.kind == "hf" and loaded.config.steps == 12 and loaded.config.steps_per_epoch == 6
    assert loaded.config.source == path and loaded.config.name == "args"  # outputs are named after the file
    assert loaded.config.schedules[0].spec.kind == "framework"
    assert loaded.plan is not None and loaded.plan.row("warmup steps").value == 2
    assert loaded.summary == loaded.plan.summary and "12" in loaded.summary
    assert loaded.plan.config == plan(path, dataset_size=23).config  # the same plan as the planner's own


def test_the_options_steps_and_device_apply_to_a_framework_file(tmp_path):
    path = write(tmp_path, "args.yaml", HF_YAML)
    loaded = load_source(path, dataset_size=23, steps=5, device="cpu")
    assert loaded.config.steps == 5
    assert loaded.plan is not None and loaded.plan.row("total optimizer steps").value == 12  # the arithmetic stays
    assert loaded.plan.row("note").value == "--steps 5: the run shown is not the 12 planned"


def test_facts_come_from_a_comment_and_options_override_it(tmp_path):
    path = write(tmp_path, "args.yaml", "# lrviz: --dataset-size 23 --world-size=2\n" + HF_YAML)
    loaded = load_source(path)
    assert loaded.plan is not None
    assert loaded.plan.row("examples").value == 23 and loaded.plan.row("world size").value == 2
    # ceil(23 / 4) = 6 batches; even_batches over 2 processes: 3 each
    assert loaded.config.steps_per_epoch == 3
    assert loaded.plan.row("examples").how == "the file's '# lrviz:' comment (--dataset-size overrides it)"
    assert loaded.plan.row("world size").how == "the file's '# lrviz:' comment (--world-size overrides it)"
    over = load_source(path, dataset_size=40, world_size=1)
    assert over.plan is not None and over.plan.row("examples").value == 40 and over.config.steps_per_epoch == 10
    assert over.plan.row("examples").how == "--dataset-size"


def test_json_facts_live_in_a_sidecar(tmp_path):
    path = write(tmp_path, "args.json", '{"lr_scheduler_type": "constant", "num_train_epochs": 1}')
    with pytest.raises(LrvizError, match="--dataset-size"):
        load_source(path)
    write(tmp_path, "args.json.lrviz", "# written by TrainingArguments.to_json_string()\n# lrviz: --dataset-size 17\n")
    loaded = load_source(path)
    assert loaded.config.steps == 3  # ceil(17 / 8): the Trainer's default batch of 8


def test_a_comment_can_say_the_kind(tmp_path):
    path = write(tmp_path, "recipe.yaml", "# lrviz: --from torchvision\nlr: 0.2\nepochs: 3\n")
    assert load_source(path).kind == "torchvision"
    with pytest.raises(LrvizError, match="cannot tell"):
        load_source(write(tmp_path, "plain.yaml", "lr: 0.2\nepochs: 3\n"))


@pytest.mark.parametrize(
    ("text", "sidecar", "where", "words"),
    [
        (
            "# lrviz: --dataset 5\n",
            None,
            "args.yaml: line 1",
            "unknown option '--dataset' (did you mean --dataset-size?)",
        ),
        ("# lrviz: --dataset-size 0\n", None, "args.yaml: line 1", "0 is outside 1 to"),
        ("# lrviz: --dataset-size lots\n", None, "args.yaml: line 1", "got 'lots'"),
        ("# lrviz: --world-size\n", None, "args.yaml: line 1", "--world-size needs a value"),
        ("# lrviz: --from keras\n", None, "args.yaml: line 1", "--from takes lrviz, hf, timm, torchvision"),
        ("# lrviz: --world-size 2\n# lrviz: --world-size 4\n", None, "args.yaml: line 2", "already gives world-size"),
        ("# lrviz: --dataset-size 5 --dataset-size 6\n", None, "args.yaml: line 1", "given twice"),
        ("", "dataset_size: 5\n", "args.yaml.lrviz: line 1", "'#' comment lines only"),
        ("# lrviz: --dataset-size 5\n", "# lrviz: --dataset-size 6\n", "args.yaml.lrviz", "in its sidecar"),
    ],
)
def test_bad_facts_name_the_line(tmp_path, text, sidecar, where, words):
    path = write(tmp_path, "args.yaml", text + HF_YAML)
    if sidecar is not None:
        write(tmp_path, "args.yaml.lrviz", sidecar)
    with pytest.raises(ConfigError) as info:
        load_source(path)
    assert str(info.value).startswith(f"{tmp_path}/{where}: "), str(info.value)
    assert words in str(info.value)


def test_a_sidecar_that_is_not_a_file_is_ignored(tmp_path):
    import os

    path = write(tmp_path, "args.yaml", HF_YAML)
    os.mkfifo(tmp_path / "args.yaml.lrviz")  # reading a FIFO would block forever
    assert load_source(path, dataset_size=23).config.steps == 12


@pytest.mark.parametrize(
    ("kwargs", "option"),
    [
        ({}, "--dataset-size"),
        ({"dataset_size": 0}, "--dataset-size"),
        ({"dataset_size": 23, "world_size": 0}, "--world-size"),
    ],
)
def test_missing_or_bad_facts_name_the_option(tmp_path, kwargs, option):
    path = write(tmp_path, "args.yaml", HF_YAML)
    with pytest.raises(LrvizError) as info:
        load_source(path, **kwargs)
    assert option in str(info.value) and str(info.value).startswith(f"{path}: ")


def test_kinds_forced_refused_and_unknown(tmp_path):
    steplr = CONFIGS / "torch" / "steplr.yaml"
    with pytest.raises(ConfigError) as info:
        load_source(steplr, kind="hf")
    assert "looks like an lrviz config" in str(info.value) and "--from lrviz" in str(info.value)
    with pytest.raises(LrvizError, match="must be one of lrviz, hf, timm, torchvision"):
        load_source(steplr, kind="keras")
    mixed = write(tmp_path, "mixed.yaml", "sched: cosine\nlr_scheduler: steplr\nepochs: 10\n")
    with pytest.raises(ConfigError) as info:
        load_source(mixed)
    assert "ambiguous" in str(info.value) and "--from timm|torchvision" in str(info.value)
    with pytest.raises(ConfigError, match="train.py has no argument 'sched'"):  # train.py refuses timm's flag
        load_source(mixed, kind="torchvision")
    assert load_source(write(tmp_path, "tv.yaml", "lr_scheduler: steplr\nepochs: 10\n"), kind="torchvision").kind == (
        "torchvision"
    )
    empty = write(tmp_path, "empty.json", "{}")
    with pytest.raises(ConfigError) as info:
        load_source(empty)
    assert "cannot tell what this file is" in str(info.value) and "--from lrviz|hf|timm|torchvision" in str(info.value)


def test_an_lrviz_config_with_a_framework_key_gets_lrviz_s_own_message(tmp_path):
    path = write(tmp_path, "c.yaml", "steps: 5\nscheduler: StepLR\nparams: {step_size: 2}\nwarmup_ratio: 0.1\n")
    with pytest.raises(ConfigError) as info:
        load_source(path)
    assert info.value.key == "warmup_ratio" and "unknown" in info.value.message


@pytest.mark.parametrize("text", ["- 1\n- 2\n", "just text\n"])
def test_yaml_that_is_no_mapping_gets_lrviz_s_own_message(tmp_path, text):
    path = write(tmp_path, "c.yaml", text)
    with pytest.raises(ConfigError) as want:
        load_config(path)
    with pytest.raises(ConfigError) as got:
        load_source(path)
    assert str(got.value) == str(want.value)


def test_json_that_is_no_object_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="JSON object"):
        load_source(write(tmp_path, "a.json", "[1, 2]"))
