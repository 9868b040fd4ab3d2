"""lrviz: see a PyTorch learning-rate schedule before you spend a GPU-week on it.

The pipeline, usable from Python without the CLI::

    from lrviz import load_config
    from lrviz.simulate import simulate
    cfg = load_config("configs/torch/steplr.yaml")      # or a dict
    result = simulate(cfg)                              # the real torch scheduler, stepped
    result.trajectories[0].lr                           # (steps, groups) float64

Rendering, export and checks live in :mod:`lrviz.render`, :mod:`lrviz.export` and
:mod:`lrviz.check`. Importing this package is cheap: torch and matplotlib are loaded
only when a function that needs them is called.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "load_config"]


def __getattr__(name: str) -> Any:  # lazy: keep `import lrviz` (and `lrviz --help`) fast
    if name == "load_config":
        from lrviz.validate import load_config

        return load_config
    raise AttributeError(name)
