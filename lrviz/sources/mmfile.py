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
