"""A command's start-up: the cycle collector paused while torch and matplotlib load, and
matplotlib loaded beside torch.

Why: a small ``lrviz plot`` is mostly imports (torch about 0.9 s, matplotlib about
0.35 s, of about 1.6 s). Importing them creates a few hundred thousand objects that
live as long as the process, and CPython's cycle collector runs a full collection each
time the long-lived objects grow by a quarter, so it scans them again and again while
they load: about 0.25 s of that run (benchmarks/RESULTS.md). The CLI pauses the
collector from its start (:func:`pause`, in ``lrviz.cli.main``); once a command has
loaded its configs, and so torch, :func:`settle` freezes what is loaded
(``gc.freeze``: never scanned again, as it lives until exit anyway) and turns the
collector back on, so a long run collects its own objects as before.

:func:`preload` imports modules a command will need (matplotlib for ``plot``) in a
background thread while the main thread imports torch: about 0.1 s more, with numpy
imported first in the main thread so that the two never wait on one module.

Only the CLI does any of this: a process that imports lrviz as a library keeps its own
collector settings and imports.
"""

from __future__ import annotations

import gc
import importlib
import threading
from collections.abc import Sequence

_state: dict[str, object] = {"paused": False, "thread": None}
#: What drawing a figure imports (the most of it): loaded beside torch by ``plot`` and ``gallery``.
RENDER_MODULES = ("matplotlib.figure", "matplotlib.backends.backend_agg")


def pause() -> None:
    """Stop automatic cycle collection until :func:`settle` (a no-op if already stopped)."""
    if gc.isenabled():
        gc.disable()
        _state["paused"] = True


def preload(modules: Sequence[str]) -> None:
    """Import ``modules`` in a background thread; :func:`settle` waits for it.

    An import that fails here is left alone: the command's own import of the module
    raises it where it is handled.
    """
    if _state["thread"] is not None or not modules:
        return
    try:
        import numpy  # noqa: F401 - first, here: torch and matplotlib both import it
    except ImportError:
        return

    def run() -> None:
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception:  # the command's own import reports it
                return

    thread = threading.Thread(target=run, name="lrviz-preload")  # not a daemon: exit waits for it
    _state["thread"] = thread
    thread.start()


def settle() -> None:
    """Wait for :func:`preload`, freeze what is loaded, and collect cycles again if :func:`pause` stopped it."""
    thread = _state["thread"]
    if isinstance(thread, threading.Thread):
        thread.join()
        _state["thread"] = None
    if _state["paused"]:
        gc.freeze()
        gc.enable()
        _state["paused"] = False


def load(here: Sequence[str], beside: Sequence[str] = ()) -> None:
    """Import ``here`` in this thread while ``beside`` loads in another, then :func:`settle`.

    For a command that forks workers (the gallery): they start with everything loaded
    and frozen, instead of each importing torch and matplotlib again (1.3 s of CPU a
    worker, which a busy machine pays in wall time).
    """
    preload(beside)
    for name in here:
        try:
            importlib.import_module(name)
        except Exception:  # the command's own import reports it
            break
    settle()
