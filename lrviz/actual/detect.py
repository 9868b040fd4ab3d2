"""``--actual FILE``: split off ``:TAG`` / ``:COLUMN`` / ``:KEY``, tell the format, call its reader.

Formats live in the :data:`FORMATS` registry (a new log format is an entry, not a branch).
Detection looks at content first and names second:

* a folder: its ``trainer_state.json``, else its ``metrics.csv``, else the event files under it;
* a file starting with a valid TFRecord header (or named ``*tfevents*``): TensorBoard;
* a file starting with ``{``: a transformers ``trainer_state.json``;
* otherwise a CSV: Lightning's when the header has ``step`` and ``lr-*`` columns, else a plain one.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lrviz.actual import hf, lightning, plaincsv, tensorboard
from lrviz.actual.series import ActualLog
from lrviz.actual.tfrecord import looks_like_tfrecord
from lrviz.errors import LrvizError, did_you_mean
from lrviz.inputs import open_regular
from lrviz.limits import MAX_STEPS
from lrviz.numeric import in_range

_SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True)
class Format:
    name: str
    what: str  # for messages: what such a file is
    read: Callable[..., ActualLog]


FORMATS: dict[str, Format] = {
    "transformers": Format("transformers", "a transformers trainer_state.json", hf.read),
    "lightning": Format("lightning", "a Lightning CSVLogger metrics.csv", lightning.read),
    "tensorboard": Format("tensorboard", "a TensorBoard event file or a folder of them", tensorboard.read),
    "csv": Format("csv", "a CSV with a step column and an lr column", plaincsv.read),
}


def split_spec(spec: str) -> tuple[Path, str | None]:
    """``path`` or ``path:SELECTOR``; the path is the longest prefix before a ':' that exists."""
    text = str(spec)
    if not text:
        raise LrvizError("--actual needs a file or folder")
    if Path(text).exists():
        return Path(text), None
    for i, char in enumerate(text):
        if char == ":" and i > 0 and Path(text[:i]).exists():
            selector = text[i + 1 :]
            if not selector:
                raise LrvizError(
                    "nothing after ':'; write FILE:TAG, FILE:COLUMN or FILE:KEY, or just FILE", file=text[:i]
                )
            return Path(text[:i]), selector
    raise LrvizError("no such file or folder", file=text)


def detect(path: Path, display: str) -> str:
    """The name of the format of ``path`` (a key of :data:`FORMATS`)."""
    if path.is_dir():
        if (path / "trainer_state.json").is_file():
            return "transformers"
        if (path / "metrics.csv").is_file():
            return "lightning"
        return "tensorboard"  # a folder of event files; read_actual looks deeper when it has none
    if not path.is_file():
        raise LrvizError("not a regular file or a folder", file=display)
    try:
        with open_regular(path, limit=None, display=display, what="a training log") as fh:
            head = fh.read(_SNIFF_BYTES)
    except OSError as exc:
        raise LrvizError(f"cannot read: {exc.strerror or exc}", file=display) from None
    if not head:
        raise LrvizError("the file is empty", file=display)
    if looks_like_tfrecord(head) or "tfevents" in path.name:
        return "tensorboard"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"{"):
        return "transformers"
    if b"\x00" in head:
        raise LrvizError(f"not a training log lrviz reads ({_formats_line()})", file=display)
    first = head.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace")
    try:
        header = [h.strip() for h in next(csv.reader(io.StringIO(first)), [])]
    except csv.Error:
        header = []
    return "lightning" if lightning.is_lightning_header(header) else "csv"


def _formats_line() -> str:
    return "expected " + "; ".join(f.what for f in FORMATS.values())


def read_actual(spec: str | Path, *, format: str | None = None, shift: int = 0) -> ActualLog:
    """Read one ``--actual`` source: ``FILE``, ``FOLDER`` or ``FILE:SELECTOR``.

    ``format`` skips detection (a key of :data:`FORMATS`); ``shift`` is added to every row
    after the framework's own convention, for a log whose steps are counted differently
    (``shift=-1``: the log's step k is lrviz's row k-1).
    """
    if isinstance(shift, bool) or not isinstance(shift, int):
        raise LrvizError(f"shift must be a whole number of steps, not {shift!r}")
    in_range(shift, what="the shift (--actual-shift)", minimum=-MAX_STEPS, maximum=MAX_STEPS)
    path, selector = split_spec(str(spec))
    display = str(path)
    if format is None:
        format = detect(path, display)
    elif format not in FORMATS:
        raise LrvizError(f"unknown log format {format!r}{did_you_mean(format, FORMATS)}; one of {', '.join(FORMATS)}")
    if path.is_dir() and format in ("transformers", "lightning"):
        inner = path / ("trainer_state.json" if format == "transformers" else "metrics.csv")
        return FORMATS[format].read(inner, selector, shift=shift, display=str(inner))
    if path.is_dir() and format == "tensorboard" and not tensorboard.find_event_files(path):
        nested = _nested_logs(path)
        if len(nested) == 1:  # lightning_logs/ holding one version_0/metrics.csv, an output dir with one checkpoint
            return read_actual(f"{nested[0]}:{selector}" if selector else nested[0], shift=shift)
        if nested:
            listed = ", ".join(str(p) for p in nested[:5]) + (" ..." if len(nested) > 5 else "")
            raise LrvizError(f"this folder holds {len(nested)} logs ({listed}); name one", file=display)
    return FORMATS[format].read(path, selector, shift=shift, display=display)


def _nested_logs(folder: Path, depth: int = 3) -> list[Path]:
    """trainer_state.json / metrics.csv files up to ``depth`` folders down (links not followed), sorted."""
    found: list[Path] = []
    base = len(folder.parts)
    for root, dirs, files in os.walk(folder, followlinks=False):
        if len(Path(root).parts) - base >= depth:
            dirs[:] = []
        dirs.sort()
        found.extend(Path(root) / f for f in sorted(files) if f in ("trainer_state.json", "metrics.csv"))
        if len(found) > 50:
            break
    return found
