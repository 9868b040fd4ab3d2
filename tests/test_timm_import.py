"""The product's real ``import timm.scheduler`` path, in a fresh process (no test stub).

The values of ``timm.<sched>`` schedules are proven against timm's own scheduler
package in tests/test_sources_timm.py, which the ``timm_scheduler`` fixture
(conftest.py) loads without ``timm/__init__.py``: ``import timm`` imports torchvision,
and PyPI's torchvision does not import beside the CPU torch pinned here. So that suite
never runs what a user's lrviz runs: ``importlib.import_module("timm.scheduler")``,
through timm's ``__init__``. This file does, in a subprocess with nothing stubbed,
where the installed timm meets a torchvision that fails the way the real one fails
here: a package in ``tmp_path`` whose ``_meta_registrations`` asks torch (for real) to
register a fake kernel for ``torchvision::nms``, an operator the missing C++ extension
would have defined; torch refuses with its own words ("operator torchvision::nms does
not exist"), as it does for PyPI's torchvision. Nothing is installed.

What a user must see is one line, exit 2, naming torchvision and the import error:
not a traceback, not only "install timm" (timm *is* installed).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import REPO

#: The words torch raises, here and beside PyPI's torchvision (checked below by running torch).
TORCH_WORDS = "operator torchvision::nms does not exist"


def timm_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("timm") is not None


pytestmark = pytest.mark.skipif(
    not timm_installed(), reason="timm is not installed: pip install -c constraints.txt --no-deps timm"
)


def fake_torchvision(root: Path) -> Path:
    """A torchvision package whose import fails as PyPI's does beside torch's CPU build (see the docstring)."""
    package = root / "torchvision"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("from torchvision import _meta_registrations  # noqa: F401\n")
    (package / "_meta_registrations.py").write_text(
        textwrap.dedent(
            """\
            import torch


            @torch.library.register_fake("torchvision::nms")
            def meta_nms(dets, scores, iou_threshold):
                raise AssertionError("never called: registering it fails")
            """
        )
    )
    return root


def run(root: Path, *args: str, code: str | None = None) -> subprocess.CompletedProcess[str]:
    """``lrviz ARGS`` (or ``python -c CODE``) in a fresh interpreter, the fake torchvision first on the path."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), str(REPO)])}
    command = [sys.executable, "-c", code] if code is not None else [sys.executable, "-m", "lrviz", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=root, timeout=300)


@pytest.fixture
def root(tmp_path) -> Path:
    return fake_torchvision(tmp_path / "site")


def test_the_fake_fails_as_torch_says_and_timm_imports_it(root):
    """The fake's failure is torch's own, and the installed timm's ``import timm.scheduler`` reaches it."""
    result = run(root, code="import timm.scheduler")
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last == f"RuntimeError: {TORCH_WORDS}"
    assert "timm/__init__.py" in result.stderr and str(root / "torchvision") in result.stderr


def assert_names_torchvision(result: subprocess.CompletedProcess[str], out: Path | None = None) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: ")
    # the substance, whatever the wording around it (issue 26 rewords it to say torchvision is what
    # fails to import): timm is named, torchvision is named, and so is the import error itself
    assert "timm" in line and "torchvision" in line
    assert f"RuntimeError: {TORCH_WORDS}" in line
    if out is not None:
        assert not out.exists()
    return line


def test_a_timm_schedule_names_torchvision(root):
    config = root / "timm.yaml"
    config.write_text(
        "steps: 20\nscheduler: timm.cosine\nparams: {num_epochs: 4, updates_per_epoch: 5}\n", encoding="utf-8"
    )
    out = root / "out.csv"
    line = assert_names_torchvision(run(root, "export", str(config), "-o", str(out)), out)
    assert "scheduler" in line  # the key whose value needs timm


def test_a_timm_args_file_names_torchvision(root):
    args = REPO / "configs" / "frameworks" / "timm-resnet50-a3-args.yaml"
    assert args.is_file()
    out = root / "out.csv"
    line = assert_names_torchvision(run(root, "export", str(args), "--dataset-size", "1000", "-o", str(out)), out)
    assert "sched" in line  # the args key that names the timm scheduler
