"""The Python API: ``lrviz.simulate``, ``lrviz.plot``, ``lrviz.check``, ``lrviz.export``.

Each takes a *source* (a config path, a mapping, a loaded Config, a scheduler factory
``make(optimizer) -> scheduler`` or several: :mod:`lrviz.api.source`) and the options
of :class:`~lrviz.api.source.Options`, and does what the command of the same name does,
through the same library calls, so the values and the files are the CLI's, bit for
bit (tests/test_api_cli.py). Input mistakes raise the CLI's :class:`~lrviz.errors.LrvizError`
with its message and key path; anything else is a bug and surfaces as itself.

Nothing here touches pyplot's global state or starts a process unless asked
(``jobs=None``): the caller's process is the user's.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from lrviz.api.display import Result, as_shown
from lrviz.api.source import Source, check_options, load
from lrviz.errors import LrvizError

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from typing_extensions import Unpack

    from lrviz.api.source import Options
    from lrviz.check import Finding
    from lrviz.sources import Loaded
    from lrviz.validate.plot import PlotOptions

PathLike = str | os.PathLike[str]
PLOT_SUFFIXES = {".png": "png", ".svg": "svg", ".pdf": "pdf", ".html": "html"}
EXPORT_FORMATS = ("csv", "json")


def _run(loaded: Loaded, jobs: int | None) -> Result:
    """Simulate, in this process unless ``jobs`` says otherwise; a factory always here (it need not pickle)."""
    from lrviz.simulate import simulate as run

    config = loaded.config
    if any(s.spec.kind == "factory" for s in config.schedules):
        jobs = 1
    return Result.of(run(config, jobs=jobs), loaded.plan)


def simulate(source: Source, steps: int | None = None, **options: Unpack[Options]) -> Result:
    """Simulate every schedule of ``source`` with the real scheduler: lr and momentum at every step.

    >>> result = simulate({"steps": 10, "scheduler": "StepLR", "params": {"step_size": 3}})
    >>> result.lr()[:4].tolist()
    [0.1, 0.1, 0.1, 0.010000000000000002]

    In Jupyter the result shows its figure and the points that matter.
    """
    check_options("simulate", options)
    return _run(load(source, {**options, "steps": steps}), options.get("jobs", 1))


def plot(
    source: Source,
    path: PathLike | None = None,
    *,
    layout: str | None = None,
    yscale: str | None = None,
    x: str | None = None,
    title: str | None = None,
    style: str | None = None,
    size: str | tuple[float, float] | None = None,
    dpi: int | None = None,
    format: str | Sequence[str] | None = None,
    drawstyle: str | None = None,
    xlim: str | tuple[float | None, float | None] | None = None,
    ylim: str | tuple[float | None, float | None] | None = None,
    legend: str | None = None,
    momentum: str | None = None,
    annotate: bool | None = None,
    effective_decay: bool | None = None,
    tokens_per_step: int | None = None,
    steps: int | None = None,
    **options: Unpack[Options],
) -> Figure:
    """The figure ``lrviz plot`` draws for ``source`` (a matplotlib Figure; pyplot is not involved).

    ``path``: a file (.png, .svg, .pdf or .html: an interactive page) to write, or an existing folder, written as
    ``lrviz plot -o FOLDER`` writes it (``<config name>.<format>`` for every ``format``).
    Plot options as the command line's (``layout``, ``yscale``, ``x``, ``title``,
    ``style``, ``size``, ``dpi``, ``drawstyle``, ``xlim``, ``ylim``, ``legend``,
    ``momentum``, ``annotate``, ``effective_decay``, ``tokens_per_step``); the config's
    ``plot:`` block gives the rest. What the figure cannot show (NaN, inf, values a log
    axis leaves out) is a ``UserWarning``, as the command's warning lines.
    """
    from lrviz.render.plot import figure_for, figure_notes
    from lrviz.validate import PlotOptions

    check_options("plot", options)
    loaded = load(source, {**options, "steps": steps})
    config = loaded.config
    formats = [format] if isinstance(format, str) else (list(format) if format is not None else None)
    chosen = dict(
        layout=layout, yscale=yscale, x=x, title=title, style=style, size=size, dpi=dpi, formats=formats,
        drawstyle=drawstyle, xlim=xlim, ylim=ylim, legend=legend, momentum=momentum, annotate=annotate,
        effective_decay=effective_decay, tokens_per_step=tokens_per_step,
    )  # fmt: skip
    opts = PlotOptions.resolve(config.plot, **chosen, subtitle=loaded.summary)  # a framework file's arithmetic
    result = _run(loaded, options.get("jobs", 1))
    for note in figure_notes(result, opts):
        import warnings

        warnings.warn(f"{config.file or config.title or config.name}: {note}", stacklevel=2)
    fig = figure_for(result, opts)  # built once: the file is saved from the figure returned
    if path is not None:
        _save(result, Path(path), opts, explicit=formats is not None, figure=fig)
    return as_shown(fig, opts)


def _save(result: Result, path: Path, opts: PlotOptions, *, explicit: bool, figure: Figure) -> list[Path]:
    """Write ``figure`` (of ``result``) to a file (its suffix is the format) or into a folder, as the CLI does."""
    from lrviz.io import atomic_write
    from lrviz.render.plot import render_formats, write_plots

    if path.is_dir():
        return write_plots(result, path, result.config.name, opts, figure=figure)
    fmt = PLOT_SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise LrvizError(
            f"{str(path)!r} is neither an existing folder nor a .png, .svg, .pdf or .html file; name one of those",
            key="path",
        )
    if explicit and opts.formats != (fmt,):
        raise LrvizError(
            f"{str(path)!r} is a .{fmt} file but format={list(opts.formats)!r}; give one or the other", key="format"
        )
    return [atomic_write(path, render_formats(result, [fmt], opts, figure=figure)[0])]


def check(
    source: Source,
    *,
    resume_at: int | Sequence[int] | None = None,
    steps: int | None = None,
    **options: Unpack[Options],
) -> list[Finding]:
    """What ``lrviz check`` finds: the resume round trip and the lints, per schedule.

    ``resume_at``: optimizer steps after which to save and resume (default: 1/4, 1/2,
    3/4 of the run and around SequentialLR milestones). An empty list means no finding.
    """
    from lrviz.check import check_config, validate_resume_at

    check_options("check", options)
    config = load(source, {**options, "steps": steps}).config
    points = [resume_at] if isinstance(resume_at, int) else (list(resume_at) if resume_at is not None else None)
    validate_resume_at(config, points)
    return check_config(config, points)


def export(
    source: Source,
    path: PathLike,
    *,
    format: str | None = None,
    steps: int | None = None,
    **options: Unpack[Options],
) -> Path:
    """Write what ``lrviz export`` writes (CSV, or JSON with the resolved config) to ``path``, atomically.

    ``format``: ``csv`` or ``json``; by default from the suffix (``.json``), else csv.
    Returns the path written.
    """
    from lrviz.export import write

    check_options("export", options)
    target = Path(path)
    fmt = format if format is not None else ("json" if target.suffix.lower() == ".json" else "csv")
    if fmt not in EXPORT_FORMATS:
        raise LrvizError(f"expected one of {', '.join(EXPORT_FORMATS)}, got {fmt!r}", key="format")
    loaded = load(source, {**options, "steps": steps})
    result = _run(loaded, options.get("jobs", 1))
    return write(result, target, fmt, loaded.plan)


__all__ = ["Result", "check", "export", "plot", "simulate"]
