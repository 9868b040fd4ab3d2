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
