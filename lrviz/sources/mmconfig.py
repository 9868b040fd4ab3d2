"""MMEngine / OpenMMLab Python configs read as data: the file's literal structure and its ``_base_`` files.

An OpenMMLab config (``configs/faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py``) is Python
that MMEngine's ``Config.fromfile`` runs. lrviz does not run it: it parses the text with
:mod:`ast` and accepts only the literal structure such a file is made of, following the
steps of ``Config._file2dict`` (mmengine 0.10):

* ``{{ _base_.xxx }}`` in the text becomes a placeholder first (``_pre_substitute_base_vars``),
  replaced by the base's value after reading; ``{{ fileDirname }}`` and the other
  predefined names are the file's own (``_substitute_predefined_vars``). ``{{ $ENV:default }}``
  reads the environment: refused, with the line.
* ``_base_ = '../_base_/schedules/schedule_1x.py'`` (or a list): each base is read the same
  way, relative to the file; keys two bases share are refused (MMEngine raises). A base
  outside the config tree (the nearest folder called ``configs`` above the file, else the
  file's own folder), missing, or already being read (a cycle) is refused with its path; a
  ``package::path`` base needs that package installed: refused.
* The statements: assignments of names (``x = ...``, ``x: T = ...``) and a docstring.
  Values (:mod:`lrviz.sources.mmliteral`): literals, lists, tuples, ``{...}`` and
  ``dict(k=v, **other)``, names bound earlier in the file, ``_base_.a.b`` (a base value, as
  MMEngine's ``_base_`` variable), ``x[0]``, ``-x``, ``+ - * / // % **`` on numbers (``**``
  within bounds), ``+`` and ``*`` on text, lists and tuples. Anything else needs the Python
  run to be understood (a call other than ``dict``, an import, a comprehension, an f-string,
  ``if``, ``def``...): refused, naming the line and what it is. ``--trust`` lets
  ``mmengine.Config.fromfile`` run such a file instead.
* A lazy-import config (``with read_base():``, classes named by import) is read by
  :mod:`lrviz.sources.mmlazy`, its imports never made.
* The file's names are merged over its bases by MMEngine's own ``Config._merge_a_into_b``
  (``_delete_=True`` replaces a base's dict instead of merging into it).

Bounds: 1 MB a file, 64 files, 64 levels of nesting, 100,000 values in all (names used
twice count twice), integers of at most 100 digits.
"""

from __future__ import annotations

import ast
import copy
import importlib
import re
from pathlib import Path
from typing import Any

from lrviz.errors import ConfigError, describe, first_line
from lrviz.inputs import read_capped
from lrviz.sources.mmlazy import LazyEval, is_lazy
from lrviz.sources.mmliteral import BASE_KEY, Budget, Eval, assigns_base

MAX_BYTES = 1_000_000
MAX_FILES = 64
DELETE_KEY = "_delete_"
_BASE_VAR = re.compile(r"\{\{\s*" + BASE_KEY + r"\.([\w\.]+)\s*\}\}")
_ENV_VAR = re.compile(r"\{\{['\"]?\s*\$(\w+)\s*\:\s*(.*?)\s*['\"]?\}\}")


def tree_root(file: Path) -> Path:
    """The folder every ``_base_`` must stay in: the nearest ``configs`` folder above the file, else its own."""
    folder = file.resolve().parent
    for parent in (folder, *folder.parents):
        if parent.name == "configs":
            return parent
    return folder


def read_config(path: str | Path) -> dict[str, Any]:
    """The config's names, its bases merged in (plain dicts, lists and tuples)."""
    file = Path(path)
    reader = _Reader(tree_root(file), shown=str(path))
    names: dict[str, Any] = _plain(reader.read(file.resolve(), str(path)))
    return names


def _plain(value: Any) -> Any:
    """MMEngine's ConfigDicts (from its merge) as plain dicts."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, str):
        return str(value)  # a lazy import's dotted path (mmlazy.LazyRef) as plain text
    return value


class _Reader(Budget):
    """Reads one config tree; ``stack`` holds the files being read (a cycle is one met again)."""

    def __init__(self, root: Path, shown: str):
        self.root = root
        self.shown = shown
        self.stack: list[Path] = []
        self.files = 0
        self.lazy: set[Path] = set()  # the lazy-import files read (mmlazy)
        self.imported: dict[Path, set[str]] = {}  # their imported names, left out of the config

    def read(self, file: Path, shown: str) -> dict[str, Any]:
        self.files += 1
        if self.files > MAX_FILES:
            raise ConfigError(f"more than {MAX_FILES} _base_ files in one config; refusing it", file=shown)
        self.stack.append(file)
        try:
            return self._read(file, shown)
        finally:
            self.stack.pop()

    def _read(self, file: Path, shown: str) -> dict[str, Any]:
        text = _text(file, shown)
        try:
            tree = _parse(text, shown)
        except ConfigError:
            tree = None  # '{{ $ENV:x }}' and the like are text until substituted: the classic path says what
        if tree is not None and is_lazy(
            tree
        ):  # MMEngine reads these without its text substitutions (Config._parse_lazy_import)
            self.lazy.add(file)
            names, self.imported[file] = LazyEval(self, shown, file, self._lazy_base).result(tree)
            return names
        text = _predefined(text, file)
        env = _ENV_VAR.search(text)
        if env:
            line = text.count("\n", 0, env.start()) + 1
            raise ConfigError(
                f"line {line}: {{{{${env.group(1)}:...}}}} reads the environment variable {env.group(1)}; lrviz reads "
                "a config as its text says: write the value",
                file=shown,
            )
        placeholders: dict[str, str] = {}
        for var in sorted(set(_BASE_VAR.findall(text))):
            holder = f"_{var}_lrviz"
            placeholders[holder] = var
            text = re.sub(r"\{\{\s*" + BASE_KEY + r"\." + re.escape(var) + r"\s*\}\}", f'"{holder}"', text)
        tree = _parse(text, shown)
        base = self._bases(tree, file, shown)
        names = Eval(self, shown, base).module(tree)
        if placeholders:
            names = _substitute(names, placeholders, base, shown)
        config = importlib.import_module("mmengine.config").Config  # typed Any: mmengine ships no hints
        try:
            merged: dict[str, Any] = config._merge_a_into_b(names, base)  # MMEngine's own rule, _delete_ included
        except (TypeError, KeyError, ValueError) as exc:
            raise ConfigError(f"MMEngine cannot merge it over its bases: {first_line(exc)}", file=shown) from None
        return {k: v for k, v in merged.items() if not k.startswith("__")}

    def _bases(self, tree: ast.Module, file: Path, shown: str) -> dict[str, Any]:
        node = next((s for s in tree.body if assigns_base(s)), None)
        if node is None:
            return {}
        assert isinstance(node, ast.Assign)
        listed = Eval(self, shown, None).value(node.value, 0)
        listed = listed if isinstance(listed, list) else [listed]
        merged: dict[str, Any] = {}
        for entry in listed:
            if not isinstance(entry, str):
                raise ConfigError(f"line {node.lineno}: _base_ names files, got {describe(entry)}", file=shown)
            path = self._base_path(entry, file, shown, node.lineno)
            values = self.read(path, str(path))
            self._same_style(path, lazy=False, shown=shown, line=node.lineno)
            shared = sorted(set(merged) & set(values))
            if shared:
                raise ConfigError(
                    f"line {node.lineno}: the bases both set {', '.join(shared[:5])}; MMEngine refuses duplicate keys "
                    "among bases",
                    file=shown,
                )
            merged.update(values)
        return merged

    def _lazy_base(self, path: Path, entry: str, line: int) -> tuple[dict[str, Any], set[str]]:
        """A base of a lazy-import config (``from .x import *`` inside ``with read_base():``)."""
        shown = str(self.stack[-1])
        path = self._checked(path.resolve(), entry, shown, line)
        names = self.read(path, str(path))
        self._same_style(path, lazy=True, shown=shown, line=line)
        return names, self.imported.get(path, set())

    def _same_style(self, path: Path, *, lazy: bool, shown: str, line: int) -> None:
        if (path in self.lazy) != lazy:
            raise ConfigError(
                f"line {line}: the base {path.name} is {'not ' if lazy else ''}a lazy-import config and this file is "
                f"{'' if lazy else 'not'}; MMEngine requires one style in an inheritance chain",
                file=shown,
            )

    def _base_path(self, entry: str, file: Path, shown: str, line: int) -> Path:
        if "::" in entry:
            raise ConfigError(
                f"line {line}: _base_ {entry!r} is a file of the installed package {entry.partition('::')[0]!r}; "
                "lrviz reads only files of this config's tree (give the package's file beside it)",
                file=shown,
            )
        return self._checked((file.parent / entry).resolve(), entry, shown, line)

    def _checked(self, path: Path, entry: str, shown: str, line: int) -> Path:
        """``path`` (resolved), if it is a Python file inside the tree and not being read already."""
        if path != self.root and self.root not in path.parents:
            raise ConfigError(
                f"line {line}: _base_ {entry!r} is {path}, outside the config tree {self.root} (the nearest folder "
                "called 'configs' above the file, else its own folder); lrviz reads no file outside it",
                file=shown,
            )
        if path.suffix != ".py":
            raise ConfigError(f"line {line}: _base_ {entry!r}: lrviz reads Python bases (.py) only", file=shown)
        if path in self.stack:
            chain = " -> ".join(p.name for p in [*self.stack[self.stack.index(path) :], path])
            raise ConfigError(f"line {line}: _base_ {entry!r} is a cycle ({chain})", file=shown)
        if not path.is_file():
            raise ConfigError(f"line {line}: _base_ {entry!r}: no such file {path}", file=shown)
        return path


def _text(file: Path, shown: str) -> str:
    data = read_capped(file, limit=MAX_BYTES, display=shown, what="an MMEngine config file", error=ConfigError)
    if b"\x00" in data:
        raise ConfigError("the file contains NUL bytes; expected a Python config", file=shown)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"the file is not UTF-8 text (bad byte at offset {exc.start})", file=shown) from None


def _predefined(text: str, file: Path) -> str:
    """MMEngine's _substitute_predefined_vars: the file's folder and name, as text."""
    values = {
        "fileDirname": str(file.parent),
        "fileBasename": file.name,
        "fileBasenameNoExtension": file.stem,
        "fileExtname": file.suffix,
    }
    for key, value in values.items():
        text = re.sub(r"\{\{\s*" + key + r"\s*\}\}", value.replace("\\", "/"), text)
    return text


def _parse(text: str, shown: str) -> ast.Module:
    try:
        return ast.parse(text, filename=shown)
    except SyntaxError as exc:
        raise ConfigError(f"line {exc.lineno}: not valid Python: {exc.msg}", file=shown) from None
    except (RecursionError, MemoryError, ValueError) as exc:
        raise ConfigError(f"not a config lrviz can read: {type(exc).__name__} while parsing", file=shown) from None


def _substitute(value: Any, holders: dict[str, str], base: dict[str, Any], shown: str) -> Any:
    """MMEngine's _substitute_base_vars: a placeholder string becomes the base's value."""
    if isinstance(value, str) and value in holders:
        found: Any = base
        for part in holders[value].split("."):
            if not isinstance(found, dict) or part not in found:
                raise ConfigError(f"{{{{_base_.{holders[value]}}}}}: the bases hold no {part!r}", file=shown)
            found = found[part]
        return copy.deepcopy(found)
    if isinstance(value, dict):
        return {k: _substitute(v, holders, base, shown) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, holders, base, shown) for v in value]
    if isinstance(value, tuple):
        return tuple(_substitute(v, holders, base, shown) for v in value)
    return value
