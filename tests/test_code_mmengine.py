"""`lrviz code` for MMEngine configs: the printed program, executed, gives the lr of every iteration.

The program builds MMEngine's own schedulers as its Runner does and steps them as
ParamSchedulerHook does (lrviz/registry/mmcode.py). Its ``lrs`` are compared bit for
bit with lrviz's simulation of the same file, and with a real ``mmengine.Runner.train()``
on the same file (tests/test_sources_mmengine.py's runner, which records the lr in
``after_train_iter`` before the hook steps, as OpenMMLab's vis_scheduler.py does).
"""

from __future__ import annotations

import ast
import textwrap

import pytest

from lrviz.cli import app
from lrviz.simulate import simulate
from lrviz.sources import load_source
from tests.optional import import_or_skip
from tests.test_code import code, lrviz_lrs, run_printed, runner

import_or_skip("mmengine.runner", "test")

LOADER = (
    "train_dataloader = dict(batch_size=3, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=False), "
    "dataset=dict(type='LrvizItems', size=10))\n"
)
#: Warmup by iteration, a multi-step decay by epoch, a cosine given in epochs and run by iteration
#: (convert_to_iter_based), a momentum schedule, a dict without end (the runner's default end).
MIXED = textwrap.dedent(
    """\
    train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=6)
    optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4))
    param_scheduler = [
        dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=6),
        dict(type='MultiStepLR', by_epoch=True, begin=0, milestones=[2, 4], gamma=0.5),
        dict(type='CosineAnnealingLR', T_max=2, eta_min=1e-3, by_epoch=True, begin=4, end=6,
             convert_to_iter_based=True),
        dict(type='CosineAnnealingMomentum', eta_min=0.85, by_epoch=False, begin=3, end=20, T_max=17),
    ]
    """
)
#: The same list under an IterBasedTrainLoop: the by-epoch MultiStepLR never steps there.
ITERS = MIXED.replace("type='EpochBasedTrainLoop', max_epochs=6", "type='IterBasedTrainLoop', max_iters=22")


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text + LOADER)
    return path


def imported_modules(text: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            found.add((node.module or "").split(".")[0])
    return found


@pytest.mark.parametrize(("name", "text", "total"), [("mixed.py", MIXED, 24), ("iters.py", ITERS, 22)])
def test_the_program_gives_the_lrs_of_lrviz_and_of_a_real_runner(tmp_path, monkeypatch, name, text, total):
    from tests.test_sources_mmengine import runner_values

    path = write(tmp_path, name, text)
    printed = code(path, "--dataset-size", 10)
    lrs = run_printed(printed, monkeypatch)
    assert len(lrs) == total
    assert lrs == lrviz_lrs_sized(path)
    real, _ = runner_values(path, tmp_path)
    assert [row[0] for row in lrs] == real
    assert len({row[0] for row in lrs}) > 10
    assert imported_modules(printed) == {"torch", "mmengine"}
    assert "PARAM_SCHEDULERS.build(cfg, default_args=dict(optimizer=optim_wrapper, epoch_length=epoch_length))" in (
        printed
    )
    loop = "IterBasedTrainLoop" if "iters" in name else "EpochBasedTrainLoop"
    assert f"# {loop} with ParamSchedulerHook" in printed
    assert ("# ParamSchedulerHook.after_train_epoch" in printed) == (loop == "EpochBasedTrainLoop")


def lrviz_lrs_sized(path, **options) -> list[list[float]]:
    return simulate(load_source(path, dataset_size=10, **options).config).trajectories[0].lr.tolist()


def test_the_header_says_what_was_read_and_the_totals(tmp_path):
    printed = code(write(tmp_path, "mixed.py", MIXED), "--dataset-size", 10)
    head = printed.split("\nimport ")[0]
    assert "iterations per epoch   4  (DefaultSampler" in head
    assert "total optimizer steps  24  (train_cfg.max_epochs 6 x 4 iterations)" in head
    assert "scheduler 2            CosineAnnealingLR" in head
    assert "epoch_length = 4  # iterations per epoch" in printed and "max_epochs, max_iters = 6, 24" in printed


def test_every_case_of_the_runner_tests_prints_a_program_with_lrviz_lrs(tmp_path, monkeypatch):
    """Bases, _delete_, lazy imports, auto_scale_lr, one-cycle, poly with the default end..."""
    from tests.test_sources_mmengine import CASES
    from tests.test_sources_mmengine import write as write_files

    ran = []
    for case, (files, size, total) in CASES.items():
        root = tmp_path / case
        write_files(root, files)
        path = root / next(iter(files))
        lrs = run_printed(code(path, "--dataset-size", size), monkeypatch)
        assert (
            len(lrs) == total
            and lrs == simulate(load_source(path, dataset_size=size).config).trajectories[0].lr.tolist()
        ), case
        ran.append(case)
    assert ran == list(CASES)


def test_a_run_cut_inside_an_epoch_ends_with_the_iterations_it_has(tmp_path, monkeypatch):
    path = write(tmp_path, "mixed.py", MIXED)
    printed = code(path, "--dataset-size", 10, "--steps", 14)
    assert "for epoch in range(3):" in printed and "for it in range(2):  # the run ends 2 iterations into" in printed
    assert run_printed(printed, monkeypatch) == lrviz_lrs_sized(path, steps=14)


def test_one_mmengine_class_in_an_lrviz_config(write_config, monkeypatch):
    for interval, steps_per_epoch in (("step", 1), ("epoch", 4)):
        cfg = write_config(
            {
                "steps": 24,
                "steps_per_epoch": steps_per_epoch,
                "optimizer": {"name": "SGD", "lr": 0.1, "momentum": 0.9},
                "scheduler": "mm.CosineAnnealingLR",
                "params": {"T_max": 5, "eta_min": 0.001, "begin": 1},
                "interval": interval,
            },
            f"{interval}.yaml",
        )
        printed = code(cfg)
        assert 'PARAM_SCHEDULERS.build(dict(type="CosineAnnealingLR", T_max=5' in printed
        assert "optim_wrapper.step()" in printed and imported_modules(printed) == {"torch", "mmengine"}
        assert run_printed(printed, monkeypatch) == lrviz_lrs(cfg, 0), interval


def test_the_runner_s_list_stepped_per_epoch_is_refused_saying_why(write_config):
    cfg = write_config(
        {
            "steps": 8,
            "steps_per_epoch": 4,
            "scheduler": "mm.param_scheduler",
            "params": {"schedulers": [{"type": "LinearLR", "by_epoch": False, "end": 3}], "epoch_length": 4},
            "interval": "epoch",
        }
    )
    result = runner.invoke(app, ["code", str(cfg)])
    assert result.exit_code == 2 and "interval: step" in result.stderr, result.output


def test_the_runner_s_list_in_an_lrviz_config_without_the_loop_s_length(write_config, monkeypatch):
    """No max_epochs / max_iters: the Runner sets no default end, and neither does the program."""
    cfg = write_config(
        {
            "steps": 20,
            "optimizer": {"name": "SGD", "lr": 0.1},
            "scheduler": "mm.param_scheduler",
            "params": {
                "schedulers": [
                    {"type": "LinearLR", "start_factor": 0.1, "by_epoch": False, "end": 5},
                    {"type": "StepLR", "step_size": 2, "gamma": 0.5, "begin": 1},
                ],
                "epoch_length": 3,
            },
        }
    )
    printed = code(cfg)
    assert "max_epochs, max_iters = None, None" in printed and "    if end is not None:" in printed
    assert "for epoch in range(6):" in printed and "for it in range(2):  # the run ends 2 iterations into" in printed
    assert run_printed(printed, monkeypatch) == lrviz_lrs(cfg, 0)
