"""Checking a config: every schedule simulated, linted and round-tripped through a resume."""

from __future__ import annotations

import warnings
from typing import Any

from lrviz.build import build, build_optimizer
from lrviz.check.context import Context
from lrviz.check.findings import ERROR, WARNING, Finding
from lrviz.check.lints import run_lints
from lrviz.check.resume import resume_points, resume_round_trip, validate_resume_at
from lrviz.check.walk import walk
from lrviz.errors import SimulationError
from lrviz.simulate import Result, Trajectory, resolve_device, step_schedule
from lrviz.spec import Config, Schedule


def simulate_each(config: Config, device: str | None = None) -> list[Trajectory | SimulationError]:
    """Every schedule of ``config`` stepped once: its trajectory, or the failure that is check's finding.

    What ``check --actual`` compares with the logs and then checks, so each schedule is
    simulated once (:func:`check_config`'s ``simulated``)."""
    dev = resolve_device(device or config.device)
    out: list[Trajectory | SimulationError] = []
    for schedule in config.schedules:
        try:
            out.append(step_schedule(config, schedule, dev))
        except SimulationError as exc:
            out.append(exc)
    return out


def check_schedule(
    config: Config,
    schedule: Schedule,
    device: str,
    resume_at: list[int] | None = None,
    simulated: Trajectory | SimulationError | None = None,
) -> list[Finding]:
    """Every finding for one schedule: lints, torch warnings, then the resume round trip.

    ``simulated``: the schedule's run from :func:`simulate_each`, when it was stepped already."""
    # Build once up front: params torch refuses are bad input (exit 2), not a finding.
    # Its warnings are dropped here: step_schedule's build records the same ones.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        built = build(config, schedule, device)[1]
        configured = [float(g["lr"]) for g in build_optimizer(config, device).param_groups]
    points = resume_points(config, schedule, resume_at)
    failure: SimulationError | None = None
    trajectory: Trajectory | None = None
    if isinstance(simulated, SimulationError):
        failure = simulated
    elif simulated is not None:
        trajectory = simulated
    else:
        try:
            trajectory = step_schedule(config, schedule, device)
        except SimulationError as exc:
            failure = exc
    ctx = Context(config, schedule, list(walk(config, schedule, built)), trajectory, configured)
    findings = run_lints(ctx)
    if failure is not None:
        if not any(f.severity == ERROR for f in findings):
            onecycle = "Tried to step" in failure.message
            findings.append(
                ctx.finding(
                    ERROR,
                    "onecycle-total-steps" if onecycle else "simulation-failed",
                    failure.message if onecycle else f"{failure.message}; training would stop here",
                    key=failure.key,
                )
            )
        return findings
    assert trajectory is not None
    if points:
        more, resume_warnings = resume_round_trip(config, schedule, device, trajectory, points)
        findings.extend(more)
        findings.extend(
            ctx.finding(
                WARNING,
                "torch-warning",
                f"the scheduler warned during the resume round trip: {line}",
                values={"warning": line},
            )
            for line in resume_warnings
            if line not in trajectory.warnings
        )
    return findings


def lint_result(result: Result) -> list[Finding]:
    """The lints of :data:`~lrviz.check.lints.LINTS` on a simulated result, without the resume
    round trip: what ``lrviz plot`` and ``lrviz show`` warn about (the same findings as
    ``lrviz check``'s lints, from the trajectories they drew). A schedule torch stopped
    part-way (a partial run) has none: its refusal says what is wrong, and a truncated
    run would read as something else (a constant lr, a schedule that never decays)."""
    config = result.config
    configured = [float(g["lr"]) for g in build_optimizer(config, "cpu").param_groups]
    findings: list[Finding] = []
    for schedule, trajectory in zip(config.schedules, result.trajectories, strict=True):
        if trajectory.error is not None:
            continue
        nodes = list(walk(config, schedule, _built(config, schedule)))
        findings.extend(run_lints(Context(config, schedule, nodes, trajectory, configured)))
    return findings


def _built(config: Config, schedule: Schedule) -> Any:
    """A factory's scheduler, built once more for its params (a config's schedule needs none)."""
    if schedule.spec.kind != "factory":
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return build(config, schedule, "cpu")[1]


def check_config(
    config: Config,
    resume_at: list[int] | None = None,
    *,
    device: str | None = None,
    simulated: list[Trajectory | SimulationError] | None = None,
) -> list[Finding]:
    """Check every schedule of ``config``; findings in schedule order.

    ``resume_at`` lists optimizer steps at which to save and resume (default: 1/4,
    1/2, 3/4 of the run and both sides of every SequentialLR milestone). Raises
    :class:`~lrviz.errors.LrvizError` for bad input (a value outside the run, params
    torch refuses); everything else is a :class:`Finding`. ``simulated``: every schedule's
    run from :func:`simulate_each` (same device), when the caller stepped them already.
    """
    validate_resume_at(config, resume_at)
    dev = resolve_device(device or config.device)
    runs: list[Trajectory | SimulationError | None] = list(simulated) if simulated else [None] * len(config.schedules)
    findings: list[Finding] = []
    for schedule, run in zip(config.schedules, runs, strict=True):
        findings.extend(check_schedule(config, schedule, dev, resume_at, run))
    return findings
