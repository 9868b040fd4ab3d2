"""Megatron-Core's ``OptimizerParamScheduler``, by decay style: ``megatron.cosine``, ``megatron.WSD``...

Megatron-LM builds its schedule in ``get_optimizer_param_scheduler`` (megatron/training/training.py)::

    OptimizerParamScheduler(optimizer, init_lr=args.lr_warmup_init, max_lr=args.lr,
        min_lr=args.min_lr, lr_warmup_steps=..., lr_decay_steps=...,
        lr_decay_style=args.lr_decay_style, start_wd=..., end_wd=..., wd_incr_steps=...,
        wd_incr_style=args.weight_decay_incr_style, ..., wsd_decay_steps=...,
        lr_wsd_decay_style=args.lr_wsd_decay_style)

and ``train_step`` steps it once per iteration whose update was applied::

    increment = get_num_microbatches() * args.micro_batch_size * args.data_parallel_size
    opt_param_scheduler.step(increment=increment)

so it counts *samples* (the global batch size per iteration), with iteration-based and
sample-based training alike. ``megatron.<style>`` makes the same constructor call with
Megatron-Core's own class (``megatron.core.optimizer_param_scheduler``) and
:class:`MegatronStep` makes the same ``step(increment=...)`` call (``increment``: the
global batch size). The class writes the lr (and the weight decay) into the
optimizer's param groups itself, already when built (its ``step(0)``).

Importing it imports ``megatron.core``, which lrviz names, never code a config names, so
no ``--trust``; without Megatron-Core (``pip install megatron-core``) a clear error
says so. The import warns that Transformer Engine and Apex are missing (irrelevant to
a schedule): those warnings are dropped.
"""

from __future__ import annotations

import importlib
import importlib.util
import warnings
from pathlib import Path
from typing import Any

from lrviz.errors import ConfigError, did_you_mean, first_line
from lrviz.registry.adapter import StepAdapter
from lrviz.registry.kind import SchedulerInfo
from lrviz.registry.writing import Code, Writing

PREFIX = "megatron."
#: ``--lr-decay-style``'s choices in megatron/training/arguments.py (_add_learning_rate_args).
STYLES = ("constant", "linear", "cosine", "inverse-square-root", "WSD")
#: ``--lr-wsd-decay-style``'s choices there (default exponential).
WSD_STYLES = ("exponential", "linear", "cosine", "minus_sqrt")
#: ``--weight-decay-incr-style``'s choices (_add_regularization_args; default constant).
WD_STYLES = ("constant", "linear", "cosine")
SUMMARIES = {
    "constant": "linear warmup from init_lr, then max_lr",
    "linear": "linear warmup, then linear decay from max_lr to min_lr at lr_decay_steps",
    "cosine": "linear warmup, then half-cosine decay from max_lr to min_lr at lr_decay_steps",
    "inverse-square-root": "linear warmup, then max_lr * sqrt(warmup / step), floored at min_lr",
    "WSD": "warmup, stable at max_lr, then the last wsd_decay_steps decay (lr_wsd_decay_style) to min_lr",
}


def scheduler_module(key: str | None = None) -> Any:
    """``megatron.core.optimizer_param_scheduler``, or an error saying what to install."""
    from lrviz.registry.frameworks import FrameworkMissing

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Transformer Engine and Apex are not installed": not a schedule's
            return importlib.import_module("megatron.core.optimizer_param_scheduler")
    except Exception as exc:
        raise FrameworkMissing(
            "Megatron schedules are built by Megatron-Core's own OptimizerParamScheduler, and importing "
            f"megatron.core.optimizer_param_scheduler failed ({first_line(exc, with_type=True)}); install it with: "
            "pip install megatron-core",
            key=key,
        ) from None


def installed() -> bool:
    """Whether Megatron-Core is there to import (cheap: nothing is imported)."""
    try:
        return importlib.util.find_spec("megatron.core") is not None
    except (ImportError, ValueError):
        return False


def optimizer_param_scheduler(
    optimizer: Any,
    max_lr: float,
    lr_decay_steps: float,
    min_lr: float = 0.0,
    init_lr: float = 0.0,
    lr_warmup_steps: float = 0,
    wsd_decay_steps: float | None = None,
    lr_wsd_decay_style: str = "exponential",
    start_wd: float = 0.01,
    end_wd: float = 0.01,
    wd_incr_steps: float | None = None,
    wd_incr_style: str = "constant",
    increment: int = 1,
    *,
    lr_decay_style: str = "linear",
) -> MegatronStep:
    """``OptimizerParamScheduler(optimizer, ...)`` as get_optimizer_param_scheduler calls it, stepped by
    ``step(increment=increment)`` (``increment``: the samples of one iteration, the global batch size).
    ``wd_incr_steps`` defaults to ``lr_decay_steps`` (Megatron passes train_iters x global batch)."""
    cls = scheduler_module().OptimizerParamScheduler
    scheduler = cls(
        optimizer,
        init_lr=init_lr,
        max_lr=max_lr,
        min_lr=min_lr,
        lr_warmup_steps=lr_warmup_steps,
        lr_decay_steps=lr_decay_steps,
        lr_decay_style=lr_decay_style,
        start_wd=start_wd,
        end_wd=end_wd,
        wd_incr_steps=lr_decay_steps if wd_incr_steps is None else wd_incr_steps,
        wd_incr_style=wd_incr_style,
        use_checkpoint_opt_param_scheduler=True,  # Megatron's flag defaults (store_true: False) make no
        override_opt_param_scheduler=False,  # difference without a checkpoint to load
        wsd_decay_steps=wsd_decay_steps,
        lr_wsd_decay_style=lr_wsd_decay_style,
    )
    return MegatronStep(scheduler, optimizer, increment)


class MegatronStep(StepAdapter):
    """``OptimizerParamScheduler`` stepped as Megatron's ``train_step`` steps it: ``step(increment=...)``."""

    def __init__(self, scheduler: Any, optimizer: Any, increment: int):
        super().__init__(scheduler, optimizer)
        self.increment = increment

    def step(self, metric: Any = None) -> None:
        self.count += 1
        self.method(increment=self.increment)  # the class's own step (StepAdapter keeps it)


class MegatronMaker:
    """``make(optimizer, **params)`` for one decay style; picklable by name."""

    def __init__(self, style: str):
        self.style = style

    def __call__(self, optimizer: Any, **params: Any) -> Any:
        try:
            return optimizer_param_scheduler(optimizer, lr_decay_style=self.style, **params)
        except AssertionError as exc:  # Megatron's refusals are bare asserts: say which rule
            raise ValueError(f"OptimizerParamScheduler refused it (an assert failed: {_assertion(exc)})") from None

    def __reduce__(self) -> tuple[Any, ...]:
        return (MegatronMaker, (self.style,))


def _assertion(exc: AssertionError) -> str:
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    text = (frames[-1].line or "").strip() if frames else ""
    return str(exc) or text or "see OptimizerParamScheduler.__init__"


def _style(name: str, key: str | None) -> str:
    style = name[len(PREFIX) :]
    if style not in STYLES:
        raise ConfigError(
            f"unknown Megatron decay style {style!r}{did_you_mean(style, STYLES)}; --lr-decay-style takes "
            f"{', '.join(STYLES)}",
            key=key,
        )
    return style


class MegatronKind:
    """``megatron.<lr-decay-style>``: Megatron-Core's OptimizerParamScheduler, stepped as training.py steps it."""

    name = "megatron"

    def claims(self, name: str) -> bool:
        return name.startswith(PREFIX)

    def lookup(self, name: str, *, key: str | None, base_dir: Path | None, trust: bool) -> SchedulerInfo:
        style = _style(name, key)
        scheduler_module(key)  # a missing Megatron-Core is said at load time, naming the key
        return self._entry(style)

    def catalogue(self) -> dict[str, SchedulerInfo]:
        """Every ``megatron.*`` name, when Megatron-Core is installed (found, not imported: 10 s of imports)."""
        if not installed():
            return {}
        return {f"{PREFIX}{s}": self._entry(s) for s in STYLES}

    def code(self, writing: Writing) -> Code:
        """get_optimizer_param_scheduler's constructor call and train_step's ``step(increment=...)``, with the
        values of the config (Python text) or this maker's defaults."""
        import inspect

        values = {
            name: writing.kwargs.get(name, repr(p.default))
            for name, p in inspect.signature(optimizer_param_scheduler).parameters.items()
            if name not in ("optimizer", "lr_decay_style")
        }
        increment = values.pop("increment")
        if values["wd_incr_steps"] == "None":
            values["wd_incr_steps"] = values["lr_decay_steps"]
        args = ", ".join(
            ["optimizer", *(f"{k}={v}" for k, v in values.items()), f"lr_decay_style={writing.type_name!r}"]
        )
        return Code(
            f"OptimizerParamScheduler({args})",
            imports=("from megatron.core.optimizer_param_scheduler import OptimizerParamScheduler",),
            step=f"scheduler.step(increment={increment})  # train_step: the samples of one iteration (global batch)",
        )

    def _entry(self, style: str) -> SchedulerInfo:
        from lrviz.registry.signature import signature_params

        params, accepts_any = signature_params(optimizer_param_scheduler, skip_first=True)
        return SchedulerInfo(
            name=f"{PREFIX}{style}",
            kind=self.name,
            make=MegatronMaker(style),
            params=tuple(p for p in params if p.name != "lr_decay_style"),
            accepts_any=accepts_any,
            summary=f"Megatron-Core OptimizerParamScheduler: {SUMMARIES[style]}",
            doc=(optimizer_param_scheduler.__doc__ or "") + "\n\n" + (__doc__ or ""),
            per_group=frozenset(),
        )
