"""The comparison engine: a plan (per-group arrays) against a read log, as structured findings.

Pure functions over numpy arrays: nothing here steps a scheduler, reads a file or prints.
:func:`compare_log` takes the planned lr (and momentum) of one schedule, ``(steps, groups)``
float64 as :func:`lrviz.simulate.simulate` records them, the plan's group names, and an
:class:`~lrviz.actual.series.ActualLog`; :func:`compare_trajectory` is the same for a
``Trajectory``. Each logged series is matched to a group (:mod:`lrviz.actual.groups`) and
compared at every logged step inside the plan.

**Tolerance** (:func:`rtol_for`): two values agree when ``|logged - planned| <= rtol x
max(|logged|, |planned|)`` (or both are the same inf / NaN). ``rtol`` is 4 machine epsilons
of the precision the log stored: float64 (``repr`` in JSON and CSV round-trips exactly)
gives 8.9e-16, float32 (TensorBoard's ``simple_value``) 4.8e-7 -- rounding a float64 to
float32 errs by at most half an epsilon, and 4 leaves room for an lr computed in a
different order; a CSV written with N significant digits gives 10^(1-N), twice the worst
rounding. A series stored as float64 that disagrees at that tolerance but agrees
everywhere at float32's is reported as agreeing, with a finding saying its values are
float32 (an lr kept in a float32 tensor).

**Result**: a :class:`Comparison` with one :class:`SeriesResult` per series (rows, logged
and planned values, agreement mask: what ``plot`` draws) and findings (what ``check``
prints and ``--format json`` serializes). :attr:`Comparison.first_divergence` is the
finding ``plot`` marks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lrviz.actual import findings as F
from lrviz.actual.causes import likely_cause
from lrviz.actual.evidence import Evidence
from lrviz.actual.findings import Finding, num
from lrviz.actual.groups import GroupMatch, assign_groups
from lrviz.actual.series import ERROR, INFO, LR, WARNING, ActualLog, LoggedSeries

if TYPE_CHECKING:
    import numpy as np

    from lrviz.actual.conventions import Convention

#: Machine epsilons a tolerance is made of (see the module docstring).
TOLERANCE_EPS = 4


def rtol_for(dtype: str) -> float:
    """The relative tolerance that fits a log's stored precision."""
    import numpy as np

    if dtype.startswith("decimal"):
        return 10.0 ** (1 - int(dtype[len("decimal") :]))
    eps: dict[str, float] = {
        "float64": float(np.finfo(np.float64).eps),
        "float32": float(np.finfo(np.float32).eps),
        "float16": float(np.finfo(np.float16).eps),
        "bfloat16": 2.0**-7,  # 8 bits of mantissa
    }
    return TOLERANCE_EPS * eps.get(dtype, eps["bfloat16"])


@dataclass
class SeriesResult:
    """One logged series against its planned group."""

    series: str
    kind: str
    group: str | None
    group_index: int | None
    why: str  # why this group
    convention: Convention
    dtype: str
    rtol: float
    rows: np.ndarray  # logged rows (all, including those outside the plan)
    logged: np.ndarray
    planned: np.ndarray  # plan at rows, NaN outside the plan
    agree: np.ndarray  # bool per row; False outside the plan
    first_divergence: int | None = None  # row
    findings: list[Finding] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "series": self.series,
            "kind": self.kind,
            "group": self.group,
            "matched_because": self.why,
            "convention": self.convention.describe(),
            "dtype": self.dtype,
            "rtol": self.rtol,
            "points": int(self.rows.shape[0]),
            "first_step": int(self.rows[0]) if self.rows.size else None,
            "last_step": int(self.rows[-1]) if self.rows.size else None,
            "first_divergence": self.first_divergence,
        }


@dataclass
class Comparison:
    """A log against one planned schedule."""

    schedule: str
    file: str
    format: str
    steps: int
    series: list[SeriesResult]
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        return not any(f.severity == ERROR for f in self.findings)

    @property
    def first_divergence(self) -> Finding | None:
        """The earliest divergence of any series (the step ``plot`` marks)."""
        diverged = [f for f in self.findings if f.code == F.DIVERGED and f.step is not None]
        return min(diverged, key=lambda f: f.step) if diverged else None  # type: ignore[arg-type, return-value]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schedule": self.schedule,
            "file": self.file,
            "format": self.format,
            "steps": self.steps,
            "ok": self.ok,
            "series": [s.to_dict() for s in self.series],
            "findings": [f.to_dict() for f in self.findings],
        }


def compare_trajectory(traj: Any, log: ActualLog, **options: Any) -> Comparison:
    """:func:`compare_log` for a simulated ``Trajectory`` (its lr, momentum, groups and label)."""
    return compare_log(traj.lr, traj.momentum, list(traj.groups), log, schedule=traj.label, **options)


def compare_log(
    planned_lr: np.ndarray,
    planned_momentum: np.ndarray | None,
    group_names: Sequence[str],
    log: ActualLog,
    *,
    schedule: str = "",
    groups: Sequence[str] = (),
    factors: Mapping[str, float] | None = None,
    rtol: float | None = None,
) -> Comparison:
    """Compare every series of ``log`` with its planned group.

    ``groups``: ``--actual-group`` values (``GROUP`` or ``SERIES=GROUP``). ``factors``: scalings the
    caller can name, ``{"world size": 8, "gradient accumulation": 4}``, used to name a constant
    factor. ``rtol`` overrides the tolerance derived from each series' precision.
    """
    import numpy as np

    planned_lr = np.asarray(planned_lr, dtype=np.float64)
    steps = int(planned_lr.shape[0])
    matches = assign_groups(log.series, group_names, groups)
    out: list[Finding] = [Finding(n.code, n.severity, n.message) for n in log.notes]
    results = []
    for s in log.series:
        match = matches[s.name]
        plan = planned_lr if s.kind == LR else planned_momentum
        result, found = _compare_series(s, match, plan, group_names, factors or {}, rtol, log=log)
        if result is not None:
            results.append(result)
        out.extend(found)
    return Comparison(
        schedule=schedule, file=log.file, format=log.format, steps=steps, series=results, findings=in_order(out)
    )


def in_order(found: list[Finding]) -> list[Finding]:
    """Errors first, then warnings, then info; within a severity the verdict (diverged / agree) before the rest."""
    order = {F.DIVERGED: 0, F.NO_OVERLAP: 1, F.AGREE: 0}

    def key(f: Finding) -> tuple[int, int, int]:
        return (F.SEVERITIES.index(f.severity), order.get(f.code, 2), -1 if f.step is None else f.step)

    return sorted(found, key=key)


def _run_steps(log: ActualLog) -> int | None:
    value = log.meta.get("max_steps")
    return int(value) if isinstance(value, (int, float)) and value > 0 else None


def _compare_series(
    s: LoggedSeries,
    match: GroupMatch,
    plan: np.ndarray | None,
    group_names: Sequence[str],
    factors: Mapping[str, float],
    rtol: float | None,
    *,
    log: ActualLog,
) -> tuple[SeriesResult | None, list[Finding]]:
    """One series against its group's plan: the result to draw and its findings."""
    import numpy as np

    base: dict[str, Any] = {"series": s.name, "kind": s.kind}
    if match.group is None:
        return None, [*_repeat_findings(s, base), Finding(F.UNMAPPED, WARNING, f"not compared: {match.why}", **base)]
    base["group"] = group_names[match.group]
    found = _repeat_findings(s, base)
    if plan is None:
        why = "not compared: the log has a momentum, the plan's optimizer has none"
        return None, [*found, Finding(F.NO_PLANNED_MOMENTUM, INFO, why, **base)]
    column = np.asarray(plan, dtype=np.float64)[:, match.group]
    steps = column.shape[0]
    inside = (s.rows >= 0) & (s.rows < steps)
    ev = Evidence(column, s.rows[inside], s.values[inside], np.zeros(0, bool), 0, 0.0, factors, _run_steps(log))
    if match.group == 0:  # a re-plan (log.planner) gives the first group's lr, what transformers logs
        ev.planner, ev.reason, ev.plan_type = log.planner, log.meta.get("total_reason"), log.meta.get("plan_type")
        ev.length = log.meta.get("length")
    ev.offset = s.offset()
    found.extend(_agreement(ev, s, rtol, base))
    planned_all = np.full(s.rows.shape, np.nan)
    planned_all[inside] = column[ev.rows]
    agree_all = np.zeros(s.rows.shape, dtype=bool)
    agree_all[inside] = ev.agree
    result = SeriesResult(
        s.name, s.kind, base["group"], match.group, match.why, s.convention, s.dtype, ev.rtol,
        s.rows, s.values, planned_all, agree_all,
    )  # fmt: skip
    found.extend(_outside_findings(s, steps, base))
    if ev.rows.size == 0:
        where = f"logged rows {int(s.rows[0])}..{int(s.rows[-1])} with {_rows_rule(s)}" if s.rows.size else "no values"
        found.append(
            Finding(F.NO_OVERLAP, ERROR, f"no logged step lies inside the plan's {steps} steps ({where})", **base)
        )
    elif np.all(ev.agree):
        found.append(Finding(F.AGREE, INFO, _agree_message(s, ev.rows, steps, ev.rtol), **base))
    else:
        ev.first = int(np.argmin(ev.agree))
        result.first_divergence = ev.step
        found.append(_divergence(ev, s, base))
    return result, found


def _agreement(ev: Evidence, s: LoggedSeries, rtol: float | None, base: dict[str, Any]) -> list[Finding]:
    """Set ``ev.rtol`` and ``ev.agree``; a float64 log that only agrees at float32 precision says so."""
    import numpy as np

    at = ev.planned[ev.rows]
    ev.rtol = rtol if rtol is not None else rtol_for(s.dtype)
    ev.agree = ev.close(ev.logged, at)
    if np.all(ev.agree) or rtol is not None or s.dtype != "float64":
        return []
    strict = ev.rtol
    ev.rtol = rtol_for("float32")
    loose = ev.close(ev.logged, at)
    if not np.all(loose):
        ev.rtol = strict
        return []
    ev.agree = loose
    return [
        Finding(
            F.FLOAT32_VALUES,
            INFO,
            "the logged values equal the plan to float32 precision only, not float64's: rounded when written, or an "
            "lr kept in a float32 tensor? (compared at float32's tolerance)",
            **base,
        )
    ]


def _divergence(ev: Evidence, s: LoggedSeries, base: dict[str, Any]) -> Finding:
    import numpy as np

    step, planned, logged = ev.step, float(ev.planned[ev.step]), float(ev.logged[ev.first])
    differing = int(np.count_nonzero(~ev.agree))
    cause = likely_cause(ev)
    tail = f"; likely cause: {cause.message}" if cause else ""
    return Finding(
        F.DIVERGED,
        ERROR,
        f"differs from the plan from step {step} (logged step {step - s.offset()}): planned {num(planned)}, logged "
        f"{num(logged)}; {differing} of {ev.rows.size} logged steps differ (tolerance {ev.rtol:.2g} relative, "
        f"{s.dtype}){tail}",
        step=step,
        logged_step=step - s.offset(),
        planned=planned,
        logged=logged,
        cause=cause,
        values={"differing": differing, "compared": int(ev.rows.size), "rtol": ev.rtol},
        **base,
    )


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _coverage(rows: np.ndarray) -> str:
    import numpy as np

    if rows.size == 1:
        return f"step {int(rows[0])}"
    gaps = np.unique(np.diff(rows))
    every = (
        f"every {int(gaps[0])} steps, "
        if gaps.size == 1 and gaps[0] > 1
        else ("every step, " if gaps.size == 1 else "")
    )
    return f"{every}steps {int(rows[0])}..{int(rows[-1])}"


def _agree_message(s: LoggedSeries, rows: np.ndarray, steps: int, tol: float) -> str:
    return (
        f"agrees with the plan at all {rows.size} logged steps ({_coverage(rows)} of the plan's 0..{steps - 1}; "
        f"tolerance {tol:.2g} relative, {s.dtype}; {_rows_rule(s)})"
    )


def _rows_rule(s: LoggedSeries) -> str:
    """``row = step - 1 (transformers)``: the convention in a few words; the full text is in the JSON."""
    off = s.offset()
    shift = f", shifted {s.shift:+d}" if s.shift else ""
    return f"row = step{f' {off:+d}'.replace('+', '+ ').replace('-', '- ') if off else ''} ({s.convention.name}{shift})"


def _outside_findings(s: LoggedSeries, steps: int, base: dict[str, Any]) -> list[Finding]:
    import numpy as np

    found = []
    beyond = s.rows >= steps + s.convention.tail  # a log of the lr after each step ends one row past the plan
    if np.any(beyond):
        first = int(np.argmax(beyond))
        found.append(
            Finding(
                F.BEYOND_PLAN,
                WARNING,
                f"{_count(int(np.count_nonzero(beyond)), 'logged value lies', 'logged values lie')} beyond the plan's "
                f"{steps} steps (steps "
                f"{int(s.rows[first])}..{int(s.rows[-1])}): the run went on longer than planned -- a changed total "
                "step "
                "count, or a plan with fewer steps than the run",
                step=int(s.rows[first]),
                logged_step=int(s.steps[first]),
                logged=float(s.values[first]),
                values={"count": int(np.count_nonzero(beyond)), "last_step": int(s.rows[-1])},
                **base,
            )
        )
    before = s.rows < 0
    if np.any(before):
        found.append(
            Finding(
                F.BEFORE_PLAN,
                WARNING,
                f"{_count(int(np.count_nonzero(before)), 'logged value falls', 'logged values fall')} before step 0 "
                f"(logged steps from {int(s.steps[0])}, "
                f"{_rows_rule(s)}): steps counted differently? shift the log",
                step=int(s.rows[0]),
                logged_step=int(s.steps[0]),
                values={"count": int(np.count_nonzero(before))},
                **base,
            )
        )
    return found


def _repeat_findings(s: LoggedSeries, base: dict[str, Any]) -> list[Finding]:
    found = []
    if s.rewritten_count:
        step, first, last = s.rewritten[0]
        found.append(
            Finding(
                F.REWRITTEN_STEPS,
                WARNING,
                f"{_count(s.rewritten_count, 'repeated step was', 'repeated steps were')} logged with a different "
                f"value the second time (step {step}: "
                f"{num(first)}, then {num(last)}): a resumed run that did not repeat the first run's lr; the last "
                "value "
                "is compared",
                step=step + s.offset(),
                logged_step=step,
                logged=last,
                values={"count": s.rewritten_count, "examples": [list(x) for x in s.rewritten]},
                **base,
            )
        )
    elif s.duplicates:
        found.append(
            Finding(
                F.REPEATED_STEPS,
                INFO,
                f"{_count(s.duplicates, 'step was', 'steps were')} logged more than once with the same value (a "
                "resumed run?); each is compared once",
                values={"count": s.duplicates, "out_of_order": s.out_of_order},
                **base,
            )
        )
    return found


__all__ = ["Comparison", "SeriesResult", "compare_log", "compare_trajectory", "rtol_for"]
