"""Atomic, deterministic file output.

Every file lrviz writes goes through :func:`atomic_write`: the bytes go to a temporary
file in the same folder, are flushed to disk, and only then renamed over the target.
A failed or interrupted run therefore never leaves a partial file and never clobbers a
good one, and two processes writing the same file leave one complete version.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from lrviz.errors import LrvizError
from lrviz.interrupts import check as check_interrupts
from lrviz.interrupts import deferred


def atomic_write(path: str | Path, data: bytes | str | Iterable[bytes | str]) -> Path:
    """Write ``data`` to ``path`` atomically (temp file + fsync + rename).

    ``data`` may be an iterable of pieces, written as they come: an export of 100M
    values is streamed to the temporary file, never held whole (lrviz.export).
    """
    path = Path(path)
    tmp = _stage(path, data)
    with _discarded_on_failure(tmp, path):
        os.replace(tmp, path)
    return path


@contextmanager
def _discarded_on_failure(tmp: str, path: Path) -> Iterator[None]:
    """Remove the temporary file ``tmp`` if the block fails; a system refusal becomes one clear message."""
    try:
        yield
    except BaseException as exc:
        _unlink(tmp)
        if isinstance(exc, OSError):
            raise LrvizError(f"cannot write {str(path)!r}: {exc.strerror or exc}") from None
        raise


def _stage(path: Path, data: bytes | str | Iterable[bytes | str]) -> str:
    """``data`` in a flushed temporary file beside ``path``: its name (removed again on any failure)."""
    pieces: Iterable[bytes | str] = [data] if isinstance(data, (bytes, str)) else data
    folder = path.parent if str(path.parent) else Path(".")
    try:
        if not folder.is_dir():
            raise LrvizError(f"output folder {str(folder)!r} does not exist; create it first")
        fd, tmp = tempfile.mkstemp(prefix=f".lrviz-tmp-{path.name[:80]}.", dir=folder)
    except OSError as exc:
        raise LrvizError(f"cannot write to {str(folder)!r}: {exc.strerror or exc}") from None
    with _discarded_on_failure(tmp, path):
        with os.fdopen(fd, "wb") as fh:
            for piece in pieces:
                fh.write(piece.encode("utf-8") if isinstance(piece, str) else piece)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
    return tmp


def _unlink(path: str | Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def write_all(files: Mapping[Path, bytes | str], *, remove: Iterable[Path] = ()) -> list[Path]:
    """Write every file as one change: all or nothing, the previous files intact on any failure.

    Every file is first written to a temporary file beside its target (a full disk, an
    error or an interrupt there removes them all and touches nothing else); then the
    targets are replaced one by one with stopping signals deferred
    (:func:`lrviz.interrupts.deferred`), each previous file kept under a hard link until
    all are in place, so a failing rename puts back what was replaced. ``remove`` (files
    no longer wanted, such as a gallery's images of deleted configs) go last.
    """
    staged: list[tuple[str, Path]] = []
    try:
        for path, data in files.items():
            staged.append((_stage(Path(path), data), Path(path)))
    except BaseException:
        for tmp, _ in staged:
            _unlink(tmp)
        raise
    try:
        check_interrupts()  # a stopping signal whose exception was swallowed: nothing is committed
    except BaseException:
        for tmp, _ in staged:
            _unlink(tmp)
        raise
    with deferred():
        _commit(staged)
        for path in remove:
            _unlink(path)
    return [path for _, path in staged]


def _commit(staged: list[tuple[str, Path]]) -> None:
    """Rename every staged file over its target; on a failure, put back every target replaced so far."""
    kept: list[tuple[Path, str | None]] = []
    try:
        for tmp, path in staged:
            kept.append((path, _keep(path)))
            os.replace(tmp, path)
    except OSError as exc:
        for path, old in reversed(kept):
            if old is not None:
                os.replace(old, path)
                _unlink(old)  # rename() between two links of one file does nothing: the link stays
            else:
                _unlink(path)
        for tmp, _ in staged:
            _unlink(tmp)
        raise LrvizError(f"cannot write {str(kept[-1][0])!r}: {exc.strerror or exc}") from None
    for _, old in kept:
        if old is not None:
            _unlink(old)


def _keep(path: Path) -> str | None:
    """A hard link to the file ``path`` holds now (None when there is none), to put back on a failure."""
    if not (path.exists() or path.is_symlink()):
        return None
    keep = str(path.with_name(f".lrviz-old-{path.name[:80]}.{os.getpid()}"))
    _unlink(keep)
    try:
        os.link(path, keep, follow_symlinks=False)
    except OSError:
        return None
    return keep


def make_folder(folder: str | Path) -> Path:
    """Create ``folder`` and its missing parents (nothing when it exists); a clear error when it cannot be."""
    folder = Path(folder)
    if folder.is_dir():
        return folder
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LrvizError(f"cannot create output folder {str(folder)!r}: {exc.strerror or exc}") from None
    return folder


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(text: str, *, fallback: str = "untitled") -> str:
    """A file-name stem that cannot leave its folder: no separators, no dots in front."""
    name = _UNSAFE.sub("-", str(text)).strip(".-_")
    return name[:100] or fallback
