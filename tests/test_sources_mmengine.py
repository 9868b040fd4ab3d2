"""MMEngine / OpenMMLab Python configs: lrviz's values against a real ``mmengine.Runner.train()``.

The truth for each config: MMEngine's own ``Config.fromfile`` runs the file (bases merged
by MMEngine), and a real ``Runner`` trains a one-parameter model on a dataset of N items
through the config's own ``train_dataloader`` (``DefaultSampler``), ``train_cfg``,
``optim_wrapper`` and ``param_scheduler``, with a hook that records the lr and momentum in
``after_train_iter`` at NORMAL priority, before ParamSchedulerHook (LOW) steps: what
OpenMMLab's ``tools/analysis_tools/vis_scheduler.py`` records (its ``ParamRecordHook``).
lrviz reads the same file without running it (``--dataset-size N``) and must give the same
lr and momentum at every iteration, bit for bit.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

from lrviz.errors import LrvizError
from lrviz.simulate import simulate
from lrviz.sources import load_source
from tests.optional import import_or_skip

mmengine = import_or_skip("mmengine.runner", "test")

from mmengine.config import Config  # noqa: E402
from mmengine.dataset import pseudo_collate  # noqa: E402, F401 (the default collate of the config's loader)
from mmengine.hooks import Hook  # noqa: E402
from mmengine.model import BaseModel  # noqa: E402
from mmengine.registry import DATASETS  # noqa: E402
from mmengine.runner import Runner  # noqa: E402


@DATASETS.register_module(force=True)
class LrvizItems(torch.utils.data.Dataset):
    """``size`` items: the dataset a config's ``train_dataloader.dataset`` names in these tests."""

    def __init__(self, size: int):
        self.size = size

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, i: int) -> torch.Tensor:
        return torch.tensor([float(i)])


class OneWeight(BaseModel):
    def __init__(self) -> None:
        super().__init__()
        self.w = torch.nn.Parameter(torch.ones(1))

    def forward(self, inputs, data_samples=None, mode="tensor"):
        return self.w

    def train_step(self, data, optim_wrapper):
        loss = (self.w * 1e-3).sum()
        optim_wrapper.update_params(loss)  # backward, optimizer.step(), zero_grad: a real update
        return {"loss": loss}


class Record(Hook):
    """vis_scheduler.py's ParamRecordHook: the lr and momentum of group 0 after every training iteration."""

    def __init__(self) -> None:
        self.lr: list[float] = []
        self.momentum: list[float] = []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.lr.append(runner.optim_wrapper.get_lr()["lr"][0])
        self.momentum.append(runner.optim_wrapper.get_momentum()["momentum"][0])


def runner_values(path: Path, tmp_path: Path) -> tuple[list[float], list[float]]:
    """(lr, momentum) per iteration of a real Runner.train() on the config at ``path``."""
    cfg = Config.fromfile(str(path))
    record = Record()
    hooks = dict(
        param_scheduler=dict(type="ParamSchedulerHook"),
        runtime_info=None,
        timer=None,
        logger=None,
        checkpoint=None,
        sampler_seed=None,
        param_record=record,
    )
    runner = Runner(
        model=OneWeight(),
        work_dir=str(tmp_path / "work"),
        train_dataloader=cfg.train_dataloader,
        train_cfg=cfg.train_cfg,
        optim_wrapper=cfg.optim_wrapper,
        param_scheduler=cfg.get("param_scheduler"),
        auto_scale_lr=cfg.get("auto_scale_lr"),
        default_hooks=hooks,
        log_level="ERROR",
        experiment_name=f"lrviz-{path.stem}-{id(record)}",
        default_scope="mmengine",
    )
    runner.train()
    return record.lr, record.momentum


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def loader(size: int, batch: int, **extra: object) -> str:
    more = "".join(f", {k}={v!r}" for k, v in extra.items())
    return (
        f"train_dataloader = dict(batch_size={batch}, num_workers=0{more}, "
        "sampler=dict(type='DefaultSampler', shuffle=False), "
        f"dataset=dict(type='LrvizItems', size={size}))\n"
    )


# Each case: files (the first is the config given), N, expected total iterations.
CASES: dict[str, tuple[dict[str, str], int, int]] = {
    "warmup-by-iter-then-multistep-by-epoch-from-a-base": (
        {
            "configs/det/faster-1x.py": """\
                _base_ = ['../_base_/schedules/schedule_1x.py']
                optim_wrapper = dict(optimizer=dict(lr=0.04))  # merged into the base's dict
                """
            + loader(10, 3),
            "configs/_base_/schedules/schedule_1x.py": """\
                train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=4, val_interval=1)
                param_scheduler = [
                    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=5),
                    dict(type='MultiStepLR', begin=0, end=4, by_epoch=True, milestones=[2, 3], gamma=0.1),
                ]
                optim_wrapper = dict(type='OptimWrapper',
                                     optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=0.0001))
                """,
        },
        10,
        16,  # ceil(10 / 3) = 4 iterations x 4 epochs
    ),
    "convert-to-iter-based-adamw-and-a-momentum-scheduler": (
        {
            "swin.py": """\
                max_epochs = 5
                train_cfg = dict(by_epoch=True, max_epochs=max_epochs)
                optim_wrapper = dict(optimizer=dict(type='AdamW', lr=1e-3 * 2, betas=(0.9, 0.999), weight_decay=0.05))
                param_scheduler = [
                    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, end=1, convert_to_iter_based=True),
                    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=True, begin=1, convert_to_iter_based=True),
                    dict(type='CosineAnnealingMomentum', eta_min=0.8, by_epoch=False, begin=2, end=12, T_max=10),
                ]
                """
            + loader(9, 2, drop_last=True),
        },
        9,
        20,  # floor(9 / 2) = 4 (drop_last) x 5 epochs
    ),
    "iteration-loop-where-by-epoch-schedulers-never-step": (
        {
            "iters.py": """\
                train_cfg = dict(type='IterBasedTrainLoop', max_iters=23)
                optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.95, nesterov=True))
                param_scheduler = [
                    dict(type='LinearLR', start_factor=0.25, by_epoch=False, begin=0, end=4),
                    dict(type='CosineAnnealingLR', T_max=19, by_epoch=False, begin=4, end=23),
                    dict(type='StepLR', step_size=1, gamma=0.5),
                ]
                """
            + loader(7, 2),
        },
        7,
        23,
    ),
    "delete-base-vars-one-cycle-and-auto-scale-lr": (
        {
            "configs/cls/onecycle.py": """\
                '''A config using every way to refer to its base.'''
                _base_ = ['../base/runtime.py', '../base/sched.py']
                epochs = {{_base_.max_epochs}}
                train_cfg = dict(by_epoch=True, max_epochs=epochs)
                optim_wrapper = dict(
                    optimizer=dict(_delete_=True, type='AdamW', lr=_base_.base_lr, betas=(0.95, 0.999)))
                param_scheduler = dict(_delete_=True, type='OneCycleLR', eta_max=_base_.base_lr * 4, total_steps=12,
                                       by_epoch=False, pct_start=0.25, three_phase=True)
                auto_scale_lr = dict(enable=True, base_batch_size=8)
                """
            + loader(8, 2),
            "configs/base/runtime.py": "base_lr = 0.001\nmax_epochs = 3\n",
            "configs/base/sched.py": """\
                optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.5, momentum=0.9, weight_decay=1e-4))
                param_scheduler = [dict(type='ConstantLR', factor=0.5)]
                """,
        },
        8,
        12,
    ),
    "lazy-import-config-with-read-base-and-update": (
        {
            "configs/det/lazy-2x.py": """\
                from mmengine.config import read_base

                with read_base():
                    from .._base_.schedules.lazy_1x import *

                import torch
                from mmengine.optim.scheduler.momentum_scheduler import CosineAnnealingMomentum as CosMom

                train_cfg.update(dict(max_epochs=3))  # a base's ConfigDict: merged
                param_scheduler[1].update(dict(end=3, milestones=[1, 2]))
                param_scheduler.append(dict(type=CosMom, T_max=6, eta_min=0.5, by_epoch=False))
                optim_wrapper.update(optimizer=dict(type=torch.optim.SGD, lr=0.05, momentum=0.9))
                """
            + loader(7, 2),
            "configs/_base_/schedules/lazy_1x.py": """\
                from mmengine.optim.scheduler.lr_scheduler import LinearLR, MultiStepLR
                from mmengine.runner.loops import EpochBasedTrainLoop
                from torch.optim.sgd import SGD

                train_cfg = dict(type=EpochBasedTrainLoop, max_epochs=12, val_interval=1)
                param_scheduler = [
                    dict(type=LinearLR, start_factor=0.001, by_epoch=False, begin=0, end=5),
                    dict(type=MultiStepLR, begin=0, end=12, by_epoch=True, milestones=[8, 11], gamma=0.1),
                ]
                optim_wrapper = dict(optimizer=dict(type=SGD, lr=0.02, momentum=0.9, weight_decay=0.0001))
                """,
        },
        7,
        12,  # ceil(7 / 2) = 4 iterations x 3 epochs
    ),
    "default-end-poly-and-a-momentum-step": (
        {
            "poly.py": """\
                train_cfg = dict(by_epoch=True, max_epochs=6)
                optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9))
                param_scheduler = [
                    dict(type='PolyLR', eta_min=1e-4, power=0.9, by_epoch=True),
                    dict(type='StepMomentum', step_size=4, gamma=0.9, by_epoch=False),
                ]
                """
            + loader(5, 2),
        },
        5,
        18,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_values_match_a_real_mmengine_runner_bit_for_bit(tmp_path, case):
    files, size, total = CASES[case]
    write(tmp_path, files)
    path = tmp_path / next(iter(files))
    lrs, momenta = runner_values(path, tmp_path)
    loaded = load_source(path, dataset_size=size)  # read, never run
    assert loaded.kind == "mmengine"
    assert loaded.plan.row("total optimizer steps").value == total == len(lrs)
    traj = simulate(loaded.config).trajectories[0]
    np.testing.assert_array_equal(traj.lr[:, 0], lrs)
    np.testing.assert_array_equal(traj.momentum[:, 0], momenta)
    assert len(set(lrs)) > 2


@pytest.mark.parametrize("case", list(CASES))
def test_the_file_is_read_as_mmengine_s_config_fromfile_reads_it(tmp_path, case):
    from lrviz.sources.mmconfig import read_config

    files, _, _ = CASES[case]
    write(tmp_path, files)
    path = tmp_path / next(iter(files))
    assert read_config(path) == Config.fromfile(str(path)).to_dict()


READ_BASE = "from mmengine.config import read_base\nwith read_base():\n"
GOOD = """\
train_cfg = dict(by_epoch=False, max_iters=10)
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1))
param_scheduler = [dict(type='LinearLR', start_factor=0.5, by_epoch=False, end=4)]
"""


@pytest.fixture
def never_run(monkeypatch):
    """Make every way MMEngine runs a config fail loudly: lrviz must not reach them without --trust."""

    def refuse(*args, **kwargs):
        raise AssertionError("MMEngine ran the config")

    monkeypatch.setattr(Config, "fromfile", refuse)
    monkeypatch.setattr(Config, "_file2dict", refuse)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("import os\n" + GOOD, 1, "an import"),
        (GOOD + "x = __import__('os').system('touch {marker}')\n", 4, "a call of __import__('os').system()"),
        (GOOD + "y = open('{marker}', 'w')\n", 4, "a call of open()"),
        (GOOD + "z = [i for i in range(3)]\n", 4, "a list comprehension"),
        (GOOD + "w = f'{{1}}'\n", 4, "an f-string"),
        (GOOD + 'exec(\'open("{marker}", "w")\')\n', 4, "a bare expression"),
        (GOOD + "def f():\n    pass\n", 4, "a function definition"),
        (GOOD + "if True:\n    a = 1\n", 4, "an if statement"),
        (GOOD + "v = dict(**[1])\n", 4, "unpacks [1] (list), not a dict"),
        (GOOD + "v = dict(lr=1, **dict(lr=2))\n", 4, "dict() got 'lr' twice"),
        (GOOD + "v = 'a' * 200_000\n", 4, "more than 100,000 values"),
        (GOOD + "v = 'a' - 'b'\n", 4, "'a' - 'b'"),
        (GOOD + "u = not_bound_here\n", 4, "'not_bound_here' is not bound"),
        (GOOD + "p = 2 ** 10 ** 10\n", 4, "a power beyond"),
        (GOOD + "q = train_cfg.max_iters\n", 4, "the attribute train_cfg.max_iters"),
        (READ_BASE + "    from .base import *\n" + GOOD, 3, "no such file"),
        ("from mmengine.optim import LinearLR\nimport os\n" + GOOD, 2, "importing 'os', which MMEngine really imports"),
        ("from mmengine.optim import LinearLR\nwith open('{marker}', 'w'):\n    pass\n", 2, "a with block other than"),
        ("from torch.optim import *\n", 1, "outside 'with read_base()"),
        ("from mmengine.optim import LinearLR\nx = LinearLR(None)\n", 2, "a call of LinearLR()"),
        (READ_BASE + "    from ....etc.passwd import *\n", 3, "outside the config tree"),
        (GOOD + "e = '{{$HOME:/tmp}}'\n", 4, "environment variable HOME"),
    ],
)
def test_code_in_a_config_is_refused_naming_the_line_and_nothing_runs(tmp_path, never_run, text, line, words):
    marker = tmp_path / "ran"
    path = tmp_path / "hostile.py"
    path.write_text(text.replace("{marker}", str(marker)))
    with pytest.raises(LrvizError) as err:
        load_source(path, kind="mmengine")  # told: a .py without MMEngine's names is otherwise an lr function's
    assert f"line {line}:" in str(err.value) and words in str(err.value), str(err.value)
    assert str(path) in str(err.value)
    assert not marker.exists()


def test_trust_lets_mmengine_run_a_config_that_computes_its_values(tmp_path):
    path = tmp_path / "computed.py"
    path.write_text(GOOD.replace("max_iters=10", "max_iters=int('12')"))
    with pytest.raises(LrvizError, match="a call of int"):
        load_source(path)
    loaded = load_source(path, trust=True)  # mmengine.Config.fromfile runs it
    assert loaded.plan.row("total optimizer steps").value == 12


@pytest.mark.parametrize(
    ("files", "words"),
    [
        (
            {"configs/a.py": "_base_ = './b.py'\n" + GOOD, "configs/b.py": "_base_ = ['a.py']\n"},
            "a cycle (a.py -> b.py -> a.py)",
        ),
        ({"configs/a.py": "_base_ = 'a.py'\n" + GOOD}, "a cycle (a.py -> a.py)"),
        ({"configs/a.py": "_base_ = '../outside.py'\n" + GOOD, "outside.py": "x = 1\n"}, "outside the config tree"),
        ({"cfg/a.py": "_base_ = '../etc/passwd.py'\n" + GOOD, "etc/passwd.py": "x = 1\n"}, "outside the config tree"),
        ({"configs/a.py": "_base_ = ['missing.py']\n" + GOOD}, "no such file"),
        ({"configs/a.py": "_base_ = 'mmdet::_base_/schedules/schedule_1x.py'\n" + GOOD}, "installed package 'mmdet'"),
        (
            {
                "configs/a.py": "_base_ = ['b.py', 'c.py']\n" + GOOD,
                "configs/b.py": "k = 1\n",
                "configs/c.py": "k = 2\n",
            },
            "both set k",
        ),
        ({"configs/a.py": "_base_ = [1]\n" + GOOD}, "_base_ names files"),
        ({"configs/a.py": "_base_ = 'b.py'\n" + GOOD, "configs/b.py": "import os\n"}, "line 1: an import"),
    ],
)
def test_bad_bases_are_refused_with_the_path(tmp_path, never_run, files, words):
    write(tmp_path, files)
    with pytest.raises(LrvizError) as err:
        load_source(tmp_path / next(iter(files)))
    assert words in str(err.value), str(err.value)


def test_a_base_symlinked_out_of_the_tree_is_refused(tmp_path, never_run):
    write(tmp_path, {"configs/a.py": "_base_ = 'link.py'\n" + GOOD, "secret/b.py": "x = 1\n"})
    (tmp_path / "configs" / "link.py").symlink_to(tmp_path / "secret" / "b.py")
    with pytest.raises(LrvizError, match="outside the config tree"):
        load_source(tmp_path / "configs" / "a.py")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("x = " + "[" * 80 + "]" * 80 + "\n" + GOOD, "nested deeper than 64"),
        ("x = " + "(" * 5000 + ")" * 5000 + "\n" + GOOD, "line 1"),
        ("a0 = [0] * 100\na1 = [a0] * 100\na2 = [a1] * 100\n", "more than 100,000 values"),
        (
            "a0 = [0] \n" + "".join(f"a{i} = [a{i - 1}, a{i - 1}, a{i - 1}, a{i - 1}]\n" for i in range(1, 20)),
            "more than 100,000 values",
        ),
        ("x = " + "9" * 200 + "\n" + GOOD, "more than 100 digits"),
        ("# pad\n" * 200_000, "larger than"),
        ("x = '\x00'\n", "NUL"),
    ],
)
def test_huge_and_deep_files_are_refused_within_bounds(tmp_path, never_run, text, words):
    path = tmp_path / "big.py"
    path.write_text(text)
    with pytest.raises(LrvizError) as err:
        load_source(path, kind="mmengine")
    assert words in str(err.value), str(err.value)


@pytest.mark.parametrize(
    ("size", "world", "batch", "drop_last"),
    [(117266, 8, 2, False), (1001, 4, 16, False), (1001, 4, 16, True), (5, 8, 2, False)],
)
def test_iterations_per_epoch_are_mmengine_s_sampler_and_loader_length(
    tmp_path, monkeypatch, size, world, batch, drop_last
):
    import mmengine.dataset.sampler as sampler_module

    monkeypatch.setattr(sampler_module, "get_dist_info", lambda: (0, world))  # the sampler as rank 0 of W sees it
    sampler = sampler_module.DefaultSampler(LrvizItems(size), shuffle=False)
    truth = len(torch.utils.data.DataLoader(LrvizItems(size), batch_size=batch, sampler=sampler, drop_last=drop_last))
    path = tmp_path / "c.py"
    path.write_text(
        "train_cfg = dict(by_epoch=True, max_epochs=3)\n"
        + GOOD.split("\n", 1)[1]
        + loader(size, batch, drop_last=drop_last)
    )
    loaded = load_source(path, dataset_size=size, world_size=world)
    assert loaded.plan.row("iterations per epoch").value == truth
    assert loaded.config.steps == 3 * truth


def test_an_epoch_loop_without_a_dataset_size_says_which_option_to_give(tmp_path):
    path = tmp_path / "c.py"
    path.write_text("train_cfg = dict(by_epoch=True, max_epochs=3)\n" + GOOD.split("\n", 1)[1] + loader(10, 2))
    with pytest.raises(LrvizError, match="--dataset-size N"):
        load_source(path)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("train_cfg = dict(type='MyLoop', max_iters=3)\n", "train_cfg.type"),
        ("train_cfg = dict(by_epoch=False)\n", "train_cfg.max_iters"),
        (
            "optimizer = dict(type='SGD', lr=0.1)\nlr_config = dict(policy='step')\n"
            "train_cfg = dict(by_epoch=False, max_iters=3)\n",
            "optimizer",
        ),
        (
            GOOD.rsplit("\n", 2)[0] + "\nparam_scheduler = dict(type='ReduceOnPlateauLR')\n",
            "param_scheduler.type",
        ),
        (
            GOOD.rsplit("\n", 2)[0] + "\nparam_scheduler = [dict(type='CosineAnealingLR')]\n",
            "param_scheduler[0].type",
        ),
    ],
)
def test_configs_mmengine_would_refuse_name_the_key(tmp_path, text, key):
    path = tmp_path / "c.py"
    path.write_text(text)
    with pytest.raises(LrvizError) as err:
        load_source(path)
    assert key in str(err.value), str(err.value)


def test_the_cli_shows_plots_and_refuses_cleanly(tmp_path):
    from typer.testing import CliRunner

    from lrviz.cli import app

    files, size, total = CASES["warmup-by-iter-then-multistep-by-epoch-from-a-base"]
    write(tmp_path, files)
    path = tmp_path / next(iter(files))
    runner = CliRunner()
    shown = runner.invoke(app, ["show", str(path), "--dataset-size", str(size)], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert "iterations per epoch" in shown.stdout and "LinearLR by iter, [0, 5)" in shown.stdout
    out = tmp_path / "out"
    plotted = runner.invoke(app, ["plot", str(path), "--from", "mmengine", "--dataset-size", str(size), "-o", str(out)])
    assert plotted.exit_code == 0, plotted.output
    (tmp_path / "bad.py").write_text("import os\nos.system('touch {}')\n".format(tmp_path / "ran"))
    bad = ["plot", str(tmp_path / "bad.py"), "--from", "mmengine", "-o", str(tmp_path / "bad.png")]
    refused = runner.invoke(app, bad)
    assert refused.exit_code == 2 and "line 1: an import" in refused.stderr and "Traceback" not in refused.output
    assert not (tmp_path / "bad.png").exists() and not (tmp_path / "ran").exists()


def test_the_python_api_an_lrviz_config_of_mm_names_and_convert(tmp_path):
    import yaml

    import lrviz
    from lrviz.validate import load_config

    files, size, _ = CASES["iteration-loop-where-by-epoch-schedulers-never-step"]
    write(tmp_path, files)
    path = tmp_path / next(iter(files))
    lrs, _ = runner_values(path, tmp_path)
    np.testing.assert_array_equal(lrviz.simulate(str(path)).trajectories[0].lr[:, 0], lrs)
    converted = load_source(path).plan.config  # what `lrviz convert` writes below its comments
    np.testing.assert_array_equal(simulate(load_config(converted)).trajectories[0].lr[:, 0], lrs)
    own = {
        "steps": 6,
        "schedules": [{"scheduler": "mm.LinearLR", "params": {"start_factor": 0.5, "end": 4, "by_epoch": False}}],
    }
    got = simulate(load_config(yaml.safe_load(yaml.safe_dump(own)))).trajectories[0].lr[:, 0]
    # MMEngine's LinearParamScheduler reaches end_factor after total_iters = end - begin - 1 steps (its
    # docstring and __init__): 0.1 x (0.5 + 0.5 k / 3), then 0.1; compared to within a rounding
    expected = [0.1 * (0.5 + 0.5 * k / 3) for k in range(4)] + [0.1, 0.1]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_lrviz_list_shows_mmengine_s_schedulers():
    from mmengine.registry import PARAM_SCHEDULERS

    from lrviz.registry import catalogue

    found = {name for name, info in catalogue().items() if info.kind == "mmengine"}
    assert {f"mm.{t}" for t in PARAM_SCHEDULERS.module_dict} | {"mm.param_scheduler"} == found
    assert {"mm.LinearLR", "mm.CosineAnnealingMomentum", "mm.OneCycleLR"} <= found
    params = [p.name for p in catalogue()["mm.LinearLR"].params]
    assert "start_factor" in params and "param_name" not in params


def test_check_sweep_and_actual_take_an_mmengine_config(tmp_path):
    """check (its lints and the resume check, through HookStep's state_dict), --sweep over the runner's
    params, and --actual against the lr a real Runner logged (as a plain step,lr CSV)."""
    from typer.testing import CliRunner

    from lrviz.cli import app

    files, size, _ = CASES["iteration-loop-where-by-epoch-schedulers-never-step"]
    write(tmp_path, files)
    path = tmp_path / next(iter(files))
    lrs, _ = runner_values(path, tmp_path)
    runner = CliRunner()
    checked = runner.invoke(app, ["check", str(path)])
    assert checked.exit_code == 0, checked.output
    swept = runner.invoke(
        app, ["export", str(path), "--sweep", "params.max_iters=23,10", "-o", str(tmp_path / "s.csv")]
    )
    assert swept.exit_code == 0, swept.output
    log = tmp_path / "runner.csv"
    log.write_text("step,lr\n" + "".join(f"{i},{v!r}\n" for i, v in enumerate(lrs)))
    compared = runner.invoke(app, ["plot", str(path), "--actual", str(log), "-o", str(tmp_path / "a.png")])
    assert compared.exit_code == 0 and "agrees with" in compared.output, compared.output
    log.write_text("step,lr\n" + "".join(f"{i},{v * (0.5 if i == 9 else 1)!r}\n" for i, v in enumerate(lrs)))
    compared = runner.invoke(app, ["plot", str(path), "--actual", str(log), "-o", str(tmp_path / "b.png")])
    assert "differs" in compared.output and "from step 9" in compared.output, compared.output


def test_the_facts_comment_is_a_python_comment_not_text_in_a_string(tmp_path):
    body = "train_cfg = dict(by_epoch=True, max_epochs=2)\n" + GOOD.split("\n", 1)[1] + loader(10, 2)
    path = tmp_path / "c.py"
    path.write_text('"""\n# lrviz: --dataset-size 999\n"""\n# lrviz: --dataset-size 10 --world-size 2\n' + body)
    loaded = load_source(path)
    assert loaded.plan.row("examples").value == 10 and loaded.plan.row("iterations per epoch").value == 3
    assert loaded.config.steps == 6  # ceil(ceil(10 / 2) / 2) = 3 iterations x 2 epochs
    assert load_source(path, dataset_size=40).config.steps == 20  # the option overrides the comment


def test_an_inheritance_chain_of_two_styles_is_refused_as_mmengine_refuses_it(tmp_path, never_run):
    write(
        tmp_path, {"configs/a.py": "_base_ = 'b.py'\n" + GOOD, "configs/b.py": "from mmengine.optim import LinearLR\n"}
    )
    with pytest.raises(LrvizError, match="one style in an inheritance chain"):
        load_source(tmp_path / "configs" / "a.py")


# Fuzzed configs: random literal structure written as Python (dict(...) calls, {...}, lists, tuples, names
# bound earlier, arithmetic, a base with a _delete_ and a {{_base_.x}}), read by lrviz and by MMEngine's
# own Config.fromfile (which runs them): the two must agree.
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_KEYS = st.sampled_from(["lr", "type", "end", "by_epoch", "milestones", "gamma", "a", "b"])
_SCALARS = st.one_of(
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.none(),
    st.text("abcXYZ_ -.", max_size=8),
)


def _source(value, depth=0) -> str:
    """Python text for ``value``: dicts as dict(...) or {...} by depth, tuples and lists as themselves."""
    if isinstance(value, dict):
        if depth % 2:
            return "{" + ", ".join(f"{k!r}: {_source(v, depth + 1)}" for k, v in value.items()) + "}"
        return "dict(" + ", ".join(f"{k}={_source(v, depth + 1)}" for k, v in value.items()) + ")"
    if isinstance(value, list):
        return "[" + ", ".join(_source(v, depth + 1) for v in value) + "]"
    if isinstance(value, tuple):
        return "(" + "".join(_source(v, depth + 1) + ", " for v in value) + ")"
    return repr(value)


_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.lists(inner, max_size=3).map(tuple), st.dictionaries(_KEYS, inner, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    base=st.dictionaries(_KEYS, _VALUES, max_size=4),
    child=st.dictionaries(_KEYS, _VALUES, max_size=4),
    delete=st.booleans(),
    arithmetic=st.tuples(st.integers(-50, 50), st.sampled_from(["+", "-", "*", "//", "%", "/"]), st.integers(1, 9)),
)
def test_fuzzed_literal_configs_read_as_config_fromfile_reads_them(tmp_path_factory, base, child, delete, arithmetic):
    from lrviz.sources.mmconfig import read_config

    root = tmp_path_factory.mktemp("fuzz") / "configs"
    lines = [f"{k} = {_source(v)}" for k, v in base.items()] + ["node = dict(x=1, y=dict(z=2))"]
    left, op, right = arithmetic
    child_lines = ["_base_ = ['base.py']", f"n = {left} {op} {right}", "m = [n, n]"]
    child_lines += [f"{k} = {_source(v)}" for k, v in child.items()]
    child_lines.append(f"node = dict({'_delete_=True, ' if delete else ''}y=dict(w=n))")
    if base:
        child_lines.append(f"copied = {{{{_base_.{next(iter(base))}}}}}")  # unquoted, as MMEngine's docs write it
    write(root, {"base.py": "\n".join(lines) + "\n", "child.py": "\n".join(child_lines) + "\n"})
    try:
        truth = Config.fromfile(str(root / "child.py")).to_dict()
    except Exception as exc:  # MMEngine refuses some merges (a dict over a base's list): lrviz must refuse too
        with pytest.raises(LrvizError):
            read_config(root / "child.py")
        assert type(exc).__name__ in ("TypeError", "KeyError"), exc
        return
    assert read_config(root / "child.py") == truth


def test_an_mmengine_yaml_config_is_read_and_its_bases_are_not_followed(tmp_path):
    import yaml

    data = {
        "train_cfg": {"by_epoch": False, "max_iters": 8},
        "optim_wrapper": {"optimizer": {"type": "SGD", "lr": 0.1}},
        "param_scheduler": [{"type": "LinearLR", "start_factor": 0.5, "by_epoch": False, "end": 3}],
    }
    path = tmp_path / "mm.yaml"
    path.write_text(yaml.safe_dump(data))
    loaded = load_source(path)  # told by param_scheduler / optim_wrapper / train_cfg, keys only MMEngine uses
    assert loaded.kind == "mmengine" and loaded.config.steps == 8
    expected = [0.05, 0.075, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]  # LinearLR: 0.1 x (0.5 + 0.5 k / (end - 1)), then 0.1
    np.testing.assert_allclose(simulate(loaded.config).trajectories[0].lr[:, 0], expected, rtol=1e-12)
    path.write_text(yaml.safe_dump({**data, "_base_": ["base.yaml"]}))
    with pytest.raises(LrvizError, match="_base_ files of Python configs only"):
        load_source(path)


def test_an_mmengine_config_is_told_from_a_training_script_by_its_names():
    """What the .py kinds can agree on: a training script with an lr function is no MMEngine config."""
    from lrviz.sources.mmfile import looks_like_mmengine

    repo = Path(__file__).resolve().parent.parent
    assert looks_like_mmengine((repo / "configs/frameworks/mmdet-faster-rcnn-1x.py").read_text())
    assert looks_like_mmengine((repo / "configs/frameworks/_base_/schedules/schedule_1x.py").read_text())
    assert looks_like_mmengine(
        textwrap.dedent(CASES["lazy-import-config-with-read-base-and-update"][0]["configs/det/lazy-2x.py"])
    )
    script = "import math\nlearning_rate = 6e-4\ndef get_lr(it):\n    return learning_rate * it / 2000\n"
    assert not looks_like_mmengine(script)
    assert not looks_like_mmengine("def f(:\n")
