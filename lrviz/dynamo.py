"""Building and stepping torch's optimizers without importing ``torch._dynamo``.

Why: ``import torch._dynamo`` costs about a second (more than ``import torch``), half of
a small ``lrviz plot``, and torch pays it at the first optimizer a process builds,
though nothing is ever compiled. Two places in ``torch.optim`` import it:

* ``Optimizer.add_param_group`` (called by every ``Optimizer.__init__``),
  ``state_dict``, ``load_state_dict`` and ``zero_grad`` are decorated with
  ``torch._disable_dynamo``. Its wrapper imports ``torch._dynamo`` at the first call to
  make ``torch._dynamo.disable(fn)``, caches that on the wrapped function as
  ``fn.__dynamo_disable``, and calls it. Outside compilation that wrapper only sets
  and restores "no frame callback", which is already the state, so calling ``fn``
  itself is the same call. :func:`no_dynamo_import` puts ``fn`` in that cache for
  the length of the block and takes it out again, so a later ``torch.compile`` in the
  same process finds torch exactly as it was.
* Every ``step`` built on ``_use_grad_for_differentiable`` runs ``import torch._dynamo``
  to call ``torch._dynamo.graph_break()``, an empty function outside compilation. For
  the block, ``sys.modules["torch._dynamo"]`` is a stand-in module whose
  ``graph_break`` is that empty function; any other name asked of it imports the real
  module (and removes the stand-in first), so nothing can see a partial
  ``torch._dynamo``.

Neither touches a value: the lr, momentum and every state torch keeps are computed by
the same torch code, and tests compare them bit for bit with a process that imports
``torch._dynamo``. Both rely on how torch 2.x writes those two wrappers, so both are
checked at run time against the installed torch, by the identity of the wrapper's
code object and the names it uses; when they differ (another torch), or when
``torch._dynamo`` is imported already (something compiles in this process), the block
changes nothing and torch imports ``torch._dynamo`` as it always did.
``tests/test_dynamo.py`` fails loudly when a torch release changes either wrapper.

**Only in lrviz's own command-line process.** The block does nothing until
:func:`enable_for_cli` is called, which ``lrviz.cli.main`` does first thing (forked
workers inherit it). Inside a user's process (the Python API in a training script, the
Sphinx directive) another thread or a ``like=`` optimizer's import could meet the
stand-in, and settings written to a second copy of ``torch._dynamo`` would never reach
dynamo: there lrviz leaves torch's internals alone and pays the import, as torch does.
Even in the CLI the stand-in is no package: importing a submodule of ``torch._dynamo``
while it is in place (``import torch._dynamo.config``) raises an ImportError that says
so, rather than loading that submodule twice.
"""

from __future__ import annotations

import functools
import sys
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

DYNAMO = "torch._dynamo"
#: What ``torch._disable_dynamo``'s wrapper caches its ``torch._dynamo.disable(fn)`` as.
CACHE = "__dynamo_disable"
#: The only attribute ``_use_grad_for_differentiable``'s wrapper reads from torch._dynamo.
STEP_NAMES = frozenset({"graph_break"})


def _probe() -> None:
    """A function to wrap, so the wrapper's code object can be compared (never called)."""


def _graph_break(msg: str = "") -> None:
    """``torch._dynamo.graph_break`` as it is outside compilation: nothing."""


@functools.cache
def disable_wrapper_code() -> types.CodeType | None:
    """The code of ``torch._disable_dynamo``'s wrapper, when it caches as this module expects."""
    try:
        from torch._compile import _disable_dynamo

        code = _disable_dynamo(_probe).__code__  # wrapping imports nothing; the call would
    except Exception:
        return None
    if CACHE not in code.co_names or "fn" not in code.co_freevars:
        return None
    return code


@functools.cache
def step_wrapper_code() -> types.CodeType | None:
    """The code of ``_use_grad_for_differentiable``'s wrapper, when it reads only ``graph_break``."""
    try:
        from torch.optim.optimizer import _use_grad_for_differentiable

        code = _use_grad_for_differentiable(_probe).__code__
    except Exception:
        return None
    if dynamo_attributes(code) != STEP_NAMES:
        return None
    return code


def dynamo_attributes(code: types.CodeType) -> frozenset[str] | None:
    """The attributes ``code`` reads from ``torch._dynamo`` (``torch._dynamo.X``), None when
    it uses the module otherwise (passes it on, imports names from it...)."""
    import dis

    names: set[str] = set()
    ins = list(dis.get_instructions(code))
    imported = ""
    for i, one in enumerate(ins):
        if one.opname == "IMPORT_NAME":
            imported = str(one.argval)
        if one.argval == "_dynamo" and one.opname in ("LOAD_ATTR", "LOAD_METHOD"):
            after = ins[i + 1] if i + 1 < len(ins) else None
            if after is None or after.opname not in ("LOAD_ATTR", "LOAD_METHOD"):
                return None
            names.add(str(after.argval))
        elif one.argval == "_dynamo" or (one.opname == "IMPORT_FROM" and imported.startswith(DYNAMO)):
            return None
    return frozenset(names)


def _disabled_functions(classes: tuple[type, ...]) -> Iterator[Callable[..., Any]]:
    """The functions wrapped by ``torch._disable_dynamo`` among these classes' methods."""
    code = disable_wrapper_code()
    if code is None:
        return
    where = code.co_freevars.index("fn")
    for cls in classes:
        for attr in vars(cls).values():
            if getattr(attr, "__code__", None) is code:
                wrapped = getattr(attr, "__wrapped__", None)
                if callable(wrapped) and attr.__closure__[where].cell_contents is wrapped:
                    yield wrapped


#: Whether :func:`no_dynamo_import` may touch torch: set by :func:`enable_for_cli` only.
_SCOPE = {"cli": False}


def enable_for_cli() -> None:
    """Let :func:`no_dynamo_import` act in this process: lrviz's command line only (see the module docstring)."""
    _SCOPE["cli"] = True


def enabled() -> bool:
    """Whether this process is lrviz's command line, where the shortcut acts."""
    return _SCOPE["cli"]


class _StandIn(types.ModuleType):
    """``torch._dynamo`` for a step's ``graph_break()``; any other name imports the real one;
    a submodule import is refused loudly (the stand-in is no package)."""

    graph_break = staticmethod(_graph_break)

    def __getattr__(self, name: str) -> Any:
        import importlib

        if name == "__path__":  # what the import system reads to import torch._dynamo.<sub>
            raise ImportError(
                "a submodule of torch._dynamo was imported while lrviz's command line had a stand-in for "
                "torch._dynamo in place (lrviz.dynamo, for one optimizer's construction or first step); "
                "import torch._dynamo before lrviz builds an optimizer",
                name=DYNAMO,
            )
        if sys.modules.get(DYNAMO) is self:
            del sys.modules[DYNAMO]
        return getattr(importlib.import_module(DYNAMO), name)


@contextmanager
def no_dynamo_import() -> Iterator[None]:
    """A block in which building an optimizer and its first ``step()`` import no ``torch._dynamo``.

    A no-op outside lrviz's command line (:func:`enable_for_cli`), when ``torch._dynamo``
    is imported already, or when the installed torch's wrappers are not the ones this
    module knows (see the module's docstring).
    """
    if not _SCOPE["cli"] or DYNAMO in sys.modules:
        yield
        return
    from torch.optim import Optimizer

    seeded = [fn for fn in _disabled_functions((Optimizer,)) if CACHE not in vars(fn)]
    for fn in seeded:
        setattr(fn, CACHE, fn)
    stand_in = None
    if step_wrapper_code() is not None:
        stand_in = _StandIn(DYNAMO, "torch._dynamo stand-in (lrviz.dynamo): graph_break only")
        sys.modules[DYNAMO] = stand_in
    try:
        yield
    finally:
        if stand_in is not None and sys.modules.get(DYNAMO) is stand_in:
            del sys.modules[DYNAMO]
        for fn in seeded:
            if vars(fn).get(CACHE) is fn:
                delattr(fn, CACHE)


def active() -> dict[str, bool]:
    """Which of the two avoidances the installed torch allows (for tests and benchmarks)."""
    return {"disable_wrapper": disable_wrapper_code() is not None, "step_wrapper": step_wrapper_code() is not None}
