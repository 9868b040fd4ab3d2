"""Megatron-LM arguments: lrviz's values against Megatron-Core's OptimizerParamScheduler, stepped as Megatron steps it.

The truth is written here from Megatron-LM's source (NVIDIA/Megatron-LM,
megatron/training/training.py), not from lrviz: ``get_optimizer_param_scheduler``'s
arithmetic (iteration-based: every length x global batch size; sample-based: samples),
the class built with those numbers, and ``train_step``'s ``opt_param_scheduler.step(
increment=get_num_microbatches() * micro_batch_size * data_parallel_size)`` once per
iteration. The lr an iteration uses is the one in the param group before its update.
lrviz must give the same lr at every iteration, bit for bit.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from lrviz.errors import LrvizError
from lrviz.simulate import simulate
from lrviz.sources import detect, load_source
from tests.optional import import_or_skip

ops = import_or_skip("megatron.core.optimizer_param_scheduler", "megatron")


def megatron_lrs(a: dict, *, world_size: int = 1) -> list[float]:
    """get_optimizer_param_scheduler + train_step, transcribed (args as argparse dests, Megatron's defaults)."""
    g = {
        "min_lr": 0.0,
        "lr_warmup_init": 0.0,
        "lr_warmup_iters": 0,
        "lr_warmup_samples": 0,
        "lr_warmup_fraction": None,
        "lr_decay_iters": None,
        "lr_decay_samples": None,
        "lr_wsd_decay_iters": None,
        "lr_wsd_decay_samples": None,
        "lr_wsd_decay_style": "exponential",
        "lr_decay_style": "linear",
        "train_iters": None,
        "weight_decay": 0.01,
        **a,
    }
    dp = world_size  # no model parallelism in these cases
    gbs = g.get("global_batch_size") or g["micro_batch_size"] * dp  # validate_args
    if g["train_iters"]:
        decay = (g["lr_decay_iters"] or g["train_iters"]) * gbs
        wd_steps = g["train_iters"] * gbs
        wsd = g["lr_wsd_decay_iters"] * gbs if g["lr_wsd_decay_iters"] is not None else None
        warm = g["lr_warmup_fraction"] * decay if g["lr_warmup_fraction"] is not None else g["lr_warmup_iters"] * gbs
        iters = g["train_iters"]
    else:
        iters = g["train_samples"] // gbs  # update_train_iters
        decay = g["lr_decay_samples"] or g["train_samples"]
        wd_steps = g["train_samples"]
        wsd = g["lr_wsd_decay_samples"]
        warm = g["lr_warmup_fraction"] * decay if g["lr_warmup_fraction"] is not None else g["lr_warmup_samples"]
    optimizer = torch.optim.AdamW([torch.zeros(2, 2, requires_grad=True)], lr=g["lr"])
    scheduler = ops.OptimizerParamScheduler(
        optimizer,
        init_lr=g["lr_warmup_init"],
        max_lr=g["lr"],
        min_lr=g["min_lr"],
        lr_warmup_steps=warm,
        lr_decay_steps=decay,
        lr_decay_style=g["lr_decay_style"],
        start_wd=g["weight_decay"],
        end_wd=g["weight_decay"],
        wd_incr_steps=wd_steps,
        wd_incr_style="constant",
        use_checkpoint_opt_param_scheduler=False,
        override_opt_param_scheduler=False,
        wsd_decay_steps=wsd,
        lr_wsd_decay_style=g["lr_wsd_decay_style"],
    )
    lrs = []
    for _ in range(iters):
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step(increment=gbs)  # train_step
    return lrs


BASE = {"lr": 3e-4, "min_lr": 3e-5, "global_batch_size": 48, "train_iters": 240}
CASES = {
    "cosine-fraction": {**BASE, "lr_decay_style": "cosine", "lr_warmup_fraction": 0.07, "lr_decay_iters": 200},
    "linear-iters": {**BASE, "lr_warmup_iters": 30, "lr_warmup_init": 1e-6},
    "constant": {**BASE, "lr_decay_style": "constant", "lr_warmup_iters": 20},
    "inverse-square-root": {**BASE, "lr_decay_style": "inverse-square-root", "lr_warmup_iters": 17},
    "wsd-exponential": {**BASE, "lr_decay_style": "WSD", "lr_wsd_decay_iters": 60, "lr_warmup_iters": 10},
    "wsd-minus-sqrt": {
        **BASE,
        "lr_decay_style": "WSD",
        "lr_wsd_decay_style": "minus_sqrt",
        "lr_wsd_decay_iters": 50,
        "lr_warmup_fraction": 0.05,
    },
    "samples-cosine": {
        "lr": 1e-3,
        "micro_batch_size": 4,
        "train_samples": 9_000,
        "lr_decay_samples": 8_000,
        "lr_warmup_samples": 700,
        "lr_decay_style": "cosine",
    },
    "samples-wsd-cosine": {
        "lr": 1e-3,
        "min_lr": 1e-4,
        "global_batch_size": 32,
        "train_samples": 6_400,
        "lr_warmup_fraction": 0.1,
        "lr_decay_style": "WSD",
        "lr_wsd_decay_style": "cosine",
        "lr_wsd_decay_samples": 1_000,
    },
}


def _yaml(data: dict, dashes: bool) -> str:
    lines = []
    for k, v in data.items():
        lines.append(f"{k.replace('_', '-') if dashes else k}: {v!r}" if not isinstance(v, str) else f"{k}: {v}")
    return "\n".join(lines) + "\n"


def _command_line(data: dict) -> str:
    flags = " \\\n    ".join(f"--{k.replace('_', '-')} {v}" for k, v in data.items())
    return f"#!/bin/bash\ntorchrun --nproc-per-node 2 pretrain_gpt.py \\\n    --num-layers 2 --bf16 \\\n    {flags}\n"


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("form", ["yaml-underscores", "yaml-dashes", "command-line"])
def test_values_match_megatron_s_scheduler_stepped_as_train_step_steps_it(tmp_path, case, form):
    args = CASES[case]
    if form == "command-line":
        path = tmp_path / "train.sh"
        path.write_text(_command_line(args))
    else:
        path = tmp_path / "args.yaml"
        path.write_text(_yaml(args, dashes=form == "yaml-dashes"))
    world = 2
    loaded = load_source(path, world_size=world)
    assert loaded.kind == "megatron"
    truth = megatron_lrs(args, world_size=world)
    assert loaded.plan.row("total optimizer steps").value == len(truth)
    lrs = simulate(loaded.config).trajectories[0].lr[:, 0]
    np.testing.assert_array_equal(lrs, truth)
    assert len(set(truth)) > 2 or args.get("lr_decay_style") == "constant"


def test_a_launch_script_in_the_shape_people_write_them(tmp_path):
    """Bash arrays, continuations, comments, unknown and nargs flags, a shell variable in a flag lrviz does
    not read, a flag given twice (argparse keeps the last), the '# lrviz:' facts comment."""
    script = tmp_path / "pretrain.sh"
    script.write_text(
        "#!/bin/bash\n"
        "# lrviz: --world-size 16\n"
        "DATA=/data/corpus_text_document\n"
        "GPT_ARGS=(\n"
        "    --tensor-model-parallel-size 2   # TP within a node\n"
        "    --pipeline-model-parallel-size 2\n"
        "    --micro-batch-size 2\n"
        "    --lr 2.0e-4 --min-lr=2.0e-5\n"
        "    --lr-decay-style linear\n"
        "    --lr-decay-style cosine\n"
        "    --train-iters 3000\n"
        "    --lr-warmup-iters 300\n"
        "    --data-path 0.3 $DATA 0.7 ${DATA}_2\n"
        "    --use-distributed-optimizer\n"
        ")\n"
        'torchrun --nproc_per_node 8 pretrain_gpt.py "${GPT_ARGS[@]}" --save "$CKPT"\n'
    )
    assert detect.__name__  # (a command line is told by its flags, not by keys: load_source does it)
    loaded = load_source(script)
    plan = loaded.plan
    assert loaded.kind == "megatron"
    assert plan.row("world size").value == 16 and "comment" in plan.row("world size").how
    assert plan.row("data-parallel size").value == 4  # 16 // (2 x 2)
    assert plan.row("global batch").value == 8  # micro 2 x data parallel 4 (validate_args)
    assert plan.row("scheduler").value == "megatron.cosine"  # the last --lr-decay-style wins
    truth = megatron_lrs(
        {"lr": 2e-4, "min_lr": 2e-5, "micro_batch_size": 2, "lr_decay_style": "cosine", "train_iters": 3000,
         "lr_warmup_iters": 300},
        world_size=4,
    )  # fmt: skip
    np.testing.assert_array_equal(simulate(loaded.config).trajectories[0].lr[:, 0], truth)


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ("--lr 1e-4 --train-iters $ITERS --lr-decay-style cosine\n", "train_iters", "shell expansion"),
        ("--lr 1e-4 --train-iters 100 --lr-decay-style WSD\n", "lr_wsd_decay_iters", "WSD needs"),
        ("--lr 1e-4 --train-iters 100 --lr-decay-style WSD --lr-wsd-decay-style 1-sqrt\n", "lr_wsd_decay_style",
         "invalid choice '1-sqrt'"),
        ("--lr 1e-4 --train-iters 100 --lr-decay-style cosine --lr-warmup-iters 10 --lr-warmup-fraction 0.1\n",
         "lr_warmup_fraction", "can only specify one of lr-warmup-fraction and lr-warmup-iters"),
        ("--lr 1e-4 --train-iters 100 --train-samples 1000 --lr-decay-style cosine\n", "train_samples",
         "iteration-based"),
        ("--lr 1e-4 --train-samples 1000 --lr-decay-iters 5 --lr-decay-style cosine\n", "lr_decay_iters",
         "sample-based"),
        ("--lr 1e-4 --min-lr 1e-3 --train-iters 100 --lr-decay-style cosine\n", "min_lr", "above --lr"),
        ("--lr 1e-4 --train-iters 100 --lr-decay-style cosine --lr-warmup-iters 100\n", "lr_warmup_iters",
         "must end before"),
        ("--lr 1e-4 --train-iters 1.5 --lr-decay-style cosine\n", "train_iters", "invalid int value"),
        ("--lr 1e-4 --train-iters 100 --lr-decay-style cosine --weight-decay-incr-style linear\n",
         "start_weight_decay", "missing"),
        ("--lr 1e-4 --train-samples 1000 --lr-decay-style cosine --rampup-batch-size 2 2 100\n",
         "rampup_batch_size", "rampup"),
        ("--train-iters 100 --lr-decay-style cosine\n", "lr", "missing"),
        ("--lr 'unclosed --train-iters 100 --lr-decay-style cosine\n", "", "cannot split the command line"),
        ("--lr nan --train-iters 100 --lr-decay-style cosine\n", "lr", "finite"),
    ],
)  # fmt: skip
def test_arguments_megatron_would_refuse_name_the_flag(tmp_path, text, key, words):
    path = tmp_path / "args.txt"
    path.write_text("--micro-batch-size 1 " + text)
    with pytest.raises(LrvizError) as err:
        load_source(path, kind="megatron")
    assert words in str(err.value)
    assert key in str(err.value)


def test_the_world_size_must_split_into_the_model_parallel_groups(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text("lr: 1.0e-4\ntrain_iters: 10\nmicro_batch_size: 1\ntensor_model_parallel_size: 4\n")
    with pytest.raises(LrvizError, match="not divisible"):
        load_source(path, world_size=6)


def test_yaml_detection_with_timm_s_shared_min_lr(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text("lr: 1.0e-4\nmin_lr: 0.0\nlr_decay_style: cosine\ntrain_iters: 10\nglobal_batch_size: 4\n")
    assert detect(path) == "megatron"  # min_lr is timm's too: it decides nothing beside lr_decay_style


def test_lrviz_list_shows_megatron_s_decay_styles():
    from lrviz.registry import catalogue
    from lrviz.sources.megatron_args import ARGS

    found = sorted(name for name, info in catalogue().items() if info.kind == "megatron")
    assert found == sorted(f"megatron.{s}" for s in ARGS["lr_decay_style"][2])
    result = CliRunner().invoke(__import__("lrviz.cli", fromlist=["app"]).app, ["list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "megatron.inverse-square-root" in result.output


def test_commands_the_api_and_lrviz_code_take_megatron_arguments(tmp_path):
    import json

    import lrviz
    from lrviz.cli import app

    args = CASES["wsd-minus-sqrt"]
    path = tmp_path / "train.sh"
    path.write_text(_command_line(args))
    truth = megatron_lrs(args)
    np.testing.assert_array_equal(lrviz.simulate(str(path)).trajectories[0].lr[:, 0], truth)
    runner = CliRunner()
    code = runner.invoke(app, ["code", str(path)])
    assert code.exit_code == 0, code.output
    namespace: dict = {}
    exec(compile(code.stdout, "generated.py", "exec"), namespace)  # the program lrviz writes, run as a user would
    assert [row[0] for row in namespace["lrs"]] == truth
    exported = runner.invoke(app, ["export", str(path), "--format", "json", "-o", str(tmp_path / "e.json")])
    assert exported.exit_code == 0, exported.output
    framework = json.loads((tmp_path / "e.json").read_text())["framework"]
    assert framework["kind"] == "megatron" and framework["summary"].startswith("Megatron: 240 iterations")
    converted = runner.invoke(app, ["convert", str(path), "-o", str(tmp_path / "c.yaml")])
    assert converted.exit_code == 0, converted.output
    again = lrviz.simulate(str(tmp_path / "c.yaml")).trajectories[0].lr[:, 0]
    np.testing.assert_array_equal(again, truth)  # the converted config draws the same schedule
    checked = runner.invoke(app, ["check", str(path)])
    assert checked.exit_code == 0, checked.output
    swept = runner.invoke(app, ["show", str(path), "--sweep", "params.min_lr=0,1e-5"])
    assert swept.exit_code == 0, swept.output


def test_hostile_files_are_refused_with_nothing_run(tmp_path):
    """A command line is split, never run: a command substitution stays text (and is refused where read)."""
    marker = tmp_path / "ran"
    path = tmp_path / "launch.sh"
    path.write_text(
        f"--lr $(touch {marker}) --train-iters 10 --lr-decay-style cosine --micro-batch-size 1\n`touch {marker}`\n"
    )
    with pytest.raises(LrvizError, match="shell expansion"):
        load_source(path)
    assert not marker.exists()
    deep = tmp_path / "deep.yaml"
    deep.write_text("train_iters: 10\nlr_decay_style: cosine\nx: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(LrvizError):
        load_source(deep)
    huge = tmp_path / "huge.sh"
    huge.write_text("--lr 1e-4 --train-iters 10 --lr-decay-style cosine " + "--num-layers 2 " * 100_000)
    with pytest.raises(LrvizError, match="larger than"):
        load_source(huge)
    many = tmp_path / "many.sh"  # within the size cap: split in one pass, every unknown flag counted, none kept
    many.write_text("--lr 1e-4 --train-iters 10 --lr-decay-style cosine --micro-batch-size 1 " + "--x 1 " * 50_000)
    loaded = load_source(many)
    assert loaded.plan.row("other arguments").value == 1 and loaded.config.steps == 10
