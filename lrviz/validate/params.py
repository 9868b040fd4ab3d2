"""A scheduler's (or optimizer's) params against its signature, resolved for torch.

What lrviz decides here: the names (unknown ones are refused with "did you mean",
missing required ones are refused), nesting (``{scheduler, params}`` children, at most
:data:`~lrviz.limits.MAX_NESTING` deep), expressions (``lr_lambda`` text is checked
arithmetic, never code) and the run's length for parameters a kind fills in.

What lrviz does *not* decide is whether a value's type is acceptable: torch is the
judge. A value is converted only where YAML cannot say what torch needs (a nested
spec becomes a scheduler, an expression a function, a list a tuple where a tuple is
annotated, ``1e3`` -- a float to YAML -- an int where an int is annotated). A value
the annotation does not describe (``base_momentum: [0.85, 0.9]`` against
``base_momentum: float``) is passed to torch as written with a :class:`~lrviz.spec.Note`,
and :mod:`lrviz.validate.verdict` asks torch about it.
"""

from __future__ import annotations

import inspect
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lrviz.errors import ConfigError, UnknownKey, describe, did_you_mean, key_join, suggestions
from lrviz.limits import MAX_NESTING
from lrviz.parse.expr import Expression, check_expression
from lrviz.parse.yamlio import MAX_INT_CHARS
from lrviz.registry import SchedulerInfo, resolve
from lrviz.registry.signature import (
    Param,
    arms,
    describe_hint,
    is_callable_hint,
    is_scheduler_hint,
    is_sequence_hint,
    is_tensor,
)
from lrviz.spec import Note, SchedulerSpec
from lrviz.validate.collect import Collector
from lrviz.validate.foreign import hint as foreign_hint

#: The keys of a nested scheduler spec.
SPEC_KEYS = ("scheduler", "params")


@dataclass(frozen=True)
class Facts:
    """What resolving a spec needs besides the spec itself."""

    scheduler_steps: int  # scheduler.step() calls in the run (the presets' num_training_steps)
    base_dir: Path | None = None  # where import targets' file paths start
    trust: bool = False  # import targets allowed
    steps: int = 0  # optimizer steps in the run
    steps_per_epoch: int = 1


def resolve_scheduler(name: str, params: dict[str, Any], key: str, facts: Facts, depth: int = 0) -> SchedulerSpec:
    """``scheduler: name`` with ``params`` at ``key`` -> a :class:`SchedulerSpec` (nested ones included)."""
    info = resolve(name, key=key_join(key, "scheduler"), base_dir=facts.base_dir, trust=facts.trust)
    pkey = key_join(key, "params")
    kwargs: dict[str, Any] = {}
    notes: list[Note] = []
    problems = Collector()  # every parameter is checked; all their errors are reported
    for pname, value in params.items():
        with problems:
            kwargs[pname] = _param_value(info, pname, value, pkey, notes, facts, depth)
    with problems:
        filled = _fill(info, kwargs, pkey, facts, written=set(params))
    problems.raise_if_any()
    return SchedulerSpec(info.name, info.kind, info.make, kwargs, key, frozenset(filled), tuple(notes))


def _param_value(
    info: SchedulerInfo, pname: Any, value: Any, pkey: str, notes: list[Note], facts: Facts, depth: int
) -> Any:
    """One ``params`` entry: a parameter the scheduler takes, its value as torch gets it."""
    if not isinstance(pname, str):
        raise ConfigError(f"parameter names must be text, got {describe(pname)}", key=pkey)
    param = info.param(pname)
    if param is None and not info.accepts_any:
        names = [p.name for p in info.params]
        raise UnknownKey(
            f"unknown parameter {pname!r}{foreign_hint(pname, names)}; {info.name} takes: "
            + (", ".join(names) or "no parameters"),
            key=key_join(pkey, pname),
        )
    hint = param.hint if param is not None else None
    return convert(value, hint, key_join(pkey, pname), notes, facts, depth)


def _fill(info: SchedulerInfo, kwargs: dict[str, Any], pkey: str, facts: Facts, written: set[Any]) -> list[str]:
    """Fill the run's facts into the kind's ``fills`` params; refuse missing required ones (each of them).

    ``written``: the params the config wrote, valid or not (a parameter written with a bad
    value is reported for its value, not again as missing)."""
    filled = []
    problems = Collector()
    for p in info.params:
        if p.name in kwargs or p.name in written:
            continue
        if p.name in info.fills and not any(k in written for k in info.fill_unless.get(p.name, ())):
            kwargs[p.name] = getattr(facts, info.fills[p.name])
            filled.append(p.name)
        elif p.required and not suggestions(p.name, [str(w) for w in written if info.param(str(w)) is None]):
            # (a misspelt name close to it is reported as unknown: the typo says it all)
            problems.add(
                ConfigError(
                    f"missing required parameter {p.name!r} ({info.name} needs {describe_hint(p.hint)} there)",
                    key=key_join(pkey, p.name),
                )
            )
    problems.raise_if_any()
    return filled


def resolve_nested(spec: dict[str, Any], key: str, facts: Facts, depth: int) -> SchedulerSpec:
    """A nested ``{scheduler, params}`` (SequentialLR / ChainedScheduler children)."""
    for k in spec:
        if k not in SPEC_KEYS:
            raise UnknownKey(
                f"unknown key {k!r}{did_you_mean(str(k), SPEC_KEYS)}; a nested scheduler has only "
                "'scheduler' and 'params'",
                key=key_join(key, str(k)),
            )
    if depth >= MAX_NESTING:
        raise ConfigError(f"schedulers nested more than {MAX_NESTING} levels deep", key=key)
    name = spec.get("scheduler")
    if not isinstance(name, str):
        raise ConfigError(f"expected a scheduler name, got {describe(name)}", key=key_join(key, "scheduler"))
    params = spec.get("params") or {}
    if not isinstance(params, dict):
        raise ConfigError(f"expected a mapping, got {describe(params)}", key=key_join(key, "params"))
    return resolve_scheduler(name, params, key, facts, depth + 1)


# --------------------------------------------------------------------------- values

_NO = object()  # "this arm of the hint does not describe the value"


#: The largest integer a param may hold: what the YAML reader admits (MAX_INT_CHARS digits), so a
#: mapping from Python cannot carry one that Python refuses to print (4300 digits) into an export.
_MAX_INT_BITS = (10**MAX_INT_CHARS).bit_length()


def _refuse_huge_ints(value: Any, key: str) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > _MAX_INT_BITS:
        raise ConfigError(
            f"an integer of about {int(value.bit_length() * 0.30103)} digits; at most {MAX_INT_CHARS}", key=key
        )
    if isinstance(value, (list, tuple)):
        for item in value:
            _refuse_huge_ints(item, key)


def convert(value: Any, hint: Any, key: str, notes: list[Note], facts: Facts, depth: int = 0) -> Any:
    """``value`` as torch gets it, noting (not refusing) a value the hint does not describe."""
    _refuse_huge_ints(value, key)
    out, fits = _convert(value, hint, key, facts, depth)
    if not fits:
        notes.append(Note(key, describe_hint(hint), describe(value)))
    return out


def _convert(value: Any, hint: Any, key: str, facts: Facts, depth: int) -> tuple[Any, bool]:
    """Try each arm of the hint (``float | list[float]``) in order: the first that describes
    the value converts it. When none does, the value is converted as far as its shape
    allows (the items of a list, say) and reported as not described."""
    fallback = _NO
    for arm in arms(hint):
        out, fits = _convert_arm(value, arm, key, facts, depth)
        if fits:
            return out, True
        if fallback is _NO and out is not _NO:
            fallback = out
    return (value if fallback is _NO else fallback), False


def _convert_arm(value: Any, arm: Any, key: str, facts: Facts, depth: int) -> tuple[Any, bool]:
    """(converted value or _NO when the shape differs, whether ``arm`` describes it)."""
    if arm is None or arm is Any or is_tensor(arm):
        return value, True
    if is_scheduler_hint(arm):
        if isinstance(value, dict) and "scheduler" in value:
            return resolve_nested(value, key, facts, depth), True
        return _NO, False
    if is_callable_hint(arm):
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return check_expression(value, key=key), True
        return (value, True) if callable(value) or isinstance(value, Expression) else (_NO, False)
    if is_sequence_hint(arm):
        return _convert_sequence(value, arm, key, facts, depth)
    if typing.get_origin(arm) is typing.Literal:
        return value, not isinstance(value, bool) and value in typing.get_args(arm)
    if arm is int and isinstance(value, float) and value.is_integer():
        return int(value), True  # YAML reads 1e3 as a float; torch counts in ints
    if inspect.isclass(arm):
        return value, _is_instance(value, arm)
    return value, True


def _is_instance(value: Any, cls: type) -> bool:
    if isinstance(value, bool) and cls is not bool:
        return False  # true is not a number to a config reader, whatever Python says
    if cls is float:
        return isinstance(value, (int, float))  # an int is a number to torch
    return isinstance(value, cls)


def _convert_sequence(value: Any, arm: Any, key: str, facts: Facts, depth: int) -> tuple[Any, bool]:
    if not isinstance(value, (list, tuple)):
        return _NO, False
    args = typing.get_args(arm)
    fixed = typing.get_origin(arm) is tuple and args and args[-1] is not Ellipsis
    if fixed and len(value) != len(args):
        return _NO, False
    item_hints = list(args) if fixed else [args[0] if args else None] * len(value)
    items, fits = [], True
    for i, (v, h) in enumerate(zip(value, item_hints, strict=True)):
        out, ok = _convert(v, h, key_join(key, i), facts, depth)
        items.append(out)
        fits = fits and ok
    return (tuple(items) if typing.get_origin(arm) is tuple else items), fits


def check_signature_kwargs(
    owner: str, params: tuple[Param, ...], kwargs: dict[str, Any], key: str, notes: list[Note]
) -> dict[str, Any]:
    """Optimizer (or param-group) keywords against the optimizer's signature: names, then values."""
    names = [p.name for p in params]
    out: dict[str, Any] = {}
    facts = Facts(scheduler_steps=0)
    problems = Collector()
    for k, value in kwargs.items():
        with problems:
            p = next((p for p in params if p.name == k), None)
            if p is None:
                raise UnknownKey(
                    f"unknown {owner} keyword {k!r}{foreign_hint(str(k), names)}; allowed: {', '.join(names)}",
                    key=key_join(key, str(k)),
                )
            out[k] = convert(value, p.hint, key_join(key, k), notes, facts)
    problems.raise_if_any()
    return out
