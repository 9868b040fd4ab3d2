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
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lrviz.errors import LrvizError
from lrviz.render.figure import build_figure, draw, figure_for
from lrviz.render.layout import quiet_layout
from lrviz.validate.plot import FORMATS, LAYOUTS, XAXES, YSCALES, PlotOptions, check_format

if TYPE_CHECKING:
    from lrviz.actual import Report
    from lrviz.simulate import Result

_METADATA: dict[str, dict[str, Any]] = {
    "png": {"Software": None},
    "svg": {"Date": None},
    "pdf": {"CreationDate": None, "ModDate": None},
}


def value_problems(result: Result, yscale: str = "linear") -> str | None:
    """One line naming every schedule whose lr is 0 or below, NaN or inf somewhere.

    Such values are drawn where they can be (a gap where they cannot); a silent gap
    would look like a plotting bug, and a zero lr is a wasted step worth knowing about.
    """
    import numpy as np

    parts = []
    for t in result.trajectories:
        for j, g in enumerate(t.groups):
            v = t.lr[:, j]
            if v.size and v.min() > 0 and math.isfinite(v.max()):  # the common case, in two reductions
                continue
            name = f"{t.label} · {g}" if len(t.groups) > 1 else t.label
            found = []
            for what, mask in (("NaN", np.isnan(v)), ("inf", np.isinf(v)), ("0 or below", v <= 0)):
                count = int(mask.sum())
                if count:
                    first = int(np.argmax(mask))
                    found.append(f"{what} at {count:,} step{'s' if count > 1 else ''} (first: step {first})")
            if found:
                parts.append(f"{name!r} has lr " + ", ".join(found))
    if not parts:
        return None
    if yscale == "log":
        how = "drawn where possible; gaps where lr is not positive and finite (log axis)"
    else:
        how = "drawn where possible; gaps where lr is NaN or inf"
    return "; ".join(parts) + f" — {how}"


def render_bytes(
    result: Result, fmt: str, options: PlotOptions | None = None, *, actual: Sequence[Report] = ()
) -> bytes:
    """The figure as PNG, SVG or PDF bytes; the same input gives the same bytes (``actual``: logged runs)."""
    from lrviz.render.style import style_context

    opts = options or PlotOptions()
    fmt = check_format(fmt)
    with style_context(opts.style) as style:
        fig = build_figure(result, opts, style, actual=actual)
        try:
            buf = io.BytesIO()
            with quiet_layout():
                fig.savefig(buf, format=fmt, dpi=opts.dpi, metadata=_METADATA[fmt])
            return buf.getvalue()
        finally:
            fig.clear()


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
) -> list[Path]:
    """Render every format of ``options`` and write them atomically into ``outdir``.

    All formats are rendered before the first file is written, so a failure leaves
    the folder as it was. The stem is sanitised: nothing is written outside ``outdir``.
    """
    opts = options or PlotOptions()
    outdir = Path(outdir)
    if not outdir.is_dir():
        raise LrvizError(f"output folder {str(outdir)!r} does not exist or is not a folder; create it first")
    return write_files(
        result, list(zip(output_paths(outdir, stem, opts), opts.formats, strict=True)), opts, actual=actual
    )


def write_files(
    result: Result,
    targets: list[tuple[Path, str]],
    options: PlotOptions | None = None,
    *,
    actual: Sequence[Report] = (),
) -> list[Path]:
    """Render each (path, format) of ``targets``, then write them atomically, in that order.

    Every file is rendered before the first is written, so a failure leaves them all as
    they were. The paths are used as given (``lrviz plot -o NAME.pdf`` names its file).
    """
    from lrviz.io import atomic_write

    opts = options or PlotOptions()
    rendered = [(Path(path), render_bytes(result, fmt, opts, actual=actual)) for path, fmt in targets]
    return [atomic_write(path, data) for path, data in rendered]


__all__ = [
    "FORMATS",
    "LAYOUTS",
    "PlotOptions",
    "XAXES",
    "YSCALES",
    "draw",
    "figure_for",
    "output_paths",
    "render_bytes",
    "value_problems",
    "write_files",
    "write_plots",
]
