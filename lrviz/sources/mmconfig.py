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
  Values: literals, lists, tuples, ``{...}`` and ``dict(k=v, ...)``, names bound earlier in
  the file, ``_base_.a.b`` (a base value, as MMEngine's ``_base_`` variable), ``x[0]``,
  ``-x`` and ``+ - * / // % **`` on numbers (``**`` within bounds). Anything else needs
  the Python run to be understood (a call other than ``dict``, an import, a comprehension,
  an f-string, ``if``, ``def``...): refused, naming the line and what it is. ``--trust``
  lets ``mmengine.Config.fromfile`` run such a file instead.
* The file's names are merged over its bases by MMEngine's own ``Config._merge_a_into_b``
  (``_delete_=True`` replaces a base's dict instead of merging into it).

Bounds: 1 MB a file, 64 files, 64 levels of nesting, 100,000 values in all (names used
twice count twice), integers of at most 100 digits.
"""

from __future__ import annotations

import ast
import copy
import operator
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lrviz.errors import ConfigError, describe, first_line
from lrviz.inputs import read_capped

MAX_BYTES = 1_000_000
MAX_FILES = 64
MAX_DEPTH = 64
MAX_VALUES = 100_000
MAX_INT_BITS = 333  # about 100 decimal digits
BASE_KEY = "_base_"
DELETE_KEY = "_delete_"
_BASE_VAR = re.compile(r"\{\{\s*" + BASE_KEY + r"\.([\w\.]+)\s*\}\}")
_ENV_VAR = re.compile(r"\{\{['\"]?\s*\$(\w+)\s*\:\s*(.*?)\s*['\"]?\}\}")
_NUMBER_OPS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
#: What a refused node is, in words (the rest are named by their ast class).
_WORDS = {
    "ListComp": "a list comprehension",
    "DictComp": "a dict comprehension",
    "SetComp": "a set comprehension",
    "GeneratorExp": "a generator expression",
    "JoinedStr": "an f-string",
    "Lambda": "a lambda",
    "IfExp": "a conditional expression",
    "Compare": "a comparison",
    "BoolOp": "an and/or expression",
    "Set": "a set",
    "Starred": "a *unpacking",
    "NamedExpr": "an assignment expression (:=)",
    "Await": "an await",
    "Yield": "a yield",
    "Import": "an import",
    "ImportFrom": "an import",
    "If": "an if statement",
    "For": "a for loop",
    "While": "a while loop",
    "With": "a with block",
    "FunctionDef": "a function definition",
    "AsyncFunctionDef": "a function definition",
    "ClassDef": "a class definition",
    "Try": "a try block",
    "AugAssign": "an augmented assignment (+=)",
    "Delete": "a del statement",
    "Global": "a global statement",
    "Assert": "an assert",
    "Raise": "a raise",
}
NEEDS_RUN = "needs the file run to be understood; lrviz reads MMEngine configs without running them (--trust runs it)"


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
    return _plain(reader.read(file.resolve(), str(path)))


def _plain(value: Any) -> Any:
    """MMEngine's ConfigDicts (from its merge) as plain dicts."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    return value


def _size(value: Any) -> int:
    """Values in ``value``, containers and keys included."""
    total, stack = 0, [value]
    while stack:
        v = stack.pop()
        total += 1
        if isinstance(v, dict):
            total += len(v)
            stack.extend(v.values())
        elif isinstance(v, (list, tuple)):
            stack.extend(v)
    return total


class _Reader:
    """Reads one config tree; ``stack`` holds the files being read (a cycle is one met again)."""

    def __init__(self, root: Path, shown: str):
        self.root = root
        self.shown = shown
        self.stack: list[Path] = []
        self.files = 0
        self.values = 0

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
        names = _Eval(self, shown, base).module(tree)
        if placeholders:
            names = _substitute(names, placeholders, base, shown)
        from mmengine.config import Config

        try:
            merged: dict[str, Any] = Config._merge_a_into_b(names, base)  # MMEngine's own rule, _delete_ included
        except (TypeError, KeyError, ValueError) as exc:
            raise ConfigError(f"MMEngine cannot merge it over its bases: {first_line(exc)}", file=shown) from None
        return {k: v for k, v in merged.items() if not k.startswith("__")}

    def _bases(self, tree: ast.Module, file: Path, shown: str) -> dict[str, Any]:
        node = next((s for s in tree.body if _assigns_base(s)), None)
        if node is None:
            return {}
        assert isinstance(node, ast.Assign)
        listed = _Eval(self, shown, None).value(node.value, 0)
        listed = listed if isinstance(listed, list) else [listed]
        merged: dict[str, Any] = {}
        for entry in listed:
            if not isinstance(entry, str):
                raise ConfigError(f"line {node.lineno}: _base_ names files, got {describe(entry)}", file=shown)
            path = self._base_path(entry, file, shown, node.lineno)
            values = self.read(path, str(path))
            shared = sorted(set(merged) & set(values))
            if shared:
                raise ConfigError(
                    f"line {node.lineno}: the bases both set {', '.join(shared[:5])}; MMEngine refuses duplicate keys "
                    "among bases",
                    file=shown,
                )
            merged.update(values)
        return merged

    def _base_path(self, entry: str, file: Path, shown: str, line: int) -> Path:
        if "::" in entry:
            raise ConfigError(
                f"line {line}: _base_ {entry!r} is a file of the installed package {entry.partition('::')[0]!r}; "
                "lrviz reads only files of this config's tree (give the package's file beside it)",
                file=shown,
            )
        path = (file.parent / entry).resolve()
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


def _assigns_base(stmt: ast.stmt) -> bool:
    """MMEngine's is_base_line: an assignment whose first target is the name ``_base_``."""
    return isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name) and stmt.targets[0].id == BASE_KEY


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


class _Eval:
    """The literal value of each statement; ``base`` is ``_base_`` (None: not available yet)."""

    def __init__(self, reader: _Reader, shown: str, base: dict[str, Any] | None):
        self.reader = reader
        self.shown = shown
        self.base = base
        self.names: dict[str, Any] = {}

    def refuse(self, node: ast.AST, what: str) -> ConfigError:
        return ConfigError(f"line {getattr(node, 'lineno', '?')}: {what}", file=self.shown)

    def module(self, tree: ast.Module) -> dict[str, Any]:
        for i, stmt in enumerate(tree.body):
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
                continue  # a docstring
            if isinstance(stmt, ast.Assign):
                targets, value = stmt.targets, stmt.value
            elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                targets, value = [stmt.target], stmt.value
            else:
                kind = type(stmt).__name__
                what = "a bare expression" if kind == "Expr" else _WORDS.get(kind, f"a {kind} statement")
                hint = " (a lazy-import config, 'with read_base():')" if kind in ("Import", "ImportFrom", "With") else ""
                raise self.refuse(stmt, f"{what}{hint} {NEEDS_RUN}")
            for target in targets:
                if not isinstance(target, ast.Name):
                    raise self.refuse(stmt, f"assigning to {type(target).__name__.lower()} {NEEDS_RUN}")
            if _assigns_base(stmt):
                continue  # MMEngine removes _base_ assignments (RemoveAssignFromAST); the bases are read
            result = self.value(value, 0)
            for target in targets:
                assert isinstance(target, ast.Name)
                self.names[target.id] = result
        return self.names

    def value(self, node: ast.expr, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise self.refuse(node, f"values nested deeper than {MAX_DEPTH} levels; refusing the file")
        result = self._value(node, depth + 1)
        self.reader.values += 1
        if self.reader.values > MAX_VALUES:
            raise self.refuse(node, f"more than {MAX_VALUES:,} values in the config; refusing it")
        return result

    def _value(self, node: ast.expr, depth: int) -> Any:
        if isinstance(node, ast.Constant):
            return self._constant(node)
        if isinstance(node, (ast.List, ast.Tuple)):
            items = [self.value(e, depth) for e in node.elts if not self._starred(e)]
            return items if isinstance(node, ast.List) else tuple(items)
        if isinstance(node, ast.Dict):
            return self._dict(node, depth)
        if isinstance(node, ast.Call):
            return self._call(node, depth)
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.Attribute):
            return self._attribute(node)
        if isinstance(node, ast.Subscript):
            return self._subscript(node, depth)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = self._number(node.operand, depth)
            return -operand if isinstance(node.op, ast.USub) else +operand
        if isinstance(node, ast.BinOp) and type(node.op) in _NUMBER_OPS:
            return self._arithmetic(node, depth)
        kind = type(node).__name__
        raise self.refuse(node, f"{_WORDS.get(kind, f'a {kind} expression')} {NEEDS_RUN}")

    def _starred(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Starred):
            raise self.refuse(node, f"a *unpacking {NEEDS_RUN}")
        return False

    def _constant(self, node: ast.Constant) -> Any:
        v = node.value
        if isinstance(v, int) and not isinstance(v, bool) and v.bit_length() > MAX_INT_BITS:
            raise self.refuse(node, "an integer of more than 100 digits; refusing it")
        if v is None or isinstance(v, (str, int, float, bool)):
            return v
        raise self.refuse(node, f"a {type(v).__name__} literal is not a config value")

    def _dict(self, node: ast.Dict, depth: int) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for k, v in zip(node.keys, node.values, strict=True):
            if k is None:
                raise self.refuse(node, f"a **unpacking {NEEDS_RUN}")
            key = self.value(k, depth)
            if not isinstance(key, (str, int, float, bool)):
                raise self.refuse(k, f"a dict key must be text or a number, got {describe(key)}")
            out[key] = self.value(v, depth)
        return out

    def _call(self, node: ast.Call, depth: int) -> dict[str, Any]:
        func = node.func
        if not (isinstance(func, ast.Name) and func.id == "dict" and "dict" not in self.names):
            called = ast.unparse(func)[:60]
            raise self.refuse(node, f"a call of {called}() {NEEDS_RUN}; only dict(...) is read")
        if node.args:
            raise self.refuse(node, f"dict() with positional arguments {NEEDS_RUN}; write dict(key=value, ...)")
        out: dict[str, Any] = {}
        for kw in node.keywords:
            if kw.arg is None:
                raise self.refuse(node, f"dict(**...) {NEEDS_RUN}")
            out[kw.arg] = self.value(kw.value, depth)
        return out

    def _name(self, node: ast.Name) -> Any:
        if node.id in self.names:
            return self._copy(node, self.names[node.id])
        if node.id == BASE_KEY and self.base is not None:
            return self._copy(node, self.base)
        raise self.refuse(node, f"the name {node.id!r} is not bound earlier in this file ({NEEDS_RUN})")

    def _copy(self, node: ast.AST, value: Any) -> Any:
        self.reader.values += _size(value)
        if self.reader.values > MAX_VALUES:
            raise self.refuse(node, f"more than {MAX_VALUES:,} values in the config; refusing it")
        return copy.deepcopy(value)

    def _attribute(self, node: ast.Attribute) -> Any:
        parts: list[str] = []
        inner: ast.expr = node
        while isinstance(inner, ast.Attribute):
            parts.insert(0, inner.attr)
            inner = inner.value
        if not (isinstance(inner, ast.Name) and inner.id == BASE_KEY and self.base is not None):
            raise self.refuse(node, f"the attribute {ast.unparse(node)[:60]} {NEEDS_RUN}; only _base_.name is read")
        found: Any = self.base
        for part in parts:
            if not isinstance(found, dict) or part not in found:
                raise self.refuse(node, f"_base_.{'.'.join(parts)}: the bases hold no {part!r}")
            found = found[part]
        return self._copy(node, found)

    def _subscript(self, node: ast.Subscript, depth: int) -> Any:
        container = self.value(node.value, depth)
        index = self.value(node.slice, depth)
        try:
            return container[index]
        except (KeyError, IndexError, TypeError) as exc:
            raise self.refuse(node, f"{ast.unparse(node)[:60]}: {type(exc).__name__} {exc}") from None

    def _number(self, node: ast.expr, depth: int) -> Any:
        v = self.value(node, depth)
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise self.refuse(node, f"arithmetic on {describe(v)} {NEEDS_RUN}; lrviz computes with numbers only")
        return v

    def _arithmetic(self, node: ast.BinOp, depth: int) -> Any:
        left, right = self._number(node.left, depth), self._number(node.right, depth)
        if isinstance(node.op, ast.Pow) and (abs(right) > 64 or abs(left) > 2**32):
            raise self.refuse(node, "a power beyond lrviz's bounds (exponent <= 64, base <= 2**32); write the value")
        try:
            result = _NUMBER_OPS[type(node.op)](left, right)
        except (ZeroDivisionError, OverflowError) as exc:
            raise self.refuse(node, f"{ast.unparse(node)[:60]}: {exc}") from None
        if isinstance(result, complex):
            raise self.refuse(node, "a complex number is not a config value")
        if isinstance(result, int) and result.bit_length() > MAX_INT_BITS:
            raise self.refuse(node, "an integer of more than 100 digits; refusing it")
        return result
