"""Validate: a YAML config (or a mapping) -> a checked, resolved :class:`~lrviz.spec.Config`.

The one place a config is checked, once, before a single tensor of the run is
allocated. Every mistake is reported with the key path that holds it. The entry is
:func:`load_config` (:mod:`~lrviz.validate.load`: read the file, apply the command
line's overrides, run the checks); the checks, in order:

* :mod:`~lrviz.validate.document`: the top level (steps, device, the schedule list);
* :mod:`~lrviz.validate.optimizer`: the optimizer class, its keywords, param groups;
* :mod:`~lrviz.validate.schedule` and :mod:`~lrviz.validate.params`: each schedule's
  scheduler, resolved in the registry, and its params against the signature;
* :mod:`~lrviz.validate.metric`: ReduceLROnPlateau's metric;
* :mod:`~lrviz.validate.plot` and :mod:`~lrviz.validate.sweep`: the ``plot:`` and
  ``sweep:`` blocks (sweeps are applied by :func:`apply_sweeps`);
* :mod:`~lrviz.validate.verdict`: torch's own verdict on any value its annotations do
  not describe. torch is the judge: lrviz never refuses a value torch takes.

The result carries converted values (nested specs, checked expressions), so building
a scheduler (:mod:`lrviz.build`) never validates again.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what IDEs and type checkers see; at run time each name loads on first use
    from lrviz.validate.load import load_config, trust_from_env, validate_config
    from lrviz.validate.plot import PlotOptions
    from lrviz.validate.schedule import schedule_in
    from lrviz.validate.sweep import apply_sweeps, parse_cli_sweep

#: Public name -> its module. Loaded on first use, so importing one part of the package
#: (render needs only :mod:`~lrviz.validate.plot`) does not import all of it.
_LAZY = {
    "load_config": "lrviz.validate.load",
    "trust_from_env": "lrviz.validate.load",
    "validate_config": "lrviz.validate.load",
    "PlotOptions": "lrviz.validate.plot",
    "schedule_in": "lrviz.validate.schedule",
    "apply_sweeps": "lrviz.validate.sweep",
    "parse_cli_sweep": "lrviz.validate.sweep",
}

__all__ = [
    "PlotOptions",
    "apply_sweeps",
    "load_config",
    "parse_cli_sweep",
    "schedule_in",
    "trust_from_env",
    "validate_config",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'lrviz.validate' has no attribute {name!r}")
