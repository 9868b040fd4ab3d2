"""Metric sources for ReduceLROnPlateau: a list, a seeded expression, or a CSV column.

ReduceLROnPlateau reacts to a validation metric, which a simulation does not have. A
config supplies one, and lrviz makes it deterministic: an expression's noise comes
from a seeded generator, so the same config gives the same trajectory every time.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

from lrviz.errors import ConfigError, describe, key_join

METRIC_KEYS = ("expr", "noise", "seed", "csv", "column")
MAX_CSV_BYTES = 200_000_000


def _number(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"expected a number, got {describe(value)}", key=key)
    try:
        return float(value)
    except OverflowError:
        raise ConfigError(f"expected a number, got {describe(value)}: too large for a float", key=key) from None


def check_metric(spec: Any, key: str, config, schedule) -> None:
    """Validate a metric spec at config-load time (shape only; length when known)."""
    if isinstance(spec, list):
        for i, v in enumerate(spec[:100_000]):
            _number(v, key_join(key, i))
        _check_length(len(spec), key, config, schedule)
        return
    if not isinstance(spec, dict):
        raise ConfigError(
            f"expected a list of values, {{expr: ..., noise: ..., seed: ...}} or {{csv: file, column: name}}, got {describe(spec)}",
            key=key,
        )
    for k in spec:
        if k not in METRIC_KEYS:
            raise ConfigError(f"unknown key {k!r}; a metric takes: {', '.join(METRIC_KEYS)}", key=key_join(key, str(k)))
    if ("expr" in spec) == ("csv" in spec):
        raise ConfigError("give exactly one of 'expr' or 'csv'", key=key)
    if "expr" in spec:
        from lrviz.expr import compile_expression

        compile_expression(spec["expr"], key=key_join(key, "expr"))
        if "noise" in spec and _number(spec["noise"], key_join(key, "noise")) < 0:
            raise ConfigError("noise must be >= 0", key=key_join(key, "noise"))
        seed = spec.get("seed", 0)
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ConfigError(f"expected a whole number >= 0, got {describe(seed)}", key=key_join(key, "seed"))
        for k in ("column",):
            if k in spec:
                raise ConfigError(f"{k!r} goes with 'csv', not 'expr'", key=key_join(key, k))
    else:
        _csv_path(spec, key, config)
        if "column" in spec and not isinstance(spec["column"], (str, int)) or isinstance(spec.get("column"), bool):
            raise ConfigError(f"expected a column name or index, got {describe(spec['column'])}", key=key_join(key, "column"))


def _check_length(n: int, key: str, config, schedule) -> None:
    need = config.scheduler_steps(schedule)
    if n < need:
        raise ConfigError(
            f"the metric has {n} values but the schedule steps {need} times; give at least {need} values", key=key
        )


def _csv_path(spec: dict, key: str, config) -> Path:
    raw = spec["csv"]
    if not isinstance(raw, str) or not raw:
        raise ConfigError(f"expected a file name, got {describe(raw)}", key=key_join(key, "csv"))
    base = config.base_dir.resolve()
    path = (base / raw).resolve()
    if not config.trust and base not in path.parents:
        raise ConfigError(
            f"{raw!r} is outside the config's folder; pass --trust to read files elsewhere", key=key_join(key, "csv")
        )
    return path


def metric_values(spec: Any, n: int, key: str, config) -> list[float]:
    """The first ``n`` metric values, one per scheduler step."""
    if isinstance(spec, list):
        values = [float(v) for v in spec]
    elif "expr" in spec:
        import numpy as np

        from lrviz.expr import compile_expression

        fn = compile_expression(spec["expr"], key=key_join(key, "expr"))
        noise = float(spec.get("noise", 0.0))
        rng = np.random.default_rng(int(spec.get("seed", 0)))
        jitter = rng.standard_normal(n) * noise if noise else None
        values = [float(fn(i)) + (float(jitter[i]) if jitter is not None else 0.0) for i in range(n)]
    else:
        values = _read_csv(_csv_path(spec, key, config), spec.get("column"), key)
    if len(values) < n:
        raise ConfigError(f"the metric has {len(values)} values but the schedule steps {n} times", key=key)
    bad = next((i for i, v in enumerate(values[:n]) if not math.isfinite(v)), None)
    if bad is not None:
        raise ConfigError(f"metric value {bad} is {values[bad]}; metric values must be finite numbers", key=key)
    return values[:n]


def _read_csv(path: Path, column: Any, key: str) -> list[float]:
    try:
        if path.stat().st_size > MAX_CSV_BYTES:
            raise ConfigError(f"{path.name} is larger than {MAX_CSV_BYTES // 1_000_000} MB", key=key_join(key, "csv"))
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
    except FileNotFoundError:
        raise ConfigError(f"no such file: {path}", key=key_join(key, "csv")) from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ConfigError(f"cannot read {path.name}: {exc}", key=key_join(key, "csv")) from None
    if not rows:
        raise ConfigError(f"{path.name} is empty", key=key_join(key, "csv"))
    header = rows[0]
    if column is None:
        idx = 0 if len(header) == 1 else None
        if idx is None:
            raise ConfigError(f"{path.name} has several columns; name one with 'column' ({', '.join(header)})", key=key)
    elif isinstance(column, int):
        idx = column
    elif column in header:
        idx = header.index(column)
    else:
        raise ConfigError(f"no column {column!r} in {path.name}; columns: {', '.join(header)}", key=key_join(key, "column"))
    values = []
    for line, row in enumerate(rows[1:], start=2):
        try:
            values.append(float(row[idx]))
        except (IndexError, ValueError):
            raise ConfigError(f"{path.name} line {line}: not a number in column {column!r}", key=key_join(key, "csv")) from None
    return values
