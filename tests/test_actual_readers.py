"""Reading logs: detection, selectors, and every kind of bad input.

Bad input must be an LrvizError (exit 2) whose message names the file and the problem (line,
column, record, key), or a clear finding; never a traceback. Event files here are written
by torch's own SummaryWriter and then damaged byte by byte.
"""

from __future__ import annotations

import csv
import json
import struct

import numpy as np
import pytest

from lrviz.actual import limits, read_actual
from lrviz.actual.tfrecord import crc32c
from lrviz.errors import EXIT_USAGE, LrvizError
from tests.optional import import_or_skip


def error_of(spec, **kw) -> str:
    with pytest.raises(LrvizError) as info:
        read_actual(spec, **kw)
    assert info.value.exit_code == EXIT_USAGE
    return str(info.value)


def write_csv(path, rows, header):
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def hf_state(path, history, **top):
    path.write_text(json.dumps({"global_step": len(history), "max_steps": 3, "log_history": history, **top}, indent=2))
    return path


HISTORY = [
    {"loss": 1.0, "learning_rate": 0.0, "step": 1},
    {"loss": 0.9, "learning_rate": 0.1, "step": 2},
    {"eval_loss": 0.5, "step": 2},
    {"loss": 0.8, "learning_rate": 0.05, "step": 3},
    {"train_runtime": 1.0, "step": 3},
]


# --------------------------------------------------------------------------- transformers


def test_trainer_state_reads_entries_with_the_key(tmp_path):
    log = read_actual(hf_state(tmp_path / "trainer_state.json", HISTORY))
    (s,) = log.series
    assert s.rows.tolist() == [0, 1, 2] and s.values.tolist() == [0.0, 0.1, 0.05]


def test_trainer_state_other_key(tmp_path):
    history = [dict(e, lr_head=e.get("learning_rate", 0) * 10) for e in HISTORY if "learning_rate" in e]
    (s,) = read_actual(f"{hf_state(tmp_path / 's.json', history)}:lr_head").series
    assert s.name == "lr_head" and s.values.tolist() == [0.0, 1.0, 0.5]


def test_truncated_json(tmp_path):
    path = hf_state(tmp_path / "trainer_state.json", HISTORY)
    path.write_bytes(path.read_bytes()[:-40])
    msg = error_of(path)
    assert str(path) in msg and "not valid JSON" in msg and "cut short" in msg


def test_malformed_json(tmp_path):
    path = tmp_path / "trainer_state.json"
    path.write_text('{"log_history": [{"step": 1, "learning_rate": 0.1},, ]}')
    msg = error_of(path)
    assert str(path) in msg and "line 1 column" in msg


def test_json_that_is_not_a_trainer_state(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"hello": [1, 2]}')
    assert "no log_history list" in error_of(path)


def test_json_with_a_string_lr_names_the_entry(tmp_path):
    history = [{"learning_rate": 0.1, "step": 1}, {"learning_rate": "0.2", "step": 2}]
    msg = error_of(hf_state(tmp_path / "trainer_state.json", history))
    assert "log_history[1].learning_rate" in msg and "'0.2' (str) is not a number" in msg


def test_json_without_any_lr(tmp_path):
    msg = error_of(hf_state(tmp_path / "trainer_state.json", [{"loss": 1.0, "step": 1}, {"eval_loss": 2.0, "step": 1}]))
    assert "no lr in this log" in msg and "keys logged: eval_loss, loss" in msg


def test_json_over_the_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_JSON_BYTES", 100)
    msg = error_of(hf_state(tmp_path / "trainer_state.json", HISTORY))
    assert "lrviz reads trainer_state.json files up to 0 MiB" in msg


def test_deeply_nested_json(tmp_path):
    path = tmp_path / "trainer_state.json"
    path.write_text("{" + '"a":' + "[" * 100000 + "]" * 100000 + "}")
    msg = error_of(path)
    assert msg == f"{path}: not valid JSON for lrviz: nested too deeply"


# --------------------------------------------------------------------------- Lightning CSV


def lightning_csv(path, n=5):
    rows = []
    for i in range(n):
        rows.append([f"{0.1 * 0.5**i!r}", repr(0.9), f"{0.01 * 0.5**i!r}", i, ""])
        rows.append(["", "", "", i, repr(1.0 / (i + 1))])  # another metric's row
    return write_csv(path, rows, ["lr-SGD", "lr-SGD-momentum", "lr-Adam", "step", "train_loss"])


def test_lightning_csv_all_lr_columns(tmp_path):
    log = read_actual(lightning_csv(tmp_path / "metrics.csv"))
    assert log.format == "lightning"
    assert [(s.name, s.kind) for s in log.series] == [
        ("lr-SGD", "lr"),
        ("lr-SGD-momentum", "momentum"),
        ("lr-Adam", "lr"),
    ]
    assert log.series[0].rows.tolist() == [0, 1, 2, 3, 4]
    assert log.series[1].base == "lr-SGD"


def test_lightning_csv_column_selector_and_folder(tmp_path):
    lightning_csv(tmp_path / "metrics.csv")
    (s,) = read_actual(f"{tmp_path}:lr-Adam").series
    assert s.values.tolist() == [0.01 * 0.5**i for i in range(5)]
    msg = error_of(f"{tmp_path / 'metrics.csv'}:lr-Adamw")
    assert "no column 'lr-Adamw' (did you mean lr-Adam?)" in msg and "metrics.csv" in msg


def test_csv_non_numeric_cell_names_line_and_column(tmp_path):
    path = lightning_csv(tmp_path / "metrics.csv")
    text = path.read_text().splitlines()
    text[5] = text[5].replace(repr(0.1 * 0.5**2), "oops", 1)
    path.write_text("\n".join(text) + "\n")
    msg = error_of(path)
    assert str(path) in msg and "line 6, column 'lr-SGD': 'oops' (str) is not a number" in msg


def test_csv_bad_step_names_line(tmp_path):
    path = write_csv(tmp_path / "metrics.csv", [[0.1, 0], [0.1, 1.5]], ["lr-SGD", "step"])
    assert "line 3, column 'step': '1.5' (str) is not a step number" in error_of(path)


def test_csv_short_row(tmp_path):
    path = tmp_path / "metrics.csv"
    path.write_text("lr-SGD,step,loss\n0.1,0,1\n0.1\n")
    msg = error_of(path)
    assert "line 3 has 1 fields, the header has 3" in msg


def test_csv_line_too_long(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_CSV_LINE", 64)
    path = tmp_path / "metrics.csv"
    path.write_text("lr-SGD,step\n" + "1" * 200 + ",0\n")
    assert "line 2 is longer than" in error_of(path)


def test_csv_over_the_size_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_CSV_BYTES", 10)
    msg = error_of(lightning_csv(tmp_path / "metrics.csv"))
    assert "lrviz reads CSV logs up to" in msg and "metrics.csv" in msg


def test_csv_not_utf8(tmp_path):
    path = tmp_path / "log.csv"
    path.write_bytes(b"step,lr\n0,0.1\n1,\xff\xfe\n")
    msg = error_of(path)
    assert "not UTF-8" in msg and str(path) in msg


def test_csv_with_nul_bytes_at_its_start_is_not_read_as_a_log(tmp_path):
    """A NUL byte where the format is sniffed (the first 64 KiB) marks a binary file: refused as no log,
    not parsed as a CSV of garbage."""
    path = tmp_path / "log.csv"
    path.write_bytes(b"step,lr\n0,0.1\n\x00\x00\x00\n")
    msg = error_of(path)
    assert msg.startswith(f"{path}: not a training log lrviz reads (expected ")
    assert "a CSV with a step column and an lr column" in msg


def test_csv_with_nul_bytes_past_the_sniffed_start_names_the_line(tmp_path):
    """Past the sniffed start the CSV reader meets the NUL bytes: the row and column are named."""
    path = tmp_path / "log.csv"
    rows = b"".join(b"%d,0.1\n" % i for i in range(20_000))  # about 160 KiB, past the sniff
    path.write_bytes(b"step,lr\n" + rows + b"20000,\x00\x00\n")
    assert error_of(path) == f"{path}: line 20002, column 'lr': '\\x00\\x00' (str) is not a number"


def test_binary_garbage(tmp_path):
    path = tmp_path / "blob.bin"
    path.write_bytes(bytes(range(256)) * 4)
    assert "not a training log lrviz reads" in error_of(path)


def test_csv_without_lr(tmp_path):
    path = write_csv(tmp_path / "metrics.csv", [[1.0, 0, 0]], ["train_loss", "epoch", "step"])
    msg = error_of(path)
    assert "no lr in this log" in msg and "train_loss, epoch, step" in msg


def test_plain_csv_repeated_and_out_of_order_steps(tmp_path):
    rows = [[0, 0.1], [1, 0.1], [2, 0.05], [1, 0.1], [2, 0.07], [3, 0.05]]
    (s,) = read_actual(write_csv(tmp_path / "log.csv", rows, ["step", "lr"])).series
    assert s.rows.tolist() == [0, 1, 2, 3] and s.values.tolist() == [0.1, 0.1, 0.07, 0.05]
    assert s.duplicates == 2 and s.rewritten_count == 1 and s.out_of_order == 1


def test_plain_csv_precision_from_the_text(tmp_path):
    rows = [[i, f"{0.1 * 0.97**i:.6g}"] for i in range(20)]
    (s,) = read_actual(write_csv(tmp_path / "log.csv", rows, ["step", "lr"])).series
    assert s.dtype == "decimal6"
    rows = [[i, repr(0.1 * 0.97**i)] for i in range(20)]
    (s,) = read_actual(write_csv(tmp_path / "log2.csv", rows, ["step", "lr"])).series
    assert s.dtype == "float64"


def test_plain_csv_needs_a_step_column(tmp_path):
    msg = error_of(write_csv(tmp_path / "log.csv", [[0.1]], ["lr"]))
    assert "no step column" in msg


def test_no_such_file(tmp_path):
    assert "no such file or folder" in error_of(tmp_path / "nope.csv")
    assert "no such file or folder" in error_of(f"{tmp_path / 'nope.csv'}:lr")


def test_empty_file(tmp_path):
    (tmp_path / "e.csv").write_text("")
    assert "the file is empty" in error_of(tmp_path / "e.csv")


def test_shift_option(tmp_path):
    (s,) = read_actual(write_csv(tmp_path / "log.csv", [[1, 0.1], [2, 0.2]], ["step", "lr"]), shift=-1).series
    assert s.rows.tolist() == [0, 1] and s.steps.tolist() == [1, 2]
    assert "shift must be a whole number" in error_of(tmp_path / "log.csv", shift=0.5)


def test_unknown_format(tmp_path):
    write_csv(tmp_path / "log.csv", [[1, 0.1]], ["step", "lr"])
    assert "unknown log format 'tensorbord' (did you mean tensorboard?)" in error_of(
        tmp_path / "log.csv", format="tensorbord"
    )


# --------------------------------------------------------------------------- TensorBoard


def test_crc32c_check_value():
    assert crc32c(b"123456789") == 0xE3069283  # the CRC-32C check value (RFC 3720, B.4)


@pytest.fixture
def event_file(tmp_path):
    import_or_skip("tensorboard", "tensorboard")  # event files are written with torch's SummaryWriter
    from torch.utils.tensorboard import SummaryWriter

    with SummaryWriter(str(tmp_path)) as w:
        for i in range(20):
            w.add_scalar("loss", 1.0 / (i + 1), i)
            w.add_scalar("lr", 0.1 * 0.9**i, i)
            w.add_scalar("lr-SGD-weight_decay", 0.0, i)
    (path,) = tmp_path.iterdir()
    return path


def _record_offsets(data: bytes) -> list[int]:
    offsets, pos = [], 0
    while pos < len(data):
        offsets.append(pos)
        (length,) = struct.unpack_from("<Q", data, pos)
        pos += 12 + length + 4
    return offsets


def test_event_file_tags(event_file):
    log = read_actual(event_file)
    (s,) = log.series  # loss is not an lr; weight decay is left out
    assert s.name == "lr" and s.dtype == "float32"
    assert s.values.tolist() == [float(np.float32(0.1 * 0.9**i)) for i in range(20)]
    assert read_actual(f"{event_file}:loss").series[0].values[0] == 1.0


def test_event_file_missing_tag(event_file):
    msg = error_of(f"{event_file}:lrr")
    assert "no scalar tag 'lrr' (did you mean lr?)" in msg and "scalar tags: loss, lr, lr-SGD-weight_decay" in msg


def test_event_file_without_lr(tmp_path):
    import_or_skip("tensorboard", "tensorboard")
    from torch.utils.tensorboard import SummaryWriter

    with SummaryWriter(str(tmp_path)) as w:
        w.add_scalar("loss", 1.0, 0)
    msg = error_of(tmp_path)
    assert "no lr in this log" in msg and "scalar tags: loss" in msg


def test_corrupt_event_data_names_the_record(event_file):
    data = bytearray(event_file.read_bytes())
    offsets = _record_offsets(bytes(data))
    records = [bytes(data[o:end]) for o, end in zip(offsets, offsets[1:] + [len(data)], strict=True)]
    target = next(i for i, rec in enumerate(records) if b"\x0a\x02lr" in rec)  # the first value tagged "lr"
    data[offsets[target + 1] - 6] ^= 0xFF  # a byte of that record's data (the float value)
    event_file.write_bytes(bytes(data))
    msg = error_of(event_file)
    assert str(event_file) in msg and f"record {target} (byte {offsets[target]})" in msg and "checksum mismatch" in msg


def test_corrupt_event_header(event_file):
    data = bytearray(event_file.read_bytes())
    offsets = _record_offsets(bytes(data))
    data[offsets[5]] ^= 0x01  # the length of record 5
    event_file.write_bytes(bytes(data))
    msg = error_of(event_file)
    assert "record 5" in msg and "length checksum mismatch" in msg


def test_truncated_event_file_is_a_finding_and_keeps_what_was_read(event_file):
    data = event_file.read_bytes()
    offsets = _record_offsets(data)
    event_file.write_bytes(data[: offsets[-10] + 7])  # cut inside the header of a late record
    log = read_actual(event_file)
    (s,) = log.series
    assert 0 < len(s) < 20
    (note,) = log.notes
    assert note.code == "truncated" and note.severity == "warning" and str(event_file) in note.message


def test_event_file_garbage_after_a_valid_header(tmp_path):
    from lrviz.actual.tfrecord import masked_crc

    header = struct.pack("<Q", 5)
    record = header + struct.pack("<I", masked_crc(header)) + b"\xff\xff\xff\xff\xff" + b"\0\0\0\0"
    path = tmp_path / "events.out.tfevents.1.x"
    path.write_bytes(record)
    # the length's checksum holds; the data's (the 4 NUL bytes after the data) does not
    assert error_of(path) == f"{path}: corrupt event file: record 0 (byte 0): data checksum mismatch"


def test_event_record_cap(event_file, monkeypatch):
    monkeypatch.setattr(limits, "MAX_RECORDS", 10)
    assert "more than 10 records" in error_of(event_file)


def test_point_cap(event_file, monkeypatch):
    monkeypatch.setattr(limits, "MAX_POINTS", 5)
    assert "more than 5 logged lr/momentum values" in error_of(event_file)


def test_empty_folder(tmp_path):
    assert "no TensorBoard event files" in error_of(tmp_path)


def test_folder_with_one_nested_log_reads_it(tmp_path):
    (tmp_path / "run" / "version_0").mkdir(parents=True)
    lightning_csv(tmp_path / "run" / "version_0" / "metrics.csv")
    log = read_actual(tmp_path)
    assert log.format == "lightning" and log.file == str(tmp_path / "run" / "version_0" / "metrics.csv")
    (s,) = read_actual(f"{tmp_path}:lr-Adam").series
    assert s.name == "lr-Adam"


def test_folder_with_several_nested_logs_asks_for_one(tmp_path):
    for v in ("version_0", "version_1"):
        (tmp_path / v).mkdir()
        lightning_csv(tmp_path / v / "metrics.csv")
    msg = error_of(tmp_path)
    assert "this folder holds 2 logs" in msg and "version_1/metrics.csv" in msg


def test_too_many_lr_columns(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_SERIES", 2)
    assert "3 lr columns, more than the 2 lrviz reads" in error_of(lightning_csv(tmp_path / "metrics.csv"))


def test_short_exact_values_stay_float64(tmp_path):
    """repr of a StepLR halving (0.1, 0.05, 0.025, ...) is short but exact: not a rounded column."""
    rows = [[i, repr(0.1 * 0.5 ** (i // 3))] for i in range(40)]
    (s,) = read_actual(write_csv(tmp_path / "log.csv", rows, ["step", "lr"])).series
    assert s.dtype == "float64"
    rows = [[i, v] for i, v in enumerate([0.01, 0.005, 0.0025])]
    (s,) = read_actual(write_csv(tmp_path / "log3.csv", rows, ["step", "lr"])).series
    assert s.dtype == "float64"
