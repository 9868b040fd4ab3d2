"""MMEngine's parameter schedulers: ``mm.<Type>`` (one class) and ``mm.param_scheduler`` (a runner's list).

An OpenMMLab config says ``param_scheduler = [dict(type='LinearLR', by_epoch=False,
begin=0, end=500, ...), dict(type='MultiStepLR', by_epoch=True, milestones=[8, 11])]``.
MMEngine's ``Runner._build_param_scheduler`` builds each dict with
``PARAM_SCHEDULERS.build(cfg, default_args=dict(optimizer=optim_wrapper,
epoch_length=len(train_dataloader)))`` after ``cfg.setdefault('end', max_epochs if
by_epoch else max_iters)``; ``build_scheduler_from_cfg`` turns a
``convert_to_iter_based=True`` dict into ``cls.build_iter_from_epoch(...)``. Its
``ParamSchedulerHook`` steps them: ``after_train_iter`` calls ``step()`` on every
scheduler whose ``by_epoch`` is false, ``after_train_epoch`` on every one whose
``by_epoch`` is true, in the list's order (each writes over what the one before wrote,
within its ``begin``/``end`` window).

``mm.param_scheduler`` makes those same calls with MMEngine's own code: its params are
the list (``schedulers``), the train loop's ``epoch_length`` (iterations per epoch),
``max_epochs`` / ``max_iters`` (the ``end`` a dict leaves out) and whether the loop is
epoch based (an ``IterBasedTrainLoop`` calls ``after_train_epoch`` only after its last
iteration, so by-epoch schedulers never move there). One lrviz step is one training
iteration, and the row lrviz records before it is the lr that iteration uses: what
OpenMMLab's ``tools/analysis_tools/vis_scheduler.py`` records (its hook reads the lr in
``after_train_iter`` at NORMAL priority, before ParamSchedulerHook, LOW, steps).

``mm.<Type>`` is one MMEngine class (``mm.CosineAnnealingLR``) stepped once per lrviz
step, for an lrviz config of your own. Importing ``mmengine`` is lrviz's doing, never the
config's: no ``--trust``. Without it a clear error says ``pip install mmengine``.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import warnings
from pathlib import Path
from typing import Any

from lrviz.errors import ConfigError, did_you_mean, first_line
from lrviz.registry.adapter import StepAdapter
from lrviz.registry.kind import SchedulerInfo
from lrviz.registry.writing import Code, Writing

PREFIX = "mm."
RUNNER = "mm.param_scheduler"


def mm_registry(key: str | None = None) -> Any:
    """MMEngine's PARAM_SCHEDULERS registry, its classes registered, or an error saying what to install."""
    from lrviz.registry.frameworks import FrameworkMissing

    try:
        with warnings.catch_warnings():  # torch.jit deprecations of mmengine's import: lrviz's import, not the schedule
            warnings.simplefilter("ignore", DeprecationWarning)
            importlib.import_module("mmengine.optim")  # registers the scheduler classes
        return importlib.import_module("mmengine.registry").PARAM_SCHEDULERS
    except Exception as exc:
        raise FrameworkMissing(
            "MMEngine schedules are built by MMEngine's own classes, and importing mmengine.optim failed "
            f"({first_line(exc, with_type=True)}); install it with: pip install mmengine",
            key=key,
        ) from None


def scheduler_types() -> list[str]:
    """Every scheduler class MMEngine registers (LR, momentum and generic parameter schedulers)."""
    registry = mm_registry()
    return sorted(name for name, cls in registry.module_dict.items() if inspect.isclass(cls))


def _wrapper(optimizer: Any) -> Any:
    """The optimizer as the runner hands it to the schedulers: in MMEngine's OptimWrapper."""
    wrapper = importlib.import_module("mmengine.optim").OptimWrapper
    return optimizer if isinstance(optimizer, wrapper) else wrapper(optimizer)


def build_one(cfg: dict[str, Any], optimizer: Any, epoch_length: int) -> Any:
    """One scheduler dict built as the runner builds it (``build_scheduler_from_cfg``)."""
    registry = mm_registry()
    return registry.build(copy.deepcopy(cfg), default_args={"optimizer": optimizer, "epoch_length": epoch_length})


class HookStep(StepAdapter):
    """MMEngine schedulers stepped as ParamSchedulerHook steps them; one call is one training iteration."""

    def __init__(self, schedulers: list[Any], optimizer: Any, *, epoch_length: int, epoch_loop: bool):
        self.schedulers = schedulers
        self.scheduler = schedulers  # StepAdapter's attribute (state, repr)
        self.optimizer = optimizer
        self.count = 0
        self.updates_per_epoch = None
        self.epoch_length = epoch_length
        self.epoch_loop = epoch_loop
        self.mode = "ParamSchedulerHook"

    def step(self, metric: Any = None) -> None:
        self.count += 1
        if self.count == 1:  # the runner's train_step has called optim_wrapper.step() (MMEngine counts it)
            self.optimizer.step()
        for s in self.schedulers:  # after_train_iter
            if not s.by_epoch:
                s.step()
        if self.epoch_loop and self.count % self.epoch_length == 0:  # after_train_epoch
            for s in self.schedulers:
                if s.by_epoch:
                    s.step()

    def state_dict(self) -> dict[str, Any]:
        return {"adapter_calls": self.count, "scheduler": [s.state_dict() for s in self.schedulers]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.count = int(state["adapter_calls"])
        for s, inner in zip(self.schedulers, state["scheduler"], strict=True):
            s.load_state_dict(inner)

    def __repr__(self) -> str:
        return f"HookStep({', '.join(type(s).__name__ for s in self.schedulers)})"


def runner_schedulers(
    optimizer: Any,
    *,
    schedulers: list[dict[str, Any]],
    epoch_length: int = 1,
    max_epochs: int | None = None,
    max_iters: int | None = None,
    epoch_loop: bool = True,
) -> HookStep:
    """``mm.param_scheduler``: the runner's list, built by MMEngine and stepped by its hook (module docstring)."""
    from lrviz.registry.frameworks import FrameworkMissing

    mm_registry()
    if not isinstance(schedulers, list) or not all(isinstance(s, dict) for s in schedulers):
        raise ConfigError("expected a list of scheduler dicts (each with type)", key="schedulers")
    wrapper = _wrapper(optimizer)
    built = []
    for i, cfg in enumerate(schedulers):
        cfg = copy.deepcopy(cfg)
        default_end = max_epochs if cfg.get("by_epoch", True) else max_iters
        if default_end is not None:
            cfg.setdefault("end", default_end)  # Runner._build_param_scheduler
        try:
            built.append(build_one(cfg, wrapper, epoch_length))
        except FrameworkMissing:
            raise
        except Exception as exc:  # MMEngine's refusal, in its words, at the dict that made it
            raise ConfigError(
                f"MMEngine refused {cfg.get('type')!r}: {first_line(exc, with_type=True)}", key=f"schedulers[{i}]"
            ) from None
    return HookStep(built, wrapper, epoch_length=epoch_length, epoch_loop=epoch_loop)


class MMMaker:
    """``make(optimizer, **params)`` for one ``mm.<Type>``: MMEngine's class, ``step()`` per lrviz step."""

    def __init__(self, type_name: str):
        self.type_name = type_name

    def __call__(self, optimizer: Any, **params: Any) -> Any:
        cfg = {"type": self.type_name, **params}
        epoch_length = cfg.pop("epoch_length", 1)
        built = build_one(cfg, _wrapper(optimizer), epoch_length)
        return HookStep([built], built.optimizer, epoch_length=1, epoch_loop=True)

    def __reduce__(self) -> tuple[Any, ...]:
        return (MMMaker, (self.type_name,))


def _init_params(cls: type) -> tuple[tuple[Any, ...], bool]:
    """The keywords a class takes: its LR / momentum mixin's ``__init__(optimizer, *args, **kwargs)`` passes
    them to the parameter scheduler after it, filling in ``param_name`` itself."""
    from lrviz.registry.signature import signature_params

    mixin = False
    for klass in cls.__mro__:
        init = vars(klass).get("__init__")
        if init is None:
            continue
        kinds = {p.kind for p in inspect.signature(init).parameters.values()}
        if inspect.Parameter.VAR_POSITIONAL in kinds:
            mixin = True
            continue
        params, accepts_any = signature_params(init)
        return tuple(p for p in params if not (mixin and p.name == "param_name")), accepts_any
    return (), True


class MMEngineKind:
    """``mm.<Type>`` and ``mm.param_scheduler``: MMEngine's schedulers, stepped as its runner steps them."""

    name = "mmengine"

    def claims(self, name: str) -> bool:
        return name.startswith(PREFIX)

    def lookup(self, name: str, *, key: str | None, base_dir: Path | None, trust: bool) -> SchedulerInfo:
        from lrviz.registry.docs import summary
        from lrviz.registry.signature import signature_params

        if name == RUNNER:
            params, accepts_any = signature_params(runner_schedulers)
            return SchedulerInfo(
                name=name,
                kind=self.name,
                make=runner_schedulers,
                params=params,
                accepts_any=accepts_any,
                summary="MMEngine's runner: a config's param_scheduler list, built by MMEngine, stepped by its "
                "ParamSchedulerHook (one step = one iteration)",
                doc=inspect.getdoc(runner_schedulers) or "",
            )
        type_name = name[len(PREFIX) :]
        registry = mm_registry(key)
        cls = registry.get(type_name) if type_name in registry.module_dict else None
        if cls is None or not inspect.isclass(cls):
            known = scheduler_types()
            raise ConfigError(
                f"unknown MMEngine scheduler {type_name!r}{did_you_mean(type_name, known)}; MMEngine has "
                f"{', '.join(known)}",
                key=key,
            )
        params, accepts_any = _init_params(cls)
        return SchedulerInfo(
            name=name,
            kind=self.name,
            make=MMMaker(type_name),
            params=params,
            accepts_any=accepts_any,
            summary=f"MMEngine's {cls.__name__}: {summary(cls.__doc__)}",
            doc=inspect.getdoc(cls) or "",
        )

    def catalogue(self) -> dict[str, SchedulerInfo]:
        """Every ``mm.*`` name, when MMEngine is importable."""
        try:
            types = scheduler_types()
        except ConfigError:
            return {}
        out = {RUNNER: self.lookup(RUNNER, key=None, base_dir=None, trust=False)}
        out.update({f"{PREFIX}{t}": self.lookup(f"{PREFIX}{t}", key=None, base_dir=None, trust=False) for t in types})
        return out

    def code(self, writing: Writing) -> Code:
        """MMEngine's classes built as the runner builds them; ``mm.param_scheduler`` with the runner's own
        loop (:mod:`lrviz.registry.mmcode`), one ``mm.<Type>`` stepped once per scheduler step."""
        from lrviz.registry.mmcode import one, runner

        return runner(writing) if writing.spec.name == RUNNER else one(writing)
