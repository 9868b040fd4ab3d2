"""Megatron-LM's arguments, as a YAML of them or as a saved command line, read by Megatron's own rules.

Megatron-LM parses its arguments with argparse (``parse_args`` in
megatron/training/arguments.py: ``allow_abbrev=False``, so no abbreviations) and checks
them in ``validate_args``. lrviz reads the subset that decides the schedule, with the
types and defaults of the ``add_argument`` calls of that file (NVIDIA/Megatron-LM,
commit 000c4ac, ``_add_learning_rate_args``, ``_add_training_args``,
``_add_regularization_args``, ``_add_distributed_args``): :data:`ARGS`.

Two spellings of the same arguments are read:

* a YAML (or JSON) mapping of them, keys with dashes or underscores (``lr-decay-style:``
  and ``lr_decay_style:``), as NeMo / launcher configs and ``args.yaml`` dumps keep them;
* the command line saved with a run (a launch script's arguments, ``--flag value`` or
  ``--flag=value``, one or many per line, ``\\`` continuations, ``#`` comments, bash
  arrays ``ARGS=( ... )``): split by :mod:`shlex` (nothing is run or expanded). A flag
  given twice keeps its last value, as argparse does. A value that is a shell
  expansion (``$TRAIN_ITERS``) is refused, naming the flag: lrviz runs no shell.

Values from the command line are converted as argparse converts them (``int(text)``,
``float(text)``); values from YAML must already have that type (an int flag takes no
``1.5``). Flags lrviz does not read (model, data, parallelism beyond the data-parallel
size...) are ignored and counted.
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Mapping
from typing import Any

from lrviz.errors import ConfigError, describe
from lrviz.limits import MAX_STEPS

#: dest -> (type, default, choices). Types: "int", "float", "str", "flag" (store_true).
ARGS: dict[str, tuple[str, Any, tuple[str, ...] | None]] = {
    "lr": ("float", None, None),
    "min_lr": ("float", 0.0, None),
    "lr_decay_style": ("str", "linear", ("constant", "linear", "cosine", "inverse-square-root", "WSD")),
    "lr_wsd_decay_style": ("str", "exponential", ("exponential", "linear", "cosine", "minus_sqrt")),
    "lr_decay_iters": ("int", None, None),
    "lr_decay_samples": ("int", None, None),
    "lr_wsd_decay_iters": ("int", None, None),
    "lr_wsd_decay_samples": ("int", None, None),
    "lr_warmup_fraction": ("float", None, None),
    "lr_warmup_iters": ("int", 0, None),
    "lr_warmup_samples": ("int", 0, None),
    "lr_warmup_init": ("float", 0.0, None),
    "train_iters": ("int", None, None),
    "train_samples": ("int", None, None),
    "global_batch_size": ("int", None, None),
    "micro_batch_size": ("int", None, None),
    "tensor_model_parallel_size": ("int", 1, None),
    "pipeline_model_parallel_size": ("int", 1, None),
    "context_parallel_size": ("int", 1, None),
    "weight_decay": ("float", 0.01, None),
    "start_weight_decay": ("float", None, None),
    "end_weight_decay": ("float", None, None),
    "weight_decay_incr_style": ("str", "constant", ("constant", "linear", "cosine")),
    "optimizer": ("str", "adam", None),
    "adam_beta1": ("float", 0.9, None),
    "adam_beta2": ("float", 0.999, None),
    "adam_eps": ("float", 1e-08, None),
    "sgd_momentum": ("float", 0.9, None),
    "rampup_batch_size": ("list", None, None),
    "decoupled_lr": ("float", None, None),
}
#: Flags that take no value (store_true), so the token after them is the next flag's business.
NO_VALUE = frozenset({"override_opt_param_scheduler", "use_checkpoint_opt_param_scheduler"})
#: Flags that tell a saved command line is Megatron's (and a YAML's keys: sources.files.MARKERS).
TELLING = frozenset(
    {
        "lr_decay_style",
        "lr_decay_iters",
        "lr_decay_samples",
        "lr_warmup_iters",
        "lr_warmup_samples",
        "lr_warmup_fraction",
        "lr_warmup_init",
        "lr_wsd_decay_style",
        "lr_wsd_decay_iters",
        "lr_wsd_decay_samples",
        "train_iters",
        "train_samples",
        "weight_decay_incr_style",
        "start_weight_decay",
        "end_weight_decay",
    }
)


def _tokens(text: str) -> list[str]:
    lexer = shlex.shlex(text, posix=True, punctuation_chars=False)
    lexer.whitespace_split = True
    lexer.commenting = True  # type: ignore[attr-defined]
    try:
        return list(lexer)
    except ValueError as exc:  # "No closing quotation", "No escaped character"
        raise ConfigError(f"cannot split the command line: {exc}") from None


def looks_like_command_line(text: str) -> bool:
    """Whether ``text`` holds Megatron's schedule flags as a command line (``--lr-decay-style cosine``)."""
    if "--" not in text:
        return False
    try:
        tokens = _tokens(text)
    except ConfigError:  # a command line that does not split (an unclosed quote) is still one: say why
        return any(f"--{dest.replace('_', '-')}" in text for dest in TELLING)
    return any(t.startswith("--") and t[2:].partition("=")[0].replace("-", "_") in TELLING for t in tokens)


def parse_command_line(text: str) -> tuple[dict[str, Any], list[str]]:
    """(the arguments lrviz reads, as argparse dests -> text, or True for a flag; the other flags seen)."""
    found: dict[str, Any] = {}
    other: list[str] = []
    tokens = [t for t in _tokens(text) if t not in ("(", ")") and not t.endswith("=(")]
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if not token.startswith("--") or token == "--":
            continue  # the program and its launcher (torchrun ... pretrain_gpt.py), a value of a flag skipped
        flag, eq, value = token[2:].partition("=")
        dest = flag.replace("-", "_")
        values = [value] if eq else []
        while not eq and i < len(tokens) and not tokens[i].startswith("--"):
            values.append(tokens[i])  # nargs flags (--data-path w1 p1 w2 p2) take every value up to the next flag
            i += 1
            if dest in ARGS and ARGS[dest][0] != "list":
                break
        if dest not in ARGS:
            other.append("--" + flag)
            continue
        if dest in NO_VALUE:
            continue
        if ARGS[dest][0] != "list" and not values:
            raise ConfigError(f"--{flag} expects a value", key=dest)
        found[dest] = values if ARGS[dest][0] == "list" else values[0]  # argparse: the last one wins
    return found, sorted(set(other))


def _number(value: Any, dest: str, kind: str) -> int | float:
    if isinstance(value, str):
        if value.startswith("$") or "$(" in value or "${" in value:
            raise ConfigError(
                f"{value!r} is a shell expansion; lrviz runs no shell: write the value it stands for", key=dest
            )
        try:
            number: int | float = int(value) if kind == "int" else float(value)  # argparse's type=int / type=float
        except ValueError:
            raise ConfigError(f"invalid {kind} value: {value!r} (argparse's {kind}() refuses it)", key=dest) from None
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(
            f"expected {'a whole number' if kind == 'int' else 'a number'}, got {describe(value)}", key=dest
        )
    elif kind == "int" and isinstance(value, float):
        raise ConfigError(f"expected a whole number (type=int), got {value!r}", key=dest)
    else:
        number = float(value) if kind == "float" else value
    if kind == "float" and not math.isfinite(number):
        raise ConfigError(f"expected a finite number, got {number!r}", key=dest)
    if kind == "int" and abs(number) > MAX_STEPS * 10**6:
        raise ConfigError(f"{number:,} is beyond what lrviz simulates", key=dest)
    return number


def read_args(data: Mapping[str, Any]) -> dict[str, Any]:
    """Every argument of :data:`ARGS`, typed as argparse types it, with Megatron's default where not given."""
    out: dict[str, Any] = {}
    for dest, (kind, default, choices) in ARGS.items():
        value = data.get(dest)
        if value is None:
            out[dest] = default
        elif kind in ("int", "float"):
            out[dest] = _number(value, dest, kind)
        elif kind == "list":
            out[dest] = value
        else:
            if not isinstance(value, str):
                raise ConfigError(f"expected text, got {describe(value)}", key=dest)
            if choices is not None and value not in choices:
                raise ConfigError(f"invalid choice {value!r} (choose from {', '.join(choices)})", key=dest)
            out[dest] = value
    return out
