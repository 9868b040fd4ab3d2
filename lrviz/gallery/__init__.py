"""Gallery: a folder of configs -> plots, a README.md and an index.html, or a staleness check.

The gallery is how users learn lrviz and compare schedules, so it is produced by lrviz
itself (in CI) and must never drift from the configs. That drives the design:

* **Deterministic.** Every output file is a pure function of the config files (and the
  pinned library versions): entries in sorted path order, no timestamps, no absolute
  paths. ``--check`` can then compare bytes, not dates.
* **One config, one unit of work.** A worker loads, simulates and renders one config
  and returns bytes; nothing is written until every worker is done. A failing config
  becomes a failed :class:`Entry` with its reason, never an aborted gallery.
* **Nothing outside OUTDIR.** Output names come from config paths only, sanitised by
  :func:`lrviz.io.safe_name` and verified to resolve inside OUTDIR before any write.
  Every write is atomic, images before the pages that reference them.
* **Trust is the caller's.** A config that imports code (``scheduler: "mod:Name"``) is
  rendered only with ``trust=True``; otherwise it is *skipped* with that reason, not
  failed: an untrusted run of a folder that holds such examples is not an error, but
  it says what it left out.

The folder is owned by the gallery: every ``*.svg`` / ``*.png`` at its top level is a
gallery image, so images of configs that no longer exist are "extra" for ``--check``
and removed by a write (only once OUTDIR holds a README.md written by lrviz, so a
first run into a folder of your own files never deletes any of them).

Modules: :mod:`~lrviz.gallery.entries` (which configs, output names),
:mod:`~lrviz.gallery.build` (rendering them on :mod:`lrviz.executor`'s pool),
:mod:`~lrviz.gallery.pages` (README.md and index.html), :mod:`~lrviz.gallery.files`
(writing OUTDIR, or checking it is current).
"""

from __future__ import annotations

from lrviz.gallery.build import build_gallery, render_entry
from lrviz.gallery.entries import FORMATS, MARKER, PAGES, Entry, Gallery, find_configs, output_stem, plan_entries
from lrviz.gallery.files import Difference, check_gallery, gallery_files, write_gallery
from lrviz.gallery.pages import render_index, render_readme

__all__ = [
    "FORMATS",
    "MARKER",
    "PAGES",
    "Difference",
    "Entry",
    "Gallery",
    "build_gallery",
    "check_gallery",
    "find_configs",
    "gallery_files",
    "output_stem",
    "plan_entries",
    "render_entry",
    "render_index",
    "render_readme",
    "write_gallery",
]
