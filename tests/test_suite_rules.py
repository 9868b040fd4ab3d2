"""Rules for the tests themselves, checked by reading their source.

No assertion inside a loop without a check that the loop ran: a loop over an empty
collection asserts nothing and passes. A loop that asserts must iterate over something
visibly non-empty (a literal, ``range`` of constants, a module constant holding one,
``zip(..., strict=True)`` with such an argument), or be preceded in its function by an
``assert`` that mentions what it iterates (``assert len(rows) == 24``), or be followed
by an ``assert`` on something the loop collects or counts (``ran.append(x)`` ... ``assert ran == ...``).
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _is_assertion(node: ast.AST) -> bool:
    if isinstance(node, ast.Assert):
        return True
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr.startswith("assert")


def _literal_nonempty(node: ast.AST, constants: dict[str, ast.AST]) -> bool:
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return bool(node.elts)
    if isinstance(node, ast.Dict):
        return bool(node.keys)
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (str, bytes)) and bool(node.value)
    if isinstance(node, ast.Name) and node.id in constants:
        return _literal_nonempty(constants[node.id], {})
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        name, args = node.func.id, node.args
        if name == "range" and args and all(isinstance(a, ast.Constant) and isinstance(a.value, int) for a in args):
            return len(range(*(a.value for a in args))) > 0
        if name in ("enumerate", "sorted", "list", "tuple", "reversed") and args:
            return _literal_nonempty(args[0], constants)
        if name == "zip" and any(k.arg == "strict" and getattr(k.value, "value", None) is True for k in node.keywords):
            return any(_literal_nonempty(a, constants) for a in args)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("items", "keys", "values")
    ):
        return _literal_nonempty(node.func.value, constants)
    return False


def _iterated_texts(node: ast.AST) -> list[str]:
    """The expressions an earlier assert may mention to show the loop runs."""
    texts = [ast.unparse(node)]
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("enumerate", "sorted", "list", "tuple", "reversed")
        and node.args
    ):
        texts += _iterated_texts(node.args[0])
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "zip":
        if any(k.arg == "strict" and getattr(k.value, "value", None) is True for k in node.keywords):
            for arg in node.args:
                texts += _iterated_texts(arg)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("items", "keys", "values")
    ):
        texts += _iterated_texts(node.func.value)
    return texts


def _collected_names(loop: ast.For) -> set[str]:
    """Names the loop body appends to, adds to, counts up or assigns into."""
    names = set()
    for node in ast.walk(loop):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
        ):
            if node.func.attr in ("append", "add", "extend", "update"):
                names.add(node.func.value.id)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
                    names.add(target.value.id)
    return names


def unproven_loops(source: str, filename: str = "<test>") -> list[str]:
    """``file:line`` of every loop that asserts without a check that it ran."""
    tree = ast.parse(source)
    constants = {
        t.id: node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        for t in node.targets
        if isinstance(t, ast.Name)
    }
    found = []
    for func in ast.walk(tree):
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        asserts = [n for n in ast.walk(func) if isinstance(n, ast.Assert)]
        for loop in ast.walk(func):
            if not isinstance(loop, (ast.For, ast.AsyncFor)) or not any(_is_assertion(n) for n in ast.walk(loop)):
                continue
            if _literal_nonempty(loop.iter, constants):
                continue
            loop_end = loop.end_lineno or loop.lineno
            before = [ast.unparse(a) for a in asserts if a.lineno < loop.lineno]
            if any(text in a for a in before for text in _iterated_texts(loop.iter)):
                continue
            after = [a for a in asserts if a.lineno > loop_end]
            collected = _collected_names(loop)
            if any(isinstance(n, ast.Name) and n.id in collected for a in after for n in ast.walk(a)):
                continue
            found.append(f"{filename}:{loop.lineno}: for ... in {ast.unparse(loop.iter)}")
    return found


def test_no_assertion_in_a_loop_that_may_not_run():
    files = sorted(TESTS.rglob("*.py"))
    assert len(files) >= 20
    found = []
    for path in files:
        found += unproven_loops(path.read_text(encoding="utf-8"), str(path.relative_to(TESTS.parent)))
    assert not found, "loops that assert but may run zero times (check they ran):\n" + "\n".join(found)


def test_the_loop_rule_sees_a_loop_that_may_not_run():
    """Controls: what the rule refuses and what it accepts."""
    refused = textwrap.dedent("""
        def test_a(rows):
            for r in rows:
                assert r
        def test_b(result):
            for x, y in zip(result.a, result.b):
                assert x == y
        def test_c(result):
            assert len(result.a) == 2
            for x in result.b:
                assert x
    """)
    assert [line.split(":")[1] for line in unproven_loops(refused)] == ["3", "6", "10"]
    accepted = textwrap.dedent("""
        NAMES = ("a", "b")
        def test_literal():
            for x in (1, 2):
                assert x
            for x in range(3):
                assert x >= 0
            for name in NAMES:
                assert name
            for x, y in zip(rows(), (1, 2), strict=True):
                assert x == y
        def test_checked_before(rows):
            assert len(rows) == 24
            for r in rows:
                assert r
        def test_counted_after(rows):
            ran = []
            for r in rows:
                assert r
                ran.append(r)
            assert len(ran) == 24
    """)
    assert unproven_loops(accepted) == []
