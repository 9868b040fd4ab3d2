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
from lrviz.io import atomic_write


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


def write_gallery(gallery: Gallery, outdir: str | Path) -> list[Path]:
    """Write every file of ``gallery`` into ``outdir`` atomically; return the paths written.

    Images go first and the pages last, so a reader never sees a page that references
    an image not yet there. Images of configs that no longer exist are removed once
    ``outdir`` is known to be a gallery folder (see the module docstring).
    """
    outdir = Path(outdir)
    if outdir.exists() and not outdir.is_dir():
        raise LrvizError(f"{str(outdir)!r} exists and is not a folder")
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LrvizError(f"cannot create {str(outdir)!r}: {exc.strerror or exc}") from None
    files = gallery_files(gallery)
    targets = {name: _target(outdir, name) for name in files}  # verify every name first
    was_gallery = _is_gallery_folder(outdir)
    if not was_gallery:
        _refuse_foreign_pages(outdir)
    written = [atomic_write(targets[name], data) for name, data in files.items()]
    if was_gallery:
        for name in sorted(_existing_images(outdir) - gallery.owned_names()):
            try:
                _target(outdir, name).unlink(missing_ok=True)
            except OSError:
                pass
    return written


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
