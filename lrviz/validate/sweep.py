"""Sweeps: one schedule per value of a parameter, for a quick comparison of choices.

A sweep comes from a config's ``sweep:`` block (``KEY: [V1, V2, ...]``) and from
``--sweep KEY=V1,V2,...`` on the command line (values read as YAML scalars, so
``0.1`` and ``1e-3`` are numbers, ``true`` a bool, ``cos`` text; a command-line KEY replaces the
same KEY of the block). KEY is a dotted path inside a schedule -- ``params.gamma``,
``params.schedulers.0.params.total_iters``, ``interval`` -- and applies to every
schedule of the config that has it: a key the schedule writes, or a parameter its
scheduler takes (so ``params.gamma`` sweeps the StepLR of a config that compares StepLR
with CosineAnnealingLR, and leaves the cosine as it is). A KEY no schedule has is an
error, with the reason. Several keys give the cartesian product of those a schedule has.

Each original schedule becomes one schedule per combination of its keys, labelled
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

from lrviz.errors import ConfigError, ConfigErrors, LrvizError, UnknownKey, describe, key_join
from lrviz.jsonio import compact
from lrviz.limits import MAX_SCHEDULES, MAX_SWEEP_SCHEDULES
from lrviz.spec import Config, Schedule
from lrviz.validate.checks import check_values, expect_mapping
from lrviz.validate.schedule import INTERVALS, Run, schedule_in, unique_labels, validate_schedule

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


class NotInSchedule(ConfigError):
    """A sweep KEY whose containers a schedule does not have (no such list item, no metric...)."""


def _set(raw: dict[str, Any], path: str, value: Any, where: str) -> bool:
    """Set ``raw[path]`` for a dotted path; the containers on the way must exist.

    Returns whether the last key was new to its mapping (a parameter the config left to
    its default, or one the scheduler may not take: validation says which).
    """
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
                created = part not in node
                node[part] = value
                return created
            if part not in node:
                raise NotInSchedule(
                    f"{where} has no {'.'.join(str(p) for p in parts[: i + 1])!r} to sweep into", key=skey
                )
            node = node[part]
        elif isinstance(node, list):
            if not isinstance(part, int) or not -len(node) <= part < len(node):
                raise NotInSchedule(
                    f"{where}: {here} is a list of {len(node)}; {str(part)!r} is not an index of it", key=skey
                )
            if last:
                node[part] = value
                return False
            node = node[part]
        else:
            raise NotInSchedule(f"{where}: {here} is {describe(node)}, nothing to sweep inside", key=skey)
    return False


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
    having = _keys_per_schedule(config, sweeps)
    # counted before any product is made: 3 keys of 3000 values are 2.7e10 combinations
    total = sum(math.prod(len(sweeps[k]) for k in keys) for keys in having)
    if total > MAX_SCHEDULES:
        raise LrvizError(
            f"the sweep would make {total} schedules (from {len(config.schedules)}), above the hard limit of "
            f"{MAX_SCHEDULES}; sweep fewer values"
        )
    check_values(config.steps, len(config.optimizer.param_groups), total)
    if total > MAX_SWEEP_SCHEDULES and not force:
        raise LrvizError(
            f"the sweep would make {total} schedules (from {len(config.schedules)}), more than "
            f"{MAX_SWEEP_SCHEDULES} (too many to read in one plot); pass --force to make them anyway"
        )
    schedules = []
    for original, keys in zip(config.schedules, having, strict=True):
        if not keys:
            schedules.append(original)  # nothing of the sweep is in it: kept as written
            continue
        for combo in itertools.product(*(sweeps[k] for k in keys)):
            schedules.append(_swept(config, original, keys, combo))
    unique_labels(schedules)
    cli_keys = tuple(dict.fromkeys(parse_cli_sweep(text)[0] for text in cli_sweeps))
    return config.replace(schedules=schedules, sweep={}, swept=sweeps, swept_cli=cli_keys)


def _keys_per_schedule(config: Config, sweeps: dict[str, list[Any]]) -> list[list[str]]:
    """For each schedule, the sweep KEYs it has; a KEY no schedule has is an error, with the reason."""
    having: list[list[str]] = [[] for _ in config.schedules]
    for key, values in sweeps.items():
        reasons = []
        for i, schedule in enumerate(config.schedules):
            reason = _missing(config, schedule, key, values[0])
            if reason is None:
                having[i].append(key)
            else:
                reasons.append(reason)
        if len(reasons) == len(config.schedules):
            if len(reasons) == 1:
                raise ConfigError(reasons[0].message, key=f"sweep.{key}")
            raise ConfigError(
                f"no schedule of this config has {key!r} to sweep ({reasons[0].message}; and so on for the "
                f"other {len(reasons) - 1})",
                key=f"sweep.{key}",
            )
    return having


def _raw(schedule: Schedule) -> dict[str, Any]:
    """A schedule's keys as written, the ones a sweep may set (a deep copy)."""
    return copy.deepcopy(
        {
            "params": schedule.params,
            "scheduler": schedule.scheduler,
            "interval": schedule.interval,
            "metric": schedule.metric,
        }
    )


def _missing(config: Config, schedule: Schedule, key: str, value: Any) -> ConfigError | None:
    """Why ``schedule`` does not have sweep KEY ``key`` (None: it has it).

    It has it when the key is written in it, or when setting it makes a schedule whose
    only objection is not that the key is unknown (a parameter left to its default).
    """
    where = schedule.key or "the schedule"
    raw = _raw(schedule)
    try:
        created = _set(raw, key, copy.deepcopy(value), where)
    except NotInSchedule as exc:
        return exc
    if not created:
        return None
    if raw["metric"] is None:
        del raw["metric"]
    try:
        validate_schedule(raw, schedule.key, Run(config.steps, config.steps_per_epoch, config.base_dir, config.trust))
    except ConfigError as exc:
        path = _schedule_key_path(schedule.key, key)
        for one in exc.errors if isinstance(exc, ConfigErrors) else [exc]:
            if isinstance(one, UnknownKey) and one.key == path:
                return ConfigError(f"{one.key}: {one.message}", key=one.key)
        # another objection to the value: the expansion reports it, blamed on its KEY
    return None


def _swept(config: Config, original: Schedule, keys: list[str], combo: tuple[Any, ...]) -> Schedule:
    """``original`` with each KEY set to its value of ``combo``, validated as a written schedule would be."""
    where = original.key or "the schedule"
    raw = _raw(original)
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
