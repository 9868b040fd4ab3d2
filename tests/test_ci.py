"""One definition of CI: .github/workflows/ci.yml runs .ci/run and adds only what GitHub does."""

from __future__ import annotations

import yaml

from tests.conftest import REPO

WORKFLOW = yaml.safe_load((REPO / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8"))
CI_RUN = (REPO / ".ci" / "run").read_text(encoding="utf-8")


def _runs(job: str) -> list[str]:
    steps = WORKFLOW["jobs"][job]["steps"]
    assert steps, job
    return [step["run"] for step in steps if "run" in step]


def test_the_workflow_runs_ci_run_and_nothing_of_its_own_that_ci_run_does():
    runs = _runs("test")
    assert "bash .ci/run" in runs
    for run in runs:  # the tests, the install and the gallery check happen in .ci/run only
        assert "pytest" not in run and "pip install" not in run and "--check" not in run, run
        assert "apt-get" not in run, run


def test_ci_run_installs_system_packages_and_checks_the_gallery():
    assert "apt-get install" in CI_RUN and "chromium" in CI_RUN
    assert "lrviz gallery configs -o gallery --check --trust" in CI_RUN


def test_a_deploy_in_flight_is_never_cancelled():
    cancel = WORKFLOW["concurrency"]["cancel-in-progress"]
    assert cancel is not True and "refs/heads/main" in str(cancel), cancel
    pages = WORKFLOW["jobs"]["pages"]
    assert pages["concurrency"]["cancel-in-progress"] is False
    assert pages["needs"] == "test"


def _lock() -> dict[str, str]:
    pins = {}
    for line in (REPO / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[_normal(name)] = version
    return pins


def _normal(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _requirements(dist: str) -> set[str]:
    """The names ``dist`` depends on, transitively, leaving out extras and other platforms."""
    import importlib.metadata as md
    import re

    from packaging.requirements import Requirement

    seen, todo = set(), [dist]
    while todo:
        name = todo.pop()
        for text in md.requires(name) or []:
            req = Requirement(text)
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue
            child = _normal(re.split(r"[\[;<>=!~ ]", req.name)[0])
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


def test_the_lock_pins_all_that_draws_the_gallery():
    """Byte-stable images need matplotlib's whole stack pinned (Pillow, fonttools, kiwisolver...)."""
    lock = _lock()
    stack = _requirements("matplotlib")
    assert {"pillow", "fonttools", "kiwisolver", "contourpy", "pyparsing", "cycler", "numpy"} <= stack
    assert not stack - set(lock), f"not in constraints.txt: {sorted(stack - set(lock))}"
    assert lock["torch"] == "2.13.0" and "torchvision" not in lock
    assert not [name for name in lock if name.startswith("nvidia-")]
    assert "tools/lock.sh" in (REPO / "constraints.txt").read_text(encoding="utf-8").split("\n", 5)[3]
