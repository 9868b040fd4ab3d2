"""Which release's logging convention a log agrees with, when the plan cannot say (an lrviz config).

A framework's log is read with the convention of its newest releases (:mod:`lrviz.actual.conventions`).
Some older releases wrote the same file differently:

* **transformers up to 4.50** logged ``learning_rate`` after ``lr_scheduler.step()`` (in
  ``trainer_state.json`` and, through ``TensorBoardCallback``, as ``train/learning_rate`` in event files):
  :data:`~lrviz.actual.conventions.TRANSFORMERS_AFTER_STEP`;
* **pytorch-lightning up to 2.4**, after a resume from a checkpoint saved inside an epoch, logged every
  step one low (``metrics.csv`` and ``lr-*`` tags): :data:`~lrviz.actual.conventions.LIGHTNING_RESUME_LAG`.

:func:`choose` compares the log as read; when it agrees with no schedule, it tries each older reading
that applies to the log (:data:`READINGS`, a registry) and keeps the first under which it agrees. Either
way the log's ``meta["release"]`` says which releases' rules were used and why (``framework``,
``releases``, ``why``), as the TrainingArguments path does (:mod:`lrviz.check.hf_release`, which plans the
file under each release and sets it first: then nothing here runs).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lrviz.actual import conventions
from lrviz.actual.hf import with_reading
from lrviz.actual.series import INFO, ActualLog, LoggedSeries, Note

if TYPE_CHECKING:
    from lrviz.actual.compare import Comparison

TRANSFORMERS = "transformers"
LIGHTNING = "pytorch-lightning"


def framework_series(log: ActualLog, framework: str) -> list[LoggedSeries]:
    """The series of ``log`` a framework's convention was applied to (by the convention's name)."""
    prefix = "transformers" if framework == TRANSFORMERS else "lightning"
    return [s for s in log.series if s.convention.name.startswith(prefix)]


def resume_start(s: LoggedSeries) -> int | None:
    """Where a Lightning series' resumed run starts: the step it went back to, else a first step past 0."""
    if s.resumed_from is not None:
        return s.resumed_from
    if s.steps.size and int(s.steps[0]) > 0:
        return int(s.steps[0])
    return None


def transformers_after_step(log: ActualLog) -> ActualLog | None:
    """The log read as transformers up to 4.50 wrote it (the lr after each scheduler step)."""
    return with_reading(log, conventions.TRANSFORMERS_AFTER_STEP) if framework_series(log, TRANSFORMERS) else None


def lightning_resume_lag(log: ActualLog) -> ActualLog | None:
    """The log read as pytorch-lightning up to 2.4 wrote a resumed run: every step from the resume on is one
    low, so its row is the step + 1 (the first run's steps keep theirs)."""
    series, changed = [], False
    for s in log.series:
        start = resume_start(s) if s.convention.name.startswith("lightning") else None
        if start is None:
            series.append(s)
            continue
        late = s.steps >= start
        rows = s.rows + late.astype(s.rows.dtype)
        series.append(dataclasses.replace(s, rows=rows, convention=conventions.LIGHTNING_RESUME_LAG))
        changed = True
    if not changed:
        return None
    return dataclasses.replace(log, series=series, meta=dict(log.meta), notes=list(log.notes))


@dataclass(frozen=True)
class Reading:
    """An older release's way of writing the log: the releases, how to re-read a log their way, the rule."""

    framework: str
    releases: str
    reread: Callable[[ActualLog], ActualLog | None]
    rule: str
    #: Used, when no reading agrees, if a cause fits under it and more logged values agree than as read. The
    #: Lightning lag moves only the resumed run's rows (a log with no resume is not re-read); the transformers
    #: reading moves every row, so a log that agrees with nothing keeps the newest reading (as before).
    fallback: bool = False


#: Tried in order when the log as read agrees with no schedule.
READINGS = (
    Reading(TRANSFORMERS, "4.40 to 4.50", transformers_after_step, conventions.TRANSFORMERS_AFTER_STEP.rule),
    Reading(LIGHTNING, "1.9 to 2.4", lightning_resume_lag, conventions.LIGHTNING_RESUME_LAG.rule, fallback=True),
)
#: The releases whose convention a log is read with first, per framework, and why.
NEWEST = {
    TRANSFORMERS: ("4.51 and later", conventions.TRANSFORMERS.rule),
    LIGHTNING: ("1.9 to 2.6", conventions.LIGHTNING.rule),
}


def _release(framework: str, releases: str, why: list[str]) -> dict[str, Any]:
    return {"framework": framework, "rules": None, "releases": releases, "why": why}


def _newest(log: ActualLog, comparisons: list[Comparison], agrees: bool) -> tuple[ActualLog, list[Comparison]]:
    """The log as read, saying which releases' rules that is (Lightning logs and event files; a trainer_state.json
    read as read says nothing, as before): a release note in the log and, as a reader's note, in each comparison."""
    from lrviz.actual.compare import in_order
    from lrviz.actual.findings import Finding

    frameworks = [f for f in NEWEST if framework_series(log, f)]
    if not frameworks or (log.format == "transformers" and frameworks == [TRANSFORMERS]):
        return log, comparisons
    framework = frameworks[0]
    releases, rule = NEWEST[framework]
    why = [f"read as {rule}"]
    if not agrees:
        why.append("no older release's reading agrees either")
    if framework == LIGHTNING and agrees:
        lightning = framework_series(log, LIGHTNING)
        back = sorted({r for s in lightning if (r := s.resumed_from) is not None})
        late = sorted({r for s in lightning if (r := resume_start(s)) is not None})
        if back:
            releases = "2.5 and later, or any release resumed from an epoch-end checkpoint"
            why.append(f"the log resumes at step {back[0]} and keeps counting from it (no lag: pytorch-lightning "
                       "2.5 fixed the step of a mid-epoch resume)")  # fmt: skip
        elif late:
            why.append(
                f"the log starts at step {late[0]}: if it is a run resumed from a checkpoint saved inside an epoch, "
                "pytorch-lightning 2.5 or later wrote it (1.9 to 2.4 log such a run one step low)"
            )
    meta = {**log.meta, "release": _release(framework, releases, why)}
    note = Note("release", INFO, f"{framework} {releases} rules: " + "; ".join(why))
    said = [
        dataclasses.replace(c, findings=in_order([*c.findings, Finding(note.code, note.severity, note.message)]))
        for c in comparisons
    ]
    return dataclasses.replace(log, meta=meta, notes=[*log.notes, note]), said


def choose(
    log: ActualLog, compare: Callable[[ActualLog], list[Comparison]], agrees: Callable[[Comparison], bool]
) -> tuple[ActualLog, list[Comparison]]:
    """The log (re-read under the older release's reading it agrees with, if any) and its comparisons."""
    comparisons = compare(log)
    if "release" in log.meta:
        return log, comparisons
    if any(agrees(c) for c in comparisons):
        return _newest(log, comparisons, True)
    explained: tuple[Reading, ActualLog, list[Comparison]] | None = None
    best = _score(comparisons)
    for reading in READINGS:
        other = reading.reread(log)
        if other is None:
            continue
        again = compare(other)
        if any(agrees(c) for c in again):
            why = f"it agrees with a schedule only when read as a {reading.framework} {reading.releases} log"
            return _older(reading, other, why), again
        if reading.fallback and _score(again) > best:
            best, explained = _score(again), (reading, other, again)
    if explained is not None:  # no reading agrees; under this one a cause fits, and most logged values agree
        reading, other, again = explained
        why = (
            f"no reading agrees; read as a {reading.framework} {reading.releases} log, a cause fits and the most "
            "logged values agree"
        )
        return _older(reading, other, why), again
    return _newest(log, comparisons, False)


def _older(reading: Reading, log: ActualLog, why: str) -> ActualLog:
    why = f"{why} ({reading.rule})"
    log.meta["release"] = _release(reading.framework, reading.releases, [why])
    log.notes.append(Note("release", INFO, f"{reading.framework} {reading.releases} rules: {why}"))
    return log


def _score(comparisons: list[Comparison]) -> tuple[bool, int]:
    """How well a reading explains a log no reading agrees with: a cause fits, then the logged values that agree."""
    agreeing = sum(int(s.agree.sum()) for c in comparisons for s in c.series)
    return _explained(comparisons), agreeing


def _explained(comparisons: list[Comparison]) -> bool:
    """A cause other than the fallback fits the first divergence of some comparison."""
    firsts = [c.first_divergence for c in comparisons]
    return any(f is not None and f.cause is not None and f.cause.code != "changed-after" for f in firsts)


__all__ = ["NEWEST", "READINGS", "Reading", "choose", "lightning_resume_lag", "resume_start", "transformers_after_step"]
