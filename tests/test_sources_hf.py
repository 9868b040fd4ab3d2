"""Hugging Face TrainingArguments: lrviz's plan against a real ``Trainer.train()``.

Each case trains a tiny model built here (a ``torch.nn.Linear`` returning a loss; no
download) on a dataset of N examples with real ``TrainingArguments``, and a
``TrainerCallback`` records the lr (and beta1) the optimizer holds right before every
optimizer step (``on_pre_optimizer_step``). lrviz then reads the same arguments, as
``TrainingArguments.to_json_string()`` writes them and as a YAML file with the same
keys, and runs the plan's config through ``load_config`` + ``simulate``: every value
must be equal to the bit, with transformers' ``get_scheduler`` building the schedule
and again with transformers hidden (lrviz's presets build it).
"""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
import torch
import yaml

from lrviz.errors import LrvizError
from lrviz.registry.frameworks import hf_backend, lookup
from lrviz.simulate import simulate
from lrviz.sources import plan
from lrviz.validate import load_config
from tests.optional import optional_import

# optional test dependencies (lrviz[hf], part of the test extra): ImportError only means missing,
# and under CI a missing one is an error (tests/optional.py)
_, ACCELERATE_MISSING = optional_import("accelerate", "hf")
_, TRAINER_MISSING = optional_import("transformers.trainer", "hf")
TRAINER_MISSING = TRAINER_MISSING or ACCELERATE_MISSING
if TRAINER_MISSING:
    TrainerCallback = object
else:
    from transformers import Trainer, TrainerCallback, TrainingArguments
#: On the tests that run transformers itself; the others (arithmetic, bad input) run with the presets too.
needs_trainer = pytest.mark.skipif(bool(TRAINER_MISSING), reason=TRAINER_MISSING or "-")


class TinyModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(2, 1)

    def forward(self, x, labels=None):
        return {"loss": ((self.lin(x).squeeze(-1) - labels) ** 2).mean()}


class Examples(torch.utils.data.Dataset):
    def __init__(self, n: int):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return {"x": torch.tensor([float(i % 5), 1.0]), "labels": torch.tensor(float(i % 3))}


class Recorder(TrainerCallback):
    def __init__(self):
        self.lrs, self.beta1 = [], []

    def on_pre_optimizer_step(self, args, state, control, optimizer=None, **kwargs):
        groups = optimizer.param_groups
        assert len({g["lr"] for g in groups}) == 1  # decay / no-decay groups share the lr
        self.lrs.append(groups[0]["lr"])
        self.beta1.append(groups[0]["betas"][0])


def train(tmp_path, n: int, **settings) -> tuple[TrainingArguments, np.ndarray, np.ndarray]:
    args = TrainingArguments(
        output_dir=str(tmp_path / "out"),
        report_to="none",
        save_strategy="no",
        logging_strategy="no",
        use_cpu=True,
        disable_tqdm=True,
        seed=0,
        **settings,
    )
    recorder = Recorder()
    Trainer(model=TinyModel(), args=args, train_dataset=Examples(n), callbacks=[recorder]).train()
    return args, np.array(recorder.lrs), np.array(recorder.beta1)


def lrviz_values(p) -> tuple[np.ndarray, np.ndarray]:
    traj = simulate(load_config(p.config)).trajectories[0]
    return traj.lr[:, 0], traj.momentum[:, 0]


# name: (examples, TrainingArguments settings, total optimizer steps worked out by hand)
CASES = {
    # ceil(23 / 4) = 6 batches = 6 updates; 2 epochs -> 12; warmup 3 steps
    "linear-warmup-steps": (
        23,
        dict(lr_scheduler_type="linear", warmup_steps=3, num_train_epochs=2, per_device_train_batch_size=4),
        12,
    ),
    # ceil(17 / 3) = 6 batches; ceil(6 / 4) = 2 updates; ceil(3.5 x 2) = 7; warmup ceil(7 x 0.2) = 2
    "cosine-ratio-fractional-epochs": (
        17,
        dict(
            lr_scheduler_type="cosine",
            warmup_steps=0.2,
            num_train_epochs=3.5,
            per_device_train_batch_size=3,
            gradient_accumulation_steps=4,
        ),
        7,
    ),
    # 29 // 2 = 14 batches (drop_last); ceil(14 / 3) = 5 updates; x 3 = 15
    "restarts-drop-last-accumulation": (
        29,
        dict(
            lr_scheduler_type="cosine_with_restarts",
            warmup_steps=2,
            lr_scheduler_kwargs={"num_cycles": 2},
            dataloader_drop_last=True,
            per_device_train_batch_size=2,
            gradient_accumulation_steps=3,
            num_train_epochs=3,
        ),
        15,
    ),
    # ceil(29 / 2) = 15 batches (no drop_last); ceil(15 / 3) = 5 updates; x 3 = 15
    "restarts-keep-last-accumulation": (
        29,
        dict(
            lr_scheduler_type="cosine_with_restarts",
            warmup_steps=2,
            lr_scheduler_kwargs={"num_cycles": 2},
            dataloader_drop_last=False,
            per_device_train_batch_size=2,
            gradient_accumulation_steps=3,
            num_train_epochs=3,
        ),
        15,
    ),
    # max_steps 11 wins over 5 epochs x 5 updates
    "polynomial-max-steps-wins": (
        10,
        dict(
            lr_scheduler_type="polynomial",
            max_steps=11,
            num_train_epochs=5,
            warmup_steps=0.3,
            per_device_train_batch_size=2,
            lr_scheduler_kwargs={"lr_end": 1e-5, "power": 2.0},
        ),
        11,
    ),
    # 9 // 2 = 4 batches; ceil(4 / 3) = 2 updates; x 3 = 6; warmup ceil(6 x 0.5) = 3
    "constant-with-warmup-ratio": (
        9,
        dict(
            lr_scheduler_type="constant_with_warmup",
            warmup_steps=0.5,
            dataloader_drop_last=True,
            per_device_train_batch_size=2,
            gradient_accumulation_steps=3,
            num_train_epochs=3,
        ),
        6,
    ),
    # ceil(20 / 2) = 10 batches; 5 updates; ceil(1.5 x 5) = 8
    "wsd-kwargs": (
        20,
        dict(
            lr_scheduler_type="warmup_stable_decay",
            warmup_steps=2,
            num_train_epochs=1.5,
            per_device_train_batch_size=2,
            gradient_accumulation_steps=2,
            lr_scheduler_kwargs={"num_decay_steps": 3, "min_lr_ratio": 0.1},
        ),
        8,
    ),
    "inverse-sqrt": (
        12,
        dict(
            lr_scheduler_type="inverse_sqrt",
            warmup_steps=2,
            num_train_epochs=3,
            per_device_train_batch_size=2,
            lr_scheduler_kwargs={"timescale": 3},
        ),
        18,
    ),
    # max_steps 13 spans three epochs of ceil(ceil(11 / 2) / 2) = 3 updates
    "cosine-min-lr-max-steps-over-epochs": (
        11,
        dict(
            lr_scheduler_type="cosine_with_min_lr",
            max_steps=13,
            warmup_steps=1,
            per_device_train_batch_size=2,
            gradient_accumulation_steps=2,
            lr_scheduler_kwargs={"min_lr_rate": 0.1},
        ),
        13,
    ),
    "constant": (
        8,
        dict(lr_scheduler_type="constant", warmup_steps=3, num_train_epochs=2, per_device_train_batch_size=4),
        4,
    ),
}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Each case's TrainingArguments JSON and the lrs a real Trainer.train() used (trained once)."""
    out = {}
    for name, (n, settings, _) in CASES.items():
        args, lrs, beta1 = train(tmp_path_factory.mktemp(name), n, learning_rate=1e-3, adam_beta1=0.85, **settings)
        out[name] = (json.loads(args.to_json_string()), lrs, beta1)
    return out


@needs_trainer
@pytest.mark.parametrize("name", list(CASES))
def test_training_arguments_json_matches_trainer_bit_for_bit(trained, name):
    n, _, total = CASES[name]
    data, lrs, beta1 = trained[name]
    assert len(lrs) == total  # the Trainer ran the steps worked out by hand
    p = plan(data, dataset_size=n)
    assert p.kind == "hf" and p.row("total optimizer steps").value == total
    got_lr, got_beta1 = lrviz_values(p)
    np.testing.assert_array_equal(got_lr, lrs)
    np.testing.assert_array_equal(got_beta1, beta1)
    assert name == "constant" or len(set(lrs.tolist())) > 1


@needs_trainer
@pytest.mark.parametrize("name", list(CASES))
def test_yaml_with_the_same_keys_gives_the_same_values(trained, tmp_path, name):
    n, _, _ = CASES[name]
    data, lrs, _ = trained[name]
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump(data))
    p = plan(path, dataset_size=n)
    assert p.source == str(path)
    np.testing.assert_array_equal(lrviz_values(p)[0], lrs)


@needs_trainer
@pytest.mark.parametrize("name", ["cosine-ratio-fractional-epochs", "polynomial-max-steps-wins", "wsd-kwargs"])
def test_without_transformers_the_presets_give_the_same_values(trained, monkeypatch, name):
    n, _, _ = CASES[name]
    data, lrs, _ = trained[name]
    monkeypatch.setitem(sys.modules, "transformers", None)  # import transformers now raises ImportError
    monkeypatch.setitem(sys.modules, "transformers.optimization", None)
    module, backend = hf_backend()
    assert module is None and backend.startswith("lrviz presets")
    p = plan(data, dataset_size=n)
    assert "lrviz presets" in p.row("scheduler").how
    np.testing.assert_array_equal(lrviz_values(p)[0], lrs)


@needs_trainer
def test_scheduler_kwargs_as_a_json_string(trained):
    n, _, _ = CASES["polynomial-max-steps-wins"]
    data, lrs, _ = trained["polynomial-max-steps-wins"]
    as_string = {**data, "lr_scheduler_kwargs": json.dumps(data["lr_scheduler_kwargs"])}
    np.testing.assert_array_equal(lrviz_values(plan(as_string, dataset_size=n))[0], lrs)


@needs_trainer
def test_arithmetic_rows_say_how(trained):
    data, _, _ = trained["restarts-drop-last-accumulation"]
    p = plan(data, dataset_size=29)
    assert p.row("batches per epoch").value == 14 and "29 // 2" in p.row("batches per epoch").how
    assert p.row("updates per epoch").value == 5 and "ceil(14 / 3)" in p.row("updates per epoch").how
    assert "transformers 5." in p.row("updates per epoch").how
    assert p.row("warmup steps").value == 2
    assert p.summary.startswith("HF Trainer: 29 ex / (2x3x1) -> 5 updates/epoch x 3 epochs = 15 steps")
    comments = p.comments()
    assert all(line.startswith("# ") for line in comments.splitlines())
    assert "# updates per epoch" in comments
    json.dumps(p.to_dict())  # JSON-ready


@needs_trainer
def test_max_steps_needs_no_dataset_size(trained):
    data, lrs, _ = trained["polynomial-max-steps-wins"]
    p = plan(data)
    np.testing.assert_array_equal(lrviz_values(p)[0], lrs)
    assert "steps_per_epoch" not in p.config


@needs_trainer
def test_world_size_shards_batches_as_accelerate():
    from accelerate.data_loader import BatchSamplerShard
    from torch.utils.data import BatchSampler, SequentialSampler

    for n, batch, world, drop_last in [(1001, 8, 4, False), (1001, 8, 4, True), (96, 8, 4, False), (50, 3, 8, False)]:
        sampler = BatchSampler(SequentialSampler(range(n)), batch, drop_last)
        expected = len(BatchSamplerShard(sampler, num_processes=world, process_index=0, even_batches=True))
        p = plan(
            {
                "learning_rate": 1e-3,
                "dataloader_drop_last": drop_last,
                "per_device_train_batch_size": batch,
                "max_steps": 10,
            },
            dataset_size=n,
            world_size=world,
        )
        assert p.row("batches per epoch").value == expected, (n, batch, world, drop_last)


def test_transformers_4_rules_when_4_is_installed(monkeypatch):
    """Released wheels read for these rules: 4.51.3 rounds updates per epoch down, 4.52.4 up; 4.x warmup_ratio.

    The suite's own arithmetic, with the version monkeypatched; real runs of those releases are
    compared in tests/test_hf_runs.py (the corpus in tests/data/hf_runs)."""
    from lrviz.sources import hf_rules

    data = {
        "learning_rate": 1e-3,
        "per_device_train_batch_size": 2,
        "gradient_accumulation_steps": 3,
        "num_train_epochs": 2,
        "warmup_steps": 0,
        "warmup_ratio": 0.25,
    }
    monkeypatch.setattr(hf_rules, "installed_version", lambda: (4, 51))
    p = plan(data, dataset_size=14)  # 7 batches: 7 // 3 = 2 updates; 2 x 2 = 4 steps; ceil(4 x 0.25) = 1
    assert p.row("updates per epoch").value == 2 and p.row("total optimizer steps").value == 4
    assert p.row("warmup steps").value == 1
    monkeypatch.setattr(hf_rules, "installed_version", lambda: (4, 52))
    p = plan(data, dataset_size=14)  # ceil(7 / 3) = 3 updates; 6 steps; ceil(6 x 0.25) = 2
    assert p.row("updates per epoch").value == 3 and p.row("warmup steps").value == 2
    monkeypatch.setattr(hf_rules, "installed_version", lambda: (5, 1))
    assert plan({**data, "warmup_steps": 5}, dataset_size=14).row("warmup steps").value == 2  # ratio replaces


@pytest.mark.parametrize(
    "change, key",
    [
        ({"lr_scheduler_type": "cosine_annealing"}, "lr_scheduler_type"),
        ({"lr_scheduler_type": "reduce_lr_on_plateau"}, "lr_scheduler_type"),
        ({"per_device_train_batch_size": 0}, "per_device_train_batch_size"),
        ({"gradient_accumulation_steps": -2}, "gradient_accumulation_steps"),
        ({"warmup_steps": -1}, "warmup_steps"),
        ({"warmup_ratio": 1.5}, "warmup_ratio"),
        ({"num_train_epochs": 1e12}, "num_train_epochs"),
        ({"max_steps": 10**9}, "max_steps"),
        ({"max_steps": 0}, "max_steps"),
        ({"learning_rate": "fast"}, "learning_rate"),
        ({"lr_scheduler_kwargs": {"num_cycle": 2}}, "lr_scheduler_kwargs.num_cycle"),
        ({"lr_scheduler_kwargs": "{not json"}, "lr_scheduler_kwargs"),
        ({"dataloader_drop_last": "no"}, "dataloader_drop_last"),
        ({"optim": "sgd", "optim_args": "momentum0.9"}, "optim_args"),
    ],
)
def test_bad_training_arguments_name_the_key(change, key):
    data = {
        "learning_rate": 1e-3,
        "lr_scheduler_type": "cosine",
        "num_train_epochs": 2,
        "per_device_train_batch_size": 4,
        **change,
    }
    with pytest.raises(LrvizError) as info:
        plan(data, dataset_size=100, source="args.json")
    assert info.value.key == key, str(info.value)
    assert str(info.value).startswith("args.json: ") and "\n" not in str(info.value)


def test_dataset_size_is_asked_for_by_name():
    with pytest.raises(LrvizError) as info:
        plan({"learning_rate": 1e-3, "num_train_epochs": 2}, source="args.json")
    assert "--dataset-size" in str(info.value)
    with pytest.raises(LrvizError, match="--world-size"):
        plan({"learning_rate": 1e-3, "max_steps": 5}, world_size=0)


@needs_trainer
def test_hf_signature_is_transformers():
    sig = lookup("hf.cosine").signature
    assert list(sig.parameters)[:4] == ["optimizer", "num_warmup_steps", "num_training_steps", "num_cycles"]
    assert sig.parameters["num_cycles"].default == 0.5


@needs_trainer
def test_a_transformers_release_without_the_type_falls_back_to_the_preset(monkeypatch):
    """transformers before 4.54 has no cosine_warmup_with_min_lr: lrviz used to exit 70 on the enum lookup.

    Truth: the installed transformers' own get_scheduler for that type, stepped by torch directly."""
    import enum
    import importlib
    import types

    from lrviz.registry import frameworks

    real = importlib.import_module("transformers.optimization")
    older = enum.Enum(
        "SchedulerType", {m.name: m.value for m in real.SchedulerType if m.value != "cosine_warmup_with_min_lr"}
    )
    fake = types.SimpleNamespace(SchedulerType=older, TYPE_TO_SCHEDULER_FUNCTION={}, get_scheduler=None)
    monkeypatch.setattr(frameworks, "hf_backend", lambda: (fake, "transformers 4.46.3 get_scheduler"))
    params = {"num_warmup_steps": 10, "num_training_steps": 50, "min_lr_rate": 0.1}
    info = frameworks.lookup("hf.cosine_warmup_with_min_lr")
    assert "4.46.3 has no 'cosine_warmup_with_min_lr'" in info.backend
    cfg = load_config(
        {
            "steps": 50,
            "optimizer": {"name": "SGD", "lr": 0.1},
            "scheduler": "hf.cosine_warmup_with_min_lr",
            "params": params,
        }
    )
    got = simulate(cfg).trajectories[0].lr[:, 0]

    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    sched = real.get_scheduler(
        "cosine_warmup_with_min_lr",
        opt,
        num_warmup_steps=10,
        num_training_steps=50,
        scheduler_specific_kwargs={"min_lr_rate": 0.1},
    )
    want = []
    for _ in range(50):
        want.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    np.testing.assert_array_equal(got, np.array(want))
