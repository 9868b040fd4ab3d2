"""A TrainingArguments file and the trainer_state.json its run wrote: which release's rules agree with the log.

A Trainer run's schedule and its log depend on the release that ran it
(:mod:`lrviz.sources.hf_rules` for the plan, :mod:`lrviz.actual.conventions` for the log). Given a
``trainer_state.json`` and no ``--transformers-version``, lrviz plans the file under each set of
rules that differ (:data:`CANDIDATES`), reads the log with that release's ``learning_rate``
convention, and keeps the first set whose plan the log agrees with; when none agrees, the set
whose total equals the log's own ``max_steps`` and under which most logged points agree. It
says which it used and why (:attr:`Fit.why`).

It also gives the comparison what only a re-plan can: :attr:`Fit.planner` (overrides -> the
planned lr, for a resume's first total) and, when the log's ``max_steps`` is not the plan's
total, the likely reason (:func:`total_reason`: processes, DataParallel, accumulation, the
rounding rule of another release), each found by planning the file again with that one change.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lrviz.actual import conventions
from lrviz.actual.hf import with_reading
from lrviz.actual.series import INFO, WARNING, Note
from lrviz.errors import LrvizError

if TYPE_CHECKING:
    import numpy as np

    from lrviz.actual import ActualLog
    from lrviz.sources.load import Loaded


@dataclass(frozen=True)
class Candidate:
    """One set of rules: the release planned with, the releases that share them, the log's reading."""

    version: str
    releases: str
    reading: conventions.Convention


#: Every set of rules that differs between 4.40 and 5.x, oldest first (see hf_rules and conventions).
CANDIDATES = (
    Candidate("4.50", "4.40 to 4.50", conventions.TRANSFORMERS_AFTER_STEP),
    Candidate("4.51", "4.51", conventions.TRANSFORMERS),
    Candidate("4.57", "4.52 to 4.57", conventions.TRANSFORMERS),
    Candidate("5.23", "5.2 and later", conventions.TRANSFORMERS),
)
#: Processes and accumulation tried when the run's total is not the plan's.
WORLD_SIZES = (2, 3, 4, 6, 8, 12, 16, 24, 32, 64)
ACCUMULATIONS = (2, 4, 8, 16, 32, 64)


@dataclass
class Fit:
    """The rules a log agrees with, the plan under them and the log read their way."""

    candidate: Candidate
    loaded: Loaded
    log: ActualLog
    agrees: bool
    why: list[str] = field(default_factory=list)
    releases: str = ""  # every release whose rules agree ("4.51 / 4.52 to 4.57 / 5.2 and later")

    def to_dict(self) -> dict[str, Any]:
        return {
            "rules": self.candidate.version,
            "releases": self.candidate.releases,
            "reading": self.candidate.reading.describe(),
            "why": self.why,
        }


@dataclass
class _Tried:
    candidate: Candidate
    loaded: Loaded
    log: ActualLog
    total: int
    agrees: bool
    agreeing: int
    prefix: int  # logged points that agree before the first that does not
    explained: bool  # the divergence has a cause that fits every point (not the fallback "changed-after")


def _total(loaded: Loaded) -> int:
    assert loaded.plan is not None
    value = loaded.plan.row("total optimizer steps").value
    return int(value)


def _try(path: Path, log: ActualLog, cand: Candidate, options: Mapping[str, Any]) -> _Tried | None:
    import numpy as np

    from lrviz.actual import compare_plan
    from lrviz.check.actual import plan_trajectories
    from lrviz.sources import load_source

    try:
        loaded = load_source(path, kind="hf", transformers_version=cand.version, **options)
    except LrvizError:
        return None  # the file is not valid under this release (a float warmup_steps under 4.x)
    read = with_reading(log, cand.reading)
    read.meta["release"] = {"rules": cand.version}  # read under these rules only (no other reading is tried)
    trajectories = plan_trajectories(loaded.config)
    if not trajectories:
        return None
    report = compare_plan(trajectories[:1], [read])[0]
    series = report.comparisons[0].series
    agreeing = sum(int(np.count_nonzero(s.agree)) for s in series)
    inside = [s.agree[np.isfinite(s.planned)] for s in series]
    prefix = min((int(np.argmin(a)) if not np.all(a) else int(a.size) for a in inside), default=0)
    first = report.comparisons[0].first_divergence
    explained = first is not None and first.cause is not None and first.cause.code != "changed-after"
    return _Tried(cand, loaded, read, _total(loaded), report.ok, agreeing, prefix, explained)


def fit_release(path: Path, log: ActualLog, options: Mapping[str, Any]) -> Fit | None:
    """The rules ``log`` agrees with for the TrainingArguments file at ``path`` (None: none plans).

    ``options``: load_source's (dataset_size, world_size, trust, steps, device)."""
    tried = [t for t in (_try(path, log, c, options) for c in CANDIDATES) if t is not None]
    if not tried:
        return None
    run_total = log.meta.get("max_steps")
    why = []
    agreeing = [t for t in tried if t.agrees]
    tied: list[_Tried] = []
    if agreeing:
        best = agreeing[0]
        why.append("the log agrees with the plan under these rules")
    else:
        # the reading shows where the log starts (the first points, before whatever changed the run); the total
        # is the log's own max_steps
        # a reading under which a cause fits every point beats one where values agree by coincidence (a log at
        # twice the lr read one step off can match a warmup's first steps)
        score = max((t.total == run_total, t.explained, t.prefix, t.agreeing) for t in tried)
        tied = [t for t in tried if (t.total == run_total, t.explained, t.prefix, t.agreeing) == score]
        best = tied[0]
        if best.total == run_total:
            why.append(f"the log's max_steps {run_total} is the total under these rules")
        if best.explained:
            why.append("under them one cause fits every logged value (see the divergence)")
        why.append(
            f"its first {best.prefix} logged values agree under that release's reading (the longest agreeing start "
            "of any release's rules)"
        )
    why.append(f"its learning_rate is read as {best.candidate.reading.rule}")
    totals = sorted({(t.total, t.candidate.releases) for t in tried})
    if len({t for t, _ in totals}) > 1:
        why.append("totals by release: " + ", ".join(f"{r}: {t}" for t, r in totals))
    names = " / ".join(t.candidate.releases for t in (agreeing or tied))
    return Fit(best.candidate, best.loaded, best.log, best.agrees, why, names)


def planner(path: Path, version: str, options: Mapping[str, Any]) -> Any:
    """TrainingArguments overrides -> the planned lr of the first group (None when it does not plan)."""
    from lrviz.sources.files import read_mapping
    from lrviz.sources.planning import plan
    from lrviz.validate import load_config

    data = read_mapping(path)

    def replan(overrides: Mapping[str, Any]) -> np.ndarray | None:
        from lrviz.check.actual import plan_trajectories

        try:
            planned = plan(
                {**data, **overrides},
                kind="hf",
                dataset_size=options.get("dataset_size"),
                world_size=options.get("world_size") or 1,
                transformers_version=version,
            )
            trajectories = plan_trajectories(load_config(planned.config))
        except LrvizError:
            return None
        return trajectories[0].lr[:, 0] if trajectories else None

    return replan


def total_reason(path: Path, log: ActualLog, version: str, options: Mapping[str, Any], plan_total: int) -> str | None:
    """Why the run's total (the log's max_steps) is not the plan's: the one change that gives it."""
    from lrviz.sources.files import read_mapping
    from lrviz.sources.planning import plan

    run = log.meta.get("max_steps")
    if not isinstance(run, int) or run == plan_total:
        return None
    data = read_mapping(path)
    world = options.get("world_size") or 1

    def total(changes: Mapping[str, Any], world_size: int = world, rules: str = version) -> int | None:
        try:
            p = plan({**data, **changes}, kind="hf", dataset_size=options.get("dataset_size"), world_size=world_size,
                     transformers_version=rules)  # fmt: skip
        except LrvizError:
            return None
        return int(p.row("total optimizer steps").value)

    found = []
    batch = int(data.get("per_device_train_batch_size", 8))
    logged_batch = log.meta.get("train_batch_size")
    if isinstance(logged_batch, int) and logged_batch != batch and logged_batch % batch == 0:
        gpus = logged_batch // batch
        if total({"per_device_train_batch_size": logged_batch}) == run:
            found.append(
                f"DataParallel over {gpus} GPUs (the log's train_batch_size {logged_batch} = per_device_train_batch_"
                f"size {batch} x {gpus})"
            )
    found += [f"{w} processes (--world-size {w})" for w in WORLD_SIZES if w != world and total({}, world_size=w) == run]
    accum = int(data.get("gradient_accumulation_steps", 1))
    found += [
        f"gradient_accumulation_steps {a} (the file says {accum})"
        for a in ACCUMULATIONS
        if a != accum and total({"gradient_accumulation_steps": a}) == run
    ]
    found += [
        f"the rounding rule of transformers {c.releases}"
        for c in CANDIDATES
        if c.version != version and total({}, rules=c.version) == run
    ]
    return " or ".join(found[:3]) if found else None


def apply(
    path: Path, log: ActualLog, loaded: Loaded, options: Mapping[str, Any], version: str | None, fit: Fit | None = None
) -> ActualLog:
    """The log ready for the comparison with ``loaded``: read with its release's convention (``fit``'s, or the one
    ``version`` gives), with a planner, the reason its total differs, and a note saying which rules and why."""
    releases = fit.releases if fit is not None else None
    if fit is not None:
        cand, read, why = fit.candidate, with_reading(log, fit.candidate.reading), fit.why
    elif version is None:
        return log
    else:
        from lrviz.sources.hf_rules import parse

        given = parse(version, "--transformers-version")
        cand = next((c for c in reversed(CANDIDATES) if given >= tuple(map(int, c.version.split(".")))), CANDIDATES[0])
        read = with_reading(log, cand.reading)
        why = [f"--transformers-version {version}", f"its learning_rate is read as {cand.reading.rule}"]
    plan_total = _total(loaded)
    reason = total_reason(path, read, cand.version, options, plan_total)
    said = {"framework": "transformers", "rules": cand.version, "releases": releases or cand.releases, "why": why}
    meta = {**read.meta, "release": said}
    meta["plan_type"] = loaded.config.schedules[0].scheduler.removeprefix("hf.") if loaded.config.schedules else None
    if reason:
        meta["total_reason"] = reason
    notes = [*read.notes, Note("release", INFO, f"transformers {releases or cand.releases} rules: " + "; ".join(why))]
    notes += _facts(read, loaded, plan_total, reason)
    return dataclasses.replace(read, meta=meta, notes=notes, planner=planner(path, cand.version, options))


def _facts(log: ActualLog, loaded: Loaded, plan_total: int, reason: str | None) -> list[Note]:
    """What trainer_state.json states that the plan contradicts, both numbers (before any value is compared)."""
    out = []
    run = log.meta.get("max_steps")
    if isinstance(run, int) and run != plan_total:
        why = f" (likely {reason})" if reason else ""
        out.append(Note("fact-max-steps", WARNING, f"the log's max_steps is {run}, the plan's total {plan_total}{why}"))
    assert loaded.plan is not None
    batch = log.meta.get("train_batch_size")
    planned = loaded.plan.row("batch").value
    per_device = int(str(planned).split(" x ")[0])
    if isinstance(batch, int) and batch != per_device:
        out.append(
            Note(
                "fact-train-batch-size",
                WARNING,
                f"the log's train_batch_size is {batch}, the plan's per-device batch {per_device} (the Trainer's "
                f"train_batch_size is per_device_train_batch_size x GPUs of one process: DataParallel over "
                f"{batch / per_device:g} GPUs?)",
            )
        )
    return out


def prepare(
    loaded: list[Loaded], logs: list[ActualLog], options: Mapping[str, Any], version: str | None
) -> tuple[list[Loaded], list[ActualLog]]:
    """The configs and logs of a command, the trainer_state.json logs read under their release's rules.

    The first TrainingArguments file is planned under the rules the first transformers log agrees
    with (unless ``version`` names them); every transformers log is read with those rules' convention."""
    first = next((i for i, one in enumerate(loaded) if one.kind == "hf" and one.config.source is not None), None)
    hf_logs = [j for j, log in enumerate(logs) if log.format == "transformers" or _tensorboard_of_trainer(log)]
    if first is None or not hf_logs:
        return loaded, logs
    path = Path(str(loaded[first].config.source))
    loaded, logs = list(loaded), list(logs)
    fit = fit_release(path, logs[hf_logs[0]], options) if version is None else None
    if fit is not None:
        loaded[first] = _said(fit.loaded, "; ".join(fit.why))
    for j in hf_logs:
        logs[j] = apply(path, logs[j], loaded[first], options, version, fit)
    return loaded, logs


def _tensorboard_of_trainer(log: ActualLog) -> bool:
    """Event files the Trainer's TensorBoardCallback wrote (a train/learning_rate tag): read as its log is."""
    return log.format == "tensorboard" and any(s.convention.name.startswith("transformers") for s in log.series)


def _said(one: Loaded, why: str) -> Loaded:
    """The plan's 'transformers rules' row, saying the log chose them."""
    assert one.plan is not None
    rows = [
        dataclasses.replace(r, how=f"the rules the trainer_state.json agrees with: {why}")
        if r.name == "transformers rules"
        else r
        for r in one.plan.rows
    ]
    return dataclasses.replace(one, plan=dataclasses.replace(one.plan, rows=rows))


__all__ = ["CANDIDATES", "Candidate", "Fit", "apply", "fit_release", "planner", "prepare", "total_reason"]
