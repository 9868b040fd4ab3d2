"""Validate: a YAML config (or a mapping) -> a checked, resolved :class:`~lrviz.spec.Config`.

The one place a config is checked, once, before a single tensor of the run is
allocated. Every mistake is reported with the key path that holds it. In order:

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

import os
from pathlib import Path
from typing import Any

from lrviz.errors import ConfigError
from lrviz.parse.yamlio import read_yaml_file
from lrviz.spec import Config
from lrviz.validate.document import validate_document
from lrviz.validate.plot import PlotOptions
from lrviz.validate.schedule import schedule_in
from lrviz.validate.sweep import apply_sweeps, parse_cli_sweep


def validate_config(data: Any, *, source: str | Path | None = None, trust: bool = False) -> Config:
    """Validate a config mapping (as parsed from YAML) and return a :class:`Config`.

    ``trust`` allows import targets (``scheduler: "pkg.mod:Name"``). It can only come
    from the caller (the ``--trust`` flag or ``LRVIZ_TRUST=1``), never from the config.
    """
    try:
        return validate_document(data, Path(source) if source is not None else None, trust)
    except ConfigError as exc:
        raise exc.located(file=str(source) if source is not None else None) from None


def trust_from_env() -> bool:
    return os.environ.get("LRVIZ_TRUST", "").strip().lower() in ("1", "true", "yes")


def load_config(
    path_or_data: str | os.PathLike[str] | dict[str, Any],
    *,
    trust: bool = False,
    steps: int | None = None,
    device: str | None = None,
) -> Config:
    """Load a config from a YAML file path or from an already-parsed mapping.

    ``steps`` and ``device`` override the config's own (the command line wins), and
    are applied before validation, so limits and metric lengths see the final values.

    >>> cfg = load_config({"steps": 10, "scheduler": "StepLR", "params": {"step_size": 3}})
    >>> cfg.schedules[0].label
    'StepLR'
    """
    trust = trust or trust_from_env()
    path: Path | None = None
    if isinstance(path_or_data, (str, os.PathLike)):
        path = Path(path_or_data)
        data: Any = read_yaml_file(path)
    else:  # parsed data, mapping or not: validation says what is wrong
        data = path_or_data
    if isinstance(data, dict) and (steps is not None or device is not None):
        data = dict(data)
        if steps is not None:
            data.pop("epochs", None)
            data["steps"] = steps
        if device is not None:
            data["device"] = device
    return validate_config(data, source=path, trust=trust)


__all__ = [
    "PlotOptions",
    "apply_sweeps",
    "load_config",
    "parse_cli_sweep",
    "schedule_in",
    "trust_from_env",
    "validate_config",
]
