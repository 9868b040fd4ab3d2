"""Check: find the schedule bugs that cost people training runs, before they train.

:func:`check_config` returns a list of :class:`Finding`, one per problem, each naming
the schedule, what is wrong and what to change. Three kinds of evidence, all from
torch itself (nothing here computes a schedule's values):

* :mod:`~lrviz.check.resume`: the **resume round trip**, a run saved at step K and
  resumed on a fresh build, compared bit for bit with the uninterrupted run;
* :mod:`~lrviz.check.lints`: **parameter lints** (the params against the run's length,
  nested schedulers against their part of it, :mod:`~lrviz.check.walk`) and **value
  lints** (the recorded trajectory), in one explicit ordered registry;
* every **warning torch raised** while simulating.

Severity: ``error`` for what will break a run (resume divergence, NaN/inf, lr < 0, a
scheduler that raises mid-run), ``warning`` for what is probably not what was meant.
``lrviz check`` exits 1 on errors (and on warnings with ``--strict``); how findings
are printed (a table, lines, JSON) is the command's business (:mod:`lrviz.commands.check`).
"""

from __future__ import annotations

from lrviz.check.context import Context
from lrviz.check.findings import ERROR, SEVERITIES, WARNING, Finding, exit_code, summarize
from lrviz.check.lints import LINTS, Lint
from lrviz.check.resume import (
    checkpoints,
    first_difference,
    likely_cause,
    resume,
    resume_points,
    resume_round_trip,
    validate_resume_at,
)
from lrviz.check.run import check_config, check_schedule, lint_result

__all__ = [
    "ERROR",
    "LINTS",
    "SEVERITIES",
    "WARNING",
    "Context",
    "Finding",
    "Lint",
    "check_config",
    "check_schedule",
    "checkpoints",
    "exit_code",
    "first_difference",
    "likely_cause",
    "lint_result",
    "resume",
    "resume_points",
    "resume_round_trip",
    "summarize",
    "validate_resume_at",
]
