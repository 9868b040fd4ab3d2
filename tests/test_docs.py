"""The documentation site's generated parts (docs/_ext/lrviz_docs.py) and its build in CI (issue 31).

The command pages are ``lrviz COMMAND --help`` rendered while the site is built; here that
rendering is compared with the help a real ``lrviz`` process prints at the same width, so
the pages show what a user's terminal shows. The site's build (warnings as errors,
nitpicky) runs in .ci/run, not in the suite: tests/test_docs_examples.py runs its examples.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

DOCS = REPO / "docs"


def _ext():
    spec = importlib.util.spec_from_file_location("lrviz_docs", DOCS / "_ext" / "lrviz_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_command_has_a_page_generated_from_its_help():
    from lrviz.cli import COMMANDS

    assert len(COMMANDS) >= 9
    index = (DOCS / "commands" / "index.rst").read_text(encoding="utf-8")
    for name, _ in COMMANDS:
        page = (DOCS / "commands" / f"{name}.rst").read_text(encoding="utf-8")
        assert f".. lrviz-help:: {name}\n" in page, name
        assert f":doc:`{name}`" in index, name
    assert ".. lrviz-help::\n" in index  # `lrviz --help` itself


@pytest.mark.parametrize("args", [[], ["plot"], ["check"]], ids=["lrviz", "plot", "check"])
def test_the_generated_help_is_what_a_real_lrviz_prints(args):
    """The page's text against `lrviz ARGS --help` in a process of its own, at the page's width."""
    ext = _ext()
    env = {**os.environ, "COLUMNS": str(ext.WIDTH), "NO_COLOR": "1", "TERM": "dumb", "PYTHONPATH": str(REPO)}
    script = Path(sys.executable).parent / "lrviz"  # the console script pip installed beside this Python
    assert script.is_file(), f"{script}: lrviz is not installed in this environment"
    proc = subprocess.run([str(script), *args, "--help"], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    printed = "\n".join(line.rstrip() for line in proc.stdout.splitlines()).strip("\n")
    assert ext.help_text(args) == printed
    if args:
        assert f"Usage: lrviz {args[0]} " in printed


def test_help_shows_types_as_people_read_them():
    """No typer type noise (<bool>, <list[Path]>, <path>) in any help; options show a metavar."""
    ext = _ext()
    from lrviz.cli import COMMANDS

    for args in ([], *([name] for name, _ in COMMANDS)):
        text = ext.help_text(args)
        for noise in ("<bool>", "<list[", "<path>", "<str>", "<int", "<text|", "<png|"):
            assert noise not in text, f"lrviz {' '.join(args)} --help shows {noise}"
    assert re.search(r"--format\s+-f\s+png\|svg\|pdf", ext.help_text(["plot"]))  # columns widen with options


def test_the_schema_page_lists_every_scheduler_and_block_key():
    from lrviz.validate.schema import config_schema

    ext = _ext()
    schema = config_schema()
    text = "\n".join(ext.schema_rst(schema))
    params = [k for k in schema["definitions"] if k.startswith("params.")]
    assert len(params) >= 15 and schema["properties"]
    for name in params:
        assert f"``{name.removeprefix('params.')}``\n" in text, name
    for key in schema["properties"]:
        assert f"   * - ``{key}``" in text, key
    assert ext.describe({"type": "integer", "minimum": 1, "maximum": 5}) == "integer 1..5"
    assert ext.describe({"anyOf": [{"enum": ["step", "epoch"]}, {"type": "null"}]}) == "step | epoch or null"


def test_ci_builds_the_site_as_the_contributing_page_says():
    """.ci/run holds the page's build line verbatim: warnings as errors (-W) and nitpicky (-n)."""
    page = (DOCS / "contributing.rst").read_text(encoding="utf-8")
    (line,) = re.findall(r"^   (\.venv/bin/python -m sphinx .*)$", page, flags=re.M)
    assert " -W " in line and " -n " in line
    assert line in (REPO / ".ci" / "run").read_text(encoding="utf-8")
    workflow = (REPO / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")
    assert "path: docs/_build/html" in workflow  # what Pages publishes


def test_every_page_is_reached_from_the_index():
    """Sphinx warns (so -W fails) on a page in no toctree; this names it without a build."""
    pages = {p.relative_to(DOCS).with_suffix("").as_posix() for p in DOCS.rglob("*.rst") if "_build" not in p.parts}
    listed = set()
    for path in DOCS.rglob("*.rst"):
        text = path.read_text(encoding="utf-8")
        for block in re.findall(r"\.\. toctree::\n((?:   .*\n|\n)+)", text):
            for entry in re.findall(r"^   ([^:\s][^\s]*)$", block, flags=re.M):
                base = path.parent.relative_to(DOCS)
                listed.add((base / entry).as_posix().removeprefix("./"))
    globbed = {p for p in pages if p.startswith("sources/")}
    assert pages - listed - globbed - {"index"} == set()


def test_every_figure_is_drawn_by_the_directive():
    """Issue 31: no hand-made or stale picture: no image or figure directive, no raw <img>; the figures are
    ``.. lrviz::`` of configs in the repository (which -W makes exist and load)."""
    drawn = 0
    for path in DOCS.rglob("*.rst"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^\.\. (image|figure)::", text, flags=re.M), path
        assert "<img" not in text, path
        for target in re.findall(r"^\.\. lrviz:: (\S+)", text, flags=re.M):  # in a code block: indented
            assert (path.parent / target).is_file(), (path, target)
            drawn += 1
    assert drawn >= 15
    assert ".. lrviz-gallery:: ../configs\n" in (DOCS / "gallery-page.rst").read_text()  # and every config of configs/
