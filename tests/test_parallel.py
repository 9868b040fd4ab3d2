"""The stepping loop and parallel simulation give torch's values, bit for bit.

The reference here is the naive training loop written directly against torch: real
parameters with gradients, ``optimizer.step()`` on every step, ``scheduler.step()``
after it, and the groups' lr / momentum read before each optimizer step. lrviz's
optimised loop (one ``optimizer.step()``, specialised paths, epoch rows repeated) and
its worker processes must reproduce that exactly. No test here measures time.
"""

from __future__ import annotations

import concurrent.futures
import importlib

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler as L

from lrviz import executor, step
from lrviz.build import build
from lrviz.errors import SimulationError
from lrviz.simulate import simulate, step_schedule
from lrviz.validate import load_config

sim = importlib.import_module("lrviz.simulate")  # the module: `lrviz.simulate` is the API's function

# --------------------------------------------------------------------------- reference


def naive_loop(make_optimizer, make_scheduler, steps, *, every=1, metric=None):
    """A training loop as users write it; returns (lr, momentum or None) arrays."""
    torch.manual_seed(0)
    params = []
    optimizer = make_optimizer(params)
    scheduler = make_scheduler(optimizer)
    lr, mom = [], []
    k = 0
    for i in range(steps):
        lr.append([g["lr"] for g in optimizer.param_groups])
        g0 = optimizer.param_groups[0]
        if "momentum" in g0:
            mom.append([g["momentum"] for g in optimizer.param_groups])
        elif "betas" in g0:
            mom.append([g["betas"][0] for g in optimizer.param_groups])
        for p in params:
            p.grad = torch.randn_like(p)
        optimizer.step()
        if (i + 1) % every == 0:
            if metric is None:
                scheduler.step()
            else:
                scheduler.step(metric[k])
            k += 1
    return np.array(lr, dtype=np.float64), (np.array(mom, dtype=np.float64) if mom else None)


def groups_of(lrs):
    """Torch param groups with real parameters (appended to ``params``) and these lrs."""

    def make(params, cls, **kw):
        groups = []
        for lr in lrs:
            p = torch.nn.Parameter(torch.randn(3, 2))
            params.append(p)
            groups.append({"params": [p], "lr": lr})
        return cls(groups, **kw)

    return make


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


N = 157  # not a multiple of anything used below

CASES = {
    "StepLR/SGD-momentum": (
        {
            "steps": N,
            "optimizer": {"name": "SGD", "lr": 0.1, "momentum": 0.9},
            "scheduler": "StepLR",
            "params": {"step_size": 7, "gamma": 0.5},
        },
        lambda ps: groups_of([0.1])(ps, torch.optim.SGD, momentum=0.9),
        lambda o: L.StepLR(o, step_size=7, gamma=0.5),
        {},
    ),
    "Cosine-past-T_max": (
        {"steps": N, "scheduler": "CosineAnnealingLR", "params": {"T_max": 50, "eta_min": 0.001}},
        lambda ps: groups_of([0.1])(ps, torch.optim.SGD, momentum=0.9),
        lambda o: L.CosineAnnealingLR(o, T_max=50, eta_min=0.001),
        {},
    ),
    "OneCycle/SGD (momentum cycles)": (
        {"steps": N, "scheduler": "OneCycleLR", "params": {"max_lr": 1.0, "total_steps": N}},
        lambda ps: groups_of([0.1])(ps, torch.optim.SGD, momentum=0.9),
        lambda o: L.OneCycleLR(o, max_lr=1.0, total_steps=N),
        {},
    ),
    "OneCycle/Adam (beta1 cycles)": (
        {
            "steps": N,
            "optimizer": {"name": "Adam", "lr": 0.001},
            "scheduler": "OneCycleLR",
            "params": {"max_lr": 0.01, "total_steps": N},
        },
        lambda ps: groups_of([0.001])(ps, torch.optim.Adam),
        lambda o: L.OneCycleLR(o, max_lr=0.01, total_steps=N),
        {},
    ),
    "CyclicLR": (
        {"steps": N, "scheduler": "CyclicLR", "params": {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 10}},
        lambda ps: groups_of([0.1])(ps, torch.optim.SGD, momentum=0.9),
        lambda o: L.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=10),
        {},
    ),
    "warmup+cosine SequentialLR": (
        {
            "steps": N,
            "scheduler": "SequentialLR",
            "params": {
                "schedulers": [
                    {"scheduler": "LinearLR", "params": {"start_factor": 0.1, "total_iters": 10}},
                    {"scheduler": "CosineAnnealingLR", "params": {"T_max": N - 10}},
                ],
                "milestones": [10],
            },
        },
        lambda ps: groups_of([0.1])(ps, torch.optim.SGD, momentum=0.9),
        lambda o: L.SequentialLR(
            o, [L.LinearLR(o, start_factor=0.1, total_iters=10), L.CosineAnnealingLR(o, T_max=N - 10)], milestones=[10]
        ),
        {},
    ),
    "Adagrad (no momentum)": (
        {
            "steps": N,
            "optimizer": {"name": "Adagrad", "lr": 0.1},
            "scheduler": "ExponentialLR",
            "params": {"gamma": 0.97},
        },
        lambda ps: groups_of([0.1])(ps, torch.optim.Adagrad),
        lambda o: L.ExponentialLR(o, gamma=0.97),
        {},
    ),
    "three groups": (
        {
            "steps": N,
            "optimizer": {
                "name": "SGD",
                "lr": 0.1,
                "momentum": 0.9,
                "param_groups": [{"lr": 0.1}, {"lr": 0.01}, {"lr": 0.5, "momentum": 0.5}],
            },
            "scheduler": "OneCycleLR",
            "params": {"max_lr": [1.0, 0.1, 2.0], "total_steps": N},
        },
        lambda ps: _three_groups(ps),
        lambda o: L.OneCycleLR(o, max_lr=[1.0, 0.1, 2.0], total_steps=N),
        {},
    ),
    "epoch interval, steps not a multiple": (
        {
            "steps": N,
            "steps_per_epoch": 6,
            "interval": "epoch",
            "scheduler": "StepLR",
            "params": {"step_size": 2, "gamma": 0.5},
        },
        lambda ps: groups_of([0.1])(ps, torch.optim.SGD, momentum=0.9),
        lambda o: L.StepLR(o, step_size=2, gamma=0.5),
        {"every": 6},
    ),
    "epoch interval, two groups, Adam": (
        {
            "steps": N,
            "steps_per_epoch": 4,
            "interval": "epoch",
            "optimizer": {"name": "Adam", "lr": 0.01, "param_groups": [{}, {"lr": 0.001}]},
            "scheduler": "OneCycleLR",
            "params": {"max_lr": 0.1, "total_steps": N // 4},
        },
        lambda ps: groups_of([0.01, 0.001])(ps, torch.optim.Adam),
        lambda o: L.OneCycleLR(o, max_lr=0.1, total_steps=N // 4),
        {"every": 4},
    ),
    "ReduceLROnPlateau, metric per step": (
        {
            "steps": N,
            "scheduler": "ReduceLROnPlateau",
            "params": {"patience": 3, "factor": 0.5},
            "metric": [1.0 / (1 + min(i, 40)) for i in range(N)],
        },
        lambda ps: groups_of([0.1])(ps, torch.optim.SGD, momentum=0.9),
        lambda o: L.ReduceLROnPlateau(o, patience=3, factor=0.5),
        {"metric": [1.0 / (1 + min(i, 40)) for i in range(N)]},
    ),
    "ReduceLROnPlateau, metric per epoch": (
        {
            "steps": N,
            "steps_per_epoch": 5,
            "interval": "epoch",
            "scheduler": "ReduceLROnPlateau",
            "params": {"patience": 1, "factor": 0.3},
            "metric": [1.0 / (1 + min(i, 9)) for i in range(N // 5)],
        },
        lambda ps: groups_of([0.1])(ps, torch.optim.SGD, momentum=0.9),
        lambda o: L.ReduceLROnPlateau(o, patience=1, factor=0.3),
        {"every": 5, "metric": [1.0 / (1 + min(i, 9)) for i in range(N // 5)]},
    ),
}


def _three_groups(params):
    groups = []
    for lr, extra in ((0.1, {}), (0.01, {}), (0.5, {"momentum": 0.5})):
        p = torch.nn.Parameter(torch.randn(3, 2))
        params.append(p)
        groups.append({"params": [p], "lr": lr, **extra})
    return torch.optim.SGD(groups, lr=0.1, momentum=0.9)


def _check(traj, ref_lr, ref_m):
    assert same_bits(traj.lr, ref_lr)
    if ref_m is None:
        assert traj.momentum is None
    else:
        assert same_bits(traj.momentum, ref_m)


@pytest.fixture(params=[65536, 7, 1], ids=["chunk-default", "chunk-7", "chunk-1"])
def chunk(request, monkeypatch):
    """Progress blocks of several sizes: block edges must not change any value."""
    monkeypatch.setattr(step, "PROGRESS_CHUNK", request.param)
    return request.param


@pytest.mark.parametrize("case", list(CASES))
def test_loop_matches_naive_torch_loop(case, chunk):
    data, make_opt, make_sched, kw = CASES[case]
    cfg = load_config(data)
    calls: list[int] = []
    traj = step_schedule(cfg, cfg.schedules[0], "cpu", progress=calls.append)
    ref_lr, ref_m = naive_loop(make_opt, make_sched, N, **kw)
    _check(traj, ref_lr, ref_m)
    assert sum(calls) == N
    assert calls.count(chunk) >= N // chunk  # a full block reported per PROGRESS_CHUNK steps


@pytest.mark.parametrize(
    "case",
    [
        "OneCycle/SGD (momentum cycles)",
        "three groups",
        "epoch interval, steps not a multiple",
        "ReduceLROnPlateau, metric per epoch",
    ],
)
@pytest.mark.parametrize("cut", [1, 5, 64, 100])
def test_advance_in_pieces_equals_one_run(case, cut, monkeypatch):
    """`lrviz check` runs the loop in pieces; any cut gives the uninterrupted values."""
    monkeypatch.setattr(step, "PROGRESS_CHUNK", 16)
    data, *_ = CASES[case]
    cfg = load_config(data)
    s = cfg.schedules[0]
    every = 1 if s.interval == "step" else cfg.steps_per_epoch
    runs = []
    for cuts in ([0, N], [0, cut, N]):
        opt, sched, metric = build(cfg, s, "cpu")
        record = step.Record(opt.param_groups)
        assert record.momentum is not None
        for a, b in zip(cuts, cuts[1:], strict=False):
            step.advance(opt, sched, metric, record, every=every, start=a, stop=b)
        runs.append(([c.tobytes() for c in record.lr], [c.tobytes() for c in record.momentum]))
    assert runs[0] == runs[1]
    assert all(len(c) == 8 * N for c in runs[0][0])


@pytest.mark.parametrize(
    "interval, spe, where",
    [
        ("step", 1, "torch failed at step 20 (scheduler step 21)"),
        ("epoch", 3, "torch failed at step 62 (scheduler step 21)"),
    ],
)
def test_failure_names_the_step(interval, spe, where, chunk):
    """OneCycleLR refuses its (total_steps + 1)-th step: the message names that step."""
    cfg = load_config(
        {
            "steps": 90,
            "steps_per_epoch": spe,
            "interval": interval,
            "scheduler": "OneCycleLR",
            "params": {"max_lr": 0.1, "total_steps": 20},
        }
    )
    with pytest.raises(SimulationError) as exc:
        simulate(cfg)
    assert where in str(exc.value)


# --------------------------------------------------------------------------- parallel

FOUR = {
    "steps": 3000,
    "schedules": [
        {"scheduler": "StepLR", "params": {"step_size": 100, "gamma": 0.5}},
        {"scheduler": "OneCycleLR", "params": {"max_lr": 1.0, "total_steps": 3000}},
        {"scheduler": "CyclicLR", "params": {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 250}},
        {"scheduler": "StepLR", "interval": "epoch", "params": {"step_size": 2}},
    ],
    "steps_per_epoch": 7,
}


class SpyPool(concurrent.futures.ProcessPoolExecutor):
    """Records that a pool was really used (and with how many workers)."""

    made: list[int] = []

    def __init__(self, max_workers=None, *args, **kwargs):
        SpyPool.made.append(max_workers)
        super().__init__(max_workers, *args, **kwargs)


@pytest.fixture
def force_pool(monkeypatch):
    """Make even a tiny run use 2 workers, and record that a pool was made."""
    monkeypatch.setattr(sim, "MIN_STEPS_FORK", 0)
    monkeypatch.setattr(sim, "MIN_STEPS_SPAWN", 0)
    monkeypatch.setattr(executor, "available_cores", lambda: 2)
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", SpyPool)
    SpyPool.made.clear()
    return SpyPool.made


def _same_result(a, b):
    assert a.trajectories, "nothing to compare"
    assert [t.label for t in a.trajectories] == [t.label for t in b.trajectories]
    for x, y in zip(a.trajectories, b.trajectories, strict=True):
        assert same_bits(x.lr, y.lr)
        assert same_bits(x.momentum, y.momentum)
        assert x.warnings == y.warnings
        assert (x.label, x.scheduler, x.groups, x.interval, x.key) == (
            y.label,
            y.scheduler,
            y.groups,
            y.interval,
            y.key,
        )


@pytest.mark.skipif(
    executor.start_method("cpu") != "fork", reason="this platform has no fork; the spawn test covers it"
)
def test_parallel_equals_serial_fork(force_pool):
    cfg = load_config(FOUR)
    serial = simulate(cfg, jobs=1)
    calls: list[int] = []
    par = simulate(cfg, jobs=None, progress=calls.append)
    assert force_pool == [2]
    _same_result(serial, par)
    assert sum(calls) == 4 * 3000


@pytest.mark.slow
def test_parallel_equals_serial_spawn(force_pool):
    """The start method of macOS, Windows and accelerator devices: the config is pickled."""
    cfg = load_config({**FOUR, "schedules": FOUR["schedules"][:2]})
    serial = simulate(cfg, jobs=1)
    calls: list[int] = []
    trajs = sim.simulate(cfg, device="cpu", jobs=2, progress=calls.append, start_method="spawn").trajectories
    assert force_pool == [2]
    assert len(serial.trajectories) == len(trajs) == 2
    for x, y in zip(serial.trajectories, trajs, strict=True):
        assert same_bits(x.lr, y.lr) and same_bits(x.momentum, y.momentum)
    assert sum(calls) == 2 * 3000


def test_parallel_reports_the_first_failure_in_config_order(force_pool):
    """Serial stops at the first bad schedule; parallel names the same one, whatever finishes first."""
    bad = lambda total: {"scheduler": "OneCycleLR", "params": {"max_lr": 0.1, "total_steps": total}}  # noqa: E731
    cfg = load_config(
        {
            "steps": 3000,
            "schedules": [
                {"scheduler": "StepLR", "params": {"step_size": 10}},
                bad(2500),
                bad(10),
                {"scheduler": "StepLR", "params": {"step_size": 3}},
            ],
        }
    )
    with pytest.raises(SimulationError) as serial:
        simulate(cfg, jobs=1)
    with pytest.raises(SimulationError) as par:
        simulate(cfg, jobs=2)
    assert force_pool == [2]
    assert str(par.value) == str(serial.value)
    assert "schedules[1]" in str(par.value)


def test_small_runs_and_single_cores_stay_serial(monkeypatch):
    fork = "fork"
    monkeypatch.setattr(executor, "available_cores", lambda: 1)
    assert sim.plan_workers(None, 4, 10**7, fork) == 1
    monkeypatch.setattr(executor, "available_cores", lambda: 8)
    assert sim.plan_workers(1, 4, 10**7, fork) == 1
    assert sim.plan_workers(None, 4, 4 * 3000, fork) == 1  # start-up would dominate
    assert sim.plan_workers(None, 4, 10**6, "spawn") == 1  # spawned workers import torch again
    assert sim.plan_workers(None, 3, 3 * 10**6, fork) == 3  # never more workers than schedules
    assert sim.plan_workers(2, 3, 3 * 10**6, fork) == 2
    assert sim.plan_workers(0, 3, 3 * 10**6, fork) == 3
    monkeypatch.setattr(executor, "available_cores", lambda: 2)
    assert sim.plan_workers(16, 3, 3 * 10**6, fork) == 2  # never more workers than cores


def test_several_configs_share_one_pool(force_pool, tmp_path):
    """simulate_configs == [simulate(c) for c in configs], with all schedules in one pool."""
    import yaml

    paths = []
    for i, s in enumerate(FOUR["schedules"][:3]):
        p = tmp_path / f"c{i}.yaml"
        p.write_text(yaml.safe_dump({"steps": 2000 + 500 * i, "steps_per_epoch": 7, **s}))
        paths.append(p)
    configs = [load_config(p) for p in paths]
    calls: list[int] = []
    results = sim.simulate_configs(configs, jobs=None, progress=calls.append)
    assert force_pool == [2]
    assert [r.config for r in results] == configs
    for cfg, r in zip(configs, results, strict=True):
        _same_result(simulate(cfg, jobs=1), r)
    assert sum(calls) == sum(c.steps for c in configs)


def test_several_configs_first_error_names_its_file(force_pool, tmp_path):
    import yaml

    good = {"steps": 3000, "scheduler": "StepLR", "params": {"step_size": 10}}
    bad = {"steps": 3000, "scheduler": "OneCycleLR", "params": {"max_lr": 0.1, "total_steps": 100}}
    paths = []
    for name, data in (("a", good), ("b", bad), ("c", bad)):
        (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(data))
        paths.append(tmp_path / f"{name}.yaml")
    configs = [load_config(p) for p in paths]
    with pytest.raises(SimulationError) as exc:
        sim.simulate_configs(configs, jobs=2)
    assert force_pool == [2]
    assert str(exc.value).startswith(str(paths[1]))
    assert "step 100" in str(exc.value)


def test_serial_fallback_uses_no_pool(monkeypatch):
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", SpyPool)
    SpyPool.made.clear()
    cfg = load_config(FOUR)
    _same_result(simulate(cfg, jobs=1), simulate(cfg, jobs=None))
    assert SpyPool.made == []


def test_accelerators_never_fork():
    assert executor.start_method("cuda") == "spawn"
    assert executor.start_method("cuda:1") == "spawn"
    assert executor.start_method("mps") == "spawn"


def _die(shared, task, report):
    """A task whose worker process dies (as one killed for memory would)."""
    import os

    if task == 1:
        os._exit(9)
    return task


def test_a_dead_worker_is_reported_not_hung(monkeypatch):
    """The executor turns a worker that died into WorkerDied: raised in order (fail fast) or as the task's result."""
    monkeypatch.setattr(executor, "available_cores", lambda: 2)
    with pytest.raises(executor.WorkerDied):
        executor.run(_die, None, [0, 1, 2], workers=2)
    results = executor.run(_die, None, [0, 1, 2], workers=2, fail_fast=False)
    assert any(isinstance(r, executor.WorkerDied) for r in results)
