"""The min/max envelope keeps every extreme, at the resolution it is drawn.

Expected values come from brute force over the raw array (a Python loop over the
columns, written independently of the module's reduceat/argmin code) or from closed
forms of triangle waves; the long cyclic run is the real torch CyclicLR.
"""

from __future__ import annotations

import numpy as np
import pytest

from lrviz.render.envelope import column_extremes, column_starts, envelope_indices


def brute_columns(n: int, columns: int) -> list[list[int]]:
    """Indices per pixel column: point i at x = i / (n - 1) of the width, the last point in the last column."""
    cols: list[list[int]] = [[] for _ in range(columns)]
    for i in range(n):
        c = min(columns - 1, (i * columns) // (n - 1))
        cols[c].append(i)
    return [c for c in cols if c]


def triangle(n: int, half_period: int, lo: float = 1e-4, hi: float = 1e-3) -> np.ndarray:
    """A triangle wave starting at lo, peaking at hi every 2 * half_period steps (closed form)."""
    i = np.arange(n)
    phase = (i % (2 * half_period)) / half_period
    return lo + (hi - lo) * np.where(phase <= 1, phase, 2 - phase)


@pytest.mark.parametrize("n,columns", [(1001, 10), (997, 13), (50_000, 333), (12_345, 1000), (10**6 + 7, 1919)])
def test_column_boundaries_match_pixel_columns(n, columns):
    starts = column_starts(n, columns).tolist()
    assert starts == [c[0] for c in brute_columns(n, columns)]


@pytest.mark.parametrize("n,columns,half", [(20_000, 97, 7), (20_000, 97, 500), (99_991, 400, 3), (5_000, 64, 1)])
def test_every_column_keeps_its_exact_min_and_max(n, columns, half):
    rng = np.random.default_rng(n + columns)
    values = triangle(n, half) * (1 + 0.01 * rng.standard_normal(n))
    idx = envelope_indices(values, columns)
    kept = set(idx.tolist())
    cols = brute_columns(n, columns)
    assert len(cols) == columns  # n > columns: every pixel column holds points
    for col in cols:
        seg = values[col]
        assert max(values[i] for i in col if i in kept) == seg.max()
        assert min(values[i] for i in col if i in kept) == seg.min()
        assert col[0] in kept and col[-1] in kept  # the line enters and leaves each column where the data do
    assert len(idx) <= 4 * columns


def test_indices_are_sorted_and_unique():
    values = triangle(100_000, 37)
    idx = envelope_indices(values, 500)
    assert np.all(np.diff(idx) > 0)
    assert idx[0] == 0 and idx[-1] == len(values) - 1


def test_short_runs_are_not_reduced():
    values = triangle(4 * 50, 3)
    assert envelope_indices(values, 50).tolist() == list(range(200))
    assert envelope_indices(np.array([1.0]), 100).tolist() == [0]
    assert envelope_indices(np.array([]), 100).tolist() == []


def test_constant_run_keeps_ends_and_one_point_per_column():
    values = np.full(1_000_000, 0.1)
    idx = envelope_indices(values, 1000)
    assert idx[0] == 0 and idx[-1] == 999_999
    assert len(idx) <= 2 * 1000
    assert set(values[idx].tolist()) == {0.1}


def test_nan_gap_survives_and_extremes_ignore_nan():
    values = triangle(100_000, 50)
    values[40_000:40_010] = np.nan
    idx = envelope_indices(values, 200)
    assert np.isnan(values[idx]).any(), "a gap in the data must stay a gap in the drawn line"
    lo, hi = column_extremes(values, 200)
    assert np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))
    kept = values[idx]
    assert np.nanmax(kept) == np.nanmax(values)
    assert np.nanmin(kept) == np.nanmin(values)


def test_column_extremes_match_brute_force():
    values = triangle(30_011, 123) + np.linspace(0, 1e-4, 30_011)
    lo, hi = column_extremes(values, 256)
    cols = brute_columns(30_011, 256)
    assert lo.tolist() == [values[c].min() for c in cols]
    assert hi.tolist() == [values[c].max() for c in cols]


def test_envelope_of_ten_million_points_stays_small():
    values = triangle(10_000_000, 1_250)
    idx = envelope_indices(values, 2000)
    assert len(idx) <= 4 * 2000
    assert values[idx].max() == values.max() and values[idx].min() == values.min()


def test_keeps_every_peak_of_a_long_torch_cyclic_run():
    """Real CyclicLR, 200 cycles over 60k steps on 200 columns: every cycle's peak and trough is kept."""
    from lrviz.simulate import simulate
    from lrviz.validate import load_config

    steps, up = 60_000, 150
    cfg = load_config(
        {
            "steps": steps,
            "optimizer": {"name": "SGD", "lr": 0.1, "momentum": 0.9},
            "scheduler": "CyclicLR",
            "params": {"base_lr": 1e-4, "max_lr": 1e-3, "step_size_up": up},
        }
    )
    lr = simulate(cfg).trajectories[0].lr[:, 0]
    idx = envelope_indices(lr, 200)
    assert len(idx) <= 4 * 200
    kept = np.zeros(steps, dtype=bool)
    kept[idx] = True
    cycle_starts = range(0, steps, 2 * up)
    assert len(cycle_starts) == 200
    for start in cycle_starts:
        cycle = slice(start, min(steps, start + 2 * up))
        seg, seg_kept = lr[cycle], kept[cycle]
        assert seg[seg_kept].max() == seg.max(), f"peak of the cycle at step {start} lost"
        assert seg[seg_kept].min() == seg.min(), f"trough of the cycle at step {start} lost"
    # and the peaks are torch's own values, at the steps torch puts them
    peaks = np.flatnonzero(lr == lr.max())
    assert set(peaks.tolist()) <= set(idx.tolist())


@pytest.mark.parametrize("n", [10, 5_000, 123_457])
def test_finite_hint_gives_the_same_points_on_finite_data(n):
    """`finite=True` only leaves out the pass that looks for NaN: on finite values the points are the same."""
    values = np.cos(np.arange(n) * 0.013) * np.exp(-np.arange(n) / n)
    assert np.isfinite(values).all()
    for columns in (1, 97, 800):
        np.testing.assert_array_equal(envelope_indices(values, columns, finite=True), envelope_indices(values, columns))
