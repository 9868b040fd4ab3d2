"""lrviz.dynamo: optimizers built and stepped without importing torch._dynamo, same values.

Each run that must start without ``torch._dynamo`` runs in a fresh interpreter (pytest's
own process imports it through other tests). The reference is a plain torch loop run
afterwards in the same interpreter, with torch importing ``torch._dynamo`` as it always
does, calling ``optimizer.step()`` at every step: lr and momentum must be equal bit for
bit, and torch must not warn about the step order (its check of ``optimizer.step()``
still sees the real call).

The guard tests fail loudly when a torch release changes either wrapper lrviz.dynamo
relies on: lrviz then falls back to importing torch._dynamo (correct, about a second
slower), and lrviz/dynamo.py needs a look.
"""

from __future__ import annotations

import dis
import json
import subprocess
import sys

import pytest
import torch

from lrviz.dynamo import _graph_break, active, dynamo_attributes
from tests.conftest import REPO

OPTIMIZERS = sorted(
    name
    for name, obj in vars(torch.optim).items()
    if isinstance(obj, type) and issubclass(obj, torch.optim.Optimizer) and obj is not torch.optim.Optimizer
)
STEPS = 40


def cases() -> dict[str, dict]:
    """Every torch optimizer under StepLR, two groups (one where torch allows only one: LBFGS);
    OneCycleLR for the momentum paths."""
    out = {
        f"{name} StepLR": {
            "steps": STEPS,
            "optimizer": {"name": name, "lr": 0.1, "param_groups": [{"lr": 0.1}] + [{"lr": 0.01}] * (name != "LBFGS")},
            "scheduler": "StepLR",
            "params": {"step_size": 7, "gamma": 0.5},
        }
        for name in OPTIMIZERS
    }
    for name, extra in (("SGD", {"momentum": 0.9}), ("Adam", {})):
        out[f"{name} OneCycleLR"] = {
            "steps": STEPS,
            "optimizer": {"name": name, "lr": 0.1, **extra},
            "scheduler": "OneCycleLR",
            "params": {"max_lr": 1.0, "total_steps": STEPS},
        }
    return out


RUN = """
import json, sys
import lrviz.dynamo
lrviz.dynamo.enable_for_cli()  # as lrviz.cli.main does: the shortcut acts in lrviz's own process only
cases = json.loads(sys.argv[1])
import torch
from lrviz.simulate import simulate
from lrviz.validate import load_config
from lrviz.check import check_config

def hexed(a):
    return None if a is None else a.tobytes().hex()

lrviz = {}
for name, data in cases.items():
    t = simulate(load_config(data), jobs=1).trajectories[0]
    lrviz[name] = {"lr": hexed(t.lr), "momentum": hexed(t.momentum), "warnings": list(t.warnings)}
after_simulate = "torch._dynamo" in sys.modules
findings = [str(f) for f in check_config(load_config(cases["SGD OneCycleLR"]))]  # state_dict, load_state_dict
after_check = "torch._dynamo" in sys.modules

import numpy as np
import warnings
from torch.optim import lr_scheduler as L
direct = {}
for name, data in cases.items():
    spec = data["optimizer"]
    groups = [{"params": [torch.zeros(2, 2, requires_grad=True)], "lr": g["lr"]}
              for g in spec.get("param_groups", [{"lr": spec["lr"]}])]
    extra = {k: v for k, v in spec.items() if k not in ("name", "lr", "param_groups")}
    opt = getattr(torch.optim, spec["name"])(groups, lr=spec["lr"], **extra)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sched = getattr(L, data["scheduler"])(opt, **data["params"])
        lr, mom = [], []
        key = "momentum" if "momentum" in opt.param_groups[0] else ("betas" if "betas" in opt.param_groups[0] else None)
        for _ in range(data["steps"]):
            lr.append([g["lr"] for g in opt.param_groups])
            if key:
                mom.append([g[key][0] if key == "betas" else g[key] for g in opt.param_groups])
            opt.step(lambda: 0.0)
            sched.step()
    direct[name] = {"lr": np.array(lr, dtype=np.float64).tobytes().hex(),
                    "momentum": np.array(mom, dtype=np.float64).tobytes().hex() if key else None,
                    "warnings": [str(w.message) for w in caught]}
print(json.dumps({"after_simulate": after_simulate, "after_check": after_check, "findings": findings,
                  "after_direct": "torch._dynamo" in sys.modules, "lrviz": lrviz, "direct": direct}))
"""


def run_fresh(script: str, *args: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.splitlines()[-1])


def test_installed_torch_has_the_wrappers_lrviz_dynamo_knows():
    """Fails when a torch release changes torch._disable_dynamo's cache or the step wrapper's
    use of torch._dynamo: lrviz stays correct (it imports torch._dynamo as torch does) but
    every command is a second slower until lrviz/dynamo.py is updated for it."""
    assert active() == {"disable_wrapper": True, "step_wrapper": True}, (
        f"torch {torch.__version__} changed a wrapper lrviz.dynamo relies on: {active()}"
    )


def test_graph_break_outside_compilation_is_the_empty_function_the_stand_in_has():
    import torch._dynamo

    real = torch._dynamo.graph_break
    assert real.__code__.co_names == () and real.__code__.co_argcount == 1
    assert [i.opname for i in dis.get_instructions(real)] == [i.opname for i in dis.get_instructions(_graph_break)]


def test_a_run_imports_no_dynamo_and_its_values_are_torchs_bit_for_bit():
    data = cases()
    assert len(data) == len(OPTIMIZERS) + 2 >= 16  # every optimizer of the installed torch
    out = run_fresh(RUN, json.dumps(data))
    assert out["after_simulate"] is False, "simulate imported torch._dynamo"
    assert out["after_check"] is False, "check's resume round trip imported torch._dynamo"
    assert out["after_direct"] is True  # the reference loop ran as torch runs it: the probe can see the import
    assert out["findings"] == []
    compared = 0
    for name in data:
        assert out["lrviz"][name]["lr"] == out["direct"][name]["lr"], name
        assert out["lrviz"][name]["momentum"] == out["direct"][name]["momentum"], name
        assert out["lrviz"][name]["warnings"] == [] == out["direct"][name]["warnings"], name
        compared += 1
    assert compared == len(data)
    assert out["lrviz"]["SGD OneCycleLR"]["momentum"] is not None
    assert out["lrviz"]["Adam OneCycleLR"]["momentum"] is not None


BLOCK = """
import json, sys
import torch
from torch.optim import Optimizer
from lrviz.dynamo import CACHE, DYNAMO, enable_for_cli, no_dynamo_import
enable_for_cli()

fn = Optimizer.add_param_group.__wrapped__
report = {}
with no_dynamo_import():
    report["seeded"] = vars(fn).get(CACHE) is fn
    report["stand_in"] = type(sys.modules.get(DYNAMO)).__name__
    opt = torch.optim.SGD([torch.zeros(2, 2, requires_grad=True)], lr=0.1)
    opt.step()
report["after_block"] = DYNAMO in sys.modules
report["cache_left"] = CACHE in vars(fn)
torch.optim.SGD([torch.zeros(2, 2, requires_grad=True)], lr=0.1)  # torch as always: imports torch._dynamo
real = sys.modules[DYNAMO]
report["torch_cached_its_own"] = vars(fn).get(CACHE) not in (None, fn)
with no_dynamo_import():
    report["noop_when_imported"] = sys.modules[DYNAMO] is real and vars(fn)[CACHE] is not fn
print(json.dumps(report))
"""

FORWARD = """
import json, sys
import torch
from lrviz.dynamo import DYNAMO, enable_for_cli, no_dynamo_import
enable_for_cli()
with no_dynamo_import():
    import torch._dynamo
    disable = torch._dynamo.disable  # any name but graph_break: the real module, imported now
    real = sys.modules[DYNAMO]
    report = {"real": type(real).__name__ == "module" and real.disable is disable, "file": real.__file__ or ""}
report["kept"] = sys.modules[DYNAMO] is real
print(json.dumps(report))
"""

FALLBACK = """
import json, sys
import lrviz.dynamo as d
d.enable_for_cli()
d.step_wrapper_code = lambda: None  # as if a torch release had changed both wrappers
d.disable_wrapper_code = lambda: None
from lrviz.simulate import simulate
from lrviz.validate import load_config
t = simulate(load_config({"steps": 30, "scheduler": "StepLR", "params": {"step_size": 7}}), jobs=1).trajectories[0]
print(json.dumps({"imported": "torch._dynamo" in sys.modules, "lr": t.lr[:, 0].tolist(), "warnings": t.warnings}))
"""


def test_the_block_leaves_torch_as_it_found_it():
    out = run_fresh(BLOCK)
    assert out == {
        "seeded": True,
        "stand_in": "_StandIn",
        "after_block": False,
        "cache_left": False,
        "torch_cached_its_own": True,
        "noop_when_imported": True,
    }


def test_the_stand_in_imports_the_real_module_for_any_other_name():
    out = run_fresh(FORWARD)
    assert out["real"] is True and out["kept"] is True
    assert out["file"].endswith("_dynamo/__init__.py")


def test_unknown_wrappers_fall_back_to_torchs_own_import():
    out = run_fresh(FALLBACK)
    assert out["imported"] is True
    assert out["warnings"] == []
    drops = [0.1]  # StepLR multiplies the lr by gamma (0.1) every step_size (7) steps
    for _ in range(4):
        drops.append(drops[-1] * 0.1)
    expected = [lr for lr in drops for _ in range(7)][:30]
    assert out["lr"] == expected


LIBRARY = """
import json, sys
import torch
from torch.optim import Optimizer
import lrviz
from lrviz.dynamo import CACHE, DYNAMO, _StandIn

fn = Optimizer.add_param_group.__wrapped__
r = lrviz.simulate({"steps": 12, "scheduler": "StepLR", "params": {"step_size": 5}})
lrviz.check({"steps": 12, "scheduler": "StepLR", "params": {"step_size": 5}})
print(json.dumps({"imported": DYNAMO in sys.modules, "real": not isinstance(sys.modules.get(DYNAMO), _StandIn),
                  "torch_cached_its_own": vars(fn).get(CACHE) not in (None, fn),
                  "lr": r.lr().tolist()}))
"""

CLI = """
import json, sys
from lrviz.cli import main
sys.argv = ["lrviz", "export", sys.argv[1], "-o", sys.argv[2]]
try:
    main()
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "imported": "torch._dynamo" in sys.modules}))
"""

SUBMODULE = """
import json, sys
import torch
from lrviz.dynamo import DYNAMO, enable_for_cli, no_dynamo_import
enable_for_cli()
report = {}
with no_dynamo_import():
    try:
        import torch._dynamo.config
        report["error"] = None
    except ImportError as exc:
        report["error"] = str(exc)
    report["sub_loaded"] = "torch._dynamo.config" in sys.modules
import torch._dynamo.config as config  # after the block: torch's own import, one copy
report["one_copy"] = sys.modules[DYNAMO].config is config is sys.modules["torch._dynamo.config"]
print(json.dumps(report))
"""


def test_the_python_api_leaves_torchs_internals_alone():
    """In a user's process lrviz never seeds torch's cache nor puts a stand-in in sys.modules:
    torch imports torch._dynamo as it always does, and the values are StepLR's."""
    out = run_fresh(LIBRARY)
    assert out["imported"] is True and out["real"] is True and out["torch_cached_its_own"] is True
    assert out["lr"] == [0.1] * 5 + [0.1 * 0.1] * 5 + [0.1 * 0.1 * 0.1] * 2


def test_the_command_line_takes_the_shortcut(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("steps: 12\nscheduler: StepLR\nparams: {step_size: 5}\n")
    out = run_fresh(CLI, str(cfg), str(tmp_path / "c.csv"))
    assert out == {"code": 0, "imported": False}
    assert (tmp_path / "c.csv").read_text().count("\n") == 13  # a header and 12 steps


def test_a_submodule_import_meets_a_loud_refusal_not_a_second_copy():
    out = run_fresh(SUBMODULE)
    assert out["error"] is not None and "stand-in for torch._dynamo" in out["error"], out
    assert out["sub_loaded"] is False
    assert out["one_copy"] is True


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import torch._dynamo\ntorch._dynamo.graph_break()", frozenset({"graph_break"})),
        ("import torch._dynamo\nx = torch._dynamo.disable\ntorch._dynamo.graph_break()", {"disable", "graph_break"}),
        ("import torch._dynamo\nf(torch._dynamo)", None),  # the module passed on: anything may be read
        ("from torch._dynamo import graph_break", None),
        ("x = 1", frozenset()),
    ],
)
def test_dynamo_attributes_reads_what_code_takes_from_the_module(source, expected):
    code = compile(source, "<test>", "exec")
    assert dynamo_attributes(code) == expected
