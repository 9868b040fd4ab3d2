"""Bounded CSV streaming shared by the Lightning and plain-CSV readers.

A log is read in blocks of lines, whole columns at once (:mod:`lrviz.actual.csvblocks`); where
that reader meets anything unusual the file is read again line by line (:func:`read_rows`:
each line capped at :data:`~lrviz.actual.limits.MAX_CSV_LINE`, the file at
:data:`~lrviz.actual.limits.MAX_CSV_BYTES`), which names the file, the line and the column of
every problem. Either way memory stays at one block (or line) plus the kept values, whatever
the file's size.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from lrviz.actual import limits
from lrviz.actual.csvblocks import Column, Fallback, read_blocks
from lrviz.errors import LrvizError, describe
from lrviz.inputs import open_regular
from lrviz.numeric import whole_text, whole_value

if TYPE_CHECKING:
    from lrviz.actual.series import Budget, Points

#: The widest logged step (lrviz.actual.limits.MAX_LOGGED_STEP), as a local for the row loop.
MAX_STEP = limits.MAX_LOGGED_STEP


def _bounded_lines(fh: TextIO, display: str) -> Iterator[str]:
    number = 0
    while True:
        line = fh.readline(limits.MAX_CSV_LINE + 1)
        if not line:
            return
        number += 1
        if len(line) > limits.MAX_CSV_LINE:
            raise LrvizError(
                f"line {number} is longer than {limits.MAX_CSV_LINE // limits.MiB} MiB; not a CSV training log",
                file=display,
            )
        yield line


class Table:
    """An open CSV: its header and an iterator of (line number, cells); ``fh`` (the text past the
    header, for :mod:`~lrviz.actual.csvblocks`) and ``path`` when it is a file :func:`open_table` opened."""

    def __init__(
        self,
        header: list[str],
        rows: Iterator[tuple[int, list[str]]],
        fh: TextIO | None = None,
        path: Path | None = None,
    ) -> None:
        self.header = header
        self.rows = rows
        self.fh = fh
        self.path = path


@contextmanager
def open_table(path: Path, display: str) -> Iterator[Table]:
    """Open a CSV log for streaming; errors name the file and line."""
    raw = open_regular(
        path,
        limit=limits.MAX_CSV_BYTES,
        display=display,
        what="a CSV log",
        too_large=f"the file is {{size}} MiB; lrviz reads CSV logs up to {limits.MAX_CSV_BYTES // limits.MiB:,} MiB",
    )
    fh = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    with fh:
        reader = csv.reader(_bounded_lines(fh, display))

        def rows() -> Iterator[tuple[int, list[str]]]:
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    raise LrvizError(f"line {reader.line_num}: not valid CSV ({exc})", file=display) from None
                yield reader.line_num, cells

        try:
            it = rows()
            first = next(it, None)
            if first is None:
                raise LrvizError("the file is empty; a CSV log needs a header row", file=display)
            yield Table([h.strip() for h in first[1]], it, fh, path)
        except UnicodeDecodeError as exc:
            raise LrvizError(
                f"not UTF-8 text (byte {exc.start} of a line near line {reader.line_num + 1})", file=display
            ) from None
        except OSError as exc:
            raise LrvizError(f"cannot read: {exc.strerror or exc}", file=display) from None


def number(cell: str, *, display: str, line: int, column: str) -> float:
    """A logged value: any float text (nan and inf included: the comparison reports them)."""
    try:
        return float(cell)
    except ValueError:
        raise LrvizError(f"line {line}, column {column!r}: {describe(cell)} is not a number", file=display) from None


def step_number(cell: str, *, display: str, line: int, column: str = "step") -> int:
    """A step: a whole number (``12`` or ``12.0``)."""
    text = cell.strip()
    where = f"line {line}, column {column!r}"
    if text.isascii() and text.lstrip("+-").isdigit():
        return whole_text(text, what=where, minimum=-MAX_STEP, maximum=MAX_STEP, file=display)
    try:
        value = float(text) if text.isascii() else math.nan
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value != int(value):
        what = "empty" if not text else describe(cell)
        raise LrvizError(f"{where}: {what} is not a step number (a whole number)", file=display)
    return whole_value(value, what=where, minimum=-MAX_STEP, maximum=MAX_STEP, file=display)


def choose_column(header: list[str], wanted: str, *, display: str) -> int:
    """Index of the column a ``FILE:COLUMN`` selector names."""
    from lrviz.errors import did_you_mean

    if wanted in header:
        return header.index(wanted)
    raise LrvizError(
        f"no column {wanted!r}{did_you_mean(wanted, header)} (columns: {', '.join(header[:30])})", file=display
    )


#: The precision of a column is judged on its first cells: a writer's format is the same on every row.
DIGIT_SAMPLE = 10_000
#: ... and on at most this many distinct values among them.
DISTINCT_SAMPLE = 1000


def significant_digits(cell: str) -> int:
    """Digits of the mantissa as written: ``0.000996057`` -> 6, ``1e-3`` -> 1, ``0.0010000000000000002`` -> 17."""
    text = cell.strip().lstrip("+-")
    mantissa = text.split("e")[0].split("E")[0].replace(".", "").lstrip("0")
    return len(mantissa) if mantissa.isdigit() else 0


def precision(values: set[str]) -> str:
    """The precision a column's text holds: ``decimalN`` when it was rounded to N <= 8 digits, else ``float64``.

    ``repr`` (what Python's csv module and ``lrviz export`` write) gives 15-17 digits for most
    computed lrs; ``%.6g`` gives exactly 6 on almost every value of a computed schedule (fewer
    only where trailing zeros are dropped). So a column is taken as rounded to N digits when N
    is its longest mantissa, N <= 8, and at least half of its (8 or more) distinct values have N
    digits. ``repr`` of exact binary fractions (0.1, 0.05, 0.025, ... of a StepLR halving) has
    short but ever longer mantissas and stays float64, compared strictly.
    """
    counts = [significant_digits(v) for v in values]
    if len(counts) < 8:
        return "float64"
    longest = max(counts)
    if 1 <= longest <= 8 and counts.count(longest) * 2 >= len(counts):
        return f"decimal{longest}"
    return "float64"


def read_columns(
    table: Table, columns: list[tuple[int, str]], *, step_column: int, display: str, budget: Budget
) -> tuple[dict[str, Points], dict[str, str]]:
    """Keep (step, value) of every non-empty cell of ``columns``: in blocks (:mod:`.csvblocks`), or
    where that reader falls back, the whole file again line by line (:func:`read_rows`)."""
    from lrviz.actual.series import Points

    names = [name for _, name in columns]
    # a name twice (two columns of one name) shares one Points, its rows interleaved: left to read_rows
    if table.fh is None or table.path is None or len(set(names)) < len(names):
        return read_rows(table, columns, step_column=step_column, display=display, budget=budget)
    used = budget.used
    points = {name: Points(budget) for name in names}
    distinct: dict[str, set[str]] = {name: set() for name in names}
    wanted = [Column(index, points[name], distinct[name], DIGIT_SAMPLE, DISTINCT_SAMPLE) for index, name in columns]
    step_name = table.header[step_column]

    def one_step(raw: str) -> int:
        return row_step(raw, display=display, line=0, column=step_name)

    try:
        read_blocks(table.fh, wanted, step_column=step_column, one_step=one_step)
    except Fallback:
        budget.used = used
        with open_table(table.path, display) as again:
            return read_rows(again, columns, step_column=step_column, display=display, budget=budget)
    return points, {name: precision(texts) for name, texts in distinct.items()}


def row_step(raw_step: str, *, display: str, line: int, column: str) -> int:
    """A row's step as :func:`read_rows` takes it: ``int()`` of ASCII text in range, else :func:`step_number`."""
    try:
        step: int | None = int(raw_step)
    except ValueError:
        step = None
    if step is None or not -MAX_STEP <= step <= MAX_STEP or not raw_step.isascii():
        step = step_number(raw_step, display=display, line=line, column=column)
    return step


def read_rows(
    table: Table, columns: list[tuple[int, str]], *, step_column: int, display: str, budget: Budget
) -> tuple[dict[str, Points], dict[str, str]]:
    """Stream the rows, keeping (step, value) of every non-empty cell of ``columns``.

    Rows where all of them are empty are other metrics (Lightning writes one row per
    ``log_metrics`` call with every column of the file) and are passed over. Returns the
    points and, per column, the precision its text was written with (:func:`precision`): a value
    written as ``%.6g`` can only agree to 6 digits.

    The line-by-line way, for what :mod:`~lrviz.actual.csvblocks` leaves to it: the common
    case (an empty cell, a plain float, an integer step) takes no call beyond :func:`row_step`;
    anything unusual goes to :func:`number` / :func:`step_number` for the error message.
    """
    from lrviz.actual.series import Points

    points = {name: Points(budget) for _, name in columns}
    distinct: dict[str, set[str]] = {name: set() for _, name in columns}
    plan = [(index, name, points[name].steps.append, points[name].values.append) for index, name in columns]
    width = max([i for i, _ in columns] + [step_column]) + 1
    header_width = len(table.header)
    step_name = table.header[step_column]
    sample = {name: DIGIT_SAMPLE for _, name in columns}  # cells per column still to count digits on
    for line, cells in table.rows:
        if len(cells) < width:
            if not cells or not any(c.strip() for c in cells):
                continue  # a blank line
            raise LrvizError(
                f"line {line} has {len(cells)} fields, the header has {header_width} (a cut or malformed row)",
                file=display,
            )
        step: int | None = None
        kept = 0
        for index, name, add_step, add_value in plan:
            cell = cells[index]
            if not cell or cell.isspace():
                continue
            if step is None:
                step = row_step(cells[step_column], display=display, line=line, column=step_name)
            try:
                value = float(cell)
            except ValueError:
                value = number(cell, display=display, line=line, column=name)
            if sample[name]:
                sample[name] -= 1
                if len(distinct[name]) < DISTINCT_SAMPLE:
                    distinct[name].add(cell.strip())
            add_step(step)
            add_value(value)
            kept += 1
        if kept:
            budget.take(kept)
    return points, {name: precision(texts) for name, texts in distinct.items()}
