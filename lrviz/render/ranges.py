"""What of the data an axis can show, and the range it shows it in.

Values an axis cannot draw (NaN, inf; zero and below on a log axis) are left out and
named in one warning line (:func:`value_problems`); a legitimate 0 on a linear axis is
drawn and needs no word. A log axis takes its range from the meaningful part of the
data (:func:`log_floor`): when the last few steps of a schedule dive towards zero
(cosine annealing to 0 reaches 1e-9 in its final step), they would squash every
curve into the top of the axis, so the axis starts above that tail and says so.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from lrviz.simulate import Result

#: The share of a schedule's steps a log axis may leave below its range (the tail).
TAIL = 0.01
#: ... and only when showing that tail would take more than this share of the axis.
TAIL_SHARE = 0.3


def drawable(values: np.ndarray, yscale: str) -> tuple[np.ndarray, tuple[float, float] | None]:
    """The values with what cannot be drawn (NaN, inf; 0 and below on a log axis) as
    NaN, and their (min, max), None when nothing is drawable.

    The common case (everything drawable) costs two reductions and no copy: this runs
    over every step of a 10M-step run, and the extremes it finds are the axis limits.
    """
    import numpy as np

    if values.size == 0:
        return values, None
    lo, hi = float(values.min()), float(values.max())  # NaN propagates; inf shows at an end
    if math.isfinite(lo) and math.isfinite(hi) and (yscale != "log" or lo > 0):
        return values, (lo, hi)
    ok = np.isfinite(values)
    if yscale == "log":
        ok &= values > 0
    if not ok.any():
        return np.full_like(values, np.nan), None
    clean = np.where(ok, values, np.nan)
    return clean, (float(np.nanmin(clean)), float(np.nanmax(clean)))


def extent(extents: list[tuple[float, float] | None]) -> tuple[float, float] | None:
    """The (min, max) over several :func:`drawable` extents."""
    found = [e for e in extents if e is not None]
    if not found:
        return None
    return (min(e[0] for e in found), max(e[1] for e in found))


def log_floor(arrays: list[np.ndarray], lo: float, hi: float) -> float | None:
    """Where a log axis over ``arrays`` (values > 0, else NaN) should start instead of
    ``lo``, or None to show everything.

    Each array keeps at least 1 - TAIL of its steps in view; the floor is the lowest of
    those per-array quantiles, and it is used only when the tail below it would take
    more than TAIL_SHARE of the axis (an exponential decay over four decades is all
    meaningful and keeps its range).
    """
    import numpy as np

    if not (0 < lo < hi):
        return None
    floors = []
    for a in arrays:
        finite = a[np.isfinite(a)] if a.size else a
        if finite.size:
            floors.append(float(np.quantile(finite, TAIL, method="lower")))
    if not floors:
        return None
    floor = min(floors)
    span, tail = math.log10(hi / lo), math.log10(max(floor, lo) / lo)
    if floor <= lo or tail <= TAIL_SHARE * span:
        return None
    return _round_down(floor)


def _round_down(v: float) -> float:
    """The nearest 1, 2 or 5 x 10^k at or below ``v``: an axis end people read."""
    exp = math.floor(math.log10(v))
    for m in (5, 2, 1):
        if m * 10**exp <= v:
            return float(m * 10**exp)
    return float(10**exp)


def below(arrays: list[tuple[str, np.ndarray]], floor: float) -> str:
    """'12 steps of cosine (down to 2.5e-9)' for what a log axis starting at ``floor`` leaves out."""
    import numpy as np

    parts = []
    for name, a in arrays:
        cut = a[np.isfinite(a) & (a > 0) & (a < floor)]
        if cut.size:
            parts.append(f"{cut.size:,} step{'s' if cut.size > 1 else ''} of {name!r} (down to {float(cut.min()):.3g})")
    return ", ".join(parts)


def value_problems(result: Result, yscale: str = "linear") -> str | None:
    """One line naming every schedule with lr values the figure cannot draw, or None.

    NaN and inf never draw; zero and below do not on a log axis. Such values are drawn
    where they can be (a gap where they cannot); a silent gap would look like a
    plotting bug. A zero on a linear axis is drawn like any other value: no warning.
    """
    import numpy as np

    log = yscale == "log"
    parts = []
    for t in result.trajectories:
        for j, g in enumerate(t.groups):
            v = t.lr[:, j]
            if v.size == 0 or (math.isfinite(v.max()) and math.isfinite(v.min()) and (not log or v.min() > 0)):
                continue  # the common case, in two reductions
            name = f"{t.label} · {g}" if len(t.groups) > 1 else t.label
            checks = [("NaN", np.isnan(v)), ("inf", np.isinf(v))]
            if log:
                checks.append(("0 or below", v <= 0))
            found = []
            for what, mask in checks:
                count = int(mask.sum())
                if count:
                    first = int(np.argmax(mask))
                    found.append(f"{what} at {count:,} step{'s' if count > 1 else ''} (first: step {first})")
            if found:
                parts.append(f"{name!r} has lr " + ", ".join(found))
    if not parts:
        return None
    how = "not positive and finite (log axis)" if log else "NaN or inf"
    return "; ".join(parts) + f" — drawn where possible; gaps where lr is {how}"


def window(xlim: tuple[float | None, float | None] | None, index_of: Any, n: int) -> tuple[int, int]:
    """The steps ``[i0, i1)`` an x range shows (all ``n`` without one); ``index_of`` maps x to a step index."""
    if xlim is None:
        return 0, n
    lo, hi = xlim
    i0 = 0 if lo is None else max(0, min(n, math.floor(index_of(lo))))
    i1 = n if hi is None else max(0, min(n, math.ceil(index_of(hi)) + 1))
    return (i0, i1) if i1 > i0 else (0, n)


def lr_range(
    named: list[tuple[str, np.ndarray]],
    yscale: str,
    ylim: tuple[float | None, float | None] | None,
    *,
    drawable: Any = drawable,
) -> tuple[tuple[float, float] | None, str | None]:
    """The data range of a lr axis over ``named`` arrays (the steps in view), and a note when
    a log axis leaves a tail out (:func:`log_floor`). ``ylim`` ends given win. ``drawable``:
    :func:`drawable`, or a caller's memo of it (``lrviz.render.cells.Cells.drawable``)."""
    drawn = [drawable(a, yscale) for _, a in named]
    data = extent([e for _, e in drawn])
    if data is None or yscale != "log" or (ylim is not None and ylim[0] is not None):
        return data, None
    floor = log_floor([a for a, _ in drawn], *data)
    if floor is None:
        return data, None
    cut = below(named, floor)
    note = f"the log axis starts at {floor:g}, above the tail towards zero: {cut} not shown; --ylim shows them"
    return (floor, data[1]), note
