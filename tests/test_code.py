"""`lrviz code`: the printed Python, executed, gives lrviz's lrs bit for bit.

The printed program builds the optimizer and scheduler with torch (or transformers'
own factory for a preset with ``--framework hf``) and steps them in a plain training
loop; its ``lrs`` list is what the optimizer used at every step. The truth it is
compared with is lrviz's simulation of the same config, which tests/test_torch_parity.py
and tests/test_seeds.py tie to torch and the seed articles.
"""

from __future__ import annotations

import ast
import sys

import pytest
from typer.testing import CliRunner

from lrviz.cli import app
from lrviz.gallery import find_configs
from lrviz.registry.presets import HF_FUNCTIONS, presets
from lrviz.simulate import simulate
from lrviz.sources import load_source
from tests.conftest import REPO
from tests.optional import import_or_skip

runner = CliRunner()


#: Every file the gallery draws: lrviz configs and framework files (configs/frameworks/).
CONFIGS = [REPO / "configs" / rel for rel in find_configs(REPO / "configs")]
#: Configs `lrviz code` cannot write as plain Python, each with the reason it says: timm's args.yaml is
#: run by timm's own train.py (and here timm itself cannot be imported, which the message says as well).
CANNOT: dict[str, str] = {
    "frameworks/timm-resnet50-a3-args.yaml": "create_scheduler_v2",
}


def code(*args) -> str:
    result = runner.invoke(app, ["code", *map(str, args)])
    assert result.exit_code == 0, result.output
    return result.stdout


def run_printed(text: str, monkeypatch) -> list[list[float]]:
    """Execute the printed program as a user would paste it; its ``lrs``, one row per step."""
    ast.parse(text)  # valid Python
    monkeypatch.setattr(sys, "path", list(sys.path))  # a file target adds its folder
    namespace: dict = {"__name__": "__main__"}
    exec(compile(text, "<lrviz code>", "exec"), namespace)  # the program under test
    return namespace["lrs"]


def lrviz_lrs(path, index: int) -> list[list[float]]:
    return simulate(load_source(path, trust=True).config).trajectories[index].lr.tolist()


def test_there_are_configs_to_check():
    assert len(CONFIGS) >= 20


@pytest.mark.parametrize("path", CONFIGS, ids=[str(p.relative_to(REPO / "configs")) for p in CONFIGS])
def test_every_example_config_prints_code_that_gives_the_same_lrs(path, monkeypatch):
    rel = str(path.relative_to(REPO / "configs"))
    if rel in CANNOT:
        result = runner.invoke(app, ["code", str(path), "--trust"])
        assert result.exit_code == 2 and CANNOT[rel] in result.stderr, result.output
        return
    n = len(load_source(path, trust=True).config.schedules)
    compared = 0
    for index in range(n):
        text = code(path, "--trust", "--schedule", index + 1)
        assert run_printed(text, monkeypatch) == lrviz_lrs(path, index), f"{rel} schedule {index + 1}"
        compared += 1
    assert compared == n >= 1


def test_a_plain_lr_function_is_called_as_its_training_loop_calls_it(monkeypatch):
    """nanoGPT's loop: ``lr = get_lr(iter_num)`` into every param group at the top of each iteration. The
    program's lrs are the function's own values, called here directly (and lrviz's, by the test above)."""
    nanogpt = REPO / "configs" / "frameworks" / "nanogpt-train.py"
    text = code(nanogpt, "--trust")
    namespace: dict = {}
    exec(compile(nanogpt.read_text(), str(nanogpt), "exec"), namespace)  # the file itself, as python runs it
    monkeypatch.setattr(sys, "modules", dict(sys.modules))
    assert run_printed(text, monkeypatch) == [[namespace["get_lr"](it)] for it in range(8000)]
    assert 'group["lr"] = lr' in text and "scheduler" not in text.split("lrs = []")[1]


def test_an_lr_function_of_the_epoch_is_set_once_an_epoch(write_config, monkeypatch, tmp_path):
    (tmp_path / "by_epoch.py").write_text("def lr_at(epoch):\n    return 0.1 * 0.5 ** epoch\n")
    cfg = write_config(
        {"steps": 23, "steps_per_epoch": 5, "scheduler": "function:by_epoch.py:lr_at", "interval": "epoch"}
    )
    text = code(cfg, "--trust")
    monkeypatch.setattr(sys, "modules", dict(sys.modules))
    printed = run_printed(text, monkeypatch)
    assert printed == [[0.1 * 0.5 ** (step // 5)] for step in range(23)]  # the closed form, every step
    assert printed == lrviz_lrs(cfg, 0)


def test_an_lr_function_with_lbfgs_steps_with_a_closure(write_config, monkeypatch, tmp_path):
    """LBFGS's step() needs the loss's closure: the function's own loop passes the one the program defines."""
    (tmp_path / "halving.py").write_text("def lr_at(it):\n    return 0.5 ** it\n")
    cfg = write_config(
        {"steps": 6, "optimizer": {"name": "LBFGS", "lr": 1.0}, "scheduler": "function:halving.py:lr_at"}
    )
    text = code(cfg, "--trust")
    assert "def closure():" in text and "optimizer.step(closure)" in text
    monkeypatch.setattr(sys, "modules", dict(sys.modules))
    printed = run_printed(text, monkeypatch)
    assert printed == [[0.5**it] for it in range(6)] == lrviz_lrs(cfg, 0)


def test_the_loop_steps_the_scheduler_after_the_optimizer(write_config):
    text = code(write_config({"steps": 10, "scheduler": "StepLR", "params": {"step_size": 3}}))
    assert text.index("optimizer.step()") < text.index("scheduler.step()")
    assert "StepLR(optimizer, step_size=3)" in text


def test_an_epoch_schedule_steps_once_per_epoch(write_config, monkeypatch):
    cfg = write_config(
        {"steps": 50, "steps_per_epoch": 10, "scheduler": "StepLR", "params": {"step_size": 2}, "interval": "epoch"}
    )
    text = code(cfg)
    assert "for epoch in range(5):" in text and "for batch in range(10):" in text
    assert run_printed(text, monkeypatch) == lrviz_lrs(cfg, 0)


def test_plateau_gets_the_metric(write_config, monkeypatch):
    cfg = write_config(
        {
            "epochs": 12,
            "steps_per_epoch": 3,
            "scheduler": "ReduceLROnPlateau",
            "params": {"patience": 1},
            "interval": "epoch",
            "metric": {"expr": "1 / (step + 1) + 0.3 + 0.01 * step", "noise": 0.01, "seed": 3},
        }
    )
    text = code(cfg)
    assert "scheduler.step(" in text and "metric" in text
    assert run_printed(text, monkeypatch) == lrviz_lrs(cfg, 0)


def test_several_schedules_print_one_program_each(write_config, monkeypatch):
    cfg = write_config(
        {
            "steps": 12,
            "schedules": [
                {"label": "a", "scheduler": "StepLR", "params": {"step_size": 3}},
                {"label": "b", "scheduler": "LambdaLR", "params": {"lr_lambda": "0.9 ** epoch"}},
            ],
        }
    )
    both = code(cfg)
    assert both.count("optimizer.step()") == 2
    assert run_printed(code(cfg, "--schedule", "b"), monkeypatch) == lrviz_lrs(cfg, 1)
    assert "lambda epoch: 0.9 ** epoch" in both


PRESETS = [
    ("linear", {"num_warmup_steps": 5}),
    ("cosine", {"num_warmup_steps": 5, "num_cycles": 0.5}),
    ("cosine_with_restarts", {"num_warmup_steps": 5, "num_cycles": 3}),
    ("polynomial", {"num_warmup_steps": 5, "lr_end": 1e-5, "power": 2.0}),
    ("constant", {}),
    ("constant_with_warmup", {"num_warmup_steps": 5}),
    ("inverse_sqrt", {"num_warmup_steps": 5}),
    ("cosine_with_min_lr", {"num_warmup_steps": 5, "min_lr": 1e-4}),
    ("cosine_warmup_with_min_lr", {"num_warmup_steps": 5, "min_lr_rate": 0.1}),
    ("warmup_stable_decay", {"num_warmup_steps": 5, "num_decay_steps": 10}),
]


def test_every_preset_is_covered():
    assert sorted(name for name, _ in PRESETS) == sorted(presets())


@pytest.mark.parametrize(("name", "params"), PRESETS, ids=[n for n, _ in PRESETS])
def test_presets_print_the_transformers_call(name, params, write_config, monkeypatch):
    import_or_skip("transformers", "hf")  # the printed code calls transformers itself
    cfg = write_config({"steps": 40, "optimizer": {"name": "AdamW", "lr": 0.001}, "scheduler": name, "params": params})
    text = code(cfg, "--framework", "hf")
    assert f"from transformers import {HF_FUNCTIONS[name]}\n" in text
    takes_length = "num_training_steps" in [p.name for p in presets()[name].params]
    assert ("num_training_steps=40" in text) == takes_length  # filled in by lrviz, and written out
    assert run_printed(text, monkeypatch) == lrviz_lrs(cfg, 0)


def test_the_transformers_functions_are_transformers_own():
    optimization = import_or_skip("transformers.optimization", "hf")
    assert sorted(HF_FUNCTIONS) == sorted(presets())
    for name, function in HF_FUNCTIONS.items():
        assert optimization.TYPE_TO_SCHEDULER_FUNCTION[optimization.SchedulerType(name)].__name__ == function


def test_torch_only_code_for_a_preset_is_refused_saying_why(write_config):
    result = runner.invoke(
        app, ["code", str(write_config({"steps": 5, "scheduler": "cosine"})), "--framework", "torch"]
    )
    assert result.exit_code == 2 and "--framework hf" in result.stderr and "transformers" in result.stderr


def test_code_writes_a_file_with_output(write_config, tmp_path):
    cfg = write_config({"steps": 5, "scheduler": "StepLR", "params": {"step_size": 2}}, "mine.yaml")
    result = runner.invoke(app, ["code", str(cfg), "-o", str(tmp_path / "scripts")])
    assert result.exit_code == 0, result.output
    assert "StepLR(optimizer" in (tmp_path / "scripts" / "mine.py").read_text()


def test_what_lrviz_writes_less_often_also_gives_the_same_lrs(write_config, tmp_path, monkeypatch):
    """A partial last epoch, a metric from a CSV and from a list, an expression using two
    names of the counter, LBFGS's closure, per-group lambdas."""
    (tmp_path / "losses.csv").write_text("epoch,val_loss\n" + "".join(f"{i},{1 / (i + 1)}\n" for i in range(30)))
    cases = [
        {
            "steps": 23,
            "steps_per_epoch": 5,
            "scheduler": "ExponentialLR",
            "params": {"gamma": 0.7},
            "interval": "epoch",
        },
        {
            "steps": 20,
            "scheduler": "ReduceLROnPlateau",
            "params": {"patience": 0},
            "metric": {"csv": "losses.csv", "column": "val_loss"},
        },
        {"steps": 6, "scheduler": "ReduceLROnPlateau", "params": {"patience": 0}, "metric": [3, 2, 2, 2, 1, 1]},
        {"steps": 12, "scheduler": "LambdaLR", "params": {"lr_lambda": "0.9 ** epoch + step / 100 + cos(x)"}},
        {"steps": 8, "optimizer": {"name": "LBFGS", "lr": 0.5}, "scheduler": "StepLR", "params": {"step_size": 2}},
        {
            "steps": 10,
            "optimizer": {"name": "SGD", "lr": 0.1, "param_groups": [{"name": "a"}, {"name": "b", "lr": 0.2}]},
            "scheduler": "LambdaLR",
            "params": {"lr_lambda": ["0.9 ** epoch", "1 / (epoch + 1)"]},
        },
    ]
    assert len(cases) == 6
    monkeypatch.chdir(tmp_path)  # the printed code reads losses.csv from where it runs
    for i, data in enumerate(cases):
        cfg = write_config(data, f"case{i}.yaml")
        assert run_printed(code(cfg), monkeypatch) == lrviz_lrs(cfg, 0), data


def test_a_scheduler_lrviz_adapts_is_refused_saying_why(write_config, tmp_path):
    (tmp_path / "timmish.py").write_text(
        "class Sched:\n"
        "    def __init__(self, optimizer, factor=0.5):\n"
        "        self.optimizer, self.factor = optimizer, factor\n"
        "    def step(self, epoch=None):\n"
        "        for g in self.optimizer.param_groups:\n"
        "            g['lr'] *= self.factor\n"
    )
    cfg = write_config({"steps": 4, "scheduler": "timmish.py:Sched"})
    result = runner.invoke(app, ["code", str(cfg), "--trust"])
    assert result.exit_code == 2 and "not a torch scheduler" in result.stderr and "adapter" in result.stderr


def test_a_missing_schedule_is_named(write_config):
    cfg = write_config({"steps": 4, "schedules": [{"label": "a", "scheduler": "StepLR", "params": {"step_size": 1}}]})
    result = runner.invoke(app, ["code", str(cfg), "--schedule", "b"])
    assert result.exit_code == 2 and "labels: a" in result.stderr


def test_each_kind_writes_its_own_schedulers_and_codegen_asks_the_registry():
    """No kind-by-kind chain in codegen: each registry kind's code() says how its scheduler is written."""
    import inspect

    from lrviz import codegen
    from lrviz.registry import KINDS

    assert len(KINDS) >= 9 and all(callable(getattr(kind, "code", None)) for kind in KINDS)
    source = inspect.getsource(codegen)
    others = [kind.name for kind in KINDS if kind.name != "preset"]  # preset: the default of --framework
    assert not any(f'kind == "{name}"' in source for name in others) and "registry.code(" in source
