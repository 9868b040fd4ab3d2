"""One log against every schedule of a plan: which schedule the run followed, and what differs.

The commands (``plot``, ``show``, ``check`` with ``--actual``) compare each log with every
schedule they were given, as the engine does one pair at a time
(:func:`~lrviz.actual.compare.compare_trajectory`), and need the verdict over all of them:
a config often holds several candidate schedules and a run followed one. A
:class:`Report` holds one log's comparisons, one per schedule (of one config, or of
several: :func:`combine`), and says

* **which schedules it agrees with** (:attr:`Report.agrees_with`): a comparison agrees when
  it has no error and at least one series was compared and agreed at every logged step;
* **whether the log is explained** (:attr:`Report.ok`): it agrees with at least one
  schedule. Only when it agrees with none are the divergences the verdict; with a schedule
  that agrees, the others' differences are information, not errors.

A log none of whose lr series can be matched to a param group is bad input (the user
must say which group with ``--actual-group``), raised as :class:`~lrviz.errors.LrvizError`.

Trajectories are duck-typed (``label``, ``lr``, ``momentum``, ``groups``), as in
:mod:`lrviz.actual.compare`: nothing here imports the simulation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lrviz.actual import findings as F
from lrviz.actual.compare import Comparison, compare_trajectory
from lrviz.actual.factors import candidates
from lrviz.actual.readings import choose
from lrviz.actual.series import LR, ActualLog
from lrviz.errors import LrvizError, did_you_mean


@dataclass
class Report:
    """One log and its comparison with each schedule (``configs[i]`` names the config of
    ``comparisons[i]`` when several configs were compared; "" otherwise)."""

    log: ActualLog
    comparisons: list[Comparison]
    configs: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.configs:
            self.configs = [""] * len(self.comparisons)

    @staticmethod
    def agrees(c: Comparison) -> bool:
        return c.ok and any(f.code == F.AGREE for f in c.findings)

    def where(self, i: int) -> str:
        """The schedule of comparison ``i`` as messages name it: ``'cosine'``, or ``a.yaml: 'cosine'``
        when the comparisons come from several configs."""
        name = repr(self.comparisons[i].schedule)
        return f"{self.configs[i]}: {name}" if self.configs[i] and len(set(self.configs)) > 1 else name

    @property
    def agreeing(self) -> list[int]:
        return [i for i, c in enumerate(self.comparisons) if self.agrees(c)]

    @property
    def agrees_with(self) -> list[str]:
        return [self.where(i) for i in self.agreeing]

    @property
    def ok(self) -> bool:
        return bool(self.agreeing)

    def verdict(self) -> str:
        """One line: the log, and the schedule(s) it agrees with or that it differs."""
        n = len(self.comparisons)
        if self.ok:
            what = f"agrees with {' and '.join(self.agrees_with)}"
            if n > 1:
                what += f" (of {n} schedules)"
        elif n == 1:
            first = self.comparisons[0].first_divergence
            what = f"differs from {self.where(0)}" + (f" from step {first.step}" if first is not None else "")
            if first is not None and first.cause is not None:
                what += f" ({first.cause.code})"
        else:
            what = f"agrees with none of the {n} schedules"
        release = self.log.meta.get("release")
        rules = (
            f" ({release.get('framework', 'transformers')} {release['releases']} rules)"
            if isinstance(release, dict)
            else ""
        )
        return f"plan vs actual: {self.log.file} ({self.log.format}){rules} {what}"

    def lines(self) -> list[str]:
        """The verdict, then per schedule what was found (for a schedule the run did not
        follow while another agrees, only where it differs)."""
        out = [self.verdict()]
        for i, c in enumerate(self.comparisons):
            others = self.ok and i not in self.agreeing
            shown = [f for f in c.findings if f.series is not None or i == 0]  # reader notes once
            if others:
                shown = [f for f in shown if f.code == F.DIVERGED] or shown[:1]
            state = "agrees" if self.agrees(c) else "differs"
            out.append(f"  {self.where(i)}: {state}")
            out.extend(f"    {f}" for f in shown)
        return out

    def verdict_class(self) -> dict[str, Any]:
        """The verdict as data: ``class`` (``agrees``, or the cause of the first divergence: ``skipped-steps``,
        ``resume-total``, ``different-total``, ``different-shape``, ``factor``, ``warmup-length``... ``diverged``
        when none fits, ``no-overlap``), and that cause's numbers."""
        if self.ok:
            return {"class": "agrees", "schedules": self.agrees_with}
        causes: list[dict[str, Any]] = []
        for i, c in enumerate(self.comparisons):
            first = c.first_divergence
            if first is None:
                kind = "no-overlap" if any(f.code == F.NO_OVERLAP for f in c.findings) else "diverged"
                causes.append({"schedule": self.where(i), "class": kind, "step": None, "cause": None})
                continue
            cause = first.cause.to_dict() if first.cause is not None else None
            causes.append(
                {"schedule": self.where(i), "class": cause["code"] if cause else "diverged", "step": first.step,
                 "planned": first.planned, "logged": first.logged, "cause": cause}
            )  # fmt: skip
        return {"class": causes[0]["class"] if len(causes) == 1 else "none-agrees", "per_schedule": causes}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (through :mod:`lrviz.jsonio`), for ``check --format json``."""
        return {
            "file": self.log.file,
            "format": self.log.format,
            "ok": self.ok,
            "verdict": self.verdict_class(),
            "release": self.log.meta.get("release"),
            "agrees_with": [
                {"config": self.configs[i] or None, "schedule": self.comparisons[i].schedule} for i in self.agreeing
            ],
            "comparisons": [
                {"config": config or None, **c.to_dict()}
                for config, c in zip(self.configs, self.comparisons, strict=True)
            ],
        }


def compare_plan(
    trajectories: Sequence[Any],
    logs: Sequence[ActualLog],
    *,
    groups: Sequence[str] = (),
    factors: Mapping[str, float] | None = None,
    config: str = "",
) -> list[Report]:
    """A :class:`Report` per log, each compared with every trajectory (in order).

    ``groups``: the ``--actual-group`` values. With several logs, a ``SERIES=GROUP`` value applies
    to the logs that have SERIES (one that no log has is an error) and a bare ``GROUP`` to each.
    ``factors``: named candidate factors (world size, accumulation...), merged with what each log
    states itself (:mod:`lrviz.actual.factors`).
    """
    _check_group_options(logs, groups)
    reports = []
    for log in logs:
        options = _groups_for(log, groups) if len(logs) > 1 else list(groups)
        named = candidates(log, factors)
        log, comparisons = choose(
            log,
            lambda lg: [compare_trajectory(t, lg, groups=options, factors=named) for t in trajectories],  # noqa: B023
            Report.agrees,
        )
        if comparisons:
            _require_a_compared_series(log, comparisons[0])
        reports.append(Report(log, comparisons, [config] * len(comparisons)))
    return reports


def combine(per_config: Sequence[Sequence[Report]]) -> list[Report]:
    """The reports of several configs (each a :func:`compare_plan` over the same logs) as one per log."""
    if not per_config:
        return []
    merged = []
    for i, first in enumerate(per_config[0]):
        parts = [reports[i] for reports in per_config]
        merged.append(
            Report(first.log, [c for r in parts for c in r.comparisons], [name for r in parts for name in r.configs])
        )
    return merged


def _lr_names(log: ActualLog) -> list[str]:
    return [s.name for s in log.series if s.kind == LR]


def _groups_for(log: ActualLog, groups: Sequence[str]) -> list[str]:
    names = set(_lr_names(log))
    return [g for g in groups if "=" not in g or g.rpartition("=")[0] in names]


def _check_group_options(logs: Sequence[ActualLog], groups: Sequence[str]) -> None:
    if len(logs) < 2:
        return  # one log: the engine's own messages name what it has
    every = sorted({name for log in logs for name in _lr_names(log)})
    for g in groups:
        series, sep, _ = g.rpartition("=")
        if sep and series not in every:
            raise LrvizError(
                f"--actual-group {g!r}: no log has an lr series {series!r}{did_you_mean(series, every)} "
                f"(they have {', '.join(every)})"
            )


def _require_a_compared_series(log: ActualLog, c: Comparison) -> None:
    """Bad input: no lr series of the log could be matched to a param group (say which with --actual-group)."""
    if any(s.kind == LR for s in c.series):
        return
    unmapped = [f for f in c.findings if f.code == F.UNMAPPED and f.kind == LR]
    why = f"{unmapped[0].series}: {unmapped[0].message}" if unmapped else "no lr series matched a param group"
    raise LrvizError(f"no lr series of this log could be compared with the plan ({why})", file=log.file)


__all__ = ["Report", "combine", "compare_plan"]
