"""Opening a file lrviz reads: a regular file, within a size cap, checked before a byte is read.

Every reader goes through :func:`open_regular` (or :func:`read_capped`), whatever reads
it (the CLI, a gallery worker, the Sphinx directive's cache key). Why here and not in
each reader:

* A FIFO, device or socket named ``x.yaml`` (or ``m.csv``, ``trainer_state.json``) would
  block a reader forever or never end. The file is opened with ``O_NONBLOCK`` (so even
  opening a FIFO with no writer returns at once) and ``fstat`` of the *open* descriptor
  says what it is: anything but a regular file is refused before reading, with no window
  between a check and the open.
* The size is that descriptor's ``st_size``, checked before reading: a 3 GiB sparse
  ``.yaml`` is refused without reading it, in bounded memory. A file that grows while
  read is still cut at the cap (:func:`read_capped` reads one byte past it, no more).
* Paths the system cannot open (too long a name, a loop of links, no permission) are one
  line naming the file, never an ``OSError`` escaping as a bug.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

from lrviz.errors import LrvizError

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words (for messages)."""
    return next((word for test, word in _KINDS if test(mode)), "not a regular file")


def size_words(n: int) -> str:
    """A byte count as people read a cap: 1000 kB, 256 MiB."""
    if n % (1 << 20) == 0:
        return f"{n >> 20} MiB"
    if n % 1000 == 0 and n < 10_000_000:
        return f"{n // 1000} kB"
    return f"{n / 1_000_000:,.0f} MB"


def os_reason(exc: OSError) -> str:
    """An OSError in a user's words: 'the file name is longer than the file system allows'."""
    if exc.errno == errno.ENAMETOOLONG:
        return "the file name is longer than the file system allows"
    if exc.errno == errno.ELOOP:
        return "a loop of symbolic links"
    return str(exc.strerror or exc)


def open_regular(
    path: str | Path,
    *,
    limit: int | None,
    display: str | None = None,
    what: str = "file",
    error: type[LrvizError] = LrvizError,
    too_large: str | None = None,
) -> BinaryIO:
    """``path`` opened for binary reading, once it is known to be a regular file of at most ``limit`` bytes.

    ``display`` is how messages name the file (default: the path); ``what`` what the
    file should be ("a YAML config file"), for the message about a folder; ``too_large``
    the reader's own words for a file over ``limit`` (``{size}`` is its size in MiB).
    """
    shown = str(path) if display is None else display
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise error("no such file", file=shown) from None
    except IsADirectoryError:
        raise error(f"is a folder, expected {what}", file=shown) from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        reason = os_reason(exc) if isinstance(exc, OSError) else "the path holds a NUL byte"
        raise error(f"cannot read: {reason}", file=shown) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise error(f"is a folder, expected {what}", file=shown)
        if not stat.S_ISREG(info.st_mode):
            raise error(f"is {file_kind(info.st_mode)}, not a regular file; lrviz reads only regular files", file=shown)
        if limit is not None and info.st_size > limit:
            raise error(_too_large(too_large, limit, info.st_size), file=shown)
        if flags & getattr(os, "O_NONBLOCK", 0):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_capped(
    path: str | Path,
    *,
    limit: int,
    display: str | None = None,
    what: str = "file",
    error: type[LrvizError] = LrvizError,
    too_large: str | None = None,
) -> bytes:
    """The bytes of the regular file ``path``, refused (``error``) when it holds more than ``limit``."""
    shown = str(path) if display is None else display
    with open_regular(path, limit=limit, display=shown, what=what, error=error, too_large=too_large) as fh:
        try:
            data = fh.read(limit + 1)
        except OSError as exc:
            raise error(f"cannot read: {os_reason(exc)}", file=shown) from None
    if len(data) > limit:
        raise error(_too_large(too_large, limit, len(data)), file=shown)
    return data


def _too_large(words: str | None, limit: int, size: int) -> str:
    if words is not None:
        return words.format(size=f"{size / (1 << 20):,.0f}")
    return f"the file is larger than {size_words(limit)} ({size:,} bytes)"


def is_regular(path: str | Path) -> bool:
    """Whether ``path`` (links followed) is a regular file, without opening it (False on any error)."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False
