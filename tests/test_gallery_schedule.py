"""How a gallery's configs are cut into worker tasks (lrviz.gallery.schedule): framework files
together and first, the rest biggest first; every config once; the bytes whatever the cut.
No test here measures time (benchmarks/run.py does)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from lrviz.gallery import build_gallery, gallery_files
from lrviz.gallery.schedule import FRAMEWORK_KINDS, kind_of, plan_tasks

STEP = {"steps": 12, "scheduler": "StepLR", "params": {"step_size": 3, "gamma": 0.5}}
BIG = {
    "title": "Three schedules",
    "steps": 20,
    "schedules": [
        {"label": "a", "scheduler": "StepLR", "params": {"step_size": 3}},
        {"label": "b", "scheduler": "ExponentialLR", "params": {"gamma": 0.9}},
        {"label": "c", "scheduler": "CosineAnnealingLR", "params": {"T_max": 20}},
    ],
}
HYDRA = {
    "trainer": {"max_epochs": 3},
    "model": {
        "optimizer": {"_target_": "torch.optim.SGD", "_partial_": True, "lr": 0.1},
        "scheduler": {
            "_target_": "torch.optim.lr_scheduler.CosineAnnealingLR",
            "_partial_": True,
            "T_max": "${trainer.max_epochs}",
        },
    },
}
HF = {"learning_rate": 5e-5, "num_train_epochs": 1, "max_steps": 20, "lr_scheduler_type": "linear"}


def write(path: Path, data) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data) if path.suffix == ".json" else yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture
def folder(tmp_path) -> Path:
    root = tmp_path / "configs"
    write(root / "a-step.yaml", STEP)
    write(root / "b-big.yaml", BIG)
    write(root / "fw" / "hf.json", HF)
    write(root / "fw" / "hydra.yaml", HYDRA)
    (root / "fw").joinpath("broken.yaml").write_text("steps: [1, 2\n")
    return root


RELS = ["a-step.yaml", "b-big.yaml", "fw/broken.yaml", "fw/hf.json", "fw/hydra.yaml"]


def test_kinds_are_read_as_the_sources_read_them(folder):
    assert kind_of(folder / "a-step.yaml") == "lrviz"
    assert kind_of(folder / "fw" / "hf.json") == "hf"
    assert kind_of(folder / "fw" / "hydra.yaml") == "hydra"
    assert kind_of(folder / "fw" / "broken.yaml") is None  # its render says why
    assert kind_of(folder / "missing.yaml") is None
    assert {"hf", "hydra", "megatron", "torchtune", "mmengine", "deepspeed"} <= FRAMEWORK_KINDS
    assert not {"lrviz", "function", "torchvision"} & FRAMEWORK_KINDS  # they import no framework


def test_one_worker_renders_each_config_alone_in_path_order(folder):
    assert plan_tasks(str(folder), RELS, 1) == [(rel,) for rel in RELS]


def test_two_workers_framework_files_together_and_first_then_biggest_first(folder):
    tasks = plan_tasks(str(folder), RELS, 2)
    assert tasks[0] == ("fw/hf.json", "fw/hydra.yaml")
    rest = [task[0] for task in tasks[1:]]
    assert all(len(task) == 1 for task in tasks[1:])
    sizes = [(folder / rel).stat().st_size for rel in rest]
    assert sizes == sorted(sizes, reverse=True)
    assert sorted(rel for task in tasks for rel in task) == RELS  # every config exactly once


def test_more_workers_split_the_framework_files(folder):
    write(folder / "fw" / "hf2.json", HF)
    rels = sorted([*RELS, "fw/hf2.json"])
    tasks = plan_tasks(str(folder), rels, 4)
    assert tasks[:2] == [("fw/hf.json", "fw/hydra.yaml"), ("fw/hf2.json",)]
    assert sorted(rel for task in tasks for rel in task) == rels


def test_a_folder_of_mostly_framework_files_is_dealt_out_to_every_worker(folder):
    rels = ["a-step.yaml", "fw/hf.json", "fw/hydra.yaml"]
    assert plan_tasks(str(folder), rels, 2) == [("fw/hf.json",), ("fw/hydra.yaml",), ("a-step.yaml",)]


def test_no_framework_file_no_bundle(folder):
    tasks = plan_tasks(str(folder), ["a-step.yaml", "b-big.yaml"], 2)
    assert tasks == [("b-big.yaml",), ("a-step.yaml",)]


def test_the_gallery_is_the_same_bytes_however_the_work_is_cut(tmp_path):
    """Two workers (a bundle of framework files, a failing config among them) against one."""
    root = tmp_path / "configs"
    write(root / "step.yaml", STEP)
    write(root / "big.yaml", BIG)
    write(root / "fw" / "hydra.yaml", HYDRA)
    write(root / "fw" / "hydra-bad.yaml", {**HYDRA, "model": {**HYDRA["model"], "scheduler": {"_target_": 3}}})
    assert plan_tasks(str(root), ["big.yaml", "fw/hydra-bad.yaml", "fw/hydra.yaml", "step.yaml"], 2)[0] == (
        "fw/hydra-bad.yaml",
        "fw/hydra.yaml",
    )
    seen: list[str] = []
    parallel = build_gallery(root, jobs=2, progress=lambda e: seen.append(e.rel))
    serial = build_gallery(root, jobs=1)
    assert sorted(seen) == sorted(e.rel for e in serial.entries)  # every entry reported once
    assert [(e.rel, e.ok, e.error, e.skipped) for e in parallel.entries] == [
        (e.rel, e.ok, e.error, e.skipped) for e in serial.entries
    ]
    assert [e.rel for e in parallel.failed] == ["fw/hydra-bad.yaml"]  # its bundle-mate rendered
    assert gallery_files(parallel) == gallery_files(serial)
