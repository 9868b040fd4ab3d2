"""How a kind writes its schedulers for ``lrviz code``: the question, the answer, the helpers.

:mod:`lrviz.codegen` writes the program (the optimizer, the loop, the values as Python)
and asks the kind that resolved each scheduler how it is made (``Kind.code``): a
:class:`Writing` in, a :class:`Code` out. Each kind thus owns how its framework's call
reads: torch's class, transformers' function, DeepSpeed's class, Megatron-Core's
``OptimizerParamScheduler``, MMEngine's runner and its hook; one that has no plain
Python form raises a ConfigError saying why (a timm ``args.yaml``).
"""

from __future__ import annotations

import keyword
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lrviz.spec import SchedulerSpec


@dataclass(frozen=True)
class Writing:
    """What ``lrviz code`` asks a kind: one scheduler of a config, to write in Python."""

    spec: SchedulerSpec
    kwargs: dict[str, str]  # its keywords as Python text (a nested scheduler: the variable that holds it)
    framework: str  # --framework: "torch" or "hf"
    base_dir: Path  # the config's folder (where a file target is imported from)
    steps: int  # the run's optimizer steps
    every: int  # optimizer steps per scheduler step: 1, or steps_per_epoch for interval: epoch
    py: Callable[[Any], str]  # any converted value as Python text, as codegen writes values
    adapted: Callable[[], bool]  # whether lrviz steps the built scheduler through an adapter (timm-style)
    closure: str = ""  # what the optimizer's step() takes: "closure" for LBFGS (the program defines it)

    @property
    def type_name(self) -> str:
        """The name after a framework's prefix: ``ds.WarmupLR`` -> ``WarmupLR``."""
        return self.spec.name.partition(".")[2]


@dataclass(frozen=True)
class Code:
    """A kind's answer: the call that makes the scheduler, and what the program needs around it."""

    call: str  # the expression: "StepLR(optimizer, step_size=3)"
    imports: tuple[str, ...] = ()  # its import lines
    folder: Path | None = None  # a folder the imports need on sys.path (a file target's)
    setup: tuple[str, ...] = ()  # lines before the call (MMEngine's OptimWrapper)
    var: str | None = None  # the variable that holds it, where the kind names it (MMEngine's list: schedulers)
    step: str = "scheduler.step()"  # the loop's scheduler step (Megatron: step(increment=...))
    stepper: str = "optimizer"  # what the loop calls step() and zero_grad() on (MMEngine: optim_wrapper)
    loop: tuple[str, ...] = ()  # the whole loop, where the framework has its own (MMEngine's runner)


def train_step(stepper: str = "optimizer", closure: str = "") -> list[str]:
    """One optimizer step of the program's training loop: the lr it uses recorded, then the update."""
    return [
        'lrs.append([group["lr"] for group in optimizer.param_groups])',
        "# your forward and backward pass: loss.backward()",
        f"{stepper}.step({closure})",
        f"{stepper}.zero_grad()",
    ]


def keywords(kwargs: dict[str, str]) -> list[str]:
    """``k=v`` arguments; a key that is no Python name (a target taking ``**kwargs``) goes in ``**{...}``,
    as a string literal, so config text never becomes code."""
    named = [f"{k}={v}" for k, v in kwargs.items() if is_name(k)]
    other = [f"{k!r}: {v}" for k, v in kwargs.items() if not is_name(k)]
    return [*named, *(["**{" + ", ".join(other) + "}"] if other else [])]


def is_name(key: str) -> bool:
    return key.isidentifier() and not keyword.iskeyword(key)


def call(function: str, *parts: str) -> str:
    """``function(a, b=1)`` from its arguments as text (empty ones left out)."""
    return f"{function}({', '.join(p for p in parts if p)})"


def with_optimizer(writing: Writing, function: str) -> str:
    """``function(optimizer, k=v...)``: how most frameworks' schedulers take the optimizer and the keywords."""
    return call(function, "optimizer", *keywords(writing.kwargs))
