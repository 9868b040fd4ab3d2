"""A whole config mapping: the run, the optimizer, the schedules, the plot and sweep blocks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lrviz.errors import ConfigError, describe, suggestions
from lrviz.limits import MAX_SCHEDULES, MAX_STEPS
from lrviz.spec import Config, Schedule
from lrviz.validate.checks import check_device, check_keys, check_values, expect_mapping, math_text, positive_int, text
from lrviz.validate.collect import Collector
from lrviz.validate.optimizer import validate_optimizer
from lrviz.validate.plot import tokens_per_step, validate_plot_block
from lrviz.validate.schedule import Run, unique_labels, validate_schedule
from lrviz.validate.sweep import validate_sweep_block
from lrviz.validate.verdict import judge_optimizer, judge_schedule

TOP_KEYS = (
    "title",
    "description",
    "steps",
    "epochs",
    "steps_per_epoch",
    "tokens_per_step",
    "device",
    "optimizer",
    "schedules",
    "scheduler",
    "params",
    "label",
    "interval",
    "metric",
    "plot",
    "sweep",
)
SINGLE_KEYS = ("scheduler", "params", "label", "interval", "metric")


def validate_document(data: Any, source: Path | None, trust: bool) -> Config:
    """Every check of a config mapping, in the order a reader meets the keys.

    A mistake does not stop validation: each part is checked (a part that needs the run's
    length is checked against one step when the length itself is wrong), and every
    error found is reported at once (:mod:`lrviz.validate.collect`). torch's verdict is
    asked only of a config with no error."""
    data = expect_mapping(data, "", "a mapping at the top level (keys such as steps, optimizer, schedules)")
    problems = Collector()
    steps, spe = 1, 1  # what the parts below are checked against when the run's length is wrong
    raw_schedules: list[Any] = []
    keys: list[str] = []
    with problems:
        check_keys(data, TOP_KEYS, "")
    with problems:
        steps, spe = _run_length(data)
    with problems:
        device = check_device(data.get("device", "cpu"))
    with problems:
        if "schedules" in data or "scheduler" in data or not _misspelt(data, ("schedules", "scheduler")):
            raw_schedules, keys = _schedule_list(data)  # (a misspelt one is reported as unknown, not as missing)
    with problems:
        optimizer = validate_optimizer(data.get("optimizer"))
        check_values(steps, len(optimizer.param_groups), len(raw_schedules))
    run = Run(steps, spe, source.parent if source else Path.cwd(), trust)
    schedules = []
    for raw, key in zip(raw_schedules, keys, strict=True):
        with problems:
            schedules.append(validate_schedule(raw, key, run))
    with problems:
        title, description = _texts(data)
    tokens = None
    with problems:
        tokens = tokens_per_step(data.get("tokens_per_step"))
    with problems:
        plot = {**({"tokens_per_step": tokens} if tokens else {}), **validate_plot_block(data.get("plot"))}
    with problems:
        sweep = validate_sweep_block(data.get("sweep"))
    problems.raise_if_any()
    unique_labels(schedules)
    config = Config(
        steps=steps,
        steps_per_epoch=spe,
        device=device,
        optimizer=optimizer,
        schedules=schedules,
        title=title,
        description=description,
        plot=plot,
        tokens_per_step=tokens,
        sweep=sweep,
        source=source,
        trust=trust,
    )
    judge(config)
    return config


def _misspelt(data: dict[str, Any], wanted: tuple[str, ...]) -> bool:
    """Whether an unknown key of ``data`` is a misspelling of one of ``wanted``."""
    return any(k not in TOP_KEYS and suggestions(str(k), wanted) for k in data)


def _texts(data: dict[str, Any]) -> tuple[str | None, str | None]:
    """The title (drawn, so math text is checked) and the description."""
    title, description = data.get("title"), data.get("description")
    return (
        math_text(text(title, "title"), "title") if title is not None else None,
        text(description, "description") if description is not None else None,
    )


def judge(config: Config, schedules: list[Schedule] | None = None) -> None:
    """torch's verdict on the values its annotations do not describe (:mod:`lrviz.validate.verdict`)."""
    judge_optimizer(config)
    for schedule in config.schedules if schedules is None else schedules:
        judge_schedule(config, schedule)


def _run_length(data: dict[str, Any]) -> tuple[int, int]:
    """(optimizer steps, steps per epoch) from ``steps`` or ``epochs`` x ``steps_per_epoch``."""
    spe = positive_int(data.get("steps_per_epoch", 1), "steps_per_epoch", limit=MAX_STEPS)
    if "steps" in data and "epochs" in data:
        raise ConfigError("give either 'steps' or 'epochs' (with 'steps_per_epoch'), not both", key="epochs")
    if "steps" in data:
        return positive_int(data["steps"], "steps", limit=MAX_STEPS), spe
    if "epochs" in data:
        steps = positive_int(data["epochs"], "epochs", limit=MAX_STEPS) * spe
        if steps > MAX_STEPS:
            raise ConfigError(
                f"epochs x steps_per_epoch = {steps:,} is above the limit of {MAX_STEPS:,} steps", key="epochs"
            )
        return steps, spe
    raise ConfigError("missing 'steps' (optimizer steps to simulate) or 'epochs' with 'steps_per_epoch'", key="steps")


def _schedule_list(data: dict[str, Any]) -> tuple[list[Any], list[str]]:
    """The raw schedule mappings and their keys: the ``schedules`` list, or a single top-level one."""
    if "schedules" in data:
        for k in SINGLE_KEYS:
            if k in data:
                raise ConfigError(
                    f"top-level {k!r} is only for single-schedule configs; move it into 'schedules'", key=k
                )
        raw = data["schedules"]
        if not isinstance(raw, list) or not raw:
            raise ConfigError(f"expected a non-empty list of schedules, got {describe(raw)}", key="schedules")
        if len(raw) > MAX_SCHEDULES:
            raise ConfigError(f"{len(raw)} schedules is above the limit of {MAX_SCHEDULES}", key="schedules")
        return raw, [f"schedules[{i}]" for i in range(len(raw))]
    if "scheduler" in data:
        return [{k: data[k] for k in SINGLE_KEYS if k in data}], [""]
    raise ConfigError("missing 'schedules' (a list) or a top-level 'scheduler'", key="schedules")
