"""Start-up: help and command-line errors answer without importing torch or matplotlib.

Importing torch costs about a second and matplotlib a few hundred milliseconds, so
``lrviz --help``, ``lrviz list --help`` and every mistake on the command line must be
answered before either is imported. Each case runs in a fresh interpreter and reports
which heavy modules ended up in ``sys.modules``; nothing here measures time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from lrviz.cli import COMMANDS

HEAVY = ("torch", "matplotlib", "numpy")

# Runs the real entry point, then reports the exit code and the heavy modules loaded.
WRAPPER = """
import json, sys
args, report = json.loads(sys.argv[1]), sys.argv[2]
sys.argv = ["lrviz", *args]
code = 0
try:
    from lrviz.cli import main
    main()
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
with open(report, "w") as fh:
    json.dump({"code": code, "loaded": sorted(m for m in sys.modules if m.split(".")[0] in HEAVY)}, fh)
""".replace("HEAVY", repr(HEAVY))


def run_cli(args: list[str], tmp_path) -> tuple[int, list[str], str]:
    report = tmp_path / "report.json"
    env = {**os.environ, "COLUMNS": "100"}
    env.pop("LRVIZ_DEBUG", None)
    proc = subprocess.run(
        [sys.executable, "-c", WRAPPER, json.dumps(args), str(report)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert report.exists(), f"the wrapper did not finish: {proc.stderr[-2000:]}"
    data = json.loads(report.read_text())
    return data["code"], [m for m in data["loaded"] if "." not in m], proc.stdout + proc.stderr


@pytest.mark.parametrize(
    "args",
    [["--help"], ["--version"], ["list", "--help"]] + [[name, "--help"] for name, _ in COMMANDS],
    ids=lambda a: " ".join(a),
)
def test_help_imports_no_heavy_module(args, tmp_path):
    code, loaded, out = run_cli(args, tmp_path)
    assert code == 0, out
    assert loaded == [], f"lrviz {' '.join(args)} imported {loaded}"


USAGE_ERRORS = [
    ["no-such-command"],
    ["--no-such-option"],
    ["export"],  # missing config argument
    ["export", "x.yaml", "--no-such-option"],
    ["export", "x.yaml", "--steps", "many"],
    ["export", "x.yaml", "--steps", "0"],
    ["export", "x.yaml", "--format", "xml"],
    ["export", "does-not-exist.yaml"],  # a named file that is not there
]


@pytest.mark.parametrize("args", USAGE_ERRORS, ids=lambda a: " ".join(a))
def test_usage_errors_import_no_heavy_module(args, tmp_path):
    code, loaded, out = run_cli(args, tmp_path)
    assert code == 2, out
    assert "Traceback" not in out
    assert loaded == [], f"lrviz {' '.join(args)} imported {loaded}"


@pytest.mark.parametrize("args", [["--help"], ["list", "--help"]], ids=" ".join)
def test_python_m_lrviz_importtime(args, tmp_path):
    """The module entry point, as `python -X importtime -m lrviz ...` sees it."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "lrviz", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    imported = [line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")]
    assert "lrviz.cli" in imported  # the probe itself works
    heavy = [m for m in imported if m.split(".")[0] in HEAVY]
    assert heavy == [], heavy


def test_the_probe_sees_a_heavy_import(tmp_path):
    """Guard against a wrapper that cannot fail: a command that loads torch is caught."""
    (tmp_path / "config.yaml").write_text("steps: 3\nscheduler: StepLR\nparams: {step_size: 1}\n")
    code, loaded, out = run_cli(["export", "config.yaml"], tmp_path)
    assert code == 0, out
    assert "torch" in loaded


# After the command: is the cycle collector on, how much start-up was frozen, which threads are left.
GC_REPORT = """
import gc, json, sys, threading
sys.argv = ["lrviz", *json.loads(sys.argv[1])]
try:
    from lrviz.cli import main
    main()
except SystemExit:
    pass
print(json.dumps({"enabled": gc.isenabled(), "frozen": gc.get_freeze_count(),
                  "threads": [t.name for t in threading.enumerate()],
                  "matplotlib": "matplotlib.figure" in sys.modules}))
"""


def test_a_command_runs_with_the_collector_on_after_its_imports(tmp_path):
    """lrviz.startup: the CLI pauses the cycle collector while torch and matplotlib load, then
    freezes them and turns it back on, so a long run collects as before; the thread that
    loads matplotlib beside torch is gone by then."""
    (tmp_path / "config.yaml").write_text("steps: 30\nscheduler: StepLR\nparams: {step_size: 10}\n")
    proc = subprocess.run(
        [sys.executable, "-c", GC_REPORT, json.dumps(["plot", "config.yaml", "-o", "out"])],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout.splitlines()[-1])
    assert (tmp_path / "out" / "config.png").exists()
    assert report["enabled"] is True
    assert report["frozen"] > 100_000  # torch and matplotlib's objects, never scanned again
    assert report["threads"] == ["MainThread"]
    assert report["matplotlib"] is True


def test_a_library_process_keeps_its_collector_settings():
    """Only the CLI touches the collector: the library's functions never do."""
    import gc

    from lrviz.startup import preload, settle

    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    settle()  # nothing was paused here: nothing to freeze, the collector stays as it is
    assert gc.isenabled() and gc.get_freeze_count() == frozen
    preload(["lrviz.no_such_module"])  # a failing import is left to the command's own import
    settle()
    assert gc.isenabled()
    with pytest.raises(ModuleNotFoundError):
        import lrviz.no_such_module  # noqa: F401
