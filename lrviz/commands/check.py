"""`lrviz check`: resume round trip and lints for every schedule of every config.

The findings come from :mod:`lrviz.check`; how they are shown lives here: a rich table
per config on a terminal, one plain line per finding when piped, or JSON for CI.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

from lrviz.commands.actual import (
    ActualGroupOpt,
    ActualOpt,
    ActualShiftOpt,
    read_logs,
    with_release_rules,
    world_size_factor,
)
from lrviz.commands.common import (
    FLAG,
    ConfigsArg,
    DatasetSizeOpt,
    DebugOpt,
    DeviceOpt,
    ForceOpt,
    FromOpt,
    StepsOpt,
    SweepOpt,
    TransformersVersionOpt,
    TrustOpt,
    WorldSizeOpt,
    cli_errors,
    comma_list,
    load_sources,
    positive_int,
)

if TYPE_CHECKING:
    from rich.console import Console

    from lrviz.actual import ActualLog, Report
    from lrviz.check import Finding
    from lrviz.errors import SimulationError
    from lrviz.simulate import Trajectory
    from lrviz.spec import Config


class CheckFormat(str, Enum):
    text = "text"
    json = "json"


def check(
    configs: ConfigsArg,
    resume_at: Annotated[
        list[str] | None,
        typer.Option(
            "--resume-at",
            metavar="STEP",
            callback=comma_list(positive_int),
            help="Optimizer steps after which to save and resume: 3,7 (or repeat the option). "
            "Default: 1/4, 1/2, 3/4 of the run and both sides of every SequentialLR milestone.",
        ),
    ] = None,
    fmt: Annotated[
        CheckFormat,
        typer.Option(
            "--format",
            "-f",
            metavar="text|json",
            help="A table on a terminal (plain lines when piped), or JSON for CI.",
        ),
    ] = CheckFormat.text,
    strict: Annotated[
        bool, typer.Option("--strict", metavar=FLAG, help="Exit 1 on warnings too, not only on errors.")
    ] = False,
    steps: StepsOpt = None,
    device: DeviceOpt = None,
    sweep: SweepOpt = None,
    force: ForceOpt = False,
    actual: ActualOpt = None,
    actual_group: ActualGroupOpt = None,
    actual_shift: ActualShiftOpt = None,
    from_: FromOpt = None,
    dataset_size: DatasetSizeOpt = None,
    world_size: WorldSizeOpt = None,
    transformers_version: TransformersVersionOpt = None,
    trust: TrustOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Check each schedule for the bugs that cost training runs.

    Resume round trip: run the real scheduler to a step, torch.save the
    optimizer and scheduler state, load it into a fresh pair, continue, and
    compare bit for bit with the uninterrupted run. Lints: OneCycleLR
    total_steps, CosineAnnealingLR T_max, milestones past the end, step
    counts on per-epoch schedules, an lr that never changes, reaches zero
    or below, NaN/inf, or collapses across param groups; every torch warning.

    With --actual FILE: a real run's logged lr at every logged step; it must agree with
    a schedule, else the first diverging step and its likely cause are errors.

    Exit 0 when clean, 1 on an error (or any finding with --strict), 2 on
    bad input.

    Example: lrviz check configs/torch/onecyclelr.yaml --resume-at 500 --format json
    """
    with cli_errors(debug):
        from lrviz.check import exit_code, validate_resume_at

        points = cast("list[int] | None", resume_at)  # comma_list(positive_int) made them ints
        sources: dict[str, Any] = {
            "kind": from_,
            "dataset_size": dataset_size,
            "world_size": world_size,
            "transformers_version": transformers_version,
        }
        loaded = load_sources(configs, steps=steps, device=device, trust=trust, sweep=sweep, force=force, **sources)
        cfgs = [one.config for one in loaded]
        for cfg in cfgs:  # bad --resume-at is refused before any simulation
            validate_resume_at(cfg, points)
        logs = read_logs(actual, actual_group, actual_shift)  # a bad log is refused before any simulation too
        loaded, logs = with_release_rules(
            loaded, logs, version=transformers_version, sweep=sweep, dataset_size=dataset_size,
            world_size=world_size, trust=trust, steps=steps, device=device,
        )  # fmt: skip
        cfgs = [one.config for one in loaded]
        results, reports = _check(cfgs, points, logs, actual_group, world_size_factor(world_size))
        code = exit_code([f for _, fs in results for f in fs], strict=strict)
        _print(fmt, results, reports if logs else None, strict=strict, code=code)
    raise typer.Exit(code)


def _check(
    cfgs: list[Config],
    resume_at: list[int] | None,
    logs: list[ActualLog],
    groups: list[str] | None,
    factors: dict[str, float] | None = None,
) -> tuple[list[tuple[Config, list[Finding]]], list[Report]]:
    """Every config's findings (with the plan-vs-actual ones) and each log's report.

    With logs, each schedule is simulated once, for the comparison and the checks both."""
    from lrviz.check import check_config
    from lrviz.check.run import simulate_each

    runs = [simulate_each(cfg) if logs else None for cfg in cfgs]
    reports = _compare(cfgs, logs, groups, factors, runs)  # a bad --actual-group is refused before the resume checks
    return (
        _with_actual(
            [(cfg, check_config(cfg, resume_at, simulated=r)) for cfg, r in zip(cfgs, runs, strict=True)], reports
        ),
        reports,
    )


def _print(
    fmt: CheckFormat,
    results: list[tuple[Config, list[Finding]]],
    actual: list[Report] | None,
    *,
    strict: bool,
    code: int,
) -> None:
    if fmt is CheckFormat.json:
        print(render_json(results, strict=strict, exit_code=code, actual=actual), end="")
    else:
        render_text(results, actual=actual)


def _compare(
    cfgs: list[Config],
    logs: list[ActualLog],
    groups: list[str] | None,
    factors: dict[str, float] | None = None,
    runs: list[list[Trajectory | SimulationError] | None] | None = None,
) -> list[Report]:
    """Each log against every schedule of every config (lrviz.check.actual says what counts)."""
    if not logs:
        return []
    from lrviz.actual.report import combine
    from lrviz.check.actual import plan_trajectories
    from lrviz.commands.actual import compare

    runs = runs or [None] * len(cfgs)
    return combine(
        [
            compare(plan_trajectories(c, simulated=r), logs, groups, factors=factors, config=str(c.file or c.name))
            for c, r in zip(cfgs, runs, strict=True)
        ]
    )


def _with_actual(
    results: list[tuple[Config, list[Finding]]], reports: list[Report]
) -> list[tuple[Config, list[Finding]]]:
    """Each config's findings followed by the plan-vs-actual findings against its schedules."""
    if not reports:
        return results
    from lrviz.check.actual import as_findings

    extra = [f for r in reports for f in as_findings(r)]
    return [(cfg, fs + [f for f in extra if f.config == str(cfg.file or cfg.name)]) for cfg, fs in results]


def render_json(
    results: list[tuple[Config, list[Finding]]],
    *,
    strict: bool = False,
    exit_code: int = 0,
    actual: list[Report] | None = None,
) -> str:
    """The report for CI: every finding, per-config schedule lists and the totals (and with
    ``--actual``, each log's comparison with every schedule)."""
    from lrviz.check import summarize
    from lrviz.jsonio import dumps

    findings = [f for _, fs in results for f in fs]
    doc = {
        "ok": exit_code == 0,
        "exit_code": exit_code,
        "strict": strict,
        **summarize(findings),
        "configs": [
            {
                "config": str(cfg.source) if cfg.source else None,
                "steps": cfg.steps,
                "schedules": [s.label for s in cfg.schedules],
            }
            for cfg, _ in results
        ],
        "findings": [f.to_dict() for f in findings],
    }
    if actual is not None:
        doc["actual"] = [r.to_dict() for r in actual]
    return dumps(doc, indent=2, ensure_ascii=False)


def _summary_line(results: list[tuple[Config, list[Finding]]]) -> str:
    from lrviz.check import summarize

    findings = [f for _, fs in results for f in fs]
    counts = summarize(findings)
    n_sched = sum(len(cfg.schedules) for cfg, _ in results)
    scope = (
        f"{n_sched} schedule{'s' if n_sched != 1 else ''} in {len(results)} config{'s' if len(results) != 1 else ''}"
    )
    if not findings:
        return f"ok: {scope}, no findings"
    e, w = counts["errors"], counts["warnings"]
    return f"{e} error{'s' if e != 1 else ''}, {w} warning{'s' if w != 1 else ''} in {scope}"


def render_text(
    results: list[tuple[Config, list[Finding]]], console: Console | None = None, *, actual: list[Report] | None = None
) -> None:
    """A rich table on a terminal; one plain line per finding when piped; then each log's verdict and notes."""
    from rich.console import Console

    from lrviz.check.actual import notes

    console = console or Console(highlight=False, soft_wrap=False)
    findings = [f for _, fs in results for f in fs]
    if not console.is_terminal:
        for f in findings:
            print(str(f), file=console.file)
        print(_summary_line(results), file=console.file)
        for line in (line for r in actual or [] for line in notes(r)):
            print(line, file=console.file)
        return
    from rich.markup import escape
    from rich.table import Table

    for cfg, fs in results:
        if not fs:
            continue
        # one table per config, titled with its file; the message gets the width
        table = Table(title=escape(str(cfg.source or cfg.name)), title_justify="left", show_lines=True, expand=True)
        table.add_column("schedule / finding", overflow="fold", max_width=28)
        table.add_column("step", justify="right", no_wrap=True)
        table.add_column("what is wrong, what to change", overflow="fold", ratio=1)
        for f in fs:
            sev = "[bold red]error[/]" if f.severity == "error" else "[yellow]warning[/]"
            who = f"{escape(f.schedule)}\n{sev} {escape(f.code)}" + (f"\n[dim]{escape(f.key)}[/]" if f.key else "")
            table.add_row(who, "" if f.step is None else str(f.step), escape(f.message))
        console.print(table)
    style = "green" if not findings else ("bold red" if any(f.severity == "error" for f in findings) else "yellow")
    console.print(f"[{style}]{escape(_summary_line(results))}[/]")
    for r in actual or []:
        for i, line in enumerate(notes(r)):
            console.print(line, style=("green" if r.ok else "bold red") if i == 0 else "dim", markup=False)
