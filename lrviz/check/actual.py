"""``check --actual FILE``: a logged run against the plan, as check findings.

The comparison engine (:mod:`lrviz.actual`) grades its findings ``error``, ``warning`` and
``info``; ``check`` has errors and warnings, and its exit code counts them. The mapping:

* a log that **agrees** with at least one schedule (:attr:`lrviz.actual.Report.ok`): the
  warnings of the agreeing comparison(s) become check warnings (``actual-<code>``: a run
  that went on past the plan, a rewritten step, a series that could not be matched); the
  other schedules' differences are not findings (the run did not follow them), they are
  in the JSON report and the notes;
* a log that agrees with **no** schedule: every comparison's errors (``actual-diverged``,
  ``actual-no-overlap``) and warnings become check findings, so ``check`` exits 1 and names,
  per schedule, the first diverging step, both values and the likely cause;
* ``info`` (the agreement itself, repeated steps logged with the same value, float32
  values) is never a check finding, so ``--strict`` does not fail on it: it is printed as
  notes under the findings and kept, with every comparison, in ``--format json``'s
  ``actual`` list.

A log's reader notes (a truncated event file) are the same in every comparison and are
reported once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lrviz.check.findings import Finding
from lrviz.check.run import simulate_each
from lrviz.errors import SimulationError
from lrviz.simulate import Trajectory

if TYPE_CHECKING:
    from lrviz.actual import Report
    from lrviz.actual.findings import Finding as LogFinding
    from lrviz.spec import Config

INFO = "info"


def plan_trajectories(
    config: Config, device: str | None = None, simulated: list[Trajectory | SimulationError] | None = None
) -> list[Trajectory]:
    """Every schedule of ``config`` that simulates (one that fails mid-run is check's own finding).

    ``simulated``: the runs of :func:`lrviz.check.run.simulate_each`, when stepped already."""
    runs = simulated if simulated is not None else simulate_each(config, device)
    return [run for run in runs if isinstance(run, Trajectory)]


def _judged(report: Report) -> list[int]:
    """The comparisons whose findings count: the agreeing ones, or all when none agrees."""
    return report.agreeing if report.ok else list(range(len(report.comparisons)))


def as_findings(report: Report) -> list[Finding]:
    """The check findings of one log (see the module docstring for what counts)."""
    out = []
    judged = _judged(report)
    for i in judged:
        c = report.comparisons[i]
        for f in c.findings:
            if f.severity == INFO or (f.series is None and i != judged[0]):
                continue
            out.append(
                Finding(
                    c.schedule,
                    f.severity,
                    f"actual-{f.code}",
                    f"{report.log.file}: {_who(f)}{f.message}",
                    step=f.step,
                    values=_values(report, f),
                    config=report.configs[i] or None,
                )
            )
    return out


def notes(report: Report) -> list[str]:
    """What the findings leave out: the verdict, each judged comparison's info, the other schedules' divergence."""
    out = [report.verdict()]
    judged = _judged(report)
    for i, c in enumerate(report.comparisons):
        for f in c.findings:
            if f.series is None and i != 0:
                continue
            if i in judged and f.severity == INFO:
                out.append(f"  note: {report.where(i)}: {_who(f)}[{f.code}] {f.message}")
            elif i not in judged and f.code == "diverged":
                out.append(f"  note: {report.where(i)} (not the schedule this run followed): {_who(f)}{f.message}")
    return out


def _who(f: LogFinding) -> str:
    if f.series is None:
        return ""
    return f"{f.series} -> {f.group}: " if f.group else f"{f.series}: "


def _values(report: Report, f: LogFinding) -> dict[str, object]:
    d = f.to_dict()
    return {
        "file": report.log.file,
        "format": report.log.format,
        **{k: d[k] for k in ("series", "group", "kind", "logged_step", "planned", "logged", "cause")},
        **d["values"],
    }


__all__ = ["as_findings", "notes", "plan_trajectories"]
