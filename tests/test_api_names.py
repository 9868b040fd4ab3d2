"""The public names of ``lrviz``: lazy at run time, visible to ``dir()``, IDEs and type checkers.

``import lrviz`` imports neither torch nor matplotlib (nor numpy), and neither does
looking up a public name; only calling a function that needs them does. The names of
``__all__``, ``dir(lrviz)``, the lazy table and the ``TYPE_CHECKING`` imports (what
static tools read) are one list. ``lrviz.simulate``, ``lrviz.export`` and ``lrviz.check``
stay the API's functions when their namesake modules are imported.
"""

from __future__ import annotations

import ast
import inspect
import json
import os
import subprocess
import sys

import pytest

import lrviz
from tests.conftest import REPO

HEAVY = ("torch", "matplotlib", "numpy")
FUNCTIONS = ("simulate", "plot", "check", "export")


def run(code: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


HEAVY_LOADED = f"sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})"


def test_import_and_every_name_load_no_heavy_module():
    out = run(
        "import json, sys\nimport lrviz\nfirst = " + HEAVY_LOADED + "\n"
        "objs = [getattr(lrviz, n) for n in lrviz.__all__]\n"
        "print(json.dumps({'first': first, 'after': " + HEAVY_LOADED + ", 'n': len(objs)}))"
    )
    assert out["first"] == [] and out["after"] == []
    assert out["n"] == len(lrviz.__all__) >= 10


def test_the_probe_sees_a_heavy_import():
    """Guard: the same probe reports torch once a function runs."""
    out = run(
        "import json, sys\nimport lrviz\n"
        "lrviz.simulate({'steps': 3, 'scheduler': 'StepLR', 'params': {'step_size': 1}})\n"
        "print(json.dumps({'after': " + HEAVY_LOADED + "}))"
    )
    assert "torch" in out["after"] and "numpy" in out["after"]


def _type_checking_imports() -> dict[str, str]:
    tree = ast.parse((REPO / "lrviz" / "__init__.py").read_text())
    (block,) = [n for n in tree.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING"]
    return {alias.name: node.module for node in block.body for alias in node.names}


def test_all_dir_the_lazy_table_and_the_static_imports_agree():
    lazy = lrviz._LAZY
    assert sorted(lrviz.__all__) == sorted([*lazy, "__version__"]) == lrviz.__all__
    assert set(lrviz.__all__) <= set(dir(lrviz))
    static = _type_checking_imports()
    assert static == lazy  # what a type checker sees is what runs, from the same modules
    for name, module in lazy.items():
        assert getattr(sys.modules.get(module) or __import__(module, fromlist=[name]), name) is getattr(lrviz, name)


def test_the_functions_keep_their_names_when_their_modules_are_imported_first():
    out = run(
        "import json, sys, types\n"
        "import lrviz.simulate, lrviz.export, lrviz.check.resume\n"  # the modules first
        "from lrviz.simulate import Trajectory\n"
        "import lrviz\n"
        "from lrviz.api import functions\n"
        "print(json.dumps({n: getattr(lrviz, n) is getattr(functions, n) for n in " + repr(FUNCTIONS) + "}"
        " | {'modules': all(isinstance(sys.modules[m], types.ModuleType) for m in"
        " ('lrviz.simulate', 'lrviz.export', 'lrviz.check'))}))"
    )
    assert out == {**dict.fromkeys(FUNCTIONS, True), "modules": True}


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'simulte'"):
        lrviz.simulte  # noqa: B018


@pytest.mark.parametrize("name", FUNCTIONS)
def test_the_public_functions_are_fully_annotated(name):
    fn = getattr(lrviz, name)
    sig = inspect.signature(fn)
    assert sig.return_annotation is not inspect.Signature.empty
    bare = [p.name for p in sig.parameters.values() if p.annotation is inspect.Parameter.empty]
    assert len(sig.parameters) >= 3 and bare == []
    assert fn.__doc__ and fn.__module__ == "lrviz.api.functions"


def test_the_package_is_marked_typed():
    assert (REPO / "lrviz" / "py.typed").exists()
    import tomllib

    data = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["lrviz"]
    assert "py.typed" in data


@pytest.mark.slow
def test_a_type_checker_sees_the_api(tmp_path):
    """mypy, on a user's script, reads the lazy names (TYPE_CHECKING imports) and their hints."""
    good = tmp_path / "good.py"
    good.write_text(
        "import lrviz\n"
        "from torch.optim.lr_scheduler import StepLR\n\n"
        "def make(opt):\n    return StepLR(opt, 3)\n\n"
        "r: lrviz.Result = lrviz.simulate(make, steps=10)\n"
        "fig = lrviz.plot('c.yaml', 'c.png', layout='grid')\n"
        "reveal_type(fig)\n"
        "found: list[lrviz.Finding] = lrviz.check({'steps': 3}, resume_at=[1])\n"
    )
    bad = tmp_path / "bad.py"
    bad.write_text("import lrviz\nlrviz.simulate('c.yaml', steps='ten')\nlrviz.plot('c.yaml', dpi='high')\n")
    # lrviz from this checkout (an editable install is an import hook mypy cannot follow)
    env = {**os.environ, "MYPYPATH": str(REPO)}
    cmd = [sys.executable, "-m", "mypy", "--no-incremental", "--follow-imports=silent", "--cache-dir", str(tmp_path)]
    done = subprocess.run(
        [*cmd, str(good), str(bad)], capture_output=True, text=True, cwd=tmp_path, timeout=600, env=env
    )
    lines = done.stdout.splitlines()
    assert [line for line in lines if line.startswith("good.py")] == [
        'good.py:9: note: Revealed type is "matplotlib.figure.Figure"'
    ]
    wrong = [line for line in lines if line.startswith("bad.py")]
    assert len(wrong) == 2 and done.returncode == 1, done.stdout
    assert 'Argument "steps" to "simulate" has incompatible type "str"' in wrong[0]
    assert 'Argument "dpi" to "plot" has incompatible type "str"' in wrong[1]
