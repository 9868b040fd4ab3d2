"""timm args.yaml: lrviz's plan against timm's own factory, stepped as timm's train.py steps it.

The truth is timm itself: its ``scheduler_kwargs`` and ``create_scheduler_v2`` (loaded by
the ``timm_scheduler`` fixture of conftest.py, without timm's top-level ``__init__``),
driven by :func:`train_py_lrs`, a replica of the scheduler lines of timm's ``train.py``
(huggingface/pytorch-image-models, commit 2aabaef):

    # main()
    updates_per_epoch = (len(loader_train) + args.grad_accum_steps - 1) // args.grad_accum_steps
    lr_scheduler, num_epochs = create_scheduler_v2(optimizer, **scheduler_kwargs(args),
                                                   updates_per_epoch=updates_per_epoch)
    for epoch in range(start_epoch, num_epochs):
        train_one_epoch(...)        # num_updates = epoch * updates_per_epoch; after each update:
                                    #     num_updates += 1
                                    #     lr_scheduler.step_update(num_updates=num_updates, metric=losses_m.avg)
        lr_scheduler.step(epoch + 1, eval_metrics[eval_metric])

The replica records the lr each optimizer update uses. lrviz reads the same args and
runs the plan's config through ``load_config`` + ``simulate`` (the ``timm.<sched>``
names as import targets of lrviz.registry.frameworks, with trust, until the registry
knows them). Every value must be equal to the bit.
"""

from __future__ import annotations

import sys
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from lrviz.errors import ConfigError, LrvizError
from lrviz.registry.frameworks import lookup
from lrviz.simulate import simulate
from lrviz.sources import plan
from lrviz.validate import load_config

#: train.py's argparse defaults (commit 2aabaef) for every key scheduler_kwargs reads, written out here so
#: each case below is a complete args.yaml; a case overrides what it tests.
ARGS = dict(
    sched="cosine",
    sched_on_updates=False,
    lr=0.05,
    lr_base=0.1,
    lr_base_size=256,
    lr_base_scale="",
    lr_noise=None,
    lr_noise_pct=0.67,
    lr_noise_std=1.0,
    lr_cycle_mul=1.0,
    lr_cycle_decay=0.5,
    lr_cycle_limit=1,
    lr_k_decay=1.0,
    warmup_lr=1e-5,
    min_lr=0,
    epochs=12,
    decay_milestones=[90, 180, 270],
    decay_epochs=90,
    warmup_epochs=5,
    warmup_prefix=False,
    cooldown_epochs=0,
    patience_epochs=10,
    decay_rate=0.1,
    batch_size=4,
    grad_accum_steps=1,
    opt="sgd",
    momentum=0.9,
    weight_decay=2e-5,
    seed=42,
    eval_metric="top1",
)


def train_py_lrs(timm_scheduler, args: dict, updates_per_epoch: int, lr: float) -> np.ndarray:
    """The lr of every optimizer update of a timm train.py run with ``args`` (see the module docstring)."""
    optimizer = torch.optim.SGD([torch.zeros(2, 2, requires_grad=True)], lr=lr, momentum=0.9, nesterov=True)
    lr_scheduler, num_epochs = timm_scheduler.create_scheduler_v2(
        optimizer, **timm_scheduler.scheduler_kwargs(SimpleNamespace(**args)), updates_per_epoch=updates_per_epoch
    )
    eval_metric = 0.0  # args.yaml holds no metric; the plan's plateau metric is this constant
    lrs = []
    for epoch in range(0, num_epochs):
        num_updates = epoch * updates_per_epoch
        for _ in range(updates_per_epoch):
            lrs.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            num_updates += 1
            if lr_scheduler is not None:
                lr_scheduler.step_update(num_updates=num_updates, metric=1.0)
        if lr_scheduler is not None:
            lr_scheduler.step(epoch + 1, eval_metric)
    return np.array(lrs)


def lrviz_lrs(p) -> np.ndarray:
    cfg = load_config(p.config)
    return simulate(cfg).trajectories[0].lr[:, 0]


# name: (overrides, examples, updates per epoch written out from train.py's rules)
CASES = {
    "cosine-per-epoch-warmup-cooldown": (dict(warmup_epochs=3, cooldown_epochs=2), 20, 5),  # 20 // 4 = 5
    "cosine-on-updates-prefix-cycles": (
        dict(
            sched_on_updates=True,
            warmup_prefix=True,
            warmup_epochs=2,
            lr_cycle_limit=3,
            lr_cycle_mul=1.5,
            lr_cycle_decay=0.5,
            min_lr=1e-4,
            epochs=4,
        ),
        23,
        5,  # 23 // 4 = 5
    ),
    "cosine-k-decay-on-updates": (dict(sched_on_updates=True, lr_k_decay=2.0, warmup_epochs=1), 16, 4),
    "step-on-updates": (
        dict(sched="step", decay_epochs=3, decay_rate=0.5, warmup_epochs=2, sched_on_updates=True),
        12,
        3,
    ),
    "step-fractional-decay-per-epoch": (dict(sched="step", decay_epochs=2.5, decay_rate=0.7, warmup_epochs=0), 8, 2),
    "multistep-per-epoch": (dict(sched="multistep", decay_milestones=[4, 7], decay_rate=0.2, warmup_epochs=1), 12, 3),
    "plateau-per-epoch": (dict(sched="plateau", patience_epochs=2, decay_rate=0.5, warmup_epochs=2, epochs=14), 8, 2),
    "poly-on-updates-cycles": (
        dict(
            sched="poly",
            decay_rate=2.0,
            lr_k_decay=1.5,
            lr_cycle_limit=2,
            sched_on_updates=True,
            warmup_epochs=1,
            min_lr=1e-3,
            epochs=5,
        ),
        12,
        3,
    ),
    "tanh-per-epoch-cycles": (
        dict(sched="tanh", lr_cycle_limit=2, lr_cycle_mul=2.0, warmup_epochs=1, epochs=4, cooldown_epochs=1),
        8,
        2,
    ),
    "noise-with-seed": (
        dict(lr_noise=[0.3, 0.8], lr_noise_pct=0.5, lr_noise_std=1.0, seed=7, sched_on_updates=True, warmup_epochs=1),
        16,
        4,
    ),
    "noise-single-start-per-epoch": (dict(lr_noise=0.5, seed=3, warmup_epochs=0), 8, 2),
    "grad-accum-uneven": (dict(grad_accum_steps=5, sched_on_updates=True, warmup_epochs=1, epochs=6), 50, 3),
    # 50 // 4 = 12 batches; (12 + 5 - 1) // 5 = 3 updates
    "wsd-on-updates": (dict(sched="wsd", decay_epochs=0.3, warmup_epochs=2, sched_on_updates=True, epochs=10), 12, 3),
    "none": (dict(sched="none"), 8, 2),
}


@pytest.mark.filterwarnings("ignore:PlateauLRScheduler is deprecated:FutureWarning")
@pytest.mark.parametrize("name", list(CASES))
def test_args_yaml_matches_train_py_bit_for_bit(timm_scheduler, name):
    overrides, n, upe = CASES[name]
    args = {**ARGS, **overrides}
    p = plan(args, dataset_size=n)
    assert p.kind == "timm"
    assert p.row("updates per epoch").value == upe
    expected = train_py_lrs(timm_scheduler, args, upe, args["lr"])
    assert len(expected) > 0
    assert p.row("total optimizer steps").value == len(expected)
    got = lrviz_lrs(p)
    np.testing.assert_array_equal(got, expected)
    if name != "none":
        assert len(set(expected.tolist())) > 2, "the case must exercise a schedule, not a constant"


@pytest.mark.parametrize(
    "overrides, lr",
    [
        (dict(lr=None, batch_size=64, grad_accum_steps=2), 0.1 * (64 * 1 * 2 / 256)),  # linear: opt sgd
        (dict(lr=0, batch_size=64, opt="adamw"), 0.1 * (64 * 1 * 1 / 256) ** 0.5),  # 'ada' in adamw: sqrt
        (dict(lr=None, batch_size=32, opt="lamb", lr_base=0.02, lr_base_scale="linear"), 0.02 * (32 / 256)),
    ],
)
def test_lr_from_lr_base_scaling(timm_scheduler, overrides, lr):
    args = {**ARGS, "sched_on_updates": True, "warmup_epochs": 1, **overrides}
    p = plan(args, dataset_size=256)
    assert p.row("lr").value == lr
    upe = p.row("updates per epoch").value
    np.testing.assert_array_equal(lrviz_lrs(p), train_py_lrs(timm_scheduler, args, upe, lr))


def test_world_size_counts_samples_per_process(timm_scheduler):
    # DistributedSampler pads to ceil(1001 / 4) = 251 per process; 251 // 8 = 31 batches; (31 + 1) // 2 = 16 updates
    p = plan(
        {**ARGS, "batch_size": 8, "grad_accum_steps": 2, "sched_on_updates": True}, dataset_size=1001, world_size=4
    )
    assert p.row("samples per process").value == 251
    assert p.row("batches per epoch").value == 31
    assert p.row("updates per epoch").value == 16


def test_plan_reads_an_args_yaml_file(timm_scheduler, tmp_path):
    import yaml

    path = tmp_path / "args.yaml"
    path.write_text(yaml.safe_dump({**ARGS, "model": "resnet50", "data_dir": "/data", "amp": True}))
    p = plan(path, dataset_size=20)
    assert p.kind == "timm" and p.source == str(path)
    assert p.config == plan(ARGS, dataset_size=20).config


def test_without_dataset_size_per_epoch_shows_one_step_per_epoch(timm_scheduler):
    args = {**ARGS, "warmup_epochs": 2}
    p = plan(args)
    assert p.config["steps_per_epoch"] == 1
    np.testing.assert_array_equal(lrviz_lrs(p), train_py_lrs(timm_scheduler, args, 1, args["lr"]))


def test_on_updates_needs_the_dataset_size(timm_scheduler):
    with pytest.raises(LrvizError, match="--dataset-size"):
        plan({**ARGS, "sched_on_updates": True})


@pytest.mark.parametrize(
    "overrides, key",
    [
        (dict(sched="cosinee"), "sched"),
        (dict(epochs=0), "epochs"),
        (dict(warmup_epochs=-1), "warmup_epochs"),
        (dict(warmup_epochs=1.5), "warmup_epochs"),  # train.py: type=int
        (dict(batch_size=0), "batch_size"),
        (dict(decay_epochs=0), "decay_epochs"),
        (dict(lr_noise=[0.1, 0.9], lr_noise_pct=0.0), "lr_noise_pct"),
        (dict(lr_noise=[0.1, 0.9], lr_noise_pct=0.001), "lr_noise_pct"),  # timm would redraw ~1000 times a step
        (dict(decay_milestones=[3, "x"]), "decay_milestones[1]"),
        (dict(epochs=40_000_000), "epochs"),  # x 2 updates: above the 50M step limit
        (dict(sched="plateau", sched_on_updates=True), "sched_on_updates"),
        (dict(sched_on_updates="yes"), "sched_on_updates"),
    ],
)
def test_bad_args_name_the_key(timm_scheduler, overrides, key):
    with pytest.raises(LrvizError) as info:
        plan({**ARGS, **overrides}, dataset_size=8, source="args.yaml")
    assert info.value.key == key, str(info.value)
    assert str(info.value).startswith("args.yaml: ")


def test_framework_signature_is_timms(timm_scheduler):
    sig = lookup("timm.cosine").signature
    assert "sched" not in sig.parameters and "num_epochs" in sig.parameters
    assert sig.parameters["updates_per_epoch"].default is sig.empty  # required: the driver needs epoch ends
    bad = {"steps": 10, "scheduler": "timm.step", "params": {"decay_epochs": 3, "updates_per_epoch": 2, "decay": 1}}
    with pytest.raises(ConfigError) as info:
        load_config(bad)
    assert info.value.key == "params.decay" and "did you mean" in info.value.message


def test_without_timm_a_clear_error(monkeypatch):
    for k in [k for k in sys.modules if k == "timm" or k.startswith("timm.")]:
        monkeypatch.delitem(sys.modules, k)
    monkeypatch.setitem(sys.modules, "timm", None)  # import timm raises ImportError
    with pytest.raises(LrvizError) as info:
        plan(ARGS, dataset_size=8, source="args.yaml")
    assert "pip install 'lrviz[timm]'" in str(info.value) and info.value.key == "sched"
    with pytest.raises(LrvizError, match=r"lrviz\[timm\]"):
        lookup("timm.cosine")
