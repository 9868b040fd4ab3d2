"""Loading a config: a YAML file (or a mapping) through every check, into a :class:`~lrviz.spec.Config`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from lrviz.errors import ConfigError
from lrviz.parse.yamlio import read_yaml_file
from lrviz.spec import Config
from lrviz.validate.document import validate_document


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
