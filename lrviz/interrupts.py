"""SIGTERM and SIGHUP handled like Ctrl-C: the run unwinds, its temporary files go, old outputs stay.

Python turns SIGINT into :class:`KeyboardInterrupt`, so every ``finally`` and
``except BaseException`` on the way out runs (an atomic write removes its temporary
file, a pool stops its workers). SIGTERM (``kill``, a CI runner's timeout, ``docker
stop``) and SIGHUP (a closed terminal) would kill the process where it stands instead,
leaving ``.lrviz-tmp-*`` files beside the output. The command line therefore raises
:class:`Interrupted` (a ``KeyboardInterrupt``) for them too (:func:`handle_termination`),
and exits ``128 + signal``, as a shell reports a process the signal killed.

A handler is installed only where the signal still has its default action: a run under
``nohup`` (SIGHUP ignored) keeps ignoring it. The library never installs handlers on
its own (a Python user's process is theirs); :func:`deferred` is for the few
instructions that must not be cut in two (the gallery's renames).
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

#: The signals that stop a run as Ctrl-C does.
STOPPING = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


class Interrupted(KeyboardInterrupt):
    """A stopping signal other than SIGINT, raised where the main thread stands."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


#: A stopping signal received and not yet seen through: the exception a handler raises can be
#: swallowed (Python ignores exceptions raised in its at-fork hooks, so a signal that lands
#: while the pool forks its workers would be lost); :func:`check` raises it again.
_pending: list[int] = []


def _raise(signum: int, frame: FrameType | None) -> None:
    _pending.append(signum)
    raise Interrupted(signum)


def check() -> None:
    """Raise :class:`Interrupted` for a stopping signal whose exception was swallowed; else nothing."""
    if _pending:
        raise Interrupted(_pending.pop())


def handled() -> None:
    """The interrupt reached the top (the command line reported it): nothing is pending any more."""
    _pending.clear()


def handle_termination() -> None:
    """Raise :class:`Interrupted` on SIGTERM and SIGHUP from now on (where they have their default action)."""
    for signum in STOPPING:
        if signum == signal.SIGINT:
            continue
        if signal.getsignal(signum) is signal.SIG_DFL:
            signal.signal(signum, _raise)


def exit_status(exc: KeyboardInterrupt) -> int:
    """128 + the signal (130 for Ctrl-C), as a shell reports it."""
    return 128 + (exc.signum if isinstance(exc, Interrupted) else signal.SIGINT)


def signal_name(exc: KeyboardInterrupt) -> str:
    return signal.Signals(exc.signum).name if isinstance(exc, Interrupted) else "SIGINT"


@contextmanager
def deferred() -> Iterator[None]:
    """Stopping signals wait (blocked) until the block is done; then one that came is delivered.

    Only the main thread can change what a signal does; elsewhere, and where the
    platform cannot block signals, the block runs as it is.
    """
    import threading

    mask = getattr(signal, "pthread_sigmask", None)
    if mask is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    old = mask(signal.SIG_BLOCK, STOPPING)
    try:
        yield
    finally:
        mask(signal.SIG_SETMASK, old)
