"""``plot --actual`` on a page: a real run's logged values as points, and where they first part.

The same reading of the reports as the static figure's (:mod:`lrviz.render.actual`): each
report's comparisons, one per schedule; each logged series (lr, momentum) drawn on its
schedule's panel, named like the static legend's entry (``logged · FILE``); the first
divergence marked with a dotted line and a ring, with the few words of its likely cause.
Every logged value is carried (the page zooms; no thinning), as text read back exactly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from lrviz.render.html.data import Blob, points

if TYPE_CHECKING:
    from lrviz.actual import Report
    from lrviz.render.series import Plan


def logged(plan: Plan, reports: Sequence[Report], blob: Blob, *, shared: bool) -> list[dict[str, Any]]:
    """One entry per logged series of every report: its schedule, panel, points and first divergence
    (``shared``: an overlay, where a log that agrees with some schedule marks no divergence, as the static one)."""
    from lrviz.render.actual import CAUSE_WORDS, display_names

    names = display_names([r.log.file for r in reports])
    out: list[dict[str, Any]] = []
    for name, report in zip(names, reports, strict=True):
        for traj, c in enumerate(report.comparisons):
            f = c.first_divergence
            mark = f is not None and f.step is not None and not (shared and report.ok)
            for s in c.series:
                entry: dict[str, Any] = {
                    "label": f"logged · {name}",
                    "traj": traj,
                    "panel": s.kind,
                    "col": points(blob, s.rows, s.logged) | {"logged": True},
                    "first": None,
                }
                if mark and f is not None and f.kind == s.kind and f.logged is not None and math.isfinite(f.logged):
                    words = CAUSE_WORDS.get(f.cause.code) if f.cause is not None else None
                    cause = words(f.cause.values) if words is not None and f.cause is not None else None
                    entry |= {
                        "first": f.step,
                        "firstValue": f.logged,
                        "text": f"step {f.step}" + (f": {cause}" if cause else ""),
                    }
                out.append(entry)
    return out
