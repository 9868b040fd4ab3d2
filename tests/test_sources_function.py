"""A plain lr function (nanoGPT's get_lr): lrviz draws what the function itself returns, and runs it only with trust.

The truth is the function, imported here and called directly for every step: lrviz's
lr must equal ``get_lr(k)`` at step k, bit for bit. Without ``--trust`` nothing of the
file is imported or run (a file that would write a marker when imported leaves none);
functions that misbehave (raise, return no number, NaN, loop forever, print floods,
return huge integers) stop with a message that names the call.
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from lrviz.cli import app
from lrviz.errors import LrvizError, TrustError
from lrviz.simulate import simulate
from lrviz.sources import load_source

NANOGPT_STYLE = '''
"""A training script in nanoGPT's style: settings at module level, then the schedule."""
import math

learning_rate = 6e-4  # max learning rate
max_iters = 600
weight_decay = 1e-1
decay_lr = True
warmup_iters = 40
lr_decay_iters = 500
min_lr = 6e-5
batch_size = 12 * 2  # not a literal: computed
out_dir = "out-" + "shakespeare"


def get_lr(it):
    if it < warmup_iters:
        return learning_rate * (it + 1) / (warmup_iters + 1)
    if it > lr_decay_iters:
        return min_lr
    decay_ratio = (it - warmup_iters) / (lr_decay_iters - warmup_iters)
    assert 0 <= decay_ratio <= 1
    coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))
    return min_lr + coeff * (learning_rate - min_lr)
'''


def _write(tmp_path: Path, text: str, name: str = "train.py") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _imported(path: Path):
    spec = importlib.util.spec_from_file_location(f"truth_{path.stem}_{abs(hash(str(path)))}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_values_are_the_function_s_own_bit_for_bit(tmp_path):
    path = _write(tmp_path, NANOGPT_STYLE)
    loaded = load_source(path, trust=True)
    assert loaded.kind == "function"
    truth = [_imported(path).get_lr(k) for k in range(600)]
    lrs = simulate(loaded.config).trajectories[0].lr[:, 0]
    np.testing.assert_array_equal(lrs, truth)
    plan = loaded.plan
    assert plan.row("total optimizer steps").value == 600 and "max_iters" in plan.row("total optimizer steps").how
    assert plan.row("warmup_iters").value == 40 and plan.row("lr_decay_iters").value == 500
    assert plan.row("min_lr").value == 6e-05 and plan.row("learning_rate").value == 6e-4
    assert plan.row("decay_lr").value is True


def test_without_trust_nothing_is_imported_or_run(tmp_path):
    marker = tmp_path / "ran"
    path = _write(tmp_path, f"open({str(marker)!r}, 'w').write('x')\nmax_iters = 10\ndef get_lr(it):\n    return 0.1\n")
    with pytest.raises(TrustError, match="--trust"):
        load_source(path)
    result = CliRunner().invoke(app, ["plot", str(path), "-o", str(tmp_path / "out.png")])
    assert result.exit_code == 2, result.output
    assert "--trust" in result.output and "nothing was imported or run" in result.output
    assert not marker.exists() and not (tmp_path / "out.png").exists()
    assert "Traceback" not in result.output


def test_the_globals_are_read_with_ast_and_shown_without_trust(tmp_path):
    """show refuses without trust, but convert-style reading (the plan) needs no run: ast only."""
    from lrviz.sources.lrfunction import plan_file

    path = _write(tmp_path, NANOGPT_STYLE + "\nraise SystemExit('would run')\n")
    plan = plan_file(path, path.read_text())  # the file would exit when run: it is not run
    assert all(r.name != "batch_size" for r in plan.rows)  # get_lr does not read it: not shown
    shown = {r.name: r.value for r in plan.rows}
    assert shown["warmup_iters"] == 40 and shown["function"] == "get_lr(it)"
    computed = _write(tmp_path, "base = 1e-3\npeak = 2 * base\ndef get_lr(it):\n    return peak\n", name="c.py")
    rows = {r.name: r.value for r in plan_file(computed, computed.read_text(), steps=5).rows}
    assert rows["peak"].startswith("computed") and rows["total optimizer steps"] == 5


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("    if it == 7:\n        raise ValueError('boom')\n    return 0.1", "get_lr(7) raised ValueError: boom"),
        ("    return float('nan') if it == 3 else 0.1", "get_lr(3) returned nan"),
        ("    return 'fast'", "get_lr(0) returned 'fast'"),
        ("    return None", "get_lr(0) returned a NoneType"),
        ("    return [0.1] * 10**6", "get_lr(0) returned a list"),
        ("    return 10**400 if it else 0.1", "get_lr(1) returned an integer too large"),
        ("    return -0.1", "get_lr(0) returned -0.1"),
        ("    return get_lr(it)", "RecursionError"),
        ("    import sys\n    sys.exit(3)", "get_lr(0) raised SystemExit"),
    ],
)
def test_a_misbehaving_function_stops_with_a_message_naming_the_call(tmp_path, body, words):
    path = _write(tmp_path, f"max_iters = 20\ndef get_lr(it):\n{body}\n")
    result = CliRunner().invoke(app, ["export", str(path), "--trust", "-o", str(tmp_path / "out.csv")])
    assert result.exit_code == 2, result.output
    assert words in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out.csv").exists()


def test_an_endless_loop_is_stopped_by_the_time_limit(tmp_path):
    _write(tmp_path, "def get_lr(it):\n    while True:\n        pass\n", name="loop.py")
    config = tmp_path / "c.yaml"
    config.write_text("steps: 5\nscheduler: 'function:loop.py:get_lr'\nparams: {seconds_per_call: 0.2}\n")
    result = CliRunner().invoke(app, ["export", str(config), "--trust", "-o", str(tmp_path / "o.csv")])
    assert result.exit_code == 2, result.output
    assert "get_lr(0) ran past 0.2 s" in result.output


def test_what_the_function_prints_stays_out_of_the_export(tmp_path):
    path = _write(tmp_path, "max_iters = 4\ndef get_lr(it):\n    print('x' * 100_000)\n    return 0.5 / (it + 1)\n")
    result = CliRunner().invoke(app, ["export", str(path), "--trust", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)  # stdout holds the JSON and nothing else
    assert data["schedules"][0]["groups"][0]["lr"] == [0.5, 0.25, 0.5 / 3, 0.125]
    assert "xxxxxxxxxx" not in result.output


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("def get_lr(it):\n    return 0.1\n", "--steps N"),
        ("max_iters = 10\ndef schedule(a, b):\n    return 0.1\n", "no lr function"),
        ("max_iters = 10\ndef get_lr(:\n", "not valid Python"),
        ("max_iters = 10\nx = " + "(" * 5_000 + ")" * 5_000 + "\n", "not valid Python"),
        ("max_iters = 10\nx = " + "1+" * 100_000 + "1\n", "nested too deeply"),
        ("max_iters = 10\ndef get_lr():\n    return 0.1\n", "takes no argument"),
    ],
)
def test_hostile_or_broken_files_are_refused_before_anything_runs(tmp_path, text, words):
    path = _write(tmp_path, "open('ran', 'w')\n" + text)
    with pytest.raises(LrvizError) as err:
        load_source(path, trust=True)
    assert words in str(err.value)
    assert not (tmp_path / "ran").exists() and not Path("ran").exists()


def test_a_huge_file_is_refused_unread(tmp_path):
    path = _write(tmp_path, "max_iters = 10\n" + "# pad\n" * 300_000 + "def get_lr(it):\n    return 0.1\n")
    with pytest.raises(LrvizError, match="larger than"):
        load_source(path, trust=True)


def test_steps_from_the_command_line_when_the_file_has_no_length(tmp_path):
    path = _write(tmp_path, "def get_lr(it):\n    return 1.0 / math.sqrt(it + 1)\nimport math\n")
    loaded = load_source(path, trust=True, steps=50)
    truth = [1.0 / math.sqrt(k + 1) for k in range(50)]
    np.testing.assert_array_equal(simulate(loaded.config).trajectories[0].lr[:, 0], truth)


def test_a_module_function_in_an_lrviz_config_and_combine_with_other_schedules(tmp_path, monkeypatch):
    package = tmp_path / "mypkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "sched.py").write_text("def lr_at(step):\n    return 0.1 * 0.9 ** step\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    config = tmp_path / "c.yaml"
    config.write_text(
        "steps: 30\nschedules:\n  - scheduler: 'function:mypkg.sched:lr_at'\n"
        "  - scheduler: StepLR\n    params: {step_size: 10, gamma: 0.5}\n"
    )
    from lrviz.validate import load_config

    result = simulate(load_config(config, trust=True))
    np.testing.assert_array_equal(result.trajectories[0].lr[:, 0], [0.1 * 0.9**k for k in range(30)])
    script = _write(tmp_path, NANOGPT_STYLE)
    runner = CliRunner()
    for command in (["show"], ["check"], ["plot", "-o", str(tmp_path / "p.png")]):
        out = runner.invoke(app, [*command, str(script), "--trust"])
        assert out.exit_code == 0, (command, out.output)
    combined = runner.invoke(
        app, ["plot", str(script), str(config), "--combine", "both", "--trust", "-o", str(tmp_path / "b.png")]
    )
    assert combined.exit_code == 0, combined.output
    assert (tmp_path / "b.png").stat().st_size > 1000


def test_the_gallery_finds_python_files_that_opt_in_only(tmp_path):
    from lrviz.gallery import find_configs

    _write(tmp_path, "# lrviz: --from function\nmax_iters = 5\ndef get_lr(it):\n    return 0.1\n", name="a.py")
    _write(tmp_path, "class MySched:\n    pass\n", name="target.py")  # an import target of some config
    _write(tmp_path, "steps: 5\nscheduler: StepLR\nparams: {step_size: 2}\n", name="c.yaml")
    assert find_configs(tmp_path) == ["a.py", "c.yaml"]
