"""Every example of the documentation site (docs/) runs, and shows what it prints (issue 31).

The pages are read as Sphinx reads them: each ``.. code-block:: LANG`` is an example.

* ``bash``: each line runs; an ``lrviz`` line through the real CLI (typer's CliRunner, in
  this interpreter: the same code path as the ``lrviz`` script, without a process start per
  line), its exit code what the line's ``# exit N`` comment says (0 without one). The
  install lines are the README's Quickstart, which tests/test_readme_walkthrough.py runs
  in a fresh clone with a real shell (there the shell is the point): here they must be
  the README's, word for word.
* ``console``: each ``$ lrviz ...`` line runs as above, and the lines under it are its
  output, compared with doctest's rules (``...`` stands for any text, runs of whitespace
  are one space).
* ``python``: a page's blocks run in order in one namespace, as a reader pastes them into
  a notebook; their own ``assert`` lines check the values they show.
* ``shell``: not run; every such line is in NOT_RUN with the reason.

Each page runs in its own scratch folder that sees the repository's configs/, examples/
and tests/data/ (the paths the pages use), so what a page writes (``out/``) stays there.
"""

from __future__ import annotations

import doctest
import glob
import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lrviz.cli import app
from tests.conftest import REPO

DOCS = REPO / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.rst") if "_build" not in p.parts)
README = (REPO / "README.md").read_text(encoding="utf-8")

#: Shell lines the suite does not run, each with the reason (a ``shell`` block must hold only these).
NOT_RUN = {
    "PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu pre-commit install-hooks": (
        "installs lrviz and torch from the internet into pre-commit's own environment; "
        "tests/test_precommit.py runs the hooks from this checkout instead"
    ),
    "python3 -m venv .venv && .venv/bin/pip install -q -c constraints.txt -e '.[test]' && .venv/bin/pip install -q "
    "-c constraints.txt --no-deps timm": "CI's own install (.ci/run runs the README's test command, which holds it)",
    ".venv/bin/python -m pytest -q": "the suite itself: run from inside the suite it would recurse (.ci/run runs it)",
    ".venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy": "CI's lint, format and types "
    "(.ci/run, step 3)",
    ".venv/bin/python -m sphinx -W -n --keep-going -b html docs docs/_build/html": "this site's own build "
    "(.ci/run runs it; tests/test_docs.py checks the line is there verbatim)",
}
EXIT = re.compile(r"^\s*exit (\d+)")
OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # of the code-block directive, 1-based
    lang: str
    text: str

    def where(self) -> str:
        return f"{self.page.relative_to(REPO)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    """Every ``.. code-block::`` of a page, its content dedented."""
    lines = page.read_text(encoding="utf-8").splitlines()
    found = []
    for i, line in enumerate(lines):
        m = re.match(r"^(\s*)\.\. code-block:: *(\S+)", line)
        if not m:
            continue
        indent = len(m.group(1))
        j = i + 1
        while j < len(lines) and lines[j].strip().startswith(":") and lines[j].strip():
            j += 1
        body = []
        while j < len(lines) and (not lines[j].strip() or len(lines[j]) - len(lines[j].lstrip()) > indent):
            body.append(lines[j])
            j += 1
        text = "\n".join(body).strip("\n")
        depth = min((len(b) - len(b.lstrip()) for b in body if b.strip()), default=0)
        found.append(Block(page, i + 1, m.group(2), "\n".join(b[depth:] for b in text.splitlines())))
    return found


ALL = [b for page in PAGES for b in blocks(page)]


def command(line: str) -> tuple[str, int]:
    """A shell line without its comment, and the exit code the comment states (0 without one)."""
    text, _, comment = line.partition("  #")
    m = EXIT.search(comment)
    return text.strip(), int(m.group(1)) if m else 0


def run_lrviz(text: str) -> tuple[int, str]:
    """``lrviz ARGS`` through the real CLI in this process, globs expanded as the shell would."""
    argv = shlex.split(text)
    assert argv[0] == "lrviz", text
    args: list[str] = []
    for a in argv[1:]:
        args.extend(sorted(glob.glob(a)) if "*" in a else [a])
    result = CliRunner().invoke(app, args, env={"COLUMNS": "100", "NO_COLOR": "1"})
    return result.exit_code, result.output


def readme_shell_lines() -> set[str]:
    return {
        line.strip() for block in re.findall(r"```bash\n(.*?)```", README, flags=re.S) for line in block.splitlines()
    }


def run_bash(block: Block) -> None:
    lines = block.text.splitlines()
    assert lines, f"{block.where()}: an empty block"
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        text, want = command(line)
        if not text.startswith("lrviz "):
            assert line.strip() in readme_shell_lines(), (
                f"{block.where()}: {line!r} is neither an lrviz command nor a README line "
                "that tests/test_readme_walkthrough.py runs (make it one, or a `shell` block listed in NOT_RUN)"
            )
            continue
        code, output = run_lrviz(text)
        assert code == want, f"{block.where()}: {text}\nexited {code}, the page says {want}\n{output[-3000:]}"


def run_console(block: Block) -> None:
    entries: list[tuple[str, list[str]]] = []
    lines = block.text.splitlines()
    assert lines, f"{block.where()}: an empty block"
    for line in lines:
        if line.startswith("$ "):
            entries.append((line[2:], []))
        else:
            assert entries, f"{block.where()}: output before any `$ ` command"
            entries[-1][1].append(line)
    checker = doctest.OutputChecker()
    for line, shown in entries:
        text, want = command(line)
        code, output = run_lrviz(text)
        assert code == want, f"{block.where()}: {text}\nexited {code}, the page says {want}\n{output[-3000:]}"
        expected = "\n".join(shown).strip()
        if expected:
            assert checker.check_output(expected + "\n", output, OPTIONS), (
                f"{block.where()}: {text}\nthe page shows:\n{expected}\nlrviz printed:\n{output}"
            )


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    for name in ("configs", "examples"):
        (tmp_path / name).symlink_to(REPO / name)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "data").symlink_to(REPO / "tests" / "data")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LRVIZ_TRUST", raising=False)
    return tmp_path


RUNNABLE = ("bash", "console", "python")
WITH_EXAMPLES = [p for p in PAGES if any(b.lang in RUNNABLE for b in blocks(p))]


@pytest.mark.parametrize("page", WITH_EXAMPLES, ids=[p.relative_to(DOCS).as_posix() for p in WITH_EXAMPLES])
def test_every_example_of_the_page_runs(page, scratch):
    namespace: dict = {"__name__": "__docs__"}
    for block in blocks(page):
        if block.lang == "bash":
            run_bash(block)
        elif block.lang == "console":
            run_console(block)
        elif block.lang == "python":
            exec(compile(block.text, block.where(), "exec"), namespace)


def test_shell_blocks_hold_only_lines_listed_with_a_reason():
    shown = [command(line)[0] for b in ALL if b.lang == "shell" for line in b.text.splitlines() if line.strip()]
    assert shown, "no shell block found: the parser is broken"
    assert sorted(set(shown)) == sorted(NOT_RUN), "a `shell` block's line must be in NOT_RUN (and NOT_RUN only those)"


def test_the_pages_have_examples_of_each_kind():
    """The parser finds what the pages hold (a parser that found nothing would pass every page)."""
    langs = {b.lang for b in ALL}
    assert {"bash", "console", "python", "shell", "yaml"} <= langs, langs
    lrviz_lines = [
        line for b in ALL if b.lang in ("bash", "console") for line in b.text.splitlines() if "lrviz " in line
    ]
    assert len(lrviz_lines) >= 30, len(lrviz_lines)
    assert sum(b.lang == "python" for b in ALL) >= 3
    assert not [b.where() for b in ALL if b.lang not in {*RUNNABLE, "shell", "yaml", "text", "rst", "json"}]


def test_a_console_block_whose_output_differs_fails(scratch):
    """The comparison can fail: the StepLR rows with one value changed."""
    page = DOCS / "first-figure.rst"
    (block,) = [b for b in blocks(page) if b.lang == "console"]
    wrong = Block(page, block.line, "console", block.text.replace("0.0005,0.9", "0.0004,0.9", 1))
    with pytest.raises(AssertionError, match="the page shows"):
        run_console(wrong)
    with pytest.raises(AssertionError, match="exited 0, the page says 1"):
        run_bash(Block(page, 1, "bash", "lrviz export configs/torch/steplr.yaml --steps 2  # exit 1"))


def test_every_lrviz_line_in_a_text_block_is_a_console_example():
    """A ``$ lrviz`` shown in a ``text`` block would escape the run: pages show commands as console blocks."""
    hidden = [b.where() for b in ALL if b.lang == "text" and re.search(r"^\$ lrviz ", b.text, flags=re.M)]
    assert hidden == []


REPO_PATH = r"(?:configs|examples|tests/data)/[\w./-]+"
#: Pages whose bash / console blocks name files of the repository.
PATH_PAGES = [
    p for p in PAGES if any(b.lang in ("bash", "console") and re.search(REPO_PATH, b.text) for b in blocks(p))
]


@pytest.mark.parametrize("page", PATH_PAGES, ids=[p.relative_to(DOCS).as_posix() for p in PATH_PAGES])
def test_repository_paths_in_commands_exist(page):
    """A command's config or log path names a file of the repository (a typo would fail the run anyway; this
    names it without running)."""
    tokens = [
        (block, token)
        for block in blocks(page)
        if block.lang in ("bash", "console")
        for token in re.findall(REPO_PATH, block.text)
        if "*" not in token and not token.endswith("/")
    ]
    assert tokens, "the page was chosen for naming repository paths in its commands"
    for block, token in tokens:
        assert (REPO / token).exists() or os.path.exists(REPO / token.rstrip(".")), (block.where(), token)
