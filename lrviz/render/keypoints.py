"""The points of a trajectory that matter: first, peak, min, last, and regime changes.

Regime changes are read from the recorded values only (no knowledge of the
scheduler's class or parameters, so presets and user schedulers get the same
treatment), from the discrete derivative ``d[k] = lr[k+1] - lr[k]``:

* a **jump**: ``|d[k]|`` more than :data:`JUMP_RATIO` times both neighbouring
  differences (a StepLR or MultiStepLR milestone, a ReduceLROnPlateau reduction, a
  warm restart). Reported at step k+1, the first step at the new value;
* a change of **direction** (the sign of ``d``: rising, flat, falling): the end of a
  warmup, a peak, a trough, the start or the end of a decay. Reported at the turning
  step k, the last step of the old direction and the first of the new;
* a **kink**: the slope changes abruptly while the direction stays (a linear warmup
  handing over to a slower one; a linear decay becoming a cosine). Same test as a jump,
  on the second difference, and only when the change is a visible part of the slope.

Comparisons use a tolerance relative to the values compared, so float rounding in a
flat or linear segment is never mistaken for a change, and a decay that has reached
1e-14 is still a decay.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

JUMP_RATIO = 4.0
#: A kink must change the slope by at least this fraction of the largest |slope|.
KINK_MIN = 0.05
#: Differences below this fraction of the values they separate count as "flat".
REL_TOL = 1e-12


@dataclass
class KeyPoint:
    step: int
    value: float
    what: list[str] = field(default_factory=list)


_TURN = {
    (1, 0): "end of rise",
    (1, -1): "peak",
    (0, -1): "decay starts",
    (0, 1): "rise starts",
    (-1, 0): "end of decay",
    (-1, 1): "trough",
}


def regime_changes(values: np.ndarray) -> list[tuple[int, str]]:
    """``(step, what)`` for every regime change of ``values``, in step order."""
    import numpy as np

    y = np.asarray(values, dtype=np.float64)
    n = y.shape[0]
    if n < 3:
        return []
    finite = np.isfinite(y)
    if not finite.all():  # the derivative of NaN/inf says nothing; treat as breaks
        y = np.where(finite, y, 0.0)
    d = np.diff(y)
    ad = np.abs(d)
    # "flat" relative to the values themselves, so an exponential decay is still
    # falling at 1e-14 while float noise on a constant or linear stretch is flat
    tol = REL_TOL * np.maximum(np.abs(y[1:]), np.abs(y[:-1]))
    sign = np.where(ad <= tol, 0, np.sign(d)).astype(np.int8)
    events: dict[int, str] = {}
    jump = _jumps(d, ad, tol, sign, events)
    # the steps around a jump: direction changes and kinks there are the jump's
    near_jump = np.zeros(n, dtype=bool)
    jk = np.flatnonzero(jump)
    for off in (0, 1):
        near_jump[np.clip(jk + off, 0, n - 1)] = True
    _turns(sign, jump, near_jump, events)
    if n >= 4:
        _kinks(d, ad, sign, jump, near_jump, events)
    return sorted(events.items())


def _jumps(d: np.ndarray, ad: np.ndarray, tol: np.ndarray, sign: np.ndarray, events: dict[int, str]) -> np.ndarray:
    """Mark each jump (|d[k]| dominates both neighbours; a missing one counts as 0) at step k+1."""
    import numpy as np

    left = np.concatenate(([0.0], ad[:-1]))
    right = np.concatenate((ad[1:], [0.0]))
    jump: np.ndarray = (ad > tol) & (ad > JUMP_RATIO * np.maximum(left, right))
    for k in np.flatnonzero(jump).tolist():
        if d[k] < 0:
            events[k + 1] = "drop"
        else:
            # going up after a decrease is a restart (warm restarts, cycles); else a step up
            events[k + 1] = "restart" if k > 0 and sign[k - 1] < 0 else "jump up"
    return jump


def _turns(sign: np.ndarray, jump: np.ndarray, near_jump: np.ndarray, events: dict[int, str]) -> None:
    """Mark each change of direction (rising, flat, falling) that no jump explains."""
    import numpy as np

    n = len(sign) + 1
    change = np.flatnonzero(sign[1:] != sign[:-1]) + 1  # d[k-1] -> d[k] differ: turning step k
    first_regime_rising = bool(sign[0] > 0)
    # rises_later[k]: some smooth rise (not a jump) happens after step k
    smooth_rise = (sign > 0) & ~jump
    rises_later = np.zeros(n, dtype=bool)
    if smooth_rise.any():
        last_rise = int(np.flatnonzero(smooth_rise)[-1])  # d[last_rise] rises into step last_rise + 1
        rises_later[:last_rise] = True
    jumps_only = not events
    seen_turn = False
    for k in change.tolist():
        if near_jump[k] or k in events:
            continue
        prev, nxt = int(sign[k - 1]), int(sign[k])
        what = _TURN[(prev, nxt)]
        if not seen_turn and prev > 0 and first_regime_rising and jumps_only and not rises_later[k]:
            # a first rise that never comes back (jumps aside) is a warmup; one that
            # does is the first half of a cycle
            what = "end of warmup" + (" (peak)" if nxt < 0 else "")
        seen_turn = True
        events[k] = what


def _kinks(
    d: np.ndarray, ad: np.ndarray, sign: np.ndarray, jump: np.ndarray, near_jump: np.ndarray, events: dict[int, str]
) -> None:
    """Mark each step where the slope changes abruptly while keeping its direction."""
    import numpy as np

    dd = np.diff(d)  # dd[k-1] = d[k] - d[k-1], a change at step k
    add = np.abs(dd)
    l2 = np.concatenate(([0.0], add[:-1]))
    r2 = np.concatenate((add[1:], [0.0]))
    big = float(ad.max()) * KINK_MIN
    kink = (add > big) & (add > JUMP_RATIO * np.maximum(l2, r2)) & (sign[1:] == sign[:-1]) & (sign[1:] != 0)
    for km1 in np.flatnonzero(kink).tolist():
        k = km1 + 1
        if k in events or near_jump[k] or jump[k] or jump[k - 1]:
            continue
        events[k] = "slope changes"


def stepped_changes(values: np.ndarray, period: int = 1) -> list[tuple[int, str]]:
    """:func:`regime_changes` as the eye sees a schedule stepped every ``period`` optimizer steps
    (``interval: epoch``: the steps per epoch): read once a period, so a cosine stepped per epoch
    is one decay, not a drop at every epoch; a StepLR's milestone is still a drop, at its step."""
    if period <= 1 or values.shape[0] <= 2 * period:
        return regime_changes(values)
    return [(k * period, what) for k, what in regime_changes(values[::period])]


def key_points(values: np.ndarray, *, max_changes: int = 12, period: int = 1) -> tuple[list[KeyPoint], int]:
    """First, peak, min, last and up to ``max_changes`` regime changes, merged per step.

    ``period``: the schedule was stepped every that many optimizer steps (see
    :func:`stepped_changes`). Returns the points in step order and how many regime
    changes were left out.
    """
    import numpy as np

    y = np.asarray(values, dtype=np.float64)
    n = y.shape[0]
    if n == 0:
        return [], 0
    points: dict[int, list[str]] = {}

    def add(step: int, what: str) -> None:
        whats = points.setdefault(step, [])
        if what not in whats:  # the global peak can also be a regime change called "peak"
            whats.append(what)

    add(0, "first")
    finite = np.isfinite(y)
    if finite.any():
        masked_hi = np.where(finite, y, -np.inf)
        masked_lo = np.where(finite, y, np.inf)
        add(int(np.argmax(masked_hi)), "peak")
        add(int(np.argmin(masked_lo)), "min")
    changes = stepped_changes(y, period)
    for step, what in changes[:max_changes]:
        add(step, what)
    add(n - 1, "last")
    if not finite.all():
        add(int(np.argmax(~finite)), "first NaN/inf")
    for whats in points.values():  # "peak, end of warmup (peak)" says peak twice
        if "peak" in whats and "end of warmup (peak)" in whats:
            whats[whats.index("end of warmup (peak)")] = "end of warmup"
    out = [KeyPoint(step=s, value=float(y[s]), what=w) for s, w in sorted(points.items())]
    return out, max(0, len(changes) - max_changes)
