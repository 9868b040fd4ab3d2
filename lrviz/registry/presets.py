"""Presets: the Hugging Face schedule family, built as torch ``LambdaLR`` schedulers.

Most fine-tuning runs use the schedules of transformers' ``get_scheduler``, so lrviz
offers them under the names users already type as ``lr_scheduler_type``, with the
parameter names of the ``get_*_schedule*`` functions. They are written here rather
than imported so lrviz needs no transformers (and no second torch requirement).

Why ``LambdaLR``: that is what transformers returns, so stepping, ``state_dict`` and
resuming behave exactly as in a training run. Each preset is a multiplier
``lr_lambda(step)``; torch multiplies it by every group's initial lr. Semantics,
off-by-ones and quirks follow transformers (checked against it in the tests when it is
installed), notably:

* ``polynomial`` and ``min_lr`` of the cosine-with-min-lr presets read the optimizer's
  *default* lr (``optimizer.defaults["lr"]``, the optimizer-level ``lr``), not each
  group's; ``lr_end`` must be below that lr.
* ``cosine_warmup_with_min_lr`` counts one step ahead (its warmup starts at 1/W).

Differences, on purpose: every parameter is a keyword; ``num_warmup_steps`` defaults
to 0 (``TrainingArguments``' default) where transformers' function requires it; and
``num_training_steps`` defaults to the number of times the config steps the scheduler.
``warmup_stable_decay`` does not warn when both ``num_training_steps`` and
``num_stable_steps`` are set (lrviz fills the former itself); as in transformers,
``num_stable_steps`` wins.

Each value of :data:`PRESETS` is ``fn(optimizer, **params) -> LambdaLR``; its
signature (names, defaults, annotations) and the first docstring line are what
``lrviz list`` shows and what config validation checks.
"""

from __future__ import annotations

import functools
import inspect
from pathlib import Path

from lrviz.errors import ConfigError
from lrviz.registry.hf_schedules import PRESETS
from lrviz.registry.kind import SchedulerInfo
from lrviz.registry.writing import Code, Writing, call, keywords

#: transformers' function for each preset (tests/test_code.py checks them against
#: transformers' own TYPE_TO_SCHEDULER_FUNCTION).
HF_FUNCTIONS = {
    "constant": "get_constant_schedule",
    "constant_with_warmup": "get_constant_schedule_with_warmup",
    "linear": "get_linear_schedule_with_warmup",
    "cosine": "get_cosine_schedule_with_warmup",
    "cosine_with_restarts": "get_cosine_with_hard_restarts_schedule_with_warmup",
    "polynomial": "get_polynomial_decay_schedule_with_warmup",
    "inverse_sqrt": "get_inverse_sqrt_schedule",
    "cosine_with_min_lr": "get_cosine_with_min_lr_schedule_with_warmup",
    "cosine_warmup_with_min_lr": "get_cosine_with_min_lr_schedule_with_warmup_lr_rate",
    "warmup_stable_decay": "get_wsd_schedule",
}


class PresetKind:
    """Lower-case names: the presets above, with the parameters of their signatures."""

    name = "preset"

    def claims(self, name: str) -> bool:
        return name[:1].islower()

    def lookup(self, name: str, *, key: str | None, base_dir: Path | None, trust: bool) -> SchedulerInfo | None:
        return self.catalogue().get(name)

    def catalogue(self) -> dict[str, SchedulerInfo]:
        return presets()

    def code(self, writing: Writing) -> Code:
        """transformers' own ``get_*_schedule*`` function (``--framework hf``); torch has no class for a preset."""
        spec = writing.spec
        if writing.framework != "hf":
            raise ConfigError(
                f"{spec.name} is a transformers schedule (an lrviz preset) and torch has no class for it: "
                "use --framework hf to print transformers' own call",
                key=spec.key,
            )
        function = HF_FUNCTIONS[spec.name]
        args = keywords(writing.kwargs)
        if "num_warmup_steps" not in writing.kwargs and presets()[spec.name].param("num_warmup_steps"):
            args.insert(0, "num_warmup_steps=0")  # lrviz's default; transformers requires it
        return Code(call(function, "optimizer", *args), imports=(f"from transformers import {function}",))


@functools.cache
def presets() -> dict[str, SchedulerInfo]:
    """Every preset, by name, with the parameters of its signature."""
    from lrviz.registry.docs import summary
    from lrviz.registry.signature import signature_params

    out = {}
    for name, fn in PRESETS.items():
        params, accepts_any = signature_params(fn)
        fills = {p.name: "scheduler_steps" for p in params if p.name == "num_training_steps"}
        out[name] = SchedulerInfo(
            name=name,
            kind="preset",
            make=fn,
            params=params,
            accepts_any=accepts_any,
            summary=summary(fn.__doc__),
            doc=inspect.cleandoc(fn.__doc__ or ""),
            fills=fills,
            per_group=frozenset(),  # one LambdaLR function for every group
        )
    return out
