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
from collections.abc import Iterable
from pathlib import Path

from lrviz.errors import LrvizError


def atomic_write(path: str | Path, data: bytes | str | Iterable[bytes | str]) -> Path:
    """Write ``data`` to ``path`` atomically (temp file + fsync + rename).

    ``data`` may be an iterable of pieces, written as they come: an export of 100M
    values is streamed to the temporary file, never held whole (lrviz.export).
    """
    path = Path(path)
    pieces: Iterable[bytes | str] = [data] if isinstance(data, (bytes, str)) else data
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise LrvizError(f"output folder {str(folder)!r} does not exist; create it first")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".lrviz-tmp-{path.name}.", dir=folder)
    except OSError as exc:
        raise LrvizError(f"cannot write to {str(folder)!r}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            for piece in pieces:
                fh.write(piece.encode("utf-8") if isinstance(piece, str) else piece)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise LrvizError(f"cannot write {str(path)!r}: {exc.strerror or exc}") from None
        raise
    return path


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
