"""Step: the one loop that steps a scheduler and records what the optimizer uses.

For optimizer steps i = start..stop-1 of an optimizer and scheduler already built
(:mod:`lrviz.build`), :func:`advance`

1. records a row, every group's ``lr`` (and momentum / beta1): row i is what optimizer
   step i uses (:class:`Record` is the one definition of a row);
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


class Record:
    """What is recorded at each optimizer step: the one definition of a row.

    Every group's lr, and its momentum (``betas[0]`` for Adam-like optimizers) when
    ``momentum`` is asked for and every group has one. Each is one ``array('d')`` of
    rows (group 0, group 1, ... of step 0, then of step 1...): appending a float costs
    no object, and the array becomes the (steps, groups) matrix without a copy, so a
    run holds its recorded values once, whatever its number of groups (an export at
    the limit of 100M values fits in memory; benchmarks/RESULTS.md).
    """

    def __init__(self, groups: Sequence[dict[str, Any]], *, momentum: bool = True):
        self.groups = groups
        mkeys = [momentum_key(g) for g in groups]
        self._lr = array("d")
        self._m = array("d") if momentum and all(mkeys) else None
        self._lr_pairs = [(self._lr.append, g) for g in groups]
        self._m_pairs = (
            [(self._m.append, g, str(mk)) for g, mk in zip(groups, mkeys, strict=True)] if self._m is not None else []
        )
        self._mkey = mkeys[0] if self._m is not None else None

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
        for append, g in self._lr_pairs:
            append(g["lr"])
        for append, g, mk in self._m_pairs:
            append(read_momentum(g, mk))

    def repeat(self, n: int) -> None:
        """The last row ``n`` more times (the steps of an epoch, between two scheduler steps)."""
        width = len(self.groups)
        self._lr.extend(self._lr[-width:] * n)
        if self._m is not None:
            self._m.extend(self._m[-width:] * n)

    def single(
        self,
    ) -> tuple[Callable[[float], None], dict[str, Any], Callable[[float], None] | None, str | None] | None:
        """For one group: (lr append, the group, momentum append or None, momentum key), for the hot loop."""
        if len(self.groups) != 1:
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


def _columns(rows: array[float], width: int) -> list[array[float]]:
    """Group j's values of row-major ``rows``, one array per group (copies)."""
    view = memoryview(rows)
    try:
        return [array("d", view[j::width]) for j in range(width)]
    finally:
        view.release()


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
            if progress is not None and end % chunk == 0:
                progress(chunk)
    except LrvizError:
        raise
    except Exception as exc:
        i = start + len(record) - rows_before - 1  # the failing step's row is recorded already
        k = i if every == 1 else (i + 1) // every - 1  # scheduler steps taken before the failing one
        where, message = translate(first_line(exc))
        where = where or "scheduler"
        raise SimulationError(
            f"torch failed at step {i} (scheduler step {k + 1}): {message}",
            key=key_join(key, where) if key else where,
        ) from exc


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
