"""The numbers of an interactive page: each recorded column as text, exact, and its envelope.

Why text: the page shows a value with the digits ``lrviz export`` writes, so the values
travel as the export's own strings (:func:`lrviz.stream.reprs`, Python's shortest
round-trip ``repr``); the browser parses them back to the same doubles to draw, and shows
the string itself on hover. Nothing is formatted twice.

Why an envelope: a 1M-step run has more steps than a screen has pixels. For each column
the page carries the min and max of every bucket of ``b`` steps at a few bucket sizes
(:data:`RATIO` apart), so at any zoom it draws from the level whose buckets are about a
pixel wide: no peak is lost, and the cost follows the width, not the steps. The exact
values ride along up to :data:`EXACT_VALUES` per page; past that a column carries only
its envelope, from a finest bucket chosen to fit :data:`ENVELOPE_VALUES`, and the page
says so (hover then reads the bucket's min and max, never an invented value).

All texts go into one blob: joined by newlines, deflated (zlib, fixed level: the same
bytes every run) and base64'd; the page inflates it with the browser's own
``DecompressionStream``, no library and no request.
"""

from __future__ import annotations

import base64
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lrviz.stream import reprs

if TYPE_CHECKING:
    import numpy as np

#: Exact values a page carries at most (every column together): 1M steps of lr and momentum.
EXACT_VALUES = 2_200_000
#: Envelope values (min and max of every bucket, every level) a column carries at most.
ENVELOPE_VALUES = 600_000
#: The finest envelope bucket, in steps, when the exact values ride along (finer zooms draw them).
FINEST = 16
#: Each level's buckets are this many times the previous level's.
RATIO = 8
#: The coarsest level has at most this many buckets.
COARSEST = 2048
#: zlib level: fixed, so the bytes are the same every run.
LEVEL = 6


@dataclass
class Blob:
    """Texts collected for one page; :meth:`add` returns the index the page reads a text by.

    The exact columns go into a second blob (``exact=True``), inflated after the first
    paint: a 1M-step page draws from its envelopes while the exact text is still coming.
    """

    texts: list[str] = field(default_factory=list)
    exact: list[str] = field(default_factory=list)

    def add(self, values: np.ndarray, *, exact: bool = False) -> int:
        into = self.exact if exact else self.texts
        into.append(",".join(reprs(values)))
        return len(into) - 1

    @staticmethod
    def _encoded(texts: list[str]) -> str:
        return base64.b64encode(zlib.compress("\n".join(texts).encode(), LEVEL)).decode("ascii")

    def encoded(self) -> tuple[str, str]:
        """(the envelopes and points, the exact columns), each deflated and base64'd."""
        return self._encoded(self.texts), self._encoded(self.exact)


def levels_for(n: int, exact: bool) -> list[int]:
    """The bucket sizes of a column of ``n`` steps, finest first ([] when the exact values are enough)."""
    if n <= FINEST * COARSEST // RATIO and exact:
        return []
    b = FINEST
    if not exact:  # the finest level that keeps every level within ENVELOPE_VALUES
        while 2 * n / b * RATIO / (RATIO - 1) > ENVELOPE_VALUES:
            b *= 2
    sizes = [b]
    while n / sizes[-1] > COARSEST:
        sizes.append(sizes[-1] * RATIO)
    return sizes


def envelope(values: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Min and max of each bucket of ``size`` steps (NaN ignored; a bucket of NaN only is NaN)."""
    import warnings

    import numpy as np

    starts = np.arange(0, len(values), size)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.fmin.reduceat(values, starts), np.fmax.reduceat(values, starts)


def column(blob: Blob, values: np.ndarray, exact: bool) -> dict[str, Any]:
    """One recorded column for the page: its exact text (when carried) and envelope levels."""
    import numpy as np

    values = np.ascontiguousarray(values, dtype=np.float64)
    n = int(values.shape[0])
    sizes = levels_for(n, exact)
    # a short column (no levels) is drawn from its exact text at once: it goes with the first blob
    lazy = bool(sizes)
    out: dict[str, Any] = {"n": n, "exact": blob.add(values, exact=lazy) if exact else None, "lazy": lazy, "levels": []}
    for size in sizes:
        lo, hi = envelope(values, size)
        out["levels"].append({"size": size, "min": blob.add(lo), "max": blob.add(hi)})
    return out


def points(blob: Blob, at: np.ndarray, values: np.ndarray) -> dict[str, Any]:
    """Values at some steps only (the metric fed to ReduceLROnPlateau): exact, with their steps."""
    import numpy as np

    return {"n": int(values.shape[0]), "at": blob.add(np.asarray(at, dtype=np.float64)), "exact": blob.add(values)}
