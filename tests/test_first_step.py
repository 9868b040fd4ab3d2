"""A schedule torch cannot take one step with is bad input (issue 24, issue 26's ``T_max: 0``).

StepLR's ``step_size: 0`` and CosineAnnealingLR's ``T_max: 0`` are taken by torch's
constructors and fail at the first ``scheduler.step()`` with "integer modulo by zero"
(checked here against torch directly). lrviz refuses them before writing anything:
exit 2, the key in front, a plain reason, torch's words kept; a file from an earlier
run stays as it was. A schedule that ran before failing is still drawn up to the crash.
"""

from __future__ import annotations

import pytest
import torch
from typer.testing import CliRunner

from lrviz.cli import app

runner = CliRunner()


def _torch_words(cls: type, **params: int) -> str:
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    sched = cls(opt, **params)
    with pytest.raises(ZeroDivisionError) as err:
        opt.step()
        sched.step()
    return str(err.value)


@pytest.mark.parametrize(
    ("scheduler", "param", "cls"),
    [
        ("StepLR", "step_size", torch.optim.lr_scheduler.StepLR),
        ("CosineAnnealingLR", "T_max", torch.optim.lr_scheduler.CosineAnnealingLR),
    ],
)
@pytest.mark.parametrize("command", ["plot", "export", "check", "show"])
def test_a_period_of_zero_is_refused_with_the_key_and_torchs_words(tmp_path, scheduler, param, cls, command):
    words = _torch_words(cls, **{param: 0})
    assert words == "integer modulo by zero"
    cfg = tmp_path / "c.yaml"
    cfg.write_text(
        "steps: 20\nschedules:\n  - scheduler: ExponentialLR\n    params: {gamma: 0.9}\n"
        f"  - scheduler: {scheduler}\n    params: {{{param}: 0}}\n"
    )
    out = tmp_path / ("c.png" if command == "plot" else "c.csv")
    out.write_bytes(b"the previous good file")
    args = [command, str(cfg)] + (["-o", str(out)] if command in ("plot", "export") else [])
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    line = f'schedules[1].params.{param}: {scheduler} needs a {param} of at least 1 (got 0); torch fails with "{words}"'
    assert line in res.output
    assert "Traceback" not in res.output
    assert out.read_bytes() == b"the previous good file"


def test_a_nested_period_is_named_at_its_own_key(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text(
        "steps: 20\nscheduler: SequentialLR\nparams:\n  milestones: []\n  schedulers:\n"
        "    - scheduler: StepLR\n      params: {step_size: 0}\n"
    )
    res = runner.invoke(app, ["export", str(cfg), "-o", str(tmp_path / "x.csv")])
    assert res.exit_code == 2, res.output
    assert "params.schedulers[0].params.step_size: StepLR needs a step_size of at least 1" in res.output
    assert not (tmp_path / "x.csv").exists()


def test_a_schedule_that_ran_before_failing_is_still_drawn_up_to_the_crash(tmp_path):
    """OneCycleLR with total_steps 5 in a 10-step run steps 5 times before torch refuses:
    drawn (the partial figure), exit 1, as before."""
    cfg = tmp_path / "c.yaml"
    cfg.write_text("steps: 10\nscheduler: OneCycleLR\nparams: {max_lr: 1.0, total_steps: 5}\n")
    res = runner.invoke(app, ["plot", str(cfg), "-o", str(tmp_path / "c.png")])
    assert res.exit_code == 1, res.output
    assert (tmp_path / "c.png").read_bytes().startswith(b"\x89PNG")
    assert "Tried to step 6 times" in res.output
