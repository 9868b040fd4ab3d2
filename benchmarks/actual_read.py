"""How long reading a big training log takes and how much memory it needs (issue 14), side by side
with a baseline that does the least the same file allows:

* a Lightning-style ``metrics.csv`` (lr and momentum columns for two groups, a loss column on
  rows of its own, as the CSVLogger writes them), ``--csv-mb`` MB: ``read_actual`` vs
  ``csv.reader`` iterating the rows and doing nothing with them;
* a TensorBoard event file of ``--events`` steps with an ``lr`` and a ``loss`` scalar per step
  (plus a 100 KB image every 1000 steps and a 2 MB one every 10,000): ``read_actual`` vs tensorboard's own
  ``EventFileLoader`` (the reader TensorBoard uses, needs the ``tensorboard`` package)
  decoding every event;
* a ``trainer_state.json`` of ``--json-entries`` log entries: ``read_actual`` vs ``json.load``.

Every measurement is a separate process (its own VmHWM, i.e. peak RSS, read from /proc), run
in the files' folder (so ``python -c`` finds lrviz where PYTHONPATH says, not in the current
folder); the sides alternate, and times are medians of ``--repeat`` runs: CPU seconds (user +
system, the children's ``getrusage``; robust on a shared machine) and wall seconds, each from the start of the
process (imports included). ``--against PATH`` measures another lrviz checkout in the same run
(a before/after side by side). The files are written once into a temporary folder. Usage::

    python benchmarks/actual_read.py                  # 200 MB CSV, 1M-step event file, 1M-entry JSON
    python benchmarks/actual_read.py --quick          # 20 MB, 100k, 100k
    python benchmarks/actual_read.py --only csv,json --csv-mb 100 --json-entries 500000 --against ../main
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

CHILD = r"""
import sys, time
t0 = time.perf_counter()
kind, path = sys.argv[1], sys.argv[2]
if kind == "lrviz":
    from lrviz.actual import read_actual
    log = read_actual(path)
    n = sum(len(s) for s in log.series)
elif kind == "csv":
    import csv
    n = 0
    with open(path, newline="") as fh:
        for row in csv.reader(fh):
            n += 1
elif kind == "json":
    import json
    with open(path, "rb") as fh:
        n = len(json.load(fh)["log_history"])
elif kind == "tb":
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
    n = 0
    for event in EventFileLoader(path).Load():
        for v in event.summary.value:
            n += 1
elapsed = time.perf_counter() - t0
peak = 0
with open("/proc/self/status") as fh:
    for line in fh:
        if line.startswith("VmHWM:"):
            peak = int(line.split()[1]) // 1024
print(elapsed, peak, n)
"""


def write_csv(path: Path, megabytes: int) -> int:
    rng = random.Random(0)
    target = megabytes * 1_000_000
    rows = 0
    with open(path, "w", newline="") as fh:
        fh.write("epoch,lr-AdamW/pg1,lr-AdamW/pg1-momentum,lr-AdamW/pg2,lr-AdamW/pg2-momentum,step,train_loss\n")
        step = 0
        while fh.tell() < target:
            lr = 3e-4 * 0.5 * (1 + (step % 1000) / 1000)
            fh.write(f",{lr!r},{0.9!r},{lr * 10!r},{0.9!r},{step},\n")
            fh.write(f"{step // 1000},,,,,{step},{rng.random()!r}\n")
            step += 1
            rows += 2
    return rows


def _masked_crc(data: bytes) -> int:
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from lrviz.actual.tfrecord import masked_crc

    return masked_crc(data)


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _field(number: int, wire: int, payload: bytes) -> bytes:
    key = _varint(number << 3 | wire)
    return key + (_varint(len(payload)) + payload if wire == 2 else payload)


def _event(step: int, values: list[tuple[str, float]]) -> bytes:
    summary = b"".join(
        _field(1, 2, _field(1, 2, tag.encode()) + _field(2, 5, struct.pack("<f", v))) for tag, v in values
    )
    return _field(1, 1, struct.pack("<d", 1.0e9 + step)) + _field(2, 0, _varint(step)) + _field(5, 2, summary)


def write_events(path: Path, steps: int) -> None:
    """Event records written by hand (the TFRecord framing + the Event protobuf fields), fast."""
    with open(path, "wb") as fh:

        def record(data: bytes) -> None:
            header = struct.pack("<Q", len(data))
            fh.write(header + struct.pack("<I", _masked_crc(header)) + data + struct.pack("<I", _masked_crc(data)))

        record(_field(1, 1, struct.pack("<d", 1.0e9)) + _field(3, 2, b"brain.Event:2"))

        def picture(size: int) -> bytes:  # an Event with one Summary.Value.image (Image.encoded_image_string = 4)
            data = _field(
                5, 2, _field(1, 2, _field(1, 2, b"samples") + _field(4, 2, _field(4, 2, b"\x89PNG" * (size // 4))))
            )
            header = struct.pack("<Q", len(data))
            return header + struct.pack("<I", _masked_crc(header)) + data + struct.pack("<I", _masked_crc(data))

        big, small = picture(2_000_000), picture(100_000)  # identical records: their checksums are computed once
        for step in range(steps):
            record(_event(step, [("lr", 3e-4 * (1 - step / steps)), ("loss", 1.0 / (step + 1))]))
            if step % 10_000 == 0:
                fh.write(big)  # over MAX_RECORD_BYTES: skipped unread
            elif step % 1000 == 0:
                fh.write(small)  # read, and passed over by the byte test


def write_json(path: Path, entries: int) -> None:
    history = [
        {
            "epoch": i / 1000,
            "grad_norm": 1.0 + i % 7,
            "learning_rate": 3e-4 * (1 - i / entries),
            "loss": 1 / (i + 1),
            "step": i + 1,
        }
        for i in range(entries)
    ]
    path.write_text(json.dumps({"global_step": entries, "max_steps": entries, "log_history": history}, indent=2))


def run_child(kind: str, path: Path, tree: Path = REPO) -> tuple[float, int, int]:
    """One process reading ``path`` (``kind``: a baseline, or lrviz from ``tree``): wall seconds, peak RSS
    in MiB, items read."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    start = time.perf_counter()
    with subprocess.Popen(
        [sys.executable, "-c", CHILD, kind, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=path.parent,
    ) as proc:
        out, err = proc.communicate()
        wall = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(err)
    _, peak, n = out.split()
    return wall, int(peak), int(n)


def measure(kind: str, path: Path, repeat: int, tree: Path = REPO) -> tuple[float, float, int, int, float]:
    """Median wall seconds, least wall seconds, peak RSS MiB, items, median CPU seconds of ``repeat`` runs."""
    walls, cpus, peaks, n = [], [], [], 0
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)  # the child, once reaped, adds its CPU time here
        wall, peak, n = run_child(kind, path, tree)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        walls.append(wall)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        peaks.append(peak)
    return statistics.median(walls), min(walls), max(peaks), n, statistics.median(cpus)


def _summary(results: list[tuple[float, float, int, int, float]]) -> tuple[float, float, int, int, float]:
    return (
        statistics.median(r[0] for r in results),
        min(r[1] for r in results),
        max(r[2] for r in results),
        results[-1][3],
        statistics.median(r[4] for r in results),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--csv-mb", type=int, default=200)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--json-entries", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", default="csv,events,json", help="comma-separated: csv, events, json")
    ap.add_argument("--against", type=Path, help="another lrviz checkout, measured in the same run (before/after)")
    args = ap.parse_args()
    if args.quick:
        args.csv_mb, args.events, args.json_entries, args.repeat = 20, 100_000, 100_000, 1
    print(f"# load average before: {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()})")
    only = set(args.only.split(","))
    makers = {
        "csv": ("metrics.csv", "csv", lambda p: f"{write_csv(p, args.csv_mb):,} rows"),
        "events": (
            "events.out.tfevents.1.bench",
            "tb",
            lambda p: write_events(p, args.events) or f"{args.events:,} steps",
        ),
        "json": (
            "trainer_state.json",
            "json",
            lambda p: write_json(p, args.json_entries) or f"{args.json_entries:,} entries",
        ),
    }
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cases = []
        for key, (name, baseline, make) in makers.items():
            if key not in only:
                continue
            t = time.perf_counter()
            what = make(folder / name)
            took = time.perf_counter() - t
            print(f"# wrote {name}: {(folder / name).stat().st_size / 1e6:.0f} MB, {what} ({took:.0f} s)")
            cases.append((name, folder / name, baseline))
        print(
            "| file | reader | CPU s (median) | wall s (median [min]) | peak RSS MiB | items "
            "| CPU ratio | wall ratio | memory ratio |"
        )
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        sides = [("lrviz read_actual", REPO)]
        if args.against:
            sides.append((f"lrviz read_actual ({args.against})", args.against.resolve()))
        for label, path, baseline in cases:
            order = [("baseline", baseline, REPO)] + [(name, "lrviz", tree) for name, tree in sides]
            runs: dict[str, list[tuple[float, float, int, int, float]]] = {name: [] for name, _, _ in order}
            for r in range(args.repeat):  # the sides alternate, so a change in the machine's load falls on all
                for name, kind, tree in order if r % 2 == 0 else order[::-1]:
                    runs[name].append(measure(kind, path, 1, tree))
            base = _summary(runs["baseline"])
            for name, results in runs.items():
                m = _summary(results)
                reader = f"baseline ({baseline})" if name == "baseline" else name
                items = f"{m[3]:,}" + ("" if name == "baseline" else " points")
                print(
                    f"| {label} | {reader} | {m[4]:.2f} | {m[0]:.2f} [{m[1]:.2f}] | {m[2]} | {items} | "
                    f"{m[4] / base[4]:.2f} | {m[0] / base[0]:.2f} | {m[2] / base[2]:.2f} |",
                    flush=True,
                )
    print(f"# load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
