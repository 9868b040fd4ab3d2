"""``--actual``, ``--actual-group`` and ``--actual-shift``: the options ``plot``, ``show`` and ``check``
share, and the one path from them to :class:`~lrviz.actual.report.Report` objects.

Every log is read (:func:`read_logs`) before anything is simulated or written, so a bad log
is exit 2 with one line naming the file and nothing written. The comparison
(:func:`compare`) takes a simulated result of whatever planned source the command loaded.

**Candidate factors** for the "constant factor" cause come through ``factors=`` of
:func:`compare` (``{"world size": 8}``, a name people read -> the number); the log's own
(``train_batch_size``) are added by :mod:`lrviz.actual.factors`. A command that knows more
(``--world-size``, a framework file's arithmetic) passes it there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer

from lrviz.commands.common import err

if TYPE_CHECKING:
    from lrviz.actual import ActualLog, Report
    from lrviz.sources import Loaded

ActualOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--actual",
        metavar="FILE",
        help="A real run's logged lr to compare with the plan (repeatable): a trainer_state.json, a Lightning "
        "metrics.csv, a TensorBoard event file or folder (FILE:TAG), or a CSV with a step column (FILE:COLUMN).",
    ),
]
ActualGroupOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--actual-group",
        metavar="[SERIES=]GROUP",
        help="The param group (name or 0-based index) of a logged series whose name does not say it (repeatable).",
    ),
]
ActualShiftOpt = Annotated[
    int | None,
    typer.Option(
        "--actual-shift",
        metavar="N",
        help="Add N to every logged step after the framework's own rule (a loop that logged the next step's lr: 1).",
    ),
]


def read_logs(specs: Sequence[str] | None, groups: Sequence[str] | None, shift: int | None) -> list[ActualLog]:
    """Every ``--actual`` log, read and checked (an :class:`~lrviz.errors.LrvizError` names the file)."""
    from lrviz.actual import read_actual
    from lrviz.errors import LrvizError

    if not specs:
        given = [name for name, value in (("--actual-group", groups), ("--actual-shift", shift)) if value]
        if given:
            raise LrvizError(f"{' and '.join(given)} apply to a logged run: give it with --actual FILE")
        return []
    return [read_actual(spec, shift=shift or 0) for spec in specs]


def compare(
    trajectories: Sequence[Any],
    logs: Sequence[ActualLog],
    groups: Sequence[str] | None,
    *,
    factors: Mapping[str, float] | None = None,
    config: str = "",
) -> list[Report]:
    """A report per log, each compared with every trajectory (see :mod:`lrviz.actual.report`)."""
    from lrviz.actual import compare_plan

    if not logs:
        return []
    reports: list[Report] = compare_plan(trajectories, logs, groups=groups or (), factors=factors, config=config)
    return reports


def with_release_rules(
    loaded: list[Loaded], logs: list[ActualLog], *, version: str | None, sweep: Sequence[str] | None, **options: Any
) -> tuple[list[Loaded], list[ActualLog]]:
    """A TrainingArguments file against a trainer_state.json: both under the rules of the release that made the
    log (``--transformers-version``, else the rules the log agrees with: :mod:`lrviz.check.hf_release`).
    ``options``: load_source's (dataset_size, world_size, trust, steps, device). A sweep keeps the files' plans."""
    if not logs or sweep:
        return loaded, logs
    from lrviz.check.hf_release import prepare
    from lrviz.check.lengths import attach

    loaded, logs = prepare(loaded, logs, options, version)
    return loaded, attach(loaded, logs)


def world_size_factor(world_size: int | None) -> dict[str, float] | None:
    """--world-size N as a factor a "constant factor" cause may be named after (an lr scaled by it)."""
    return {"world size": float(world_size)} if world_size and world_size > 1 else None


def say_verdicts(reports: Sequence[Report]) -> None:
    """One line per log on stderr (``plot`` writes figures; this says what they show)."""
    for report in reports:
        err(report.verdict())


__all__ = [
    "ActualGroupOpt",
    "ActualOpt",
    "ActualShiftOpt",
    "compare",
    "read_logs",
    "say_verdicts",
    "with_release_rules",
    "world_size_factor",
]
