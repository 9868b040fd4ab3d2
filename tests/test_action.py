"""The composite GitHub Action (action.yml): well formed, every input declared and used, and its
gallery step run here as GitHub runs it (its script with the env: action.yml gives it).

The action's end-to-end run (setup, pip install with CPU torch, upload) happens in this
repository's workflow (.github/workflows/ci.yml, job ``action``), which uses ``./``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

ACTION = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
WORKFLOW = yaml.safe_load((REPO / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8"))
STEPS = ACTION["runs"]["steps"]
EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.S)


def _strings(node) -> list[str]:
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return [node] if isinstance(node, str) else []


def _expressions(node) -> list[str]:
    return [e.strip() for s in _strings(node) for e in EXPRESSION.findall(s)]


def test_the_action_is_a_well_formed_composite_action():
    assert ACTION["runs"]["using"] == "composite"
    assert ACTION["name"] and ACTION["description"]
    assert len(STEPS) >= 4
    ids = [step["id"] for step in STEPS if "id" in step]
    assert len(ids) == len(set(ids))
    for step in STEPS:
        assert ("run" in step) != ("uses" in step), step
        assert step.get("name"), step
        if "run" in step:
            assert step["shell"] == "bash", step  # a composite run step must name its shell
            assert "${{" not in step["run"], f"inputs reach scripts through env:, never inline: {step['run']}"
        else:
            assert "shell" not in step
            assert re.fullmatch(r"[\w-]+/[\w-]+@v\d+", step["uses"]), step["uses"]  # pinned to a major version
        assert set(step) <= {"name", "id", "if", "run", "shell", "env", "uses", "with", "working-directory"}, step


def test_every_input_is_declared_described_and_used_and_every_reference_declared():
    declared = set(ACTION["inputs"])
    assert {"configs", "output", "check", "trust"} <= declared
    used = set()
    for expression in _expressions(ACTION):
        used |= set(re.findall(r"\binputs\.([\w-]+)", expression))
    assert used == declared, (used, declared)
    inputs = ACTION["inputs"]
    assert len(inputs) >= 4
    for name, spec in inputs.items():
        assert spec["description"] and isinstance(spec.get("default", ""), str), name
    assert ACTION["inputs"]["trust"]["default"] == "false"  # importing code is opt-in
    assert ACTION["inputs"]["check"]["default"] == "false"


def test_step_outputs_referenced_exist_and_come_from_earlier_steps():
    seen: list[str] = []
    referenced = []
    for step in STEPS:
        for expression in _expressions(step):
            for ref in re.findall(r"\bsteps\.([\w-]+)\.outputs\.([\w-]+)", expression):
                assert ref[0] in seen, f"{ref} used before (or without) its step"
                referenced.append(ref)
        if "id" in step:
            seen.append(step["id"])
    for output in ACTION["outputs"].values():
        for ref in re.findall(r"\bsteps\.([\w-]+)\.outputs\.([\w-]+)", output["value"]):
            assert ref[0] in seen
            referenced.append(ref)
    assert {name for _, name in referenced} == {"path", "status", "current"}
    script = (REPO / ".github" / "action" / "gallery.sh").read_text()
    for name in ("path", "status", "current"):
        assert f'echo "{name}=' in script  # the gallery script writes every output read


def test_the_scripts_read_what_the_steps_give_them_and_parse():
    scripts = [step for step in STEPS if "run" in step and ".sh" in step["run"]]
    assert len(scripts) == 2
    for step in scripts:
        path = REPO / re.search(r"(\.github/action/[\w-]+\.sh)", step["run"]).group(1)
        text = path.read_text()
        read = set(re.findall(r"\$\{?(LRVIZ_[A-Z_]+)", text)) | set(re.findall(r"\$\{?(LRVIZ_[A-Z_]+)", step["run"]))
        assert read == {k for k in step["env"] if k.startswith("LRVIZ_")}, (path.name, read)
        done = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    install = next(step for step in STEPS if "install.sh" in step.get("run", ""))
    assert install["env"]["PIP_EXTRA_INDEX_URL"] == "https://download.pytorch.org/whl/cpu"
    assert '-c "$LRVIZ_ACTION_PATH/constraints.txt"' in (REPO / ".github" / "action" / "install.sh").read_text()


def test_this_repository_s_workflow_uses_the_action_on_configs():
    uses = [
        (name, step)
        for name, job in WORKFLOW["jobs"].items()
        for step in job.get("steps", [])
        if step.get("uses") == "./"
    ]
    assert len(uses) == 1
    name, step = uses[0]
    given = step["with"]
    assert set(given) <= set(ACTION["inputs"])
    assert given["configs"] == "configs" and given["output"] == "gallery" and given["check"] == "true"
    required = {k for k, spec in ACTION["inputs"].items() if spec.get("required")}
    assert required <= set(given)
    checkout = WORKFLOW["jobs"][name]["steps"][0]
    assert checkout["uses"].startswith("actions/checkout@")  # `uses: ./` needs the repository checked out


# --------------------------------------------------------------------------- the gallery step, run here


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """A user's repository with two configs, and the runner's temp folder and output file."""
    (tmp_path / "ws" / "configs").mkdir(parents=True)
    for name in ("steplr", "exponentiallr"):
        shutil.copy(REPO / "configs" / "torch" / f"{name}.yaml", tmp_path / "ws" / "configs" / f"{name}.yaml")
    (tmp_path / "runner").mkdir()
    return tmp_path


def run_step(root: Path, **inputs: str) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    """The gallery step as GitHub runs it: its env: (inputs substituted), bash, in the workspace."""
    (step,) = [s for s in STEPS if s.get("id") == "gallery"]
    values = {name: spec.get("default", "") for name, spec in ACTION["inputs"].items()} | inputs
    env = {k: EXPRESSION.sub(lambda m: _value(m.group(1), values), v) for k, v in step["env"].items()}
    output = root / "github_output"
    output.write_text("")
    venv_bin = str(Path(sys.executable).parent)  # where this interpreter's environment has `lrviz`
    env |= {"GITHUB_OUTPUT": str(output), "RUNNER_TEMP": str(root / "runner"),
            "PATH": venv_bin + os.pathsep + os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}  # fmt: skip
    done = subprocess.run(["bash", "-c", step["run"]], cwd=root / "ws", env=env, capture_output=True, text=True,
                          timeout=300)  # fmt: skip
    written = dict(line.split("=", 1) for line in output.read_text().splitlines())
    return done, written


def _value(expression: str, inputs: dict[str, str]) -> str:
    expression = expression.strip()
    if expression == "github.action_path":
        return str(REPO)
    name = re.fullmatch(r"inputs\.([\w-]+)", expression)
    assert name, expression
    return inputs[name.group(1)]


def test_the_gallery_step_writes_then_checks_then_reports_a_stale_gallery(workspace):
    done, out = run_step(workspace)
    assert done.returncode == 0, done.stderr
    assert out == {"path": "gallery", "status": "0", "current": "true"}
    gallery = workspace / "ws" / "gallery"
    assert {"steplr.svg", "steplr.png", "exponentiallr.svg", "README.md", "index.html"} <= set(os.listdir(gallery))

    done, out = run_step(workspace, check="true")
    assert done.returncode == 0 and out == {"path": "gallery", "status": "0", "current": "true"}, done.stderr

    config = workspace / "ws" / "configs" / "steplr.yaml"
    config.write_text(config.read_text().replace("gamma: 0.5", "gamma: 0.25"))
    before = (gallery / "steplr.svg").read_bytes()
    done, out = run_step(workspace, check="true")
    assert done.returncode == 0, done.stderr  # the step itself passes: the upload comes first
    assert out["status"] == "1" and out["current"] == "false"
    assert "stale: steplr.svg" in done.stderr and "::error title=lrviz gallery::" in done.stdout
    fresh = Path(out["path"])
    assert fresh == workspace / "runner" / "lrviz-gallery" and (fresh / "steplr.svg").read_bytes() != before
    assert (gallery / "steplr.svg").read_bytes() == before  # --check writes nothing


def test_the_gallery_step_refuses_configs_that_import_code_unless_trust(workspace):
    custom = REPO / "configs" / "custom"
    for name in ("warmup_cosine_restarts.yaml", "warmup_cosine_restarts.py"):
        shutil.copy(custom / name, workspace / "ws" / "configs" / name)
    done, out = run_step(workspace)
    assert out["status"] == "0" and "skipped: configs/warmup_cosine_restarts.yaml" in done.stderr
    assert not (workspace / "ws" / "gallery" / "warmup_cosine_restarts.svg").exists()
    done, out = run_step(workspace, trust="true")
    assert out["status"] == "0", done.stderr
    assert (workspace / "ws" / "gallery" / "warmup_cosine_restarts.svg").is_file()


@pytest.mark.parametrize(("name", "value"), [("check", "maybe"), ("trust", "sure")])
def test_a_flag_input_that_is_not_true_or_false_is_refused(workspace, name, value):
    done, out = run_step(workspace, **{name: value})
    assert done.returncode == 2 and out == {}
    assert f"input '{name}' must be true or false, got '{value}'" in done.stderr


def test_a_missing_config_folder_fails_the_action_and_uploads_nothing(workspace):
    done, out = run_step(workspace, configs="no-such-folder")
    assert done.returncode == 0 and out["status"] == "2" and out["path"] == ""
    assert "no such folder" in done.stderr
