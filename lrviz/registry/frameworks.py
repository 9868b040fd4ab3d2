"""Schedulers built by the frameworks' own code, under reserved names: ``hf.<type>``, ``timm.<sched>``.

lrviz never re-implements a schedule, and a framework source is no exception: the
schedule a Trainer or a timm run would follow is built by that framework's own
factory, called with the optimizer first and the config's ``params`` as keywords, like
every scheduler lrviz knows (a torch class, a preset, an import target).

* ``hf.<type>`` (``hf.cosine``, ``hf.warmup_stable_decay``...): transformers'
  ``get_scheduler(type, optimizer, num_warmup_steps=..., num_training_steps=...,
  scheduler_specific_kwargs=...)``, the call ``Trainer.create_scheduler`` makes
  (transformers/trainer.py). Its params are those of the schedule function
  ``TYPE_TO_SCHEDULER_FUNCTION[type]`` (transformers/optimization.py). Without
  transformers, lrviz's presets (:mod:`lrviz.registry.presets`, bit-identical, tested against
  transformers when it is installed) build the same ``LambdaLR``; :func:`hf_backend`
  says which one runs. ``reduce_lr_on_plateau`` and ``greedy`` are refused: the Trainer
  steps them on evaluation metrics, not on optimizer steps.
* ``timm.<sched>`` (``timm.cosine``, ``timm.step``...): timm's
  ``create_scheduler_v2(optimizer, sched=<sched>, **params)``
  (timm/scheduler/scheduler_factory.py), wrapped in :class:`lrviz.registry.adapter.StepAdapter`
  in its ``updates_per_epoch`` mode, which makes the two calls timm's ``train.py`` makes:
  ``step_update(num_updates=n)`` after every optimizer update and ``step(epoch + 1,
  metric)`` at every epoch end. So a ``timm.<sched>`` schedule is stepped once per
  optimizer step (``interval: step``) and needs ``updates_per_epoch``. Needs timm
  (``pip install 'lrviz[timm]'``); without it, a clear error says so.

Both import an installed library that lrviz names, never code a file names, so they
need no ``--trust``. Each factory carries the signature of the framework function it
calls (``inspect.signature(factory)``), which is what lrviz validates ``params``
against. :func:`lookup` is the one entry point; :class:`FrameworkKind` is the registry
kind (``"framework"``) that resolves every name :func:`is_framework_name` accepts
through it, so a config may name ``hf.cosine`` or ``timm.step`` like a torch class.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lrviz.errors import ConfigError, did_you_mean, first_line
from lrviz.registry.kind import SchedulerInfo
from lrviz.registry.writing import Code, Writing, call

PREFIXES = ("hf.", "timm.")
#: transformers' SchedulerType members that the Trainer steps on evaluation metrics.
HF_METRIC_TYPES = ("reduce_lr_on_plateau", "greedy")
#: The names of create_scheduler_v2's if/elif chain in timm 1.0.31 (a newer timm may know more;
#: timm itself decides what it accepts, this list only feeds messages and ``dir()``).
TIMM_SCHEDS = ("cosine", "tanh", "step", "constant", "multistep", "plateau", "poly", "wsd", "rsqrt", "none")


@dataclass(frozen=True)
class FrameworkScheduler:
    """One framework-built scheduler: ``factory(optimizer, **params) -> scheduler``."""

    name: str  # "hf.cosine", "timm.step"
    factory: Callable[..., Any]
    backend: str  # what builds it, e.g. "transformers 5.23.0 get_scheduler"
    summary: str = ""

    @property
    def signature(self) -> inspect.Signature:
        return inspect.signature(self.factory)


def is_framework_name(name: Any) -> bool:
    return isinstance(name, str) and name.startswith(PREFIXES)


def lookup(name: str, *, key: str | None = None) -> FrameworkScheduler:
    """The framework scheduler called ``name`` (``hf.<type>`` or ``timm.<sched>``)."""
    prefix, _, rest = name.partition(".")
    if prefix == "hf" and rest:
        return _hf(rest, key)
    if prefix == "timm" and rest:
        return _timm(rest, key)
    raise ConfigError(f"{name!r} is not a framework scheduler; expected hf.<type> or timm.<sched>", key=key)


def names() -> list[str]:
    """Every framework scheduler name (timm's only when timm is importable)."""
    out = [f"hf.{t}" for t in hf_types()]
    try:
        timm_scheduler_module()
    except ConfigError:
        return out
    return out + [f"timm.{s}" for s in TIMM_SCHEDS]


def _signed(
    build: Callable[..., Any],
    target: Callable[..., Any],
    name: str,
    *,
    drop: tuple[str, ...] = (),
    required: tuple[str, ...] = (),
) -> Callable[..., Any]:
    """``build`` with the signature of ``target`` (the framework function it calls).

    The first parameter becomes ``optimizer``; the others become keyword-only (minus
    ``drop``; ``required`` lose their default), with their annotations resolved so
    lrviz can check the types of ``params``.
    """
    try:
        sig = inspect.signature(target, eval_str=True)
    except Exception:  # annotations naming what the framework imports only for type checkers
        sig = inspect.signature(target)
    params = [inspect.Parameter("optimizer", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    var_kw = None
    for p in list(sig.parameters.values())[1:]:
        if p.name in drop or p.kind is p.VAR_POSITIONAL:
            continue
        if p.kind is p.VAR_KEYWORD:
            var_kw = p
            continue
        default = inspect.Parameter.empty if p.name in required else p.default
        params.append(p.replace(kind=inspect.Parameter.KEYWORD_ONLY, default=default))
    if var_kw is not None:
        params.append(var_kw)

    def factory(optimizer: Any, **kwargs: Any) -> Any:
        return build(optimizer, **kwargs)

    factory.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    factory.__name__ = factory.__qualname__ = name
    factory.__doc__ = inspect.getdoc(target)
    return factory


# --------------------------------------------------------------------------- Hugging Face


def hf_backend() -> tuple[Any, str]:
    """(transformers.optimization or None, what builds ``hf.*`` schedules, in words)."""
    try:
        import transformers

        module = importlib.import_module("transformers.optimization")
    except Exception as exc:  # missing, or broken beside this torch: the presets are bit-identical
        return None, f"lrviz presets (transformers is not importable: {first_line(exc, with_type=True)})"
    return module, f"transformers {transformers.__version__} get_scheduler"


def hf_types() -> tuple[str, ...]:
    """The step-driven scheduler types: lrviz's presets, plus any newer one transformers has."""
    from lrviz.registry.hf_schedules import PRESETS

    module, _ = hf_backend()
    found = list(PRESETS)
    if module is not None:
        found += [t.value for t in module.SchedulerType if t.value not in found and t.value not in HF_METRIC_TYPES]
    return tuple(found)


def _hf(type_name: str, key: str | None) -> FrameworkScheduler:
    name = f"hf.{type_name}"
    if type_name in HF_METRIC_TYPES:
        raise ConfigError(
            f"{type_name!r} is stepped by the Trainer on evaluation metrics, not once per optimizer step, so "
            f"lrviz cannot show it from the file alone; allowed: {', '.join(hf_types())}",
            key=key,
        )
    module, backend = hf_backend()
    if type_name not in hf_types():
        raise ConfigError(
            f"unknown scheduler type {type_name!r}{did_you_mean(type_name, hf_types())}; "
            f"allowed: {', '.join(hf_types())}",
            key=key,
        )
    known = module is not None and type_name in {t.value for t in module.SchedulerType}
    if not known:  # no transformers, or a release older than this type (4.x lacks cosine_warmup_with_min_lr)
        from lrviz.registry.hf_schedules import PRESETS

        target = PRESETS[type_name]
        how = f"lrviz preset {type_name!r}"
        if module is not None:
            backend = f"lrviz presets ({backend.split(' get_scheduler')[0]} has no {type_name!r})"
        return FrameworkScheduler(name, _signed(target, target, name), backend, how)

    assert module is not None
    target = module.TYPE_TO_SCHEDULER_FUNCTION[module.SchedulerType(type_name)]

    def build(optimizer: Any, **params: Any) -> Any:
        # Trainer.create_scheduler (transformers/trainer.py) makes exactly this call.
        warmup = params.pop("num_warmup_steps", None)
        total = params.pop("num_training_steps", None)
        return module.get_scheduler(
            type_name,
            optimizer,
            num_warmup_steps=warmup,
            num_training_steps=total,
            scheduler_specific_kwargs=params,
        )

    return FrameworkScheduler(
        name, _signed(build, target, name), backend, f"transformers get_scheduler({type_name!r}) -> {target.__name__}"
    )


# --------------------------------------------------------------------------- timm


class FrameworkMissing(ConfigError):
    """The framework that builds a schedule is not importable here (the gallery skips such an entry)."""


def timm_scheduler_module(key: str | None = None) -> Any:
    """``timm.scheduler``, imported the normal way, or an error saying what to install."""
    try:
        return importlib.import_module("timm.scheduler")
    except Exception as exc:
        words = first_line(exc, with_type=True)
        fix = (
            "`import timm` imports torchvision, and torchvision is missing here or does not import beside this torch: "
            "install the torchvision release built for it (from the same wheel index as torch, e.g. "
            "pip install torchvision --index-url https://download.pytorch.org/whl/cpu for the CPU build)"
            if "torchvision" in words
            else "install it with: pip install 'lrviz[timm]'"
        )
        raise FrameworkMissing(
            f"timm schedules are built by timm's own create_scheduler_v2, and importing timm.scheduler failed "
            f"({words}); {fix}",
            key=key,
        ) from None


class _Untouched:
    """timm's ``sched: none``: create_scheduler_v2 returns None and nothing changes the lr."""

    t_in_epochs = True

    def step(self, epoch: int, metric: Any = None) -> None:
        pass

    def step_update(self, num_updates: int, metric: Any = None) -> None:
        pass


def _timm(sched: str, key: str | None) -> FrameworkScheduler:
    from lrviz.registry.adapter import StepAdapter

    name = f"timm.{sched}"
    if not sched.isidentifier():
        raise ConfigError(f"{name!r} is not a timm scheduler name; timm knows {', '.join(TIMM_SCHEDS)}", key=key)
    module = timm_scheduler_module(key)
    create = module.create_scheduler_v2

    def build(optimizer: Any, **params: Any) -> Any:
        scheduler, _ = create(optimizer, sched=sched, **params)
        return StepAdapter(
            scheduler if scheduler is not None else _Untouched(),
            optimizer,
            updates_per_epoch=params["updates_per_epoch"],
        )

    factory = _signed(build, create, name, drop=("sched",), required=("updates_per_epoch",))
    return FrameworkScheduler(
        name,
        factory,
        f"timm {_version('timm')} create_scheduler_v2, stepped as timm's train.py steps it",
        f"timm create_scheduler_v2(sched={sched!r})",
    )


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "(version unknown)"


# --------------------------------------------------------------------------- the registry kind


def takes_metric(name: str) -> bool:
    """Whether a framework scheduler is stepped with the run's metric.

    timm's ``train.py`` passes its eval metric to every ``step_update`` / ``step`` call
    (``timm.plateau`` reads it, the others ignore it); the Trainer steps ``hf.*``
    schedules with nothing, and a metric given to a ``LambdaLR`` would be read as an epoch.
    """
    return name.startswith("timm.")


class FrameworkMaker:
    """``make(optimizer, **params)`` of one framework scheduler, picklable by its name.

    The factory is a closure over the framework's module, which does not pickle; a
    spawned worker looks the name up again (a forked one finds the factory here).
    """

    def __init__(self, name: str, factory: Callable[..., Any] | None = None):
        self.name = name
        self._factory = factory

    def __call__(self, optimizer: Any, **params: Any) -> Any:
        if self._factory is None:
            self._factory = lookup(self.name).factory
        return self._factory(optimizer, **params)

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrameworkMaker, (self.name,))


class FrameworkKind:
    """``hf.<type>`` and ``timm.<sched>``: schedulers built by the framework's own factory.

    No trust is needed: the code imported is the installed framework lrviz names, never
    code a config names. ``num_training_steps`` of ``hf.*`` is filled with the run's
    scheduler steps when left out, as for the presets.
    """

    name = "framework"

    def claims(self, name: str) -> bool:
        return is_framework_name(name)

    def lookup(self, name: str, *, key: str | None, base_dir: Path | None, trust: bool) -> SchedulerInfo:
        from lrviz.registry.signature import signature_params

        found = lookup(name, key=key)
        params, accepts_any = signature_params(found.factory, skip_first=True)
        fills = {p.name: "scheduler_steps" for p in params if p.name == "num_training_steps"}
        return SchedulerInfo(
            name=name,
            kind=self.name,
            make=FrameworkMaker(name, found.factory),
            params=params,
            accepts_any=accepts_any,
            summary=found.summary,
            doc=inspect.getdoc(found.factory) or "",
            fills=fills,
        )

    def catalogue(self) -> dict[str, SchedulerInfo]:
        """Every ``hf.*`` name, and the ``timm.*`` ones when timm is importable."""
        return {name: self.lookup(name, key=None, base_dir=None, trust=False) for name in names()}

    def code(self, writing: Writing) -> Code:
        """``hf.<type>``: the call Trainer.create_scheduler makes (transformers' get_scheduler). ``timm.<sched>``
        is built and stepped by timm's own train.py from its args.yaml, which is the code to run."""
        spec = writing.spec
        if not spec.name.startswith("hf."):
            raise ConfigError(
                f"{spec.name} is built by timm's create_scheduler_v2 and stepped by timm's train.py (step_update "
                "after every update, step(epoch) at each epoch end): run timm's train.py with this args.yaml; lrviz "
                "code writes torch and transformers loops",
                key=spec.key,
            )
        rest = dict(writing.kwargs)
        warmup, total = rest.pop("num_warmup_steps", "None"), rest.pop("num_training_steps", "None")
        specific = "{" + ", ".join(f"{k!r}: {v}" for k, v in rest.items()) + "}"
        args = [repr(writing.type_name), "optimizer", f"num_warmup_steps={warmup}", f"num_training_steps={total}"]
        made = call("get_scheduler", *args, f"scheduler_specific_kwargs={specific}")
        return Code(made, imports=("from transformers import get_scheduler",))
