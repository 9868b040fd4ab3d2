"""Axes of a figure: scales, limits, ticks people can read, and lines filled at pixel resolution."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from lrviz.render.series import Plan, Series

if TYPE_CHECKING:
    import numpy as np
    from matplotlib.axes import Axes
    from matplotlib.lines import Line2D

#: Envelope columns per pixel column. One is exact up to where a column boundary falls
#: inside a pixel (anti-aliasing blurs that anyway: a 200k-step cyclic run drawn from
#: its envelope differs from all points drawn by an RMS of about 1 in 255); two would
#: double SVG/PDF sizes for no visible gain.
OVERSAMPLE = 1


def step_label(value: float, _pos: Any = None) -> str:
    """1500000 -> '1.5M', 250000 -> '250k': long runs get readable step numbers."""
    v = abs(value)
    sign = "−" if value < 0 else ""
    if v >= 1e6:
        return f"{sign}{v / 1e6:g}M"
    if v >= 1e4:
        return f"{sign}{v / 1e3:g}k"
    return f"{sign}{v:g}"


def value_label(value: float, _pos: Any = None) -> str:
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


def setup_x(ax: Axes, plan: Plan, with_labels: bool) -> None:
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
    ax.xaxis.set_major_formatter(FuncFormatter(step_label))
    if with_labels:
        ax.set_xlabel(plan.xlabel)
    else:
        ax.tick_params(axis="x", labelbottom=False)


def setup_y(ax: Axes, extent: tuple[float, float] | None, scale: str, label: str | None) -> None:
    import numpy as np
    from matplotlib.ticker import FuncFormatter

    ax.set_yscale(scale)
    if scale == "linear":
        ax.yaxis.set_major_formatter(FuncFormatter(value_label))
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


def add_lines(ax: Axes, series: list[Series]) -> list[Line2D]:
    lines = []
    for s in series:
        (line,) = ax.plot(
            [],
            [],
            color=s.color,
            linestyle=s.linestyle,
            marker=s.marker,
            markeredgecolor="white" if s.marker else None,
            markeredgewidth=0.6 if s.marker else None,
            label=s.label,
        )
        lines.append(line)
    return lines


def fill(ax: Axes, lines: list[Line2D], arrays: list[np.ndarray], plan: Plan, columns: int | None = None) -> None:
    """Give each line its data: all points, or the envelope at ``ax``'s pixel columns."""
    import numpy as np

    from lrviz.render.envelope import envelope_indices

    if columns is None:
        columns = max(1, math.ceil(ax.get_window_extent().width)) * OVERSAMPLE
    for line, values in zip(lines, arrays, strict=True):
        # a shorter run (a file of fewer steps beside others) keeps the columns of the whole axes
        idx = envelope_indices(values, columns, span=plan.n)
        x = idx / plan.scale if plan.scale != 1 else idx.astype(np.float64)
        line.set_data(x, values[idx])
