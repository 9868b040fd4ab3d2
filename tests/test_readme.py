"""Keep the README honest: every `lrviz` command in it runs as written.

Each ```bash block is run line by line in a scratch folder that sees the repo's
configs/, with the real CLI (CliRunner) for `lrviz` lines and the shell for `mkdir`.
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


def test_readme_has_the_main_commands():
    for command in ("plot", "show", "export", "check", "gallery"):
        assert any(c.startswith(f"lrviz {command} ") for c in COMMANDS), command
    section = README[README.index("## Quickstart") :]
    section = section[: section.index("\n## ", 4)]
    quickstart = [
        line.strip() for block in re.findall(r"```bash\n(.*?)```", section, flags=re.S) for line in block.splitlines()
    ]
    assert len(quickstart) == 2 and all("pip install" in line for line in quickstart)
    assert "lrviz plot configs/" in quickstart[0] and "pytest" in quickstart[1]
    ci = (REPO / ".ci" / "run").read_text()
    assert quickstart[1] in ci, "CI must run the README test command verbatim"


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    (tmp_path / "configs").symlink_to(REPO / "configs")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_every_readme_command_runs(scratch):
    runner = CliRunner()
    for line in COMMANDS:
        argv = shlex.split(line)
        if argv[0] == "mkdir":
            os.makedirs(argv[-1], exist_ok=True)
            continue
        args = []
        for a in argv[1:]:
            args.extend(sorted(glob.glob(a)) if "*" in a else [a])
        result = runner.invoke(app, args, env={"COLUMNS": "120"})
        # `check --strict` exits 1 by design on the repo's deliberately flawed examples
        allowed = {0, 1} if argv[1] == "check" else {0}
        assert result.exit_code in allowed, f"{line}\n{result.output}"
        assert "error:" not in result.stderr, f"{line}\n{result.stderr}"
    assert (scratch / "out" / "000-cheatsheet.svg").exists()
    assert (scratch / "gallery" / "index.html").exists()


def test_every_preset_and_command_is_documented():
    from lrviz.cli import COMMANDS
    from lrviz.registry.presets import presets

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
    assert "--format  -f      png|svg|pdf" in tool.help_text(["plot"])
