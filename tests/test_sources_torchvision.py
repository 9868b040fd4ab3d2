"""torchvision classification recipes: lrviz's plan against the reference script's own construction.

The truth is ``references/classification/train.py`` of pytorch/vision: :func:`script_lrs`
replicates, line for line, the part of ``main()`` that builds the optimizer and the
scheduler and the epoch loop that steps it (``train_one_epoch`` runs the optimizer
steps of an epoch, then ``lr_scheduler.step()``), and records the lr each optimizer step
uses. lrviz reads the same recipe, loads the plan's config with ``load_config`` and
simulates it; the two must agree to the bit at every optimizer step.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from lrviz.errors import LrvizError
from lrviz.simulate import simulate
from lrviz.sources import plan
from lrviz.validate import load_config

#: get_args_parser() defaults of the script, for the keys a recipe below leaves out.
SCRIPT_DEFAULTS = dict(
    lr=0.1,
    epochs=90,
    opt="sgd",
    momentum=0.9,
    weight_decay=1e-4,
    lr_scheduler="steplr",
    lr_warmup_epochs=0,
    lr_warmup_method="constant",
    lr_warmup_decay=0.01,
    lr_step_size=30,
    lr_gamma=0.1,
    lr_min=0.0,
    batch_size=32,
)


def script_lrs(recipe: dict, updates_per_epoch: int) -> tuple[np.ndarray, np.ndarray | None]:
    """(lr, momentum) per optimizer step, as references/classification/train.py main() builds and steps them."""
    args = SimpleNamespace(**{**SCRIPT_DEFAULTS, **recipe})
    parameters = [torch.zeros(2, 2, requires_grad=True)]

    opt_name = args.opt.lower()
    if opt_name.startswith("sgd"):
        optimizer = torch.optim.SGD(
            parameters,
            lr=args.lr,
            momentum=args.momentum,
            weight_decay=args.weight_decay,
            nesterov="nesterov" in opt_name,
        )
    elif opt_name == "rmsprop":
        optimizer = torch.optim.RMSprop(
            parameters, lr=args.lr, momentum=args.momentum, weight_decay=args.weight_decay, eps=0.0316, alpha=0.9
        )
    elif opt_name == "adamw":
        optimizer = torch.optim.AdamW(parameters, lr=args.lr, weight_decay=args.weight_decay)
    else:
        raise RuntimeError(f"Invalid optimizer {args.opt}. Only SGD, RMSprop and AdamW are supported.")

    args.lr_scheduler = args.lr_scheduler.lower()
    if args.lr_scheduler == "steplr":
        main_lr_scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=args.lr_step_size, gamma=args.lr_gamma)
    elif args.lr_scheduler == "cosineannealinglr":
        main_lr_scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(
            optimizer, T_max=args.epochs - args.lr_warmup_epochs, eta_min=args.lr_min
        )
    elif args.lr_scheduler == "exponentiallr":
        main_lr_scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=args.lr_gamma)
    else:
        raise RuntimeError(f"Invalid lr scheduler '{args.lr_scheduler}'.")

    if args.lr_warmup_epochs > 0:
        if args.lr_warmup_method == "linear":
            warmup_lr_scheduler = torch.optim.lr_scheduler.LinearLR(
                optimizer, start_factor=args.lr_warmup_decay, total_iters=args.lr_warmup_epochs
            )
        elif args.lr_warmup_method == "constant":
            warmup_lr_scheduler = torch.optim.lr_scheduler.ConstantLR(
                optimizer, factor=args.lr_warmup_decay, total_iters=args.lr_warmup_epochs
            )
        else:
            raise RuntimeError(f"Invalid warmup lr method '{args.lr_warmup_method}'.")
        lr_scheduler = torch.optim.lr_scheduler.SequentialLR(
            optimizer, schedulers=[warmup_lr_scheduler, main_lr_scheduler], milestones=[args.lr_warmup_epochs]
        )
    else:
        lr_scheduler = main_lr_scheduler

    lrs, moms = [], []
    group = optimizer.param_groups[0]
    for _epoch in range(args.epochs):  # for epoch in range(args.start_epoch, args.epochs)
        for _ in range(updates_per_epoch):  # train_one_epoch: one optimizer step per batch
            lrs.append(group["lr"])
            moms.append(group["momentum"] if "momentum" in group else group["betas"][0])
            optimizer.step()
        lr_scheduler.step()
    return np.array(lrs), np.array(moms)


def lrviz_lrs(p) -> tuple[np.ndarray, np.ndarray | None]:
    traj = simulate(load_config(p.config)).trajectories[0]
    return traj.lr[:, 0], None if traj.momentum is None else traj.momentum[:, 0]


RECIPES = {
    # The ResNet recipe of the references' README: the script's defaults, 8 GPUs x 32 images.
    "resnet-steplr": (dict(), 50_000, 8, 196),  # ceil(ceil(50000 / 8) / 32) = ceil(6250 / 32) = 196
    # The "new recipe" (torchvision's blog post, references README): cosine after a linear warmup, RASampler.
    "new-recipe-cosine-linear-warmup": (
        dict(
            lr=0.5,
            epochs=60,
            batch_size=128,
            lr_scheduler="cosineannealinglr",
            lr_warmup_epochs=5,
            lr_warmup_method="linear",
            weight_decay=2e-5,
            ra_sampler=True,
            ra_reps=4,
        ),
        50_000,
        8,
        49,  # RASampler: floor(50000 // 256 * 256 / 8) = 6240 per process; ceil(6240 / 128) = 49
    ),
    # MobileNetV3-style: RMSprop, step decay every 2 epochs by 0.973.
    "mobilenet-rmsprop": (
        dict(opt="rmsprop", lr=0.064, epochs=40, lr_step_size=2, lr_gamma=0.973, batch_size=128),
        10_000,
        1,
        79,
    ),  # ceil(10000 / 128) = 79
    # ViT-style: AdamW, cosine, a linear warmup from lr x 0.033, eta_min.
    "vit-adamw-cosine": (
        dict(
            opt="adamw",
            lr=0.003,
            epochs=30,
            lr_scheduler="CosineAnnealingLR",
            lr_warmup_epochs=6,
            lr_warmup_method="linear",
            lr_warmup_decay=0.033,
            lr_min=1e-5,
            batch_size=512,
        ),
        20_000,
        2,
        20,
    ),  # ceil(ceil(20000 / 2) / 512) = ceil(19.53) = 20
    # A constant warmup, then exponential decay; nesterov SGD.
    "constant-warmup-exponential": (
        dict(
            opt="sgd_nesterov",
            lr_scheduler="exponentiallr",
            lr_gamma=0.9,
            epochs=25,
            lr_warmup_epochs=3,
            lr_warmup_method="constant",
            lr_warmup_decay=0.1,
        ),
        1_000,
        1,
        32,
    ),  # ceil(1000 / 32) = 32
}


@pytest.mark.parametrize("name", list(RECIPES))
def test_recipe_matches_the_script_bit_for_bit(name):
    recipe, n, world, upe = RECIPES[name]
    p = plan(recipe, kind="torchvision", dataset_size=n, world_size=world)
    assert p.kind == "torchvision"
    assert p.row("updates per epoch").value == upe
    epochs = recipe.get("epochs", 90)
    assert p.row("total optimizer steps").value == epochs * upe
    expected_lr, expected_m = script_lrs(recipe, upe)
    lr, m = lrviz_lrs(p)
    assert len(expected_lr) == epochs * upe > 0
    np.testing.assert_array_equal(lr, expected_lr)
    np.testing.assert_array_equal(m, expected_m)


def test_recipe_from_a_file_equals_the_mapping(tmp_path):
    recipe, n, world, _ = RECIPES["new-recipe-cosine-linear-warmup"]
    path = tmp_path / "recipe.yaml"
    # dashes as on the command line: argparse turns them into these underscores
    path.write_text("".join(f"{k.replace('_', '-')}: {v!r}\n".replace("True", "true") for k, v in recipe.items()))
    from_file = plan(path, dataset_size=n, world_size=world)
    assert from_file.kind == "torchvision" and from_file.source == str(path)
    assert from_file.config == plan(recipe, kind="torchvision", dataset_size=n, world_size=world).config


def test_without_dataset_size_one_step_per_epoch():
    recipe = dict(lr_scheduler="cosineannealinglr", epochs=12, lr_warmup_epochs=2, lr_warmup_method="linear")
    p = plan(recipe)
    assert p.config["steps_per_epoch"] == 1
    assert "not counted" in p.row("updates per epoch").shown()
    np.testing.assert_array_equal(lrviz_lrs(p)[0], script_lrs(recipe, 1)[0])


@pytest.mark.parametrize(
    "recipe, key",
    [
        (dict(lr_scheduler="multisteplr"), "lr_scheduler"),
        (dict(lr_warmup_epochs=2, lr_warmup_method="cosine"), "lr_warmup_method"),
        (dict(opt="lamb"), "opt"),
        (dict(epochs=0), "epochs"),
        (dict(batch_size=-4), "batch_size"),
        (dict(lr_step_size=0), "lr_step_size"),
        (dict(lr=float("nan")), "lr"),
        (dict(epochs=49_000_000), "epochs"),  # x 2 updates: above 50M steps
    ],
)
def test_bad_recipes_name_the_key(recipe, key):
    with pytest.raises(LrvizError) as info:
        plan({"lr_scheduler": "steplr", **recipe}, dataset_size=64)
    assert info.value.key == key, str(info.value)
    assert "\n" not in str(info.value)
