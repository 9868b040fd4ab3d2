"""A plain lr function as the schedule: ``function:train.py:get_lr`` or ``function:package.module:get_lr``.

nanoGPT, llm.c and many pretraining scripts have no scheduler object: the training
loop calls ``lr = get_lr(it)`` and writes it into every param group before
``optimizer.step()``. Here the function *is* the schedule, so lrviz calls it: the
:class:`LrFunction` it makes writes ``fn(0)`` into the param groups when built and
``fn(k)`` at the k-th step, exactly the value the training loop would set at
iteration k.

Calling it runs the user's code: the name is an import target
(:mod:`lrviz.registry.imports`), imported only with ``--trust``; without it the
refusal says why, and nothing is read or run. A function that misbehaves is stopped
with a message naming the step: it raises, returns something that is not a real
number (text, None, a complex, a tensor of many values), NaN or an infinity, a
negative lr, or runs past ``seconds_per_call`` (an endless loop; stopped by a timer
signal where lrviz runs it in a main thread, which the command line and its workers
do). What it prints is dropped (it would land in ``lrviz export``'s CSV on stdout).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lrviz.errors import ConfigError, TrustError, first_line
from lrviz.registry.adapter import StepAdapter
from lrviz.registry.kind import SchedulerInfo
from lrviz.registry.signature import Param
from lrviz.registry.writing import Code, Writing, train_step

PREFIX = "function:"
SECONDS_PER_CALL = 5.0


class CallTimeout(Exception):
    """The user's function ran past its time limit."""


class _Sink(io.TextIOBase):
    """Where the function's prints go: nowhere, whatever their size."""

    def write(self, s: str) -> int:
        return len(s)


@contextlib.contextmanager
def _limited(seconds: float) -> Iterator[None]:
    """Raise :class:`CallTimeout` in the call after ``seconds`` (a timer signal: main thread only)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise CallTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def call_lr(fn: Any, step: int, *, name: str, seconds: float = SECONDS_PER_CALL) -> float:
    """``fn(step)`` as a finite lr >= 0, or a :class:`ConfigError` saying what went wrong at which step."""
    where = f"{name}({step})"
    try:
        with _limited(seconds), contextlib.redirect_stdout(_Sink()), contextlib.redirect_stderr(_Sink()):
            value = fn(step)
    except CallTimeout:
        raise ConfigError(f"{where} ran past {seconds:g} s (an endless loop?); stopped", key="scheduler") from None
    except RecursionError:
        raise ConfigError(f"{where} raised RecursionError (endless recursion?)", key="scheduler") from None
    except (Exception, SystemExit) as exc:  # the user's code: any failure is theirs to see
        raise ConfigError(f"{where} raised {first_line(exc, with_type=True)}", key="scheduler") from None
    return _as_lr(value, where)


def _as_lr(value: Any, where: str) -> float:
    if hasattr(value, "item") and callable(value.item) and not isinstance(value, (int, float)):
        try:
            value = value.item()  # a 0-d tensor or numpy scalar: its number
        except Exception:
            raise ConfigError(
                f"{where} returned a {type(value).__name__} that is not one number", key="scheduler"
            ) from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        shown = repr(value) if isinstance(value, str) and len(value) <= 40 else f"a {type(value).__name__}"
        raise ConfigError(f"{where} returned {shown}; an lr function must return a number", key="scheduler")
    try:
        lr = float(value)
    except OverflowError:
        raise ConfigError(f"{where} returned an integer too large for a float", key="scheduler") from None
    if not math.isfinite(lr):
        raise ConfigError(f"{where} returned {lr!r}; an lr must be a finite number", key="scheduler")
    if lr < 0:
        raise ConfigError(
            f"{where} returned {lr!r}; an lr must be >= 0 (torch's optimizers refuse it)", key="scheduler"
        )
    return lr


class _Caller:
    """What :class:`StepAdapter` wraps: ``step()`` writes ``fn(k)`` into every param group."""

    def __init__(self, fn: Any, optimizer: Any, name: str, seconds: float):
        self.fn, self.optimizer, self.name, self.seconds = fn, optimizer, name, seconds
        self.it = 0
        self._write()

    def _write(self) -> None:
        lr = call_lr(self.fn, self.it, name=self.name, seconds=self.seconds)
        for group in self.optimizer.param_groups:
            group["lr"] = lr

    def step(self) -> None:
        self.it += 1
        self._write()

    def state_dict(self) -> dict[str, Any]:
        return {"it": self.it}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.it = int(state["it"])
        self._write()


class LrFunction(StepAdapter):
    """The training loop's ``lr = get_lr(it)``, as a scheduler lrviz steps."""

    def __init__(self, fn: Any, optimizer: Any, name: str, seconds: float = SECONDS_PER_CALL):
        super().__init__(_Caller(fn, optimizer, name, seconds), optimizer)

    def step(self, metric: Any = None) -> None:
        self.count += 1
        self.method()  # _Caller.step: fn(k) into every param group


class FunctionMaker:
    """``make(optimizer, seconds_per_call=...)``: imports the function (trusted already) and wraps it."""

    def __init__(self, target: str, base_dir: Path | None, fn: Any = None):
        self.target, self.base_dir, self._fn = target, base_dir, fn

    def __call__(self, optimizer: Any, seconds_per_call: float = SECONDS_PER_CALL) -> LrFunction:
        if self._fn is None:
            self._fn = _function(self.target, key=None, base_dir=self.base_dir, trust=True)
        return LrFunction(self._fn, optimizer, self.target.rpartition(":")[2], seconds_per_call)

    def __reduce__(self) -> tuple[Any, ...]:
        return (FunctionMaker, (self.target, self.base_dir))


def _function(target: str, *, key: str | None, base_dir: Path | None, trust: bool) -> Any:
    from lrviz.registry.imports import _import_target

    return _import_target(target, key=key, base_dir=base_dir, trust=trust)


class FunctionKind:
    """``function:<file.py or module>:<name>``: a function of the step that returns the lr (with --trust)."""

    name = "function"

    def claims(self, name: str) -> bool:
        return name.startswith(PREFIX)

    def lookup(self, name: str, *, key: str | None, base_dir: Path | None, trust: bool) -> SchedulerInfo:
        target = name[len(PREFIX) :]
        if not trust:
            left, _, fn_name = target.rpartition(":")
            raise TrustError(
                f"the schedule is {fn_name}() of {left!r}: lrviz would call it at every step, which runs that "
                "file's code; lrviz does that only with --trust (or LRVIZ_TRUST=1), and a file cannot grant trust "
                "itself (nothing was imported or run)",
                key=key,
            )
        fn = _function(target, key=key, base_dir=base_dir, trust=trust)
        return SchedulerInfo(
            name=name,
            kind=self.name,
            make=FunctionMaker(target, base_dir, fn),
            params=(Param("seconds_per_call", SECONDS_PER_CALL, float),),
            summary=f"lr = {target.rpartition(':')[2]}(step), the function itself (--trust)",
            doc=__doc__ or "",
        )

    def catalogue(self) -> dict[str, SchedulerInfo]:
        return {}

    def code(self, writing: Writing) -> Code:
        """The training loop's own ``lr = get_lr(it)``: the function imported as lrviz imports it (a file from
        its folder, which runs its top level, as ``--trust`` let lrviz do) and written into every param
        group at the top of each iteration (of each epoch, for ``interval: epoch``), where lrviz writes it."""
        from lrviz.registry.imports import parse_target

        left, attr, is_file = parse_target(writing.spec.name[len(PREFIX) :], key=writing.spec.key)
        var = attr.rpartition(".")[2]
        if not is_file:
            return Code(f"{left}.{attr}", imports=(f"import {left}",), var=var, loop=_loop(var, writing))
        path = writing.base_dir / left
        setup = f"module = importlib.import_module({json.dumps(path.stem)})  # runs {path.name}'s top level"
        return Code(
            f"module.{attr}",
            imports=("import importlib",),
            folder=path.parent,
            setup=(setup,),
            var=var,
            loop=_loop(var, writing),
        )


def _loop(fn: str, writing: Writing) -> tuple[str, ...]:
    """Every iteration: the lr it uses recorded, the update; ``fn`` called where the training loop calls it."""
    set_lr = [
        f"lr = {fn}(it)  # your loop's lr = {fn}(...), written into every param group",
        "for group in optimizer.param_groups:",
        '    group["lr"] = lr',
    ]
    if writing.every == 1:
        lines = [f"for it in range({writing.steps}):", *(f"    {line}" for line in set_lr)]
    else:  # interval: epoch: it counts epochs
        lines = [
            f"every = {writing.every}  # optimizer steps per epoch: the lr is set once an epoch",
            f"for step in range({writing.steps}):",
            "    if step % every == 0:",
            "        it = step // every",
            *(f"        {line}" for line in set_lr),
        ]
    return ("lrs = []", *lines, *(f"    {line}" for line in train_step(closure=writing.closure)))
