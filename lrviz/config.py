"""Config: YAML (or a dict) -> validated, fully-resolved :class:`Config`.

This is the first stage of the pipeline (config -> simulate -> render / export / check).
Everything a user can get wrong is caught here, before a single tensor is allocated,
and reported with the key path that holds the mistake. Scheduler parameters are
checked against the scheduler's own signature by :mod:`lrviz.registry`.
"""

from __future__ import annotations

import copy
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lrviz.errors import ConfigError, describe, did_you_mean, key_join
from lrviz.yamlio import read_yaml_file

#: Hard limits, refused before anything is allocated (documented in the README).
MAX_STEPS = 50_000_000
MAX_GROUPS = 64
MAX_SCHEDULES = 256
MAX_NESTING = 8
#: Recorded lr values (steps x param groups x schedules): each costs about 30 bytes in a
#: plot and 100 in an export (measured), so this is a few GB at most; the limits above
#: alone allow 50M x 64 x 256 = 8e11.
MAX_VALUES = 100_000_000

DEFAULT_OPTIMIZER: dict[str, Any] = {"name": "SGD", "lr": 0.1, "momentum": 0.9}
INTERVALS = ("step", "epoch")
DEVICES_HELP = "cpu, cuda, cuda:N, mps or auto"

TOP_KEYS = (
    "title", "description", "steps", "epochs", "steps_per_epoch", "device", "optimizer",
    "schedules", "scheduler", "params", "label", "interval", "metric", "plot", "sweep",
)
SCHEDULE_KEYS = ("label", "scheduler", "params", "interval", "metric")
SINGLE_KEYS = ("scheduler", "params", "label", "interval", "metric")


@dataclass
class Schedule:
    """One schedule of a config: a scheduler, its params, how it is stepped."""

    label: str
    scheduler: str
    params: dict[str, Any]
    interval: str = "step"
    metric: Any = None  # raw metric spec; see lrviz.metric
    key: str = "schedules[0]"  # where it lives in the config, for messages


@dataclass
class OptimizerSpec:
    name: str
    kwargs: dict[str, Any]
    param_groups: list[dict[str, Any]]  # each: {"name": str, **overrides}

    @property
    def group_names(self) -> list[str]:
        return [g["name"] for g in self.param_groups]


@dataclass
class Config:
    steps: int
    schedules: list[Schedule]
    optimizer: OptimizerSpec
    steps_per_epoch: int = 1
    device: str = "cpu"
    title: str | None = None
    description: str | None = None
    plot: dict[str, Any] = field(default_factory=dict)
    sweep: dict[str, list[Any]] = field(default_factory=dict)
    source: Path | None = None
    trust: bool = False

    @property
    def name(self) -> str:
        """The file stem, used for output names and default titles."""
        return self.source.stem if self.source else "config"

    @property
    def file(self) -> str | None:
        """The config file as errors name it (None for a config built from a dict)."""
        return str(self.source) if self.source else None

    @property
    def base_dir(self) -> Path:
        return self.source.parent if self.source else Path.cwd()

    @property
    def epochs(self) -> float:
        return self.steps / self.steps_per_epoch

    def scheduler_every(self, schedule: Schedule) -> int:
        """Optimizer steps per ``scheduler.step()``: 1, or steps_per_epoch for ``interval: epoch``."""
        return 1 if schedule.interval == "step" else self.steps_per_epoch

    def scheduler_steps(self, schedule: Schedule) -> int:
        """How many times ``schedule``'s scheduler.step() is called in the run."""
        return self.steps // self.scheduler_every(schedule)

    def replace(self, **changes: Any) -> "Config":
        new = copy.copy(self)
        for k, v in changes.items():
            setattr(new, k, v)
        return new


# --------------------------------------------------------------------------- helpers


def _expect_mapping(value: Any, key: str, what: str = "a mapping") -> dict:
    if not isinstance(value, dict):
        raise ConfigError(f"expected {what}, got {describe(value)}", key=key or None)
    for k in value:
        if not isinstance(k, str):
            raise ConfigError(f"keys must be strings, got {describe(k)}", key=key or None)
    return value


def _check_keys(mapping: dict, allowed: tuple[str, ...], key: str) -> None:
    for k in mapping:
        if k not in allowed:
            raise ConfigError(
                f"unknown key {k!r}{did_you_mean(k, allowed)}; allowed: {', '.join(allowed)}",
                key=key_join(key, k),
            )


def positive_int(value: Any, key: str, *, limit: int | None = None, what: str = "a positive whole number") -> int:
    """Validate a count: refuse bools, floats with a fraction, strings, zero, negatives."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"expected {what}, got {describe(value)}", key=key)
    if isinstance(value, float):
        if not math.isfinite(value) or value != int(value):
            raise ConfigError(f"expected {what}, got {describe(value)}", key=key)
        value = int(value)
    if value <= 0:
        raise ConfigError(f"expected {what}, got {value}", key=key)
    if limit is not None and value > limit:
        shown = value if value < 10**30 else describe(value)  # str() of a 5000-digit int raises
        raise ConfigError(f"{shown} is above the limit of {limit:,}", key=key)
    return value


#: Control characters (escape, carriage return, bell...; tab and newline are fine): a
#: label or title is printed to the terminal by show / check, where "\x1b[2J" would
#: clear the screen and "\x1b]0;...\x07" retitle the window.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _text(value: Any, key: str) -> str:
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        try:
            text = str(value)
        except ValueError:  # an int past Python's 4300-digit limit for int -> text
            raise ConfigError(f"expected text, got {describe(value)}", key=key) from None
        bad = _CONTROL.search(text)
        if bad:
            raise ConfigError(
                f"the control character {bad.group()!r} is not allowed in text (it would reach the terminal as is)",
                key=key,
            )
        return text
    raise ConfigError(f"expected text, got {describe(value)}", key=key)


def check_math_text(text: str, key: str) -> str:
    """Refuse text that matplotlib cannot draw, with its key.

    Labels, group names and titles end up in figures, where matplotlib reads text
    between two ``$`` as TeX math; a broken formula would otherwise fail deep inside a
    plot or a gallery page. matplotlib is imported only when the text has a ``$``.
    """
    if "$" in text:
        from matplotlib import cbook

        if cbook.is_math_text(text):
            from matplotlib.mathtext import MathTextParser

            try:
                MathTextParser("path").parse(text)
            except (ValueError, RecursionError):
                raise ConfigError(
                    f"{text!r} is not valid math text (matplotlib draws text between two $ as TeX math); "
                    "write \\$ for a dollar sign",
                    key=key,
                ) from None
    return text


def check_values(steps: int, groups: int, schedules: int) -> None:
    """Refuse a run whose lrs would not fit in memory, before anything is allocated."""
    total = steps * groups * schedules
    if total > MAX_VALUES:
        raise ConfigError(
            f"steps x param groups x schedules = {steps:,} x {groups} x {schedules} = {total:,} lr values to record, "
            f"above the limit of {MAX_VALUES:,}; simulate fewer steps or schedules",
            key="steps",
        )


def check_device(value: Any, key: str = "device") -> str:
    """Syntax only; whether the device exists is decided when simulating."""
    if not isinstance(value, str):
        raise ConfigError(f"expected one of {DEVICES_HELP}, got {describe(value)}", key=key)
    v = value.strip().lower()
    if v in ("cpu", "cuda", "mps", "auto"):
        return v
    if v.startswith("cuda:") and v[5:].isdigit():
        return v
    raise ConfigError(f"unknown device {value!r}; allowed: {DEVICES_HELP}", key=key)


# --------------------------------------------------------------------------- optimizer


def _parse_optimizer(raw: Any) -> OptimizerSpec:
    from lrviz.registry import check_optimizer_kwargs  # imports torch

    if raw is None:
        raw = dict(DEFAULT_OPTIMIZER)
    raw = dict(_expect_mapping(raw, "optimizer"))
    name = raw.pop("name", "SGD")
    groups_raw = raw.pop("param_groups", None)
    name = check_optimizer_kwargs(name, raw, "optimizer")
    if groups_raw is None:
        groups_raw = [{}]
    if not isinstance(groups_raw, list) or not groups_raw:
        raise ConfigError(f"expected a non-empty list of groups, got {describe(groups_raw)}", key="optimizer.param_groups")
    if len(groups_raw) > MAX_GROUPS:
        raise ConfigError(f"{len(groups_raw)} param groups is above the limit of {MAX_GROUPS}", key="optimizer.param_groups")
    groups: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, g in enumerate(groups_raw):
        gkey = f"optimizer.param_groups[{i}]"
        g = dict(_expect_mapping(g, gkey))
        gname = check_math_text(_text(g.pop("name", f"group{i}"), gkey + ".name"), gkey + ".name")
        if gname in seen:
            raise ConfigError(f"duplicate group name {gname!r}; names must be unique", key=gkey + ".name")
        seen.add(gname)
        check_optimizer_kwargs(name, g, gkey, group=True)
        groups.append({"name": gname, **g})
    return OptimizerSpec(name=name, kwargs=raw, param_groups=groups)


# --------------------------------------------------------------------------- schedules


def _parse_schedule(raw: Any, key: str) -> Schedule:
    raw = _expect_mapping(raw, key, "a mapping with 'scheduler' and 'params'")
    _check_keys(raw, SCHEDULE_KEYS, key)
    if "scheduler" not in raw:
        raise ConfigError("missing 'scheduler' (a torch class such as StepLR, or a preset such as cosine)", key=key)
    scheduler = raw["scheduler"]
    if not isinstance(scheduler, str) or not scheduler.strip():
        raise ConfigError(f"expected a scheduler name, got {describe(scheduler)}", key=key_join(key, "scheduler"))
    params = raw.get("params") or {}
    params = dict(_expect_mapping(params, key_join(key, "params")))
    interval = raw.get("interval", "step")
    if interval not in INTERVALS:
        raise ConfigError(f"expected 'step' or 'epoch', got {describe(interval)}", key=key_join(key, "interval"))
    label = raw.get("label")
    if label is not None:
        label = _text(label, key_join(key, "label")).strip()
        if not label or len(label) > 200:
            raise ConfigError("a label must have 1 to 200 characters", key=key_join(key, "label"))
        check_math_text(label, key_join(key, "label"))
    return Schedule(
        label=label or "",
        scheduler=scheduler.strip(),
        params=params,
        interval=interval,
        metric=raw.get("metric"),
        key=key,
    )


def _unique_labels(schedules: list[Schedule]) -> None:
    """Default labels are the scheduler's name, made unique with ' (2)', ' (3)'..."""
    used: set[str] = set()
    for s in schedules:
        base = s.label or s.scheduler
        label, n = base, 1
        while label in used:
            n += 1
            label = f"{base} ({n})"
        s.label = label
        used.add(label)


def from_dict(data: Any, *, source: str | Path | None = None, trust: bool = False) -> Config:
    """Validate a config mapping (as parsed from YAML) and return a :class:`Config`.

    ``trust`` allows import targets (``scheduler: "pkg.mod:Name"``). It can only come
    from the caller (the ``--trust`` flag or ``LRVIZ_TRUST=1``), never from the config.
    """
    src = str(source) if source is not None else None
    try:
        return _from_dict(data, Path(source) if source is not None else None, trust)
    except ConfigError as exc:
        raise exc.located(file=src) from None


def _from_dict(data: Any, source: Path | None, trust: bool) -> Config:
    data = _expect_mapping(data, "", "a mapping at the top level (keys such as steps, optimizer, schedules)")
    _check_keys(data, TOP_KEYS, "")

    spe = positive_int(data.get("steps_per_epoch", 1), "steps_per_epoch", limit=MAX_STEPS)
    if "steps" in data and "epochs" in data:
        raise ConfigError("give either 'steps' or 'epochs' (with 'steps_per_epoch'), not both", key="epochs")
    if "steps" in data:
        steps = positive_int(data["steps"], "steps", limit=MAX_STEPS)
    elif "epochs" in data:
        epochs = positive_int(data["epochs"], "epochs", limit=MAX_STEPS)
        steps = epochs * spe
        if steps > MAX_STEPS:
            raise ConfigError(f"epochs x steps_per_epoch = {steps:,} is above the limit of {MAX_STEPS:,} steps", key="epochs")
    else:
        raise ConfigError("missing 'steps' (optimizer steps to simulate) or 'epochs' with 'steps_per_epoch'", key="steps")

    device = check_device(data.get("device", "cpu"))

    if "schedules" in data:
        for k in SINGLE_KEYS:
            if k in data:
                raise ConfigError(f"top-level {k!r} is only for single-schedule configs; move it into 'schedules'", key=k)
        raw_list = data["schedules"]
        if not isinstance(raw_list, list) or not raw_list:
            raise ConfigError(f"expected a non-empty list of schedules, got {describe(raw_list)}", key="schedules")
        if len(raw_list) > MAX_SCHEDULES:
            raise ConfigError(f"{len(raw_list)} schedules is above the limit of {MAX_SCHEDULES}", key="schedules")
        schedules = [_parse_schedule(s, f"schedules[{i}]") for i, s in enumerate(raw_list)]
    elif "scheduler" in data:
        single = {k: data[k] for k in SINGLE_KEYS if k in data}
        schedules = [_parse_schedule(single, "")]
        schedules[0].key = ""
    else:
        raise ConfigError("missing 'schedules' (a list) or a top-level 'scheduler'", key="schedules")
    _unique_labels(schedules)

    optimizer = _parse_optimizer(data.get("optimizer"))
    check_values(steps, len(optimizer.param_groups), len(schedules))

    plot = data.get("plot") or {}
    _expect_mapping(plot, "plot")
    sweep = data.get("sweep") or {}
    _expect_mapping(sweep, "sweep")

    title = data.get("title")
    description = data.get("description")
    config = Config(
        steps=steps,
        steps_per_epoch=spe,
        device=device,
        optimizer=optimizer,
        schedules=schedules,
        title=check_math_text(_text(title, "title"), "title") if title is not None else None,
        description=_text(description, "description") if description is not None else None,
        plot=dict(plot),
        sweep=dict(sweep),
        source=source,
        trust=trust,
    )
    from lrviz.registry import validate_schedule

    for schedule in config.schedules:
        validate_schedule(config, schedule)
    return config


def trust_from_env() -> bool:
    return os.environ.get("LRVIZ_TRUST", "").strip().lower() in ("1", "true", "yes")


def load_config(
    path_or_data: str | Path | dict,
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
    if not isinstance(path_or_data, (str, os.PathLike)):  # parsed data, mapping or not: from_dict says what is wrong
        data, path = path_or_data, None
    else:
        path = Path(path_or_data)
        data = read_yaml_file(path)
    if isinstance(data, dict) and (steps is not None or device is not None):
        data = dict(data)
        if steps is not None:
            data.pop("epochs", None)
            data["steps"] = steps
        if device is not None:
            data["device"] = device
    return from_dict(data, source=path, trust=trust)
