"""Which planned param group each logged series is (``--actual-group``).

The rules, first match wins (the reason is kept, so output can say why a series was
compared with a group):

1. ``--actual-group SERIES=GROUP`` names it; ``--actual-group GROUP`` names the group of a
   log with a single lr series. GROUP is a group name of the config or its 0-based index.
2. what the log's naming says (:class:`~lrviz.actual.series.GroupHint`, set by the reader
   from the framework's rules): Lightning's ``/<name>`` suffix is the group's ``name``,
   ``/pgN`` is group N-1; transformers logs the first group only;
3. a plan group's name appearing as a word of the series name (``lr/backbone``, ``lr_head``);
4. a plan with a single group takes every series.

Anything else stays unmapped and the comparison says so, with the option that fixes it.
A momentum series goes with its lr series (``lr-SGD/pg1-momentum`` with ``lr-SGD/pg1``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from lrviz.actual.series import LR, LoggedSeries
from lrviz.errors import LrvizError, did_you_mean


@dataclass(frozen=True)
class GroupMatch:
    """A series' planned group (index into the plan's groups, or None) and why."""

    series: str
    group: int | None
    why: str


def resolve_group(text: str, group_names: Sequence[str], *, where: str = "--actual-group") -> int:
    """A group given by name, or by 0-based index."""
    if text in group_names:
        return list(group_names).index(text)
    if text.isascii() and text.isdigit() and len(text) < 6 and int(text) < len(group_names):
        return int(text)
    raise LrvizError(
        f"{where}: no param group {text!r}{did_you_mean(text, group_names)}; the plan's groups are "
        f"{', '.join(group_names)} (a name, or a 0-based index)"
    )


def parse_group_options(options: Sequence[str], series_names: Sequence[str]) -> dict[str, str]:
    """``--actual-group`` values as {series name: group text}; a bare GROUP needs a single lr series."""
    explicit: dict[str, str] = {}
    for option in options:
        series, sep, group = option.rpartition("=")
        if not sep:
            if len(series_names) != 1:
                listed = ", ".join(series_names) or "none"
                raise LrvizError(
                    f"--actual-group {option!r}: the log has {len(series_names)} lr series ({listed}); "
                    "say which with --actual-group SERIES=GROUP"
                )
            series = series_names[0]
        elif series not in series_names:
            raise LrvizError(
                f"--actual-group {option!r}: the log has no lr series {series!r}{did_you_mean(series, series_names)} "
                f"(it has {', '.join(series_names) or 'none'})"
            )
        if not group:
            raise LrvizError(f"--actual-group {option!r}: no group after '='")
        explicit[series] = group
    return explicit


def _words(name: str) -> set[str]:
    return {w for w in re.split(r"[/_\-.: ]+", name) if w}


def match_one(series: LoggedSeries, group_names: Sequence[str], explicit: dict[str, str]) -> GroupMatch:
    name = series.name
    if name in explicit:
        return GroupMatch(name, resolve_group(explicit[name], group_names), "named with --actual-group")
    hint = series.hint
    if hint is not None:
        if hint.name is not None and hint.name in group_names:
            return GroupMatch(name, list(group_names).index(hint.name), hint.why)
        if hint.index is not None:
            if hint.index < len(group_names):
                return GroupMatch(name, hint.index, hint.why)
            return GroupMatch(
                name,
                None,
                f"the log names group {hint.index} ({hint.why}) but the plan has {len(group_names)} group(s)",
            )
    named = [i for i, g in enumerate(group_names) if g in _words(name)]
    if len(named) == 1:
        return GroupMatch(name, named[0], f"the series name contains the group name {group_names[named[0]]!r}")
    if len(group_names) == 1:
        return GroupMatch(name, 0, "the plan has a single param group")
    why = hint.why + "; " if hint is not None and hint.why else ""
    return GroupMatch(
        name,
        None,
        f"{why}the name does not say which of the plan's groups ({', '.join(group_names)}) it is: "
        f"pass --actual-group {name}=GROUP",
    )


def assign_groups(
    series: Sequence[LoggedSeries], group_names: Sequence[str], options: Sequence[str] = ()
) -> dict[str, GroupMatch]:
    """{series name: GroupMatch} for every series of a log; momentum series follow their lr series."""
    lr_names = [s.name for s in series if s.kind == LR]
    explicit = parse_group_options(options, lr_names)
    matches = {s.name: match_one(s, group_names, explicit) for s in series if s.kind == LR}
    for s in series:
        if s.kind == LR:
            continue
        if s.base is not None and s.base in matches:
            lr = matches[s.base]
            matches[s.name] = GroupMatch(s.name, lr.group, f"the momentum of {s.base}")
        else:
            matches[s.name] = match_one(s, group_names, {})
    return matches
