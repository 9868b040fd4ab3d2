"""Shared test setup: a headless matplotlib backend and small config helpers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

os.environ.setdefault("MPLBACKEND", "Agg")

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def write_config(tmp_path):
    """Write a mapping (or YAML text) as a config file and return its path."""

    def write(data, name: str = "config.yaml") -> Path:
        path = tmp_path / name
        path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
        return path

    return write


@pytest.fixture(scope="module")
def timm_scheduler():
    """timm's real ``timm.scheduler`` package, loaded without ``timm/__init__.py`` (test-only device).

    ``import timm`` imports torchvision, and PyPI's torchvision does not import beside the
    CPU torch pinned here, but ``timm.scheduler`` needs only torch. So this registers a bare
    ``timm`` package whose ``__path__`` is the installed folder: ``import timm.scheduler``
    (what lrviz does, normally) then runs timm's own scheduler modules and nothing else.
    Everything it registers is removed afterwards.
    """
    import importlib
    import importlib.util
    import sys
    import types

    loaded = sys.modules.get("timm") is not None
    spec = None if loaded or "timm" in sys.modules else importlib.util.find_spec("timm")
    if not loaded and spec is None:
        from tests.optional import in_ci

        reason = "timm is not installed: pip install -c constraints.txt --no-deps timm"
        if in_ci():  # .ci/run installs it: under CI a missing framework is an error, never a skip
            pytest.fail(f"under CI every optional framework must be installed (.ci/run does it): {reason}")
        pytest.skip(reason)
    before = {k for k in sys.modules if k == "timm" or k.startswith("timm.")}
    if not loaded:
        bare = types.ModuleType("timm")
        bare.__path__ = list(spec.submodule_search_locations)
        bare.__file__ = None
        sys.modules["timm"] = bare
    module = importlib.import_module("timm.scheduler")
    yield module
    for k in [k for k in sys.modules if (k == "timm" or k.startswith("timm.")) and k not in before]:
        del sys.modules[k]


def gallery_paths() -> list[Path]:
    """Every file the gallery draws (lrviz configs and framework files), as ``lrviz gallery configs`` finds them."""
    from lrviz.gallery.entries import find_configs

    return [REPO / "configs" / rel for rel in find_configs(REPO / "configs")]


@pytest.fixture(scope="session")
def omegaconf_module():
    """omegaconf, which resolves a Hydra config's interpolation (lrviz[hydra]), or a skip saying why
    (under CI a missing one is an error: .ci/run installs it)."""
    from tests.optional import import_or_skip

    return import_or_skip("omegaconf", "hydra")


@pytest.fixture(scope="session")
def deepspeed_schedules():
    """DeepSpeed's lr_schedules, which build ds.<Type> schedules (lrviz[deepspeed]), or a skip saying why."""
    from tests.optional import import_or_skip

    return import_or_skip("deepspeed.runtime.lr_schedules", "deepspeed")


@pytest.fixture(scope="session")
def megatron_scheduler():
    """Megatron-Core's OptimizerParamScheduler, which builds megatron.<style> schedules (lrviz[megatron]), or a
    skip saying why."""
    from tests.optional import import_or_skip

    return import_or_skip("megatron.core.optimizer_param_scheduler", "megatron")


@pytest.fixture(scope="session")
def jsonargparse_module():
    """jsonargparse, which parses a LightningCLI file as LightningCLI does (lrviz[lightningcli]), or a skip."""
    from tests.optional import import_or_skip

    return import_or_skip("jsonargparse", "lightningcli")


@pytest.fixture(scope="session")
def torchtune_schedules():
    """torchtune's lr_schedulers, which build torchtune.<function> schedules (lrviz[torchtune]), or a skip."""
    from tests.optional import import_or_skip

    return import_or_skip("torchtune.training.lr_schedulers", "torchtune")


#: Framework examples (by file name prefix) -> the fixture that provides what builds them.
NEEDS = {
    "lightningcli-": "jsonargparse_module",
    "torchtune-": "torchtune_schedules",
    "megatron-": "megatron_scheduler",
    "mmdet-": "mmengine_optim",
}


@pytest.fixture(scope="session")
def mmengine_optim():
    """MMEngine's optim package, whose classes build mm.* schedules (lrviz[mmengine]), or a skip saying why."""
    from tests.optional import import_or_skip

    return import_or_skip("mmengine.optim", "mmengine")


def gallery_source(path: Path, request: pytest.FixtureRequest):
    """``path`` loaded as the gallery loads it (sweep-expanded; a framework file with its plan). A timm
    args file needs timm's scheduler package: the ``timm_scheduler`` fixture provides it (or skips, saying why)."""
    from dataclasses import replace

    from lrviz.sources import load_source
    from lrviz.validate import apply_sweeps

    if path.name.startswith("timm-"):
        request.getfixturevalue("timm_scheduler")
    if path.name.startswith("hydra-"):
        request.getfixturevalue("omegaconf_module")
    if path.name.startswith("deepspeed-"):
        request.getfixturevalue("deepspeed_schedules")
    for prefix, fixture in NEEDS.items():
        if path.name.startswith(prefix):
            request.getfixturevalue(fixture)
    loaded = load_source(path, trust=True)
    return replace(loaded, config=apply_sweeps(loaded.config))


# --------------------------------------------------------------------------- the suite on every core
# pyproject.toml's addopts run the suite with pytest-xdist (-n auto --dist loadgroup): each test
# runs, as before, in one process; only the processes are several. `-n 0` runs it in one.


@pytest.hookimpl(optionalhook=True)  # xdist's hook: unknown under -p no:xdist
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto``: the cores this process may run on, as lrviz's own pool counts them (the affinity
    mask), not xdist's default, psutil's physical cores of the host (a container limited to 2 CPUs
    on a 64-core host would start 32 workers). ``PYTEST_XDIST_AUTO_NUM_WORKERS`` still wins."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # xdist's own hook reads it
    from lrviz.executor import available_cores

    return available_cores()


def _module_fixture_group(item: pytest.Item) -> str | None:
    """The item's module when the item uses a fixture its module defines with module scope or wider
    (a real Trainer run, an executed notebook, a browser): built once per process that uses it."""
    info = getattr(item, "_fixtureinfo", None)
    module = item.nodeid.split("::", 1)[0]
    for name in getattr(item, "fixturenames", ()):
        defs = info.name2fixturedefs.get(name) if info is not None else None
        if defs and defs[-1].scope in ("module", "package", "session") and defs[-1].baseid == module:
            return module
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Two things that make the parallel run as short as it can be, and change no test:

    - the tests that share a fixture their module builds once go to one worker (an ``xdist_group``
      named after the module; ``--dist loadgroup`` honours it), so it is built once, not once per
      worker, and loadgroup hands these groups out first;
    - the tests marked ``slow`` (fresh installs, long runs) are handed out first, so the run does not
      end with one long test on one core while the others idle.

    The order is the same in every process (xdist refuses collections that differ).
    """
    for item in items:
        group = _module_fixture_group(item)
        if group is not None and item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(group))
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)  # stable: the rest keep their order
