"""Framework files as input: detection, hostile files, never running their code, the Plan's forms.

The fidelity of each framework's schedule is proven in test_sources_hf/timm/torchvision;
this file covers what every source shares: reading (bounded, JSON and YAML), telling
the kind from the keys, one clear error per bad file, the driver timm schedules run
through, and the example files in configs/frameworks/.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from lrviz.errors import ConfigError, LrvizError
from lrviz.registry.adapter import StepAdapter, adapt
from lrviz.registry.frameworks import is_framework_name, lookup
from lrviz.sources import KINDS, Plan, Row, detect, load_source, plan, read_mapping
from lrviz.validate import load_config

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "configs" / "frameworks"
CONFIGS = REPO / "configs"

# --------------------------------------------------------------------------- detection

EXAMPLE_KINDS = {
    "hf-roberta-mnli.json": "hf",
    "hf-llama-sft-recipe.yaml": "hf",
    "timm-resnet50-a3-args.yaml": "timm",
    "torchvision-resnet50.yaml": "torchvision",
    "torchvision-new-recipe.yaml": "torchvision",
    "hydra-lightning-template.yaml": "hydra",
    "deepspeed-gpt-warmup-decay.json": "deepspeed",
    "lightningcli-cifar10-resnet.yaml": "lightningcli",
    "torchtune-llama3_2-1B-lora.yaml": "torchtune",
    "megatron-gpt-cosine-args.yaml": "megatron",
    "nanogpt-train.py": "function",
    "mmdet-faster-rcnn-1x.py": "mmengine",
}


def test_every_example_is_listed_and_detected():
    found = sorted(p.name for p in EXAMPLES.iterdir() if p.suffix in (".json", ".yaml", ".py"))
    assert found == sorted(EXAMPLE_KINDS)
    for name, kind in EXAMPLE_KINDS.items():
        assert detect(EXAMPLES / name) == kind, name


@pytest.mark.parametrize("name", [n for n in EXAMPLE_KINDS if n.endswith(".yaml")])
def test_example_yaml_says_where_it_comes_from(name):
    head = (EXAMPLES / name).read_text().splitlines()[:3]
    assert all(line.startswith("#") for line in head)
    assert any(word in " ".join(head) for word in ("train.py", "TrainingArguments", "recipe", "pretrain_gpt.py"))


def test_example_json_is_described_in_its_sidecar_and_the_readme():
    side = (EXAMPLES / "hf-roberta-mnli.json.lrviz").read_text()  # the comments JSON cannot hold
    assert "to_json_string()" in side and "# lrviz: --dataset-size 392702" in side
    readme = (EXAMPLES / "README.md").read_text()
    assert "`hf-roberta-mnli.json`" in readme and "to_json_string()" in readme


@pytest.mark.parametrize(
    "name",
    ["hf-roberta-mnli.json", "hf-llama-sft-recipe.yaml", "torchvision-resnet50.yaml", "torchvision-new-recipe.yaml"],
)
def test_examples_plan_and_load(name):
    p = plan(EXAMPLES / name, dataset_size=1_281_167 if "torchvision" in name else 392_702, world_size=8)
    cfg = load_config(p.config)
    assert cfg.steps == p.row("total optimizer steps").value
    assert len(p.summary) <= 120, p.summary  # one line under a plot's title


def test_timm_example_plans_and_loads(timm_scheduler):
    p = plan(EXAMPLES / "timm-resnet50-a3-args.yaml", dataset_size=1_281_167, world_size=8)
    assert p.row("updates per epoch").value == 625  # ceil(1281167 / 8) = 160146; // 256 = 625
    assert load_config(p.config).steps == 62_500


def test_lrviz_configs_are_detected_as_lrviz():
    configs = sorted(p for p in CONFIGS.rglob("*.yaml") if p.parent != EXAMPLES)
    assert len(configs) > 20
    for path in configs:
        assert detect(path) == "lrviz", path


def test_ambiguous_file_names_both_kinds(tmp_path):
    path = tmp_path / "mixed.yaml"
    path.write_text("sched: cosine\nlr_scheduler: steplr\nepochs: 10\n")
    with pytest.raises(ConfigError) as info:
        detect(path)
    msg = str(info.value)
    assert msg.startswith(f"{path}: ambiguous") and "timm" in msg and "torchvision" in msg and "--from" in msg


def test_unknown_file_says_what_was_expected(tmp_path):
    path = tmp_path / "what.json"
    path.write_text('{"lr": 0.1, "epochs": 3}')
    with pytest.raises(ConfigError) as info:
        plan(path)
    msg = str(info.value)
    assert "cannot tell" in msg and "lrviz config" in msg and "TrainingArguments" in msg and "args.yaml" in msg


def test_forced_kind_on_a_file_of_another_kind_names_the_key():
    with pytest.raises(ConfigError) as info:
        plan({"sched": "cosine", "epochs": 10}, kind="hf", source="args.yaml")
    assert info.value.key == "sched" and "timm args.yaml" in str(info.value) and "--from timm" in str(info.value)
    with pytest.raises(ConfigError, match="--from takes"):
        plan({"sched": "cosine"}, kind="keras")
    with pytest.raises(ConfigError, match="lrviz config already"):
        plan(CONFIGS / "torch" / "steplr.yaml")


def test_forced_kind_reads_a_file_without_markers():
    # only keys every framework shares: --from decides
    p = plan({"lr": 0.2, "epochs": 3}, kind="torchvision")
    assert p.kind == "torchvision" and p.config["epochs"] == 3


# --------------------------------------------------------------------------- hostile files


def refused(path: Path, match: str) -> str:
    with pytest.raises(LrvizError) as info:
        plan(path)
    msg = str(info.value)
    assert msg.startswith(str(path)) and match in msg and "\n" not in msg, msg
    return msg


def test_json_nested_too_deeply(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}")
    refused(path, "nested deeper than 64")


def test_json_brackets_inside_strings_are_not_nesting(tmp_path):
    path = tmp_path / "strings.json"
    path.write_text(json.dumps({"output_dir": "[" * 500 + '\\"{' * 100, "lr_scheduler": "steplr"}))
    assert plan(path).kind == "torchvision"


def test_json_too_many_values(tmp_path):
    path = tmp_path / "wide.json"
    path.write_text('{"lr_scheduler": "steplr", "x": [' + ",".join(["0"] * 200_000) + "]}")
    refused(path, "more than 100000 values")


def test_json_huge_integer_literal(tmp_path):
    path = tmp_path / "int.json"
    path.write_text('{"lr_scheduler": "steplr", "epochs": ' + "9" * 5000 + "}")
    refused(path, "integer of 5000 characters")


def test_json_duplicate_key(tmp_path):
    path = tmp_path / "dup.json"
    path.write_text('{"lr_scheduler": "steplr", "lr": 0.1, "lr": 10}')
    refused(path, "duplicate key 'lr'")


def test_json_nan_value_names_the_key(tmp_path):
    path = tmp_path / "nan.json"
    path.write_text('{"learning_rate": NaN, "max_steps": 10}')
    msg = refused(path, "learning_rate")
    assert "finite" in msg


def test_big_and_binary_files(tmp_path):
    big = tmp_path / "big.json"
    big.write_text('{"lr_scheduler": "steplr", "pad": "' + "x" * 1_000_001 + '"}')
    refused(big, "larger than 1000 kB")
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"sched: cosine\n\x00\x01")
    refused(binary, "NUL bytes")
    empty = tmp_path / "empty.yaml"
    empty.write_text("  \n")
    refused(empty, "empty")
    listed = tmp_path / "list.json"
    listed.write_text("[1, 2]")
    refused(listed, "expected a mapping")


def test_yaml_billion_laughs(tmp_path):
    lines = ["sched: cosine", 'a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 9):
        lines.append(f"{chr(97 + i)}: &{chr(97 + i)} [" + ",".join([f"*{chr(96 + i)}"] * 10) + "]")
    path = tmp_path / "laughs.yaml"
    path.write_text("\n".join(lines) + "\n")
    refused(path, "expands to more than")


# --------------------------------------------------------------------------- no code runs


def test_yaml_tags_never_run_code(tmp_path):
    marker = tmp_path / "ran"
    payload = f'!!python/object/apply:os.system ["touch {marker}"]'
    path = tmp_path / "args.yaml"
    path.write_text(f"sched: cosine\nepochs: {payload}\n")
    with pytest.raises(LrvizError):
        plan(path)
    assert not marker.exists()
    # positive control: the same document does run the command under PyYAML's unsafe loader
    yaml.unsafe_load(path.read_text())
    assert marker.exists()


def test_a_scheduler_name_naming_code_is_never_imported(tmp_path):
    marker = tmp_path / "imported"
    (tmp_path / "evil.py").write_text(
        textwrap.dedent(f"""
        open({str(marker)!r}, "w").close()
        def Sched(optimizer):
            raise RuntimeError("never called here")
    """)
    )
    for data in (
        {"lr_scheduler_type": "evil.py:Sched", "max_steps": 5},
        {"lr_scheduler_type": "evil:Sched", "max_steps": 5},
        {"lr_scheduler": "evil.py:Sched", "epochs": 3},
    ):
        with pytest.raises(LrvizError):
            plan(data, source=str(tmp_path / "args.yaml"))
    assert not marker.exists()
    # positive control: a trusted lrviz config naming the same file does import it
    load_config({"steps": 3, "scheduler": f"{tmp_path / 'evil.py'}:Sched"}, trust=True)
    assert marker.exists()


def test_reading_a_framework_file_imports_nothing_new():
    """In a fresh interpreter: planning the torchvision example leaves no new third-party module behind."""
    code = textwrap.dedent(f"""
        import sys
        from lrviz.sources import plan
        before = set(sys.modules)
        plan({str(EXAMPLES / "torchvision-resnet50.yaml")!r}, dataset_size=1000)
        new = {{m.split('.')[0] for m in set(sys.modules) - before}}
        print(sorted(new - {{'lrviz', 'torch', 'numpy', 'yaml', 'json', 'math'}}))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    new = json.loads(out.stdout.strip().replace("'", '"'))
    assert not [m for m in new if m in ("transformers", "timm", "accelerate")], new


# --------------------------------------------------------------------------- the timm driver


class Recorder:
    """A timm-style scheduler that records what it is told."""

    t_in_epochs = True

    def __init__(self):
        self.calls = []

    def step(self, epoch, metric=None):
        self.calls.append(("step", epoch, metric))

    def step_update(self, num_updates, metric=None):
        self.calls.append(("step_update", num_updates, metric))


def test_step_adapter_makes_train_py_calls():
    import torch

    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    rec = Recorder()
    adapter = StepAdapter(rec, opt, updates_per_epoch=3)
    for k in range(7):
        adapter.step(float(k))
    # train.py: step_update(num_updates) after every update; step(epoch + 1, metric) after updates 3 and 6
    assert rec.calls == [
        ("step_update", 1, 0.0),
        ("step_update", 2, 1.0),
        ("step_update", 3, 2.0),
        ("step", 1, 2.0),
        ("step_update", 4, 3.0),
        ("step_update", 5, 4.0),
        ("step_update", 6, 5.0),
        ("step", 2, 5.0),
        ("step_update", 7, 6.0),
    ]
    assert adapt(adapter, opt, name="x", key=None) is adapter  # never wrapped twice
    state = adapter.state_dict()
    fresh = StepAdapter(Recorder(), opt, updates_per_epoch=3)
    fresh.load_state_dict(state)
    fresh.step()
    assert fresh.scheduler.calls == [("step_update", 8, None)]
    with pytest.raises(ValueError, match="updates_per_epoch"):
        StepAdapter(Recorder(), opt, updates_per_epoch=0)


# --------------------------------------------------------------------------- names and forms


def test_framework_names():
    assert is_framework_name("hf.cosine") and is_framework_name("timm.step")
    assert not is_framework_name("cosine") and not is_framework_name("CosineAnnealingLR")
    with pytest.raises(ConfigError, match="did you mean cosine"):
        lookup("hf.cosinee")
    with pytest.raises(ConfigError, match="evaluation metrics"):
        lookup("hf.reduce_lr_on_plateau")
    with pytest.raises(ConfigError, match="not a framework scheduler"):
        lookup("keras.cosine")


def test_a_config_names_framework_schedulers_without_trust():
    """The registry's framework kind: hf.* / timm.* resolve like a torch class, with no --trust."""
    import pickle

    cfg = load_config(
        {
            "steps": 6,
            "schedules": [
                {"scheduler": "hf.linear", "params": {"num_warmup_steps": 2}},
                {"scheduler": "StepLR", "params": {"step_size": 2}},
                {
                    "scheduler": "SequentialLR",
                    "params": {"schedulers": [{"scheduler": "hf.constant"}], "milestones": []},
                },
            ],
        }
    )
    first = cfg.schedules[0].spec
    assert (first.kind, first.kwargs, first.filled) == (
        "framework",
        {"num_warmup_steps": 2, "num_training_steps": 6},  # filled with the run's scheduler steps, as for presets
        frozenset({"num_training_steps"}),
    )
    assert cfg.schedules[2].spec.children()[0].kind == "framework"
    maker = pickle.loads(pickle.dumps(first.make))  # spawned workers rebuild it by name
    import torch

    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    sched = maker(opt, **first.kwargs)
    lrs = []
    for _ in range(6):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert lrs == [0.0, 0.5, 1.0, 0.75, 0.5, 0.25]  # linear warmup over 2 steps, then linear decay to 0 at 6


def test_metric_is_for_timm_schedulers_only(timm_scheduler):
    plateau = {"steps": 4, "scheduler": "timm.plateau", "params": {"updates_per_epoch": 2}, "metric": {"expr": "0"}}
    assert load_config(plateau).schedules[0].feed is not None
    with pytest.raises(ConfigError) as info:
        load_config({"steps": 4, "scheduler": "hf.linear", "params": {"num_warmup_steps": 0}, "metric": [1, 2, 3, 4]})
    assert info.value.key == "metric" and "hf.linear does not take a metric" in info.value.message


def test_lrviz_list_shows_framework_schedulers(timm_scheduler):
    from typer.testing import CliRunner

    from lrviz.cli import app

    out = CliRunner().invoke(app, ["list"], env={"COLUMNS": "250"})
    assert out.exit_code == 0, out.output
    assert "framework schedulers" in out.output and "hf.cosine" in out.output and "timm.plateau" in out.output
    one = CliRunner().invoke(app, ["list", "hf.cosine_with_min_lr"], env={"COLUMNS": "200"})
    assert one.exit_code == 0, one.output
    assert "built by the framework" in one.output and "min_lr_rate" in one.output


def test_plan_forms():
    p = Plan(
        kind="hf",
        config={"steps": 3, "scheduler": "hf.linear"},
        summary="s",
        source="a.json",
        rows=[Row("examples", 1_281_167, "--dataset-size"), Row("epochs", 2.5), Row("drop", True, "x")],
    )
    assert p.table() == [("examples", "1,281,167", "--dataset-size"), ("epochs", "2.5", ""), ("drop", "true", "x")]
    assert p.comments() == "# examples  1,281,167  (--dataset-size)\n# epochs    2.5\n# drop      true  (x)\n"
    assert yaml.safe_load(p.comments() + yaml.safe_dump(p.config)) == p.config  # comments above a config
    d = json.loads(json.dumps(p.to_dict()))
    assert d["arithmetic"][0] == {"name": "examples", "value": 1_281_167, "how": "--dataset-size"}
    assert d["kind"] == "hf" and d["config"] == p.config and d["summary"] == "s"


def test_read_mapping_reads_json_and_yaml(tmp_path):
    (tmp_path / "a.json").write_text('{"b": 1}')
    (tmp_path / "a.yaml").write_text("b: 1e-3\n")
    assert read_mapping(tmp_path / "a.json") == {"b": 1}
    assert read_mapping(tmp_path / "a.yaml") == {"b": 0.001}  # lrviz's YAML reads 1e-3 as a number
    assert KINDS == (
        "lrviz",
        "hf",
        "timm",
        "torchvision",
        "hydra",
        "deepspeed",
        "megatron",
        "function",
        "lightningcli",
        "torchtune",
        "mmengine",
    )


@pytest.mark.parametrize("name", ["hf-roberta-mnli.json", "hf-llama-sft-recipe.yaml", "torchvision-new-recipe.yaml"])
def test_plan_as_yaml_with_comments_reads_back_exactly(name):
    """What ``lrviz convert`` will write (the arithmetic as comments, then the config) parses back to the config."""
    from lrviz.parse.yamlio import parse_yaml

    p = plan(EXAMPLES / name, dataset_size=392_702, world_size=4)
    text = p.comments() + yaml.safe_dump(p.config, sort_keys=False)
    assert parse_yaml(text) == p.config


def test_a_python_file_is_mmengine_s_when_it_sets_mmengine_s_names_else_an_lr_function_s(tmp_path):
    mm = tmp_path / "mm.py"
    mm.write_text("train_cfg = dict(by_epoch=False, max_iters=10)\n")
    script = tmp_path / "train.py"
    script.write_text("def get_lr(it):\n    return 0.1\n")
    neither = tmp_path / "helpers.py"
    neither.write_text("x = 1\n")
    assert [detect(p) for p in (mm, script, neither)] == ["mmengine", "function", "function"]
    with pytest.raises(LrvizError) as err:
        load_source(neither)
    assert "no lr function" in str(err.value) and "--from mmengine" in str(err.value)
