"""Keep the README honest: every `lrviz` command in it runs as written.

Each ```bash block is run line by line in a scratch folder that sees the repo's
configs/ and examples/, with the real CLI (CliRunner) for `lrviz` lines and the shell for `mkdir`.
The Quickstart lines (venv + pip) are what .ci/run itself executes, so they are
covered there rather than here.
"""

from __future__ import annotations

import glob
import os
import re
import shlex

import pytest
from typer.testing import CliRunner

from lrviz.cli import app
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```bash\n(.*?)```", README, flags=re.S)
LINES = [line.split("  #")[0].strip() for block in BLOCKS for line in block.splitlines()]
COMMANDS = [line for line in LINES if line.startswith(("lrviz ", "mkdir "))]

#: The exit code each `lrviz` command of the README must give, keyed by its text. A command
#: added to the README needs its line here (the test says so); the README's own comments
#: tell readers the same for the `check` commands.
EXPECTED_EXIT = {
    "lrviz plot configs/seeds/000-cheatsheet.yaml -o out --format png,svg": 0,
    "lrviz plot configs/compare/warmup-lengths.yaml -o out --yscale log --x epoch --style paper": 0,
    "lrviz show configs/seeds/004-warmup-cosine-restarts.yaml": 0,
    "lrviz export configs/seeds/002-manual-decay-two-groups.yaml -o out/decay.csv": 0,
    "lrviz export configs/torch/onecyclelr.yaml --format json -o out/onecycle.json": 0,
    # warnings only (OneCycleLR stepped per epoch): a warning alone does not fail `check`
    "lrviz check configs/compare/onecycle-step-vs-epoch.yaml": 0,
    # --strict fails on any finding, and the repository's examples show bugs on purpose
    "lrviz check configs/seeds/*.yaml configs/torch/*.yaml configs/compare/*.yaml configs/custom/*.yaml --trust "
    "--format json --strict": 1,
    "lrviz gallery configs -o gallery --trust": 0,
    # run right after the line above, so the gallery it checks is current
    "lrviz gallery configs -o gallery --trust --check": 0,
    "lrviz plot configs/custom/warmup_cosine_restarts.yaml -o out --trust": 0,
    "lrviz plot configs/torch/steplr.yaml -o out --sweep params.gamma=0.1,0.5,0.9": 0,
    "lrviz plot configs/compare/warmup-lengths.yaml -o out --sweep params.schedulers.0.params.start_factor=0.01,0.1": 0,
    # plan vs actual, on the logs real runs wrote (examples/logs/): exit 1 where the log differs
    "lrviz check examples/logs/hf/plan.yaml --actual examples/logs/hf/trainer_state.json": 0,
    "lrviz check examples/logs/tensorboard/plan.yaml --actual examples/logs/tensorboard-resume": 1,
    "lrviz check examples/logs/hf/candidates.yaml --actual examples/logs/hf/trainer_state.json --format json": 0,
    "lrviz check examples/logs/tensorboard/plan.yaml --actual examples/logs/tensorboard-after-step": 1,
    "lrviz check examples/logs/tensorboard/plan.yaml --actual examples/logs/tensorboard-after-step --actual-shift 1": 0,
    "lrviz show examples/logs/lightning/plan.yaml --actual examples/logs/lightning/metrics.csv": 0,
    "lrviz plot examples/logs/tensorboard/plan.yaml -o out --actual examples/logs/tensorboard-resume": 0,
    # framework files
    "lrviz show configs/frameworks/hf-roberta-mnli.json": 0,
    "lrviz plot configs/frameworks/hf-llama-sft-recipe.yaml -o out": 0,
    "lrviz plot configs/frameworks/torchvision-resnet50.yaml -o out --dataset-size 50000 --world-size 2": 0,
    "lrviz export configs/frameworks/hf-roberta-mnli.json --format json -o out/roberta.json": 0,
    "lrviz check configs/frameworks/hf-llama-sft-recipe.yaml": 0,
    "lrviz convert configs/frameworks/hf-roberta-mnli.json -o out/roberta.yaml": 0,
    "lrviz export out/roberta.yaml -o out/roberta.csv": 0,
    "lrviz plot configs/frameworks/hf-roberta-mnli.json configs/frameworks/hf-llama-sft-recipe.yaml "
    "--combine finetunes -o out": 0,
    "lrviz schema -o lrviz.schema.json": 0,
    "lrviz code configs/compare/param-groups-backbone-head.yaml --schedule 1": 0,
}


def test_readme_has_the_main_commands():
    for command in ("plot", "show", "export", "check", "gallery"):
        assert any(c.startswith(f"lrviz {command} ") for c in COMMANDS), command
    section = README[README.index("## Quickstart") :]
    section = section[: section.index("\n## ", 4)]
    quickstart = [
        line.strip() for block in re.findall(r"```bash\n(.*?)```", section, flags=re.S) for line in block.splitlines()
    ]
    install, activate, test = quickstart  # issue 20: activated, so the bare `lrviz` of the README works
    assert "pip install" in install and "lrviz plot configs/" in install
    assert install.endswith(" -o out")  # the figure goes to out/, which git ignores: no untracked file in the root
    assert "/out/" in (REPO / ".gitignore").read_text().splitlines()
    assert activate == "source .venv/bin/activate"
    assert "pip install" in test and "pytest" in test
    ci = (REPO / ".ci" / "run").read_text()
    assert test in ci, "CI must run the README test command verbatim"


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    (tmp_path / "configs").symlink_to(REPO / "configs")
    (tmp_path / "examples").symlink_to(REPO / "examples")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_every_readme_command_has_its_expected_exit_code_stated():
    lrviz_lines = [line for line in COMMANDS if line.startswith("lrviz ")]
    assert len(lrviz_lines) == len(set(lrviz_lines)) >= 10
    assert sorted(lrviz_lines) == sorted(EXPECTED_EXIT), "state the exit code of each README command in EXPECTED_EXIT"


def test_every_readme_command_runs(scratch):
    runner = CliRunner()
    ran = []
    for line in COMMANDS:
        argv = shlex.split(line)
        if argv[0] == "mkdir":
            os.makedirs(argv[-1], exist_ok=True)
            continue
        args = []
        for a in argv[1:]:
            args.extend(sorted(glob.glob(a)) if "*" in a else [a])
        result = runner.invoke(app, args, env={"COLUMNS": "120"})
        assert result.exit_code == EXPECTED_EXIT[line], f"{line}\n{result.output}"
        assert "error:" not in result.stderr, f"{line}\n{result.stderr}"
        ran.append(line)
    assert sorted(ran) == sorted(EXPECTED_EXIT)
    assert (scratch / "out" / "000-cheatsheet.svg").exists()
    assert (scratch / "gallery" / "index.html").exists()


def test_every_preset_and_command_is_documented():
    from lrviz.cli import COMMANDS
    from lrviz.registry.presets import presets

    assert len(presets()) >= 10 and len(COMMANDS) >= 6
    for name in presets():
        assert f"`{name}`" in README, f"preset {name} is not in the README"
    for name, _ in COMMANDS:
        assert f"lrviz {name}" in README, f"command {name} is not in the README"


def _readme_tool():
    import importlib.util

    spec = importlib.util.spec_from_file_location("readme_help", REPO / "tools" / "readme_help.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_command_reference_is_the_current_help():
    """The README's command reference is what `lrviz ... --help` prints now (rerun tools/readme_help.py)."""
    tool = _readme_tool()
    assert tool.BEGIN in README and tool.END in README
    assert tool.updated(README) == README, "README.md's command reference is stale: run python tools/readme_help.py"
    from lrviz.cli import COMMANDS

    assert len(COMMANDS) >= 6
    for name, _ in COMMANDS:  # every command is in it, with its own help
        assert f"$ lrviz {name} --help\n Usage: lrviz {name} " in README, name


def test_command_reference_check_fails_when_stale(tmp_path):
    """The check can fail: a README whose section differs from the help is reported stale."""
    tool = _readme_tool()
    stale = README.replace("Show the full traceback on errors.", "Show nothing.", 1)
    assert tool.updated(stale) != stale


def test_help_shows_types_as_people_read_them():
    """No typer type noise (<bool>, <list[Path]>, <path>) in any help; options show a metavar."""
    tool = _readme_tool()
    from lrviz.cli import COMMANDS

    for args in ([], *([name] for name, _ in COMMANDS)):
        text = tool.help_text(args)
        for noise in ("<bool>", "<list[", "<path>", "<str>", "<int", "<text|", "<png|"):
            assert noise not in text, f"lrviz {' '.join(args)} --help shows {noise}"
    assert re.search(r"--format\s+-f\s+png\|svg\|pdf", tool.help_text(["plot"]))  # columns widen with options


# --------------------------------------------------------------------------- the Python section

PYTHON_SECTION = README[README.index("## From Python") :]
PYTHON_SECTION = PYTHON_SECTION[: PYTHON_SECTION.index("\n## ", 4)]
PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", PYTHON_SECTION, flags=re.S)


def test_every_python_block_of_the_from_python_section_runs(scratch, capsys):
    """In order, in one namespace, as a reader pastes them into a notebook; their own asserts check values."""
    assert len(PYTHON_BLOCKS) >= 3
    namespace: dict = {"__name__": "__readme__"}
    ran = 0
    for block in PYTHON_BLOCKS:
        exec(compile(block, "README.md (From Python)", "exec"), namespace)
        ran += 1
    assert ran == len(PYTHON_BLOCKS)
    for name in ("schedule.png", "steplr.csv", "steplr.svg"):
        assert (scratch / name).stat().st_size > 0, name
    csv_cli = CliRunner().invoke(app, ["export", "configs/torch/steplr.yaml"]).stdout
    assert (scratch / "steplr.csv").read_text() == csv_cli
    assert namespace["compared"].labels == ["warmup + cosine", "one cycle"]
    assert list(namespace["frame"].columns) == ["schedule", "group", "step", "lr", "momentum"]
    printed = capsys.readouterr().out  # the error block's message, as the CLI prints it
    assert "params.step_sise: unknown parameter 'step_sise' (did you mean step_size?)" in printed
