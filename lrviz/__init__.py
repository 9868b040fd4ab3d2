"""lrviz: see a PyTorch learning-rate schedule before you spend a GPU-week on it.

The pipeline, usable from Python without the CLI::

    from lrviz import load_config
    from lrviz.simulate import simulate
    cfg = load_config("configs/torch/steplr.yaml")      # or a dict
    result = simulate(cfg)                              # the real torch scheduler, stepped
    result.trajectories[0].lr                           # (steps, groups) float64

Rendering, export and checks live in :mod:`lrviz.render`, :mod:`lrviz.export` and
:mod:`lrviz.check`. Importing this package is cheap: the names below are loaded on
first use (:data:`_LAZY`), so torch and matplotlib are imported only when a function
that needs them is called.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from lrviz._version import __version__

if TYPE_CHECKING:  # what IDEs and type checkers see; at run time the names load lazily
    from lrviz.validate.load import load_config

#: Public name -> the module that defines it, imported on first use.
_LAZY = {"load_config": "lrviz.validate.load"}

__all__ = ["__version__", "load_config"]  # every name of _LAZY, written out for tools


def __getattr__(name: str) -> Any:  # lazy: keep `import lrviz` (and `lrviz --help`) fast
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'lrviz' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
