"""The literal value of an MMEngine config's statements, read from its :mod:`ast` without running it.

What is accepted and refused is listed in :mod:`lrviz.sources.mmconfig`; every refusal
names the line and what needs the file run (``--trust``). A :class:`Budget` counts the
values of one config tree (its ``_base_`` files too), a name used twice counting twice, so
a few lines of names cannot grow into millions of values.
"""

from __future__ import annotations

import ast
import copy
import operator
from collections.abc import Callable
from typing import Any

from lrviz.errors import ConfigError, describe

MAX_DEPTH = 64
MAX_VALUES = 100_000
MAX_INT_BITS = 333  # about 100 decimal digits
BASE_KEY = "_base_"
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


class Budget:
    """The values read so far in one config tree."""

    values = 0


def assigns_base(stmt: ast.stmt) -> bool:
    """MMEngine's is_base_line: an assignment whose first target is the name ``_base_``."""
    return isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name) and stmt.targets[0].id == BASE_KEY


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


class Eval:
    """The literal value of each statement; ``base`` is ``_base_`` (None: not available yet)."""

    def __init__(self, reader: Budget, shown: str, base: dict[str, Any] | None):
        self.reader = reader
        self.shown = shown
        self.base = base
        self.names: dict[str, Any] = {}

    def refuse(self, node: ast.AST, what: str) -> ConfigError:
        return ConfigError(f"line {getattr(node, 'lineno', '?')}: {what}", file=self.shown)

    def module(self, tree: ast.Module) -> dict[str, Any]:
        for stmt in tree.body:
            if (
                isinstance(stmt, ast.Expr)
                and isinstance(stmt.value, ast.Constant)
                and isinstance(stmt.value.value, str)
            ):
                continue  # a docstring
            if isinstance(stmt, ast.Assign):
                targets, value = stmt.targets, stmt.value
            elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                targets, value = [stmt.target], stmt.value
            else:
                self.statement(stmt)
                continue
            for target in targets:
                if not isinstance(target, ast.Name):
                    raise self.refuse(stmt, f"assigning to {type(target).__name__.lower()} {NEEDS_RUN}")
            if assigns_base(stmt):
                continue  # MMEngine removes _base_ assignments (RemoveAssignFromAST); the bases are read
            result = self.value(value, 0)
            for target in targets:
                assert isinstance(target, ast.Name)
                self.names[target.id] = result
        return self.names

    def statement(self, stmt: ast.stmt) -> None:
        """A statement that assigns no name: refused here (a lazy-import config takes a few more)."""
        kind = type(stmt).__name__
        what = "a bare expression" if kind == "Expr" else _WORDS.get(kind, f"a {kind} statement")
        raise self.refuse(stmt, f"{what} {NEEDS_RUN}")

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
            if k is None:  # {**base, 'k': v}: the later key wins, as in Python
                out.update(self._unpacked(v, depth))
                continue
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
            given = self._unpacked(kw.value, depth) if kw.arg is None else {kw.arg: self.value(kw.value, depth)}
            twice = sorted(str(k) for k in set(given) & set(out))
            if twice:  # Python's dict() refuses a keyword given twice
                raise self.refuse(node, f"dict() got {twice[0]!r} twice (Python raises TypeError)")
            out.update(given)
        return out

    def _unpacked(self, node: ast.expr, depth: int) -> dict[Any, Any]:
        """``**value``: a dict read so far (``dict(type='Normalize', **img_norm_cfg)``)."""
        value = self.value(node, depth)
        if not isinstance(value, dict):
            raise self.refuse(node, f"**{ast.unparse(node)[:40]} unpacks {describe(value)}, not a dict")
        return dict(value)

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
        return self._checked_number(node, self.value(node, depth))

    def _checked_number(self, node: ast.expr, v: Any) -> Any:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise self.refuse(node, f"arithmetic on {describe(v)} {NEEDS_RUN}; lrviz computes with numbers only")
        return v

    def _arithmetic(self, node: ast.BinOp, depth: int) -> Any:
        left, right = self.value(node.left, depth), self.value(node.right, depth)
        if isinstance(left, (str, list, tuple)) or isinstance(right, (str, list, tuple)):
            return self._sequence(node, left, right)
        left, right = self._checked_number(node.left, left), self._checked_number(node.right, right)
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

    def _sequence(self, node: ast.BinOp, left: Any, right: Any) -> Any:
        """``data_root + 'train2017/'``, ``[a] + [b]``, ``[0.5] * 3``: Python's own operator, its size counted first."""
        op = node.op
        same = type(left) is type(right)
        repeat = isinstance(op, ast.Mult) and (
            (isinstance(right, int) and not isinstance(right, bool))
            or (isinstance(left, int) and not isinstance(left, bool))
        )
        if not ((isinstance(op, ast.Add) and same) or repeat):
            raise self.refuse(node, f"{ast.unparse(node)[:60]}: {describe(left)} and {describe(right)} {NEEDS_RUN}")
        sizes = [
            len(v) if isinstance(v, str) else _size(v) if isinstance(v, (list, tuple)) else max(v, 0)
            for v in (left, right)
        ]
        size = sizes[0] + sizes[1] if isinstance(op, ast.Add) else sizes[0] * sizes[1]
        self.reader.values += size
        if size > MAX_VALUES or self.reader.values > MAX_VALUES:
            raise self.refuse(node, f"more than {MAX_VALUES:,} values in the config; refusing it")
        return copy.deepcopy(left + right if isinstance(op, ast.Add) else left * right)
