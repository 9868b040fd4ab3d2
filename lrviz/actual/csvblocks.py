"""The fast way through a CSV log: blocks of lines, whole columns converted at once.

:func:`lrviz.actual.csvread.read_columns` tries this first. It reads
:data:`~lrviz.actual.limits.CSV_BLOCK_CHARS` characters at a time, cut at the last line break,
splits the block into cells in one ``str.split`` and takes every wanted column as a slice of
them; the kept cells of a column go through ``map(float, ...)`` and its steps through
``map(int, ...)``: the same ``float()`` and ``int()`` of the same text as the line-by-line
reader, so the values are the same bits. Memory stays at one block's cells plus the kept
values.

It only reads what it can read exactly as ``csv.reader`` would: a block with a quote, a
carriage return that does not end a line, a line or a cell near the caps (the line cap,
``csv.field_size_limit()``), text that is not UTF-8, or any cell or step that is not a plain
number raises :class:`Fallback`, and the caller reads the whole file again line by line
(:func:`lrviz.actual.csvread.read_rows`), which words every refusal with its line and column.
A well-formed log never falls back; a broken one is read twice before it is refused.
"""

from __future__ import annotations

import csv
from array import array
from collections.abc import Callable
from itertools import compress
from typing import TYPE_CHECKING, TextIO

from lrviz.actual import limits
from lrviz.errors import LrvizError

if TYPE_CHECKING:
    from lrviz.actual.series import Points


class Fallback(Exception):
    """Something only the line-by-line reader words exactly (or a layout this reader leaves to it)."""


class Column:
    """A wanted column: where it is, where its points go, and its text sample (for the precision)."""

    def __init__(self, index: int, points: Points, distinct: set[str], sample: int, distinct_cap: int) -> None:
        self.index = index
        self.points = points
        self.distinct = distinct
        self.sample = sample  # cells still to look at for the precision (csvread.DIGIT_SAMPLE at first)
        self.distinct_cap = distinct_cap  # ... and distinct texts kept of them (csvread.DISTINCT_SAMPLE)


def read_blocks(fh: TextIO, wanted: list[Column], *, step_column: int, one_step: Callable[[str], int]) -> None:
    """Read ``fh`` from where it is (past the header) to its end into the columns' points.

    ``one_step`` is read_rows' own conversion of one step cell (for steps ``int()`` refuses:
    ``12.0``). Raises :class:`Fallback` for anything unusual; the points and the budget are
    then partly filled and must be thrown away.
    """
    width = max([c.index for c in wanted] + [step_column]) + 1
    cap = min(limits.MAX_CSV_LINE, csv.field_size_limit())  # a block shorter than both holds no long line or cell
    size = max(1, min(limits.CSV_BLOCK_CHARS, cap // 2))
    while True:
        try:
            text = fh.read(size)
            if text and not text.endswith("\n"):
                text += fh.readline(cap)  # the rest of the block's last line
        except (UnicodeDecodeError, OSError):
            raise Fallback from None
        if not text:
            return
        if len(text) >= cap or '"' in text:
            raise Fallback
        if "\r" in text:
            if text.count("\r") != text.count("\r\n"):
                raise Fallback  # a lone CR ends a line for csv.reader (newline=""): left to it
            text = text.replace("\r\n", "\n")
        _block(text if text.endswith("\n") else text + "\n", wanted, step_column, width, one_step)


def _cells(text: str, width: int) -> tuple[list[str], int]:
    """Every cell of the block's lines (``text`` ends with a line break) in one list, each line
    followed by a lone "\\n" item, and the stride (fields a line + 1). When the lines do not all
    have the same number of fields, the block is split line by line instead (:func:`_ragged`).
    """
    lines = text.count("\n")
    fields = text[: text.find("\n")].count(",") + 1
    if fields >= width:
        cells = text.replace("\n", ",\n,").split(",")
        del cells[-1]  # the empty text after the last line break
        stride = fields + 1
        # exactly `lines` "\n" items (no cell holds one): all at the line ends means every line has `fields` cells
        if len(cells) == lines * stride and cells[fields::stride].count("\n") == lines:
            return cells, stride
    return _ragged(text, width)


def _ragged(text: str, width: int) -> tuple[list[str], int]:
    """Lines of different lengths: blank lines dropped (csv.reader's rows that read_rows passes over),
    each other line cut to ``width`` cells; a shorter one is an error, worded by read_rows."""
    rows: list[str] = []
    for line in text.split("\n")[:-1]:
        cells = line.split(",", width)
        if len(cells) < width:
            if any(c.strip() for c in cells):
                raise Fallback
            continue
        rows.extend(cells[:width])
        rows.append("\n")
    return rows, width + 1


def _block(text: str, wanted: list[Column], step_column: int, width: int, one_step: Callable[[str], int]) -> None:
    cells, stride = _cells(text, width)
    step_cells = cells[step_column::stride]
    ascii_text = text.isascii()
    # the last column's cells, its number of empty cells and its steps: a column empty in the same rows
    # (Lightning's lr and momentum columns, all written on the same rows) has the same steps
    last: tuple[list[str], int, array[int]] | None = None
    kept: list[tuple[Column, list[str], array[float], array[int]]] = []
    for column in wanted:
        texts = cells[column.index :: stride]
        if last is not None:
            values_text = list(compress(texts, last[0]))  # its cells in the rows the last column has cells in
            if all(values_text) and texts.count("") == last[1]:  # ... none empty, and as many empty: the same rows
                values = _floats(values_text)
                if values is not None:
                    kept.append((column, values_text, values, last[2]))
                    continue
        values_text = list(compress(texts, texts))  # the non-empty cells
        values = _floats(values_text)
        if values is not None:
            steps = _steps(list(compress(step_cells, texts)), one_step, ascii_text)
            last = (texts, texts.count(""), steps)
        else:  # a cell of spaces (passed over, as read_rows does) or not a number (its error)
            blank = list(map(str.strip, texts))
            values_text = list(compress(texts, blank))
            values = _floats(values_text)
            if values is None:
                raise Fallback
            steps = _steps(list(compress(step_cells, blank)), one_step, ascii_text)
        if values_text:
            kept.append((column, values_text, values, steps))
    for column, values_text, values, steps in kept:  # the block is all valid: only now are its points taken
        column.points.budget.take(len(values))
        column.points.steps.extend(steps)
        column.points.values.extend(values)
        if column.sample:
            sample = values_text[: column.sample]
            column.sample -= len(sample)
            for text in sample:
                if len(column.distinct) < column.distinct_cap:
                    column.distinct.add(text.strip())


def _floats(texts: list[str]) -> array[float] | None:
    """``float()`` of every text (once when they are all the same text: a constant column), None if one is no float."""
    if not texts:
        return array("d")
    try:
        first = texts[0]
        if texts[-1] == first and texts.count(first) == len(texts):
            return array("d", [float(first)]) * len(texts)
        return array("d", list(map(float, texts)))
    except ValueError:
        return None


def _steps(texts: list[str], one_step: Callable[[str], int], ascii_text: bool) -> array[int]:
    """The steps as read_rows reads them: ``int()`` of ASCII text within the step limit, else one by one
    through ``one_step`` (a step written ``12.0``); a step it refuses is a Fallback (read_rows words it)."""
    try:
        steps = list(map(int, texts))
        if not steps or (
            min(steps) >= -limits.MAX_LOGGED_STEP
            and max(steps) <= limits.MAX_LOGGED_STEP
            and (ascii_text or "".join(texts).isascii())
        ):
            return array("q", steps)
    except ValueError:
        pass
    try:
        return array("q", [one_step(text) for text in texts])
    except LrvizError:
        raise Fallback from None
