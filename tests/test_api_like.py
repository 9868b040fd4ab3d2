"""``like=opt``: the dummy optimizer is a twin of the user's, and the user's objects are never touched.

A twin has the same class, the same param groups and the same hyperparameters, over
fresh dummy parameters. Proven against torch itself: the factory run on the user's own
optimizer (a copy of it, made the ordinary way) gives the same lr and momentum. The
user's optimizer, model and scheduler keep their values and state_dicts, and a 1 GB
model costs no memory (measured in a child process, with a control that copies it).
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler as L

import lrviz
from lrviz.validate.factory import optimizer_like
from tests.conftest import REPO


def one_cycle(optimizer):
    return L.OneCycleLR(optimizer, max_lr=[0.01, 0.1], total_steps=60)


def reference(make, opt, steps):
    """The user's optimizer run for real: a deep copy of it (parameters and all), stepped."""
    twin = copy.deepcopy(opt)
    sched = make(twin)
    rows, moms = [], []
    for _ in range(steps):
        rows.append([g["lr"] for g in twin.param_groups])
        moms.append([g["betas"][0] if "betas" in g else g["momentum"] for g in twin.param_groups])
        twin.step()
        sched.step()
    return np.array(rows), np.array(moms)


def snapshot(model, opt, sched=None):
    return (
        {k: v.clone() for k, v in model.state_dict().items()},
        copy.deepcopy(opt.state_dict()),
        copy.deepcopy(sched.state_dict()) if sched is not None else None,
        [
            {k: (v.clone() if isinstance(v, torch.Tensor) else copy.deepcopy(v)) for k, v in g.items() if k != "params"}
            for g in opt.param_groups
        ],
    )


def same(a, b):
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.dtype == b.dtype and torch.equal(a, b)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b or (a != a and b != b)


def trained(opt_cls=torch.optim.AdamW, **kw):
    """A model, its optimizer (two groups, one named) and a scheduler, a few real steps in."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.Linear(8, 1))
    groups = [
        {"params": model[0].parameters(), "lr": 1e-3, "name": "backbone", "weight_decay": 0.0},
        {"params": model[1].parameters()},
    ]
    opt = opt_cls(groups, lr=3e-3, **kw)
    sched = L.CosineAnnealingLR(opt, T_max=50)
    for _ in range(3):
        opt.zero_grad()
        model(torch.randn(4, 8)).pow(2).mean().backward()
        opt.step()
        sched.step()
    return model, opt, sched


def test_the_twin_is_the_users_optimizer_without_its_parameters():
    model, opt, _ = trained()
    spec = optimizer_like(opt)
    assert spec.name == "AdamW" and spec.cls is None
    assert [g["name"] for g in spec.param_groups] == ["backbone", "group1"]
    for mine, theirs in zip(spec.param_groups, opt.param_groups, strict=True):
        # every hyperparameter, the lr aside: the scheduler moved it, and the twin starts from initial_lr
        assert same(
            {k: v for k, v in mine.items() if k not in ("name", "lr")},
            {k: v for k, v in theirs.items() if k not in ("params", "name", "lr", "initial_lr")},
        )
        assert mine["lr"] == theirs["initial_lr"] != theirs["lr"]
    assert spec.param_groups[0]["lr"] == 1e-3 and spec.param_groups[1]["lr"] == 3e-3  # as built, not as decayed
    assert same({k: v for k, v in opt.defaults.items() if k != "decoupled_weight_decay"}, spec.kwargs)


def test_a_factory_on_the_twin_gives_what_it_gives_on_the_users_optimizer():
    model, opt, sched = trained(torch.optim.AdamW, betas=(0.85, 0.99))
    fresh_model = torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.Linear(8, 1))
    fresh = torch.optim.AdamW(
        [
            {"params": fresh_model[0].parameters(), "lr": 1e-3, "name": "backbone", "weight_decay": 0.0},
            {"params": fresh_model[1].parameters()},
        ],
        lr=3e-3,
        betas=(0.85, 0.99),
    )
    lr, beta1 = reference(one_cycle, fresh, 60)  # the same optimizer as built, before any scheduler
    result = lrviz.simulate(one_cycle, steps=60, like=opt)
    assert np.array_equal(result.trajectories[0].lr, lr)
    assert np.array_equal(result.trajectories[0].momentum, beta1)
    assert len(np.unique(lr[:, 1])) > 30 and (beta1.min(), beta1.max()) == (0.85, 0.95)  # a real cycle of both


def test_nothing_of_the_users_is_touched():
    model, opt, sched = trained()
    before = snapshot(model, opt, sched)
    lr_before = sched.get_last_lr()
    lrviz.simulate(one_cycle, steps=60, like=opt)
    lrviz.check(one_cycle, steps=60, like=opt)
    lrviz.plot(one_cycle, steps=60, like=opt).clear()
    after = snapshot(model, opt, sched)
    for a, b, what in zip(before, after, ("model", "optimizer", "scheduler", "param groups"), strict=True):
        assert same(a, b), what
    assert sched.get_last_lr() == lr_before and sched.last_epoch == 3
    assert all(len(opt.state[p]) == 3 for p in model.parameters())  # AdamW's step, exp_avg, exp_avg_sq: kept


def test_a_tensor_lr_is_copied_not_filled_in_place():
    """torch fills a tensor lr in place (param_group['lr'].fill_): the twin must have its own."""
    control = torch.tensor(0.01)
    shared = torch.optim.Adam([torch.zeros(1, requires_grad=True)], lr=control)
    control_sched = L.ExponentialLR(shared, 0.5)
    shared.step()
    control_sched.step()
    assert control.item() == torch.tensor(0.005).item()  # torch does fill it: a shared tensor would change
    model = torch.nn.Linear(4, 1)
    lr = torch.tensor(0.01)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    result = lrviz.simulate(lambda o: L.ExponentialLR(o, 0.5), steps=5, like=opt)
    assert torch.equal(lr, torch.tensor(0.01)) and opt.param_groups[0]["lr"] is lr
    assert np.allclose(result.lr(), 0.01 * 0.5 ** np.arange(5))  # float32 tensor: allclose, not bitwise
    again = lrviz.simulate(lambda o: L.ExponentialLR(o, 0.5), steps=5, like=opt)
    assert np.array_equal(again.lr(), result.lr())  # a second build starts from 0.01 again


def test_an_optimizer_class_outside_torch_optim_is_copied_too(tmp_path):
    class Halving(torch.optim.SGD):
        """A user's own optimizer: its own name, its own defaults."""

        def __init__(self, params, lr=0.2, momentum=0.5):
            super().__init__(params, lr=lr, momentum=momentum)

    opt = Halving(torch.nn.Linear(2, 2).parameters())
    spec = optimizer_like(opt)
    assert spec.cls is Halving and spec.name.endswith("Halving")
    result = lrviz.simulate(lambda o: L.StepLR(o, 2), steps=4, like=opt)
    assert result.lr().tolist() == [0.2, 0.2, 0.2 * 0.1, 0.2 * 0.1]
    assert result.momentum().tolist() == [0.5] * 4
    path = lrviz.export(lambda o: L.StepLR(o, 2), tmp_path / "halving.json", steps=2, like=opt)
    optimizer = json.loads(path.read_text())["config"]["optimizer"]
    assert optimizer["name"] == spec.name and (optimizer["lr"], optimizer["momentum"]) == (0.2, 0.5)


def test_duplicate_or_missing_group_names_are_made_unique():
    p = [torch.zeros(1, requires_grad=True) for _ in range(3)]
    opt = torch.optim.SGD([{"params": [p[0]], "name": "x"}, {"params": [p[1]], "name": "x"}, {"params": [p[2]]}], lr=1)
    assert [g["name"] for g in optimizer_like(opt).param_groups] == ["x", "x (2)", "group2"]


@pytest.mark.slow
def test_a_1gb_model_costs_no_memory(tmp_path):
    """Peak RSS around the call, in a child: a copy of the parameters would cost a gigabyte.

    The control in the same child copies the parameters once, so the probe is shown able
    to see a gigabyte. VmHWM is reset through /proc/self/clear_refs (Linux), so each
    measure is the peak of what it brackets.
    """
    script = textwrap.dedent(
        """
        import json, sys, torch
        from torch.optim import lr_scheduler as L
        import lrviz

        def peak_mib():
            for line in open("/proc/self/status"):
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024

        def reset():
            with open("/proc/self/clear_refs", "w") as fh:
                fh.write("5")

        make = lambda o: L.OneCycleLR(o, max_lr=0.1, total_steps=1000)
        small = torch.optim.SGD(torch.nn.Linear(2, 2).parameters(), lr=0.1, momentum=0.9)
        lrviz.simulate(make, steps=1000, like=small)  # everything imported and warmed up first
        model = torch.nn.Linear(16384, 16384, bias=False)  # 2**28 float32: 1 GiB
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        reset(); base = peak_mib()
        result = lrviz.simulate(make, steps=1000, like=opt)
        call = peak_mib() - base
        reset(); base = peak_mib()
        copied = [p.detach().clone() for p in model.parameters()]
        control = peak_mib() - base
        print(json.dumps({"call": call, "control": control, "ok": bool(result.lr()[0] < 0.1)}))
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    measured = json.loads(proc.stdout.strip().splitlines()[-1])
    assert measured["ok"]
    assert measured["control"] > 900, measured  # the probe sees a copy of the model
    assert measured["call"] < 50, measured  # the call allocates next to nothing


def test_the_twin_lives_where_the_users_parameters_live():
    from lrviz.validate.factory import device_of

    on_meta = torch.optim.SGD(torch.nn.Linear(2, 2, device="meta").parameters(), lr=0.5)  # a model not yet materialised
    assert device_of(on_meta) == "cpu"  # lrviz does not simulate on meta: the twin goes to the cpu
    assert device_of(user_like_cpu()) == "cpu"
    result = lrviz.simulate(lambda o: L.StepLR(o, 2), steps=4, like=on_meta)
    assert result.device == "cpu" and result.lr().tolist() == [0.5, 0.5, 0.5 * 0.1, 0.5 * 0.1]


def user_like_cpu():
    return torch.optim.SGD(torch.nn.Linear(2, 2).parameters(), lr=0.1)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device (none on this machine)")
def test_a_capturable_optimizer_on_the_gpu_gets_a_twin_on_the_gpu():
    model = torch.nn.Linear(4, 4).cuda()
    opt = torch.optim.AdamW(model.parameters(), lr=torch.tensor(1e-3, device="cuda"), capturable=True)
    result = lrviz.simulate(lambda o: L.ExponentialLR(o, 0.5), steps=4, like=opt)
    assert result.device == "cuda:0"
    twin = torch.optim.AdamW(
        torch.nn.Linear(4, 4).cuda().parameters(), lr=torch.tensor(1e-3, device="cuda"), capturable=True
    )
    sched, seen = L.ExponentialLR(twin, 0.5), []
    for _ in range(4):
        seen.append(float(twin.param_groups[0]["lr"]))
        twin.step()
        sched.step()
    assert result.lr().tolist() == seen
