"""Safe arithmetic expressions for ``lr_lambda`` and metric ``expr``.

A config is data, not code: ``lr_lambda: "0.1 ** (epoch // 2)"`` must be evaluated
without ever giving the author of the config a way to run Python. We parse the text
with :mod:`ast`, accept only a short whitelist of node types (numbers, the variable,
arithmetic, comparisons, ``x if c else y`` and calls of documented math functions) and
then compile the checked tree, so evaluation runs at the speed of a Python lambda.

What makes this safe rather than merely restricted:

* no attribute access, subscripts, strings, lambdas, comprehensions or keywords
  exist in the accepted grammar, so there is no path to dunders or builtins;
* ``**`` is rewritten into a call of :func:`_safe_pow`, which refuses results that
  would be huge (``10 ** 10 ** 10`` fails at once instead of eating memory);
* the source length and the tree depth are bounded before anything is compiled.
"""

from __future__ import annotations

import ast
import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from types import CodeType
from typing import Any, NoReturn

from lrviz.errors import ConfigError, SimulationError

MAX_LENGTH = 500
MAX_DEPTH = 32
MAX_INT_BITS = 4096

#: Functions and constants an expression may use (documented in the README).
FUNCTIONS: dict[str, Callable[..., float]] = {
    "cos": math.cos,
    "sin": math.sin,
    "tan": math.tan,
    "exp": math.exp,
    "log": math.log,
    "sqrt": math.sqrt,
    "floor": math.floor,
    "ceil": math.ceil,
    "min": min,
    "max": max,
    "abs": abs,
}
CONSTANTS: dict[str, float] = {"pi": math.pi}
#: Names refused with a pointer rather than a plain "not allowed": ``0.95 ** e`` reads as
#: Euler's number to Python but was meant as the epoch, a silently wrong schedule.
MISREAD = {"e": "write epoch for the scheduler's epoch counter (Euler's number is exp(1))"}
#: Names bound to the single argument (the scheduler's epoch / step counter).
VARIABLES = ("epoch", "step", "x")

_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)
_UNARY = (ast.UAdd, ast.USub, ast.Not)
_CMPOPS = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE)


def _safe_pow(base: Any, exponent: Any) -> Any:
    """``base ** exponent`` that refuses to build astronomically large numbers."""
    if isinstance(base, int) and isinstance(exponent, int) and not isinstance(base, bool):
        if exponent > 0 and abs(base) > 1 and exponent * max(abs(base).bit_length(), 1) > MAX_INT_BITS:
            raise OverflowError("result too large")
    result = base**exponent
    if isinstance(result, complex):
        raise ValueError("math domain error (negative number to a fractional power)")
    return result


def _check_int(value: Any) -> Any:
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise OverflowError("result too large")
    return value


class _Checker(ast.NodeTransformer):
    def __init__(self, key: str, text: str, variables: tuple[str, ...]):
        self.key = key
        self.text = text
        self.variables = variables
        self.depth = 0

    def fail(self, what: str) -> NoReturn:
        allowed = (
            f"numbers, the variable {' / '.join(self.variables)}, + - * / // % **, comparisons, "
            f"'a if cond else b', and {', '.join(list(FUNCTIONS) + list(CONSTANTS))}"
        )
        raise ConfigError(f"{what} is not allowed in an expression ({self.text!r}); allowed: {allowed}", key=self.key)

    def visit(self, node: ast.AST) -> Any:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ConfigError(f"expression is nested too deeply (more than {MAX_DEPTH} levels)", key=self.key)
        try:
            return self._visit(node)
        finally:
            self.depth -= 1

    def _visit(self, node: ast.AST) -> ast.AST:
        if isinstance(node, ast.Expression):
            return ast.Expression(body=self.visit(node.body))
        if isinstance(node, ast.Constant):
            if type(node.value) not in (int, float):
                self.fail(f"the constant {node.value!r}")
            return node
        if isinstance(node, ast.Name):
            if node.id in self.variables or node.id in CONSTANTS:
                return node
            if node.id in FUNCTIONS:
                self.fail(f"the function {node.id!r} without a call")
            if node.id in MISREAD and node.id not in self.variables:
                raise ConfigError(
                    f"the name {node.id!r} is not allowed in an expression ({self.text!r}): {MISREAD[node.id]}",
                    key=self.key,
                )
            self.fail(f"the name {node.id!r}")
        if isinstance(node, ast.BinOp):
            if not isinstance(node.op, _BINOPS):
                self.fail(f"the operator {type(node.op).__name__}")
            left, right = self.visit(node.left), self.visit(node.right)
            if isinstance(node.op, ast.Pow):
                call = ast.Call(func=ast.Name(id="_pow", ctx=ast.Load()), args=[left, right], keywords=[])
                return ast.copy_location(call, node)
            new: ast.expr = ast.BinOp(left=left, op=node.op, right=right)
            if isinstance(node.op, ast.Mult):  # int * int can still grow: bound it
                new = ast.Call(func=ast.Name(id="_int", ctx=ast.Load()), args=[new], keywords=[])
            return ast.copy_location(new, node)
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, _UNARY):
                self.fail(f"the operator {type(node.op).__name__}")
            return ast.copy_location(ast.UnaryOp(op=node.op, operand=self.visit(node.operand)), node)
        if isinstance(node, ast.BoolOp):
            return ast.copy_location(ast.BoolOp(op=node.op, values=[self.visit(v) for v in node.values]), node)
        if isinstance(node, ast.Compare):
            if not all(isinstance(op, _CMPOPS) for op in node.ops):
                self.fail("this comparison")
            compare = ast.Compare(
                left=self.visit(node.left), ops=node.ops, comparators=[self.visit(c) for c in node.comparators]
            )
            return ast.copy_location(compare, node)
        if isinstance(node, ast.IfExp):
            ifexp = ast.IfExp(test=self.visit(node.test), body=self.visit(node.body), orelse=self.visit(node.orelse))
            return ast.copy_location(ifexp, node)
        if isinstance(node, ast.Call):
            func = node.func
            if not isinstance(func, ast.Name):
                self.fail(f"'{type(func).__name__}' syntax")  # a.b(), f()(): say what, not "calling 'this'"
            if func.id not in FUNCTIONS:
                self.fail(f"calling {func.id!r}")
            if node.keywords or any(isinstance(a, ast.Starred) for a in node.args) or not node.args:
                self.fail(f"this call of {func.id!r}")
            call = ast.Call(func=func, args=[self.visit(a) for a in node.args], keywords=[])
            return ast.copy_location(call, node)
        self.fail(f"'{type(node).__name__}' syntax")


@dataclass(frozen=True)
class Expression:
    """A checked expression: what validation keeps, and what a build turns into a function.

    Plain data (it pickles to worker processes); :meth:`function` makes a fresh function
    for each build, as a ``lambda`` written in a training script would be.
    """

    text: str
    key: str
    variables: tuple[str, ...] = VARIABLES

    def function(self) -> Callable[[Any], Any]:
        """A function of one argument bound to :attr:`variables` (the text was checked when made)."""
        return _function(_compiled(self.text, self.key, self.variables), self.text, self.key, self.variables)


def check_expression(text: object, *, key: str, variables: tuple[str, ...] = VARIABLES) -> Expression:
    """Check ``text`` and return it as an :class:`Expression`.

    Raises :class:`ConfigError` naming ``key`` if the text is not an allowed expression.
    """
    if isinstance(text, bool) or not isinstance(text, (str, int, float)):
        raise ConfigError(
            f'expected an expression string such as "0.1 ** (epoch // 30)", got {type(text).__name__}', key=key
        )
    try:
        text = str(text)
    except ValueError:  # an int past Python's 4300-digit limit for int -> text
        raise ConfigError(f"expression is a number of more than {MAX_LENGTH} digits", key=key) from None
    if len(text) > MAX_LENGTH:
        raise ConfigError(f"expression is {len(text)} characters long; at most {MAX_LENGTH} are allowed", key=key)
    _compiled(text, key, variables)
    return Expression(text, key, variables)


@functools.lru_cache(maxsize=256)
def _compiled(text: str, key: str, variables: tuple[str, ...]) -> CodeType:
    """Parse, check and compile ``text`` (once per process for each text and key)."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        detail = getattr(exc, "msg", None) or str(exc) or type(exc).__name__
        raise ConfigError(f"cannot parse expression {text!r}: {detail}", key=key) from None
    checked = ast.fix_missing_locations(_Checker(key, text, variables).visit(tree))
    return compile(checked, f"<{key}>", "eval")


def _function(code: CodeType, text: str, key: str, variables: tuple[str, ...]) -> Callable[[Any], Any]:
    namespace = {"__builtins__": {}, "_pow": _safe_pow, "_int": _check_int, **FUNCTIONS, **CONSTANTS}

    def raw(value: Any) -> Any:
        return eval(code, namespace, dict.fromkeys(variables, value))  # noqa: S307 - checked tree only

    isfinite = math.isfinite

    def expression(value: Any) -> Any:
        try:
            result = raw(value)
            # An lr factor must be a finite float: NaN / inf here would poison every later
            # lr silently, and an int too big for a float fails later inside torch, unlocated.
            if not isfinite(result):
                raise ValueError(f"it gave {result}; an expression must give a finite number")
            return result
        except (ArithmeticError, ValueError, TypeError, RecursionError, MemoryError) as exc:
            raise SimulationError(
                f"expression {text!r} failed at {variables[0]} {value!r}: {exc or type(exc).__name__}", key=key
            ) from None

    expression.__qualname__ = expression.__name__ = f"expr({text})"
    expression.source = text  # type: ignore[attr-defined]
    return expression
