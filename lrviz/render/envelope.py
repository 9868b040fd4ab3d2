"""Min/max envelope: draw a 10M-step run at the cost of the pixels it covers.

A line plot of N evenly spaced points on an axes W pixels wide puts about N / W
points in each pixel column. Within one column the line covers, vertically, exactly
the range from the column's minimum to its maximum, and it enters the column from the
previous column's last point and leaves it towards the next column's first point.
Keeping, per pixel column, the first point, the last point, the minimum and the
maximum (at their true positions, in order) therefore draws the same pixels as the
full data: no cycle peak is lost, however long the run. The cost of drawing and the
size of an SVG then grow with the width of the figure, not with the number of steps.

The only pass over all N values is numpy's (an ``argmin`` / ``argmax`` per column);
everything after works on at most ``5 * W`` points.

Columns are aligned with the pixels: the first point sits on the left edge of the
axes and the last on the right edge (lrviz sets the x limits that way), so point i
falls in column ``floor(i * W / (N - 1))``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

#: Below this many points per column the data are drawn as they are: the saving is
#: small, and exact data keep short runs exact even when zoomed in a vector file.
MIN_POINTS_PER_COLUMN = 4


def column_starts(n: int, columns: int, span: int | None = None) -> np.ndarray:
    """Index of the first point of each non-empty pixel column.

    ``n`` evenly spaced points, the first on the left edge; the columns cover ``span``
    steps (default ``n - 1``: the last point on the right edge, in the last column; a
    run drawn as held steps spans ``n``, one step more than its last point). Point i is
    in column c when ``c <= i * columns / span < c + 1``, so column c starts at
    ``ceil(c * span / columns)``, computed in integers (no rounding error).
    """
    import numpy as np

    if n <= 0:
        return np.zeros(0, dtype=np.int64)
    columns = max(1, int(columns))
    if n == 1:
        return np.zeros(1, dtype=np.int64)
    span = n - 1 if span is None else max(1, int(span))
    c = np.arange(columns, dtype=np.int64)
    starts = (c * span + columns - 1) // columns
    return np.unique(starts[starts < n])  # drops empty columns when span < columns


def envelope_indices(values: np.ndarray, columns: int, span: int | None = None, *, finite: bool = False) -> np.ndarray:
    """Sorted indices of the points to draw so a line covers the same pixels as ``values``.

    Per pixel column (``span`` as in :func:`column_starts`): the first and last point,
    the minimum and maximum (NaN ignored), and the first NaN if the column has one, so
    that a gap in the data stays a gap. When there are few points per column, every
    index is returned. Drawn as held steps (each value until the next point), the
    kept points cover the same pixels too: between two kept points of one column the
    line stays inside that column's [min, max], and the last point of a column is
    followed by the first of the next. ``finite``: the caller knows no value is NaN (the
    figure's range pass found it), so the pass that looks for one is left out.
    """
    import numpy as np

    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError("envelope_indices expects one line (a 1-D array)")
    n = values.shape[0]
    columns = max(1, int(columns))
    starts = column_starts(n, columns, span)  # fewer than ``columns`` when the line covers part of ``span``
    if n <= MIN_POINTS_PER_COLUMN * len(starts):
        return np.arange(n, dtype=np.int64)
    ends = np.append(starts[1:], n)
    has_nan = not finite and bool(np.isnan(values.min()))  # a min is NaN iff some value is: one pass, no mask
    if has_nan:
        nan = np.isnan(values)
        low_src = np.where(nan, np.inf, values)
        high_src = np.where(nan, -np.inf, values)
    else:
        low_src = high_src = values

    mins = np.empty(len(starts), dtype=np.int64)
    maxs = np.empty(len(starts), dtype=np.int64)
    for k, (s, e) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
        mins[k] = s + int(low_src[s:e].argmin())
        maxs[k] = s + int(high_src[s:e].argmax())
    parts = [starts, ends - 1, mins, maxs]
    if has_nan:
        # the first NaN of every column that has one: a break in the line
        nan_idx = np.flatnonzero(nan)
        col_of_nan = np.searchsorted(starts, nan_idx, side="right") - 1
        _, first = np.unique(col_of_nan, return_index=True)
        parts.append(nan_idx[first])
    return np.unique(np.concatenate(parts))


def column_extremes(values: np.ndarray, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-column (min, max) of ``values``, NaN ignored: what a pixel column must show.

    What a drawing of ``values`` at ``columns`` pixel columns must cover: the tests
    compare rendered envelopes against it. Computed with ``reduceat`` over the same
    column boundaries as :func:`envelope_indices`.
    """
    import numpy as np

    values = np.asarray(values, dtype=np.float64)
    starts = column_starts(values.shape[0], columns)
    low = np.minimum.reduceat(np.where(np.isnan(values), np.inf, values), starts)
    high = np.maximum.reduceat(np.where(np.isnan(values), -np.inf, values), starts)
    return low, high
