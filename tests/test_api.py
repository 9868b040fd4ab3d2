"""The Python API over every kind of source: configs, mappings, Configs and scheduler factories.

The truth is torch run directly (tests/torchloop.py, or timm's training loop written out
here), never lrviz's own output: a factory's schedule must be what the factory's
scheduler does in a plain training loop, bit for bit.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler as L

import lrviz
from lrviz.errors import ConfigError, LrvizError, SimulationError
from tests.conftest import REPO
from tests.torchloop import direct_run

STEPLR = {"steps": 10, "scheduler": "StepLR", "params": {"step_size": 3}}


def warmup_cosine(optimizer):
    warmup = L.LinearLR(optimizer, start_factor=0.1, total_iters=10)
    return L.SequentialLR(optimizer, [warmup, L.CosineAnnealingLR(optimizer, T_max=90)], milestones=[10])


def user_sgd(lrs=(0.1, 0.01), **kw):
    """An optimizer as a training script has it: a model's parameters, one group per lr."""
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Linear(3, 1))
    groups = [{"params": list(layer.parameters()), "lr": lr} for layer, lr in zip(model, lrs, strict=True)]
    return torch.optim.SGD(groups, lr=lrs[0], momentum=0.9, **kw)


# --------------------------------------------------------------------------- sources


def test_every_config_source_gives_the_same_values(tmp_path):
    path = tmp_path / "steplr.yaml"
    path.write_text("steps: 10\nscheduler: StepLR\nparams: {step_size: 3}\n")
    expected, _ = direct_run(lambda o: L.StepLR(o, step_size=3), [0.1], 10, momentum=0.9)
    for source in (path, str(path), STEPLR, lrviz.load_config(STEPLR)):
        result = lrviz.simulate(source)
        assert isinstance(result, lrviz.Result)
        assert np.array_equal(result.lr(), expected[:, 0]), source


def test_a_factory_gives_what_torch_gives():
    expected, momentum = direct_run(warmup_cosine, [0.1, 0.01], 100, momentum=0.9)
    result = lrviz.simulate(warmup_cosine, steps=100, like=user_sgd())
    assert result.trajectories[0].groups == ["group0", "group1"]
    assert np.array_equal(result.trajectories[0].lr, expected)
    assert np.array_equal(result.trajectories[0].momentum, momentum)
    assert result.labels == ["warmup_cosine"] and result.trajectories[0].scheduler == "warmup_cosine"


def test_an_optimizer_description_is_read_as_a_config_reads_it():
    described = {"name": "SGD", "lr": 0.1, "momentum": 0.9, "param_groups": [{"name": "a"}, {"name": "b", "lr": 0.01}]}
    result = lrviz.simulate(warmup_cosine, 100, optimizer=described)
    expected, _ = direct_run(warmup_cosine, [0.1, 0.01], 100, momentum=0.9)
    assert np.array_equal(result.lr(group="b"), expected[:, 1])
    with pytest.raises(ConfigError) as bad:
        lrviz.simulate(warmup_cosine, 100, optimizer={"name": "SGD", "lr": 0.1, "momentun": 0.9})
    assert str(bad.value).startswith("optimizer.momentun: unknown SGD keyword 'momentun' (did you mean momentum?)")
    assert lrviz.simulate(warmup_cosine, 10, optimizer="AdamW").lr()[0] == 1e-3 * 0.1  # AdamW's default lr


def test_without_an_optimizer_a_factory_gets_the_config_default():
    expected, _ = direct_run(warmup_cosine, [0.1], 30, momentum=0.9)  # SGD(lr=0.1, momentum=0.9)
    assert np.array_equal(lrviz.simulate(warmup_cosine, 30).lr(), expected[:, 0])


def test_several_factories_are_a_comparison_with_their_labels():
    step = functools.partial(L.StepLR, step_size=30)
    result = lrviz.simulate([warmup_cosine, step, lambda o: L.ExponentialLR(o, 0.9)], steps=50)
    assert result.labels == ["warmup_cosine", "StepLR", "ExponentialLR"]  # a lambda: the class it makes
    named = lrviz.simulate({"warm": warmup_cosine, "warm ": warmup_cosine}, steps=5)
    assert named.labels == ["warm", "warm (2)"]  # labels as given (stripped), made unique
    assert [t.lr.shape for t in result.trajectories] == [(50, 1)] * 3
    assert np.array_equal(result.lr("StepLR"), direct_run(step, [0.1], 50)[0][:, 0])
    assert np.array_equal(result.lr(2), direct_run(lambda o: L.ExponentialLR(o, 0.9), [0.1], 50)[0][:, 0])
    assert lrviz.simulate(warmup_cosine, 5, label="mine").labels == ["mine"]


def test_a_timm_style_factory_is_stepped_as_timms_train_py_steps_it(timm_scheduler):
    """timm's loop (train.py): step_update(num_updates) after every update, step(epoch + 1) at epoch ends."""
    epochs, per_epoch = 6, 5

    def make(optimizer, t_in_epochs):
        return timm_scheduler.CosineLRScheduler(
            optimizer,
            t_initial=epochs if t_in_epochs else epochs * per_epoch,
            warmup_t=2,
            warmup_lr_init=1e-4,
            t_in_epochs=t_in_epochs,
        )

    for t_in_epochs in (True, False):
        opt = torch.optim.SGD([torch.zeros(2, 2, requires_grad=True)], lr=0.1)
        sched, seen, updates = make(opt, t_in_epochs), [], 0
        for epoch in range(epochs):
            for _ in range(per_epoch):
                seen.append(opt.param_groups[0]["lr"])
                opt.step()
                updates += 1
                sched.step_update(num_updates=updates)
            sched.step(epoch + 1)
        result = lrviz.simulate(
            functools.partial(make, t_in_epochs=t_in_epochs),
            steps=epochs * per_epoch,
            steps_per_epoch=per_epoch,
            optimizer={"name": "SGD", "lr": 0.1},
        )
        assert len(set(seen)) > 5  # the schedule moves
        assert result.lr().tolist() == seen, t_in_epochs
        if t_in_epochs:  # per-epoch time: stepped once per epoch, step(epoch) alone gives the same
            by_epoch = lrviz.simulate(
                functools.partial(make, t_in_epochs=True),
                steps=epochs * per_epoch,
                steps_per_epoch=per_epoch,
                interval="epoch",
                optimizer={"name": "SGD", "lr": 0.1},
            )
            assert by_epoch.lr().tolist() == seen


def test_a_plateau_factory_takes_a_metric():
    metric = [1.0] * 6 + [2.0] * 14
    result = lrviz.simulate(lambda o: L.ReduceLROnPlateau(o, patience=2), steps=20, metric=metric)
    expected, _ = direct_run(lambda o: L.ReduceLROnPlateau(o, patience=2), [0.1], 20, metric=metric, momentum=0.9)
    assert np.array_equal(result.lr(), expected[:, 0]) and result.lr()[-1] < 0.1
    with pytest.raises(ConfigError, match="needs a metric") as bad:
        lrviz.simulate(lambda o: L.ReduceLROnPlateau(o), steps=20)
    assert bad.value.key == "metric"
    with pytest.raises(ConfigError, match="remove metric="):
        lrviz.simulate(warmup_cosine, steps=20, metric=metric)


# --------------------------------------------------------------------------- Result


def test_lr_and_momentum_by_name_or_index():
    result = lrviz.simulate(REPO / "configs" / "compare" / "param-groups-backbone-head.yaml")
    t = result.trajectories[1]
    assert (t.label, t.groups) == ("OneCycleLR", ["backbone", "head"])
    assert np.array_equal(result.lr("OneCycleLR", "head"), t.lr[:, 1])
    assert np.array_equal(result.lr(1, -2), t.lr[:, 0])
    assert np.array_equal(result.momentum("OneCycleLR", "head"), t.momentum[:, 1])  # AdamW: beta1
    assert result.momentum(1, 1).min() < result.momentum(1, 1).max()  # OneCycleLR cycles it
    assert lrviz.simulate(STEPLR, optimizer=None).momentum() is not None
    assert lrviz.simulate({**STEPLR, "optimizer": {"name": "Adagrad"}}).momentum() is None
    with pytest.raises(LrvizError, match="name one") as several:
        result.lr()
    assert several.value.key == "label"
    with pytest.raises(LrvizError, match="no schedule 'nope'"):
        result.lr("nope", 0)
    with pytest.raises(LrvizError, match="no param group 'nope'"):
        result.lr(0, "nope")


def test_to_frame_is_the_csv_long_form(tmp_path):
    import io

    import pandas as pd

    from lrviz.export import CSV_HEADER, to_csv

    result = lrviz.simulate(
        {
            "steps": 7,
            "optimizer": {"name": "Adagrad", "lr": 0.1, "param_groups": [{"name": "a"}, {"name": "b"}]},
            "schedules": [
                {"scheduler": "StepLR", "params": {"step_size": 2}},
                {"scheduler": "ExponentialLR", "params": {"gamma": 0.5}},
            ],
        }
    )
    frame = result.to_frame()
    assert tuple(frame.columns) == CSV_HEADER
    parsed = pd.read_csv(io.StringIO(to_csv(result)), dtype={"schedule": str, "group": str})
    assert len(frame) == 2 * 2 * 7
    assert frame["step"].dtype == np.int64 and frame["lr"].dtype == np.float64
    assert frame["schedule"].tolist() == parsed["schedule"].tolist()
    assert frame["group"].tolist() == parsed["group"].tolist()
    assert np.array_equal(frame["lr"].to_numpy(), parsed["lr"].to_numpy())  # repr round trip: bit for bit
    assert frame["momentum"].isna().all() and parsed["momentum"].isna().all()  # Adagrad has none: empty in the CSV


def test_to_frame_says_what_to_install_without_pandas(monkeypatch):
    import sys

    result = lrviz.simulate(STEPLR)
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now raises ImportError
    with pytest.raises(ImportError, match=r"pip install 'lrviz\[pandas\]'"):
        result.to_frame()


# --------------------------------------------------------------------------- errors


def test_options_that_do_not_fit_the_source_are_type_errors():
    with pytest.raises(TypeError, match="unexpected keyword argument 'stpes' .*did you mean steps"):
        lrviz.simulate(STEPLR, stpes=3)
    with pytest.raises(TypeError, match="like= is for scheduler factories; the source is a config"):
        lrviz.simulate(STEPLR, like=user_sgd())
    with pytest.raises(TypeError, match="sweep= is for configs; the source is a scheduler factory"):
        lrviz.simulate(warmup_cosine, steps=5, sweep={"params.gamma": [0.1]})
    with pytest.raises(TypeError, match="source must be a config path"):
        lrviz.simulate(42)


def test_input_mistakes_are_lrviz_errors_with_their_key():
    with pytest.raises(ConfigError) as no_steps:
        lrviz.simulate(warmup_cosine)
    assert no_steps.value.key == "steps" and "pass steps=N" in str(no_steps.value)
    with pytest.raises(ConfigError) as both:
        lrviz.simulate(warmup_cosine, 5, like=user_sgd(), optimizer="SGD")
    assert both.value.key == "like"
    with pytest.raises(LrvizError) as loaded:
        lrviz.simulate(lrviz.load_config(STEPLR), steps=20)
    assert loaded.value.key == "steps"
    with pytest.raises(ConfigError, match="like= takes a torch.optim.Optimizer"):
        lrviz.simulate(warmup_cosine, 5, like=torch.nn.Linear(2, 2))


def test_a_failing_factory_is_named_and_its_exception_kept():
    def broken(optimizer):
        return L.StepLR(optimizer, step_size="three") + 1

    with pytest.raises(SimulationError) as failed:
        lrviz.simulate(broken, steps=5)
    assert str(failed.value).startswith("the scheduler factory broken(optimizer) raised TypeError:")
    assert isinstance(failed.value.__cause__, TypeError)
    with pytest.raises(ConfigError, match="returned int, which is not a scheduler"):
        lrviz.simulate(lambda o: 3, steps=5)
    with pytest.raises(ConfigError, match=r"returned a tuple \(StepLR, \.\.\.\).*create_scheduler_v2"):
        lrviz.simulate(lambda o: (L.StepLR(o, 2), 10), steps=5)


def test_a_factory_that_ignores_its_argument_is_refused():
    """A closure over the user's optimizer would have lrviz step the user's scheduler: refused at the trial build."""
    opt = user_sgd()
    with pytest.raises(ConfigError, match="built its scheduler on another optimizer than the one it was given"):
        lrviz.simulate(lambda o: L.StepLR(opt, 3), steps=10, like=opt)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.01]  # refused before a single step


def test_plot_warns_of_what_it_cannot_draw_as_the_cli_does():
    def to_zero(optimizer):
        return L.LinearLR(optimizer, start_factor=1.0, end_factor=0.0, total_iters=5)

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a linear axis draws the zeros: nothing to warn of
        lrviz.plot(to_zero, steps=10).clear()
    with pytest.warns(UserWarning, match=r"^to_zero: 'to_zero' has lr 0 or below at 5 steps \(first: step 5\)"):
        lrviz.plot(to_zero, steps=10, yscale="log").clear()


def test_plot_takes_the_figure_controls_of_the_command():
    """The controls of issues 16 and 19 reach the figure as the command's flags do."""
    fig = lrviz.plot(REPO / "configs" / "torch" / "steplr.yaml", xlim=(0, 10), legend="none", drawstyle="line")
    (ax,) = [a for a in fig.axes if a.get_ylabel() == "learning rate"]
    assert ax.get_xlim() == (0, 10) and fig.legends == [] and ax.get_legend() is None
    (line,) = ax.get_lines()
    assert line.get_drawstyle() == "default"
    fig.clear()


def test_torch_failing_mid_run_names_the_step():
    with pytest.raises(SimulationError, match="torch failed at step 10"):
        lrviz.simulate(lambda o: L.OneCycleLR(o, max_lr=1.0, total_steps=10), steps=20)


# --------------------------------------------------------------------------- check


def counting(optimizer):
    """State in a closure: not in state_dict, so a resumed run restarts the count."""
    calls = [0]

    def lr_lambda(epoch):
        calls[0] += 1
        return 0.5 ** (calls[0] - 1)

    return L.LambdaLR(optimizer, lr_lambda)


def test_check_runs_the_resume_round_trip_on_a_factory():
    """Uninterrupted lr_t = 0.1 * 0.5**t; resumed after step 5, the fresh closure gives 0.1 * 0.5 at step 6."""
    (finding,) = lrviz.check(counting, steps=20, optimizer={"name": "SGD", "lr": 0.1})
    assert (finding.code, finding.step, finding.values["resume_at"]) == ("resume-divergence", 6, 5)
    assert finding.values["uninterrupted"] == 0.1 * 0.5**6 and finding.values["resumed"] == 0.1 * 0.5
    assert finding.schedule == "counting"
    assert lrviz.check(warmup_cosine, steps=100, like=user_sgd()) == []
    assert lrviz.check(counting, steps=20, resume_at=[]) != []  # no points given: the defaults
    (late,) = lrviz.check(counting, steps=20, resume_at=12)
    assert late.step == 13


def test_check_lints_a_factory_by_its_values():
    findings = lrviz.check(lambda o: L.ConstantLR(o, factor=1.0, total_iters=1), steps=20)
    assert [f.code for f in findings] == ["constant-lr"]


def test_check_of_a_config_is_the_configs():
    findings = lrviz.check(REPO / "configs" / "compare" / "onecycle-step-vs-epoch.yaml")
    assert findings and all(f.config and f.config.endswith("onecycle-step-vs-epoch.yaml") for f in findings)
