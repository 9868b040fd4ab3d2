"""This site's own Sphinx helpers: what the docs show is generated from lrviz itself.

* ``.. lrviz-help:: plot`` is ``lrviz plot --help`` as a user at a 100-column terminal
  reads it, run through the real CLI while the page is read (``help_text``), so the
  command pages cannot lag behind the options; tests/test_docs.py compares it with the
  help a real ``lrviz`` process prints.
* ``.. lrviz-schema::`` renders ``lrviz schema`` (the config's JSON Schema, generated from
  the validators and the registry) as tables: each block's keys, each scheduler's
  parameters with their types, defaults and whether they are required.
* ``.. lrviz-gallery:: ../configs`` is the gallery as a page: one ``.. lrviz::`` figure
  per config of the folder, in the order and with the titles ``lrviz gallery`` uses, each
  with its config under it; a framework file whose framework does not import here (timm
  beside a CPU torch) is named with the reason, as the gallery command skips it.
* ``:repo:`path``` names a file or folder of the repository (shown as literal text);
  a path that does not exist is a warning, so ``-W`` fails on a stale reference. Together
  with ``-n`` (every ``:doc:``/``:ref:``/``:func:`` target must resolve) that is the
  internal link check: the build machines reach no internet, so external links are not
  checked.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[2]
#: The terminal width the help is rendered at (the README's reference used the same).
WIDTH = 100


def help_text(args: list[str]) -> str:
    """``lrviz ARGS --help`` at a WIDTH-column terminal without colour, trailing spaces trimmed."""
    from typer.testing import CliRunner

    from lrviz.cli import app

    env = {"COLUMNS": str(WIDTH), "NO_COLOR": "1", "TERM": "dumb"}
    result = CliRunner().invoke(app, [*args, "--help"], env=env)
    if result.exit_code != 0:
        raise RuntimeError(f"lrviz {' '.join(args)} --help failed: {result.output}")
    lines = [line.rstrip() for line in result.output.splitlines()]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


class HelpDirective(SphinxDirective):
    """``.. lrviz-help:: [COMMAND]``: the command's ``--help``, as a console block."""

    optional_arguments = 1

    def run(self) -> list[nodes.Node]:
        args = self.arguments[0].split() if self.arguments else []
        text = f"$ lrviz {' '.join([*args, '--help'])}\n" + help_text(args)
        block = nodes.literal_block(text, text, language="text", classes=["lrviz-help"])
        self.set_source_info(block)
        return [block]


# ------------------------------------------------------------------------------ the schema


def describe(schema: Any) -> str:
    """A JSON Schema fragment as a reader says its type: ``integer 1..50000000``, ``overlay | grid``."""
    if not isinstance(schema, dict) or not schema:
        return "any"
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "enum" in schema:
        return " | ".join(json.dumps(v) if not isinstance(v, str) else v for v in schema["enum"])
    if "const" in schema:
        return json.dumps(schema["const"])
    for combo in ("anyOf", "oneOf", "allOf"):
        if combo in schema:
            parts = [describe(s) for s in schema[combo] if "pattern" not in s or "enum" not in str(schema[combo])]
            unique = list(dict.fromkeys(p for p in parts if p))
            return " or ".join(unique) if combo != "allOf" else " and ".join(unique)
    kind = schema.get("type", "any")
    kinds = kind if isinstance(kind, list) else [kind]
    words = []
    for k in kinds:
        if k == "array" and isinstance(schema.get("items"), dict) and schema["items"]:
            words.append(f"list of {describe(schema['items'])}")
        else:
            words.append(str(k))
    text = " or ".join(words)
    if "minimum" in schema or "maximum" in schema:
        text += f" {schema.get('minimum', '')}..{schema.get('maximum', '')}"
    return text


def _table(title: str, rows: list[tuple[str, str, str]], header: tuple[str, str, str]) -> list[str]:
    lines = [f".. list-table:: {title}", "   :header-rows: 1", "   :widths: 20 30 50", ""]
    for row in [header, *rows]:
        cells = [cell.replace("\n", " ") or "\u2014" for cell in row]
        lines += [f"   * - {cells[0]}", *(f"     - {c}" for c in cells[1:])]
    return [*lines, ""]


def _literal(text: str) -> str:
    return f"``{text}``" if text and "`" not in text else text


def _described(sub: Any, defs: dict[str, Any]) -> str:
    """A key's description, else that of the definition it refers to (``optimizer``: the optimizer block's)."""
    if not isinstance(sub, dict):
        return ""
    if sub.get("description"):
        return str(sub["description"])
    if "$ref" in sub:
        return str(defs.get(sub["$ref"].rsplit("/", 1)[-1], {}).get("description", ""))
    for combo in ("anyOf", "allOf", "oneOf"):
        for part in sub.get(combo, []):
            if text := _described(part, defs):
                return text
    return ""


def _keys(block: dict[str, Any], defs: dict[str, Any] | None = None) -> list[tuple[str, str, str]]:
    required = set(block.get("required", []))
    rows = []
    for key, sub in block.get("properties", {}).items():
        text = _described(sub, defs or {})
        note = " (required)" if key in required and "required" not in text else ""
        rows.append((_literal(key), _literal(describe(sub)), text + note))
    return rows


def schema_rst(schema: dict[str, Any]) -> list[str]:
    """The schema as reStructuredText: the blocks of a config, then every scheduler's parameters."""
    defs = schema["definitions"]
    header = ("key", "type", "what it is")
    out = [*_table("The top level of a config", _keys(schema, defs), header)]
    for name in ("schedule", "optimizer", "metric", "plot", "sweep", "nested_scheduler"):
        block = defs[name]
        rows = _keys(block, defs)
        for variant in block.get("anyOf", []):
            rows += _keys(variant, defs)
        out += [f".. rubric:: ``{name}``", "", str(block.get("description", "")), ""]
        if rows:
            out += _table(f"``{name}`` keys", rows, header)
    out += [".. rubric:: Scheduler parameters", ""]
    for name in sorted(k for k in defs if k.startswith("params.")):
        block = defs[name]
        rows = _keys(block)
        out += [f"``{name.removeprefix('params.')}``", "   " + str(block.get("description", "")), ""]
        if rows:
            out += ["", *("   " + line for line in _table("parameters", rows, ("parameter", "type", "notes")))]
    return out


class SchemaDirective(SphinxDirective):
    """``.. lrviz-schema::``: ``lrviz schema`` rendered as reference tables."""

    def run(self) -> list[nodes.Node]:
        from lrviz.validate.schema import config_schema

        return self.parse_text_to_nodes("\n".join(schema_rst(config_schema())))


# ------------------------------------------------------------------------------ the gallery


class GalleryDirective(SphinxDirective):
    """``.. lrviz-gallery:: FOLDER``: every config of FOLDER drawn by ``.. lrviz::``, as the gallery orders them."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        from lrviz.gallery.entries import find_configs

        _, absolute = self.env.relfn2path(self.arguments[0], self.env.docname)
        folder = Path(absolute).resolve()
        lines: list[str] = []
        group = None
        for rel in find_configs(folder):
            head = rel.rpartition("/")[0] or "."
            if head != group:
                group = head
                lines += [f"``{head}/``", "-" * (len(head) + 5), ""]
            lines += self._entry(folder, rel)
        return self.parse_text_to_nodes("\n".join(lines), allow_section_headings=True)

    def _entry(self, folder: Path, rel: str) -> list[str]:
        from lrviz.errors import TrustError
        from lrviz.registry.frameworks import FrameworkMissing
        from lrviz.sources import load_source

        path = folder / rel
        self.env.note_dependency(str(path))
        where = path.relative_to(REPO).as_posix()
        try:
            title, skipped = load_source(path, trust=bool(self.config.lrviz_trust)).config.title or rel, ""
        except (TrustError, FrameworkMissing) as exc:
            title, skipped = rel, str(exc)
        title = title.replace("*", r"\*").replace("`", r"\`")
        head = [title, "~" * max(len(title), 3), "", f":repo:`{where}`", ""]
        if skipped:
            return [*head, f"Not drawn here: {skipped}", ""]
        return [*head, f".. lrviz:: {self.arguments[0].rstrip('/')}/{rel}", "   :show-config:", ""]


# ------------------------------------------------------------------------------ :repo:


def repo_role(name: str, rawtext: str, text: str, lineno: int, inliner: Any, options: Any = None, content: Any = None):
    """``:repo:`configs/custom/``` : a path of this repository, checked to exist."""
    path = text.strip()
    if not (REPO / path).exists():
        document = inliner.document
        logger.warning("repository path %r does not exist", path, location=(document.current_source, lineno))
    return [nodes.literal(rawtext, path, classes=["repo-path"])], []


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("lrviz-help", HelpDirective)
    app.add_directive("lrviz-schema", SchemaDirective)
    app.add_directive("lrviz-gallery", GalleryDirective)
    app.add_role("repo", repo_role)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
