"""The reliability and security catalogue (issue 8): hostile or broken input never crashes
lrviz, runs code, or loses a file.

One section per item of the issue's "Must hold" list, one test (or one parametrized
case) per promise. Every refusal is checked the same way (:func:`assert_refused`): the
exit code, exactly one stderr line starting ``error:`` that names the file, the key
path and what is allowed (for a YAML mistake followed by the offending line and a caret
under the column, issue 20), no traceback, and nothing written or run -- a marker file
that an escaping payload would create does not appear, an existing good output file
survives byte for byte. Where a test proves that something is *not* run, a positive
control shows that the same marker does appear when running is allowed (``--trust``),
so the test can fail.

"Quickly, with bounded memory" is checked by running the hostile inputs in one child
process under an address-space limit (``RLIMIT_AS``) and a generous timeout; no test
asserts a duration.

The regression tests at the end are the bugs the fuzzer (tests/test_fuzz.py) and this
catalogue found, one test each.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import torch
import yaml
from typer.testing import CliRunner

from lrviz.cli import app
from lrviz.errors import ConfigError, LrvizError
from lrviz.io import atomic_write
from lrviz.limits import MAX_GROUPS, MAX_SCHEDULES, MAX_STEPS
from lrviz.validate import load_config

runner = CliRunner()

STEPLR = {"steps": 12, "scheduler": "StepLR", "params": {"step_size": 4, "gamma": 0.5}}
#: A process running lrviz end to end (torch imported, a run, an export) needs less than
#: 1 GiB of address space here (measured: 1 GiB works, 512 MiB does not); 1.5 GiB leaves
#: room, and is far below what an alias bomb or a 10 ** 10 ** 10 would take.
MEMORY_LIMIT = 1536 * 2**20
#: Seconds for the whole batch of hostile inputs in one child process: generous, since
#: the machine is shared; it only turns a hang into a failure.
BATCH_TIMEOUT = 300


# --------------------------------------------------------------------------- helpers


@pytest.fixture(autouse=True)
def _no_ambient_trust_or_debug(monkeypatch):
    """LRVIZ_TRUST / LRVIZ_DEBUG in the environment would change what these tests see."""
    monkeypatch.delenv("LRVIZ_TRUST", raising=False)
    monkeypatch.delenv("LRVIZ_DEBUG", raising=False)


def cli(*args: object, env: dict | None = None):
    return runner.invoke(app, [str(a) for a in args], env=env)


def write(path: Path, data) -> Path:
    """Write a mapping as YAML, or text / bytes as they are."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


#: The two lines that may follow a refusal of a YAML mistake: the offending line and a caret.
EXCERPT = re.compile(r"  (\d+) \| .*\n  ( +) \| *\^\Z")


def error_line(code: int, stderr: str, output: str = "", *fragments: str, expect: int = 2) -> str:
    """The one error line of a refusal, after checking exit code, shape and fragments.

    A YAML mistake adds the offending line and a caret under its column (issue 20); no
    other line may follow."""
    assert code == expect, f"exit {code}, expected {expect}; stderr: {stderr!r}"
    assert "Traceback" not in stderr and "Traceback" not in output
    lines = stderr.strip("\n").splitlines()
    assert len(lines) in (1, 3), f"expected one line on stderr (and a YAML excerpt), got {lines!r}"
    if len(lines) == 3:
        shown = EXCERPT.match("\n".join(lines[1:]))
        assert shown and len(shown.group(2)) == len(shown.group(1)), lines
        assert f"at line {shown.group(1)}, column " in lines[0], lines
    line = lines[0]
    assert line.startswith("error: "), line
    assert fragments, "name at least one thing the message must say"
    for fragment in fragments:
        assert fragment in line, f"{fragment!r} not in {line!r}"
    return line


def assert_refused(result, *fragments: str, expect: int = 2) -> str:
    return error_line(result.exit_code, result.stderr, result.stdout, *fragments, expect=expect)


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (symlinks as their target text), for before/after checks."""
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_symlink():
            out[str(path.relative_to(root))] = b"-> " + os.readlink(path).encode()
        elif path.is_file():
            out[str(path.relative_to(root))] = path.read_bytes()
    return out


def unwritable_folder(tmp_path: Path) -> Path:
    """A folder that exists and that this process cannot create files in.

    Tests run as root in CI, and root ignores permission bits, so for root this is a
    kernel file system that refuses new files whatever the user (/proc, /sys); for
    anyone else a folder with mode 0o555.
    """
    if os.geteuid() != 0:
        folder = tmp_path / "read-only"
        folder.mkdir()
        folder.chmod(0o555)
        return folder
    for candidate in (Path("/proc"), Path("/sys")):
        if candidate.is_dir():
            try:
                fd, name = tempfile.mkstemp(dir=candidate)
            except OSError:
                return candidate
            os.close(fd)
            os.unlink(name)
    pytest.skip("running as root and no folder refuses root's writes here (/proc and /sys are writable or absent)")


# --------------------------------------------------------------------------- 1. exit codes


def test_exit_0_on_success_with_the_file_written(tmp_path):
    out = tmp_path / "out.csv"
    result = cli("export", write(tmp_path / "ok.yaml", STEPLR), "-o", out)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert out.read_text().startswith("schedule,group,step,lr,momentum\n")


def test_exit_1_when_check_finds_a_problem(tmp_path):
    cfg = write(
        tmp_path / "onecycle.yaml",
        {"steps": 20, "scheduler": "OneCycleLR", "params": {"max_lr": 0.1, "total_steps": 10}},
    )
    result = cli("check", cfg)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "params.total_steps" in result.output and "onecycle.yaml" in result.output


def test_exit_2_on_bad_input_names_file_key_and_what_is_allowed(tmp_path):
    cfg = write(
        tmp_path / "typo.yaml",
        {
            "steps": 10,
            "schedules": [
                {"scheduler": "StepLR", "params": {"step_size": 2}},
                {"scheduler": "StepLR", "params": {"step_sise": 2}},
            ],
        },
    )
    result = cli("export", cfg)
    assert_refused(
        result,
        "typo.yaml",
        "schedules[1].params.step_sise",
        "did you mean step_size",
        "StepLR takes: step_size, gamma, last_epoch",
    )


def test_debug_adds_the_traceback(tmp_path):
    cfg = write(tmp_path / "typo.yaml", {"steps": 10, "scheduler": "StepLR", "params": {"step_sise": 2}})
    plain = cli("export", cfg)
    debug = cli("export", cfg, "--debug")
    assert plain.exit_code == debug.exit_code == 2
    assert "Traceback" not in plain.stderr
    assert "Traceback (most recent call last)" in debug.stderr
    assert debug.stderr.strip().splitlines()[-1] == plain.stderr.strip()  # the same line, last


def test_a_bug_in_lrviz_is_exit_70_in_one_line(tmp_path, monkeypatch):
    import importlib

    def broken(*args, **kwargs):
        raise RuntimeError("boom\nsecond line")

    # the module (`lrviz.simulate` itself is the API's function)
    monkeypatch.setattr(importlib.import_module("lrviz.simulate"), "simulate", broken)
    cfg = write(tmp_path / "ok.yaml", STEPLR)
    result = cli("export", cfg)
    assert result.exit_code == 70
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("internal error: RuntimeError: boom"), lines
    assert "rerun with --debug" in lines[0] and "Traceback" not in result.stderr
    assert "Traceback" in cli("export", cfg, "--debug").stderr


# --------------------------------------------------------------------------- hostile inputs in a child process

_DRIVER = textwrap.dedent("""
    import json, resource, sys
    limit = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from typer.testing import CliRunner
    from lrviz.cli import app
    runner = CliRunner()
    for name, args in json.loads(sys.argv[2]):
        r = runner.invoke(app, args)
        print(json.dumps({"name": name, "code": r.exit_code, "stderr": r.stderr, "stdout": r.stdout[-2000:]}),
              flush=True)
""")


def _alias_bomb() -> str:
    """Billion laughs: 9 ** 10 strings once expanded, used where lrviz reads (and would print) a value."""
    lines = ["steps: 10", "plot:", '  a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"  a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\nscheduler: StepLR\nparams: {step_size: *a9}\n"


def _lambda(expr: str) -> dict:
    return {"steps": 10, "scheduler": "LambdaLR", "params": {"lr_lambda": expr}}


def _escape(marker: str) -> str:
    return f"__import__('pathlib').Path({marker!r}).touch()"


#: name -> (file name, content, extra CLI args, fragments the one error line must hold).
#: ``{marker}`` in content is replaced by the path of a file the payload would create.
HOSTILE = {
    # YAML
    "yaml-alias-bomb": ("bomb.yaml", _alias_bomb(), [], ["bomb.yaml", "expands to more than 100000 values"]),
    "yaml-deep-flow": (
        "deep.yaml",
        "steps: " + "[" * 200_000 + "]" * 200_000 + "\n",
        [],
        ["deep.yaml", "nested deeper than 64 levels"],
    ),
    "yaml-deep-block": (
        "deepblock.yaml",
        "".join("  " * i + f"k{i}:\n" for i in range(500)),
        [],
        ["deepblock.yaml", "nested deeper than 64 levels"],
    ),
    "yaml-huge": ("huge.yaml", "steps: 10\n" + "# padding\n" * 110_000, [], ["huge.yaml", "larger than 1000 kB"]),
    "yaml-binary": ("binary.yaml", bytes(range(256)) * 8, [], ["binary.yaml", "NUL bytes", "UTF-8"]),
    "yaml-not-utf8": (
        "latin1.yaml",
        "title: caf\xe9\nsteps: 10\n".encode("latin-1"),
        [],
        ["latin1.yaml", "not UTF-8", "offset 10"],
    ),
    "yaml-empty": ("empty.yaml", "", [], ["empty.yaml", "empty", "expected a mapping"]),
    "yaml-only-comments": ("comments.yaml", "# nothing here\n\n", [], ["comments.yaml", "empty"]),
    "yaml-list-at-top": (
        "list.yaml",
        "- steps: 10\n- scheduler: StepLR\n",
        [],
        ["list.yaml", "expected a mapping at the top level", "(list)"],
    ),
    "yaml-scalar-at-top": (
        "scalar.yaml",
        "StepLR\n",
        [],
        ["scalar.yaml", "expected a mapping at the top level", "(str)"],
    ),
    "yaml-list-deeper": (
        "deeper.yaml",
        "steps: 10\nschedules:\n  - scheduler: StepLR\n    params: [2, 0.5]\n",
        [],
        ["deeper.yaml", "schedules[0].params", "expected a mapping", "(list)"],
    ),
    "yaml-python-tag": (
        "tag.yaml",
        'steps: !!python/object/apply:os.system ["touch {marker}"]\n',
        [],
        ["tag.yaml", "invalid YAML", "line 1"],
    ),
    # expressions
    "expr-attribute": (
        "attr.yaml",
        _lambda("().__class__.__base__.__subclasses__()"),
        [],
        ["attr.yaml", "params.lr_lambda", "'Attribute' syntax is not allowed", "allowed: numbers"],
    ),
    "expr-import": (
        "import.yaml",
        _lambda(_escape("{marker}")),
        [],
        ["import.yaml", "params.lr_lambda", "is not allowed", "allowed: numbers"],
    ),
    "expr-dunder": (
        "dunder.yaml",
        _lambda("__builtins__"),
        [],
        ["dunder.yaml", "params.lr_lambda", "the name '__builtins__' is not allowed"],
    ),
    "expr-builtin": (
        "builtin.yaml",
        _lambda("open('/etc/passwd')"),
        [],
        ["builtin.yaml", "params.lr_lambda", "calling 'open' is not allowed", "cos, sin"],
    ),
    "expr-huge-power": (
        "power.yaml",
        _lambda("10 ** 10 ** 10"),
        [],
        ["power.yaml", "params.lr_lambda", "failed at epoch 0", "result too large"],
    ),
    "expr-huge-string": (
        "string.yaml",
        _lambda("'a' * 10 ** 9"),
        [],
        ["string.yaml", "params.lr_lambda", "the constant 'a' is not allowed"],
    ),
    "expr-deep-nesting": (
        "nest.yaml",
        _lambda("-" * 400 + "1"),
        [],
        ["nest.yaml", "params.lr_lambda", "nested too deeply (more than 32 levels)"],
    ),
    "expr-metric": (
        "metric.yaml",
        {"steps": 10, "scheduler": "ReduceLROnPlateau", "metric": {"expr": "epoch.__class__"}},
        [],
        ["metric.yaml", "metric.expr", "'Attribute' syntax is not allowed"],
    ),
    # limits
    "limit-steps": (
        "steps.yaml",
        STEPLR | {"steps": MAX_STEPS + 1},
        [],
        ["steps.yaml", "steps:", "above the limit of 50,000,000"],
    ),
    "limit-steps-cli": (
        "stepscli.yaml",
        STEPLR,
        ["--steps", str(10**12)],
        ["stepscli.yaml", "steps:", "above the limit of 50,000,000"],
    ),
    "limit-epochs": (
        "epochs.yaml",
        {"epochs": 100_000, "steps_per_epoch": 1000, "scheduler": "StepLR", "params": {"step_size": 2}},
        [],
        ["epochs.yaml", "epochs:", "100,000,000 is above the limit of 50,000,000 steps"],
    ),
    "limit-groups": (
        "groups.yaml",
        STEPLR | {"optimizer": {"name": "SGD", "param_groups": [{}] * (MAX_GROUPS + 1)}},
        [],
        ["groups.yaml", "optimizer.param_groups", "65 param groups is above the limit of 64"],
    ),
    "limit-schedules": (
        "scheds.yaml",
        {"steps": 10, "schedules": [{"scheduler": "StepLR", "params": {"step_size": 2}}] * (MAX_SCHEDULES + 1)},
        [],
        ["scheds.yaml", "schedules:", "257 schedules is above the limit of 256"],
    ),
    "limit-values": (
        "values.yaml",
        {
            "steps": MAX_STEPS,
            "optimizer": {"param_groups": [{}, {}, {}]},
            "schedules": [{"scheduler": "StepLR", "params": {"step_size": 2}}] * 2,
        },
        [],
        ["values.yaml", "50,000,000 x 3 x 2 = 300,000,000 lr values", "above the limit of 100,000,000"],
    ),
    "limit-values-sweep": (
        "valsweep.yaml",
        STEPLR | {"steps": 10_000_000},
        ["--sweep", "params.gamma=0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1.0,1.1", "--force"],
        ["valsweep.yaml", "10,000,000 x 1 x 11 = 110,000,000 lr values"],
    ),
    # regression: the product of 3 sweeps of 3000 values was made before it was counted (OOM-killed at 24 GB)
    "limit-sweep-cli": (
        "sweepcli.yaml",
        STEPLR,
        [
            a
            for k in ("step_size", "gamma", "last_epoch")
            for a in ("--sweep", f"params.{k}=" + ",".join(map(str, range(1, 3001))))
        ],
        ["sweepcli.yaml", "27000000000 schedules", "above the hard limit of 256"],
    ),
    "limit-sweep-block": (
        "sweepblock.yaml",
        STEPLR | {"sweep": {f"params.{k}": list(range(1, 3001)) for k in ("step_size", "gamma", "last_epoch")}},
        [],
        ["sweepblock.yaml", "27000000000 schedules", "above the hard limit of 256"],
    ),
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """Run every HOSTILE case through the CLI in one child process with bounded memory."""
    folder = tmp_path_factory.mktemp("hostile")
    marker = folder / "MARKER-escaped"
    cases = []
    for name, (file_name, content, extra, _) in HOSTILE.items():
        if isinstance(content, str):
            content = content.replace("{marker}", str(marker))
        elif isinstance(content, dict):
            content = json.loads(json.dumps(content).replace("{marker}", str(marker)))
        path = write(folder / file_name, content)
        cases.append((name, ["export", str(path), "-o", str(folder / f"{name}.csv"), *extra]))
    env = {k: v for k, v in os.environ.items() if k not in ("LRVIZ_TRUST", "LRVIZ_DEBUG")}
    env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    proc = subprocess.run(
        [sys.executable, "-c", _DRIVER, str(MEMORY_LIMIT), json.dumps(cases)],
        capture_output=True,
        text=True,
        timeout=BATCH_TIMEOUT,
        env=env,
        cwd=folder,
    )
    results = {r["name"]: r for r in map(json.loads, proc.stdout.splitlines())}
    return folder, marker, results, proc


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_input_is_refused_quickly_with_bounded_memory(hostile, name):
    folder, marker, results, proc = hostile
    assert name in results, f"the child process died before this case (exit {proc.returncode}): {proc.stderr[-2000:]}"
    r = results[name]
    error_line(r["code"], r["stderr"], r["stdout"], *HOSTILE[name][3])
    assert not (folder / f"{name}.csv").exists(), "a refused run wrote its output"
    assert not marker.exists(), "a payload ran"
    assert not list(folder.glob(".lrviz-tmp-*")), "a temporary file was left behind"


# --------------------------------------------------------------------------- 3. expressions (in process)


def test_expression_failing_at_step_k_names_the_step(tmp_path):
    cfg = write(tmp_path / "div.yaml", _lambda("1 / (epoch - 5)"))
    out = tmp_path / "out.csv"
    assert_refused(
        cli("export", cfg, "-o", out), "div.yaml", "params.lr_lambda", "failed at epoch 5", "division by zero"
    )
    assert not out.exists()


def test_expression_that_would_run_code_is_refused_and_runs_nothing(tmp_path):
    """The marker is created by the same payload in plain Python: the check can fail."""
    marker = tmp_path / "MARKER"
    payload = _escape(str(marker))
    cfg = write(tmp_path / "evil.yaml", _lambda(payload))
    for args in (["export", cfg], ["check", cfg], ["plot", cfg, "-o", tmp_path]):
        assert_refused(cli(*args), "evil.yaml", "params.lr_lambda", "not allowed")
    assert not marker.exists()
    eval(payload)  # noqa: S307 - the positive control: this payload does create the marker
    assert marker.exists()


# --------------------------------------------------------------------------- 4. limits (in process)


@pytest.mark.parametrize("value", [-5, 0, 2.5, True, "10", None, [10], float("inf"), float("nan"), "ten"])
@pytest.mark.parametrize("key", ["steps", "epochs", "steps_per_epoch"])
def test_step_counts_must_be_positive_whole_numbers(tmp_path, key, value):
    data = {"scheduler": "StepLR", "params": {"step_size": 2}}
    data.update({"epochs": 2, "steps_per_epoch": 3} if key != "steps" else {})
    data[key] = value
    assert_refused(
        cli("export", write(tmp_path / "count.yaml", data)), "count.yaml", f"{key}:", "expected a positive whole number"
    )


def test_the_largest_allowed_run_still_loads():
    from lrviz.limits import MAX_VALUES

    cfg = load_config({"steps": MAX_STEPS, "schedules": [{"scheduler": "StepLR", "params": {"step_size": 2}}] * 2})
    assert cfg.steps * len(cfg.schedules) == MAX_VALUES


def test_limits_are_checked_before_anything_is_allocated(monkeypatch):
    """Config loading refuses 50M+1 steps without ever building an optimizer."""
    import lrviz.build

    def no_build(*args, **kwargs):
        raise AssertionError("built an optimizer for a config past the limits")

    monkeypatch.setattr(lrviz.build, "build_optimizer", no_build)
    for data in (STEPLR | {"steps": MAX_STEPS + 1}, STEPLR | {"optimizer": {"param_groups": [{}] * (MAX_GROUPS + 1)}}):
        with pytest.raises(ConfigError, match="above the limit"):
            load_config(data)


# --------------------------------------------------------------------------- 5. trust


_EVIL_SCHEDULER = """
from pathlib import Path
Path({marker!r}).touch()
from torch.optim.lr_scheduler import StepLR as Sched
"""


@pytest.fixture
def evil_code(tmp_path):
    """A module in the config's folder and a file outside it; importing either creates MARKER."""
    marker = tmp_path / "MARKER"
    folder = tmp_path / "cfgs"
    write(folder / "evil_mod_lrviz_test.py", _EVIL_SCHEDULER.format(marker=str(marker)))
    write(tmp_path / "outside" / "evil.py", _EVIL_SCHEDULER.format(marker=str(marker)))
    yield marker, folder
    sys.modules.pop("evil_mod_lrviz_test", None)


@pytest.mark.parametrize("target", ["evil_mod_lrviz_test:Sched", "../outside/evil.py:Sched"])
def test_import_targets_run_only_with_trust(evil_code, target, tmp_path):
    marker, folder = evil_code
    cfg = write(folder / "imp.yaml", {"steps": 6, "scheduler": target, "params": {"step_size": 2}})
    line = assert_refused(cli("export", cfg), "imp.yaml", "scheduler:", "only with --trust", "cannot grant trust")
    if target.startswith(".."):
        assert "is outside the config's folder" in line
    assert not marker.exists()
    # ... nested inside a SequentialLR too
    nested = write(
        folder / "nested.yaml",
        {
            "steps": 6,
            "scheduler": "SequentialLR",
            "params": {
                "schedulers": [
                    {"scheduler": "StepLR", "params": {"step_size": 2}},
                    {"scheduler": target, "params": {"step_size": 2}},
                ],
                "milestones": [3],
            },
        },
    )
    assert_refused(cli("export", nested), "nested.yaml", "params.schedulers[1].scheduler", "--trust")
    assert not marker.exists()
    # positive control: with --trust the same config runs the code
    result = cli("export", cfg, "--trust")
    assert result.exit_code == 0, result.stderr
    assert marker.exists()


def test_a_config_cannot_grant_itself_trust(evil_code):
    marker, folder = evil_code
    cfg = write(
        folder / "self.yaml",
        {"steps": 6, "trust": True, "scheduler": "evil_mod_lrviz_test:Sched", "params": {"step_size": 2}},
    )
    result = cli("export", cfg)
    assert result.exit_code == 2 and "Traceback" not in result.output
    # both mistakes, one line each (issue 20: every error of a config in one run)
    unknown, untrusted = result.stderr.splitlines()
    assert unknown.startswith("error: ") and "self.yaml: trust: unknown key 'trust'; allowed: title" in unknown
    assert untrusted.startswith("error: ") and "only with --trust" in untrusted and "cannot grant trust" in untrusted
    assert not marker.exists()


def test_lrviz_trust_env_is_the_users_trust(evil_code):
    marker, folder = evil_code
    cfg = write(folder / "env.yaml", {"steps": 6, "scheduler": "evil_mod_lrviz_test:Sched", "params": {"step_size": 2}})
    assert cli("export", cfg, env={"LRVIZ_TRUST": "0"}).exit_code == 2
    assert not marker.exists()
    assert cli("export", cfg, env={"LRVIZ_TRUST": "1"}).exit_code == 0
    assert marker.exists()


def test_metric_csv_outside_the_config_folder_needs_trust(tmp_path):
    write(tmp_path / "metric.csv", "loss\n" + "1.0\n" * 20)
    cfg = write(
        tmp_path / "cfgs" / "plateau.yaml",
        {"steps": 10, "scheduler": "ReduceLROnPlateau", "metric": {"csv": "../metric.csv"}},
    )
    assert_refused(cli("export", cfg), "plateau.yaml", "metric.csv", "outside the config's folder", "--trust")
    assert cli("export", cfg, "--trust").exit_code == 0


# --------------------------------------------------------------------------- 6. output


HOSTILE_NAMES = ["..yaml", "..\\..\\escape.yaml", "$(touch pwned).yaml", "-rf.yaml", "con.yaml", " .yaml", "é∞.yaml"]


def _hostile_text_config(i: int) -> dict:
    return {
        "title": "../../../../tmp/evil",
        "steps": 8,
        "optimizer": {"param_groups": [{"name": "../g"}, {"name": "/etc"}]},
        "schedules": [
            {"label": "../../evil", "scheduler": "StepLR", "params": {"step_size": 2 + i}},
            {"label": "/etc/passwd", "scheduler": "ExponentialLR", "params": {"gamma": 0.9}},
        ],
    }


def test_plot_writes_nothing_outside_the_output_folder(tmp_path):
    cfgs = [write(tmp_path / "cfgs" / name, _hostile_text_config(i)) for i, name in enumerate(HOSTILE_NAMES)]
    out = tmp_path / "out"
    out.mkdir()
    before = snapshot(tmp_path)
    assert len(cfgs) == len(HOSTILE_NAMES) >= 5
    for cfg in cfgs:
        result = cli("plot", cfg, "-o", out, "-f", "svg", "-f", "png")
        assert result.exit_code == 0, (cfg.name, result.stderr)
    after = snapshot(tmp_path)
    new = sorted(set(after) - set(before))
    assert new and all(Path(p).parent == Path("out") for p in new), new
    assert before and all(after[p] == before[p] for p in before)  # nothing else changed
    assert not (tmp_path / "cfgs" / "pwned").exists() and not Path("pwned").exists()
    for name in new:
        assert not Path(name).name.startswith(".")


def test_gallery_writes_nothing_outside_the_output_folder(tmp_path):
    cfgs = tmp_path / "cfgs"
    for i, name in enumerate(["x..\\..\\escape.yaml", "$(touch pwned).yaml", "-rf.yaml", "..\\hidden.yaml"]):
        write(cfgs / name, _hostile_text_config(i))
    write(cfgs / "x.." / "x.yaml", STEPLR)
    write(cfgs / "..sub" / "x.yaml", STEPLR)  # hidden (leading dot): the gallery ignores it
    out = tmp_path / "gallery"
    before = snapshot(tmp_path)
    result = cli("gallery", cfgs, "-o", out, "--jobs", "1")
    assert result.exit_code == 0, result.stderr
    after = snapshot(tmp_path)
    new = sorted(set(after) - set(before))
    assert all(Path(p).parent == Path("gallery") for p in new), new
    assert len(new) == 2 + 3 * 4, new  # README.md, index.html, an SVG, a PNG and an HTML page per visible config
    assert before and all(after[p] == before[p] for p in before)


def test_a_symlink_in_the_output_folder_is_replaced_not_followed(tmp_path):
    victim = write(tmp_path / "victim.txt", "precious\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "cfg.svg").symlink_to(victim)
    result = cli("plot", write(tmp_path / "cfg.yaml", STEPLR), "-o", out, "-f", "svg")
    assert result.exit_code == 0, result.stderr
    assert victim.read_text() == "precious\n"
    assert not (out / "cfg.svg").is_symlink() and (out / "cfg.svg").read_bytes().startswith(b"<?xml")


@pytest.mark.parametrize("failure", ["replace", "fsync", "interrupt"])
def test_atomic_write_never_leaves_a_partial_or_damaged_file(tmp_path, monkeypatch, failure):
    target = write(tmp_path / "good.csv", "good,data\n")
    if failure == "replace":
        monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(OSError(28, "No space left on device")))
    else:
        exc = OSError(5, "Input/output error") if failure == "fsync" else KeyboardInterrupt()
        monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(exc))
    expected = KeyboardInterrupt if failure == "interrupt" else LrvizError
    with pytest.raises(expected):
        atomic_write(target, "new," * 100_000)
    assert target.read_text() == "good,data\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.csv"]  # no temporary file left


def test_an_existing_good_file_survives_a_failed_run(tmp_path):
    cfg = write(tmp_path / "cfg.yaml", STEPLR)
    csv_out, out = tmp_path / "cfg.csv", tmp_path / "plots"
    out.mkdir()
    assert cli("export", cfg, "-o", csv_out).exit_code == 0
    assert cli("plot", cfg, "-o", out, "-f", "svg", "-f", "png").exit_code == 0
    before = snapshot(tmp_path)
    # the same config, now failing while torch steps it (after loading succeeded)
    write(cfg, {"steps": 12, "scheduler": "OneCycleLR", "params": {"max_lr": 0.1, "total_steps": 5}})
    refused = assert_refused(cli("export", cfg, "-o", csv_out), "cfg.yaml", "params.total_steps")
    after = snapshot(tmp_path)
    assert {k: v for k, v in after.items() if k != "cfg.yaml"} == {k: v for k, v in before.items() if k != "cfg.yaml"}
    # a figure is the picture of where torch refuses (issue 16): drawn up to there, exit 1, the same line
    drawn = cli("plot", cfg, "-o", out, "-f", "svg", "-f", "png")
    assert drawn.exit_code == 1 and drawn.stderr.strip() == refused
    assert snapshot(tmp_path)["cfg.csv"] == before["cfg.csv"]


def test_a_gallery_keeps_the_images_of_a_config_that_now_fails(tmp_path):
    cfgs, out = tmp_path / "cfgs", tmp_path / "gallery"
    write(cfgs / "a.yaml", STEPLR)
    write(cfgs / "b.yaml", STEPLR | {"params": {"step_size": 3}})
    assert cli("gallery", cfgs, "-o", out, "--jobs", "1").exit_code == 0
    kept = (out / "a.svg").read_bytes(), (out / "a.png").read_bytes()
    write(cfgs / "a.yaml", "steps: [")
    result = cli("gallery", cfgs, "-o", out, "--jobs", "1")
    assert result.exit_code == 1
    assert "failed: " in result.stderr and "a.yaml" in result.stderr and "Traceback" not in result.output
    assert ((out / "a.svg").read_bytes(), (out / "a.png").read_bytes()) == kept


def test_a_missing_output_folder_is_created_only_for_a_run_that_writes(tmp_path):
    """Issue 20: -o creates a missing folder (parents too), but a refused run creates nothing."""
    bad = write(tmp_path / "bad.yaml", STEPLR | {"steps": 0})
    missing = tmp_path / "no" / "such"
    assert_refused(cli("export", bad, "-o", missing / "x.csv"), "bad.yaml", "steps")
    assert_refused(cli("plot", bad, "-o", missing), "bad.yaml", "steps")
    assert not (tmp_path / "no").exists()
    cfg = write(tmp_path / "cfg.yaml", STEPLR)
    assert cli("export", cfg, "-o", missing / "x.csv").exit_code == 0
    assert cli("plot", cfg, "-o", missing, "-f", "svg").exit_code == 0
    assert sorted(p.name for p in missing.iterdir()) == ["cfg.svg", "x.csv"]


def test_output_folder_under_a_regular_file_is_a_clear_error(tmp_path):
    cfg = write(tmp_path / "cfg.yaml", STEPLR)
    blocker = write(tmp_path / "notes", "not a folder\n")  # no suffix: a name that can only be a folder
    assert_refused(cli("export", cfg, "-o", blocker / "x.csv"), str(blocker))
    assert_refused(cli("plot", cfg, "-o", blocker), str(blocker), "not a folder")
    assert_refused(cli("gallery", tmp_path, "-o", blocker / "sub", "--jobs", "1"), str(blocker), "cannot create")
    assert blocker.read_text() == "not a folder\n"


def test_unwritable_output_folder_is_a_clear_error(tmp_path):
    cfg = write(tmp_path / "cfg.yaml", STEPLR)
    folder = unwritable_folder(tmp_path)
    try:
        assert_refused(cli("export", cfg, "-o", folder / "lrviz-test.csv"), f"cannot write to {str(folder)!r}")
        assert_refused(cli("plot", cfg, "-o", folder, "-f", "svg"), f"cannot write to {str(folder)!r}")
        assert_refused(
            cli("gallery", tmp_path, "-o", folder / "lrviz-test-gallery", "--jobs", "1"),
            "lrviz-test-gallery",
            "cannot create",
        )
    finally:
        if folder.is_relative_to(tmp_path):
            folder.chmod(0o755)


def test_two_processes_writing_the_same_gallery_do_not_corrupt_it(tmp_path):
    cfgs, out = tmp_path / "cfgs", tmp_path / "gallery"
    write(cfgs / "torch" / "steplr.yaml", STEPLR)
    write(cfgs / "torch" / "cosine.yaml", {"steps": 30, "scheduler": "CosineAnnealingLR", "params": {"T_max": 30}})
    write(
        cfgs / "warmup.yaml", {"steps": 30, "scheduler": "LinearLR", "params": {"start_factor": 0.1, "total_iters": 10}}
    )
    lrviz = [sys.executable, "-m", "lrviz", "gallery", str(cfgs), "-o", str(out), "--jobs", "1"]
    writers = [subprocess.Popen(lrviz, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    assert len(writers) == 2
    for p in writers:
        _, stderr = p.communicate(timeout=600)
        assert p.returncode == 0, stderr
    check = subprocess.run(lrviz + ["--check"], capture_output=True, text=True, timeout=600)
    assert check.returncode == 0, check.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "README.md",
        "index.html",
        "torch-cosine.html",
        "torch-cosine.png",
        "torch-cosine.svg",
        "torch-steplr.html",
        "torch-steplr.png",
        "torch-steplr.svg",
        "warmup.html",
        "warmup.png",
        "warmup.svg",
    ]
    for name in names:  # every file complete and parseable
        data = (out / name).read_bytes()
        if name.endswith(".svg"):
            ET.fromstring(data)
        elif name.endswith(".png"):
            assert data.startswith(b"\x89PNG\r\n\x1a\n") and data.endswith(b"IEND\xaeB`\x82")
        else:
            assert data.decode("utf-8").rstrip().endswith(("</html>", "</details>"))


# --------------------------------------------------------------------------- 7. device


@pytest.mark.parametrize("device", ["cuda", "cuda:7"])
def test_cuda_without_cuda_is_a_clear_error(tmp_path, device):
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA, so asking for it is not an error here")
    cfg = write(tmp_path / "dev.yaml", STEPLR | {"device": device})
    assert_refused(cli("export", cfg), "dev.yaml", "device:", "no CUDA device", "use device: cpu or auto")
    assert_refused(cli("export", write(tmp_path / "cli.yaml", STEPLR), "--device", device), "no CUDA device")


def test_mps_without_mps_is_a_clear_error(tmp_path):
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        pytest.skip("this machine has MPS, so asking for it is not an error here")
    cfg = write(tmp_path / "dev.yaml", STEPLR | {"device": "mps"})
    assert_refused(cli("export", cfg), "dev.yaml", "device:", "no MPS device", "use device: cpu or auto")


def test_unknown_device_is_refused_with_the_choices(tmp_path):
    cfg = write(tmp_path / "dev.yaml", STEPLR | {"device": "tpu"})
    assert_refused(cli("export", cfg), "dev.yaml", "device:", "unknown device 'tpu'", "cpu, cuda, cuda:N, mps or auto")


def test_auto_device_falls_back_quietly(tmp_path):
    out = tmp_path / "out.json"
    result = cli("export", write(tmp_path / "auto.yaml", STEPLR | {"device": "auto"}), "-o", out)
    assert result.exit_code == 0 and result.stderr == ""
    expected = "cuda" if torch.cuda.is_available() else ("mps" if torch.backends.mps.is_available() else "cpu")
    assert json.loads(out.read_text())["config"]["device"] == expected


# --------------------------------------------------------------------------- 8. torch errors


TORCH_ERRORS = {
    "onecycle-past-its-end": (
        {
            "steps": 20,
            "schedules": [
                {"scheduler": "StepLR", "params": {"step_size": 2}},
                {"scheduler": "OneCycleLR", "params": {"max_lr": 0.1, "total_steps": 10}},
            ],
        },
        ["schedules[1].params.total_steps", "torch failed at step 10", "Tried to step 11 times", "set total_steps"],
    ),
    "cyclic-on-an-optimizer-without-momentum": (
        {
            "steps": 10,
            "optimizer": {"name": "Adagrad"},
            "scheduler": "CyclicLR",
            "params": {"base_lr": 0.01, "max_lr": 0.1},
        },
        ["params.cycle_momentum", "CyclicLR refused", "set cycle_momentum: false"],
    ),
    "nested-child-refused": (
        {
            "steps": 10,
            "optimizer": {"name": "Adagrad"},
            "scheduler": "SequentialLR",
            "params": {
                "schedulers": [
                    {"scheduler": "CyclicLR", "params": {"base_lr": 0.01, "max_lr": 0.1}},
                    {"scheduler": "StepLR", "params": {"step_size": 2}},
                ],
                "milestones": [5],
            },
        },
        ["params.schedulers[0].params.cycle_momentum", "CyclicLR refused"],
    ),
    "milestones-do-not-match": (
        {
            "steps": 10,
            "scheduler": "SequentialLR",
            "params": {"schedulers": [{"scheduler": "StepLR", "params": {"step_size": 2}}], "milestones": [3, 6]},
        },
        ["params:", "SequentialLR refused", "one more than the number of milestone"],
    ),
    "lr-lambda-gives-nan-at-step-3": (
        _lambda("0 * (1e308 * 10) if epoch >= 3 else 1"),
        ["params.lr_lambda", "failed at epoch 3", "it gave nan", "finite number"],
    ),
    "lr-lambda-fails-when-torch-builds-it": (
        _lambda("1 / epoch"),
        ["params.lr_lambda", "failed at epoch 0", "division by zero"],
    ),
    "resume-without-a-checkpoint": (
        {"steps": 10, "scheduler": "StepLR", "params": {"step_size": 2, "last_epoch": 4}},
        ["params.last_epoch", "initial_lr", "leave it out"],
    ),
}


@pytest.mark.parametrize("name", list(TORCH_ERRORS))
def test_torch_errors_are_reported_against_the_schedule_and_key(tmp_path, name):
    data, fragments = TORCH_ERRORS[name]
    cfg = write(tmp_path / "torch.yaml", data)
    out = tmp_path / "out.csv"
    line = assert_refused(cli("export", cfg, "-o", out), "torch.yaml", *fragments)
    assert "refused these params: params" not in line  # the key is said once, in front
    assert not out.exists()


def test_a_nan_param_torch_takes_is_taken_and_check_reports_the_nan(tmp_path):
    """torch takes gamma: .nan (issue 11: lrviz never refuses what torch takes); the lrs
    it gives are NaN, which export writes as is and check reports as an error."""
    import math

    cfg = write(
        tmp_path / "nan.yaml", {"steps": 10, "scheduler": "StepLR", "params": {"step_size": 2, "gamma": float("nan")}}
    )
    out = tmp_path / "out.csv"
    assert cli("export", cfg, "-o", out).exit_code == 0
    lrs = [float(line.split(",")[3]) for line in out.read_text().splitlines()[1:]]
    assert lrs[:2] == [0.1, 0.1] and all(math.isnan(v) for v in lrs[2:])
    result = cli("check", cfg)
    assert result.exit_code == 1 and "[nonfinite-lr]" in result.stdout and "step 2" in result.stdout


# --------------------------------------------------------------------------- 9. gallery with a broken config


def test_a_gallery_with_one_broken_config_renders_the_others(tmp_path):
    cfgs, out = tmp_path / "cfgs", tmp_path / "gallery"
    write(cfgs / "a.yaml", STEPLR)
    write(
        cfgs / "b-broken.yaml", {"steps": 20, "scheduler": "OneCycleLR", "params": {"max_lr": 0.1, "total_steps": 10}}
    )
    write(cfgs / "c.yaml", {"steps": 20, "scheduler": "ExponentialLR", "params": {"gamma": 0.9}})
    result = cli("gallery", cfgs, "-o", out, "--jobs", "1")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    failed = [line for line in result.stderr.splitlines() if line.startswith("failed: ")]
    assert len(failed) == 1 and "b-broken.yaml" in failed[0] and "params.total_steps" in failed[0], result.stderr
    for stem in ("a", "c"):
        ET.fromstring((out / f"{stem}.svg").read_bytes())
        assert (out / f"{stem}.png").read_bytes().startswith(b"\x89PNG")
    assert not (out / "b-broken.svg").exists()
    readme = (out / "README.md").read_text()
    assert "a.svg" in readme and "c.svg" in readme and "b-broken" not in readme


# ---------------------------------------------------------------- regressions found by the fuzzer and this catalogue


def test_regression_unknown_key_with_a_newline_is_one_line(tmp_path):
    cfg = write(tmp_path / "nl.yaml", STEPLR | {"params": {"step_size": 2, "bad\nkey": 1}})
    assert_refused(cli("export", cfg), "nl.yaml", "params['bad\\nkey']", "unknown parameter")
    top = write(tmp_path / "top.yaml", STEPLR | {"\x1b[31mred": 1})
    line = assert_refused(cli("export", top), "top.yaml", "unknown key")
    assert "\x1b" not in line  # a terminal escape from the config is shown, not obeyed


def test_regression_load_config_of_parsed_non_mapping_data():
    for data in ([1, 2], None, 3, "steps: 10"):
        if isinstance(data, str):
            continue  # a str is a path
        with pytest.raises(ConfigError, match="expected a mapping at the top level"):
            load_config(data)


def test_regression_expression_int_too_large_for_a_float_is_located(tmp_path):
    cfg = write(tmp_path / "big.yaml", _lambda("floor(10 ** 400)"))
    assert_refused(
        cli("export", cfg), "big.yaml", "params.lr_lambda", "failed at epoch 0", "int too large to convert to float"
    )


def test_regression_metric_on_a_scheduler_that_takes_none(tmp_path):
    """StepLR.step(metric) would read the metric as an epoch: a silently wrong schedule."""
    cfg = write(tmp_path / "m.yaml", STEPLR | {"metric": [1.0] * 12})
    assert_refused(cli("export", cfg), "m.yaml", "metric:", "StepLR does not take a metric", "only ReduceLROnPlateau")


@pytest.mark.parametrize("where", ["label", "title", "group"])
def test_regression_broken_math_text_is_refused_with_its_key(tmp_path, where):
    data = {"steps": 5, "schedules": [{"scheduler": "StepLR", "params": {"step_size": 2}}]}
    key = {"label": "schedules[0].label", "title": "title:", "group": "optimizer.param_groups[0].name"}[where]
    if where == "label":
        data["schedules"][0]["label"] = "$x^{$"
    elif where == "title":
        data["title"] = "$x^{$"
    else:
        data["optimizer"] = {"param_groups": [{"name": "$x^{$"}]}
    cfg = write(tmp_path / "math.yaml", data)
    out = tmp_path / "out"
    out.mkdir()
    assert_refused(cli("plot", cfg, "-o", out), "math.yaml", key, "not valid math text", "write \\$")
    assert list(out.iterdir()) == []


def test_regression_math_text_that_parses_still_renders(tmp_path):
    cfg = write(tmp_path / "ok.yaml", STEPLR | {"label": "$\\eta_{max}$ decay", "title": "costs $5"})
    out = tmp_path / "out"
    out.mkdir()
    assert cli("plot", cfg, "-o", out, "-f", "svg").exit_code == 0
    assert cli("plot", cfg, "-o", out, "-f", "svg", "--title", "$x^{$").exit_code == 2


def test_regression_a_dollar_in_the_file_name_is_drawn_as_written(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    result = cli("plot", write(tmp_path / "x$y^{$.yaml", STEPLR), "-o", out, "-f", "svg")
    assert result.exit_code == 0, result.stderr
    assert [p.name for p in out.iterdir()] == ["x-y.svg"]


def test_regression_huge_figure_is_refused_before_it_is_allocated(tmp_path):
    """50 x 50 in at 400 dpi took 1.9 GB before the limit; at 1200 dpi it would want 14 GB."""
    cfg = write(tmp_path / "big.yaml", STEPLR | {"plot": {"size": "50,50", "dpi": 1200}})
    out = tmp_path / "out"
    out.mkdir()
    assert_refused(
        cli("plot", cfg, "-o", out, "-f", "svg"), str(cfg), "60,000 x 60,000 pixels", "above the limit", "lower the dpi"
    )
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("where", ["label", "title", "group"])
def test_regression_terminal_escapes_in_text_are_refused(tmp_path, where):
    """`lrviz show` printed a label's "\\x1b[2J" (clear screen) and a title's OSC (retitle the window) as is."""
    data = {"steps": 5, "schedules": [{"scheduler": "StepLR", "params": {"step_size": 2}}]}
    key = {"label": "schedules[0].label", "title": "title:", "group": "optimizer.param_groups[0].name"}[where]
    text = {"label": "\x1b[2Jcleared", "title": "\x1b]0;retitled\x07", "group": "a\rb"}[where]
    if where == "label":
        data["schedules"][0]["label"] = text
    elif where == "title":
        data["title"] = text
    else:
        data["optimizer"] = {"param_groups": [{"name": text}]}
    cfg = write(tmp_path / "esc.yaml", data)
    for command in ("show", "export", "check"):
        line = assert_refused(cli(command, cfg), "esc.yaml", key, "control character")
        assert not any(c in line for c in "\x1b\x07\r")


def test_regression_newlines_and_tabs_in_a_description_are_fine(tmp_path):
    cfg = write(tmp_path / "desc.yaml", STEPLR | {"description": "two\n\tlines\n", "title": "a\ttitle"})
    assert cli("export", cfg).exit_code == 0


@pytest.mark.parametrize("literal", ["9" * 5000, "0x" + "f" * 5000])
def test_regression_huge_integer_literals_are_refused_not_crashed_on(tmp_path, literal):
    """Python refuses int <-> text past 4300 digits: PyYAML raised ValueError (exit 70), or a message did."""
    cfg = write(tmp_path / "int.yaml", f"steps: 10\nscheduler: StepLR\nparams:\n  step_size: {literal}\n")
    assert_refused(cli("export", cfg), "int.yaml", "an integer of", "at line 4", "at most 100")


@pytest.mark.parametrize(
    "data",
    [
        {"steps": 10**5000},
        {"params": {"step_size": 2, "gamma": 10**400}},
        {"optimizer": {"lr": 10**400}},
        {"title": 10**5000},
        {"scheduler": "LambdaLR", "params": {"lr_lambda": 10**5000}},
        {"scheduler": "ReduceLROnPlateau", "params": {}, "metric": [10**400] * 12},
    ],
)
def test_regression_huge_python_ints_in_a_dict_config_are_refused(data):
    """The library takes dicts too, where ints have no size limit: refused, never a ValueError/OverflowError."""
    from lrviz.simulate import simulate

    with pytest.raises(LrvizError) as info:
        simulate(load_config(STEPLR | data))
    assert "\n" not in str(info.value) and len(str(info.value)) < 1000


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this platform")
def test_regression_a_fifo_in_the_config_folder_does_not_hang_the_gallery(tmp_path):
    """Reading a FIFO named x.yaml blocks until someone writes to it: the gallery hung."""
    cfgs = tmp_path / "cfgs"
    write(cfgs / "a.yaml", STEPLR)
    os.mkfifo(cfgs / "fifo.yaml")
    lrviz = [sys.executable, "-m", "lrviz", "gallery", str(cfgs), "-o", str(tmp_path / "out"), "--jobs", "1"]
    proc = subprocess.run(lrviz, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out" / "a.svg").is_file()


@pytest.mark.parametrize("page", ["README.md", "index.html"])
def test_regression_gallery_never_overwrites_a_page_it_did_not_write(tmp_path, page):
    """`lrviz gallery configs -o .` in a project replaced the project's README.md."""
    cfgs, project = tmp_path / "cfgs", tmp_path / "project"
    write(cfgs / "a.yaml", STEPLR)
    write(project / page, "# My project\n")
    before = snapshot(project)
    assert_refused(
        cli("gallery", cfgs, "-o", project, "--jobs", "1"),
        str(project / page),
        "was not written by lrviz",
        "refusing to overwrite",
    )
    assert snapshot(project) == before  # nothing written, not even the images
    # a folder lrviz made is rewritten as before
    out = tmp_path / "gallery"
    assert cli("gallery", cfgs, "-o", out, "--jobs", "1").exit_code == 0
    assert cli("gallery", cfgs, "-o", out, "--jobs", "1").exit_code == 0
