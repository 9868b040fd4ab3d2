"""The README followed line by line on a fresh clone, in a fresh venv (issue 20).

tests/test_readme.py runs each `lrviz` line of the README through CliRunner, inside this
test process. This test does what a reader does instead: it copies the repository's
tracked files (as a fresh clone has them) into a scratch folder and runs every line of
the README's ```bash blocks, in order, in ONE bash session, with no venv on PATH. So the
Quickstart's install is what makes `lrviz` exist, and a line that only works with a venv
activated by hand (or with a prefix the README never gave) fails here.

Each line must exit as test_readme.EXPECTED_EXIT says (0 for the lines that are not
`lrviz` commands). The lines CI runs itself (.ci/run: the test extra's install, the
suite, ruff, mypy) are left out, and named below: running the suite from inside the
suite would recurse. Slow (a pip install into a new venv): it runs
in the README's test command, which .ci/run runs verbatim.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.test_readme import EXPECTED_EXIT, README

pytestmark = pytest.mark.slow

#: Lines with any of these are CI's own (.ci/run, steps 2 and 3), not a reader's walk-through.
CI_ONLY = ("pytest", "'.[test]'", "ruff ", "mypy")
#: A generous bound: a pip install of the runtime set, then every README command (the gallery included).
TIMEOUT_S = 1200


def shell_lines() -> list[str]:
    """Every non-empty line of the README's ```bash blocks, in order."""
    blocks = re.findall(r"```bash\n(.*?)```", README, flags=re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def walked(lines: list[str]) -> list[str]:
    return [line for line in lines if not any(marker in line for marker in CI_ONLY)]


def expected_exit(line: str) -> int:
    command = line.split("  #")[0].strip()
    return EXPECTED_EXIT.get(command, 0)


def fresh_clone(dest: Path) -> None:
    """The tracked files as they are in the working tree: what a clone of this commit holds."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for rel in filter(None, listed.decode().split("\0")):
        src = REPO / rel
        if src.is_file():
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)


def reader_env() -> dict[str, str]:
    """The environment of a shell where nothing of lrviz is installed or activated."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "LRVIZ_TRUST", "LRVIZ_DEBUG")}
    ours = Path(sys.prefix).resolve()
    keep = [p for p in env.get("PATH", "").split(os.pathsep) if p and not Path(p).resolve().is_relative_to(ours)]
    env["PATH"] = os.pathsep.join(keep)
    env["COLUMNS"] = "100"
    return env


def script(lines: list[str]) -> str:
    """One bash session: each line, then a check of its exit code (the run stops at the first wrong one)."""
    out = ['cd "$(dirname "$0")"']
    for n, line in enumerate(lines, 1):
        want = expected_exit(line)
        out += [
            f"echo {shlex.quote(f'+ {line}')}",
            line,
            f'rc=$?; if [ "$rc" -ne {want} ]; then echo "README line {n} exited $rc, not {want}: "'
            f"{shlex.quote(line)} >&2; exit 99; fi",
        ]
    return "\n".join(out) + "\necho README-WALKED\n"


def test_the_walk_through_covers_every_line_but_cis_own():
    lines = shell_lines()
    left_out = [line for line in lines if line not in walked(lines)]
    assert len(left_out) == 1, left_out  # the test command (the docs' Contributing page holds the rest)
    assert all(".venv/bin/" in line for line in left_out), left_out
    assert any(line.startswith("lrviz plot ") for line in walked(lines))
    assert walked(lines)[0].startswith("python3 -m venv .venv && .venv/bin/pip install")


def test_the_readme_works_followed_line_by_line_in_a_fresh_clone(tmp_path):
    clone = tmp_path / "clone"
    fresh_clone(clone)
    (clone / "walk.sh").write_text(script(walked(shell_lines())), encoding="utf-8")
    proc = subprocess.run(
        ["bash", "walk.sh"], cwd=clone, env=reader_env(), capture_output=True, text=True, timeout=TIMEOUT_S
    )
    assert proc.returncode == 0 and "README-WALKED" in proc.stdout, (proc.stdout[-4000:], proc.stderr[-4000:])
    assert (clone / "out" / "000-cheatsheet.svg").is_file()
    assert (clone / "out" / "decay-equal-budget.png").is_file()  # the Quickstart's plot, in the ignored out/
    assert not (clone / "decay-equal-budget.png").exists()  # nothing untracked in the clone's root (issue 26)
