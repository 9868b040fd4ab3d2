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
    "lrviz show configs/seeds/004-warmup-cosine-restarts.yaml": 0,
    "lrviz export configs/torch/onecyclelr.yaml --format json -o out/onecycle.json": 0,
    # warnings only (OneCycleLR stepped per epoch): a warning alone does not fail `check`
    "lrviz check configs/compare/onecycle-step-vs-epoch.yaml": 0,
    # plan vs actual, on a log a real run wrote (examples/logs/): exit 1 where the log differs
    "lrviz check examples/logs/tensorboard/plan.yaml --actual examples/logs/tensorboard-resume": 1,
    "lrviz plot configs/frameworks/hf-llama-sft-recipe.yaml -o out": 0,
    "lrviz convert configs/frameworks/hf-roberta-mnli.json -o out/roberta.yaml": 0,
    "lrviz gallery configs/compare -o out/gallery": 0,
    "lrviz list OneCycleLR": 0,
    "lrviz schema -o out/lrviz.schema.json": 0,
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
    assert (scratch / "out" / "gallery" / "index.html").exists()


def test_every_preset_and_command_is_documented():
    from lrviz.cli import COMMANDS
    from lrviz.registry.presets import presets

    assert len(presets()) >= 10 and len(COMMANDS) >= 6
    compare = (REPO / "docs" / "compare.rst").read_text(encoding="utf-8")
    for name in presets():
        assert f"``{name}``" in compare, f"preset {name} is not in docs/compare.rst"
    for name, _ in COMMANDS:  # the README's tour shows every command once; docs/commands/ has its page
        assert f"lrviz {name}" in README, f"command {name} is not in the README's tour"
        assert f".. lrviz-help:: {name}" in (REPO / "docs" / "commands" / f"{name}.rst").read_text(), name


def test_the_readme_is_short_and_links_into_the_docs():
    """Issue 31: what lrviz is, the Quickstart, a tour, links; about 150 lines. Every docs link resolves."""
    assert len(README.splitlines()) <= 160
    links = re.findall(r"\]\((docs/[^)#]+)\)", README)
    assert len(links) >= 10
    for link in links:
        assert (REPO / link).exists(), link
    assert "github.io" in README  # the published site
    assert "![" in README  # one figure
