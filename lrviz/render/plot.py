"""Figures of simulated schedules: overlay or grid, lr and momentum, at any length.

The pipeline's last stage: a :class:`~lrviz.simulate.Result` (torch's own values,
recorded step by step) becomes a matplotlib figure, or PNG / SVG / PDF bytes and
files. Nothing here computes a schedule; it only draws the recorded arrays. The
figure itself is built by :mod:`lrviz.render.figure` from a plan of its lines
(:mod:`~lrviz.render.series`), its axes (:mod:`~lrviz.render.axes`) and what goes
around them (:mod:`~lrviz.render.layout`); options are plain data checked by
:mod:`lrviz.validate.plot`.

Library use (a notebook)::

    from lrviz import load_config
    from lrviz.simulate import simulate
    from lrviz.render.plot import PlotOptions, draw, figure_for

    result = simulate(load_config("configs/torch/steplr.yaml"))
    fig = figure_for(result, PlotOptions(layout="grid"))   # a Figure, no pyplot involved
    draw(result, ax)                                         # or onto an Axes of your own

Design choices, and why:

* Figures are made with ``matplotlib.figure.Figure`` and the Agg canvas, never
  pyplot, so the library keeps no global figure state and is safe in servers and
  worker processes; callers close what they get (``render_bytes`` does it for them).
* Long runs are drawn from a per-pixel-column min/max envelope
  (:mod:`lrviz.render.envelope`), computed after the layout is fixed so the columns
  are the real pixel columns: the picture is exact at the resolution drawn, and cost
  and file size depend on the figure's width, not on the number of steps.
* Output bytes are deterministic: fixed style, fixed SVG hash salt, no dates in
  metadata. A committed gallery shows no diff when nothing changed.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lrviz.errors import LrvizError
from lrviz.render.figure import build_figure, draw, figure_for
from lrviz.render.layout import quiet_layout
from lrviz.validate.plot import FORMATS, LAYOUTS, XAXES, YSCALES, PlotOptions, check_format

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from lrviz.actual import Report
    from lrviz.simulate import Result
    from lrviz.spec import Config

_METADATA: dict[str, dict[str, Any]] = {
    "png": {"Software": None},
    "svg": {"Date": None},
    "pdf": {"CreationDate": None, "ModDate": None},
}


def value_problems(result: Result, yscale: str = "linear") -> str | None:
    """One line naming every schedule whose lr the figure cannot draw (NaN, inf; 0 and below on a log axis)."""
    from lrviz.render.ranges import value_problems as problems

    return problems(result, yscale)


def figure_notes(result: Result, options: PlotOptions | None = None) -> list[str]:
    """What the figure of ``result`` cannot show, one line each (for warnings): values it cannot
    draw, the tail a log axis leaves out, an effective decay it cannot draw."""
    from lrviz.render.panels import effective_decay_note
    from lrviz.render.ranges import lr_range, window
    from lrviz.render.series import series_label, x_unit

    opts = options or PlotOptions()
    notes = [value_problems(result, opts.yscale)]
    if opts.yscale == "log":
        n = max([result.config.steps, *(t.steps for t in result.trajectories)])
        i0, i1 = window(opts.xlim, x_unit(result, opts).index, n)
        named = [(series_label(t, g), t.lr[i0:i1, j]) for t in result.trajectories for j, g in enumerate(t.groups)]
        notes.append(lr_range(named, "log", opts.ylim)[1])
    notes.append(effective_decay_note(result, opts))
    return [note for note in notes if note]


def sweep_stem(config: Config) -> str:
    """The file stem of a figure: the config's name, and for a sweep given on the command line what it swept
    ("steplr.sweep-gamma-0.1-0.5"), so it never takes the place of the un-swept figure."""
    import hashlib

    from lrviz.io import safe_name
    from lrviz.validate.sweep import format_value

    if not config.swept_cli:
        return config.name
    parts = [f"{k.rsplit('.', 1)[-1]}-{'-'.join(format_value(v) for v in config.swept[k])}" for k in config.swept_cli]
    stem = safe_name(f"{config.name}.sweep-{'-'.join(parts)}")
    if len(stem) >= 90:  # too long to read: keep the start, and a digest so two sweeps never share it
        digest = hashlib.sha1("|".join(parts).encode()).hexdigest()[:8]
        stem = f"{stem[:80].rstrip('.-_')}-{digest}"
    return stem


def render_bytes(
    result: Result, fmt: str, options: PlotOptions | None = None, *, actual: Sequence[Report] = ()
) -> bytes:
    """The figure as PNG, SVG or PDF bytes; the same input gives the same bytes (``actual``: logged runs)."""
    return render_formats(result, [fmt], options, actual=actual)[0]


def render_formats(
    result: Result,
    formats: Sequence[str],
    options: PlotOptions | None = None,
    *,
    actual: Sequence[Report] = (),
    figure: Figure | None = None,
) -> list[bytes]:
    """The figure in each of ``formats``, built once and saved once per format.

    Why once: building is most of a figure's cost (the layout measures every tick label;
    the 14-panel cheat sheet takes about a second to build and half a second to save),
    and the layout is frozen in figure coordinates before saving, so every format
    saved from one figure has the bytes of a figure built for it alone (the gallery's
    check proves it for every config). ``figure``: the figure :func:`figure_for` already
    built of ``result`` under ``options`` (``lrviz.plot`` returns it after saving it),
    saved as it is and left open, instead of building it again.
    """
    from lrviz.render.style import style_context

    opts = options or PlotOptions()
    fmts = [check_format(fmt) for fmt in formats]
    if "html" in fmts:  # an interactive page (lrviz.render.html), the static formats as ever
        from lrviz.render.html import render_html

        static = [f for f in fmts if f != "html"]
        images = iter(render_formats(result, static, opts, actual=actual, figure=figure) if static else [])
        page = render_html(result, opts, actual=actual)
        return [page if f == "html" else next(images) for f in fmts]
    with style_context(opts.style) as style:
        fig = figure if figure is not None else build_figure(result, opts, style, actual=actual)
        try:
            return [_save(fig, fmt, opts.dpi) for fmt in fmts]
        finally:
            if figure is None:
                release(fig)


def release(fig: Figure) -> None:
    """A figure done with: its Agg canvas (the pixel buffer, 15 MB for the cheat sheet) dropped
    now, the rest left to the collector. ``fig.clear()`` set every axes up again before dropping
    it (0.15 s of the cheat sheet's CPU, a tenth of its figure)."""
    from matplotlib.backend_bases import FigureCanvasBase

    FigureCanvasBase(fig)  # takes the Agg canvas' place: nothing refers to that any more


def _save(fig: Figure, fmt: str, dpi: int) -> bytes:
    buf = io.BytesIO()
    with quiet_layout():
        fig.savefig(buf, format=fmt, dpi=dpi, metadata=_METADATA[fmt])
    return buf.getvalue()


def output_paths(outdir: str | Path, stem: str, options: PlotOptions) -> list[Path]:
    """Where :func:`write_plots` will write: ``outdir/<safe stem>.<ext>`` per format."""
    from lrviz.io import safe_name

    name = safe_name(stem)
    return [Path(outdir) / f"{name}.{fmt}" for fmt in options.formats]


def write_plots(
    result: Result,
    outdir: str | Path,
    stem: str,
    options: PlotOptions | None = None,
    *,
    actual: Sequence[Report] = (),
    figure: Figure | None = None,
) -> list[Path]:
    """Render every format of ``options`` and write them atomically into ``outdir``.

    All formats are rendered before the first file is written, so a failure leaves
    the folder as it was. The stem is sanitised: nothing is written outside ``outdir``.
    """
    opts = options or PlotOptions()
    outdir = Path(outdir)
    if not outdir.is_dir():
        raise LrvizError(f"output folder {str(outdir)!r} does not exist or is not a folder; create it first")
    targets = list(zip(output_paths(outdir, stem, opts), opts.formats, strict=True))
    return write_files(result, targets, opts, actual=actual, figure=figure)


def write_files(
    result: Result,
    targets: list[tuple[Path, str]],
    options: PlotOptions | None = None,
    *,
    actual: Sequence[Report] = (),
    figure: Figure | None = None,
) -> list[Path]:
    """Render each (path, format) of ``targets``, then write them atomically, in that order.

    Every file is rendered before the first is written, so a failure leaves them all as
    they were. The paths are used as given (``lrviz plot -o NAME.pdf`` names its file).
    ``figure``: one already built (see :func:`render_formats`).
    """
    from lrviz.io import atomic_write

    opts = options or PlotOptions()
    fmts = [fmt for _, fmt in targets]
    images = render_formats(result, fmts, opts, actual=actual, figure=figure) if targets else []
    return [atomic_write(Path(path), data) for (path, _), data in zip(targets, images, strict=True)]


__all__ = [
    "FORMATS",
    "LAYOUTS",
    "PlotOptions",
    "XAXES",
    "YSCALES",
    "draw",
    "figure_for",
    "figure_notes",
    "sweep_stem",
    "output_paths",
    "render_bytes",
    "render_formats",
    "value_problems",
    "write_files",
    "write_plots",
]
