"""Plan vs actual: put a real run's logged lr beside the plan, and say where and why they part.

The narrow interface the CLI (``--actual``, ``--actual-group``) and ``plot`` use::

    from lrviz.actual import read_actual, compare_trajectory
    log = read_actual("out/trainer_state.json")          # or metrics.csv, an event file or folder, FILE:TAG
    cmp = compare_trajectory(result.trajectories[0], log, groups=["backbone"], factors={"world size": 8})
    cmp.ok                   # False when any series diverges (check exits 1)
    cmp.findings             # Finding(code, severity, step, planned, logged, cause, message), in report order
    cmp.first_divergence     # the Finding plot marks, or None
    cmp.series[0].rows, cmp.series[0].logged    # what plot draws as markers
    cmp.to_dict()            # what check --format json writes
    reports = compare_plan(result.trajectories, [log])   # one log against every schedule: which one it followed

Layers, one module per concern: readers per format (:mod:`.hf`, :mod:`.lightning`,
:mod:`.tensorboard` over :mod:`.tfrecord`, :mod:`.plaincsv`, with :mod:`.csvread`), chosen by
:mod:`.detect`; each applies its framework's convention (:mod:`.conventions`, cited from
the framework's source) and returns the neutral :class:`~lrviz.actual.series.ActualLog`.
:mod:`.groups` matches series to param groups; :mod:`.compare` and :mod:`.causes` are pure
functions over numpy arrays. Nothing here imports torch, matplotlib or the rest of lrviz
beyond :mod:`lrviz.errors`: a plan is just arrays.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ActualLog",
    "Comparison",
    "Finding",
    "LoggedSeries",
    "Report",
    "compare_log",
    "compare_plan",
    "compare_trajectory",
    "read_actual",
]

_WHERE = {
    "read_actual": "lrviz.actual.detect",
    "ActualLog": "lrviz.actual.series",
    "LoggedSeries": "lrviz.actual.series",
    "Comparison": "lrviz.actual.compare",
    "compare_log": "lrviz.actual.compare",
    "compare_trajectory": "lrviz.actual.compare",
    "Finding": "lrviz.actual.findings",
    "Report": "lrviz.actual.report",
    "compare_plan": "lrviz.actual.report",
}


def __getattr__(name: str) -> Any:  # lazy: numpy is loaded when a function needs it
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(name)


def __dir__() -> list[str]:
    return sorted(__all__)
