"""Figures of simulated schedules: overlay or grid, lr and momentum, at any length.

The pipeline's last stage: a :class:`~lrviz.simulate.Result` (torch's own values,
recorded step by step) becomes a matplotlib figure. Nothing here computes a
schedule; it only draws the recorded arrays.

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
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lrviz.errors import LrvizError
from lrviz.validate.plot import FORMATS, LAYOUTS, MAX_INCHES, XAXES, YSCALES, PlotOptions, check_format

if TYPE_CHECKING:
    import numpy as np
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from lrviz.simulate import Result
    from lrviz.styles import Style

MAX_PIXELS_PER_SIDE = 20_000
#: Envelope columns per pixel column. One is exact up to where a column boundary falls
#: inside a pixel (anti-aliasing blurs that anyway: a 200k-step cyclic run drawn from
#: its envelope differs from all points drawn by an RMS of about 1 in 255); two would
#: double SVG/PDF sizes for no visible gain.
OVERSAMPLE = 1
#: Up to this many legend entries go in rows above the axes; more go on the right.
LEGEND_INSIDE_MAX = 8

_METADATA: dict[str, dict[str, Any]] = {
    "png": {"Software": None},
    "svg": {"Date": None},
    "pdf": {"CreationDate": None, "ModDate": None},
}


# --------------------------------------------------------------------------- planning


@dataclass
class _Series:
    """One line: a param group of one schedule."""

    traj: int
    group: int
    label: str
    color: str
    linestyle: Any
    marker: str | None
    lr: "np.ndarray"
    momentum: "np.ndarray | None"


@dataclass
class _Plan:
    n: int
    scale: int  # x = step / scale
    xlabel: str
    short: bool
    show_momentum: bool
    momentum_label: str
    yscale: str
    series: list[_Series] = field(default_factory=list)

    @property
    def x_range(self) -> tuple[float, float]:
        return (0.0, (self.n - 1) / self.scale)


def _momentum_label(result: "Result") -> str:
    """'β₁' for Adam-like optimizers (their 'momentum' is betas[0]), else 'momentum'."""
    import inspect

    try:
        from lrviz.registry.torch_classes import torch_optimizers

        cls = torch_optimizers().get(result.config.optimizer.name)
        if cls is not None and "betas" in inspect.signature(cls.__init__).parameters:
            return "β₁"
    except Exception:  # a label is not worth failing a plot for
        pass
    return "momentum"


def _plan(result: "Result", opts: PlotOptions, style: "Style") -> _Plan:
    from lrviz.render.style import palette_for
    from lrviz.styles import GROUP_LINESTYLES, MARKERS, SHORT_RUN

    trajs = result.trajectories
    n = trajs[0].steps if trajs else result.config.steps
    epoch = opts.x == "epoch"
    plan = _Plan(
        n=n,
        scale=result.config.steps_per_epoch if epoch else 1,
        xlabel="epoch" if epoch else "step",
        short=n <= SHORT_RUN,
        show_momentum=any(t.momentum_varies() for t in trajs),
        momentum_label="momentum",
        yscale=opts.yscale,
    )
    if plan.show_momentum:
        plan.momentum_label = _momentum_label(result)
    # In a grid every schedule has its own panel: colours need not tell more than
    # eight apart, so the palette repeats instead of fading into viridis.
    colors = palette_for(style, len(trajs), cycle=opts.layout == "grid")
    for i, t in enumerate(trajs):
        several = len(t.groups) > 1
        for j, g in enumerate(t.groups):
            plan.series.append(
                _Series(
                    traj=i,
                    group=j,
                    label=f"{t.label} · {g}" if several else t.label,
                    color=colors[i],
                    linestyle=GROUP_LINESTYLES[j % len(GROUP_LINESTYLES)],
                    # distinct markers tell schedules apart in grey print; a panel of
                    # its own needs none of that
                    marker=(MARKERS[i % len(MARKERS)] if opts.layout == "overlay" else "o") if plan.short else None,
                    lr=t.lr[:, j],
                    momentum=t.momentum[:, j] if t.momentum is not None else None,
                )
            )
    return plan


def _drawable(values: "np.ndarray", yscale: str) -> tuple["np.ndarray", tuple[float, float] | None]:
    """The values with what cannot be drawn (NaN, inf; 0 and below on a log axis) as
    NaN, and their (min, max), None when nothing is drawable.

    The common case (everything drawable) costs two reductions and no copy: this runs
    over every step of a 10M-step run, and the extremes it finds are the axis limits.
    """
    import numpy as np

    if values.size == 0:
        return values, None
    lo, hi = float(values.min()), float(values.max())  # NaN propagates; inf shows at an end
    if math.isfinite(lo) and math.isfinite(hi) and (yscale != "log" or lo > 0):
        return values, (lo, hi)
    ok = np.isfinite(values)
    if yscale == "log":
        ok &= values > 0
    if not ok.any():
        return np.full_like(values, np.nan), None
    clean = np.where(ok, values, np.nan)
    return clean, (float(np.nanmin(clean)), float(np.nanmax(clean)))


def _extent(extents: list[tuple[float, float] | None]) -> tuple[float, float] | None:
    """The (min, max) over several :func:`_drawable` extents."""
    found = [e for e in extents if e is not None]
    if not found:
        return None
    return (min(e[0] for e in found), max(e[1] for e in found))


# --------------------------------------------------------------------------- axes


def _step_label(value: float, _pos: Any = None) -> str:
    """1500000 -> '1.5M', 250000 -> '250k': long runs get readable step numbers."""
    v = abs(value)
    sign = "−" if value < 0 else ""
    if v >= 1e6:
        return f"{sign}{v / 1e6:g}M"
    if v >= 1e4:
        return f"{sign}{v / 1e3:g}k"
    return f"{sign}{v:g}"


def _value_label(value: float, _pos: Any = None) -> str:
    """Tick labels as people write learning rates: 0.1, 0.05, 3e-4, 2.5e-5, 0.

    No offset text ("×10⁻³" above the axis), so every tick reads on its own.
    """
    if value == 0:
        return "0"
    v = abs(value)
    sign = "−" if value < 0 else ""
    if v >= 1e-2:
        return f"{sign}{float(f'{v:.6g}'):g}"
    exp = math.floor(math.log10(v))
    mant = float(f"{v / 10**exp:.3g}")
    if mant >= 10:  # 9.999e-4 rounded up
        mant, exp = mant / 10, exp + 1
    return f"{sign}{mant:g}e{exp}"


def _setup_x(ax: "Axes", plan: _Plan, with_labels: bool) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator, MultipleLocator, NullLocator

    x0, x1 = plan.x_range
    if plan.n == 1:
        x0, x1 = x0 - 0.5 / plan.scale, x1 + 0.5 / plan.scale
    elif plan.short:  # room for the markers at both ends
        pad = 0.025 * (x1 - x0)
        x0, x1 = x0 - pad, x1 + pad
    ax.set_xlim(x0, x1)
    if plan.xlabel == "epoch":
        span = (plan.n - 1) / plan.scale
        if span <= 24:
            ax.xaxis.set_major_locator(MultipleLocator(1))  # a tick per epoch, as in the articles
            if plan.scale <= 16 and plan.n <= 400:
                ax.xaxis.set_minor_locator(MultipleLocator(1 / plan.scale))
            else:
                ax.xaxis.set_minor_locator(NullLocator())
        else:
            ax.xaxis.set_major_locator(MaxNLocator(nbins="auto", integer=True, steps=[1, 2, 2.5, 5, 10]))
    else:
        ax.xaxis.set_major_locator(MaxNLocator(nbins="auto", integer=True, steps=[1, 2, 2.5, 5, 10]))
    ax.xaxis.set_major_formatter(FuncFormatter(_step_label))
    if with_labels:
        ax.set_xlabel(plan.xlabel)
    else:
        ax.tick_params(axis="x", labelbottom=False)


def _setup_y(ax: "Axes", extent: tuple[float, float] | None, scale: str, label: str | None) -> None:
    import numpy as np
    from matplotlib.ticker import FuncFormatter

    ax.set_yscale(scale)
    if scale == "linear":
        ax.yaxis.set_major_formatter(FuncFormatter(_value_label))
    if extent is None:
        ax.set_ylim((1e-4, 1.0) if scale == "log" else (0.0, 1.0))
    else:
        lo, hi = extent
        x0, x1 = ax.get_xlim()
        ax.update_datalim(np.array([[x0, lo], [x1, hi]]))
        ax.autoscale_view(scalex=False, scaley=True)
        ax.set_ylim(ax.get_ylim())  # freeze: the layout is computed once, before the lines get data
    if label:
        ax.set_ylabel(label)


def _add_lines(ax: "Axes", series: list[_Series]) -> list:
    lines = []
    for s in series:
        (line,) = ax.plot(
            [], [],
            color=s.color,
            linestyle=s.linestyle,
            marker=s.marker,
            markeredgecolor="white" if s.marker else None,
            markeredgewidth=0.6 if s.marker else None,
            label=s.label,
        )
        lines.append(line)
    return lines


def _fill(ax: "Axes", lines: list, arrays: list["np.ndarray"], plan: _Plan, columns: int | None = None) -> None:
    """Give each line its data: all points, or the envelope at ``ax``'s pixel columns."""
    import numpy as np

    from lrviz.render.envelope import envelope_indices

    if columns is None:
        columns = max(1, math.ceil(ax.get_window_extent().width)) * OVERSAMPLE
    for line, values in zip(lines, arrays):
        idx = envelope_indices(values, columns)
        x = idx / plan.scale if plan.scale != 1 else idx.astype(np.float64)
        line.set_data(x, values[idx])


# --------------------------------------------------------------------------- figure


def _legend_font() -> float:
    import matplotlib
    from matplotlib.font_manager import FontProperties

    return FontProperties(size=matplotlib.rcParams["legend.fontsize"]).get_size_in_points()


def _entry_width(label: str, font: float) -> float:
    """Rough width in inches of one legend entry: ~0.6 em per character plus the line sample."""
    return (len(label) * 0.6 + 4.5) * font / 72


def _side_legend_shape(labels: list[str], height: float, font: float) -> tuple[int, float]:
    """(columns, width in inches) of a legend beside the axes that fits ``height``."""
    rows = max(4, int(height * 72 * 0.85 / (font * 1.45)))
    ncols = math.ceil(len(labels) / rows)
    return ncols, ncols * max(_entry_width(lb, font) for lb in labels)


def _legend(ax: "Axes", handles: list, fig_size: tuple[float, float]) -> None:
    """A legend outside the axes, so it never hides a line: rows above the axes for a
    few entries, columns on the right for many (a sweep)."""
    font = _legend_font()
    if len(handles) <= LEGEND_INSIDE_MAX:
        widths = [_entry_width(h.get_label(), font) for h in handles]
        ncols = len(handles)
        while ncols > 1 and max(sum(widths[i:i + ncols]) for i in range(0, len(widths), ncols)) > fig_size[0] * 0.92:
            ncols -= 1
        ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.01), ncols=ncols, frameon=False,
                  borderaxespad=0.0, columnspacing=1.6)
    else:
        # beside the axes (constrained layout makes room; the default figure size grew
        # for it); a figure legend would collide with the suptitle
        ncols, _ = _side_legend_shape([h.get_label() for h in handles], fig_size[1], font)
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, frameon=False,
                  ncols=ncols)


def _default_size(opts: PlotOptions, style: "Style", plan: _Plan, n_panels: int) -> tuple[float, float]:
    if opts.size is not None:
        return opts.size
    show_m = plan.show_momentum
    if opts.layout == "overlay":
        w, h = style.overlay_size
        h = h * 1.3 if show_m else h
        if len(plan.series) > LEGEND_INSIDE_MAX:  # make room for the legend beside the axes
            font = _legend_font()
            n = len(plan.series)
            rows = math.ceil(n / math.ceil(n / 30))  # at most ~30 entries a column: taller, not wider
            h = min(MAX_INCHES, max(h, rows * font * 1.45 / 72 / 0.85 + 0.9))
            _, extra = _side_legend_shape([s.label for s in plan.series], h, font)
            w = min(MAX_INCHES, w + extra)
        return (w, h)
    ncols, nrows = _grid_shape(n_panels)
    cw, ch = style.cell_size
    return (min(MAX_INCHES, cw * ncols + 0.4), min(MAX_INCHES, (ch * (1.35 if show_m else 1.0)) * nrows + 0.7))


def _grid_shape(n: int) -> tuple[int, int]:
    """(columns, rows) for n panels: at most 4 wide, as square as possible."""
    ncols = min(4, n) if n <= 4 else min(4, math.ceil(math.sqrt(n)))
    return ncols, math.ceil(n / ncols)


@contextmanager
def _quiet_layout():
    """A figure too small for its labels (a user's --size) is still drawn, without
    matplotlib's layout warning on every call: the picture itself shows the problem."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="constrained_layout not applied", category=UserWarning)
        yield


def figure_for(result: "Result", options: PlotOptions | None = None) -> "Figure":
    """A matplotlib Figure of ``result`` (Agg canvas attached; close it with ``fig.clear()``)."""
    from lrviz.render.style import style_context

    opts = options or PlotOptions()
    with style_context(opts.style) as style:
        return _build_figure(result, opts, style)


#: The Agg canvas holds the whole figure as pixels (4 bytes each) at the PNG dpi, for
#: every format (it measures the text for the layout): 50 in x 50 in at 400 dpi took
#: 1.9 GB and 50 s, and at 1200 dpi it would want 14 GB. Bounded before it is made.
MAX_PIXELS = 50_000_000


def _check_pixels(size: tuple[float, float], dpi: int) -> None:
    w, h = (round(v * dpi) for v in size)
    if max(w, h) > MAX_PIXELS_PER_SIDE or w * h > MAX_PIXELS:
        raise LrvizError(
            f"a figure of {w:,} x {h:,} pixels ({size[0]:g} x {size[1]:g} in at {dpi} dpi) is above the limit of "
            f"{MAX_PIXELS_PER_SIDE:,} pixels a side and {MAX_PIXELS:,} in all; lower the dpi (plot.dpi, --dpi) or "
            "the size (plot.size, --size)"
        )


def _build_figure(result: "Result", opts: PlotOptions, style: "Style") -> "Figure":
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    plan = _plan(result, opts, style)
    trajs = result.trajectories
    size = _default_size(opts, style, plan, len(trajs))
    _check_pixels(size, opts.dpi)
    fig = Figure(figsize=size, dpi=opts.dpi, layout="constrained")
    FigureCanvasAgg(fig)

    lr_drawn = {id(s): _drawable(s.lr, plan.yscale) for s in plan.series}
    m_drawn = {id(s): _drawable(s.momentum, "linear") for s in plan.series if s.momentum is not None}
    lr_arrays = {k: v for k, (v, _) in lr_drawn.items()}
    m_arrays = {k: v for k, (v, _) in m_drawn.items()}
    lr_extent = _extent([e for _, e in lr_drawn.values()])
    m_extent = _extent([e for _, e in m_drawn.values()])
    pending: list[tuple[Axes, list, list]] = []  # (axes, lines, arrays) to fill after the layout

    def panel(ax_lr: "Axes", ax_m: "Axes | None", series: list[_Series], ylabels: bool, xlabels: bool,
              lr_label: bool = True) -> None:
        _setup_x(ax_lr, plan, with_labels=xlabels and ax_m is None)
        _setup_y(ax_lr, lr_extent, plan.yscale, "learning rate" if ylabels and lr_label else None)
        pending.append((ax_lr, _add_lines(ax_lr, series), [lr_arrays[id(s)] for s in series]))
        if ax_m is not None:
            _setup_x(ax_m, plan, with_labels=xlabels)
            _setup_y(ax_m, m_extent, "linear", plan.momentum_label if ylabels else None)
            if not lr_label:  # a grid: the short momentum row gets a smaller label
                ax_m.yaxis.label.set_fontsize(ax_m.yaxis.label.get_fontsize() * 0.85)
            ms = [s for s in series if s.momentum is not None]
            pending.append((ax_m, _add_lines(ax_m, ms), [m_arrays[id(s)] for s in ms]))

    if opts.layout == "overlay":
        if plan.show_momentum:
            gs = fig.add_gridspec(2, 1, height_ratios=[3, 1.1])
            ax = fig.add_subplot(gs[0])
            axm = fig.add_subplot(gs[1], sharex=ax)
        else:
            ax, axm = fig.add_subplot(), None
        panel(ax, axm, plan.series, ylabels=True, xlabels=True)
        _legend(ax, pending[0][1], size)
    else:
        ncols, nrows = _grid_shape(len(trajs))
        rows_per = 2 if plan.show_momentum else 1
        ratios = [3, 1.1] * nrows if plan.show_momentum else [1] * nrows
        gs = fig.add_gridspec(nrows * rows_per, ncols, height_ratios=ratios)
        first_lr = first_m = None
        for i, t in enumerate(trajs):
            r, c = divmod(i, ncols)
            bottom = i + ncols >= len(trajs)  # nothing below this panel
            ax = fig.add_subplot(gs[r * rows_per, c], sharex=first_lr, sharey=first_lr)
            axm = None
            if plan.show_momentum:
                axm = fig.add_subplot(gs[r * rows_per + 1, c], sharex=first_lr, sharey=first_m)
                first_m = first_m or axm
            first_lr = first_lr or ax
            panel(ax, axm, [s for s in plan.series if s.traj == i], ylabels=c == 0, xlabels=bottom, lr_label=False)
            if c != 0:
                ax.tick_params(axis="y", labelleft=False)
                if axm is not None:
                    axm.tick_params(axis="y", labelleft=False)
            ax.set_title(_wrap_title(t.label, fig.get_figwidth() / ncols), loc="left")
        # one "learning rate" for the whole grid: a label per row would be taller than
        # a short row and collide with the next
        import matplotlib

        fig.supylabel("learning rate", fontsize=matplotlib.rcParams["axes.labelsize"],
                      color=matplotlib.rcParams["axes.labelcolor"])
        groups = max((len(t.groups) for t in trajs), default=1)
        if groups > 1:
            from matplotlib.lines import Line2D

            from lrviz.styles import GROUP_LINESTYLES

            names = max((t.groups for t in trajs), key=len)
            handles = [
                Line2D([], [], color="#666666", linestyle=GROUP_LINESTYLES[j % len(GROUP_LINESTYLES)], label=g)
                for j, g in enumerate(names)
            ]
            fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 6))

    fig.align_ylabels()  # "learning rate" and "momentum" start at the same x
    # a file name is not math: "$" in it is drawn as written (\$ is a literal $ to matplotlib)
    title = opts.title if opts.title is not None else (result.config.title or result.config.name.replace("$", r"\$"))
    if title:
        fig.suptitle(title)

    # Fix the layout now (limits are frozen, so the lines' data cannot move it), then
    # draw each line at the real pixel width of its axes.
    with _quiet_layout():
        fig.get_layout_engine().execute(fig)
    for ax, lines, arrays in pending:
        _fill(ax, lines, arrays, plan)
    return fig


def _wrap_title(label: str, panel_inches: float) -> str:
    """Break a panel title that would run into the next panel (bold DejaVu ~0.62 em a char)."""
    import textwrap

    import matplotlib
    from matplotlib.font_manager import FontProperties

    points = FontProperties(size=matplotlib.rcParams["axes.titlesize"]).get_size_in_points()
    chars = max(12, int(panel_inches * 72 * 0.92 / (points * 0.62)))
    return textwrap.fill(label, width=chars, break_long_words=True) if len(label) > chars else label


def draw(result: "Result", ax: "Axes", options: PlotOptions | None = None) -> "Axes":
    """Draw every schedule's lr onto ``ax`` (an overlay), for a figure of your own.

    The axes keeps the caller's look (fonts, spines); lrviz sets the scale, the x
    limits and ticks, the labels, the line colours and a legend. Long runs are drawn
    from the envelope at twice the axes' current width (it may still grow).
    """
    from lrviz.render.style import get_style

    opts = options or PlotOptions()
    plan = _plan(result, opts, get_style(opts.style))
    drawn = [_drawable(s.lr, plan.yscale) for s in plan.series]
    arrays = [a for a, _ in drawn]
    _setup_x(ax, plan, with_labels=True)
    _setup_y(ax, _extent([e for _, e in drawn]), plan.yscale, "learning rate")
    lines = _add_lines(ax, plan.series)
    _fill(ax, lines, arrays, plan, columns=2 * max(1, math.ceil(ax.get_window_extent().width)))
    ax.legend(handles=lines, loc="best")
    if opts.title is not None:
        ax.set_title(opts.title)
    return ax


# --------------------------------------------------------------------------- warnings


def value_problems(result: "Result", yscale: str = "linear") -> str | None:
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


# --------------------------------------------------------------------------- files


def render_bytes(result: "Result", fmt: str, options: PlotOptions | None = None) -> bytes:
    """The figure as PNG, SVG or PDF bytes; the same input gives the same bytes."""
    from lrviz.render.style import style_context

    opts = options or PlotOptions()
    fmt = check_format(fmt)
    with style_context(opts.style) as style:
        fig = _build_figure(result, opts, style)
        try:
            buf = io.BytesIO()
            with _quiet_layout():
                fig.savefig(buf, format=fmt, dpi=opts.dpi, metadata=_METADATA[fmt])
            return buf.getvalue()
        finally:
            fig.clear()


def output_paths(outdir: str | Path, stem: str, options: PlotOptions) -> list[Path]:
    """Where :func:`write_plots` will write: ``outdir/<safe stem>.<ext>`` per format."""
    from lrviz.io import safe_name

    name = safe_name(stem)
    return [Path(outdir) / f"{name}.{fmt}" for fmt in options.formats]


def write_plots(result: "Result", outdir: str | Path, stem: str, options: PlotOptions | None = None) -> list[Path]:
    """Render every format of ``options`` and write them atomically into ``outdir``.

    All formats are rendered before the first file is written, so a failure leaves
    the folder as it was. The stem is sanitised: nothing is written outside ``outdir``.
    """
    from lrviz.io import atomic_write

    opts = options or PlotOptions()
    outdir = Path(outdir)
    if not outdir.is_dir():
        raise LrvizError(f"output folder {str(outdir)!r} does not exist or is not a folder; create it first")
    rendered = [(path, render_bytes(result, fmt, opts)) for path, fmt in zip(output_paths(outdir, stem, opts), opts.formats)]
    return [atomic_write(path, data) for path, data in rendered]


__all__ = [
    "FORMATS", "LAYOUTS", "PlotOptions", "XAXES", "YSCALES", "draw", "figure_for", "output_paths", "render_bytes",
    "value_problems", "write_plots",
]
