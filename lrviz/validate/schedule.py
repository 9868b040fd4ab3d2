"""One schedule of a config: its keys, its scheduler and params, its metric."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lrviz.errors import ConfigError, describe, key_join
from lrviz.registry.frameworks import takes_metric
from lrviz.spec import Config, Schedule, SchedulerSpec
from lrviz.validate.checks import check_keys, expect_mapping, math_text, one_line
from lrviz.validate.collect import Collector
from lrviz.validate.metric import resolve_metric
from lrviz.validate.params import Facts, resolve_scheduler
from lrviz.validate.verdict import judge_schedule

SCHEDULE_KEYS = ("label", "scheduler", "params", "interval", "metric")
INTERVALS = ("step", "epoch")


@dataclass(frozen=True)
class Run:
    """The facts of the run a schedule is validated against."""

    steps: int
    steps_per_epoch: int
    base_dir: Path
    trust: bool

    def scheduler_steps(self, interval: str) -> int:
        return self.steps // (1 if interval == "step" else self.steps_per_epoch)


def schedule_in(config: Config, raw: Any, key: str) -> Schedule:
    """The public entry for one more schedule of a validated config (a sweep's): every
    check, torch's verdict included (:mod:`lrviz.validate.verdict`)."""
    schedule = validate_schedule(raw, key, Run(config.steps, config.steps_per_epoch, config.base_dir, config.trust))
    judge_schedule(config, schedule)
    return schedule


def validate_schedule(raw: Any, key: str, run: Run) -> Schedule:
    """A schedule mapping at ``key`` -> a :class:`Schedule` with its scheduler resolved.

    The label is left as written (possibly empty); the config makes labels unique.
    """
    raw = expect_mapping(raw, key, "a mapping with 'scheduler' and 'params'")
    problems = Collector()  # each key is checked; all their errors are reported
    scheduler: str | None = None
    params: dict[str, Any] | None = None
    label = ""
    with problems:
        check_keys(raw, SCHEDULE_KEYS, key)
    with problems:
        scheduler = _scheduler_name(raw, key)
    with problems:
        params = dict(expect_mapping(raw.get("params") or {}, key_join(key, "params")))
    interval = raw.get("interval", "step")
    with problems:
        if interval not in INTERVALS:
            interval = "step"  # for what follows; the mistake is reported
            raise ConfigError(
                f"expected 'step' or 'epoch', got {describe(raw['interval'])}", key=key_join(key, "interval")
            )
    with problems:
        label = _label(raw.get("label"), key_join(key, "label"))
    if scheduler is not None and params is not None:
        steps = run.scheduler_steps(interval)
        facts = Facts(steps, run.base_dir, run.trust, run.steps, run.steps_per_epoch)
        with problems:
            spec = resolve_scheduler(scheduler, params, key, facts)
            schedule = Schedule(label, spec.name, params, spec, interval, raw.get("metric"), key)  # StepLR for steplr
            schedule.feed = _metric(schedule, steps, run)
    problems.raise_if_any()
    return schedule


def _scheduler_name(raw: dict[str, Any], key: str) -> str:
    if "scheduler" not in raw:
        raise ConfigError("missing 'scheduler' (a torch class such as StepLR, or a preset such as cosine)", key=key)
    scheduler = raw["scheduler"]
    if not isinstance(scheduler, str) or not scheduler.strip():
        raise ConfigError(f"expected a scheduler name, got {describe(scheduler)}", key=key_join(key, "scheduler"))
    return scheduler.strip()


def _label(raw: Any, key: str) -> str:
    if raw is None:
        return ""
    label = one_line(raw, key)
    if not label or len(label) > 200:
        raise ConfigError("a label must have 1 to 200 characters", key=key)
    return math_text(label, key)


def _metric(schedule: Schedule, steps: int, run: Run) -> Any:
    """The metric, resolved; refused where lrviz would feed it to a scheduler that reads it as an epoch."""
    key = key_join(schedule.key, "metric")
    spec = schedule.spec
    if schedule.metric is None:
        if spec.name == "ReduceLROnPlateau":
            raise ConfigError(
                "ReduceLROnPlateau needs a 'metric': a list of values, {expr: ..., noise: ..., seed: ...} "
                "or {csv: file, column: name}",
                key=key,
            )
        return None
    if not _takes_metric(spec):
        # simulate passes a metric to step(), which every other torch scheduler reads as
        # step(epoch): a silently wrong schedule (and a deprecation warning), so refuse it
        raise ConfigError(
            f"{spec.name} does not take a metric (only ReduceLROnPlateau, timm.<sched> and your own schedulers "
            "do); remove 'metric'",
            key=key,
        )
    return resolve_metric(schedule.metric, key, scheduler_steps=steps, base_dir=run.base_dir, trust=run.trust)


def _takes_metric(spec: SchedulerSpec) -> bool:
    """ReduceLROnPlateau, an import target (its own step decides) and timm's schedulers (train.py
    steps them with the eval metric) are given the metric; nothing else is."""
    if spec.kind == "framework":
        return takes_metric(spec.name)
    return spec.kind == "import" or spec.name == "ReduceLROnPlateau"


def unique_labels(schedules: list[Schedule]) -> None:
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
