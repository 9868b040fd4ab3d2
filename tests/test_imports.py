"""Your own scheduler: trust, file and module imports, validation, and the timm-style adapter.

Every scheduler file here is written by the test into a temporary folder, and every
expected value comes from running that same class with torch directly (or, for the
adapter, from driving the object by hand the way timm's training loop does).
"""

from __future__ import annotations

import csv
import importlib.util
import math
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from typer.testing import CliRunner

from lrviz.cli import app
from lrviz.errors import ConfigError, TrustError
from lrviz.simulate import simulate
from lrviz.validate import load_config
from tests.torchloop import direct_lrs

runner = CliRunner()
LRS = [0.1, 0.02]

# A LambdaLR subclass with a typed signature; creates a marker file when imported, so
# a test can tell whether lrviz ran the file.
SCHED_PY = '''
import math
from pathlib import Path
from torch.optim.lr_scheduler import LambdaLR

Path(__file__).with_name("IMPORTED").write_text("the module ran")


class HalfLife(LambdaLR):
    """Exponential decay with a half-life in steps, after a linear warmup."""

    def __init__(self, optimizer, half_life: int, warmup: int = 0, last_epoch: int = -1):
        self.half_life = half_life
        self.warmup = warmup
        super().__init__(optimizer, self.factor, last_epoch)

    def factor(self, step):
        if step < self.warmup:
            return (step + 1) / (self.warmup + 1)
        return 0.5 ** ((step - self.warmup) / self.half_life)


def get_halflife_schedule(optimizer, num_training_steps, half_life=10, **extra):
    """A transformers-style factory: optimizer first, the rest as keywords."""
    sched = HalfLife(optimizer, half_life=half_life)
    sched.seen = dict(extra, num_training_steps=num_training_steps)
    return sched


NOT_CALLABLE = 3
'''

# The kind of class seed article 004 writes: a LambdaLR subclass that passes a bound
# method holding counters, and overrides get_lr to return the groups' current lr (so
# torch never changes the lr). lrviz must run it and show exactly what torch does.
SEED_KIND_PY = """
import math
from torch.optim.lr_scheduler import LambdaLR


class CountingWarmupCosine(LambdaLR):
    def __init__(self, optimizer, T_0, T_warmup=0, scale=0.1, last_epoch=-1):
        self.T_0 = T_0
        self.T_warmup = T_warmup
        self.scale = scale
        self.calls = 0
        super().__init__(optimizer, self.lr_lambda, last_epoch)

    def get_lr(self):
        return [group["lr"] for group in self.optimizer.param_groups]

    def lr_lambda(self, step):
        self.calls += 1
        if step <= self.T_warmup:
            return max(step, 1) / max(self.T_warmup, 1)
        return 0.5 * (math.cos(math.pi * (step % self.T_0) / self.T_0) + 1) * self.scale
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def config(folder: Path, scheduler: str, params: dict, steps: int = 30, name: str = "cfg.yaml", **extra) -> Path:
    data = {
        "steps": steps,
        "optimizer": {"name": "SGD", "lr": LRS[0], "param_groups": [{"name": "a"}, {"name": "b", "lr": LRS[1]}]},
        "scheduler": scheduler,
        "params": params,
        **extra,
    }
    return write(folder, name, yaml.safe_dump(data, sort_keys=False))


def load_module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def direct(make, steps: int = 30) -> np.ndarray:
    """A plain torch loop: two groups, optimizer.step() then scheduler.step()."""
    return direct_lrs(make, LRS, steps)


@pytest.fixture(autouse=True)
def no_env_trust(monkeypatch):
    monkeypatch.delenv("LRVIZ_TRUST", raising=False)


# --------------------------------------------------------------------------- trust


def test_file_import_refused_without_trust_and_nothing_runs(tmp_path):
    write(tmp_path, "sched.py", SCHED_PY)
    cfg = config(tmp_path, "sched.py:HalfLife", {"half_life": 5})
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["export", str(cfg), "-o", str(out)])
    assert result.exit_code == 2
    assert "--trust" in result.stderr and "LRVIZ_TRUST=1" in result.stderr
    assert str(cfg) in result.stderr and "scheduler" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "IMPORTED").exists()
    assert not out.exists()


def test_module_import_refused_without_trust(tmp_path):
    cfg = config(tmp_path, "torch.optim.lr_scheduler:StepLR", {"step_size": 3})
    with pytest.raises(TrustError, match="--trust"):
        load_config(cfg)


def test_config_cannot_grant_itself_trust(tmp_path):
    write(tmp_path, "sched.py", SCHED_PY)
    cfg = config(tmp_path, "sched.py:HalfLife", {"half_life": 5}, trust=True)
    result = runner.invoke(app, ["export", str(cfg)])
    assert result.exit_code == 2
    assert not (tmp_path / "IMPORTED").exists()


def test_file_import_granted_with_trust_matches_torch(tmp_path):
    path = write(tmp_path, "sched.py", SCHED_PY)
    cfg = config(tmp_path, "sched.py:HalfLife", {"half_life": 7, "warmup": 3})
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["export", str(cfg), "-o", str(out), "--trust"])
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "IMPORTED").exists()
    rows = list(csv.DictReader(out.open()))
    got = np.array([[float(r["lr"]) for r in rows if r["group"] == g] for g in ("a", "b")]).T
    mod = load_module(path, "test_imports_direct_halflife")
    np.testing.assert_array_equal(got, direct(lambda o: mod.HalfLife(o, half_life=7, warmup=3)))


def test_env_trust_grants(tmp_path, monkeypatch):
    write(tmp_path, "sched.py", SCHED_PY)
    cfg = config(tmp_path, "sched.py:HalfLife", {"half_life": 5})
    monkeypatch.setenv("LRVIZ_TRUST", "1")
    assert load_config(cfg).trust
    assert (tmp_path / "IMPORTED").exists()


def test_file_path_is_relative_to_the_config_not_the_cwd(tmp_path, monkeypatch):
    path = write(tmp_path / "proj" / "lib", "mine.py", SCHED_PY)
    cfg = config(tmp_path / "proj" / "configs", "../lib/mine.py:HalfLife", {"half_life": 4})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = simulate(load_config(cfg, trust=True))
    mod = load_module(path, "test_imports_direct_mine")
    np.testing.assert_array_equal(result.trajectories[0].lr, direct(lambda o: mod.HalfLife(o, half_life=4)))


def test_file_outside_the_config_folder_says_so(tmp_path):
    write(tmp_path / "outside", "mine.py", SCHED_PY)
    cfg = config(tmp_path / "configs", "../outside/mine.py:HalfLife", {"half_life": 4})
    with pytest.raises(TrustError) as info:
        load_config(cfg)
    assert "outside the config's folder" in str(info.value) and "--trust" in str(info.value)
    assert not (tmp_path / "outside" / "IMPORTED").exists()
    load_config(cfg, trust=True)  # with trust it is allowed


def test_module_import_of_a_package_next_to_the_config(tmp_path):
    pkg = tmp_path / "lrviz_test_pkg_a"
    write(pkg, "__init__.py", "")
    path = write(pkg, "schedules.py", SCHED_PY)
    cfg = config(tmp_path, "lrviz_test_pkg_a.schedules:HalfLife", {"half_life": 6})
    try:
        result = simulate(load_config(cfg, trust=True))
    finally:
        for name in [m for m in sys.modules if m.startswith("lrviz_test_pkg_a")]:
            del sys.modules[name]
    mod = load_module(path, "test_imports_direct_pkg")
    np.testing.assert_array_equal(result.trajectories[0].lr, direct(lambda o: mod.HalfLife(o, half_life=6)))
    assert str(tmp_path) not in sys.path  # the search path is restored after the import


def test_installed_module_import_equals_the_class(tmp_path):
    cfg = config(tmp_path, "torch.optim.lr_scheduler:StepLR", {"step_size": 4, "gamma": 0.5})
    result = simulate(load_config(cfg, trust=True))
    np.testing.assert_array_equal(
        result.trajectories[0].lr, direct(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=4, gamma=0.5))
    )


def test_factory_gets_optimizer_first_and_num_training_steps_filled(tmp_path):
    write(tmp_path, "sched.py", SCHED_PY)
    cfg = load_config(
        config(tmp_path, "sched.py:get_halflife_schedule", {"half_life": 5, "anything": 1}, steps=12), trust=True
    )
    from lrviz.build import build

    _, sched, _ = build(cfg, cfg.schedules[0], "cpu")
    assert sched.seen == {"anything": 1, "num_training_steps": 12}  # **extra accepts anything
    assert simulate(cfg).trajectories[0].lr[5, 0] == pytest.approx(0.1 * 0.5 ** (5 / 5))


def test_seed_004_kind_of_lambdalr_subclass_runs_as_torch_does(tmp_path):
    path = write(tmp_path, "seedkind.py", SEED_KIND_PY)
    params = {"T_0": 8, "T_warmup": 3, "scale": 0.5}
    result = simulate(load_config(config(tmp_path, "seedkind.py:CountingWarmupCosine", params), trust=True))
    mod = load_module(path, "test_imports_direct_seedkind")
    expected = direct(lambda o: mod.CountingWarmupCosine(o, **params))
    np.testing.assert_array_equal(result.trajectories[0].lr, expected)
    # the overridden get_lr keeps whatever lr the constructor left: lambda(0) x lr, forever
    assert np.all(expected == expected[0])


# --------------------------------------------------------------------------- validation and errors


def test_signature_drives_validation(tmp_path):
    write(tmp_path, "sched.py", SCHED_PY)
    with pytest.raises(ConfigError) as info:
        load_config(config(tmp_path, "sched.py:HalfLife", {"half_lif": 5}), trust=True)
    assert info.value.key == "params.half_lif" and "did you mean half_life" in str(info.value)
    with pytest.raises(ConfigError) as info:
        load_config(config(tmp_path, "sched.py:HalfLife", {"half_life": "soon"}), trust=True)
    assert info.value.key == "params.half_life" and "an integer" in str(info.value)
    with pytest.raises(ConfigError) as info:
        load_config(config(tmp_path, "sched.py:HalfLife", {}), trust=True)
    assert info.value.key == "params.half_life" and "missing required" in str(info.value)


@pytest.mark.parametrize(
    ("target", "fragment"),
    [
        ("sched.py:HalfLif", "has no attribute 'HalfLif' (did you mean HalfLife?)"),
        ("sched.py:NOT_CALLABLE", "not a scheduler class or factory"),
        ("missing.py:X", "no such file"),
        ("lrviz_no_such_module_xyz:X", "no module named 'lrviz_no_such_module_xyz'"),
        ("broken.py:X", "importing 'broken.py' failed: RuntimeError: boom at import (broken.py, line 1)"),
        ("syntax.py:X", "importing 'syntax.py' failed: SyntaxError"),
        ("sched.py", "unknown scheduler 'sched.py'"),
        ("sched.py:1x", "expected 'package.module:Name'"),
    ],
)
def test_import_problems_are_config_errors_on_the_scheduler_key(tmp_path, target, fragment):
    write(tmp_path, "sched.py", SCHED_PY)
    write(tmp_path, "broken.py", "raise RuntimeError('boom at import')\n")
    write(tmp_path, "syntax.py", "def oops(:\n")
    cfg = config(tmp_path, target, {})
    result = runner.invoke(app, ["export", str(cfg), "--trust"])
    assert result.exit_code == 2, result.output
    assert fragment in result.stderr
    assert f"{cfg}: scheduler: " in result.stderr
    assert "Traceback" not in result.stderr


def test_a_factory_returning_no_scheduler_is_refused(tmp_path):
    write(tmp_path, "bad.py", "def make(optimizer):\n    return 42\n")
    cfg = load_config(config(tmp_path, "bad.py:make", {}), trust=True)
    with pytest.raises(ConfigError, match="returned int, which is not a scheduler"):
        simulate(cfg)


# --------------------------------------------------------------------------- timm-style adapter

TIMM_PY = '''
import math


class TimmStyleCosine:
    """timm-like: told the time via step(epoch) / step_update(num_updates), writes lrs itself."""

    def __init__(self, optimizer, t_initial: int, warmup_t: int = 0, warmup_lr_init: float = 0.0,
                 lr_min: float = 0.0, t_in_epochs: bool = True):
        self.optimizer = optimizer
        self.t_initial, self.warmup_t, self.warmup_lr_init, self.lr_min = t_initial, warmup_t, warmup_lr_init, lr_min
        self.t_in_epochs = t_in_epochs
        self.base = [g["lr"] for g in optimizer.param_groups]
        self.calls = []
        self._write(0)

    def _write(self, t):
        for g, base in zip(self.optimizer.param_groups, self.base):
            if t < self.warmup_t:
                g["lr"] = self.warmup_lr_init + t * (base - self.warmup_lr_init) / self.warmup_t
            else:
                x = min(t - self.warmup_t, self.t_initial) / self.t_initial
                g["lr"] = self.lr_min + 0.5 * (base - self.lr_min) * (1 + math.cos(math.pi * x))

    def step(self, epoch, metric=None):
        self.calls.append(("step", epoch, metric))
        if self.t_in_epochs:
            self._write(epoch)

    def step_update(self, num_updates, metric=None):
        self.calls.append(("step_update", num_updates, metric))
        if not self.t_in_epochs:
            self._write(num_updates)

    def state_dict(self):
        return {"base": list(self.base)}


class MetricScaled:
    """Reads a metric each epoch: lr = base * metric."""

    def __init__(self, optimizer):
        self.optimizer = optimizer
        self.base = [g["lr"] for g in optimizer.param_groups]

    def step(self, epoch, metric=None):
        for g, base in zip(self.optimizer.param_groups, self.base):
            g["lr"] = base * metric


class NoArgs:
    """step() with no argument: counts itself and halves every 4 calls."""

    def __init__(self, optimizer):
        self.optimizer = optimizer
        self.n = 0

    def step(self):
        self.n += 1
        if self.n % 4 == 0:
            for g in self.optimizer.param_groups:
                g["lr"] *= 0.5
'''


def timm_by_hand(mod, kwargs, epochs: int, per_epoch: int) -> np.ndarray:
    """timm's train.py loop: step_update after every update, step(epoch + 1) after every epoch."""
    groups = [{"params": [torch.zeros(2, 2, requires_grad=True)], "lr": lr} for lr in LRS]
    opt = torch.optim.SGD(groups, lr=LRS[0])
    sched = mod.TimmStyleCosine(opt, **kwargs)
    rows, updates = [], 0
    for epoch in range(epochs):
        for _ in range(per_epoch):
            rows.append([g["lr"] for g in opt.param_groups])
            opt.step()
            updates += 1
            sched.step_update(num_updates=updates)
        sched.step(epoch + 1)
    return np.array(rows)


def test_adapter_timm_epochs(tmp_path):
    path = write(tmp_path, "timmish.py", TIMM_PY)
    params = {"t_initial": 6, "warmup_t": 2, "warmup_lr_init": 0.001, "lr_min": 0.0005}
    cfg = config(tmp_path, "timmish.py:TimmStyleCosine", params, steps=40, steps_per_epoch=4, interval="epoch")
    got = simulate(load_config(cfg, trust=True)).trajectories[0].lr
    mod = load_module(path, "test_imports_timm_a")
    np.testing.assert_array_equal(got, timm_by_hand(mod, params, epochs=10, per_epoch=4))
    assert got[0, 0] == 0.001 and got[-1, 1] == 0.0005  # warmup start, then the floor


def test_adapter_timm_updates(tmp_path):
    path = write(tmp_path, "timmish.py", TIMM_PY)
    params = {"t_initial": 20, "warmup_t": 5, "t_in_epochs": False}
    cfg = config(tmp_path, "timmish.py:TimmStyleCosine", params, steps=30, steps_per_epoch=10)
    got = simulate(load_config(cfg, trust=True)).trajectories[0].lr
    mod = load_module(path, "test_imports_timm_b")
    np.testing.assert_array_equal(got, timm_by_hand(mod, params, epochs=3, per_epoch=10))


def test_adapter_calls_and_metric(tmp_path):
    from lrviz.build import build
    from lrviz.registry.adapter import StepAdapter

    write(tmp_path, "timmish.py", TIMM_PY)
    cfg = load_config(config(tmp_path, "timmish.py:TimmStyleCosine", {"t_initial": 5}), trust=True)
    opt, sched, _ = build(cfg, cfg.schedules[0], "cpu")
    assert isinstance(sched, StepAdapter)
    sched.step()
    sched.step(metric=0.7)
    assert sched.scheduler.calls == [("step", 1, None), ("step", 2, 0.7)]
    assert sched.state_dict() == {"adapter_calls": 2, "scheduler": {"base": LRS}}
    assert sched.get_last_lr() == [g["lr"] for g in opt.param_groups]

    metric = [1.0, 0.5, 0.25, 0.5]
    cfg = load_config(
        config(tmp_path, "timmish.py:MetricScaled", {}, steps=8, steps_per_epoch=2, interval="epoch", metric=metric),
        trust=True,
    )
    lr = simulate(cfg).trajectories[0].lr
    np.testing.assert_allclose(lr[:, 1], [0.02, 0.02, 0.02, 0.02, 0.01, 0.01, 0.005, 0.005], rtol=1e-15)


def test_adapter_plain_step(tmp_path):
    write(tmp_path, "timmish.py", TIMM_PY)
    lr = simulate(load_config(config(tmp_path, "timmish.py:NoArgs", {}, steps=9), trust=True)).trajectories[0].lr
    np.testing.assert_array_equal(lr[:, 0], [0.1] * 4 + [0.05] * 4 + [0.025])


# --------------------------------------------------------------------------- the shipped example

EXAMPLE = Path(__file__).resolve().parent.parent / "configs" / "custom" / "warmup_cosine_restarts.yaml"


def test_shipped_custom_example_needs_trust_and_matches_its_class():
    with pytest.raises(TrustError):
        load_config(EXAMPLE)
    result = simulate(load_config(EXAMPLE, trust=True))
    lr = result.trajectories[0].lr
    mod = load_module(EXAMPLE.with_suffix(".py"), "test_imports_example")
    groups = [
        {"params": [torch.zeros(2, 2, requires_grad=True)], "lr": 0.0002},
        {"params": [torch.zeros(2, 2, requires_grad=True)]},
    ]
    opt = torch.optim.Adam(groups, lr=0.001)
    sched = mod.WarmupCosineRestarts(opt, warmup_steps=10, T_0=100, T_mult=2, eta_min_ratio=0.05)
    rows = []
    for _ in range(lr.shape[0]):
        rows.append([g["lr"] for g in opt.param_groups])
        opt.step()
        sched.step()
    np.testing.assert_array_equal(lr, np.array(rows))
    # as its header says: warmup to the full lr at step 10, restarts at 110 and 310
    head = lr[:, 1]
    assert head[0] == pytest.approx(0.001 / 11) and head[10] == pytest.approx(0.001)
    jumps = [i for i in range(11, len(head)) if head[i] > head[i - 1] * 2]  # after warmup
    assert jumps == [110, 310]
    assert head[109] == pytest.approx(0.001 * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * 99 / 100))))


def test_adapter_resumes_at_the_right_epoch(tmp_path):
    from lrviz.build import build

    write(tmp_path, "timmish.py", TIMM_PY)
    cfg = load_config(config(tmp_path, "timmish.py:TimmStyleCosine", {"t_initial": 8, "warmup_t": 2}), trust=True)
    opt, sched, _ = build(cfg, cfg.schedules[0], "cpu")
    straight = []
    for _ in range(10):
        straight.append(opt.param_groups[1]["lr"])
        sched.step()
    opt1, s1, _ = build(cfg, cfg.schedules[0], "cpu")
    resumed = []
    for _ in range(4):
        resumed.append(opt1.param_groups[1]["lr"])
        s1.step()
    opt2, s2, _ = build(cfg, cfg.schedules[0], "cpu")
    opt2.load_state_dict(opt1.state_dict())
    s2.load_state_dict(s1.state_dict())
    for _ in range(6):
        resumed.append(opt2.param_groups[1]["lr"])
        s2.step()
    assert resumed == straight
    assert len(set(straight)) > 5  # the lr really moves
