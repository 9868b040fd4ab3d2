"""MMEngine's lazy-import configs (``with read_base():``), read without running them.

A newer OpenMMLab config inherits by import and names classes by import::

    from mmengine.config import read_base
    with read_base():
        from .._base_.schedules.schedule_1x import *
    from mmengine.optim.scheduler.lr_scheduler import LinearLR
    train_cfg.update(dict(max_epochs=24))
    param_scheduler = [dict(type=LinearLR, by_epoch=False, begin=0, end=500), ...]

MMEngine (``Config._parse_lazy_import``, ``ImportTransformer``) runs it with every import of a
package turned into a ``LazyObject`` that is never imported while reading, and shows it in
``Config.to_dict()`` as its dotted path (``'mmengine.optim.scheduler.lr_scheduler.LinearLR'``).
lrviz reads it the same way, as data:

* ``from mmengine.config import read_base`` and a ``with read_base():`` block of relative
  ``from .x import *`` / ``import a, b as c``: the base file's names (read the same way,
  inside the config tree), as MMEngine's ConfigDicts, shared, not merged;
* ``from package.module import Name`` / ``import package``: :class:`LazyRef`, the dotted path
  (attributes extend it); nothing is imported. A standard-library module (MMEngine imports
  those for real) and any other ``mmengine.config`` name are refused;
* ``x.update(...)`` (also ``x[1].update``, ``x.key.update``), ``x.append(...)``, ``x.extend(...)``: the
  object's own method (a base's ConfigDict merges nested dicts, a dict written here replaces them,
  as in MMEngine);
* the names of the result: every name but imported ones and ``__*``.
"""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lrviz.sources.mmliteral import NEEDS_RUN, Budget, Eval


class LazyRef(str):
    """An imported name, never imported: its dotted path (what ``Config.to_dict`` shows)."""


def is_lazy(tree: ast.Module) -> bool:
    """MMEngine's ``Config._is_lazy_import``: a ``with``, a relative import or a package import before any
    ``_base_ =``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) and node.targets[0].id == "_base_":
            return False
        if isinstance(node, ast.With):
            return True
        if isinstance(node, ast.ImportFrom):
            if node.level:
                return True
            if node.module == "mmengine" and [a.name for a in node.names] == ["Config"]:
                continue
            if isinstance(node.module, str) and not _builtin(node.module):
                return True
        if isinstance(node, ast.Import) and any(not _builtin(a.name) for a in node.names):
            return True
    return False


def _builtin(module: str) -> bool:
    """What MMEngine imports for real rather than lazily (its ``_is_builtin_module``): the standard library
    and ``mmengine.config``."""
    top = module.split(".")[0]
    return module.startswith("mmengine.config") or top in sys.stdlib_module_names or top in sys.builtin_module_names


class LazyEval(Eval):
    """:class:`Eval` with the statements and names of a lazy-import config."""

    def __init__(
        self,
        reader: Budget,
        shown: str,
        file: Path,
        read_base: Callable[[Path, str, int], tuple[dict[str, Any], set[str]]],
    ):
        super().__init__(reader, shown, None)
        self.file = file
        self.read_base = read_base  # (path, shown, line) -> (the base's names, its imported names)
        self.imported: set[str] = set()

    def result(self, tree: ast.Module) -> tuple[dict[str, Any], set[str]]:
        names = self.module(tree)
        return {k: v for k, v in names.items() if not k.startswith("__") and k not in self.imported}, self.imported

    def statement(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.With):
            self._with(stmt)
        elif isinstance(stmt, ast.ImportFrom):
            self._import_from(stmt)
        elif isinstance(stmt, ast.Import):
            for alias in stmt.names:
                self._lazy(stmt, alias.name)
                name = alias.asname or alias.name.split(".")[0]
                self.names[name] = LazyRef(alias.name if alias.asname else name)
                self.imported.add(name)
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and _is_update(stmt.value):
            self._update(stmt.value)
        else:
            super().statement(stmt)

    def _lazy(self, stmt: ast.stmt, module: str) -> None:
        if _builtin(module):
            raise self.refuse(stmt, f"importing {module!r}, which MMEngine really imports, {NEEDS_RUN}")

    def _with(self, stmt: ast.With) -> None:
        call = stmt.items[0].context_expr if len(stmt.items) == 1 else None
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "read_base"):
            raise self.refuse(stmt, f"a with block other than 'with read_base():' {NEEDS_RUN}")
        for inner in stmt.body:
            if not isinstance(inner, ast.ImportFrom) or not inner.level:
                raise self.refuse(inner, "inside 'with read_base():' only relative imports of base files are read")
            parts = [".."] * (inner.level - 1) + (inner.module or "").split(".")
            path = (self.file.parent.joinpath(*parts)).with_suffix(".py")
            base, imported = self.read_base(path, f"{'.' * inner.level}{inner.module or ''}", inner.lineno)
            config = importlib.import_module("mmengine.config").Config
            shared = config._dict_to_config_dict_lazy(base)  # MMEngine's own conversion of a base's names
            self.imported |= imported
            for alias in inner.names:
                if alias.name == "*":
                    self.names.update(shared)
                elif alias.name not in shared:
                    raise self.refuse(inner, f"the base {inner.module!r} has no {alias.name!r}")
                else:
                    self.names[alias.asname or alias.name] = shared[alias.name]

    def _import_from(self, stmt: ast.ImportFrom) -> None:
        module = stmt.module or ""
        if stmt.level:
            raise self.refuse(stmt, "a relative import outside 'with read_base():' (MMEngine reads bases inside it)")
        if module == "mmengine.config" and all(a.name == "read_base" for a in stmt.names):
            self.imported.add("read_base")
            return
        self._lazy(stmt, module)
        for alias in stmt.names:
            if alias.name == "*":
                raise self.refuse(stmt, f"'from {module} import *' outside 'with read_base():': MMEngine refuses it")
            name = alias.asname or alias.name
            self.names[name] = LazyRef(f"{module}.{alias.name}")
            self.imported.add(name)

    def _ref(self, node: ast.expr) -> Any:
        """The object ``node`` names (not a copy): what ``.update`` changes."""
        if isinstance(node, ast.Name) and node.id in self.names:
            return self.names[node.id]
        if isinstance(node, ast.Subscript):
            container, index = self._ref(node.value), self.value(node.slice, 0)
            try:
                return container[index]
            except (KeyError, IndexError, TypeError):
                pass
        if isinstance(node, ast.Attribute):
            owner = self._ref(node.value)
            if _is_config_dict(owner) and node.attr in owner:
                return owner[node.attr]
        raise self.refuse(node, f"{ast.unparse(node)[:60]} names no value read so far")

    def _update(self, call: ast.Call) -> None:
        assert isinstance(call.func, ast.Attribute)
        method = call.func.attr
        target = self._ref(call.func.value)
        if not isinstance(target, MUTATORS[method]):
            kind = MUTATORS[method].__name__
            raise self.refuse(call, f"{ast.unparse(call.func.value)[:60]} is no {kind}: .{method} {NEEDS_RUN}")
        if any(k.arg is None for k in call.keywords) or any(isinstance(a, ast.Starred) for a in call.args):
            raise self.refuse(call, f".{method}(**...) {NEEDS_RUN}")
        args = [self.value(a, 0) for a in call.args]
        kwargs = {k.arg: self.value(k.value, 0) for k in call.keywords if k.arg is not None}
        try:
            getattr(target, method)(*args, **kwargs)  # the object's own method: ConfigDict's update merges
        except (TypeError, ValueError) as exc:
            raise self.refuse(call, f".{method}: {exc}") from None

    def _name(self, node: ast.Name) -> Any:
        value = self.names.get(node.id)
        return value if isinstance(value, LazyRef) else super()._name(node)

    def _attribute(self, node: ast.Attribute) -> Any:
        owner = self.value(node.value, 0)
        if isinstance(owner, LazyRef):
            return LazyRef(f"{owner}.{node.attr}")
        if _is_config_dict(owner) and node.attr in owner:
            return self._copy(node, owner[node.attr])
        raise self.refuse(node, f"the attribute {ast.unparse(node)[:60]} {NEEDS_RUN}")


#: The methods a lazy-import config calls to change a base's value, and the type each belongs to.
MUTATORS: dict[str, type] = {"update": dict, "append": list, "extend": list}


def _is_update(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MUTATORS


def _is_config_dict(value: Any) -> bool:
    return type(value).__name__ == "ConfigDict" and isinstance(value, dict)
