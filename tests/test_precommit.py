"""The pre-commit hooks this repository offers (.pre-commit-hooks.yaml), run by pre-commit itself.

pre-commit, given the README's ``.pre-commit-config.yaml`` (its ``repo:`` and ``rev:`` pointed at a
hook repository made here), clones the hook repository, builds its own virtualenv with lrviz
pip-installed in it, and runs the hooks on a temporary git repository of a user: a good gallery
passes; a stale gallery and a broken config fail, naming what is wrong. The hook repository is this
working tree's files, committed in a scratch folder (so the test sees uncommitted changes too). The
install goes through the lock (PIP_CONSTRAINT), so the hooks get the same CPU torch as the suite, not
a multi-GB CUDA build.

The environment is built once, on the first run, and the second run uses it, as on a user's machine
(``pre-commit try-repo`` would build a fresh one for each run, in a throwaway store). The build is
most of this test's time: about 35 s on 2 quiet cores with a warm pip cache.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from lrviz.gallery import build_gallery, write_gallery
from tests.conftest import REPO
from tests.optional import import_or_skip

import_or_skip("pre_commit", "test")
clientlib = import_or_skip("pre_commit.clientlib", "test")

HOOKS = REPO / ".pre-commit-hooks.yaml"
#: What the hook repository needs to pip-install lrviz (the rest of the tree is left out).
LEFT_OUT = ("gallery/", "tests/", "configs/", "benchmarks/", "examples/", ".github/")
GIT_ID = ["-c", "user.name=lrviz test", "-c", "user.email=test@lrviz.invalid", "-c", "commit.gpgsign=false"]


def git(*args: str, cwd: Path) -> str:
    done = subprocess.run(["git", *GIT_ID, *args], cwd=cwd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_manifest_is_what_pre_commit_reads():
    hooks = {hook["id"]: hook for hook in clientlib.load_manifest(str(HOOKS))}
    assert set(hooks) == {"lrviz-check", "lrviz-gallery"}
    assert hooks["lrviz-check"]["entry"] == "lrviz check" and hooks["lrviz-check"]["pass_filenames"]
    assert hooks["lrviz-gallery"]["entry"] == "lrviz gallery --check" and not hooks["lrviz-gallery"]["pass_filenames"]
    assert all(hook["language"] == "python" for hook in hooks.values())


def test_the_readme_config_is_a_valid_pre_commit_config(tmp_path):
    """The .pre-commit-config.yaml the README tells users to add, read by pre-commit's own loader."""
    path = tmp_path / ".pre-commit-config.yaml"
    path.write_text(_readme_config())
    config = clientlib.load_config(str(path))
    (repo,) = config["repos"]
    ids = [hook["id"] for hook in repo["hooks"]]
    assert ids == ["lrviz-check", "lrviz-gallery"]
    manifest_ids = {hook["id"] for hook in clientlib.load_manifest(str(HOOKS))}
    assert set(ids) <= manifest_ids


def _readme_config() -> str:
    """The ``.pre-commit-config.yaml`` block the docs' CI page (docs/ci.rst) tells users to add."""
    page = (REPO / "docs" / "ci.rst").read_text()
    section = page[page.index("pre-commit: configs checked") :]
    block = re.search(r"\.\. code-block:: yaml\n\n(   # \.pre-commit-config\.yaml\n(?:   .*\n|\n)+)", section).group(1)
    return "\n".join(line[3:] for line in block.splitlines()) + "\n"


def _hook_repository(dest: Path) -> str:
    """This working tree (tracked and new files, not ignored ones) committed in ``dest``; its sha."""
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    copied = []
    for raw in files:
        rel = raw.decode()
        if not rel or rel.startswith(LEFT_OUT) or not (REPO / rel).is_file():
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / rel, dest / rel)
        copied.append(rel)
    assert {".pre-commit-hooks.yaml", "pyproject.toml", "lrviz/cli.py"} <= set(copied)
    git("init", "-q", cwd=dest)
    git("add", "-A", cwd=dest)
    git("commit", "-q", "-m", "hooks", cwd=dest)
    return git("rev-parse", "HEAD", cwd=dest)


def _run_hooks(user: Path, home: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    """``pre-commit run --all-files`` in ``user`` with pre-commit's store in ``home``."""
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(home),
        # The hook environment is pip-installed from the lock: torch 2.13.0, the CPU build.
        "PIP_CONSTRAINT": str(REPO / "constraints.txt"),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"],
        cwd=user, env=env, capture_output=True, text=True, timeout=1500,
    )  # fmt: skip
    return done, time.monotonic() - start


def _status(output: str, name: str) -> str:
    match = re.search(rf"^{re.escape(name)}\.+(Passed|Failed|Skipped)", output, re.M)
    assert match, output
    return match.group(1)


@pytest.mark.slow
def test_the_readme_config_on_a_good_then_a_stale_gallery(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("needs git (pre-commit runs on git repositories)")
    if not (REPO / ".git").exists():
        pytest.skip("needs this repository's git checkout (the hook repository is built from its files)")
    hook_repo, user, home = tmp_path / "hooks", tmp_path / "user", tmp_path / "home"
    for folder in (hook_repo, user, home):
        folder.mkdir()
    sha = _hook_repository(hook_repo)

    # A user's repository: two configs, their gallery, and a YAML that is not an lrviz config.
    (user / "configs").mkdir()
    for name in ("steplr", "exponentiallr"):
        shutil.copy(REPO / "configs" / "torch" / f"{name}.yaml", user / "configs" / f"{name}.yaml")
    write_gallery(build_gallery(user / "configs", jobs=1), user / "gallery")
    (user / "notes.yaml").write_text("not: an lrviz config\n")  # outside configs/: lrviz-check leaves it alone
    config = _readme_config()
    assert "https://github.com/OWNER/lrviz" in config and "rev: v0.1.0" in config
    config = config.replace("https://github.com/OWNER/lrviz", str(hook_repo)).replace("rev: v0.1.0", f"rev: {sha}")
    (user / ".pre-commit-config.yaml").write_text(config)
    git("init", "-q", cwd=user)
    git("add", "-A", cwd=user)

    good, good_s = _run_hooks(user, home)
    out = good.stdout + good.stderr
    assert good.returncode == 0, out
    assert "Installing environment" in out  # the first run builds the hooks' environment
    assert _status(out, "lrviz check") == "Passed"
    assert _status(out, "lrviz gallery is current") == "Passed"

    # A config changed without rerunning the gallery, and a broken config added.
    steplr = user / "configs" / "steplr.yaml"
    steplr.write_text(steplr.read_text().replace("gamma: 0.5", "gamma: 0.25"))
    bad = yaml.safe_load(steplr.read_text())
    bad["params"]["step_size"] = "four"
    (user / "configs" / "bad.yaml").write_text(yaml.safe_dump(bad))
    git("add", "-A", cwd=user)
    stale, stale_s = _run_hooks(user, home)
    out = stale.stdout + stale.stderr
    assert stale.returncode == 1, out
    assert "Installing environment" not in out  # ... and the second uses it
    assert _status(out, "lrviz gallery is current") == "Failed"
    assert "stale: steplr.svg (from configs/steplr.yaml)" in out and "stale: steplr.png" in out
    assert "exponentiallr.svg" not in out  # the unchanged entry is current
    assert _status(out, "lrviz check") == "Failed"
    assert "configs/bad.yaml: params.step_size" in out
    print(f"pre-commit run: good gallery {good_s:.0f} s (builds the env), stale gallery {stale_s:.0f} s")
