"""Config text written into something a person runs or reads: one line, always.

``lrviz code`` writes labels and file names into Python comments, ``lrviz convert``
writes a framework file's free text (HF ``optim``, torchvision ``opt``) into YAML
comments, the gallery writes titles into Markdown headings. A line break in any of
them would end the comment or heading, and what follows would be live code or config
(issue 33). :func:`one_line` escapes every character that ends a line in Python, YAML,
Markdown or a terminal (``\\n``, ``\\r``, ``\\x0b``, ``\\x0c``, ``\\x1c``-``\\x1e``,
``\\x85``, ``\\u2028``, ``\\u2029``), the other control characters, lone surrogates
(which UTF-8 cannot write) and the bidirectional overrides that make source text read
other than it runs ("Trojan Source"). Each becomes its Python escape (``\\n``,
``\\u2028``), so the text stays readable and says what it held.
"""

from __future__ import annotations

import re

#: Characters that end a line for Python's str.splitlines (a superset of what YAML,
#: Python's tokenizer and Markdown treat as line breaks).
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_UNSAFE = re.compile(
    "[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def one_line(text: str) -> str:
    """``text`` with every line break, control character, lone surrogate and bidi override escaped."""
    return _UNSAFE.sub(lambda m: repr(m.group())[1:-1], text)


def has_line_break(text: str) -> str | None:
    """The first line-ending character of ``text`` (None: it is one line)."""
    return next((c for c in text if c in LINE_BREAKS), None)
