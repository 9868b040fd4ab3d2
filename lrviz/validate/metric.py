"""A ReduceLROnPlateau metric spec: a list, a seeded expression, or a CSV column.

ReduceLROnPlateau reacts to a validation metric, which a simulation does not have. A
config supplies one; here it is checked (shape, length when known, where a CSV may be
read from) and resolved into a :class:`~lrviz.spec.MetricSpec`. Its values are made
when the schedule is built (:mod:`lrviz.metric`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lrviz.errors import ConfigError, UnknownKey, describe, key_join
from lrviz.parse.expr import check_expression
from lrviz.spec import MetricSpec
from lrviz.validate.checks import number

METRIC_KEYS = ("expr", "noise", "seed", "csv", "column")
_FORMS = "a list of values, {expr: ..., noise: ..., seed: ...} or {csv: file, column: name}"


def resolve_metric(spec: Any, key: str, *, scheduler_steps: int, base_dir: Path, trust: bool) -> MetricSpec:
    """Check a metric spec at config-load time and resolve it."""
    if isinstance(spec, list):
        values = tuple(number(v, key_join(key, i)) for i, v in enumerate(spec))
        if len(spec) < scheduler_steps:
            raise ConfigError(
                f"the metric has {len(spec)} values but the schedule steps {scheduler_steps} times; "
                f"give at least {scheduler_steps} values",
                key=key,
            )
        return MetricSpec(key=key, values=values)
    if not isinstance(spec, dict):
        raise ConfigError(f"expected {_FORMS}, got {describe(spec)}", key=key)
    for k in spec:
        if k not in METRIC_KEYS:
            raise UnknownKey(f"unknown key {k!r}; a metric takes: {', '.join(METRIC_KEYS)}", key=key_join(key, str(k)))
    if ("expr" in spec) == ("csv" in spec):
        raise ConfigError("give exactly one of 'expr' or 'csv'", key=key)
    return _expression(spec, key) if "expr" in spec else _csv(spec, key, base_dir, trust)


def _expression(spec: dict[str, Any], key: str) -> MetricSpec:
    expr = check_expression(spec["expr"], key=key_join(key, "expr"))
    noise = number(spec["noise"], key_join(key, "noise")) if "noise" in spec else 0.0
    if noise < 0:
        raise ConfigError("noise must be >= 0", key=key_join(key, "noise"))
    seed = spec.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError(f"expected a whole number >= 0, got {describe(seed)}", key=key_join(key, "seed"))
    if "column" in spec:
        raise ConfigError("'column' goes with 'csv', not 'expr'", key=key_join(key, "column"))
    return MetricSpec(key=key, expr=expr, noise=noise, seed=seed)


def _csv(spec: dict[str, Any], key: str, base_dir: Path, trust: bool) -> MetricSpec:
    raw = spec["csv"]
    if not isinstance(raw, str) or not raw:
        raise ConfigError(f"expected a file name, got {describe(raw)}", key=key_join(key, "csv"))
    base = base_dir.resolve()
    path = (base / raw).resolve()
    if not trust and base not in path.parents:
        raise ConfigError(
            f"{raw!r} is outside the config's folder; pass --trust to read files elsewhere", key=key_join(key, "csv")
        )
    column = spec.get("column")
    if "column" in spec and (isinstance(column, bool) or not isinstance(column, (str, int))):
        raise ConfigError(f"expected a column name or index, got {describe(column)}", key=key_join(key, "column"))
    return MetricSpec(key=key, csv=path, column=column)
