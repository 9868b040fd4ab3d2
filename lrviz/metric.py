"""The metric ReduceLROnPlateau is fed: given values, a seeded expression, or a CSV column.

A simulation has no validation loss, so a config supplies one (checked and resolved
by :mod:`lrviz.validate.metric`); here its values are made, once per build. An
expression's noise comes from a generator seeded by the config, so the same config
gives the same trajectory every time.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

from lrviz.errors import ConfigError, key_join
from lrviz.inputs import open_regular
from lrviz.spec import MetricSpec

MAX_CSV_BYTES = 200_000_000


def metric_values(feed: MetricSpec, n: int) -> list[float]:
    """The first ``n`` metric values, one per scheduler step."""
    key = feed.key
    if feed.values is not None:
        values = list(feed.values)
    elif feed.expr is not None:
        import numpy as np

        fn = feed.expr.function()
        rng = np.random.default_rng(feed.seed)
        jitter = rng.standard_normal(n) * feed.noise if feed.noise else None
        values = [float(fn(i)) + (float(jitter[i]) if jitter is not None else 0.0) for i in range(n)]
    else:
        assert feed.csv is not None
        values = _read_csv(feed.csv, feed.column, key)
    if len(values) < n:
        raise ConfigError(f"the metric has {len(values)} values but the schedule steps {n} times", key=key)
    bad = next((i for i, v in enumerate(values[:n]) if not math.isfinite(v)), None)
    if bad is not None:
        raise ConfigError(f"metric value {bad} is {values[bad]}; metric values must be finite numbers", key=key)
    return values[:n]


def _read_csv(path: Path, column: Any, key: str) -> list[float]:
    where = key_join(key, "csv")
    try:
        raw = open_regular(
            path,
            limit=MAX_CSV_BYTES,
            display=path.name,
            what="a CSV file",
            error=ConfigError,
            too_large=f"{path.name} is larger than {MAX_CSV_BYTES // 1_000_000} MB",
        )
    except ConfigError as exc:  # named by its key, as the config names it: metric.csv: m.csv: is a FIFO...
        message = exc.message if exc.message.startswith(path.name) else f"{path.name}: {exc.message}"
        raise ConfigError(message, key=where) from None
    try:
        with io.TextIOWrapper(raw, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
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
        raise ConfigError(
            f"no column {column!r} in {path.name}; columns: {', '.join(header)}", key=key_join(key, "column")
        )
    values = []
    for line, row in enumerate(rows[1:], start=2):
        try:
            values.append(float(row[idx]))
        except (IndexError, ValueError):
            raise ConfigError(
                f"{path.name} line {line}: not a number in column {column!r}", key=key_join(key, "csv")
            ) from None
    return values
