"""lrviz's TensorBoard reader, differentially: against tensorboard's own EventFileLoader.

lrviz parses event files itself (lrviz/actual/tfrecord.py: no tensorboard or protobuf
needed). Here the files are written by torch's real ``SummaryWriter`` -- scalars
(``simple_value``), float32 and float64 tensors (``new_style=True``,
``double_precision=True``), several tags, two files of one run (a resumed process that
rewrites steps), one cut inside its last record -- and every tag lrviz reads is compared,
step by step and bit for bit, with what tensorboard's ``EventFileLoader`` yields for the
same files. The oracle's only rule of its own is the one lrviz documents: files in the
order they were written, the last write of a step wins.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from lrviz.actual import read_actual
from tests.optional import import_or_skip

import_or_skip("tensorboard", "tensorboard")

from tensorboard.backend.event_processing.event_file_loader import EventFileLoader  # noqa: E402
from tensorboard.util import tensor_util  # noqa: E402
from torch.utils.tensorboard import SummaryWriter  # noqa: E402

#: tag -> how SummaryWriter.add_scalar writes it
TAGS = {
    "lr": {},  # a simple_value (float32)
    "lr/backbone": {"new_style": True},  # a float32 tensor
    "train/learning_rate": {"new_style": True, "double_precision": True},  # a float64 tensor
    "loss": {},  # not an lr: read only when named (FILE:TAG)
}
LR_TAGS = {"lr", "lr/backbone", "train/learning_rate"}


def value(tag: str, step: int, process: int) -> float:
    """Values that float32 cannot hold exactly, different per tag and per process."""
    return (1 + len(tag)) * 0.1 / (step + 1) + process * math.pi * 1e-3


def write(folder: Path, suffix: str, steps: range, process: int) -> Path:
    with SummaryWriter(str(folder), filename_suffix=suffix) as writer:
        for step in steps:
            for tag, how in TAGS.items():
                writer.add_scalar(tag, value(tag, step, process), step, **how)
    (path,) = folder.glob(f"*tfevents*{suffix}")
    return path


def oracle(files: list[Path]) -> dict[str, tuple[dict[int, float], set[str]]]:
    """tag -> ({step: value}, dtypes seen), from tensorboard's EventFileLoader, files in the order given."""
    out: dict[str, tuple[dict[int, float], set[str]]] = {}
    for path in files:
        for event in EventFileLoader(str(path)).Load():
            for v in event.summary.value:
                array = tensor_util.make_ndarray(v.tensor)  # the loader turns simple_value into a float32 tensor
                points, dtypes = out.setdefault(v.tag, ({}, set()))
                points[event.step] = float(array.item())  # item(): one value, or ValueError
                dtypes.add(str(array.dtype))
    return out


def least_precise(dtypes: set[str]) -> str:
    return "float32" if "float32" in dtypes else "float64"


def assert_same(series, points: dict[int, float], dtypes: set[str]) -> None:
    steps = sorted(points)
    assert series.steps.tolist() == steps
    np.testing.assert_array_equal(series.values, np.array([points[s] for s in steps], dtype=np.float64))
    assert series.dtype == least_precise(dtypes)


@pytest.fixture
def run(tmp_path) -> tuple[Path, list[Path]]:
    """A run's folder: a first process (steps 0-19) and a resumed one that rewrites 12-19 and goes on to 29."""
    first = write(tmp_path, ".first", range(20), process=0)
    second = write(tmp_path, ".second", range(12, 30), process=1)
    return tmp_path, [first, second]


def test_the_fixture_holds_what_it_says(run):
    """The loader sees all four tags, float32 and float64 tensors among them, and the rewritten steps."""
    _, files = run
    truth = oracle(files)
    assert set(truth) == set(TAGS)
    assert truth["lr"][1] == {"float32"} and truth["lr/backbone"][1] == {"float32"}
    assert truth["train/learning_rate"][1] == {"float64"}
    assert sorted(truth["lr"][0]) == list(range(30))
    assert truth["lr"][0][15] == float(np.float32(value("lr", 15, 1)))  # the resumed process's write
    assert truth["train/learning_rate"][0][15] == value("train/learning_rate", 15, 1)  # kept as a double


def test_every_lr_tag_of_a_folder_equals_the_loader(run):
    folder, files = run
    truth = oracle(files)
    log = read_actual(folder)
    assert {s.name for s in log.series} == LR_TAGS
    for s in log.series:
        assert_same(s, *truth[s.name])


@pytest.mark.parametrize("tag", sorted(TAGS))
def test_each_tag_named_equals_the_loader(run, tag):
    folder, files = run
    (s,) = read_actual(f"{folder}:{tag}").series
    assert_same(s, *oracle(files)[tag])


@pytest.mark.parametrize("which", [0, 1])
def test_each_file_alone_equals_the_loader(run, which):
    _, files = run
    truth = oracle([files[which]])
    log = read_actual(files[which])
    assert {s.name for s in log.series} == LR_TAGS
    for s in log.series:
        assert_same(s, *truth[s.name])


def record_offsets(data: bytes) -> list[int]:
    """Where each record starts: TFRecord framing is a little-endian u64 length, 4 bytes of its
    checksum, the data, 4 bytes of the data's checksum."""
    offsets, pos = [], 0
    while pos < len(data):
        offsets.append(pos)
        pos += 8 + 4 + int.from_bytes(data[pos : pos + 8], "little") + 4
    assert pos == len(data)
    return offsets


@pytest.mark.parametrize(
    ("where", "keep"),
    [
        ("length", lambda at, end: at + 3),
        ("length checksum", lambda at, end: at + 10),
        ("data", lambda at, end: at + 12 + 5),
        ("data checksum", lambda at, end: end - 2),
    ],
    ids=["in-length", "in-length-checksum", "in-data", "in-data-checksum"],
)
def test_a_truncated_tail_keeps_what_the_loader_keeps(run, where, keep):
    """The second file cut inside its last record (the loss at step 29): lrviz keeps exactly the
    points the loader yields, for every tag, and says which file was cut."""
    folder, files = run
    data = files[1].read_bytes()
    files[1].write_bytes(data[: keep(record_offsets(data)[-1], len(data))])
    truth = oracle(files)
    assert sorted(truth["loss"][0]) == list(range(29)), where  # the cut record is lost to the loader too
    for tag in TAGS:
        log = read_actual(f"{folder}:{tag}")
        (s,) = log.series
        assert_same(s, *truth[tag])
        assert [n.code for n in log.notes] == ["truncated"]
        assert log.notes[0].message.startswith(f"{files[1]}: the file ")


def test_files_of_one_second_are_read_in_the_order_their_writers_were_opened(run):
    """One process that opens its tenth writer in the same second as its ninth (a resume in the same
    script): TensorBoard names them ``...tfevents.<time>.<host>.<pid>.9`` and ``.10``; by name the
    tenth sorts first and the first process's writes would win. The writer count is a number."""
    folder, (first, second) = run
    stamp = "events.out.tfevents.1700000000.host.4242"
    first = first.rename(folder / f"{stamp}.9.first")
    second = second.rename(folder / f"{stamp}.10.second")
    truth = oracle([first, second])
    for series in read_actual(folder).series:
        assert_same(series, *truth[series.name])
    assert truth["lr"][0][15] == float(np.float32(value("lr", 15, 1)))  # the oracle: the second process wins
