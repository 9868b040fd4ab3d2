"""Several files in one figure: every schedule of every result on one set of axes (``plot --combine``).

Comparing runs means comparing files: a Trainer's arguments against a timm run, last
month's config against this one. :func:`combine` puts the trajectories of several
simulated results into one :class:`~lrviz.simulate.Result`, which the figure code
draws as it draws any other: nothing is recomputed, the values are the ones each
file's own simulation recorded. Runs may differ in length: the x axis spans the
longest, and each line ends where its run ends.
"""

from __future__ import annotations

import copy
import dataclasses
from collections import Counter
from typing import TYPE_CHECKING

from lrviz.errors import LrvizError

if TYPE_CHECKING:
    from lrviz.simulate import Result


def combined_labels(named: list[tuple[str, list[str]]]) -> list[list[str]]:
    """Each file's labels, a label that two files share prefixed with the file's stem ("a: cosine").

    A label only one file has is kept as it is; what is still not unique after the
    prefix (two files of the same stem) gets " (2)", " (3)"... as in one config.
    """
    files_with = Counter(label for _, labels in named for label in set(labels))
    used: set[str] = set()
    out = []
    for stem, labels in named:
        mine = []
        for label in labels:
            base = f"{stem}: {label}" if files_with[label] > 1 else label
            new, n = base, 1
            while new in used:
                n += 1
                new = f"{base} ({n})"
            used.add(new)
            mine.append(new)
        out.append(mine)
    return out


def combine(named: list[tuple[str, Result]], *, title: str) -> Result:
    """One result with every trajectory of ``named`` ((file stem, result) pairs), in order.

    Its config is the first result's with the longest run, every schedule (relabelled)
    and ``title``; the x axis in epochs needs one ``steps_per_epoch`` for all.
    """
    from lrviz.simulate import Result

    if not named:
        raise LrvizError("nothing to combine")
    labels = combined_labels([(stem, [t.label for t in r.trajectories]) for stem, r in named])
    trajectories = []
    schedules = []
    for (_, result), new in zip(named, labels, strict=True):
        for t, label in zip(result.trajectories, new, strict=True):
            trajectories.append(dataclasses.replace(t, label=label))
        for s, label in zip(result.config.schedules, new, strict=True):
            schedule = copy.copy(s)
            schedule.label = label
            schedules.append(schedule)
    first = named[0][1]
    config = first.config.replace(
        title=title,
        steps=max(r.config.steps for _, r in named),
        schedules=schedules,
        source=None,
        description=None,
        plot={},
    )
    return Result(config=config, trajectories=trajectories, device=first.device)


def steps_per_epoch(named: list[tuple[str, Result]]) -> int | None:
    """The one ``steps_per_epoch`` of every result, None when they differ."""
    found = {r.config.steps_per_epoch for _, r in named}
    return found.pop() if len(found) == 1 else None
