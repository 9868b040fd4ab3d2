"""``--actual`` with the logs the Megatron and plain-function kinds' own training loops write.

Megatron-LM's ``train()`` (megatron/training/training.py) runs ``train_step`` (the
optimizer's step, then ``opt_param_scheduler.step(increment=global batch)``), adds one to
``iteration``, reads ``param_group['lr']`` and ``training_log`` writes it to TensorBoard:
``writer.add_scalar('learning-rate', learning_rate, iteration)`` and
``writer.add_scalar('learning-rate vs samples', learning_rate, args.consumed_train_samples)``.
So the lr logged at iteration k is the one the k-th step (0-based) uses: lrviz's row k, a
plain SummaryWriter's convention; the one logged after the last iteration is used by no step.

nanoGPT's train.py sets ``lr = get_lr(iter_num)`` at the top of every iteration and, every
``eval_interval`` iterations, ``wandb.log({"iter": iter_num, ..., "lr": lr, ...})``; its loop
runs ``iter_num`` 0 to ``max_iters`` (``if iter_num > max_iters: break``). The log here is
that history as wandb's ``run.history().to_csv()`` writes it (an index, ``_step``, ``iter``...).
"""

from __future__ import annotations

import importlib.util
import json

from typer.testing import CliRunner

from lrviz.cli import app
from tests.conftest import REPO
from tests.optional import import_or_skip

import_or_skip("megatron.core.optimizer_param_scheduler", "megatron")
import_or_skip("tensorboard", "tensorboard")  # SummaryWriter needs it

from tests.test_sources_megatron import CASES, _command_line, megatron_lrs  # noqa: E402

runner = CliRunner()
NANOGPT = REPO / "configs" / "frameworks" / "nanogpt-train.py"


def check(*args) -> tuple[int, dict]:
    result = runner.invoke(app, ["check", *map(str, args), "--format", "json"], env={"COLUMNS": "200"})
    return result.exit_code, json.loads(result.stdout)


def actual(doc: dict) -> list[tuple[str, str]]:
    return [(f["severity"], f["code"]) for f in doc["findings"] if f["code"].startswith("actual-")]


def megatron_tensorboard(folder, args: dict) -> None:
    """The TensorBoard log of a Megatron-LM run of ``args``, written with training.py's calls."""
    from torch.utils.tensorboard import SummaryWriter

    gbs = args["global_batch_size"]
    after = megatron_lrs({**args, "train_iters": args["train_iters"] + 1})  # lr after k steps, k = 0..train_iters
    with SummaryWriter(str(folder)) as writer:
        for iteration in range(1, args["train_iters"] + 1):
            writer.add_scalar("learning-rate", after[iteration], iteration)
            writer.add_scalar("learning-rate vs samples", after[iteration], iteration * gbs)


def test_a_megatron_tensorboard_log_agrees_with_the_plan_of_its_arguments(tmp_path):
    args = CASES["cosine-fraction"]  # lr_decay_iters given: one more iteration changes no lr
    path = tmp_path / "train.sh"
    path.write_text(_command_line(args))
    megatron_tensorboard(tmp_path / "tb", args)
    # The folder as Megatron leaves it, and its tag named: training.py also writes 'learning-rate vs
    # samples' (the same values by consumed samples), which is not read as a second series by step.
    for log in (tmp_path / "tb", f"{tmp_path / 'tb'}:learning-rate"):
        code, doc = check(path, "--actual", log)
        assert code == 0 and doc["actual"][0]["verdict"]["class"] == "agrees", doc["findings"]
        assert actual(doc) == []  # the last entry, the lr after the last step (used by no step), is Megatron's way
        (series,) = doc["actual"][0]["comparisons"][0]["series"]
        assert series["series"] == "learning-rate" and series["convention"].startswith("Megatron-LM logs")
    longer = tmp_path / "longer"  # a run of 5 more iterations than its plan: past the one expected entry
    megatron_tensorboard(longer, {**args, "train_iters": args["train_iters"] + 5})
    code, doc = check(path, "--actual", longer)
    assert ("warning", "actual-beyond-plan") in actual(doc)
    beyond = next(f for f in doc["findings"] if f["code"] == "actual-beyond-plan")
    assert "5 logged values" in beyond["message"], beyond["message"]
    changed = tmp_path / "changed"
    megatron_tensorboard(changed, {**args, "lr_decay_iters": 220})
    code, doc = check(path, "--actual", f"{changed}:learning-rate")
    assert code == 1 and ("error", "actual-diverged") in actual(doc)
    diverged = next(f for f in doc["findings"] if f["code"] == "actual-diverged")
    assert diverged["step"] == 1  # the warmup, 7% of the decay, is longer: its slope differs from the first step


def nanogpt_history(path, get_lr, *, eval_interval: int = 2000, max_iters: int = 8000) -> None:
    lines = [",_step,iter,train/loss,val/loss,lr,mfu"]
    for step, iter_num in enumerate(range(0, max_iters + 1, eval_interval)):
        lines.append(f"{step},{step},{iter_num},{4.2 - step * 0.3},{4.3 - step * 0.3},{get_lr(iter_num)!r},-100.0")
    path.write_text("\n".join(lines) + "\n")


def load_get_lr(path):
    spec = importlib.util.spec_from_file_location(f"nanogpt_{abs(hash(str(path)))}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.get_lr


def test_a_nanogpt_wandb_history_agrees_with_the_plan_of_its_get_lr(tmp_path):
    log = tmp_path / "history.csv"
    nanogpt_history(log, load_get_lr(NANOGPT))
    code, doc = check(NANOGPT, "--trust", "--steps", 8001, "--actual", log)  # the loop's max_iters + 1 iterations
    assert code == 0 and doc["actual"][0]["verdict"]["class"] == "agrees" and actual(doc) == [], doc["findings"]
    code, doc = check(NANOGPT, "--trust", "--actual", log)  # lrviz's default: max_iters steps, as show says
    assert code == 0 and actual(doc) == [("warning", "actual-beyond-plan")]
    other = tmp_path / "other.py"
    other.write_text(NANOGPT.read_text().replace("warmup_iters = 300", "warmup_iters = 100"))
    nanogpt_history(log, load_get_lr(other))
    code, doc = check(NANOGPT, "--trust", "--steps", 8001, "--actual", log)
    assert code == 1 and ("error", "actual-diverged") in actual(doc)
