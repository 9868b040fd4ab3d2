"""The fast readers (issue 28) read exactly what the entry-by-entry readers read.

CSV logs are read in blocks of lines, whole columns at once (lrviz.actual.csvblocks), and fall
back to the line-by-line reader (csvread.read_rows) on anything unusual; trainer_state.json's
entries become arrays whole lists at a time (hf._fast_points), else entry by entry
(hf._points). Each test reads the same file both ways, the fast one forced off for the
second, and asks for the same outcome: the same series to the bit (steps, rows, values,
precision, repeats) or the same refusal, word for word. Block sizes of a few characters put
block boundaries everywhere in small files.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lrviz.actual import csvread, hf, limits, read_actual
from lrviz.actual.csvblocks import Fallback
from lrviz.errors import LrvizError

DATA = Path(__file__).parent / "data"
EXAMPLES = 1000 if os.environ.get("HYPOTHESIS_PROFILE") == "long" else 150
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def outcome(path: Path, selector: str | None = None) -> Any:
    """What reading gives, comparable to the bit: every series' arrays as bytes, or the error's words."""
    try:
        log = read_actual(f"{path}:{selector}" if selector else path)
    except LrvizError as exc:
        return ("error", str(exc))
    return [
        (s.name, s.kind, s.dtype, s.steps.tobytes(), s.rows.tobytes(), s.values.tobytes(), s.duplicates)
        + (s.rewritten_count, repr(s.rewritten), s.out_of_order, s.resumed_from, s.base)
        for s in log.series
    ] + [log.format, [n.message for n in log.notes]]


@contextmanager
def line_by_line() -> Iterator[None]:
    """The readers as they were: CSV line by line, trainer_state.json entry by entry."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise Fallback

    with mock.patch.object(csvread, "read_blocks", refuse), mock.patch.object(hf, "_fast_points", lambda *a: None):
        yield


@contextmanager
def counting_fallbacks() -> Iterator[list[int]]:
    """Counts the CSV files read again line by line after the block reader gave up."""
    count = [0]
    real = csvread.read_rows

    def counted(table: Any, *args: Any, **kwargs: Any) -> Any:
        count[0] += 1
        return real(table, *args, **kwargs)

    with mock.patch.object(csvread, "read_rows", counted):
        yield count


def same_both_ways(path: Path, selector: str | None = None, blocks: tuple[int, ...] = (3, 17, 64, 0)) -> Any:
    with line_by_line():
        expected = outcome(path, selector)
    compared = 0
    for size in blocks:
        with mock.patch.object(limits, "CSV_BLOCK_CHARS", size or limits.CSV_BLOCK_CHARS):
            assert outcome(path, selector) == expected, size
        compared += 1
    assert compared >= 1  # some block size was tried
    return expected


# --------------------------------------------------------------------------- CSV

#: Cells float() takes in odd spellings, cells it refuses, and cells csv.reader reads its own way.
ODD = ["", " ", "  ", "\t", "inf", "-inf", "+inf", "Infinity", "-Infinity", "nan", "NaN", "-nan", " 0.1", "0.1 ",
       "\t0.25\t", "1_000", "1__0", "_1", "1_", "+1", "-0", "-0.0", "0x10", "1e400", "-1e400", "1e-400", ".5", "5.",
       "1e-3", "1E+3", "0.30000000000000004", "5e-324", "12.0", "1.5", "\u0663", "\u00a012", "x", "nan(1)", "1e",
       '"', '"1"', '"1,2"', "\x00", "\xff", "\u0661.\u0665", "9" * 20, "1" + "0" * 400, "\r", "-"]  # fmt: skip
STEPS = ["0", "1", "2", "3", "5", "8", "13", "-1", " 7", "+8", "1_0", "12.0", "1.5", "1e3", "", "\u0663", "9" * 17, "x"]
HEADERS = [
    ["lr-SGD", "lr-SGD-momentum", "step"],
    ["step", "lr"],
    ["epoch", "lr-AdamW/pg1", "lr-AdamW/pg1-momentum", "lr-AdamW/pg2", "step", "train_loss"],
    ["step", "lr", "lr"],
    ["lr", "step", "loss"],
]

plain_floats = st.floats(allow_nan=True, allow_infinity=True).map(repr) | st.floats(1e-8, 1.0).map(lambda x: f"{x:.6g}")
VALUE = plain_floats | st.just("")
STEP = st.integers(0, 50).map(str)


@st.composite
def csv_texts(draw: st.DrawFn, clean: bool = False) -> str:
    """A log as a logger writes it (numbers, empty cells), then, unless ``clean``, up to 4 odd cells
    (ODD, STEPS) and rows cut or grown by a cell, odd line ends and a BOM."""
    header = draw(st.sampled_from(HEADERS))
    step_at = header.index("step")
    rows = [
        [
            draw(st.integers(0, 50).map(str)) if i == step_at else draw(plain_floats | st.just(""))
            for i in range(len(header))
        ]
        for _ in range(draw(st.integers(0, 40)))
    ]
    if rows and not clean:
        for _ in range(draw(st.integers(0, 4))):
            row = draw(st.sampled_from(rows))
            at = draw(st.integers(0, len(row) - 1))
            row[at] = draw(st.sampled_from(STEPS if at == step_at else ODD))
        for _ in range(draw(st.integers(0, 2))):
            row = draw(st.sampled_from(rows))
            row[:] = row[: draw(st.integers(0, len(row)))] if draw(st.booleans()) else [*row, draw(plain_floats)]
    eol = "\n" if clean else draw(st.sampled_from(["\n", "\n", "\r\n", "\r", "\n\n"]))
    eol = draw(st.sampled_from([eol, "\r\n"])) if clean else eol
    bom = "" if clean else draw(st.sampled_from(["", "\ufeff"]))
    end = draw(st.sampled_from([eol, ""]))
    return bom + eol.join(",".join(r) for r in [header, *rows]) + end


def write(tmp: str, text: str, name: str = "metrics.csv") -> Path:
    path = Path(tmp) / name
    path.write_bytes(text.encode("utf-8", errors="surrogatepass"))
    return path


@SETTINGS
@given(text=csv_texts())
def test_any_csv_reads_the_same_in_blocks_as_line_by_line(text):
    with tempfile.TemporaryDirectory() as tmp:
        same_both_ways(write(tmp, text))


@SETTINGS
@given(text=csv_texts(clean=True))
def test_a_well_formed_csv_is_read_in_blocks_only(text):
    """No fallback for a log as loggers write it: numbers in repr or %g, empty cells, LF or CRLF."""
    with tempfile.TemporaryDirectory() as tmp:
        path = write(tmp, text)
        expected = same_both_ways(path)
        with counting_fallbacks() as count:
            assert outcome(path) == expected
        assert count[0] == (1 if text.startswith("step,lr,lr") else 0)  # two columns of one name: line by line


def test_every_spelling_float_takes_is_read_as_float_reads_it(tmp_path):
    spellings = ["inf", "-inf", "Infinity", "nan", "-nan", " 0.1", "0.1 ", "\t0.25", "1_000", "+1", "-0", "-0.0",
                 "1e400", "1e-400", ".5", "5.", "1e-3", "1E+3", "0.30000000000000004", "5e-324"]  # fmt: skip
    spellings.append("\u0661.\u0665")  # Arabic-Indic digits: float() reads them
    lines = [f"{i},{s}" for i, s in enumerate(spellings)]
    path = tmp_path / "log.csv"
    path.write_text("step,lr\n" + "\n".join(lines) + "\n", encoding="utf-8")
    with counting_fallbacks() as count:
        (s,) = read_actual(path).series
    assert count[0] == 0
    assert s.values.tobytes() == array("d", [float(x) for x in spellings]).tobytes()  # -0.0 and nan to the bit
    same_both_ways(path)


def test_lightning_csv_of_many_blocks(tmp_path):
    """A Lightning log as its CSVLogger writes it (CRLF, the lr and momentum rows apart from the loss rows),
    past many blocks: read in blocks, every value the bits float() gives."""
    path = tmp_path / "metrics.csv"
    rows = ["epoch,lr-AdamW/pg1,lr-AdamW/pg1-momentum,lr-AdamW/pg2,step,train_loss"]
    for step in range(20_000):
        lr = 3e-4 * math.cos(step / 7919)
        rows += [f",{lr!r},0.9,{lr * 10!r},{step},", f"{step // 1000},,,,{step},{1 / (step + 1)!r}"]
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode())
    with counting_fallbacks() as count:
        log = read_actual(path)
    assert count[0] == 0
    pg1 = next(s for s in log.series if s.name == "lr-AdamW/pg1")
    assert pg1.values.tolist() == [3e-4 * math.cos(step / 7919) for step in range(20_000)]
    assert pg1.steps.tolist() == list(range(20_000))
    same_both_ways(path, blocks=(1000, 0))


def test_a_bad_cell_deep_in_the_file_is_named_by_its_line(tmp_path):
    path = tmp_path / "log.csv"
    lines = [f"{i},{0.1 / (i + 1)!r}" for i in range(30_000)]
    lines[29_000] = "29000,oops"
    path.write_text("step,lr\n" + "\n".join(lines) + "\n")
    with counting_fallbacks() as count:
        assert outcome(path) == ("error", f"{path}: line 29002, column 'lr': 'oops' (str) is not a number")
    assert count[0] == 1


@pytest.mark.parametrize("path", sorted(DATA.glob("lightning_runs/*/*/metrics.csv")), ids=lambda p: p.parent.name)
def test_real_lightning_runs_read_in_blocks_the_same(path):
    expected = same_both_ways(path)
    with counting_fallbacks() as count:
        assert outcome(path) == expected
    assert count[0] == 0 and expected[0][0] != "error"


def test_the_point_cap_is_the_same_refusal(tmp_path, monkeypatch):
    path = tmp_path / "log.csv"
    path.write_text("step,lr\n" + "".join(f"{i},0.1\n" for i in range(500)))
    monkeypatch.setattr(limits, "MAX_POINTS", 300)
    assert "more than 300 logged lr/momentum values" in same_both_ways(path)[1]


# --------------------------------------------------------------------------- trainer_state.json

json_steps = st.one_of(st.integers(-5, 60), st.sampled_from([1.0, 2.5, True, None, "3", 10**16, -(10**16), 1e300]))
json_values = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(-(10**30), 10**30),
    st.sampled_from([10**400, True, None, "0.1", [0.1], {"a": 1}, {"step": 2, "learning_rate": 0.5}, {"step": 2}]),
)
entries = st.one_of(
    st.fixed_dictionaries({"learning_rate": json_values, "step": json_steps}, optional={"loss": st.floats(0, 2)}),
    st.fixed_dictionaries({"eval_loss": st.floats(0, 2), "step": json_steps}),
    st.fixed_dictionaries({"learning_rate": json_values}),
    st.sampled_from([None, 1, "x", [1, 2]]),
)


@SETTINGS
@given(history=st.lists(entries, max_size=30), key=st.sampled_from([None, "learning_rate", "loss"]))
def test_any_trainer_state_reads_the_same_whole_lists_or_entry_by_entry(history, key):
    with tempfile.TemporaryDirectory() as tmp:
        path = write(tmp, json.dumps({"global_step": 3, "log_history": history}), "trainer_state.json")
        with line_by_line():
            expected = outcome(path, key)
        assert outcome(path, key) == expected


@pytest.mark.parametrize("path", sorted(DATA.glob("hf*/*/*/trainer_state.json")), ids=lambda p: str(p.parent.name))
def test_real_hf_runs_read_the_same(path):
    with line_by_line():
        expected = outcome(path)
    assert outcome(path) == expected and expected[0][0] != "error"


def test_trainer_state_text_is_decoded_as_json_loads_decodes_bytes(tmp_path):
    """UTF-16 and UTF-8 with a BOM read, two BOMs and bytes that are not UTF-8 refused, as json.loads(bytes) has them
    (the reader itself: detection refuses the UTF-16 file before it)."""
    state = json.dumps({"log_history": [{"learning_rate": 0.1, "step": 1}]})
    cases = {
        "utf16": state.encode("utf-16"),
        "bom": b"\xef\xbb\xbf" + state.encode(),
        "bom2": b"\xef\xbb\xbf\xef\xbb\xbf" + state.encode(),
        "latin1": state.replace("step", "st\xe9p").encode("latin-1"),
    }
    said = {}
    for name, data in cases.items():
        path = tmp_path / f"{name}.json"
        path.write_bytes(data)
        try:
            said[name] = hf.read(path, None).series[0].values.tolist()
        except LrvizError as exc:
            said[name] = str(exc).removeprefix(f"{path}: ")
    assert said == {
        "utf16": [0.1],
        "bom": [0.1],
        "bom2": "not valid JSON: Expecting value (line 1 column 1)",  # json.loads(bytes) checks no BOM after decoding
        "latin1": "not valid JSON: the file is not UTF-8 text",
    }


def test_a_mapping_with_a_step_inside_an_entry_is_named_as_a_mapping(tmp_path):
    """The object hook reduces every mapping with a "step" to a tuple, nested ones too: the refusal shows the
    mapping it kept (before this it showed the reduced object's repr, its address included)."""
    history = [
        {"step": 1, "learning_rate": {"step": 2, "learning_rate": 0.5}},
        {"step": {"step": 3}, "learning_rate": 1},
    ]
    path = tmp_path / "trainer_state.json"
    path.write_text(json.dumps({"log_history": history}))
    assert outcome(path)[1].endswith(
        "log_history[0].learning_rate: {'step': 2, 'learning_rate': 0.5} (dict) is not a number; "
        "the Trainer logs the lr as a float"
    )
    path.write_text(json.dumps({"log_history": history[1:]}))
    assert "log_history[0].step: expected a whole number" in outcome(path)[1]
    assert outcome(path)[1].endswith("got {} (dict)")
