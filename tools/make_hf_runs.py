"""Real ``Trainer.train()`` runs under the installed transformers, for tests/data/hf_runs/ (issue 25).

Run by tools/make_hf_runs.sh once per release, each in its own venv (transformers 4.46 ... 5.x, torch
2.13 CPU). Every run trains a tiny linear model built here (no downloads) and writes, under
``OUT/<release>/<run>/``:

* ``trainer_state.json``: what the Trainer saved (``TrainerState.save_to_json``, the file
  ``save_state()`` and every checkpoint write);
* ``training_args.json``: the TrainingArguments keys the run set (what a user gives lrviz);
* ``run.json``: what the run itself recorded, independent of the log and of lrviz -- the release
  (transformers, accelerate, torch), the dataset size, the processes and GPUs the Trainer counted,
  the lr each optimizer step used (read in ``on_pre_optimizer_step``, before ``optimizer.step()``),
  the optimizer steps the Trainer skipped (``accelerator.optimizer_step_was_skipped`` at
  ``on_step_end``) and, for a resume, the checkpoint's step and both totals.

What is real and what is arranged (the CPU has no GPU and fp16 has no loss scaler on it):

* **skipped steps**: accelerate makes a GradScaler only for fp16 on a GPU. The run hands the
  Trainer's accelerator a real ``torch.amp.GradScaler("cpu")`` before training and makes the
  loss infinite at chosen steps; from there it is the real path: ``accelerator.backward`` scales,
  the scaler finds the inf and skips ``optimizer.step``, ``AcceleratedOptimizer`` reports
  ``step_was_skipped`` (its scale went down), and the Trainer does not step the scheduler. The run
  uses ``optim="adamw_torch"``: a fused AdamW (``adamw_torch_fused``, the default of recent
  releases) takes the scaler's inf flag inside its own step, so accelerate sees ``step()`` called
  and reports no skip -- the Trainer then steps the scheduler as if the update had happened.
* **DataParallel**: one process with n_gpu > 1 needs GPUs. The run sets the arguments' ``_n_gpu``
  to 2 after they set up the CPU device: the Trainer then batches ``per_device_train_batch_size x
  n_gpu`` (``TrainingArguments.train_batch_size``) and wraps the model in torch's
  ``nn.DataParallel``, which on a machine without GPUs calls the module as it is. The
  arithmetic (the batch, the steps per epoch, the total) is the Trainer's own.
* **processes**: ``--world`` runs under ``torchrun --nproc_per_node 2`` with the gloo backend:
  two real processes, accelerate's real sharding of the batches.

    python tools/make_hf_runs.py --out tests/data/hf_runs            # every single-process run
    torchrun --nproc_per_node 2 tools/make_hf_runs.py --out ... --world   # the two-process run
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

import torch

LR = 1e-3


def _release() -> dict[str, str]:
    import accelerate
    import transformers

    return {"transformers": transformers.__version__, "accelerate": accelerate.__version__, "torch": torch.__version__}


def _major() -> int:
    import transformers

    return int(transformers.__version__.split(".")[0])


def _warmup_ratio(ratio: float) -> dict[str, Any]:
    """A warmup given as a fraction of the run: warmup_ratio in transformers 4, a warmup_steps below 1 in 5."""
    return {"warmup_ratio": ratio} if _major() < 5 else {"warmup_steps": ratio}


#: The runs: name -> (TrainingArguments keys, dataset size, what else the run does).
def runs() -> dict[str, tuple[dict[str, Any], int, dict[str, Any]]]:
    return {
        # 22 examples / 2 = 11 batches; accumulation 4: 2 updates per epoch rounding down (<= 4.51), 3 up (>= 4.52)
        "epochs-accum": (
            {"num_train_epochs": 3, "per_device_train_batch_size": 2, "gradient_accumulation_steps": 4,
             "lr_scheduler_type": "linear", **_warmup_ratio(0.25)},
            22, {},
        ),
        "epochs-fraction": (
            {"num_train_epochs": 2.5, "per_device_train_batch_size": 2, "gradient_accumulation_steps": 4,
             "lr_scheduler_type": "cosine", "warmup_steps": 2},
            22, {},
        ),
        "warmup-ratio": (
            {"max_steps": 20, "per_device_train_batch_size": 4, "lr_scheduler_type": "cosine", **_warmup_ratio(0.15)},
            64, {},
        ),
        "warmup-steps": (
            {"max_steps": 20, "per_device_train_batch_size": 4, "lr_scheduler_type": "linear", "warmup_steps": 5,
             "logging_steps": 2},
            64, {},
        ),
        "skipped": (
            {"max_steps": 16, "per_device_train_batch_size": 4, "lr_scheduler_type": "cosine", "warmup_steps": 3,
             "max_grad_norm": 0.0, "optim": "adamw_torch"},
            64, {"poison": [4, 9, 10]},
        ),
        "resume": (
            {"max_steps": 16, "per_device_train_batch_size": 4, "lr_scheduler_type": "linear", "warmup_steps": 2},
            64, {"first_max_steps": 10, "checkpoint": 5},
        ),
        "dataparallel": (
            {"num_train_epochs": 1, "per_device_train_batch_size": 2, "lr_scheduler_type": "linear",
             "warmup_steps": 2},
            40, {"n_gpu": 2},
        ),
    }  # fmt: skip


#: The two-process run (torchrun --nproc_per_node 2): 11 batches of 2 shared by 2 processes -> 6 each.
WORLD_RUN = (
    "processes",
    {"num_train_epochs": 2, "per_device_train_batch_size": 2, "lr_scheduler_type": "linear", "warmup_steps": 1},
    22,
    {},
)


class Tiny(torch.nn.Module):
    """A linear regression; ``poison`` holds the optimizer steps whose loss is made infinite."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(4, 1)
        self.poison: set[int] = set()
        self.step = 0

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        out = self.linear(x).squeeze(-1)
        loss = ((out - labels) ** 2).mean()
        if self.training and self.step in self.poison:
            loss = loss * float("inf")  # the gradients overflow: the scaler skips this optimizer step
        return {"loss": loss, "logits": out}


class Data(torch.utils.data.Dataset):  # type: ignore[type-arg]
    def __init__(self, n: int) -> None:
        g = torch.Generator().manual_seed(0)
        self.x, self.y = torch.randn(n, 4, generator=g), torch.randn(n, generator=g)

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"x": self.x[i], "labels": self.y[i]}


def _recorder(record: dict[str, Any], trainer_ref: list[Any], model: Tiny) -> Any:
    from transformers import TrainerCallback

    class Record(TrainerCallback):  # type: ignore[misc]
        def on_step_begin(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            model.step = state.global_step

        def on_pre_optimizer_step(self, args: Any, state: Any, control: Any, optimizer: Any = None, **kw: Any) -> None:
            record["lr_used"].append(float(optimizer.param_groups[0]["lr"]))

        def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            if trainer_ref[0].accelerator.optimizer_step_was_skipped:
                record["skipped_steps"].append(state.global_step - 1)  # the 0-based optimizer step

    return Record()


def _train(
    keys: dict[str, Any], n: int, extra: dict[str, Any], out_dir: str, record: dict[str, Any], resume: str | None = None
) -> Any:
    from transformers import Trainer, TrainingArguments

    base = {"learning_rate": LR, "logging_steps": 1, "report_to": "none", "save_strategy": "no", "use_cpu": True,
            "disable_tqdm": True, "seed": 0, "dataloader_num_workers": 0}  # fmt: skip
    args = TrainingArguments(output_dir=out_dir, **{**base, **keys})
    if extra.get("n_gpu"):
        assert args.n_gpu == 0  # the CPU device is set up; then the GPU count the Trainer multiplies by
        args._n_gpu = extra["n_gpu"]
    model = Tiny()
    model.poison = set(extra.get("poison", ()))
    ref: list[Any] = [None]
    trainer = Trainer(model=model, args=args, train_dataset=Data(n), callbacks=[_recorder(record, ref, model)])
    ref[0] = trainer
    if model.poison:
        trainer.accelerator.scaler = torch.amp.GradScaler("cpu", init_scale=2.0**8)
    trainer.train(resume_from_checkpoint=resume)
    record["train_batch_size"] = args.train_batch_size
    record["n_gpu"] = args.n_gpu
    record["world_size"] = args.world_size
    return trainer


def run_one(name: str, keys: dict[str, Any], n: int, extra: dict[str, Any], out: Path) -> None:
    record: dict[str, Any] = {"lr_used": [], "skipped_steps": []}
    with tempfile.TemporaryDirectory() as tmp:
        if "checkpoint" in extra:
            first = {**keys, "max_steps": extra["first_max_steps"], "save_strategy": "steps",
                     "save_steps": extra["checkpoint"]}  # fmt: skip
            _train(first, n, extra, tmp, {"lr_used": [], "skipped_steps": []})
            ckpt = Path(tmp) / f"checkpoint-{extra['checkpoint']}"
            saved = json.loads((ckpt / "trainer_state.json").read_text())
            record["resume"] = {
                "checkpoint_step": saved["global_step"],
                "max_steps_before": saved["max_steps"],
                "first_run_args": first,
            }
            trainer = _train(keys, n, extra, tmp, record, resume=str(ckpt))
        else:
            trainer = _train(keys, n, extra, tmp, record)
        if trainer.args.process_index != 0:
            return
        state_path = Path(tmp) / "state.json"
        trainer.state.save_to_json(str(state_path))
        state = state_path.read_text()
    release = _release()
    where = out / release["transformers"] / name
    if where.exists():
        shutil.rmtree(where)
    where.mkdir(parents=True)
    (where / "trainer_state.json").write_text(state)
    (where / "training_args.json").write_text(json.dumps({"learning_rate": LR, **keys}, indent=1) + "\n")
    facts = {"release": release, "dataset_size": n, "emulated": _emulated(extra), **record}
    (where / "run.json").write_text(json.dumps(facts, indent=1) + "\n")
    print(f"{where}: {len(record['lr_used'])} optimizer steps, skipped {record['skipped_steps']}")


def _emulated(extra: dict[str, Any]) -> str | None:
    if extra.get("n_gpu"):
        return f"n_gpu set to {extra['n_gpu']} on a CPU (nn.DataParallel without GPUs calls the module as it is)"
    if extra.get("poison"):
        return "a torch GradScaler('cpu') handed to the accelerator (accelerate makes one only on a GPU)"
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--world", action="store_true", help="the two-process run (under torchrun)")
    parser.add_argument("--only", nargs="*", default=None)
    opts = parser.parse_args()
    warnings.simplefilter("ignore")
    logging.getLogger("transformers").setLevel(logging.ERROR)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # transformers before 4.50 loads a checkpoint's rng_state.pth with torch.load's old default
    # (weights_only=False); torch 2.6+ refuses its numpy arrays. The checkpoint is this run's own.
    os.environ["TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD"] = "1"
    if opts.world:
        name, keys, n, extra = WORLD_RUN
        run_one(name, keys, n, extra, opts.out)
        return
    for name, (keys, n, extra) in runs().items():
        if opts.only is None or name in opts.only:
            run_one(name, keys, n, extra, opts.out)


if __name__ == "__main__":
    main()
