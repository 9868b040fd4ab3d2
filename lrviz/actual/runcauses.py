"""Causes a run's own facts explain: skipped optimizer steps, another total, a resume with another total.

Pure functions over :class:`~lrviz.actual.evidence.Evidence`, tried by :func:`lrviz.actual.causes.likely_cause`
before the shape-only detectors:

* ``different-total``: the log states its own total (transformers' ``max_steps``) and it is not
  the plan's; when the caller can re-plan (``Evidence.planner``: TrainingArguments overrides ->
  the planned lr), the log is checked against the plan at the run's total, and the reason the
  caller found (``Evidence.reason``: processes, DataParallel, accumulation, rounding) is named;
* ``skipped-steps``: the log agrees with the plan shifted by k(i), a count that starts at 0
  and grows by one at each skipped step -- the Trainer does not step the scheduler when the
  optimizer step was skipped (``accelerator.optimizer_step_was_skipped``: fp16 loss scaling
  found an inf), so from each skip on the log trails the plan by one more step. The skipped
  optimizer step is the one before the row where the count grows (exact when every step is
  logged; a range between two logged steps otherwise);
* ``different-shape``: the log agrees with the plan re-made with another ``lr_scheduler_type`` (needs
  a planner and the plan's type, ``Evidence.plan_type``);
* ``resume-total``: the log follows one plan up to a step and another after it, the two
  differing in their total (a run resumed from a checkpoint with a changed ``max_steps``:
  the rebuilt scheduler has the new total and the checkpoint's step count). Needs a planner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lrviz.actual.evidence import Evidence
from lrviz.actual.findings import Cause

if TYPE_CHECKING:
    import numpy as np

#: More skips than this in one log are not reported one by one (a log that trails by that much is
#: better described by the shape detectors).
MAX_SKIPS = 10_000
#: Totals tried for the first part of a resume: bisection steps over [step + 1, BEYOND x the plan].
BISECT_STEPS = 40
BEYOND = 16


def _first_mismatch(ev: Evidence, start: int, k: int) -> int:
    """Index of the first logged point at or after ``start`` that is not plan[row - k] (len if none)."""
    import numpy as np

    n = int(ev.rows.shape[0])
    width = 64
    i = start
    while i < n:
        j = min(n, i + width)
        idx = ev.rows[i:j] - k
        ok = (idx >= 0) & ev.close(ev.logged[i:j], ev.planned[np.clip(idx, 0, None)])
        if not np.all(ok):
            return int(i + int(np.argmin(ok)))
        i, width = j, width * 4
    return n


def skipped_steps(ev: Evidence) -> Cause | None:
    k, i = 0, 0
    skips: list[tuple[int, int]] = []
    n = ev.rows.shape[0]
    while True:
        i = _first_mismatch(ev, i, k)
        if i >= n:
            break
        gap = int(ev.rows[i] - ev.rows[i - 1]) if i > 0 else int(ev.rows[i]) + 1
        fit = next(
            (
                k2
                for k2 in range(k + 1, k + gap + 1)
                if 0 <= int(ev.rows[i]) - k2 and bool(ev.close(ev.logged[i], ev.planned[int(ev.rows[i]) - k2]))
            ),
            None,
        )
        if fit is None or len(skips) + fit - k > MAX_SKIPS:
            return None
        lo = int(ev.rows[i - 1]) if i > 0 else 0
        skips.extend([(lo, int(ev.rows[i]) - 1)] * (fit - k))
        k = fit
    if not skips:
        return None
    exact = all(a == b for a, b in skips)
    where = ", ".join(str(b) if a == b else f"{a}..{b}" for a, b in skips[:12]) + (", ..." if len(skips) > 12 else "")
    return Cause(
        "skipped-steps",
        f"{len(skips)} skipped optimizer step{'s' if len(skips) != 1 else ''} (at step{'s' if len(skips) != 1 else ''} "
        f"{where}{'' if exact else ', each somewhere in the range given: the log skips steps'}): after each, the "
        "log agrees with the plan shifted back by one more step -- the optimizer step was skipped and the scheduler "
        "not stepped (fp16 loss scaling found an inf: the Trainer checks accelerator.optimizer_step_was_skipped)",
        {"count": len(skips), "steps": [b for _, b in skips], "ranges": [list(r) for r in skips], "exact": exact},
    )


def _replanned(ev: Evidence, total: int) -> np.ndarray | None:
    if ev.planner is None or total < 1:
        return None
    try:
        lr: np.ndarray | None = ev.planner({"max_steps": int(total)})
    except Exception:  # a total the framework refuses is no candidate
        return None
    return lr


def _agrees(ev: Evidence, plan: np.ndarray | None, sel: slice) -> bool:
    """The logged points ``sel`` agree with ``plan``; one point past its end is allowed (a log of the lr after each
    step, up to transformers 4.50, ends with the lr after the last one)."""
    import numpy as np

    if plan is None:
        return False
    rows, logged = ev.rows[sel], ev.logged[sel]
    inside = rows < plan.shape[0]
    if rows.size == 0 or rows.size - int(np.count_nonzero(inside)) > 1:
        return False
    return bool(np.all(ev.close(logged[inside], plan[rows[inside]])))


def different_total(ev: Evidence) -> Cause | None:
    n = ev.planned.shape[0]
    run = ev.run_steps
    if run is None or run == n:
        return None
    plan = _replanned(ev, run)
    agrees = _agrees(ev, plan, slice(None)) if plan is not None else False
    reason = f"; likely {ev.reason}" if ev.reason else ""
    then = (
        f"; the log agrees with the plan re-made for {run} steps at every logged step"
        if agrees
        else ("" if plan is None else f"; re-made for {run} steps the plan still differs")
    )
    if plan is not None and not agrees:
        return None  # the total alone does not explain the values: let the other detectors speak
    return Cause(
        "different-total",
        f"a different total: the run's is {run} optimizer steps (trainer_state.json max_steps), the plan's {n}"
        f"{reason}{then}",
        {"run_total": run, "plan_total": n, "reason": ev.reason, "agrees_at_run_total": agrees},
    )


#: transformers' lr_scheduler_type values a different shape is looked for among (get_scheduler's names).
SHAPES = (
    "linear", "cosine", "cosine_with_restarts", "polynomial", "constant", "constant_with_warmup", "inverse_sqrt",
    "cosine_with_min_lr", "warmup_stable_decay",
)  # fmt: skip


def different_shape(ev: Evidence) -> Cause | None:
    """The log agrees with the plan re-made with another lr_scheduler_type: the run had another schedule."""
    if ev.planner is None or ev.plan_type is None:
        return None
    for other in SHAPES:
        if other == ev.plan_type:
            continue
        try:
            plan = ev.planner({"lr_scheduler_type": other})
        except Exception:  # a type this release does not know, or that needs kwargs
            continue
        if plan is not None and plan.shape == ev.planned.shape and _agrees(ev, plan, slice(None)):
            return Cause(
                "different-shape",
                f"a different shape: the log follows {other}, the plan is {ev.plan_type} (same total and warmup: "
                f"the log agrees with the plan re-made with lr_scheduler_type {other!r} at every logged step)",
                {"run_schedule": other, "plan_schedule": ev.plan_type},
            )
    return None


def _bisect_total(ev: Evidence, d: int) -> int | None:
    """A total whose plan gives the logged value at point ``d`` (bisection: lr at a step grows with the total)."""
    row, target = int(ev.rows[d]), float(ev.logged[d])
    lo, hi = row + 1, max(BEYOND * ev.planned.shape[0], row + 2)

    def at(total: int) -> float | None:
        plan = _replanned(ev, total)
        return None if plan is None or row >= plan.shape[0] else float(plan[row])

    a, b = at(lo), at(hi)
    if a is None or b is None or not (min(a, b) <= target <= max(a, b)):
        return None
    rising = b >= a
    for _ in range(BISECT_STEPS):
        if hi - lo <= 1:
            break
        mid = (lo + hi) // 2
        v = at(mid)
        if v is None:
            return None
        if (v < target) == rising:
            lo = mid
        else:
            hi = mid
    return next((t for t in (lo, hi, lo - 1, hi + 1) if _agrees(ev, _replanned(ev, t), slice(0, d + 1))), None)


def resume_total(ev: Evidence) -> Cause | None:
    import numpy as np

    if ev.planner is None:
        return None
    n = ev.planned.shape[0]
    disagree = np.flatnonzero(~ev.agree)
    last = int(disagree[-1])
    if last < ev.rows.shape[0] - 1:  # the plan holds from some step to the end: the first part had another total
        before = _bisect_total(ev, last)
        if before is None or before == n:
            return None
        cut, after = last, n
    elif ev.first > 0 and ev.run_steps is not None and ev.run_steps != n:  # the plan held first; then the run's total
        if not _agrees(ev, _replanned(ev, ev.run_steps), slice(ev.first, None)):
            return None
        cut, before, after = ev.first - 1, n, ev.run_steps
    else:
        return None
    # the last row of the first plan is the checkpoint's step under either reading: up to 4.50 the checkpoint's
    # own last entry (the lr after its step S); from 4.51 the first step after the resume, which uses the lr the
    # optimizer's state restored (the rebuilt scheduler applies the new total from its first step())
    step = int(ev.rows[cut])
    nxt = int(ev.rows[cut + 1]) - 1
    at = f"step {step}" if nxt == step else f"a step in {step}..{nxt}"
    return Cause(
        "resume-total",
        f"a resume at {at} with another total: the log follows a {before}-step plan up to step {step} and a "
        f"{after}-step plan after it -- a run resumed from checkpoint-{step} with a changed max_steps (the scheduler "
        "is rebuilt with the new total and continues from the checkpoint's step)",
        {"resume_step": step, "resume_step_max": nxt, "total_before": before, "total_after": after},
    )


#: Plans longer than this are not re-planned to find another length (each try simulates the whole plan).
MAX_LENGTH_PLAN = 200_000


def another_length(ev: Evidence) -> Cause | None:
    """The log agrees with the plan re-made with another length (an lrviz config's T_max, total_iters,
    total_steps): the run built its schedule for another total, or a resume restored the first one."""
    if ev.planner is None or ev.length is None or ev.run_steps is not None or ev.planned.shape[0] > MAX_LENGTH_PLAN:
        return None
    key, planned = str(ev.length["key"]), int(ev.length["value"])
    found = _bisect_total(ev, 0)
    if found is None or found == planned or not _agrees(ev, _replanned(ev, found), slice(None)):
        return None
    first = int(ev.rows[0])
    resumed = (
        f"; the log starts at step {first}: a run resumed from a checkpoint keeps the {key} its scheduler state "
        f"saved (load_state_dict restores it), whatever the new run's max_steps gave configure_optimizers"
        if first > 0
        else ""
    )
    return Cause(
        "different-total",
        f"a different length: the log agrees at every logged step with the plan re-made with {key} {found}, the "
        f"plan's is {planned}{resumed}",
        {"run_total": found, "plan_total": planned, "key": key, "reason": "resume" if first > 0 else None,
         "agrees_at_run_total": True},
    )  # fmt: skip


__all__ = ["SHAPES", "another_length", "different_shape", "different_total", "resume_total", "skipped_steps"]
