"""The neutral result every reader returns: named series of (lrviz row -> logged value).

A reader knows its file format and its framework's logging convention; nothing after it
does. It hands over an :class:`ActualLog`: per logged series (an lr or momentum column or
tag), the logged steps, the lrviz rows they map to (``row = step + convention.offset +
shift``, row *i* = the lr optimizer step *i* used), the values as float64, the precision
the log stored them in, and the convention that decided the rows.

**Repeated and out-of-order steps.** A resumed run logs the steps after its checkpoint a
second time (Lightning's CSVLogger appends, TensorBoard adds a new event file, a user's
CSV gets more rows). :func:`collect` keeps the *last write* of each step, in file order:
the steps after a resume were re-run, and what the surviving run used is what its
optimizer applied last (TensorBoard itself discards the older events of a restarted run
the same way). Every repeat is counted, and repeats whose value changed are kept as
evidence (:attr:`LoggedSeries.rewritten`): a resumed run that did not reproduce the lr
of the first one is exactly what a user looking at a log wants to know. Rows are then
sorted, so out-of-order steps are never an error.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lrviz.actual import limits
from lrviz.errors import LrvizError

MAX_LOGGED_STEP = limits.MAX_LOGGED_STEP

if TYPE_CHECKING:
    import numpy as np

    from lrviz.actual.conventions import Convention

LR = "lr"
MOMENTUM = "momentum"

INFO = "info"
WARNING = "warning"
ERROR = "error"


@dataclass(frozen=True)
class GroupHint:
    """What a series' name says about the param group it is (index or name) and why."""

    index: int | None = None
    name: str | None = None
    why: str = ""


@dataclass(frozen=True)
class Note:
    """Something a reader noticed that the user should hear about (a truncated tail, skipped records)."""

    code: str
    severity: str  # info | warning
    message: str


@dataclass
class LoggedSeries:
    """One logged series, deduplicated and sorted by row."""

    name: str  # as the log names it: "learning_rate", "lr-SGD/pg2", "version_0/lr"
    kind: str  # LR | MOMENTUM
    steps: np.ndarray  # int64, the steps as logged, ascending, unique
    rows: np.ndarray  # int64, lrviz rows: steps + convention.offset + shift
    values: np.ndarray  # float64
    dtype: str  # precision the log stored: "float64", "float32" or "float16"
    convention: Convention
    shift: int = 0
    hint: GroupHint | None = None
    base: str | None = None  # for a momentum series: the lr series of the same group
    duplicates: int = 0  # points that repeated an already-logged step (the last write is kept)
    rewritten: list[tuple[int, float, float]] = field(default_factory=list)  # (step, first, last), up to 5
    rewritten_count: int = 0
    out_of_order: int = 0  # points whose step was lower than the one before, in file order
    #: The lowest step written after the log last went back in steps (a resume appended to the same file or
    #: folder): the steps from it on are the resumed run's. None when the steps only rise.
    resumed_from: int | None = None

    def __len__(self) -> int:
        return int(self.rows.shape[0])

    def offset(self) -> int:
        return self.convention.offset + self.shift


@dataclass
class ActualLog:
    """A training log as read: where it came from, its format, its series and what was noticed."""

    file: str
    format: str  # "transformers" | "lightning" | "tensorboard" | "csv"
    series: list[LoggedSeries]
    notes: list[Note] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)  # e.g. transformers' max_steps, logging_steps
    #: Set by a caller that can re-plan the run (TrainingArguments overrides -> the planned lr of the first
    #: group): causes that need another plan use it (a resume's first total). None: causes read the data alone.
    planner: Callable[[Mapping[str, Any]], Any] | None = None

    def lr_series(self) -> list[LoggedSeries]:
        return [s for s in self.series if s.kind == LR]


class Points:
    """Append-only (step, value) buffer in compact arrays, with the per-source point cap."""

    def __init__(self, budget: Budget) -> None:
        self.steps = array("q")
        self.values = array("d")
        self.budget = budget

    def add(self, step: int, value: float) -> None:
        if not -MAX_LOGGED_STEP <= step <= MAX_LOGGED_STEP:  # each reader names the record first; this is the backstop
            lim = MAX_LOGGED_STEP
            raise LrvizError(f"a logged step, {step:,}, is outside {-lim:,} to {lim:,}", file=self.budget.file)
        self.budget.take()
        self.steps.append(step)
        self.values.append(value)

    def __len__(self) -> int:
        return len(self.steps)


class Budget:
    """The MAX_POINTS cap shared by every series of one source."""

    def __init__(self, file: str, limit: int | None = None) -> None:
        self.file = file
        self.limit = limits.MAX_POINTS if limit is None else limit
        self.used = 0

    def take(self, count: int = 1) -> None:
        self.used += count
        if self.used > self.limit:
            raise LrvizError(
                f"more than {self.limit:,} logged lr/momentum values; lrviz reads at most that many from one source "
                "(name one series with FILE:TAG or FILE:COLUMN, or log less often)",
                file=self.file,
            )


def collect(
    points: Points,
    *,
    name: str,
    kind: str,
    convention: Convention,
    dtype: str,
    shift: int = 0,
    hint: GroupHint | None = None,
    base: str | None = None,
) -> LoggedSeries:
    """Sort by step, keep the last write of every repeated step, map steps to rows.

    The common case, steps strictly increasing in file order, costs no copy: the arrays are
    numpy views of the reader's buffers (a 200 MB CSV keeps its 16 bytes a point, no more).
    """
    import numpy as np

    steps = np.frombuffer(points.steps, dtype=np.int64) if len(points) else np.zeros(0, np.int64)
    values = np.frombuffer(points.values, dtype=np.float64) if len(points) else np.zeros(0, np.float64)
    rising = steps[1:] > steps[:-1]
    if bool(np.all(rising)):
        del rising
        s, v = steps, values
        duplicates = out_of_order = rewritten_count = 0
        resumed_from = None
        rewritten: list[tuple[int, float, float]] = []
    else:
        back = np.flatnonzero(steps[1:] < steps[:-1])
        out_of_order = int(back.size)
        resumed_from = int(steps[int(back[-1]) + 1 :].min()) if back.size else None
        del rising
        s, v, duplicates, rewritten, rewritten_count = _last_writes(steps, values)
    offset = convention.offset + shift
    return LoggedSeries(
        name=name,
        kind=kind,
        steps=s,
        rows=s + offset if offset else s,
        values=v,
        dtype=dtype,
        convention=convention,
        shift=shift,
        hint=hint,
        base=base,
        duplicates=duplicates,
        rewritten=rewritten,
        rewritten_count=rewritten_count,
        out_of_order=out_of_order,
        resumed_from=resumed_from,
    )


def _last_writes(
    steps: np.ndarray, values: np.ndarray
) -> tuple[np.ndarray, np.ndarray, int, list[tuple[int, float, float]], int]:
    """Sorted unique steps with the last value written for each, the repeat count and the changed repeats."""
    import numpy as np

    order = np.argsort(steps, kind="stable")  # stable: equal steps stay in file order
    s, v = steps[order], values[order]
    del order
    last = np.ones(s.shape, dtype=bool)
    last[:-1] = s[1:] != s[:-1]
    duplicates = int(s.size - np.count_nonzero(last))
    rewritten: list[tuple[int, float, float]] = []
    rewritten_count = 0
    if duplicates:
        group_end = np.flatnonzero(last)  # index of each step's last write
        owner = group_end[np.searchsorted(group_end, np.arange(s.size))]  # each point's last write
        final = v[owner]
        same = (v == final) | (np.isnan(v) & np.isnan(final))
        changed = np.flatnonzero(~same)
        rewritten_count = int(changed.size)
        rewritten = [(int(s[i]), float(v[i]), float(final[i])) for i in changed[:5]]
    return s[last], v[last], duplicates, rewritten, rewritten_count


# --------------------------------------------------------------------------- names

#: "lr" or "learning rate" as a word of a column / tag name: lr, lr-SGD/pg1, train/learning_rate,
#: lr_backbone, LearningRate; not "clr" or "lrap". Used where a reader picks series by itself.
_LR_WORD = r"(?:^|[^a-z])(?:lr|learning[_\- ]?rate)(?:[^a-z]|$)"


#: A scalar logged against another x axis than the step: Megatron-LM writes each of its scalars
#: twice, ``learning-rate`` by iteration and ``learning-rate vs samples`` by consumed samples
#: (training.py's ``training_log``); the second holds the same values, its "steps" are samples.
_OTHER_X = r"\s+vs\.?\s+[a-z_\- ]+$"


def is_lr_name(name: str) -> bool:
    """An lr series by step a reader takes by itself: "lr" or "learning rate" as a word, not against
    another x axis (``learning-rate vs samples``; named with ``FILE:TAG`` it is still read)."""
    import re

    return (
        re.search(_LR_WORD, name, flags=re.IGNORECASE) is not None
        and re.search(_OTHER_X, name, flags=re.IGNORECASE) is None
    )


def series_kind(name: str) -> str | None:
    """LR, MOMENTUM, or None for the other things logged beside an lr (weight decay)."""
    low = name.lower()
    if "weight_decay" in low or "weight-decay" in low:
        return None
    if "momentum" in low or "beta1" in low or "betas" in low:
        return MOMENTUM
    return LR


def momentum_base(name: str) -> str | None:
    """The lr series a momentum series belongs to, by Lightning's naming: ``<lr name>-momentum``."""
    for suffix in ("-momentum", "_momentum", "/momentum"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return None


def from_arrays(
    name: str,
    steps: Any,
    values: Any,
    *,
    convention: Convention | None = None,
    dtype: str = "float64",
    kind: str | None = None,
    shift: int = 0,
    hint: GroupHint | None = None,
) -> LoggedSeries:
    """A series from in-memory steps and values (a notebook's list, a test), through the same
    repeat / order handling as the readers. The convention defaults to lrviz's rows (step = row)."""
    import numpy as np

    from lrviz.actual import conventions

    s = np.asarray(steps)
    v = np.asarray(values, dtype=np.float64)
    if s.shape != v.shape or s.ndim != 1:
        raise LrvizError(f"series {name!r}: steps and values must be two lists of the same length")
    if s.size and not np.all(np.asarray(s, dtype=np.float64) == np.round(np.asarray(s, dtype=np.float64))):
        raise LrvizError(f"series {name!r}: steps must be whole numbers")
    points = Points(Budget(name))
    for step, value in zip(s.astype(np.int64).tolist(), v.tolist(), strict=True):
        points.add(step, value)
    return collect(
        points,
        name=name,
        kind=kind or series_kind(name) or LR,
        convention=convention or conventions.PLAIN_CSV,
        dtype=dtype,
        shift=shift,
        hint=hint,
        base=momentum_base(name),
    )
