"""What ``lrviz list`` says about a scheduler, read from the scheduler itself.

torch's docstrings are reStructuredText written for Sphinx: ``.. math::`` and
``.. image::`` directives, doctest examples (``>>> # xdoctest: +SKIP``), roles
(``:math:`\\eta_t```), literals and links, and lines broken at 80 columns of source.
:func:`description` keeps what a reader wants before choosing a scheduler: the opening
prose, as one paragraph of plain text, for the terminal to wrap at its own width.
:func:`per_group` reads from torch's source which parameters it formats per param
group (one value per group in a list). No docutils: the opening of a docstring is
plain sentences, and what is not (directives, lists, sections) is left out, not
rendered.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

#: A block that starts one of these ends the description (the reference part of a docstring).
SECTIONS = re.compile(r"(Args|Arguments|Parameters|Example|Examples|Note|Notes|Warning|Returns|Raises|Attributes):\s*$")
#: A block that is not prose: a directive, a list item, a doctest, a table.
NOT_PROSE = re.compile(r"(\.\. |[*+-] |#\. |\d+\. |>>>|\|)")
#: Sentences torch's docstrings carry that say nothing to an lrviz user, or mislead: a
#: LambdaLR "Sets the initial learning rate." (it multiplies the initial lr by a function,
#: as its next sentence says), and the state a fresh scheduler starts from.
DROPPED = (
    re.compile(r"Sets the initial learning rate\."),
    re.compile(r"When last_epoch=-1, sets? initial lr as lr\."),
)
_ROLE = re.compile(r":[a-z]+:`([^`]*)`")  # :math:`x`, :class:`~torch.optim.Optimizer`
_LINK = re.compile(r"`([^`<]*?)\s*(?:<[^>]*>)?`_+")  # `Title`_ , `text <url>`_
_LITERAL = re.compile(r"``([^`]*)``|`([^`]*)`")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")


def _blocks(doc: str) -> list[list[str]]:
    blocks: list[list[str]] = [[]]
    for line in inspect.cleandoc(doc).splitlines():
        if line.strip():
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def _is_prose(block: list[str]) -> bool:
    first = block[0]
    return (
        not first.startswith((" ", "\t"))
        and not NOT_PROSE.match(first)
        and not block[-1].rstrip().endswith(":")  # introduces a formula or code
    )


def plain(text: str) -> str:
    """reST inline markup as plain text, on one line: roles, links and literals keep their text."""
    text = _ROLE.sub(lambda m: m.group(1).lstrip("~").split(".")[-1] if "`~" in m.group(0) else m.group(1), text)
    text = _LINK.sub(r"\1", text)
    text = _LITERAL.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2), text)
    return " ".join(text.replace("\\", "").split())


def description(doc: str | None) -> str:
    """The opening prose of a docstring as one plain paragraph.

    The first paragraph, and the one after it when the first is a single sentence (torch
    often opens with a title-like line); never what follows a section header (Args:,
    Example:...), a directive, a list or a line introducing a formula.
    """
    kept: list[str] = []
    for block in _blocks(doc or ""):
        if SECTIONS.match(block[0].strip()) or not _is_prose(block):
            break
        kept.append(plain(" ".join(line.strip() for line in block)))
        if len(kept) == 2 or len(_SENTENCE_END.split(kept[0])) > 1:
            break
    text = " ".join(kept)
    for dropped in DROPPED:
        if dropped.sub("", text).strip():  # never drop all there is
            text = dropped.sub("", text)
    return " ".join(text.split())


def summary(doc: str | None) -> str:
    """The first sentence of :func:`description`: the one line of the ``lrviz list`` table."""
    return _SENTENCE_END.split(description(doc), maxsplit=1)[0]


def per_group(cls: Any) -> frozenset[str] | None:
    """The parameters torch formats per param group (a list, one value per group), read from
    the class's source: its ``_format_param("name", ...)`` calls and ``isinstance(name,
    (list, tuple))`` checks. None when the source cannot be read."""
    try:
        source = inspect.getsource(cls)
    except (OSError, TypeError):
        return None
    names = set(re.findall(r'_format_param\(\s*"(\w+)"', source))
    names |= set(re.findall(r"isinstance\((\w+), \(?list", source))
    try:
        params = set(inspect.signature(cls.__init__).parameters)
    except (TypeError, ValueError):
        return None
    return frozenset(names & params)
