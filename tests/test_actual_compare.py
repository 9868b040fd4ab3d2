"""The comparison engine on closed forms: every cause, the tolerances, repeated steps, group matching.

Plans here are written out in numpy (a warmup then a cosine, the formula of the PyTorch and
transformers docs), and each "log" is that plan changed in one known way: shifted, scaled,
restarted, stretched. The engine must name the change and the step where it starts.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from lrviz.actual.compare import compare_log, rtol_for
from lrviz.actual.groups import assign_groups
from lrviz.actual.series import ActualLog, GroupHint, from_arrays
from lrviz.errors import LrvizError

N = 100
BASE = 0.1


def warmup_cosine(n: int = N, warmup: int = 10, total: int | None = None) -> np.ndarray:
    total = n if total is None else total
    out = []
    for i in range(n):
        if i < warmup:
            out.append(BASE * (i + 1) / warmup)
        else:
            out.append(BASE * 0.5 * (1 + math.cos(math.pi * min(1.0, (i - warmup) / (total - warmup)))))
    return np.array(out)


PLAN = warmup_cosine()


def run(values, rows=None, *, plan=PLAN, dtype="float64", factors=None, groups=("group0",), momentum=None, name="lr"):
    rows = np.arange(len(values)) if rows is None else np.asarray(rows)
    log = ActualLog("log.csv", "csv", [from_arrays(name, rows, values, dtype=dtype)])
    lr = np.asarray(plan).reshape(len(plan), -1)
    return compare_log(lr, momentum, list(groups), log, schedule="s", factors=factors)


def diverged(result):
    found = [f for f in result.findings if f.code == "diverged"]
    assert len(found) == 1, [str(f) for f in result.findings]
    return found[0]


# --------------------------------------------------------------------------- agreement and tolerance


def test_identical_log_agrees():
    result = run(PLAN.copy())
    assert result.ok and [f.code for f in result.findings] == ["agree"]
    assert "every step, steps 0..99" in result.findings[0].message


def test_tolerance_comes_from_the_stored_precision():
    assert rtol_for("float64") == 4 * np.finfo(np.float64).eps
    assert rtol_for("float32") == 4 * np.finfo(np.float32).eps
    assert rtol_for("float16") == 4 * np.finfo(np.float16).eps
    assert rtol_for("decimal6") == pytest.approx(1e-5)


def test_float32_log_agrees_and_ten_ulps_do_not():
    logged = PLAN.astype(np.float32).astype(np.float64)
    assert run(logged, dtype="float32").ok
    bad = logged.copy()
    bad[42] = float(np.float32(bad[42]) + 10 * np.spacing(np.float32(bad[42])))
    first = diverged(run(bad, dtype="float32"))
    assert first.step == 42 and first.logged == bad[42]


def test_float64_claimed_but_float32_values_agree_with_a_note():
    result = run(PLAN.astype(np.float32).astype(np.float64), dtype="float64")
    assert result.ok
    assert sorted(f.code for f in result.findings) == ["agree", "float32-values"]


def test_six_digit_csv_agrees_at_six_digits():
    logged = np.array([float(f"{v:.6g}") for v in PLAN])
    assert not np.array_equal(logged, PLAN)
    assert run(logged, dtype="decimal6").ok
    assert not run(logged, dtype="float64").ok


def test_nan_on_both_sides_agrees():
    plan = PLAN.copy()
    plan[50:] = np.nan
    assert run(plan.copy(), plan=plan).ok


# --------------------------------------------------------------------------- causes


@pytest.mark.parametrize("k", [1, 2, -1, -3])
def test_shift_by_k(k):
    rows = np.arange(max(0, -k), min(N, N - k))
    first = diverged(run(PLAN[rows + k], rows))
    assert first.cause.code == "shift" and first.cause.values["k"] == k


def test_factor_named_by_the_candidates():
    first = diverged(run(8 * PLAN, factors={"world size": 8, "gradient accumulation": 4}))
    assert first.step == 0 and first.cause.code == "factor"
    assert first.cause.values["factor"] == pytest.approx(8)
    assert first.cause.values["matches"] == ["world size (8)"]


def test_factor_no_candidate_matches():
    first = diverged(run(3 * PLAN, factors={"world size": 8}))
    assert first.cause.code == "factor" and first.cause.values["matches"] == []
    assert "none of the factors" in first.cause.message and "world size 8" in first.cause.message


def test_restart_at_k():
    logged = np.concatenate([PLAN[:40], PLAN[: N - 40]])  # the run starts over at step 40
    first = diverged(run(logged))
    assert first.step == 40
    assert first.cause.code == "restart" and first.cause.values["restart_step"] == 40


def test_restart_seen_through_sparse_logging():
    logged = np.concatenate([PLAN[:37], PLAN[: N - 37]])  # restart at 37, logged every 5 steps
    rows = np.arange(0, N, 5)
    first = diverged(run(logged[rows], rows))
    assert first.step == 40 and first.cause.code == "restart" and first.cause.values["restart_step"] == 37


def test_longer_warmup():
    first = diverged(run(warmup_cosine(warmup=20)))
    assert first.step == 0  # (i+1)/20 vs (i+1)/10
    assert first.cause.code == "warmup-length"
    # the warmup reaches the peak at its last step, warmup - 1
    assert first.cause.values["log_peak_step"] == 19 and first.cause.values["plan_peak_step"] == 9


def test_resume_falls_back_to_the_first_value_then_agrees():
    logged = PLAN.copy()
    logged[60] = PLAN[0]
    first = diverged(run(logged))
    assert first.step == 60 and first.cause.code == "resume"
    assert first.cause.values == {"resume_step": 60, "fell_back": True, "agrees_again_at": 61}


def test_changed_total_drifts():
    first = diverged(run(warmup_cosine(total=130)))
    assert first.step == 11  # equal at the end of the warmup (step 10 is progress 0)
    assert first.cause.code == "changed-total"


def test_changed_after_a_jump():
    logged = PLAN.copy()
    logged[50:] = 0.05
    first = diverged(run(logged))
    assert first.step == 50 and first.cause.code == "changed-after"


def test_no_cause_when_nothing_fits():
    rng = np.random.default_rng(0)
    first = diverged(run(rng.uniform(0, 1, N)))
    assert first.step == 0 and first.cause is None
    assert "likely cause" not in first.message


def test_exponential_shift_is_also_a_factor():
    plan = 0.1 * 0.9 ** np.arange(N)
    first = diverged(run(plan[1:], np.arange(N - 1), plan=plan))
    assert first.cause.code == "shift" and first.cause.also == ("factor",)


# --------------------------------------------------------------------------- outside the plan, repeats


def test_beyond_and_before_the_plan():
    rows = np.arange(-2, N + 3)
    values = np.concatenate([[0.5, 0.5], PLAN, [0.0, 0.0, 0.0]])
    result = run(values, rows)
    assert result.ok
    codes = sorted(f.code for f in result.findings)
    assert codes == ["agree", "before-plan", "beyond-plan"]


def test_no_overlap_is_an_error():
    result = run(np.ones(5), np.arange(N, N + 5))
    assert not result.ok and [f.code for f in result.findings][0] == "no-overlap"


def test_repeated_steps_keep_the_last_write():
    s = from_arrays("lr", [0, 1, 2, 3, 2, 3, 4], [1.0, 2.0, 3.0, 4.0, 3.0, 9.0, 5.0])
    assert s.rows.tolist() == [0, 1, 2, 3, 4]
    assert s.values.tolist() == [1.0, 2.0, 3.0, 9.0, 5.0]
    assert s.duplicates == 2 and s.out_of_order == 1
    assert s.rewritten_count == 1 and s.rewritten == [(3, 4.0, 9.0)]


def test_out_of_order_steps_are_sorted():
    s = from_arrays("lr", [3, 1, 2, 0], [4.0, 2.0, 3.0, 1.0])
    assert s.rows.tolist() == [0, 1, 2, 3] and s.values.tolist() == [1.0, 2.0, 3.0, 4.0]


def test_json_round_trip_with_nan():
    logged = PLAN.copy()
    logged[3] = np.nan
    result = run(logged)
    doc = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    (f,) = [f for f in doc["findings"] if f["code"] == "diverged"]
    assert f["step"] == 3 and f["logged"] == "nan" and f["planned"] == PLAN[3]
    assert doc["ok"] is False and doc["series"][0]["first_divergence"] == 3


# --------------------------------------------------------------------------- groups


def test_group_matching_rules():
    series = [
        from_arrays("lr-SGD/backbone", [0], [1.0], hint=GroupHint(name="backbone")),
        from_arrays("lr-SGD/pg2", [0], [1.0], hint=GroupHint(index=1, name="pg2")),
        from_arrays("lr/head", [0], [1.0]),
        from_arrays("lr_other", [0], [1.0]),
        from_arrays("lr-SGD/pg2-momentum", [0], [0.9]),
    ]
    got = assign_groups(series, ["backbone", "neck", "head"])
    assert {k: v.group for k, v in got.items()} == {
        "lr-SGD/backbone": 0,
        "lr-SGD/pg2": 1,
        "lr/head": 2,
        "lr_other": None,
        "lr-SGD/pg2-momentum": 1,
    }
    assert "--actual-group lr_other=GROUP" in got["lr_other"].why
    got = assign_groups(series, ["backbone", "neck", "head"], ["lr_other=neck", "lr/head=0"])
    assert got["lr_other"].group == 1 and got["lr/head"].group == 0


def test_group_option_errors():
    one = [from_arrays("lr", [0], [1.0])]
    two = one + [from_arrays("lr_b", [0], [1.0])]
    assert assign_groups(one, ["a", "b"], ["b"])["lr"].group == 1
    with pytest.raises(LrvizError, match=r"the log has 2 lr series \(lr, lr_b\); say which"):
        assign_groups(two, ["a", "b"], ["b"])
    with pytest.raises(LrvizError, match=r"no param group 'bb' \(did you mean b\?\)"):
        assign_groups(one, ["a", "b"], ["bb"])
    with pytest.raises(LrvizError, match=r"no lr series 'lrr' \(did you mean lr\?\)"):
        assign_groups(one, ["a", "b"], ["lrr=a"])


def test_unmapped_series_is_a_warning_and_not_compared():
    log = ActualLog("x", "csv", [from_arrays("lr_x", [0, 1], [0.1, 0.1])])
    result = compare_log(np.full((4, 2), 0.1), None, ["a", "b"], log)
    assert [f.code for f in result.findings] == ["unmapped"] and result.series == []


def test_momentum_without_a_planned_momentum():
    log = ActualLog("x", "csv", [from_arrays("lr", [0, 1], [0.1, 0.1]), from_arrays("lr-momentum", [0, 1], [0.9, 0.9])])
    result = compare_log(np.full((4, 1), 0.1), None, ["g"], log)
    assert sorted(f.code for f in result.findings) == ["agree", "no-planned-momentum"]
