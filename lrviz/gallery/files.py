"""Writing a gallery into OUTDIR, and checking that OUTDIR is current.

Nothing is written outside OUTDIR (every name is checked before the first write),
images go before the pages that show them, every write is atomic, and a README.md or
index.html that lrviz did not write is never overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lrviz.errors import LrvizError
from lrviz.gallery.entries import FORMATS, MARKER, PAGES, Gallery
from lrviz.gallery.pages import render_index, render_readme
from lrviz.io import write_all


def gallery_files(gallery: Gallery) -> dict[str, bytes]:
    """Every file OUTDIR should hold, name -> bytes (images first, pages last)."""
    out: dict[str, bytes] = {}
    for entry in gallery.rendered:
        for fmt in FORMATS:
            out[entry.file_name(fmt)] = entry.images[fmt]
    out["README.md"] = render_readme(gallery).encode("utf-8")
    out["index.html"] = render_index(gallery).encode("utf-8")
    return out


def _target(outdir: Path, name: str) -> Path:
    """``outdir / name``, refusing any name that could land outside ``outdir``."""
    if not name or name != Path(name).name or name in (".", "..") or "/" in name or "\\" in name:
        raise LrvizError(f"refusing to write {name!r}: not a plain file name")
    base = outdir.resolve()
    target = base / name
    if target.parent != base:
        raise LrvizError(f"refusing to write {name!r} outside {str(outdir)!r}")
    return outdir / name


def _is_gallery_folder(outdir: Path) -> bool:
    readme = outdir / "README.md"
    try:
        with open(readme, "rb") as fh:
            return fh.read(len(MARKER.encode())).decode("utf-8", "replace") == MARKER
    except OSError:
        return False


def _refuse_foreign_pages(outdir: Path) -> None:
    """A README.md or index.html that lrviz did not write is the user's: never overwrite it.

    ``lrviz gallery configs -o .`` in a project would otherwise replace its README.md.
    """
    for page in PAGES:
        path = outdir / page
        if not (path.exists() or path.is_symlink()):
            continue
        try:
            with open(path, "rb") as fh:
                head = fh.read(4096).decode("utf-8", "replace")
        except OSError:
            head = ""
        ours = (
            head.startswith(MARKER)
            if page == "README.md"
            else '<meta name="generator" content="lrviz gallery">' in head
        )
        if not ours:
            raise LrvizError(
                f"{str(path)!r} was not written by lrviz gallery; refusing to overwrite it: give -o a new folder "
                "or a gallery folder"
            )


def _existing_images(outdir: Path) -> set[str]:
    if not outdir.is_dir():
        return set()
    return {
        p.name
        for p in outdir.iterdir()
        if p.suffix.lower() in tuple(f".{f}" for f in FORMATS)
        and p.name not in PAGES  # index.html is a page, not an entry's interactive figure
        and not p.name.startswith(".")
        and (p.is_file() or p.is_symlink())
    }


def preflight(outdir: str | Path) -> bool:
    """Refuse an OUTDIR the gallery may not write into, before anything is rendered or written.

    It must be a folder (or not exist yet), and its README.md / index.html must be a
    gallery's own. True when ``outdir`` is a gallery folder already.
    """
    outdir = Path(outdir)
    if (outdir.exists() or outdir.is_symlink()) and not outdir.is_dir():
        raise LrvizError(f"{str(outdir)!r} exists and is not a folder")
    if not outdir.is_dir():
        return False
    was_gallery = _is_gallery_folder(outdir)
    if not was_gallery:
        _refuse_foreign_pages(outdir)
    return was_gallery


def write_gallery(gallery: Gallery, outdir: str | Path) -> list[Path]:
    """Write every file of ``gallery`` into ``outdir`` as one change; return the paths written.

    Every file is written to a temporary file first, and only when all are (a full disk
    fails here, leaving nothing) are they renamed into place, with stopping signals
    deferred (:func:`lrviz.io.write_all`): a previous gallery is replaced whole or not at
    all. Images of configs that no longer exist are removed once ``outdir`` is known to
    be a gallery folder (see the module docstring). A refusal writes nothing, not even
    the folder.
    """
    outdir = Path(outdir)
    files = gallery_files(gallery)
    for name in files:  # verify every name first
        _target(outdir, name)
    was_gallery = preflight(outdir)
    created = not outdir.is_dir()
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LrvizError(f"cannot create {str(outdir)!r}: {exc.strerror or exc}") from None
    stale = sorted(_existing_images(outdir) - gallery.owned_names()) if was_gallery else []
    try:
        return write_all(
            {_target(outdir, name): data for name, data in files.items()},
            remove=[_target(outdir, name) for name in stale],
        )
    except BaseException:
        if created:
            _remove_empty(outdir)
        raise


def _remove_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass


@dataclass
class Difference:
    kind: str  # "missing" | "stale" | "extra"
    name: str
    detail: str = ""  # "from configs/torch/steplr.yaml", "no config produces it"

    def __str__(self) -> str:
        return f"{self.kind}: {self.name}" + (f" ({self.detail})" if self.detail else "")


def check_gallery(gallery: Gallery, outdir: str | Path) -> list[Difference]:
    """How ``outdir`` differs from what ``gallery`` would write (bytes, not dates).

    Images of failed or skipped entries are neither expected nor "extra": their config
    is reported as failed (or skipped) instead.
    """
    outdir = Path(outdir)
    files = gallery_files(gallery)
    source = {e.file_name(fmt): f"from {e.shown_path}" for e in gallery.entries for fmt in FORMATS}
    diffs: list[Difference] = []
    for name, data in files.items():
        path = _target(outdir, name) if outdir.is_dir() else outdir / name
        try:
            current = path.read_bytes() if path.is_file() else None
        except OSError:
            current = None
        if current is None:
            diffs.append(Difference("missing", name, source.get(name, "")))
        elif current != data:
            diffs.append(Difference("stale", name, source.get(name, "")))
    for name in sorted(_existing_images(outdir) - gallery.owned_names()):
        diffs.append(Difference("extra", name, "no config produces it"))
    return diffs
