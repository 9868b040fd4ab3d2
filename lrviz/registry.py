"""Which schedulers and optimizers exist, and what parameters they take.

Nothing here is a hard-coded list: torch's scheduler and optimizer classes are
discovered at run time from the installed torch, and their parameters, defaults and
types are read from their own signatures. That is what lets lrviz validate a config
with the key path of a mistake ("did you mean gamma?") for a torch release it has
never seen. Presets (:mod:`lrviz.presets`) and trusted import targets
(:mod:`lrviz.imports`) join the same registry so the rest of lrviz treats all three
alike.
"""

from __future__ import annotations

import collections.abc as cabc
import functools
import inspect
import sys
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lrviz.errors import ConfigError, describe, did_you_mean, key_join

_EMPTY = inspect.Parameter.empty
#: Parameters lrviz supplies itself, never read from a config.
_SUPPLIED = ("self", "optimizer", "params")


@dataclass(frozen=True)
class Param:
    name: str
    default: Any = _EMPTY
    hint: Any = None  # a typing object, or None when unknown

    @property
    def required(self) -> bool:
        return self.default is _EMPTY

    def describe_default(self) -> str:
        return "required" if self.required else repr(self.default)


@dataclass(frozen=True)
class SchedulerInfo:
    """Everything lrviz needs to know about one scheduler name."""

    name: str
    kind: str  # "torch" | "preset" | "import"
    factory: Callable[..., Any]  # factory(optimizer, **params) -> scheduler
    params: tuple[Param, ...]
    summary: str = ""
    doc: str = ""
    accepts_any: bool = False  # the factory takes **kwargs
    cls: type | None = None
    defaults_from: dict[str, Any] = field(default_factory=dict)  # values lrviz fills in (presets)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


# --------------------------------------------------------------------------- hints


def _hint_namespace() -> dict[str, Any]:
    import torch
    from torch.optim import lr_scheduler

    ns: dict[str, Any] = dict(vars(typing))
    ns.update({k: getattr(cabc, k) for k in dir(cabc) if not k.startswith("_")})
    ns.update(Tensor=torch.Tensor, Optimizer=torch.optim.Optimizer, LRScheduler=lr_scheduler.LRScheduler)
    return ns


def signature_params(fn: Callable, *, skip_first: bool = False) -> tuple[tuple[Param, ...], bool]:
    """Read (params, accepts **kwargs) from ``fn``'s signature, resolving string hints."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return (), True
    module = sys.modules.get(getattr(fn, "__module__", "") or "")
    ns = {**_hint_namespace(), **(vars(module) if module else {})}
    params: list[Param] = []
    accepts_any = False
    for i, p in enumerate(sig.parameters.values()):
        if p.kind is p.VAR_KEYWORD:
            accepts_any = True
            continue
        if p.kind is p.VAR_POSITIONAL or p.name in _SUPPLIED or (skip_first and i == 0):
            continue
        hint = p.annotation
        if hint is _EMPTY:
            hint = None
        elif isinstance(hint, str):
            try:
                hint = eval(hint, ns)  # noqa: S307 - annotations of installed torch / trusted code
            except Exception:
                hint = None
        params.append(Param(p.name, p.default, hint))
    return tuple(params), accepts_any


def _first_line(doc: str | None) -> str:
    for line in (doc or "").strip().splitlines():
        if line.strip():
            return line.strip()
    return ""


# --------------------------------------------------------------------------- discovery


@functools.cache
def torch_schedulers() -> dict[str, SchedulerInfo]:
    """Every public scheduler class of the installed torch, by name."""
    from torch.optim import lr_scheduler as L

    found: dict[str, SchedulerInfo] = {}
    for name, obj in sorted(vars(L).items()):
        if name.startswith("_") or not inspect.isclass(obj) or obj is L.LRScheduler:
            continue
        if not (issubclass(obj, L.LRScheduler) or name == "ReduceLROnPlateau"):
            continue
        params, accepts_any = signature_params(obj.__init__)

        def factory(optimizer, _cls=obj, **kwargs):
            return _cls(optimizer=optimizer, **kwargs)

        found[name] = SchedulerInfo(
            name=name, kind="torch", factory=factory, params=params, summary=_first_line(obj.__doc__),
            doc=inspect.cleandoc(obj.__doc__ or ""), accepts_any=accepts_any, cls=obj,
        )
    return found


@functools.cache
def torch_optimizers() -> dict[str, type]:
    import torch

    return {
        name: obj
        for name, obj in sorted(vars(torch.optim).items())
        if inspect.isclass(obj) and issubclass(obj, torch.optim.Optimizer) and obj is not torch.optim.Optimizer
    }


def presets() -> dict[str, SchedulerInfo]:
    from lrviz.presets import PRESETS

    out = {}
    for name, fn in PRESETS.items():
        params, accepts_any = signature_params(fn)
        out[name] = SchedulerInfo(
            name=name, kind="preset", factory=fn, params=params, summary=_first_line(fn.__doc__),
            doc=inspect.cleandoc(fn.__doc__ or ""), accepts_any=accepts_any,
        )
    return out


def is_import_target(name: str) -> bool:
    return ":" in name


def resolve(name: str, *, key: str, base_dir=None, trust: bool = False) -> SchedulerInfo:
    """Find ``name`` among torch classes, presets and (with trust) import targets."""
    if is_import_target(name):
        from lrviz.imports import load_target

        return load_target(name, key=key, base_dir=base_dir, trust=trust)
    table = torch_schedulers() if name[:1].isupper() else presets()
    if name in table:
        return table[name]
    everything = list(torch_schedulers()) + list(presets())
    raise ConfigError(
        f"unknown scheduler {name!r}{did_you_mean(name, everything)}; run 'lrviz list' to see all "
        "(CamelCase: torch classes, lower-case: presets, 'module:Name' or 'file.py:Name' with --trust)",
        key=key,
    )


# --------------------------------------------------------------------------- value checking

_SCHEDULER_SPEC_KEYS = ("scheduler", "params")


def _is_scheduler_hint(hint: Any) -> bool:
    from torch.optim.lr_scheduler import LRScheduler

    return inspect.isclass(hint) and issubclass(hint, LRScheduler)


def describe_hint(hint: Any) -> str:
    origin = typing.get_origin(hint)
    if hint is None or hint is Any:
        return "any value"
    if hint is bool:
        return "true or false"
    if hint is int:
        return "an integer"
    if hint is float:
        return "a number"
    if hint is str:
        return "text"
    if hint is type(None):
        return "null"
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(hint))
    if origin in (types.UnionType, typing.Union):
        arms = [describe_hint(a) for a in typing.get_args(hint) if not _is_tensor(a)]
        return " or ".join(dict.fromkeys(arms))
    if origin in (list, tuple, cabc.Iterable, cabc.Sequence):
        args = typing.get_args(hint)
        return f"a list of {describe_hint(args[0])}" if args else "a list"
    if origin is cabc.Callable or hint is cabc.Callable:
        return 'an expression such as "0.95 ** epoch"'
    if _is_scheduler_hint(hint):
        return "a scheduler spec {scheduler: Name, params: {...}}"
    return getattr(hint, "__name__", str(hint))


def _is_tensor(hint: Any) -> bool:
    import torch

    return hint is torch.Tensor


class _Mismatch(Exception):
    pass


def coerce(value: Any, hint: Any, key: str, ctx: "BuildContext") -> Any:
    """Check ``value`` against ``hint`` and convert it for torch.

    With ``ctx.optimizer`` None this only validates; with an optimizer it also builds
    nested schedulers and fresh expression functions, so each build is independent.
    """
    try:
        return _coerce(value, hint, key, ctx)
    except _Mismatch:
        raise ConfigError(f"expected {describe_hint(hint)}, got {describe(value)}", key=key) from None


def _coerce(value: Any, hint: Any, key: str, ctx: "BuildContext") -> Any:
    origin = typing.get_origin(hint)
    if hint is None or hint is Any or _is_tensor(hint):
        return value
    if origin in (types.UnionType, typing.Union):
        arms = [a for a in typing.get_args(hint) if not _is_tensor(a)]
        errors = []
        for arm in arms:
            try:
                return _coerce(value, arm, key, ctx)
            except _Mismatch:
                continue
            except ConfigError as exc:  # the right shape but a bad value inside: report that
                errors.append(exc)
        if errors:
            raise errors[0]
        raise _Mismatch
    if hint is type(None):
        if value is None:
            return None
        raise _Mismatch
    if hint is bool:
        if isinstance(value, bool):
            return value
        raise _Mismatch
    if hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise _Mismatch
    if hint is float:
        # NaN is never a meaningful setting: it would only turn every later lr into NaN
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value == value and (
            isinstance(value, float) or abs(value) <= sys.float_info.max  # an int torch can make a float of
        ):
            return value
        raise _Mismatch
    if hint is str:
        if isinstance(value, str):
            return value
        raise _Mismatch
    if origin is typing.Literal:
        if value in typing.get_args(hint) and not isinstance(value, bool):
            return value
        raise _Mismatch
    if origin is cabc.Callable or hint is cabc.Callable:
        if isinstance(value, str) or (isinstance(value, (int, float)) and not isinstance(value, bool)):
            from lrviz.expr import compile_expression

            return compile_expression(value, key=key)
        raise _Mismatch
    if _is_scheduler_hint(hint):
        if isinstance(value, dict) and "scheduler" in value:
            return build_or_check_nested(value, key, ctx)
        raise _Mismatch
    if origin in (list, tuple, cabc.Iterable, cabc.Sequence) or hint in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise _Mismatch
        args = typing.get_args(hint)
        if origin is tuple and args and args[-1] is not Ellipsis:
            if len(value) != len(args):
                raise ConfigError(f"expected a list of {len(args)} values, got {len(value)}", key=key)
            return tuple(coerce(v, a, key_join(key, i), ctx) for i, (v, a) in enumerate(zip(value, args)))
        inner = args[0] if args else None
        items = [coerce(v, inner, key_join(key, i), ctx) for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    return value


# --------------------------------------------------------------------------- specs


@dataclass
class BuildContext:
    """What building a scheduler may need beyond its params."""

    scheduler_steps: int  # default for presets' num_training_steps
    base_dir: Any = None
    trust: bool = False
    optimizer: Any = None  # None: validate only
    depth: int = 0


def build_or_check_nested(spec: dict, key: str, ctx: BuildContext) -> Any:
    """A nested ``{scheduler, params}`` (SequentialLR / ChainedScheduler children)."""
    from lrviz.config import MAX_NESTING

    for k in spec:
        if k not in _SCHEDULER_SPEC_KEYS:
            raise ConfigError(
                f"unknown key {k!r}{did_you_mean(str(k), _SCHEDULER_SPEC_KEYS)}; a nested scheduler has only "
                "'scheduler' and 'params'",
                key=key_join(key, str(k)),
            )
    if ctx.depth >= MAX_NESTING:
        raise ConfigError(f"schedulers nested more than {MAX_NESTING} levels deep", key=key)
    name = spec.get("scheduler")
    if not isinstance(name, str):
        raise ConfigError(f"expected a scheduler name, got {describe(name)}", key=key_join(key, "scheduler"))
    params = spec.get("params") or {}
    if not isinstance(params, dict):
        raise ConfigError(f"expected a mapping, got {describe(params)}", key=key_join(key, "params"))
    inner = BuildContext(ctx.scheduler_steps, ctx.base_dir, ctx.trust, ctx.optimizer, ctx.depth + 1)
    return build_scheduler(name, params, key=key, ctx=inner)


def check_params(info: SchedulerInfo, params: dict, key: str, ctx: BuildContext) -> dict:
    """Validate ``params`` against the scheduler's signature; return torch-ready kwargs."""
    pkey = key_join(key, "params")
    names = [p.name for p in info.params]
    out: dict[str, Any] = {}
    for name, value in params.items():
        if not isinstance(name, str):
            raise ConfigError(f"parameter names must be text, got {describe(name)}", key=pkey)
        p = info.param(name)
        if p is None:
            if info.accepts_any:
                out[name] = value
                continue
            raise ConfigError(
                f"unknown parameter {name!r}{did_you_mean(name, names)}; {info.name} takes: "
                + (", ".join(names) or "no parameters"),
                key=key_join(pkey, name),
            )
        out[name] = coerce(value, p.hint, key_join(pkey, name), ctx)
    for p in info.params:
        if p.name in out:
            continue
        if p.name in info.defaults_from:
            continue
        if p.name == "num_training_steps" and (info.kind == "preset" or (info.kind == "import" and p.required)):
            out[p.name] = ctx.scheduler_steps
            continue
        if p.required:
            raise ConfigError(
                f"missing required parameter {p.name!r} ({info.name} needs {describe_hint(p.hint)} there)",
                key=key_join(pkey, p.name),
            )
    return out


def build_scheduler(name: str, params: dict, *, key: str, ctx: BuildContext) -> Any:
    """The one place a scheduler is made from a spec (validation-only without optimizer)."""
    info = resolve(name, key=key_join(key, "scheduler"), base_dir=ctx.base_dir, trust=ctx.trust)
    kwargs = check_params(info, params, key, ctx)
    if ctx.optimizer is None:
        return info
    from lrviz.errors import LrvizError, SimulationError, first_line

    try:
        return info.factory(ctx.optimizer, **kwargs)
    except LrvizError:  # already located, e.g. an lr_lambda failing when torch calls it at step 0
        raise
    except Exception as exc:  # torch validates its own arguments: translate
        from lrviz.hints import translate

        where, message = translate(first_line(exc))
        raise SimulationError(f"{info.name} refused these params: {message}", key=key_join(key, where or "params")) from exc


def validate_schedule(config, schedule) -> None:
    """Check a schedule of a config without building anything (config load time)."""
    ctx = BuildContext(config.scheduler_steps(schedule), config.base_dir, config.trust)
    info = build_scheduler(schedule.scheduler, schedule.params, key=schedule.key, ctx=ctx)
    if schedule.metric is not None and info.kind != "import" and info.name != "ReduceLROnPlateau":
        # simulate passes a metric to step(), which every other torch scheduler reads as
        # step(epoch): a silently wrong schedule (and a deprecation warning), so refuse it
        raise ConfigError(
            f"{info.name} does not take a metric (only ReduceLROnPlateau does); remove 'metric'",
            key=key_join(schedule.key, "metric"),
        )
    if schedule.metric is not None:
        from lrviz.metric import check_metric

        check_metric(schedule.metric, key_join(schedule.key, "metric"), config, schedule)
    elif schedule.scheduler == "ReduceLROnPlateau":
        raise ConfigError(
            "ReduceLROnPlateau needs a 'metric': a list of values, {expr: ..., noise: ..., seed: ...} "
            "or {csv: file, column: name}",
            key=key_join(schedule.key, "metric"),
        )


# --------------------------------------------------------------------------- optimizers


def check_optimizer_kwargs(name: Any, kwargs: dict, key: str, *, group: bool = False) -> str:
    """Validate optimizer (or param-group) keywords against the optimizer's signature."""
    optimizers = torch_optimizers()
    if not isinstance(name, str) or name not in optimizers:
        shown = name if isinstance(name, str) else describe(name)
        raise ConfigError(
            f"unknown optimizer {shown!r}{did_you_mean(str(name), optimizers)}; allowed: {', '.join(optimizers)}",
            key=key_join(key, "name"),
        )
    params, _ = signature_params(optimizers[name].__init__)
    names = [p.name for p in params]
    ctx = BuildContext(0)
    for k in list(kwargs):
        p = next((p for p in params if p.name == k), None)
        if p is None:
            raise ConfigError(
                f"unknown {name} keyword {k!r}{did_you_mean(str(k), names)}; allowed: {', '.join(names)}",
                key=key_join(key, str(k)),
            )
        kwargs[k] = coerce(kwargs[k], p.hint, key_join(key, k), ctx)
    return name
