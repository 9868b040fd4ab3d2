"""Rendering a gallery: every config loaded, simulated and drawn, one config per task.

A worker loads, simulates and renders one config and returns bytes; nothing is written
until every worker is done (:mod:`lrviz.gallery.files`). A failing config becomes a
failed :class:`~lrviz.gallery.entries.Entry` with its reason, never an aborted gallery.
The work runs on :mod:`lrviz.executor`'s pool, like every parallel job of lrviz.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lrviz import executor
from lrviz.errors import LrvizError, TrustError
from lrviz.gallery.entries import FORMATS, Entry, Gallery, find_configs, output_stem, plan_entries
from lrviz.gallery.schedule import plan_tasks
from lrviz.inputs import os_reason
from lrviz.parse.yamlio import read_text
from lrviz.registry.frameworks import FrameworkMissing

#: What a worker imports at its first config, beyond torch and matplotlib's figure: imported by the
#: gallery command before the workers fork (lrviz.startup.load), so that each worker does not import
#: them again (about 0.3 s of CPU a worker; benchmarks/RESULTS.md, issue 28).
WORKER_MODULES = (
    "lrviz.render.plot",
    "lrviz.render.figure",
    "lrviz.render.html",
    "lrviz.simulate",
    "lrviz.sources",
    "lrviz.validate",
    "matplotlib.backends.backend_svg",
    "PIL.PngImagePlugin",
    "PIL.BmpImagePlugin",
    "PIL.GifImagePlugin",
    "PIL.JpegImagePlugin",
    "PIL.PpmImagePlugin",
)


def render_entry(config_dir: str, rel: str, trust: bool = False, debug: bool = False) -> Entry:
    """Load, simulate and render one config: the unit of work of a gallery worker.

    Top-level and argument-picklable, so it runs in a spawned process. Never raises for
    a problem with the config: the reason goes into ``Entry.error`` (or ``skipped``);
    ``debug`` also prints the traceback to stderr.
    """
    entry = Entry(rel=rel, stem=output_stem(rel))
    path = Path(config_dir) / rel
    try:
        entry.text = _read_text(path, Path(config_dir))
        from lrviz.render.plot import render_formats
        from lrviz.simulate import simulate
        from lrviz.sources import load_source
        from lrviz.validate import PlotOptions, apply_sweeps

        # an lrviz config or a framework file (its facts from its '# lrviz:' comment, lrviz.sources.facts)
        loaded = load_source(path, trust=trust)
        config = apply_sweeps(loaded.config, [], force=False)  # a config's own sweep: block
        entry.title = config.title or rel
        entry.description = " ".join((config.description or loaded.summary or "").split())
        result = simulate(config, jobs=1)
        for trajectory in result.trajectories:
            entry.warnings.extend(f"{trajectory.label}: {w}" for w in trajectory.warnings)
        options = PlotOptions.resolve(config.plot, subtitle=loaded.summary)
        entry.images = dict(zip(FORMATS, render_formats(result, FORMATS, options), strict=True))
    except (TrustError, FrameworkMissing) as exc:  # left out on purpose, with the reason: not a failure
        entry.skipped = _reason(exc, path)
    except LrvizError as exc:
        entry.error = _reason(exc, path)
        if debug:
            traceback.print_exc()
    except OSError as exc:  # the system refused the file (too long a name...): the config's problem, not a bug
        entry.error = f"cannot read: {os_reason(exc)}"
    except Exception as exc:  # a bug in lrviz or a library; keep going, but say so
        entry.error = (
            f"internal error: {type(exc).__name__}: {exc} (a bug in lrviz; rerun with --debug for the traceback)"
        )
        if debug:
            traceback.print_exc()
    if not entry.ok:
        entry.images = {}
    return entry


def _reason(exc: LrvizError, path: Path) -> str:
    """The error without the config's own file name (the report names the entry)."""
    same = exc.file is not None and Path(exc.file).resolve() == Path(path).resolve()
    where = [part for part in (None if same else exc.file, exc.key) if part]
    return ": ".join([*where, exc.message])


def _read_text(path: Path, root: Path) -> str:
    """The config's text, read as every config is (a regular file within the 1 MB cap: lrviz.inputs).

    A link that leads outside CONFIG_DIR is refused unread: a gallery publishes the
    configs' text (and a YAML error quotes the line), so a link to a system file must
    not put that file's lines into the gallery or its error report.
    """
    try:
        inside = path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a loop of links
        inside = False
    if not inside:
        raise LrvizError("a link to a file outside the config folder; the gallery reads only files under it")
    return read_text(path)


def _render_task(shared: tuple[str, bool], rels: tuple[str, ...], report: Callable[[int], None]) -> list[Entry]:
    """:func:`render_entry` of each config of a task (:mod:`lrviz.gallery.schedule`), as a task of
    :func:`lrviz.executor.run` (in a worker or here)."""
    config_dir, trust = shared
    return [render_entry(config_dir, rel, trust) for rel in rels]


def _failed(planned: Entry, exc: BaseException) -> Entry:
    if isinstance(exc, executor.WorkerDied):
        return Entry(rel=planned.rel, stem=planned.stem, error=f"its worker process died ({exc})")
    return Entry(rel=planned.rel, stem=planned.stem, error=f"internal error: {type(exc).__name__}: {exc}")


def build_gallery(
    config_dir: str | Path,
    *,
    trust: bool = False,
    jobs: int | None = None,
    progress: Callable[[Entry], None] | None = None,
    on_start: Callable[[int], None] | None = None,
    debug: bool = False,
) -> Gallery:
    """Render every config under ``config_dir`` (nothing is written here).

    ``jobs`` worker processes (default: every core; 1 renders in this process, which is
    what ``debug`` does, so a traceback is printed where it happens). ``on_start`` gets
    the number of entries, ``progress`` each entry as it is done.
    """
    rels = find_configs(config_dir)
    shown_root = Path(config_dir).resolve().name or "configs"
    entries = plan_entries(rels, shown_root)
    todo = [e for e in entries if e.error is None]
    if on_start is not None:
        on_start(len(entries))
    for e in entries:
        if e.error is not None and progress is not None:
            progress(e)
    done = _render(str(config_dir), todo, trust, jobs, debug, progress)
    out: list[Entry] = []
    for e in entries:
        r = done.get(e.rel, e)
        r.shown_path = e.shown_path
        out.append(r)
    return Gallery(entries=out, config_dir_name=shown_root)


def _render(
    config_dir: str,
    todo: list[Entry],
    trust: bool,
    jobs: int | None,
    debug: bool,
    progress: Callable[[Entry], None] | None,
) -> dict[str, Entry]:
    if debug:  # in this process, with tracebacks where they happen
        rendered = []
        for e in todo:
            rendered.append(render_entry(config_dir, e.rel, trust, debug))
            if progress is not None:
                progress(rendered[-1])
        return {r.rel: r for r in rendered}

    by_rel = {e.rel: e for e in todo}
    workers = executor.worker_count(jobs, len(todo))
    tasks = plan_tasks(config_dir, [e.rel for e in todo], workers)  # framework files together, longest first

    def entries(i: int, result: Any) -> list[Entry]:
        if isinstance(result, list):
            return result
        return [_failed(by_rel[rel], result) for rel in tasks[i]]

    def finished(i: int, result: Any) -> None:
        if progress is not None:
            for entry in entries(i, result):
                progress(entry)

    results = executor.run(
        _render_task, (config_dir, trust), tasks, workers=workers, fail_fast=False, on_result=finished
    )
    return {entry.rel: entry for i, result in enumerate(results) for entry in entries(i, result)}
