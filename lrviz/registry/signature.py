"""What a scheduler (or optimizer) takes, read from its own signature.

Names, defaults and annotations come from ``inspect.signature`` of the installed
class or function, so a torch release lrviz has never seen is described correctly.
The annotations serve *messages* ("expected a number, got [1, 2]") and the few
conversions lrviz makes for YAML's sake; they never decide what is allowed: torch's
annotations are narrower than what torch does (``base_momentum: float`` takes one
value per param group), and torch itself is the judge (see :mod:`lrviz.validate.verdict`).
"""

from __future__ import annotations

import collections.abc as cabc
import inspect
import sys
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

EMPTY = inspect.Parameter.empty
#: Parameters lrviz supplies itself, never read from a config.
SUPPLIED = ("self", "optimizer", "params")


@dataclass(frozen=True)
class Param:
    """One keyword a scheduler or optimizer takes."""

    name: str
    default: Any = EMPTY
    hint: Any = None  # a typing object, or None when unknown

    @property
    def required(self) -> bool:
        return self.default is EMPTY

    def describe_default(self) -> str:
        return "required" if self.required else repr(self.default)


def _hint_namespace() -> dict[str, Any]:
    import torch
    from torch.optim import lr_scheduler

    ns: dict[str, Any] = dict(vars(typing))
    ns.update({k: getattr(cabc, k) for k in dir(cabc) if not k.startswith("_")})
    ns.update(Tensor=torch.Tensor, Optimizer=torch.optim.Optimizer, LRScheduler=lr_scheduler.LRScheduler)
    return ns


def _resolve_hint(hint: Any, ns: dict[str, Any]) -> Any:
    if hint is EMPTY:
        return None
    if isinstance(hint, str):
        try:
            return eval(hint, ns)  # noqa: S307 - annotations of installed torch / trusted code
        except Exception:
            return None
    return hint


def signature_params(fn: Callable[..., Any], *, skip_first: bool = False) -> tuple[tuple[Param, ...], bool]:
    """Read (params, accepts ``**kwargs``) from ``fn``'s signature, resolving string hints."""
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
        if p.kind is p.VAR_POSITIONAL or p.name in SUPPLIED or (skip_first and i == 0):
            continue
        params.append(Param(p.name, p.default, _resolve_hint(p.annotation, ns)))
    return tuple(params), accepts_any


def takes_positional(fn: Callable[..., Any]) -> bool:
    """Whether ``fn`` accepts at least one positional argument (an optimizer, timm's epoch).

    Builtins and C types whose signature cannot be read are given the benefit of the
    doubt: the call decides.
    """
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return True
    return any(
        p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL) for p in sig.parameters.values()
    )


def first_doc_line(doc: str | None) -> str:
    """The first non-empty line of a docstring: the one-line summary ``lrviz list`` shows."""
    for line in (doc or "").strip().splitlines():
        if line.strip():
            return line.strip()
    return ""


# --------------------------------------------------------------------------- reading hints


def arms(hint: Any) -> tuple[Any, ...]:
    """The alternatives of a union (``float | list[float]``), or the hint itself."""
    if typing.get_origin(hint) in (types.UnionType, typing.Union):
        return typing.get_args(hint)
    return (hint,)


def is_tensor(hint: Any) -> bool:
    import torch

    return hint is torch.Tensor


def is_scheduler_hint(hint: Any) -> bool:
    """The hint names a torch scheduler class (SequentialLR's ``schedulers`` items)."""
    from torch.optim.lr_scheduler import LRScheduler

    return inspect.isclass(hint) and issubclass(hint, LRScheduler)


def is_callable_hint(hint: Any) -> bool:
    return hint is cabc.Callable or typing.get_origin(hint) is cabc.Callable


def is_sequence_hint(hint: Any) -> bool:
    return typing.get_origin(hint) in (list, tuple, cabc.Iterable, cabc.Sequence) or hint in (list, tuple)


def item_hint(hint: Any) -> Any:
    """The element hint of ``list[X]`` / ``Sequence[X]`` / ``tuple[X, ...]`` (None when unknown)."""
    args = typing.get_args(hint)
    return args[0] if args else None


def describe_hint(hint: Any) -> str:
    """The hint as people read it: 'a number', 'a list of an integer', "one of 'min', 'max'"."""
    origin = typing.get_origin(hint)
    simple = {bool: "true or false", int: "an integer", float: "a number", str: "text", type(None): "null"}
    if hint is None or hint is Any:
        return "any value"
    if isinstance(hint, type) and hint in simple:
        return simple[hint]
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(hint))
    if origin in (types.UnionType, typing.Union):
        described = [describe_hint(a) for a in typing.get_args(hint) if not is_tensor(a)]
        return " or ".join(dict.fromkeys(described))
    if is_sequence_hint(hint):
        inner = item_hint(hint)
        return f"a list of {describe_hint(inner)}" if inner is not None else "a list"
    if is_callable_hint(hint):
        return 'an expression such as "0.95 ** epoch"'
    if is_scheduler_hint(hint):
        return "a scheduler spec {scheduler: Name, params: {...}}"
    return str(getattr(hint, "__name__", hint))
