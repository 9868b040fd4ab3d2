"""Read a framework file (JSON or YAML) as data, within limits, and tell which kind it is.

A framework file is data, like an lrviz config: it is never imported or run. YAML goes
through lrviz's own bounded safe loader (:mod:`lrviz.parse.yamlio`); JSON through
:func:`json.loads` behind the same limits: the 1 MB file cap, 64 levels of nesting
(checked on the text before parsing, so a deeply nested document never reaches the
parser's recursion), 100,000 values, integer literals of at most 100 characters, and
no duplicate keys.

The kind is decided by the keys each framework alone uses (:data:`MARKERS`): a file
whose keys point to exactly one kind is that kind, and a file with any key only lrviz
uses is an lrviz config; none, or several frameworks, is an error that says what was
expected, and ``--from`` settles it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lrviz.errors import ConfigError, describe
from lrviz.parse.yamlio import MAX_DEPTH, MAX_INT_CHARS, MAX_NODES, parse_yaml, read_text
from lrviz.sources.megatron_args import TELLING as MEGATRON_FLAGS

#: What each kind is called in messages.
NAMES = {
    "lrviz": "an lrviz config",
    "hf": "a Hugging Face TrainingArguments file",
    "timm": "a timm args.yaml",
    "torchvision": "a torchvision classification recipe",
    "hydra": "a Hydra / OmegaConf config",
    "deepspeed": "a DeepSpeed ds_config.json",
    "megatron": "Megatron-LM arguments (a YAML of them or a saved command line)",
    "function": "a Python file with an lr function (get_lr)",
    "lightningcli": "a LightningCLI config",
    "torchtune": "a torchtune recipe config",
    "mmengine": "an MMEngine / OpenMMLab config",
}

#: Keys only one kind uses (argparse keys with underscores; dashes are read as underscores).
#: Keys shared between frameworks (lr, epochs, opt, momentum, batch_size, seed,
#: weight_decay...) are deliberately absent.
MARKERS: dict[str, frozenset[str]] = {
    "lrviz": frozenset({"schedules", "scheduler", "steps", "steps_per_epoch", "sweep", "plot"}),
    "hf": frozenset(
        {
            "lr_scheduler_type",
            "lr_scheduler_kwargs",
            "learning_rate",
            "num_train_epochs",
            "max_steps",
            "per_device_train_batch_size",
            "gradient_accumulation_steps",
            "warmup_steps",
            "warmup_ratio",
            "dataloader_drop_last",
            "adam_beta1",
            "adam_beta2",
            "adam_epsilon",
        }
    ),
    "timm": frozenset(
        {
            "sched",
            "sched_on_updates",
            "lr_base",
            "lr_base_size",
            "lr_base_scale",
            "warmup_lr",
            "warmup_epochs",
            "warmup_prefix",
            "min_lr",
            "cooldown_epochs",
            "decay_epochs",
            "decay_milestones",
            "decay_rate",
            "patience_epochs",
            "lr_cycle_mul",
            "lr_cycle_decay",
            "lr_cycle_limit",
            "lr_k_decay",
            "lr_noise",
            "lr_noise_pct",
            "lr_noise_std",
            "grad_accum_steps",
        }
    ),
    "torchvision": frozenset(
        {
            "lr_scheduler",
            "lr_step_size",
            "lr_gamma",
            "lr_min",
            "lr_warmup_epochs",
            "lr_warmup_method",
            "lr_warmup_decay",
        }
    ),
    "hydra": frozenset(),  # told by a nested key, not a top-level one: NESTED_MARKERS
    "deepspeed": frozenset(
        {
            "train_batch_size",
            "train_micro_batch_size_per_gpu",
            "zero_optimization",
            "zero_allow_untested_optimizer",
            "steps_per_print",
            "wall_clock_breakdown",
            "gradient_clipping",
            "fp16",
            "bf16",
        }
    ),
    "megatron": MEGATRON_FLAGS,  # Megatron-LM's argparse dests (megatron/training/arguments.py)
    "function": frozenset(),  # a .py file, told by its suffix (lrviz.sources.load), never by keys
    # LightningCLI writes seed_everything (and ckpt_path) into every config it saves; class_path nodes tell it too
    "lightningcli": frozenset({"seed_everything", "ckpt_path"}),
    # torchtune's recipes (full_finetune_*, lora_finetune_*) read these; _component_ nodes tell it too
    "torchtune": frozenset(
        {
            "max_steps_per_epoch",
            "optimizer_in_bwd",
            "enable_activation_checkpointing",
            "enable_activation_offloading",
            "log_peak_memory_stats",
        }
    ),
    "mmengine": frozenset({"param_scheduler", "optim_wrapper", "train_cfg", "auto_scale_lr", "default_hooks"}),
}
#: Keys two frameworks use (HF's TrainingArguments and DeepSpeed: a bool there, a section here):
#: they decide nothing beside a key only one of them uses.
SHARED = frozenset(
    {"gradient_accumulation_steps", "fp16", "bf16", "min_lr", "adam_beta1", "adam_beta2"}
)  # min_lr: timm and Megatron; adam_beta1/2: HF and Megatron
#: Keys of nested nodes that only one kind uses: Hydra's ``_target_`` names what a node builds.
#: lrviz configs never hold it, so it decides even beside a top-level ``scheduler:`` node.
NESTED_MARKERS = {"hydra": "_target_", "lightningcli": "class_path", "torchtune": "_component_"}
KINDS = tuple(MARKERS)

# --------------------------------------------------------------------------- reading


def read_mapping(path: str | Path) -> dict[str, Any]:
    """The file's top-level mapping: JSON when it is ``*.json`` or starts with ``{``, else YAML."""
    source = str(path)
    text = read_text(path)
    if not text.strip():
        raise ConfigError("the file is empty; expected a mapping of settings", file=source)
    if str(path).lower().endswith(".json") or text.lstrip().startswith("{"):
        data = parse_json(text, source=source)
    else:
        data = parse_yaml(text, source=source)
    return expect_mapping(data, source)


def expect_mapping(data: Any, source: str | None = None) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ConfigError(f"expected a mapping of settings at the top level, got {describe(data)}", file=source)
    for k in data:
        if not isinstance(k, str):
            raise ConfigError(f"keys must be text, got {describe(k)}", file=source)
    return data


_STRUCTURE = re.compile(r'\\.|"|[\[\]{}]')


def _check_depth(text: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH by scanning brackets outside strings."""
    depth = 0
    in_string = False
    for m in _STRUCTURE.finditer(text):
        tok = m.group()
        if tok == '"':
            in_string = not in_string
        elif in_string or tok[0] == "\\":
            continue
        elif tok in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                line = text.count("\n", 0, m.start()) + 1
                raise ConfigError(f"JSON nested deeper than {MAX_DEPTH} levels (line {line})")
        else:
            depth -= 1


def _bounded_int(literal: str) -> int:
    if len(literal) > MAX_INT_CHARS:
        raise ConfigError(f"an integer of {len(literal)} characters; at most {MAX_INT_CHARS} are allowed")
    return int(literal)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ConfigError(f"duplicate key {k!r}")
        out[k] = v
    return out


def _count(value: Any) -> int:
    """Values in the document (containers, keys and scalars), stopping past MAX_NODES."""
    total = 0
    stack = [value]
    while stack and total <= MAX_NODES:
        v = stack.pop()
        total += 1
        if isinstance(v, dict):
            total += len(v)
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return total


def parse_json(text: str, *, source: str = "<json>") -> Any:
    """Parse JSON text with the limits of YAML configs (see the module docstring)."""
    try:
        _check_depth(text)
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_int=_bounded_int)
    except ConfigError as exc:
        raise exc.located(file=source) from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}", file=source) from None
    except (ValueError, RecursionError) as exc:
        raise ConfigError(f"invalid JSON: {exc}", file=source) from None
    if _count(data) > MAX_NODES:
        raise ConfigError(f"the JSON holds more than {MAX_NODES} values; refusing it", file=source)
    return data


# --------------------------------------------------------------------------- detection


def _nested_key(data: Mapping[str, Any], key: str) -> bool:
    """Whether any mapping of the document (the top level's included) has ``key``."""
    stack: list[Any] = [data]
    while stack:
        v = stack.pop()
        if isinstance(v, Mapping):
            if key in v:
                return True
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return False


def _markers(data: Mapping[str, Any]) -> dict[str, list[str]]:
    for kind, key in NESTED_MARKERS.items():
        if _nested_key(data, key):
            return {kind: [key]}
    keys = {k.replace("-", "_") for k in data if isinstance(k, str)}
    found = {kind: sorted(keys & marks) for kind, marks in MARKERS.items() if keys & marks}
    scheduler = data.get("scheduler")
    if isinstance(scheduler, Mapping) and "type" in scheduler:  # DeepSpeed's; lrviz's scheduler is a name
        found.setdefault("deepspeed", []).append("scheduler.type")
        found["lrviz"] = [k for k in found.get("lrviz", []) if k != "scheduler"]
    found = {kind: keys for kind, keys in found.items() if keys}
    if len(found) > 1:  # a shared key decides nothing beside a key only one kind uses
        found = {kind: keys for kind, keys in found.items() if not set(keys) <= SHARED} or found
    return found


def _near_misses(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """Per kind, the keys of ``data`` that are misspellings of its marker keys (``sheduler``,
    ``step``): read as that kind, its own checks then name each typo with a did-you-mean."""
    from lrviz.errors import suggestions

    keys = [k.replace("-", "_") for k in data if isinstance(k, str)]
    near = {kind: [k for k in keys if suggestions(k, sorted(marks), cutoff=0.8)] for kind, marks in MARKERS.items()}
    return {kind: ks for kind, ks in near.items() if ks}


def _nested(kind: str) -> str:
    return NESTED_MARKERS[kind] + " nodes" if kind in NESTED_MARKERS else "a .py file"


def _expected() -> str:
    parts = [f"{NAMES[k]} ({', '.join(sorted(MARKERS[k])[:3]) or _nested(k)}...)" for k in KINDS]
    return "expected " + ", ".join(parts[:-1]) + " or " + parts[-1]


def python_kind(text: str) -> str:
    """The kind of a ``.py`` file's text, parsed (never run): an MMEngine config when it sets MMEngine's
    names at top level (param_scheduler, optim_wrapper, train_cfg, _base_, ... or ``with read_base():``),
    else a training script whose lr function lrviz calls (with --trust)."""
    from lrviz.sources.mmfile import looks_like_mmengine

    return "mmengine" if looks_like_mmengine(text) else "function"


def detect(path_or_mapping: str | Path | Mapping[str, Any]) -> str:
    """The kind of a file (or of its parsed mapping): ``lrviz``, ``hf``, ``timm``, ``torchvision`` or ``hydra``."""
    source = None
    if isinstance(path_or_mapping, Mapping):
        data = expect_mapping(dict(path_or_mapping))
    elif str(path_or_mapping).lower().endswith(".py"):
        return python_kind(read_text(path_or_mapping))  # never read as data: an MMEngine config, else an lr function
    else:
        source = str(path_or_mapping)
        data = read_mapping(path_or_mapping)
    found = _markers(data)
    if "lrviz" in found:  # lrviz's own checks name a stray framework key better than "ambiguous" would
        return "lrviz"
    if len(found) == 1:
        return next(iter(found))
    if not found:
        found = _near_misses(data)  # a file whose every telling key is misspelt: the kind it is nearly
        most = sorted(found, key=lambda k: -len(found[k]))
        if most and (len(most) == 1 or len(found[most[0]]) > len(found[most[1]])):
            return most[0]
    if not found:
        raise ConfigError(
            f"cannot tell what this file is: {_expected()}; say which with --from {'|'.join(KINDS)}", file=source
        )
    shown = "; ".join(f"{NAMES[k]} ({', '.join(v[:3])})" for k, v in found.items())
    raise ConfigError(f"ambiguous: its keys fit {shown}; say which with --from {'|'.join(found)}", file=source)


def check_kind(data: Mapping[str, Any], kind: str, source: str | None = None) -> None:
    """Refuse a file forced to ``kind`` (``--from``) that is plainly another kind."""
    found = _markers(data)
    if kind in found or not found:
        return
    other, keys = next(iter(found.items()))
    raise ConfigError(
        f"this looks like {NAMES[other]} ({', '.join(keys[:3])}), not {NAMES[kind]}; "
        f"use --from {other} or give {NAMES[kind]}",
        key=keys[0],
        file=source,
    )
