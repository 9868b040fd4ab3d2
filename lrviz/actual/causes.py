"""Likely causes of a divergence, read from the data alone: pure functions over numpy arrays.

Each detector looks at one series that diverged (:class:`Evidence`: the whole plan of its
group, the logged rows and values inside the plan, which of them agree, the first that
does not) and returns a :class:`~lrviz.actual.findings.Cause` when the data *shows* that
cause -- every logged point must fit it, not most. They are tried in the order of
:data:`DETECTORS`; the first that fits is reported and the others that fit too are named
in ``Cause.also`` (an ExponentialLR shifted by one step is also a constant factor gamma).

* ``different-total``, ``skipped-steps``, ``resume-total``: what the run's own facts explain
  (:mod:`lrviz.actual.runcauses`);
* ``shift``: logged[i] == plan[i + k] at every logged step, for one k != 0 (an lr read after
  ``scheduler.step()``, steps counted from 1);
* ``factor``: logged == f x plan everywhere, f != 1; named when f (or 1/f) is one of the
  candidate factors the caller can name (world size, batch scaling, accumulation);
* ``restart``: identical until step K, then from some step R the log follows the plan
  *from step 0* again (a resume that rebuilt the scheduler: the warmup restarted);
* ``warmup-length``: diverges during the plan's rise and reaches the same peak at a
  different step;
* ``resume``: identical until step K, then the lr falls back to the plan's first value, or
  differs for a while and then agrees again (a resume that restored the scheduler but not
  the optimizer's lr);
* ``changed-total``: identical until step K, then drifts away gradually and never agrees
  again (the schedule's length differs: T_max, total_steps, num_training_steps, max_steps);
* ``changed-after``: identical until step K, then different, without a clearer sign.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from lrviz.actual import runcauses
from lrviz.actual.evidence import Evidence
from lrviz.actual.findings import Cause, num

if TYPE_CHECKING:
    pass

#: Shifts always tried; more come from where the first diverging value appears in the plan.
SMALL_SHIFTS = 8
#: How far (in steps) from the divergence the plan is searched for the logged value.
SEARCH_WINDOW = 1 << 16
#: Candidates are tried on this many points before all of them (a 10M-point log, 40 shifts).
PROBE = 64
#: A drift (changed total) starts small: at most this relative difference at its first step.
DRIFT_START = 0.10


def _shift_candidates(ev: Evidence) -> list[int]:
    import numpy as np

    n = ev.planned.shape[0]
    at = ev.step
    lo, hi = max(0, at - SEARCH_WINDOW), min(n, at + SEARCH_WINDOW + 1)
    hits = np.flatnonzero(ev.close(ev.planned[lo:hi], ev.logged[ev.first])) + lo - at
    ks = set(range(-SMALL_SHIFTS, SMALL_SHIFTS + 1)) | {int(k) for k in hits[np.argsort(np.abs(hits))[:32]]}
    ks.discard(0)
    return sorted(ks, key=lambda k: (abs(k), k))


def shift(ev: Evidence) -> Cause | None:
    import numpy as np

    n = ev.planned.shape[0]
    fits = []
    for k in _shift_candidates(ev):
        idx = ev.rows + k
        valid = (idx >= 0) & (idx < n)
        if not valid[ev.first] or np.count_nonzero(valid) < max(2, (ev.rows.shape[0] + 1) // 2):
            continue
        # Points the log agreed on *unshifted* that the shift cannot place are evidence against it: a run
        # that was on plan for 12 steps and then starts over is a restart, not a log 12 steps behind.
        # One such point is allowed: a log one step behind still starts at the plan's first value.
        if np.count_nonzero(~valid[: ev.first]) > 1:
            continue
        logged, shifted = ev.logged[valid], ev.planned[idx[valid]]
        if np.all(ev.close(logged[:PROBE], shifted[:PROBE])) and np.all(ev.close(logged, shifted)):
            fits.append(k)
    if not fits:
        return None
    k = fits[0]
    ahead = "ahead of" if k > 0 else "behind"
    typical = (
        "an lr read after scheduler.step(), or steps counted from 0 where 1 was meant"
        if k > 0
        else "an lr read before the previous scheduler.step() took effect, or steps counted from 1 where 0 was meant"
    )
    also = f" (the data also fits shifts of {', '.join(f'{x:+d}' for x in fits[1:4])})" if len(fits) > 1 else ""
    return Cause(
        "shift",
        f"the log is {abs(k)} step{'s' if abs(k) != 1 else ''} {ahead} the plan: the value logged for step i is the "
        f"plan's step i{k:+d} at every logged step{also} -- typical of {typical}; shifting the log by {k:+d} makes "
        "them agree",
        {"k": k, "fits": fits[:8]},
    )


def factor(ev: Evidence) -> Cause | None:
    import numpy as np

    at = ev.planned[ev.rows]
    v = ev.logged
    finite = np.isfinite(at) & np.isfinite(v)
    if not np.all(finite):
        return None
    zero = at == 0
    if np.any(v[zero] != 0):
        return None
    nz = ~zero
    if np.count_nonzero(nz) < 2:
        return None
    ratio = v[nz] / at[nz]
    f = float(np.median(ratio))
    if f == 0 or not np.isfinite(f) or ev.close(f, 1.0, 4.0):
        return None
    if not np.all(ev.close(ratio, f, 4.0)):
        return None
    named = []
    for name, c in ev.factors.items():
        if c and ev.close(f, c, 4.0):
            named.append(f"{name} ({c:g})")
        elif c and ev.close(f, 1.0 / c, 4.0):
            named.append(f"1 / {name} (1/{c:g})")
    if named:
        which = f"it matches {' and '.join(named)}"
    elif ev.factors:
        known = ", ".join(f"{n} {c:g}" for n, c in ev.factors.items())
        which = f"none of the factors lrviz was told about matches ({known})"
    else:
        which = "a scaling the plan does not include (world size, batch-size scaling, gradient accumulation?)"
    return Cause(
        "factor",
        f"the logged lr is {f:.6g} x the plan at every logged step: {which}",
        {"factor": f, "matches": named},
    )


def restart(ev: Evidence) -> Cause | None:
    import numpy as np

    if ev.first == 0:
        return None
    lo, hi = int(ev.rows[ev.first - 1]) + 1, ev.step  # the restart lies in (last agreeing row, first diverging row]
    window = ev.planned[: min(hi - lo + 1, SEARCH_WINDOW)]
    later = ev.logged[ev.first :]
    for j in np.flatnonzero(ev.close(window, later[0]))[:64]:
        start = hi - int(j)  # the step at which the log is back at plan step 0
        if not np.all(ev.close(later[:2], ev.planned[ev.rows[ev.first : ev.first + 2] - start])):
            continue  # a restart must hold for at least two logged steps; most candidates fail here
        ok = ev.close(later, ev.planned[ev.rows[ev.first :] - start])
        run = int(np.argmin(ok)) if not np.all(ok) else int(ok.shape[0])
        if run >= 2:
            until = int(ev.rows[ev.first + run - 1])
            rest = "every logged step after it" if run == ok.shape[0] else f"{run} logged steps, to step {until}"
            return Cause(
                "restart",
                f"identical to the plan until step {ev.last_agreeing}, then the logged curve starts over at step "
                f"{start}: "
                f"it follows the plan from step 0 again for {rest} -- a resumed run that rebuilt its scheduler "
                "(warmup restarted): load the scheduler's state_dict when resuming",
                {"restart_step": start, "followed_until": until},
            )
    return None


#: Two peaks are "the same peak" within this relative difference: a warmup whose length changed
#: may end between two steps (OneCycleLR's pct_start x total_steps), so its top is not hit exactly.
PEAK_MATCH = 0.05


def warmup_length(ev: Evidence) -> Cause | None:
    import numpy as np

    plan = ev.planned
    if plan.shape[0] < 2 or not np.all(np.isfinite(plan)) or not np.all(np.isfinite(ev.logged)):
        return None
    sign = 1.0
    if plan[0] >= plan.max():  # starts at its top: a dip first (OneCycleLR's momentum)
        sign = -1.0
    curve, logged = sign * plan, sign * ev.logged
    peak = float(curve.max())
    plan_peak = int(np.argmax(curve))
    # a warmup rises to an interior peak and comes down after it; a monotone curve has none
    if plan_peak == 0 or plan_peak == curve.shape[0] - 1 or curve[0] >= peak or curve[-1] >= peak:
        return None
    if ev.step > plan_peak:
        return None
    top = float(logged.max())
    if abs(top - peak) > PEAK_MATCH * max(abs(top), abs(peak)):
        return None
    log_peak = int(ev.rows[int(np.argmax(logged))])
    if log_peak == plan_peak:
        return None
    what = "peak" if sign > 0 else "lowest point"
    return Cause(
        "warmup-length",
        f"the warmup differs in length: the curve reaches its {what} ({num(sign * top)}) at step {log_peak} in the "
        "log, "
        f"the plan's ({num(sign * peak)}) is at step {plan_peak} (or, where the warmup is a fraction of the run as in "
        "OneCycleLR's pct_start, the total step count differs)",
        {"log_peak_step": log_peak, "plan_peak_step": plan_peak, "log_peak": sign * top, "plan_peak": sign * peak},
    )


def resume(ev: Evidence) -> Cause | None:
    import numpy as np

    if ev.first == 0:
        return None
    start_value = float(ev.planned[0])
    fell_back = bool(ev.close(ev.logged[ev.first], start_value)) and not bool(
        ev.close(ev.planned[ev.step], start_value)
    )
    after = ev.agree[ev.first :]
    disagree = np.flatnonzero(~after)
    recovered = bool(np.any(after)) and disagree[-1] < after.shape[0] - 1
    again = int(ev.rows[ev.first + int(disagree[-1]) + 1]) if recovered else None
    if not fell_back and not recovered:
        return None
    what = (
        f"the lr fell back to {num(ev.logged[ev.first])}, the plan's value at step 0"
        if fell_back
        else f"the lr was {num(ev.logged[ev.first])} instead of {num(ev.planned[ev.step])}"
    )
    then = f", and from step {again} on it agrees again" if recovered else ""
    return Cause(
        "resume",
        f"identical to the plan until step {ev.last_agreeing}; at step {ev.step} {what}{then} -- a resumed run whose "
        "lr was "
        "not restored with its state (the scheduler's state_dict loaded into a fresh optimizer keeps the optimizer's "
        "initial lr in param_groups): load the optimizer's state_dict too",
        {"resume_step": ev.step, "fell_back": fell_back, "agrees_again_at": again},
    )


def changed_total(ev: Evidence) -> Cause | None:
    import numpy as np

    if ev.first == 0 or np.any(ev.agree[ev.first :]):
        return None
    at = ev.planned[ev.rows[ev.first :]]
    v = ev.logged[ev.first :]
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.abs(v - at) / np.maximum(np.abs(at), np.abs(v))
    if not np.isfinite(rel[0]) or rel[0] > DRIFT_START:
        return None
    n = ev.planned.shape[0]
    stated = (
        f"; the log's own run length is {ev.run_steps} steps, the plan's {n}"
        if ev.run_steps is not None and ev.run_steps != n
        else ""
    )
    return Cause(
        "changed-total",
        f"identical to the plan until step {ev.last_agreeing}, then drifts away gradually ({rel[0]:.3g} relative at "
        f"step {ev.step}, {float(rel[-1]):.3g} at step {int(ev.rows[-1])}) and never agrees again: the schedule's "
        "length "
        "differs -- a changed total step count (T_max, total_steps, num_training_steps; the run's max_steps or "
        f"epochs){stated}",
        {"relative_at_divergence": float(rel[0]), "relative_at_end": float(rel[-1]), "run_steps": ev.run_steps},
    )


def changed_after(ev: Evidence) -> Cause | None:
    if ev.first == 0:
        return None
    return Cause(
        "changed-after",
        f"identical to the plan until step {ev.last_agreeing}, different from step {ev.step}: "
        "the run changed course there (a resume, or a schedule that differs from that step on)",
        {"last_agreeing_step": ev.last_agreeing},
    )


#: Tried in this order; the first that fits is the cause. ``changed-after`` is the fallback.
DETECTORS: tuple[tuple[str, Callable[[Evidence], Cause | None]], ...] = (
    ("different-total", runcauses.different_total),
    ("different-shape", runcauses.different_shape),
    ("shift", shift),
    ("factor", factor),
    ("skipped-steps", runcauses.skipped_steps),
    ("resume-total", runcauses.resume_total),
    ("restart", restart),
    ("warmup-length", warmup_length),
    ("resume", resume),
    ("changed-total", changed_total),
    ("different-total", runcauses.another_length),
)
FALLBACK = changed_after


def likely_cause(ev: Evidence) -> Cause | None:
    """The first detector that fits, with the others that fit as ``also``; else the fallback."""
    found = [cause for _, detect in DETECTORS if (cause := detect(ev)) is not None]
    if not found:
        return FALLBACK(ev)
    first = found[0]
    if len(found) == 1:
        return first
    return Cause(first.code, first.message, first.values, also=tuple(c.code for c in found[1:]))
