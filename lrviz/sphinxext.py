"""Sphinx extension: ``.. lrviz:: path/to/config.yaml`` draws a schedule when the docs are built.

A library or a training repository documents its schedules with figures its own docs
build makes, the way matplotlib's ``plot`` directive does, so they cannot drift from
the configs. In ``conf.py``::

    extensions = ["lrviz.sphinxext"]

and in a document::

    .. lrviz:: schedules/warmup-cosine.yaml
       :layout: grid
       :yscale: log
       :x: epoch
       :format: png
       :caption: Warmup, then cosine.
       :show-config:

``:format: html`` embeds the interactive figure (hover, zoom; :mod:`lrviz.render.html`)
in the page itself, the chart library once per page however many figures it holds.

The path is relative to the document (``/path`` to the source folder). The figure is
drawn by lrviz's library pipeline (load, simulate the real torch scheduler, render),
the same as ``lrviz plot``; options the directive leaves out come from the config's
``plot:`` block, then lrviz's defaults.

Why it is built this way:

* **Cached.** A figure is stored in Sphinx's doctree folder (``<doctrees>/lrviz/``)
  under a hash of the config's bytes, its path, the options, and the versions of
  lrviz, torch and matplotlib, with a manifest of the other files it read (a metric
  CSV, a scheduler's ``file.py``) and their hashes. A document that is read again with
  nothing changed (``-E``, another edit to it) takes the stored figure without
  simulating; Sphinx itself re-reads a document whose config (or CSV) changed.
* **Kept across cold builds, when asked.** ``lrviz_cache_dir`` in ``conf.py`` names a
  folder that outlives the build folder (one CI caches between runs): a figure found
  there is copied into the doctree cache instead of drawn. A cold build then costs what
  the same docs with static images cost, and the images are the bytes a drawing would
  make, because the key also holds a hash of lrviz's own files (an edited checkout or a
  fix without a release draws again) and the versions of every framework lrviz reads.
  Drawing cannot be made that cheap: importing torch alone takes longer than a static
  build of 25 pages.
* **Nothing outside the build folder** unless ``lrviz_cache_dir`` says where: lrviz
  writes only those caches; Sphinx copies the image into its output folder
  (``_images/``) like any figure, for every builder.
* **Refusals, not surprises.** A config outside the docs source folder is refused
  unless ``conf.py`` lists its folder in ``lrviz_allowed_dirs``; a config that imports
  code needs ``lrviz_trust = True`` (conf.py is the project's own code, so that is the
  ``--trust`` of a docs build). A failing config is a Sphinx warning naming the file and
  the key (``-W`` makes it an error), never a crashed build.
* **Parallel.** The directive keeps no state but the cache (atomic writes: two
  processes drawing the same figure write the same bytes), so ``sphinx-build -j auto``
  reads documents in parallel.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError as SphinxConfigError
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from lrviz._version import __version__
from lrviz.errors import LrvizError
from lrviz.inputs import os_reason, read_capped
from lrviz.io import atomic_write
from lrviz.jsonio import dumps
from lrviz.parse.yamlio import MAX_BYTES, read_text
from lrviz.sphinxcache import Drawn, cache_key, cached, keep, restored, sha256

logger = logging.getLogger(__name__)

FORMATS = ("svg", "png", "html")  # html: the interactive figure, inline (lrviz.render.html)


def _inputs(config: Any, path: Path) -> list[Path]:
    """The files besides the config a simulation read: metric CSVs, ``file.py`` scheduler targets, a
    JSON framework file's ``.lrviz`` sidecar (its dataset size)."""
    from lrviz.sources.facts import sidecar as sidecar_of

    sidecar = sidecar_of(path)
    found: list[Path] = [sidecar] if sidecar.is_file() else []
    for schedule in config.schedules:
        csv = getattr(schedule.feed, "csv", None)
        if csv is not None:
            found.append(Path(csv))
        for spec in schedule.spec.walk():
            target = spec.name.rpartition(":")[0] if spec.kind == "import" else ""
            if target.endswith(".py") and (config.base_dir / target).is_file():
                found.append((config.base_dir / target).resolve())
    return sorted(set(found))


def draw(
    path: Path, shown: str, options: dict[str, Any], *, cache_dir: Path, trust: bool, store: Path | None = None
) -> Drawn:
    """The figure of the config at ``path``, from the cache or drawn now (and stored).

    ``shown`` is how messages and the cache name the config (its path in the docs);
    ``options`` the directive's plot options (layout, yscale, x) and ``format``;
    ``store`` the folder kept across builds (``lrviz_cache_dir``), if any.
    """
    # a regular file within the config cap, refused before it is read (a sparse 3 GiB file, a FIFO)
    config_bytes = read_capped(path, limit=MAX_BYTES, display=shown, what="a YAML config file")
    fmt = options.get("format", "svg")
    key = cache_key(config_bytes, shown, options, trust)
    image, manifest = cache_dir / f"{key}.{fmt}", cache_dir / f"{key}.json"
    hit = cached(image, manifest) or (restored(store, cache_dir, image.name) if store else None)
    if hit is not None:
        return hit
    from lrviz.render.plot import render_bytes
    from lrviz.simulate import simulate
    from lrviz.sources import load_source
    from lrviz.validate import PlotOptions, apply_sweeps

    plot = {k: options[k] for k in ("layout", "yscale", "x") if options.get(k) is not None}
    try:  # an lrviz config or a framework's file, read as `lrviz plot` reads it (its '# lrviz:' facts too)
        loaded = load_source(path, trust=trust)
        config = apply_sweeps(loaded.config, [], force=False)
        plot_options = PlotOptions.resolve(config.plot, subtitle=loaded.summary, **plot)
        figure = render_bytes(simulate(config, jobs=1), fmt, plot_options)
    except LrvizError as exc:  # named as the docs name it, not by its absolute path
        if exc.file is None or Path(exc.file).resolve() == path.resolve():
            exc.file = shown
        raise
    inputs = {str(p): sha256(p) for p in _inputs(config, path)}
    cache_dir.mkdir(parents=True, exist_ok=True)
    atomic_write(image, figure)  # the image first: a manifest never points at nothing
    atomic_write(manifest, dumps({"title": config.title or "", "config": shown, "inputs": inputs}, indent=1))
    try:
        keep(store, image, manifest)
    except OSError as exc:  # the store is an optimisation: the figure is drawn, the build goes on
        logger.warning("lrviz: lrviz_cache_dir %s: cannot keep %s there: %s", store, shown, os_reason(exc))
    return Drawn(image, config.title or "", tuple(inputs), cached=False)


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _choice(values: tuple[str, ...]) -> Any:
    return lambda argument: directives.choice((argument or "").strip().lower(), values)


class LrvizDirective(SphinxDirective):
    """``.. lrviz:: CONFIG`` (see the module docstring)."""

    required_arguments = 1
    final_argument_whitespace = True
    has_content = False
    option_spec: ClassVar[dict[str, Any]] = {
        "layout": directives.unchanged,  # checked by lrviz (PlotOptions), with its own words
        "yscale": directives.unchanged,
        "x": directives.unchanged,
        "format": _choice(FORMATS),
        "show-config": directives.flag,
        "caption": directives.unchanged,
        "alt": directives.unchanged,
        "name": directives.unchanged,
    }

    def run(self) -> list[nodes.Node]:
        argument = self.arguments[0].strip()
        try:
            path, shown = self._config_path(argument)
            self.env.note_dependency(str(path))
            options = {k: self.options.get(k) for k in ("layout", "yscale", "x")}
            options["format"] = self.options.get("format") or self.config.lrviz_format
            store = Path(self.config.lrviz_cache_dir) if self.config.lrviz_cache_dir else None
            trust = bool(self.config.lrviz_trust)
            drawn = draw(path, shown, options, cache_dir=self._cache_dir(), trust=trust, store=store)
        except LrvizError as exc:
            logger.warning("lrviz: %s", exc, location=self.get_location(), type="lrviz", subtype="config")
            return []
        except OSError as exc:  # the system refused a path (too long a name...): the config's problem
            reason = f"{argument}: cannot read: {os_reason(exc)}"
            logger.warning("lrviz: %s", reason, location=self.get_location(), type="lrviz", subtype="config")
            return []
        except Exception as exc:  # a bug in lrviz: one warning, never a crashed docs build
            logger.warning(
                "lrviz: internal error drawing %s: %s: %s (a bug in lrviz)",
                argument,
                type(exc).__name__,
                exc,
                location=self.get_location(),
                type="lrviz",
                subtype="internal",
            )
            return []
        for extra in drawn.inputs:
            self.env.note_dependency(extra)
        logger.verbose("lrviz: %s %s", shown, "from the cache" if drawn.cached else "drawn")
        return self._nodes(path, shown, drawn)

    def _config_path(self, argument: str) -> tuple[Path, str]:
        """The config's absolute path, refused outside the source folder and the allowed ones."""
        rel, absolute = self.env.relfn2path(argument, self.env.docname)
        path = Path(absolute).resolve()
        srcdir = Path(self.env.srcdir).resolve()
        roots = [srcdir, *(Path(p) for p in self.config.lrviz_allowed_dirs)]
        if not any(_inside(path, root) for root in roots):
            raise LrvizError(
                f"{argument!r} is outside the docs source folder; list its folder in lrviz_allowed_dirs in conf.py "
                "to allow it (paths relative to conf.py's folder)"
            )
        if not path.is_file():
            raise LrvizError("no such config file", file=argument)
        return path, rel

    def _cache_dir(self) -> Path:
        return Path(self.env.doctreedir) / "lrviz"

    def _html(self, drawn: Drawn) -> nodes.Node:
        """``:format: html``: the interactive figure inline; the library with the first one on the page."""
        from lrviz.render.html.page import embedded, library

        first = not self.env.temp_data.get("lrviz_library")  # temp_data: this document's reading only
        self.env.temp_data["lrviz_library"] = True
        text = embedded(drawn.image.read_text(encoding="utf-8")) + (library() if first else "")
        return nodes.raw("", text, format="html")

    def _nodes(self, path: Path, shown: str, drawn: Drawn) -> list[nodes.Node]:
        if drawn.image.suffix == ".html":
            figure: nodes.Element = nodes.container("", self._html(drawn), classes=["lrviz", "lrviz-interactive"])
            self.set_source_info(figure)
            return self._captioned(path, figure)
        doc_dir = Path(self.env.doc2path(self.env.docname)).parent
        uri = Path(os.path.relpath(drawn.image, doc_dir)).as_posix()
        image = nodes.image(uri=uri, alt=self.options.get("alt") or drawn.title or shown)
        figure = nodes.figure("", image, classes=["lrviz"])
        self.set_source_info(figure)
        return self._captioned(path, figure)

    def _captioned(self, path: Path, figure: nodes.Element) -> list[nodes.Node]:
        caption = self.options.get("caption")
        if caption:
            parsed, messages = self.parse_inline(caption, lineno=self.lineno)
            figure += nodes.caption(caption, "", *parsed)
            figure += messages
        self.add_name(figure)
        out: list[nodes.Node] = [figure]
        if "show-config" in self.options:
            text = read_text(path).rstrip("\n")
            block = nodes.literal_block(text, text, language="yaml", classes=["lrviz-config"])
            self.set_source_info(block)
            out.append(block)
        return out


def _settings(app: Sphinx, config: Config) -> None:
    """Check the conf.py settings once, and make ``lrviz_allowed_dirs`` absolute (from conf.py's folder)."""
    allowed = config.lrviz_allowed_dirs
    if isinstance(allowed, (str, os.PathLike)) or not all(isinstance(p, (str, os.PathLike)) for p in allowed):
        raise SphinxConfigError(f"lrviz_allowed_dirs must be a list of folder paths, got {allowed!r}")
    config.lrviz_allowed_dirs = [str((Path(app.confdir) / p).resolve()) for p in allowed]
    store = config.lrviz_cache_dir
    if not isinstance(store, (str, os.PathLike)):
        raise SphinxConfigError(f"lrviz_cache_dir must be a folder path or empty, got {store!r}")
    config.lrviz_cache_dir = str((Path(app.confdir) / store).resolve()) if str(store) else ""
    if config.lrviz_cache_dir and Path(config.lrviz_cache_dir).exists() and not Path(config.lrviz_cache_dir).is_dir():
        raise SphinxConfigError(f"lrviz_cache_dir must be a folder, and {store!r} is a file")
    if config.lrviz_format not in FORMATS:
        raise SphinxConfigError(f"lrviz_format must be one of {', '.join(FORMATS)}, got {config.lrviz_format!r}")


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("lrviz_allowed_dirs", [], "env", types=(list, tuple))
    app.add_config_value("lrviz_trust", False, "env", types=(bool,))
    app.add_config_value("lrviz_format", "svg", "env", types=(str,))
    app.add_config_value("lrviz_cache_dir", "", "", types=(str,))  # where figures are kept across builds
    app.connect("config-inited", _settings)
    app.add_directive("lrviz", LrvizDirective)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
