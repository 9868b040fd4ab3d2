"""Long float columns as text, in pieces: what lets an export stream.

Why: an export at the limit of 100M recorded values is gigabytes of text; built whole,
as one list of lines or one ``json.dumps``, it took about 330 bytes of memory a value
(6M values: 2.0 GB). Here a column becomes text :data:`CHUNK` values at a time, each
piece written before the next is made, so an export holds the recorded arrays and a
few megabytes more (benchmarks/RESULTS.md).

The text is the same as before, byte for byte: floats in ``repr`` form (shortest
round trip), and JSON as ``json.dumps(..., indent=1)`` lays it out, its NaN and
infinities spelled as :mod:`lrviz.jsonio` spells them.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from lrviz.jsonio import dumps

if TYPE_CHECKING:
    import numpy as np

#: Values made into text at a time: the memory an export holds beyond the arrays.
CHUNK = 1 << 16
_SPELLED = {"nan": '"nan"', "inf": '"inf"', "-inf": '"-inf"'}


def reprs(values: np.ndarray) -> list[str]:
    """``repr`` of each float of a 1-D array, computed once per run of equal values.

    ``repr`` is most of an export's time, and a schedule's values come in runs (StepLR's
    plateaus, a constant momentum: one ``repr`` for 100,000 rows). Runs are found by
    the bits, so 0.0 and -0.0 (equal as floats) keep their own spellings.
    """
    import numpy as np

    r = float.__repr__
    n = len(values)
    if n < 2:
        return [r(v) for v in values.tolist()]
    bits = np.ascontiguousarray(values, dtype=np.float64).view(np.int64)
    starts = np.flatnonzero(bits[1:] != bits[:-1]) + 1
    if len(starts) > n // 8:  # mostly distinct (a cosine): one repr each
        return list(map(r, values.tolist()))
    bounds = [0, *starts.tolist(), n]
    out: list[str] = []
    for v, a, b in zip(values[bounds[:-1]].tolist(), bounds, bounds[1:], strict=False):
        out += [r(v)] * (b - a)
    return out


def json_items(values: np.ndarray) -> list[str]:
    """Each float as lrviz's JSON writes it: ``repr``, or "nan", "inf", "-inf" as strings."""
    import numpy as np

    out = reprs(values)
    if not np.isfinite(values).all():
        out = [_SPELLED.get(s, s) for s in out]
    return out


def json_list(values: np.ndarray, depth: int) -> Iterator[str]:
    """A column as ``json.dumps(..., indent=1)`` writes a list at nesting ``depth``, in pieces."""
    n = len(values)
    if n == 0:
        yield "[]"
        return
    inner = "\n" + " " * (depth + 1)
    sep = "," + inner
    yield "[" + inner
    for a in range(0, n, CHUNK):
        yield ("" if a == 0 else sep) + sep.join(json_items(values[a : a + CHUNK]))
    yield "\n" + " " * depth + "]"


class Columns:
    """Placeholders for the long columns of a JSON document, each streamed in its place.

    ``doc["lr"] = columns.add(array)`` puts a unique string where the list goes; then
    :meth:`pieces` dumps the document once, without the columns, and yields it with each
    column's text in its place.
    """

    def __init__(self) -> None:
        self.nonce = secrets.token_hex(8)  # never in the output: every placeholder is replaced
        self.columns: dict[str, np.ndarray] = {}

    def add(self, values: np.ndarray) -> str:
        token = f"lrviz-column-{self.nonce}-{len(self.columns)}"
        self.columns[token] = values
        return token

    def pieces(self, doc: Mapping[str, Any]) -> Iterator[str]:
        """``lrviz.jsonio.dumps(doc, indent=1)``, the columns in their places, in pieces."""
        text = dumps(doc, indent=1)
        found = sorted((text.index(f'"{token}"'), token) for token in self.columns)  # letters, digits, -
        pos = 0
        for at, token in found:
            line = text[text.rfind("\n", 0, at) + 1 : at]
            yield text[pos:at]
            yield from json_list(self.columns[token], len(line) - len(line.lstrip(" ")))
            pos = at + len(token) + 2
        yield text[pos:]
