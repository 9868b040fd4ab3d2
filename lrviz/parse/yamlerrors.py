"""PyYAML's complaints in plain words, with the line they are about.

PyYAML reports what its parser expected (``expected <block end>, but found '?'``), in
terms of tokens a config's author never wrote. Its marks say where (line, column);
:func:`explain` turns the common problems into what is wrong in the file and what to
write instead, and :func:`excerpt` shows the offending line with a caret under the
column. Anything not translated keeps PyYAML's own words.
"""

from __future__ import annotations

from typing import Any

#: Longest excerpt line shown; a longer line is cut around the column.
MAX_SHOWN = 100


def excerpt(text: str, line: int, column: int) -> tuple[str, ...]:
    """The 0-based ``line`` of ``text`` and a caret under ``column``, as two indented lines."""
    lines = text.splitlines()
    if not 0 <= line <= len(lines):
        return ()
    raw = lines[line] if line < len(lines) else ""  # the end of the file: an empty line after the last
    shown = "".join(c if c.isprintable() else " " for c in raw)  # a tab is one column, as in the mark
    column = min(column, len(shown))
    start = max(0, column - MAX_SHOWN // 2) if len(shown) > MAX_SHOWN else 0
    shown, column = shown[start : start + MAX_SHOWN], column - start
    number = str(line + 1)
    return (f"  {number} | {shown}".rstrip(), f"  {' ' * len(number)} | {' ' * column}^")


def _at(mark: Any) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "above"


def _token(text: str, mark: Any) -> str:
    """The word at a mark (``params:``), for messages."""
    if mark is None:
        return "this"
    lines = text.splitlines()
    if not 0 <= mark.line < len(lines):
        return "the end of the file"
    word = lines[mark.line][mark.column :].split(maxsplit=1)
    return repr(word[0][:40]) if word else "this line"


def explain(exc: Any, text: str) -> str:
    """What a :class:`yaml.MarkedYAMLError` means, in the words of the file's author."""
    problem, context = exc.problem or "", exc.context or ""
    start, mark = exc.context_mark, exc.problem_mark
    token = _token(text, mark)
    if problem.startswith(("expected <block end>", "did not find expected key")):
        if "collection" in context or "sequence" in context:
            return (
                f"{token} is inside the list at {_at(start)} but is neither an item (a '- ' there) nor "
                "indented like the keys of the item above it: line it up with those keys, or start a new item "
                "with '- '"
            )
        column = f"column {start.column + 1}" if start is not None else "their column"
        return (
            f"{token} is not indented like the keys of the mapping at {_at(start)}: indent it to {column} to "
            "make it one of them, or further in to put it under the key above it"
        )
    if problem.startswith("did not find expected '-'"):
        return f"{token} is inside the list at {_at(start)} but is not an item: start it with '- '"
    if problem == "mapping values are not allowed here":
        return (
            "a 'key:' where a value was expected: the line is indented more than the key above it (indent it "
            "like that key), or an unquoted value holds ': ' (quote the value)"
        )
    if "'\\t'" in problem or "tab" in problem:
        return "a tab character: YAML indents with spaces only"
    if problem == "could not find expected ':'":
        return f"a line in a mapping that is not 'key: value' (is the ':' after the key at {_at(start)} missing?)"
    if problem.startswith("expected ',' or"):
        closing = "]" if "]" in problem else "}"
        what = "[list]" if closing == "]" else "{mapping}"
        return (
            f"the {what} written on one line at {_at(start)} is not closed with '{closing}' before this "
            "point, or two of its items have no ',' between them"
        )
    if problem == "found unexpected end of stream" and "quoted" in context:
        return f"the quoted text that starts at {_at(start)} is never closed (a missing quote)"
    if problem.startswith("found undefined alias"):
        return f"an alias {problem.removeprefix('found undefined alias ')} with no anchor (&name) before it"
    if "another document" in problem:
        return "a second document (after ---): a config is one YAML document"
    if problem.startswith("found unknown escape character"):
        return f"{problem.removeprefix('found ')} in double quotes: write \\\\ for a backslash, or use single quotes"
    if problem.startswith("could not determine a constructor for the tag"):
        tag = problem.rsplit(" ", 1)[-1]
        return f"the tag {tag} is not allowed: a config is plain data (lrviz reads YAML with the safe loader)"
    return problem + (f" ({context} at {_at(start)})" if context and start is not None else "")
