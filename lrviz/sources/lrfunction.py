"""A Python file whose lr function is the schedule (nanoGPT's ``get_lr(it)``), read without running it.

The file is parsed with :mod:`ast`, never imported here: lrviz finds the function
(``get_lr``, else the one top-level function of one argument whose name holds ``lr``)
and the module-level values it reads (``learning_rate``, ``warmup_iters``,
``lr_decay_iters``, ``min_lr``...), each shown with its value when the assignment is a
literal (``ast.literal_eval``), or as "computed" when it is not. The run's length is
the file's ``max_iters`` (or ``max_steps``, ``total_steps``, ``num_iterations``) when it
is a literal whole number, else ``--steps N``.

The schedule names ``function:<file>:<name>`` (:mod:`lrviz.registry.lrfunction`):
calling the function runs the file, which lrviz does only with ``--trust``; without
it, loading stops with the reason before anything is imported.

nanoGPT's loop calls ``get_lr(iter_num)`` for ``iter_num`` 0 to ``max_iters``
(``if iter_num > max_iters: break``), one call more than ``max_iters``: lrviz shows
steps 0 to ``max_iters - 1`` and says so (``--steps`` with one more shows the last).
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from lrviz.errors import ConfigError
from lrviz.limits import MAX_STEPS
from lrviz.sources.plan import Plan, Row
from lrviz.textsafe import one_line

DEFAULT_NAME = "get_lr"
#: Module-level names that give the run's length, in the order they are looked for.
LENGTH_NAMES = ("max_iters", "max_steps", "total_steps", "num_iterations", "total_iters")
#: Shown whether or not the function reads them (nanoGPT's schedule settings).
USUAL = ("learning_rate", "warmup_iters", "lr_decay_iters", "min_lr", "max_iters", "decay_lr")
_COMPUTED = object()


def _parse(text: str, source: str) -> ast.Module:
    try:
        return ast.parse(text, filename=source)
    except SyntaxError as exc:
        raise ConfigError(f"not valid Python (line {exc.lineno}): {exc.msg}", file=source) from None
    except (RecursionError, MemoryError):
        raise ConfigError("nested too deeply for Python's parser; refusing it", file=source) from None
    except ValueError as exc:  # source code containing null bytes
        raise ConfigError(f"not Python source: {exc}", file=source) from None


def _globals(tree: ast.Module) -> dict[str, Any]:
    """Top-level ``name = value`` (and ``name: T = value``): the value when it is a literal."""
    out: dict[str, Any] = {}
    for node in tree.body:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        for target in targets:
            if isinstance(target, ast.Name) and value is not None:
                try:
                    out[target.id] = ast.literal_eval(value)
                except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                    out[target.id] = _COMPUTED
    return out


def _functions(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    return {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}


def _choose(functions: dict[str, ast.FunctionDef], source: str) -> ast.FunctionDef:
    if DEFAULT_NAME in functions:
        return functions[DEFAULT_NAME]
    fits = [f for f in functions.values() if "lr" in f.name.lower() and len(f.args.args) == 1]
    if len(fits) == 1:
        return fits[0]
    shown = ", ".join(sorted(functions)) or "none"
    raise ConfigError(
        f"no lr function: expected a top-level {DEFAULT_NAME}(it) (the file's functions: {shown}); to use another, "
        "write an lrviz config with scheduler: 'function:FILE.py:NAME'. (An MMEngine config sets param_scheduler, "
        "optim_wrapper, train_cfg or _base_ at top level; --from mmengine reads it as one.)",
        file=source,
    )


def _reads(fn: ast.FunctionDef, known: dict[str, Any]) -> list[str]:
    """The module-level names the function's body reads, in order of first use."""
    seen: list[str] = []
    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in known and node.id not in seen:
            seen.append(node.id)
    return seen


def _shown(value: Any) -> Any:
    if value is _COMPUTED:
        return "computed (not a literal: known when the file runs)"
    if isinstance(value, (bool, int, float)) or value is None:
        return value
    return one_line(repr(value))[:80]


def _length(known: dict[str, Any], steps: int | None, source: str) -> tuple[int, str]:
    for name in LENGTH_NAMES:
        value = known.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_STEPS:
            how = f"the file's {name} (steps 0..{value - 1:,}"
            how += "; nanoGPT's loop also runs it = max_iters: --steps N+1 shows it)" if name == "max_iters" else ")"
            return value, how
    if steps is not None:
        return steps, "--steps"
    raise ConfigError(
        f"the file holds no literal run length ({', '.join(LENGTH_NAMES[:3])}...): pass --steps N", file=source
    )


def plan_file(path: Path, text: str, *, steps: int | None = None) -> Plan:
    """Read the file (see the module docstring); the plan's schedule names ``function:<path>:<name>``."""
    source = str(path)
    tree = _parse(text, source)
    known = _globals(tree)
    fn = _choose(_functions(tree), source)
    if len(fn.args.args) + len(fn.args.posonlyargs) < 1 and fn.args.vararg is None:
        raise ConfigError(f"{fn.name}() takes no argument; an lr function takes the step: {fn.name}(it)", file=source)
    total, total_how = _length(known, steps, source)
    lr = known.get("learning_rate")
    base = lr if isinstance(lr, (int, float)) and not isinstance(lr, bool) and 0 < lr < 1e6 else 0.001
    rows = [
        Row("function", f"{fn.name}(it)", f"line {fn.lineno} of {path.name}; called by lrviz at every step (--trust)"),
        Row("total optimizer steps", total, total_how),
    ]
    for name in [*_reads(fn, known), *(n for n in USUAL if n in known)]:
        if all(r.name != name for r in rows):
            rows.append(Row(name, _shown(known[name]), "module level, read with ast (not run)"))
    if known.get("decay_lr") is False:
        rows.append(Row("note", "decay_lr is False: nanoGPT's loop uses learning_rate and never calls get_lr"))
    config = {
        "steps": total,
        "optimizer": {"name": "AdamW", "lr": base},
        "schedules": [{"label": f"{fn.name} ({path.name})", "scheduler": f"function:{path.resolve()}:{fn.name}"}],
    }
    summary = f"{fn.name}(it) of {path.name}, {total:,} steps"
    return Plan(kind="function", config=config, rows=rows, summary=summary[:120], source=source)
