"""Read lr scalars from TensorBoard event files, or a folder of them.

Which tags: with ``FILE:TAG`` exactly that tag; otherwise every scalar tag in which
``lr`` or ``learning_rate`` is a word (``lr``, ``lr-SGD/pg1``, ``train/learning_rate``,
``lr/backbone``), momentum tags (``lr-SGD-momentum``) as momentum, weight-decay tags left out.

Which convention, by tag: ``lr-*`` tags are Lightning's LearningRateMonitor through its
TensorBoardLogger, ``train/learning_rate`` is transformers' TensorBoardCallback,
``learning-rate`` Megatron-LM's ``training_log``, anything else is a user's ``SummaryWriter``
(see :mod:`lrviz.actual.conventions`).

A folder is searched for ``*tfevents*`` files (links not followed, bounded depth and
count); files are read in name order, which for TensorBoard's names
(``events.out.tfevents.<unix time>.<host>.<pid>.<n>``) is the order they were started, so
the last write of a repeated step (a resumed run) is the newest. Series of different
sub-folders (runs) stay apart, named ``<sub-folder>/<tag>``.

Values are stored as float32 by ``add_scalar`` (``simple_value``), so a series remembers
the least precise dtype it saw; the comparison's tolerance follows it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from lrviz.actual import conventions, limits
from lrviz.actual.series import (
    LR,
    WARNING,
    ActualLog,
    Budget,
    GroupHint,
    Note,
    Points,
    collect,
    is_lr_name,
    momentum_base,
    series_kind,
)
from lrviz.actual.tfrecord import Corrupt, Record, Truncated, event_scalars, records
from lrviz.errors import LrvizError, did_you_mean
from lrviz.inputs import open_regular

#: Precision order, least precise last: a series takes the least precise dtype among its points.
_PRECISION = ("float64", "float32", "float16", "bfloat16")


def find_event_files(folder: Path) -> list[Path]:
    """``*tfevents*`` files under ``folder``, in (sub-folder, start time, name) order."""
    found: list[Path] = []
    base_depth = len(folder.parts)
    for root, dirs, files in os.walk(folder, followlinks=False):
        depth = len(Path(root).parts) - base_depth
        if depth >= limits.MAX_FOLDER_DEPTH:
            dirs[:] = []
        dirs.sort()
        for name in sorted(files):
            if "tfevents" in name:
                path = Path(root) / name
                if path.is_file() and not path.is_symlink():
                    found.append(path)
                    if len(found) > limits.MAX_EVENT_FILES:
                        raise LrvizError(
                            f"more than {limits.MAX_EVENT_FILES} event files under this folder; name one run's folder "
                            "or file",
                            file=str(folder),
                        )
    return sorted(found, key=_file_order)


def _file_order(path: Path) -> tuple[str, int, int, int, str]:
    """The order the files were started: ``events.out.tfevents.<unix time>.<host>.<pid>.<n>``, by time,
    then (one process opening two writers in the same second: a resume in the same script) by ``n``,
    its writer count, as a number (by name, writer 10 would come before writer 9)."""
    match = re.search(r"tfevents\.(\d+)(?:\..*\.(\d+)\.(\d+))?", path.name)
    if match is None:
        return (str(path.parent), 0, 0, 0, path.name)
    pid, n = (int(match.group(2)), int(match.group(3))) if match.group(2) else (0, 0)
    return (str(path.parent), int(match.group(1)), pid, n, path.name)


def convention_for(tag: str) -> conventions.Convention:
    if tag.startswith("lr-"):
        return conventions.LIGHTNING_TENSORBOARD
    if tag == "train/learning_rate":
        return conventions.TRANSFORMERS_TENSORBOARD
    if tag in ("learning-rate", "decoupled-learning-rate"):  # Megatron-LM's training_log
        return conventions.MEGATRON_TENSORBOARD
    return conventions.SUMMARY_WRITER


def _hint(tag: str) -> GroupHint | None:
    if tag == "train/learning_rate":
        return GroupHint(index=0, why="transformers logs the first param group's lr (get_last_lr()[0])")
    if tag.startswith("lr-"):
        from lrviz.actual.lightning import lightning_hint

        return lightning_hint(momentum_base(tag) or tag)
    return None


class _Scan:
    """State of one pass over the files: the points per (run folder, tag) and what was noticed."""

    def __init__(self, display: str, want_tag: str | None) -> None:
        self.display = display
        self.want_tag = want_tag
        self.needle = want_tag.encode("utf-8") if want_tag else None
        self.points: dict[tuple[str, str], Points] = {}
        self.dtypes: dict[tuple[str, str], str] = {}
        self.budget = Budget(display)
        self.records = 0
        self.bytes_read = 0
        self.skipped_large = 0
        self.notes: list[Note] = []
        self.seen_tags: set[str] = set()
        self._wanted: dict[str, bool] = {}

    def wanted(self, tag: str) -> bool:
        known = self._wanted.get(tag)
        if known is None:
            if self.want_tag is not None:
                known = tag == self.want_tag
            else:
                known = is_lr_name(tag) and series_kind(tag) is not None
            if len(self._wanted) < 10_000:
                self._wanted[tag] = known
        return known

    def may_hold(self, data: bytes) -> bool:
        """A cheap byte test before any parsing: most records of a busy log are other scalars."""
        if self.needle is not None:
            return self.needle in data
        low = data.lower()
        return b"lr" in low or b"learning" in low


def _scan_file(scan: _Scan, path: Path, run: str, *, list_tags: bool = False) -> None:
    """Every record of one file into ``scan``; a cut tail is a note, corruption an error naming the record."""
    shown = str(path)
    with open_regular(path, limit=None, display=shown, what="a TensorBoard event file") as fh:
        size = os.fstat(fh.fileno()).st_size
        try:
            for rec in records(fh, size, first_index=0):
                scan.records += 1
                if scan.records > limits.MAX_RECORDS:
                    raise LrvizError(
                        f"more than {limits.MAX_RECORDS:,} records in the event files; lrviz reads at most that many",
                        file=scan.display,
                    )
                if rec.data is None:
                    scan.skipped_large += 1
                    continue
                scan.bytes_read += len(rec.data)
                if scan.bytes_read > limits.MAX_EVENT_BYTES:
                    raise LrvizError(
                        f"more than {limits.MAX_EVENT_BYTES // limits.MiB:,} MiB of records in the event files; "
                        "lrviz reads at most that much",
                        file=scan.display,
                    )
                if list_tags or scan.may_hold(rec.data):
                    _take(scan, rec, run, list_tags)
        except Truncated as exc:
            message = (
                f"{shown}: the file {exc} -- a run still writing, or a copy cut short; the values before it are used"
            )
            scan.notes.append(Note("truncated", WARNING, message))
        except Corrupt as exc:
            raise LrvizError(f"corrupt event file: {exc}", file=shown) from None
        except OSError as exc:
            raise LrvizError(f"cannot read: {exc.strerror or exc}", file=shown) from None


def _take(scan: _Scan, rec: Record, run: str, list_tags: bool) -> None:
    """The wanted scalars of one record (its data checksum verified first), or just its tags."""
    assert rec.data is not None
    try:
        step, scalars = event_scalars(rec.data)
    except Corrupt as exc:
        rec.verify()  # a checksum mismatch says "corrupt" better than a parse error
        raise Corrupt(f"record {rec.index} (byte {rec.offset}) is not a TensorBoard event: {exc}") from None
    verified = False
    for tag, value, dtype in scalars:
        if list_tags:
            if len(scan.seen_tags) < 200:
                scan.seen_tags.add(tag)
            continue
        if not scan.wanted(tag):
            continue
        if not verified:
            rec.verify()
            verified = True
            if not -limits.MAX_LOGGED_STEP <= step <= limits.MAX_LOGGED_STEP:
                lim = limits.MAX_LOGGED_STEP
                raise Corrupt(f"record {rec.index} (byte {rec.offset}): step {step:,} is outside {-lim:,} to {lim:,}")
        key = (run, tag)
        pts = scan.points.get(key)
        if pts is None:
            if len(scan.points) >= limits.MAX_SERIES:
                raise LrvizError(f"more than {limits.MAX_SERIES} lr tags; name one with FILE:TAG", file=scan.display)
            pts = scan.points[key] = Points(scan.budget)
            scan.dtypes[key] = dtype
        pts.add(step, value)
        if _PRECISION.index(dtype) > _PRECISION.index(scan.dtypes[key]):
            scan.dtypes[key] = dtype


def read(path: Path, selector: str | None, *, shift: int = 0, display: str | None = None) -> ActualLog:
    """Every lr (and momentum) scalar of an event file or a folder of them."""
    display = display or str(path)
    files = find_event_files(path) if path.is_dir() else [path]
    if not files:
        raise LrvizError("no TensorBoard event files (events.out.tfevents.*) in this folder", file=display)
    root = path if path.is_dir() else path.parent
    scan = _Scan(display, selector)
    for file in files:
        _scan_file(scan, file, str(file.parent.relative_to(root)) if file.parent != root else "")
    if not scan.points:
        _no_series(files, display, selector)
    runs = {run for run, _ in scan.points}
    series = []
    for (run, tag), pts in scan.points.items():
        name = f"{run}/{tag}" if len(runs) > 1 and run else tag
        kind = series_kind(tag) or LR
        base = momentum_base(tag)
        series.append(
            collect(
                pts,
                name=name,
                kind=kind,
                convention=convention_for(tag),
                dtype=scan.dtypes[(run, tag)],
                shift=shift,
                hint=_hint(tag),
                base=(f"{run}/{base}" if len(runs) > 1 and run else base) if base and kind != LR else None,
            )
        )
    series.sort(key=lambda s: s.name)
    notes = list(scan.notes)
    if scan.skipped_large:
        notes.append(
            Note(
                "skipped-records",
                "info",
                f"{scan.skipped_large} records over {limits.MAX_RECORD_BYTES // limits.MiB} MiB (images, graphs, "
                "histograms) were skipped unread",
            )
        )
    return ActualLog(
        file=display, format="tensorboard", series=series, notes=notes, meta={"files": [str(f) for f in files]}
    )


def _no_series(files: list[Path], display: str, selector: str | None) -> None:
    """Raise the 'nothing found' error, listing the scalar tags the files do have."""
    lister = _Scan(display, None)
    for file in files:
        _scan_file(lister, file, "", list_tags=True)
    tags = sorted(lister.seen_tags)
    listing = (
        f"scalar tags: {', '.join(tags[:20])}{' ...' if len(tags) > 20 else ''}" if tags else "no scalar values at all"
    )
    if selector is not None:
        raise LrvizError(f"no scalar tag {selector!r}{did_you_mean(selector, tags)} ({listing})", file=display)
    raise LrvizError(
        f"no lr in this log: no scalar tag has 'lr' or 'learning_rate' as a word ({listing}); name one with FILE:TAG",
        file=display,
    )
