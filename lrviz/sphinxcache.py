"""The directive's figure cache: what a figure depends on, hashed, and where it is kept.

A figure is stored under a key of everything that decides its bytes (the config's bytes
and name, the directive's options, lrviz's own files and the versions of what it draws
with and reads), with a manifest of the other files it was drawn from and their hashes.
The build's cache is in Sphinx's doctree folder; ``lrviz_cache_dir`` adds a store that
outlives it (:mod:`lrviz.sphinxext`). Kept apart from the directive so the cache can be
read without Sphinx.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lrviz._version import __version__
from lrviz.errors import LrvizError
from lrviz.inputs import open_regular
from lrviz.io import atomic_write
from lrviz.jsonio import dumps

#: Bump when what a cached figure holds changes (the manifest, the key).
CACHE_VERSION = "2"


@dataclass(frozen=True)
class Drawn:
    """A figure in the cache: its image, its title and the files it was drawn from."""

    image: Path
    title: str
    inputs: tuple[str, ...]  # absolute paths of the files read besides the config
    cached: bool


#: The distributions a figure's pixels or values can depend on: the drawing, and the frameworks
#: whose files lrviz reads and whose schedulers it steps (a missing one is recorded as missing).
DISTRIBUTIONS = (
    "torch", "matplotlib", "numpy", "PyYAML", "transformers", "accelerate", "timm", "pytorch-lightning",
    "lightning", "deepspeed", "mmengine", "torchtune", "torchao", "megatron-core", "hydra-core", "omegaconf",
    "jsonargparse",
)  # fmt: skip


@functools.lru_cache(maxsize=1)
def _versions() -> str:
    """lrviz's version and files, and the versions of :data:`DISTRIBUTIONS`: once a process (~50 ms)."""
    out = [f"lrviz={__version__}", f"lrviz-files={fingerprint(Path(__file__).resolve().parent)}"]
    for dist in DISTRIBUTIONS:
        try:
            out.append(f"{dist}={importlib.metadata.version(dist)}")
        except importlib.metadata.PackageNotFoundError:
            out.append(f"{dist}=-")
    return ";".join(out)


def fingerprint(package: Path) -> str:
    """Every file of the package at ``package`` (names and bytes, compiled caches left out), hashed.

    The version alone does not say what drew a figure: an editable checkout changes under
    the same version, and a figure kept across builds must be drawn again when it does."""
    h = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            h.update(path.relative_to(package).as_posix().encode("utf-8") + b"\0")
            h.update(path.read_bytes())
    return h.hexdigest()[:32]


#: A file a figure was drawn from (a metric CSV, a scheduler's .py) is hashed in pieces of this size.
_PIECE = 1 << 20


def sha256(path: Path) -> str | None:
    """The digest of a regular file within the metric CSV cap, read in pieces (None: not such a file)."""
    from lrviz.metric import MAX_CSV_BYTES

    h = hashlib.sha256()
    try:
        with open_regular(path, limit=MAX_CSV_BYTES) as fh:
            for piece in iter(lambda: fh.read(_PIECE), b""):
                h.update(piece)
    except (LrvizError, OSError):
        return None
    return h.hexdigest()


def cache_key(config_bytes: bytes, shown: str, options: dict[str, Any], trust: bool) -> str:
    """What a figure depends on, hashed: the config's bytes and name, the options, the versions."""
    h = hashlib.sha256()
    for part in (CACHE_VERSION, _versions(), shown, dumps(dict(sorted(options.items()))), str(trust)):
        h.update(part.encode("utf-8") + b"\0")
    h.update(config_bytes)
    return h.hexdigest()[:32]


def cached(image: Path, manifest: Path) -> Drawn | None:
    """The stored figure, if it and every file it was drawn from are unchanged."""
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        inputs: dict[str, str] = data["inputs"]
        title = str(data["title"])
        if not image.is_file() or any(sha256(Path(p)) != digest for p, digest in inputs.items()):
            return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):  # a torn or foreign manifest: draw again
        return None
    return Drawn(image, title, tuple(inputs), cached=True)


def restored(store: Path, cache_dir: Path, name: str) -> Drawn | None:
    """The figure from the ``lrviz_cache_dir`` store, copied into this build's cache (Sphinx takes
    images from there), if it is there and current."""
    kept = cached(store / name, store / f"{Path(name).stem}.json")
    if kept is None:
        return None
    image, manifest = cache_dir / name, cache_dir / f"{Path(name).stem}.json"
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        atomic_write(image, kept.image.read_bytes())
        atomic_write(manifest, (store / manifest.name).read_bytes())
    except OSError:
        return None
    return Drawn(image, kept.title, kept.inputs, cached=True)


def keep(store: Path | None, image: Path, manifest: Path) -> None:
    """A drawn figure kept in the ``lrviz_cache_dir`` store too (image first, as in the build's cache)."""
    if store is None:
        return
    store.mkdir(parents=True, exist_ok=True)
    atomic_write(store / image.name, image.read_bytes())
    atomic_write(store / manifest.name, manifest.read_bytes())
