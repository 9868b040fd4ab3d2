"""The streamed export (lrviz.stream, lrviz.export): the same text as a reference built
independently with the csv and json modules of the standard library from the arrays,
at any piece size; written atomically even when a piece fails.

The trajectories carry the values that break naive formatting: -0.0 beside 0.0 (equal
as floats, different text), NaN and both infinities, subnormals, long runs of one value
(repr is computed once per run), labels and group names that need CSV quoting.
"""

from __future__ import annotations

import csv
import importlib
import io
import json
import math
from dataclasses import replace

import numpy as np
import pytest

from lrviz.errors import LrvizError
from lrviz.io import atomic_write
from lrviz.simulate import Result, simulate
from lrviz.validate import load_config

export = importlib.import_module("lrviz.export")  # the module: lrviz.export is also the API's function
stream = importlib.import_module("lrviz.stream")

N = 23  # rows per group: several pieces of 5, a last piece of 3


def awkward(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    values = rng.random(n) * 1e-3
    values[:4] = 0.1  # a run
    values[4:6] = [0.0, -0.0]
    values[6:9] = [math.nan, math.inf, -math.inf]
    values[9] = 5e-324  # the smallest subnormal
    values[10:16] = 0.010000000000000002  # a run of a value printed with all its digits
    return values


@pytest.fixture(scope="module")
def result() -> Result:
    """Two schedules: one with 2 groups, momentum, a metric (fed every 3 steps) and a
    changed weight_decay; one with no momentum. Arrays replaced by awkward values."""
    base = simulate(
        load_config(
            {
                "steps": N,
                "optimizer": {
                    "name": "SGD",
                    "lr": 0.1,
                    "momentum": 0.9,
                    "param_groups": [{"name": "a,b", "lr": 0.1}, {"name": 'he said "x"', "lr": 0.01}],
                },
                "schedules": [
                    {"label": 'step, "quoted"', "scheduler": "StepLR", "params": {"step_size": 4}},
                    {"label": "plain", "scheduler": "ExponentialLR", "params": {"gamma": 0.9}},
                ],
            }
        )
    )
    first, second = base.trajectories
    first = replace(
        first,
        lr=np.stack([awkward(N, 1), awkward(N, 2)], axis=1),
        momentum=np.stack([awkward(N, 3), np.full(N, 0.9)], axis=1),
        params={"weight_decay": np.stack([np.full(N, 1e-4), awkward(N, 4)], axis=1)},
        metric=np.array([0.5, math.nan, -0.0, 1.25, 7.0, 3.0, 2.0]),
        every=3,
    )
    second = replace(second, lr=np.stack([awkward(N, 5), awkward(N, 6)], axis=1), momentum=None, params={})
    return replace(base, trajectories=[first, second])


def reference_csv(result: Result) -> str:
    """What the CSV must be, written by the csv module row by row."""
    names = list(dict.fromkeys(n for t in result.trajectories for n in t.params))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["schedule", "group", "step", "lr", "momentum", "metric", *names])
    rows = 0
    for t in result.trajectories:
        fed = {}
        if t.metric is not None:
            fed = {(k + 1) * t.every - 1: v for k, v in enumerate(t.metric.tolist())}
        for j, group in enumerate(t.groups):
            for i in range(t.steps):
                m = repr(float(t.momentum[i, j])) if t.momentum is not None else ""
                metric = repr(fed[i]) if i in fed else ""
                extra = [repr(float(t.params[n][i, j])) if n in t.params else "" for n in names]
                w.writerow([t.label, group, i, repr(float(t.lr[i, j])), m, metric, *extra])
                rows += 1
    assert rows == 2 * 2 * N
    return buf.getvalue()


def spelled(values: np.ndarray) -> list:
    out = []
    for v in values.tolist():
        out.append(v if math.isfinite(v) else ("nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")))
    return out


@pytest.mark.parametrize("chunk", [1, 5, stream.CHUNK])
def test_csv_equals_the_csv_modules(result, chunk, monkeypatch):
    monkeypatch.setattr(stream, "CHUNK", chunk)
    monkeypatch.setattr(export, "CHUNK", chunk)
    pieces = list(export.csv_pieces(result))
    assert "".join(pieces) == reference_csv(result)
    assert len(pieces) == 1 + 2 * 2 * -(-N // chunk)  # the header, then each group's rows in pieces


@pytest.mark.parametrize("chunk", [1, 5, stream.CHUNK])
def test_json_equals_the_json_modules(result, chunk, monkeypatch):
    monkeypatch.setattr(stream, "CHUNK", chunk)
    text = export.to_json(result)
    doc = json.loads(text)
    assert text == json.dumps(doc, indent=1) + "\n"  # the layout json.dumps gives, byte for byte
    assert "lrviz-column-" not in text
    checked, params = 0, []
    for t, s in zip(result.trajectories, doc["schedules"], strict=True):
        for j, g in enumerate(s["groups"]):
            assert [repr(v) for v in g["lr"]] == [repr(v) for v in spelled(t.lr[:, j])]  # -0.0 stays -0.0
            assert g["momentum"] == (None if t.momentum is None else spelled(t.momentum[:, j]))
            for name, values in t.params.items():
                assert [repr(v) for v in g[name]] == [repr(v) for v in spelled(values[:, j])]
                params.append(name)
            checked += 1
        assert s.get("metric") == (None if t.metric is None else spelled(t.metric))
    assert checked == 4
    assert params == ["weight_decay", "weight_decay"]  # both groups of the first schedule


def test_an_empty_column_and_one_value():
    assert "".join(stream.json_list(np.array([]), 3)) == "[]"
    assert "".join(stream.json_list(np.array([-0.0]), 0)) == json.dumps([-0.0], indent=1)
    assert stream.reprs(np.array([0.0, -0.0, -0.0, 0.0])) == ["0.0", "-0.0", "-0.0", "0.0"]


def test_the_export_is_written_in_pieces_not_whole(result, monkeypatch):
    """Bounded memory is measured by benchmarks/run.py; here: no piece holds more than a chunk of rows."""
    monkeypatch.setattr(export, "CHUNK", 5)
    monkeypatch.setattr(stream, "CHUNK", 5)
    pieces = list(export.pieces(result, "csv"))
    assert len(pieces) > 10 and max(p.count("\n") for p in pieces) == 5
    assert all(len(p) < 5 * 200 for p in pieces)


def test_a_failing_piece_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("good\n")

    def pieces():
        yield "new,"
        raise LrvizError("stopped half-way")

    with pytest.raises(LrvizError):
        atomic_write(target, pieces())
    assert target.read_text() == "good\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]
    assert atomic_write(target, iter(["a,", b"b\n"])).read_bytes() == b"a,b\n"


def test_write_streams_to_the_file_what_to_csv_and_to_json_return(result, tmp_path):
    for fmt, whole in (("csv", export.to_csv(result)), ("json", export.to_json(result))):
        path = export.write(result, tmp_path / f"x.{fmt}", fmt)
        assert path.read_text() == whole
