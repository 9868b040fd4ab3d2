"""Real ``Trainer.train()`` runs that log through transformers' TensorBoardCallback, for tests/data/hf_tb_runs/.

The TensorBoard twin of tools/make_hf_runs.py (issue 25): the same tiny model, data, recorder and
arrangements (its docstring says what is real), with ``report_to="tensorboard"``. Under
``OUT/<release>/<run>/``: ``tb/`` (the event files ``TensorBoardCallback.on_log`` wrote: tag
``train/learning_rate`` at ``state.global_step``), ``training_args.json`` (the keys the run set, less the
logging ones) and ``run.json`` (what the run recorded: the lr each optimizer step used, the skipped steps).

    python tools/make_hf_tb_runs.py --out tests/data/hf_tb_runs
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_hf_runs as hf

RUNS = ("warmup-steps", "skipped")


def run_one(name: str, keys: dict[str, Any], n: int, extra: dict[str, Any], out: Path) -> None:
    record: dict[str, Any] = {"lr_used": [], "skipped_steps": []}
    with tempfile.TemporaryDirectory() as tmp:
        logdir = Path(tmp) / "tb"
        # where the event files go: logging_dir up to 4.x; 5.x dropped it for TENSORBOARD_LOGGING_DIR
        os.environ["TENSORBOARD_LOGGING_DIR"] = str(logdir)
        where_to = {"logging_dir": str(logdir)} if hf._major() < 5 else {}
        hf._train({**keys, "report_to": "tensorboard", **where_to}, n, extra, tmp, record)
        release = hf._release()
        where = out / release["transformers"] / name
        if where.exists():
            shutil.rmtree(where)
        (where / "tb").mkdir(parents=True)
        for f in sorted(logdir.rglob("events.out.tfevents.*")):
            stamp = f.name.split(".")[3]  # the start time; the host and pid in the name are this machine's
            shutil.copy(f, where / "tb" / f"events.out.tfevents.{stamp}.host.0.0")
    (where / "training_args.json").write_text(json.dumps({"learning_rate": hf.LR, **keys}, indent=1) + "\n")
    facts = {"release": release, "dataset_size": n, "emulated": hf._emulated(extra), **record}
    (where / "run.json").write_text(json.dumps(facts, indent=1) + "\n")
    print(f"{where}: {len(record['lr_used'])} optimizer steps, skipped {record['skipped_steps']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    opts = parser.parse_args()
    warnings.simplefilter("ignore")
    logging.getLogger("transformers").setLevel(logging.ERROR)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    for name, (keys, n, extra) in hf.runs().items():
        if name in RUNS:
            run_one(name, keys, n, extra, opts.out)


if __name__ == "__main__":
    main()
