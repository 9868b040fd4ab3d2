"""Step: the one loop that steps a scheduler and records what the optimizer uses.

For optimizer steps i = start..stop-1 of an optimizer and scheduler already built
(:mod:`lrviz.build`), :func:`advance`

1. records a row, every group's ``lr`` (and momentum / beta1, and any other numeric
   group value a scheduler changes): row i is what optimizer step i uses
   (:class:`Record` is the one definition of a row);
2. runs ``optimizer.step()``, but only for i = 0: torch checks the
   optimizer-before-scheduler order on the first scheduler step only, and a dummy
   parameter has no gradient, so later calls would change nothing but the run time;
3. calls ``scheduler.step()`` (``step(metric[k])`` for ReduceLROnPlateau), every step
   or once every ``steps_per_epoch`` steps for ``interval: epoch``.

Simulation runs it from 0 on a fresh build; ``lrviz check`` runs it in pieces around a
state_dict save / load, so a resumed run is stepped exactly like an uninterrupted one;
validation runs the first steps of a schedule when it asks torch about a value. Nothing
about a schedule's math lives here: the values are torch's, read back.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from lrviz.dynamo import no_dynamo_import
from lrviz.errors import LrvizError, SimulationError, first_line, key_join
from lrviz.refusals import translate

if TYPE_CHECKING:
    import numpy as np

#: Progress is reported once per this many optimizer steps.
PROGRESS_CHUNK = 65536


def momentum_key(group: dict[str, Any]) -> str | None:
    """Where a param group keeps its momentum: ``momentum``, else ``betas`` (beta1), else nowhere."""
    if "momentum" in group:
        return "momentum"
    if "betas" in group:
        return "betas"
    return None


def read_momentum(group: dict[str, Any], key: str) -> float:
    value = group[key][0] if key == "betas" else group[key]
    return float(value)


def zero_closure() -> float:
    """LBFGS needs a closure; the others accept one. The dummy loss is zero."""
    return 0.0


#: Kinds whose schedulers write nothing into a param group but ``lr`` (and momentum /
#: betas): torch's own classes and the presets built from them. Their runs skip the
#: per-step watch of the other values and are checked at block ends instead
#: (``params="verify"``); tests/test_params.py steps every torch scheduler class with the
#: watch on and proves the claim against the installed torch.
WATCH_FREE_KINDS = frozenset({"torch", "preset"})


def numeric_params(group: dict[str, Any], mkey: str | None) -> dict[str, tuple[str, int | None]]:
    """The numeric values of a group besides lr and momentum: name -> (key, index or None).

    A number (not a bool) is one value; a tuple or list of numbers is one value per
    element (``betas[1]``; ``betas[0]`` is the momentum when ``betas`` plays that part).
    """
    out: dict[str, tuple[str, int | None]] = {}
    for key, value in group.items():
        if key in ("lr", "params", mkey) and key != "betas":
            continue
        if _is_number(value):
            out[key] = (key, None)
        elif isinstance(value, (tuple, list)) and value and all(_is_number(v) for v in value):
            for i in range(len(value)):
                if not (key == mkey == "betas" and i == 0):
                    out[f"{key}[{i}]"] = (key, i)
    return out


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    return type(value).__name__ == "Tensor" and getattr(value, "ndim", None) == 0


def _read(group: dict[str, Any], where: tuple[str, int | None]) -> float:
    """The value as a float; NaN for one no float can hold (an int of 400 digits in a dict config)."""
    key, index = where
    value = group[key] if index is None else group[key][index]
    try:
        return float(value)
    except (OverflowError, TypeError, ValueError):
        return math.nan


def _differs(a: float, b: float) -> bool:
    return a != b and not (math.isnan(a) and math.isnan(b))


class Record:
    """What is recorded at each optimizer step: the one definition of a row.

    Every group's lr, and its momentum (``betas[0]`` for Adam-like optimizers) when
    ``momentum`` is asked for and every group has one. Each is one ``array('d')`` of
    rows (group 0, group 1, ... of step 0, then of step 1...): appending a float costs
    no object, and the array becomes the (steps, groups) matrix without a copy, so a
    run holds its recorded values once, whatever its number of groups (an export at
    the limit of 100M values fits in memory; benchmarks/RESULTS.md).

    ``params`` says what happens to the group's other numeric values (weight decay,
    beta2, eps, anything a scheduler may write): ``"off"``, not looked at; ``"watch"``,
    compared with their first value at every row, and recorded from the first row that
    differs on (the rows before hold the first value, which is what they were); or
    ``"verify"``, compared only when :meth:`verify` is called (at block ends), for
    schedulers known to write nothing else (:data:`WATCH_FREE_KINDS`): a difference
    there sets :attr:`missed`, and the caller steps the schedule again with ``"watch"``.
    A value that never changes adds nothing.
    """

    def __init__(self, groups: Sequence[dict[str, Any]], *, momentum: bool = True, params: str = "off"):
        self.groups = groups
        mkeys = [momentum_key(g) for g in groups]
        self._lr = array("d")
        self._m = array("d") if momentum and all(mkeys) else None
        self._lr_pairs = [(self._lr.append, g) for g in groups]
        self._m_pairs = (
            [(self._m.append, g, str(mk)) for g, mk in zip(groups, mkeys, strict=True)] if self._m is not None else []
        )
        self._mkey = mkeys[0] if self._m is not None else None
        self.mode = params
        #: name -> per-group columns, for the values that changed (in the order first seen)
        self.params: dict[str, list[array[float]]] = {}
        self.missed = False
        self._where: dict[str, list[tuple[str, int | None] | None]] = {}
        self._first: dict[str, list[float]] = {}
        if params != "off":
            self._start_watch(mkeys)

    def _start_watch(self, mkeys: list[str | None]) -> None:
        found = [
            numeric_params(g, mk if self._m is not None else None) for g, mk in zip(self.groups, mkeys, strict=True)
        ]
        for name in dict.fromkeys(n for f in found for n in f):
            self._where[name] = [f.get(name) for f in found]
            self._first[name] = [
                _read(g, w) if w else math.nan for g, w in zip(self.groups, self._where[name], strict=True)
            ]
        self._watched = [n for n in self._where if self.mode == "watch"]

    def __len__(self) -> int:
        return len(self._lr) // len(self.groups) if self.groups else 0

    @property
    def lr(self) -> list[array[float]]:
        """Each group's lr so far, a copy per group (for tests; the run reads :meth:`matrices`)."""
        return _columns(self._lr, len(self.groups))

    @property
    def momentum(self) -> list[array[float]] | None:
        """Each group's momentum so far, as :attr:`lr`; None when not recorded."""
        return _columns(self._m, len(self.groups)) if self._m is not None else None

    def row(self) -> None:
        """Append the row of the optimizer step about to run."""
        if self.mode == "watch":
            self._watch()
        for append, g in self._lr_pairs:
            append(g["lr"])
        for append, g, mk in self._m_pairs:
            append(read_momentum(g, mk))
        for name, cols in self.params.items():
            for col, g, w in zip(cols, self.groups, self._where[name], strict=True):
                col.append(_read(g, w) if w else math.nan)

    def _watch(self) -> None:
        """Start recording every watched value that differs from its first value now."""
        for name in self._watched:
            first = self._first[name]
            for j, w in enumerate(self._where[name]):
                if w is not None and _differs(_read(self.groups[j], w), first[j]):
                    self._begin(name)
                    break
        if self.params:
            self._watched = [n for n in self._watched if n not in self.params]

    def _begin(self, name: str) -> None:
        """Record ``name`` from this row on; the rows so far held its first value."""
        n = len(self)
        self.params[name] = [array("d", [v]) * n for v in self._first[name]]

    def verify(self) -> None:
        """For ``params="verify"``: note (in :attr:`missed`) any value that differs from its first."""
        if self.mode != "verify" or self.missed:
            return
        for name, where in self._where.items():
            for g, w, first in zip(self.groups, where, self._first[name], strict=True):
                if w is not None and _differs(_read(g, w), first):
                    self.missed = True
                    return

    def repeat(self, n: int) -> None:
        """The last row ``n`` more times (the steps of an epoch, between two scheduler steps)."""
        width = len(self.groups)
        self._lr.extend(self._lr[-width:] * n)
        if self._m is not None:
            self._m.extend(self._m[-width:] * n)
        for cols in self.params.values():
            for c in cols:
                c.extend(c[-1:] * n)

    def single(
        self,
    ) -> tuple[Callable[[float], None], dict[str, Any], Callable[[float], None] | None, str | None] | None:
        """For one group, unwatched: (lr append, the group, momentum append or None, momentum key), for the hot loop."""
        if len(self.groups) != 1 or self.mode == "watch":
            return None
        m_append = self._m.append if self._m is not None else None
        return self._lr.append, self.groups[0], m_append, self._mkey

    def matrices(self) -> tuple[np.ndarray, np.ndarray | None]:
        """(lr, momentum or None), each (steps, groups) float64, views of the recorded arrays
        (handed over: the record is empty afterwards)."""
        import numpy as np

        width = max(1, len(self.groups))
        lr = np.frombuffer(self._lr, dtype=np.float64).reshape(-1, width)
        m = np.frombuffer(self._m, dtype=np.float64).reshape(-1, width) if self._m is not None else None
        self._lr = array("d")
        self._m = array("d") if self._m is not None else None
        return lr, m

    def first_values(self) -> dict[str, list[float]]:
        """Every numeric group value besides lr and momentum at the first row, name -> per group (NaN: none)."""
        return {name: list(values) for name, values in self._first.items()}

    def param_matrices(self) -> dict[str, np.ndarray]:
        """The values that changed, name -> (steps, groups) float64 (NaN where a group has none)."""
        return {name: as_matrix(cols) for name, cols in self.params.items()}


def _columns(rows: array[float], width: int) -> list[array[float]]:
    """Group j's values of row-major ``rows``, one array per group (copies)."""
    view = memoryview(rows)
    try:
        return [array("d", view[j::width]) for j in range(width)]
    finally:
        view.release()


def as_matrix(cols: list[array[float]]) -> np.ndarray:
    """Per-group columns (the other values a scheduler changed) -> a (steps, groups) float64 array.

    One group becomes a view of its column, no copy; several are copied one column at a
    time into a column-major array, each freed once copied, so at most one column is
    held twice (the matrix's columns are written one after the other).
    """
    import numpy as np

    if len(cols) == 1:
        return np.frombuffer(cols.pop(), dtype=np.float64).reshape(-1, 1)
    out = np.empty((len(cols[0]), len(cols)), dtype=np.float64, order="F")
    for j in range(len(cols)):
        out[:, j] = np.frombuffer(cols[j], dtype=np.float64)
        cols[j] = array("d")  # freed once copied
    return out


def advance(
    optimizer: Any,
    scheduler: Any,
    metric: Sequence[float] | None,
    record: Record,
    *,
    every: int,
    start: int,
    stop: int,
    key: str = "",
    progress: Callable[[int], None] | None = None,
) -> None:
    """Run optimizer steps ``start..stop-1`` on an existing optimizer and scheduler.

    Each step appends a row to ``record``, then the scheduler steps every ``every``
    optimizer steps; the metric index continues at ``start // every``. ``progress``
    gets a count every :data:`PROGRESS_CHUNK` steps. A failure inside torch becomes a
    :class:`SimulationError` naming the step and, when torch's words say it, the key.
    """
    rows_before = len(record)
    chunk = PROGRESS_CHUNK
    pos = start
    try:
        if pos == 0 and stop > 0:
            record.row()
            with no_dynamo_import():  # its wrapper imports torch._dynamo for a no-op graph_break()
                optimizer.step(zero_closure)
            if every == 1:
                scheduler.step() if metric is None else scheduler.step(metric[0])
            pos = 1
            if progress is not None and pos % chunk == 0:
                progress(chunk)
        while pos < stop:
            end = min(stop, (pos // chunk + 1) * chunk)
            if every == 1:
                _per_step(scheduler, metric, record, pos, end)
            else:
                _per_epoch(scheduler, metric, record, pos, end, every)
            pos = end
            record.verify()
            if progress is not None and end % chunk == 0:
                progress(chunk)
    except LrvizError:
        raise
    except Exception as exc:
        i = start + len(record) - rows_before - 1  # the failing step's row is recorded already
        k = i if every == 1 else (i + 1) // every - 1  # scheduler steps taken before the failing one
        where, message = translate(first_line(exc))
        where = where or "scheduler"
        error = SimulationError(
            f"torch failed at step {i} (scheduler step {k + 1}): {message}",
            key=key_join(key, where) if key else where,
        )
        error.step, error.reason, error.scheduler_step = i, message, k + 1
        raise error from exc


def _per_step(scheduler: Any, metric: Sequence[float] | None, record: Record, pos: int, end: int) -> None:
    """Optimizer steps ``pos..end-1`` of a schedule stepped every optimizer step.

    The hot loop. Stepping the real scheduler costs 2 to 4 microseconds and what lrviz
    adds must stay within a few percent of that (benchmarks/RESULTS.md: 0.94-1.00x a
    bare ``scheduler.step()`` loop), so the common case (one group, no metric) has a
    loop of its own per momentum key with every lookup hoisted, inlining
    :meth:`Record.row`; anything else goes through :meth:`Record.row`.
    """
    sched_step = scheduler.step
    single = record.single()
    if metric is None and single is not None:
        la, g, ma, mkey = single
        if ma is None:
            for _ in range(pos, end):
                la(g["lr"])
                sched_step()
        elif mkey == "momentum":
            for _ in range(pos, end):
                la(g["lr"])
                ma(g["momentum"])
                sched_step()
        else:  # betas: beta1 plays the part of momentum
            for _ in range(pos, end):
                la(g["lr"])
                ma(g["betas"][0])
                sched_step()
        return
    row = record.row
    if metric is None:
        for _ in range(pos, end):
            row()
            sched_step()
    else:
        for i in range(pos, end):
            row()
            sched_step(metric[i])


def _per_epoch(scheduler: Any, metric: Sequence[float] | None, record: Record, pos: int, end: int, every: int) -> None:
    """Optimizer steps ``pos..end-1`` of an ``interval: epoch`` schedule.

    The groups are read once per epoch and the row repeated: nothing runs between two
    optimizer steps of the same epoch, so the rows are the same values by construction.
    """
    r = pos
    while r < end:
        e = min(end, (r // every + 1) * every)  # end of this epoch, within the block
        record.row()
        if e - r > 1:
            record.repeat(e - r - 1)
        if e % every == 0:
            scheduler.step() if metric is None else scheduler.step(metric[e // every - 1])
        r = e
