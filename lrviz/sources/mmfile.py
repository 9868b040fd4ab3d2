"""An MMEngine Python config file in: its names (read as data, or run with ``--trust``) and its ``# lrviz:`` facts.

Without trust the file is read by :mod:`lrviz.sources.mmconfig` (its literal structure,
never run). With ``--trust`` MMEngine's own ``Config.fromfile`` runs it, as a training
would: for a config that computes its values (a call, a loop, a lazy-import config).
The ``# lrviz: --dataset-size N`` comment is a Python comment line (:mod:`tokenize`
tells it from text inside a string), read like the other kinds' (:mod:`lrviz.sources.facts`).
"""

from __future__ import annotations

import importlib
import io
import tokenize
from pathlib import Path
from typing import Any

from lrviz.errors import ConfigError, LrvizError, first_line
from lrviz.sources.facts import FileFacts, facts_for
from lrviz.sources.mmconfig import _plain, _text, read_config

#: Top-level names only MMEngine configs assign (training scripts with a get_lr function do not).
MM_NAMES = frozenset(
    {"param_scheduler", "optim_wrapper", "train_cfg", "_base_", "auto_scale_lr", "default_hooks", "train_dataloader"}
)


def looks_like_mmengine(text: str) -> bool:
    """Whether a Python file is an MMEngine config rather than training code (lrviz reads other ``.py``
    files, a training script's lr function, another way): a top-level assignment of one of :data:`MM_NAMES`,
    or a ``with read_base():`` block. Parsed, never run; a file that does not parse is not one."""
    import ast

    try:
        body = ast.parse(text).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    for stmt in body:
        targets = (
            stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target] if isinstance(stmt, ast.AnnAssign) else []
        )
        if any(isinstance(t, ast.Name) and t.id in MM_NAMES for t in targets):
            return True
        if isinstance(stmt, ast.With) and any(
            isinstance(i.context_expr, ast.Call) and getattr(i.context_expr.func, "id", "") == "read_base"
            for i in stmt.items
        ):
            return True
    return False


def comment_lines(text: str) -> str:
    """``text`` with every line blanked but whole-line comments (so line numbers stay)."""
    lines = text.splitlines()
    kept = [""] * len(lines)
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            row, col = tok.start
            if tok.type == tokenize.COMMENT and not lines[row - 1][:col].strip():
                kept[row - 1] = lines[row - 1]
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass  # the reader names the syntax error; the comments found so far stand
    return "\n".join(kept) + "\n"


def read_mm(path: str | Path, *, trust: bool, kinds: tuple[str, ...]) -> tuple[dict[str, Any], FileFacts]:
    """(the config's names, the file's facts)."""
    file = Path(path)
    shown = str(path)
    facts = facts_for(file, comment_lines(_text(file, shown)), kinds)
    if not trust:
        return read_config(file), facts
    try:
        cfg = importlib.import_module("mmengine.config").Config.fromfile(str(file))
        data = _plain(cfg.to_dict())
    except LrvizError:
        raise
    except Exception as exc:  # the user's code ran (--trust): its failure, in one line
        raise ConfigError(f"mmengine.Config.fromfile failed: {first_line(exc, with_type=True)}", file=shown) from None
    if not isinstance(data, dict):
        raise ConfigError("mmengine.Config.fromfile gave no mapping", file=shown)
    return data, facts
