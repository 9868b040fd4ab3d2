"""lrviz: see a PyTorch learning-rate schedule before you spend a GPU-week on it.

From Python (a notebook, a training script), every function takes a *source*: a config
path, a mapping, a loaded Config, or your own scheduler factory ``make(optimizer) ->
scheduler``::

    import lrviz

    result = lrviz.simulate("configs/torch/steplr.yaml")      # the real torch scheduler, stepped
    result.lr()                                               # (steps,) float64: the lr at every step
    lrviz.plot(make_scheduler, "lr.png", steps=1000, like=optimizer)   # your function, a copy of your optimizer
    lrviz.check(make_scheduler, steps=1000, like=optimizer)   # resume round trip and lints: a list of findings
    lrviz.export("configs/torch/steplr.yaml", "steplr.csv")

Importing this package is cheap: the names below are loaded on first use (:data:`_LAZY`),
so torch and matplotlib are imported only when a function that needs them is called.

``lrviz.simulate``, ``lrviz.export`` and ``lrviz.check`` are the API's functions, also
once the modules of the same names (:mod:`lrviz.simulate`...) are imported: reach those
with ``from lrviz.simulate import ...`` (``import lrviz.simulate as m`` gives the function).
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from lrviz._version import __version__

if TYPE_CHECKING:  # what IDEs and type checkers see; at run time the names load lazily
    from lrviz.api.display import Result, options
    from lrviz.api.functions import check, export, plot, simulate
    from lrviz.api.source import Options, SchedulerFactory, Source
    from lrviz.check.findings import Finding
    from lrviz.errors import ConfigError, LrvizError, SimulationError
    from lrviz.spec import Config
    from lrviz.validate.load import load_config

#: Public name -> the module that defines it, imported on first use.
_LAZY = {
    "simulate": "lrviz.api.functions",
    "plot": "lrviz.api.functions",
    "check": "lrviz.api.functions",
    "export": "lrviz.api.functions",
    "Result": "lrviz.api.display",
    "options": "lrviz.api.display",
    "Source": "lrviz.api.source",
    "SchedulerFactory": "lrviz.api.source",
    "Options": "lrviz.api.source",
    "Finding": "lrviz.check.findings",
    "Config": "lrviz.spec",
    "load_config": "lrviz.validate.load",
    "LrvizError": "lrviz.errors",
    "ConfigError": "lrviz.errors",
    "SimulationError": "lrviz.errors",
}

__all__ = [  # every name of _LAZY, written out for tools
    "Config",
    "ConfigError",
    "Finding",
    "LrvizError",
    "Options",
    "Result",
    "SchedulerFactory",
    "SimulationError",
    "Source",
    "__version__",
    "check",
    "export",
    "load_config",
    "options",
    "plot",
    "simulate",
]


def __getattr__(name: str) -> Any:  # lazy: keep `import lrviz` (and `lrviz --help`) fast
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # once loaded, a plain attribute
        return value
    raise AttributeError(f"module 'lrviz' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


class _Package(types.ModuleType):
    """This package's module type: an API function keeps its name when its namesake module loads.

    Importing the submodule ``lrviz.simulate`` makes the import system set the package's
    attribute ``simulate`` to that module, which would hide the function
    ``lrviz.simulate``; the module stays in ``sys.modules``, where imports find it.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _LAZY and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
