"""Sweeps: one schedule per value of a parameter, for a quick comparison of choices.

A sweep comes from a config's ``sweep:`` block (``KEY: [V1, V2, ...]``) and from
``--sweep KEY=V1,V2,...`` on the command line (values read as YAML scalars, so
``0.1`` and ``1e-3`` are numbers, ``true`` a bool, ``cos`` text; a command-line KEY replaces the
same KEY of the block). KEY is a dotted path inside a schedule -- ``params.gamma``,
``params.schedulers.0.params.total_iters``, ``interval`` -- and applies to every
schedule of the config. Several keys give the cartesian product.

Each original schedule becomes one schedule per combination, labelled
``<label> KEY=V`` (several keys joined with spaces), and is validated through the
same entry as a written one (:func:`lrviz.validate.schedule.schedule_in`, torch's
verdict included), so a swept value gets the same checks; an error names the sweep
KEY whose value it is about. More than :data:`~lrviz.limits.MAX_SWEEP_SCHEDULES`
schedules make a plot nobody can read, so that needs ``force``; the config's hard
limit (``MAX_SCHEDULES``) holds even then.
"""

from __future__ import annotations

import copy
import itertools
import math
import re
from typing import Any

from lrviz.errors import ConfigError, LrvizError, describe, key_join
from lrviz.jsonio import compact
from lrviz.limits import MAX_SCHEDULES, MAX_SWEEP_SCHEDULES
from lrviz.spec import Config, Schedule
from lrviz.validate.checks import check_values, expect_mapping
from lrviz.validate.schedule import INTERVALS, schedule_in, unique_labels

#: First segments a sweep KEY may start with (the label is made by the sweep itself).
SWEEPABLE = ("params", "scheduler", "interval", "metric")
_SCALARS = (bool, int, float, str, type(None))
_EXPONENT = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+")


def parse_cli_sweep(text: str) -> tuple[str, list[Any]]:
    """``"params.gamma=0.1,0.5"`` -> ``("params.gamma", [0.1, 0.5])``; values are YAML scalars."""
    from lrviz.parse.yamlio import parse_yaml

    key, sep, values = text.partition("=")
    key = key.strip()
    if not sep or not key or not values.strip():
        raise LrvizError(f"--sweep expects KEY=V1,V2,... such as params.gamma=0.1,0.5; got {text!r}")
    parsed = []
    for raw in values.split(","):
        raw = raw.strip()
        if not raw:
            raise LrvizError(f"--sweep {text!r} has an empty value; separate values with single commas")
        try:
            value = parse_yaml(raw, source="--sweep")
        except ConfigError:
            value = raw  # not valid YAML on its own: take the text as written
        if not isinstance(value, _SCALARS):
            value = raw
        elif isinstance(value, str) and _EXPONENT.fullmatch(raw):
            value = float(raw)  # YAML 1.1 reads 1e-3 as text; on a command line it means a number
        parsed.append(value)
    return key, parsed


def validate_sweep_block(block: Any) -> dict[str, list[Any]]:
    """A config's ``sweep:`` block, checked at load: ``KEY: [V1, V2, ...]`` (a lone value is a list of one)."""
    if block is None:
        return {}
    block = expect_mapping(block, "sweep")
    out: dict[str, list[Any]] = {}
    for key, values in block.items():
        skey = key_join("sweep", str(key))
        if not key.strip():
            raise ConfigError(
                f"a sweep KEY must be a dotted path such as params.gamma, got {describe(key)}", key="sweep"
            )
        if isinstance(values, _SCALARS[:-1]):
            values = [values]
        if not isinstance(values, list) or not values:
            raise ConfigError(
                f"expected a non-empty list of values, got {describe(values)} (KEY is a dotted path such as "
                "params.gamma: [0.1, 0.5])",
                key=skey,
            )
        out[key.strip()] = list(values)
    return out


def merged_sweeps(config: Config, cli_sweeps: list[str]) -> dict[str, list[Any]]:
    """The config's ``sweep:`` block, then the command line's (which wins per KEY)."""
    out = dict(config.sweep)
    for text in cli_sweeps:
        key, values = parse_cli_sweep(text)
        out[key] = values
    return out


# --------------------------------------------------------------------------- paths


def _split(path: str) -> list[str | int]:
    return [int(p) if p.lstrip("-").isdigit() else p for p in path.split(".")]


def _set(raw: dict[str, Any], path: str, value: Any, where: str) -> None:
    """Set ``raw[path]`` for a dotted path; the containers on the way must exist."""
    parts = _split(path)
    skey = f"sweep.{path}"
    if any(p == "" for p in parts):
        raise ConfigError(f"{path!r} is not a dotted path such as params.gamma", key=skey)
    if parts[0] not in SWEEPABLE:
        raise ConfigError(
            f"a sweep KEY starts with one of {', '.join(SWEEPABLE)} (it is a path inside each schedule), "
            f"got {str(parts[0])!r}",
            key=skey,
        )
    node: Any = raw
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        here = ".".join(str(p) for p in parts[:i]) or "the schedule"
        if isinstance(node, dict):
            if isinstance(part, int):
                part = str(part)
            if last:
                node[part] = value
                return
            if part not in node:
                raise ConfigError(
                    f"{where} has no {'.'.join(str(p) for p in parts[: i + 1])!r} to sweep into", key=skey
                )
            node = node[part]
        elif isinstance(node, list):
            if not isinstance(part, int) or not -len(node) <= part < len(node):
                raise ConfigError(
                    f"{where}: {here} is a list of {len(node)}; {str(part)!r} is not an index of it", key=skey
                )
            if last:
                node[part] = value
                return
            node = node[part]
        else:
            raise ConfigError(f"{where}: {here} is {describe(node)}, nothing to sweep inside", key=skey)


def _schedule_key_path(schedule_key: str, path: str) -> str:
    """``schedules[0]`` + ``params.schedulers.0.params.x`` -> ``schedules[0].params.schedulers[0].params.x``."""
    out = schedule_key
    for part in _split(path):
        out = key_join(out, part)
    return out


# --------------------------------------------------------------------------- labels


def format_value(value: Any) -> str:
    """A sweep value as written in a label: YAML-like and short."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    if isinstance(value, (int, float, str)):
        return str(value)
    return compact(value)


# --------------------------------------------------------------------------- expansion


def apply_sweeps(config: Config, cli_sweeps: list[str] | None = None, *, force: bool = False) -> Config:
    """Expand ``config``'s sweep block and ``cli_sweeps`` into one schedule per value.

    Returns ``config`` itself when there is nothing to sweep, else a new config whose
    schedules are the expansion and whose ``sweep`` is empty (already applied).
    """
    try:
        return _apply(config, list(cli_sweeps or []), force)
    except LrvizError as exc:
        raise exc.located(file=config.file) from None


def _apply(config: Config, cli_sweeps: list[str], force: bool) -> Config:
    sweeps = merged_sweeps(config, cli_sweeps)
    if not sweeps:
        return config
    # counted before the product is made: 3 keys of 3000 values are 2.7e10 combinations
    n_combos = math.prod(len(values) for values in sweeps.values())
    total = len(config.schedules) * n_combos
    if total > MAX_SCHEDULES:
        raise LrvizError(
            f"the sweep would make {total} schedules ({len(config.schedules)} x {n_combos}), above the hard "
            f"limit of {MAX_SCHEDULES}; sweep fewer values"
        )
    check_values(config.steps, len(config.optimizer.param_groups), total)
    if total > MAX_SWEEP_SCHEDULES and not force:
        raise LrvizError(
            f"the sweep would make {total} schedules ({len(config.schedules)} x {n_combos}), more than "
            f"{MAX_SWEEP_SCHEDULES} (too many to read in one plot); pass --force to make them anyway"
        )
    combos = list(itertools.product(*sweeps.values()))
    keys = list(sweeps)
    schedules = [_swept(config, original, keys, combo) for original in config.schedules for combo in combos]
    unique_labels(schedules)
    cli_keys = tuple(dict.fromkeys(parse_cli_sweep(text)[0] for text in cli_sweeps))
    return config.replace(schedules=schedules, sweep={}, swept=sweeps, swept_cli=cli_keys)


def _swept(config: Config, original: Schedule, keys: list[str], combo: tuple[Any, ...]) -> Schedule:
    """``original`` with each KEY set to its value of ``combo``, validated as a written schedule would be."""
    where = original.key or "the schedule"
    raw = copy.deepcopy(
        {
            "params": original.params,
            "scheduler": original.scheduler,
            "interval": original.interval,
            "metric": original.metric,
        }
    )
    for key, value in zip(keys, combo, strict=True):
        _set(raw, key, copy.deepcopy(value), where)
    made_by = " ".join(f"{k}={format_value(v)}" for k, v in zip(keys, combo, strict=True))
    if not isinstance(raw["scheduler"], str) or not raw["scheduler"].strip():
        raise ConfigError(f"expected a scheduler name, got {describe(raw['scheduler'])}", key="sweep.scheduler")
    if raw["interval"] not in INTERVALS:
        raise ConfigError(f"expected 'step' or 'epoch', got {describe(raw['interval'])}", key="sweep.interval")
    if raw["params"] is not None and not isinstance(raw["params"], dict):
        raise ConfigError(f"expected a mapping, got {describe(raw['params'])}", key="sweep.params")
    if raw["metric"] is None:
        del raw["metric"]
    try:
        schedule = schedule_in(config, raw, original.key)
    except ConfigError as exc:
        raise ConfigError(
            f"{exc.key + ': ' if exc.key else ''}{exc.message} (in the schedule made by {made_by})",
            key=_blamed(exc.key, original.key, keys),
        ) from None
    schedule.label = original.label + "".join(f" {k}={format_value(v)}" for k, v in zip(keys, combo, strict=True))
    return schedule


def _blamed(error_key: str | None, schedule_key: str, keys: list[str]) -> str:
    """The sweep KEY whose value an error is about ('sweep' when none is)."""
    blamed = "sweep"
    for key in keys:
        path = _schedule_key_path(schedule_key, key)
        if error_key and (error_key == path or error_key.startswith(path + ".") or error_key.startswith(path + "[")):
            blamed = f"sweep.{key}"
    return blamed
