"""Axes of a figure: scales, limits, ticks people can read, and lines filled at pixel resolution.

An lr is constant during an optimizer step, so by default each value is drawn held
through its step (``drawstyle="steps-post"``, the x axis running from 0 to the end of
the last step); ``drawstyle: line`` joins the values instead, as the articles draw them.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from lrviz.render.series import Plan

if TYPE_CHECKING:
    import numpy as np
    from matplotlib.axes import Axes
    from matplotlib.lines import Line2D

#: Envelope columns per pixel column. One is exact up to where a column boundary falls
#: inside a pixel (anti-aliasing blurs that anyway: a 200k-step cyclic run drawn from
#: its envelope differs from all points drawn by an RMS of about 1 in 255); two would
#: double SVG/PDF sizes for no visible gain.
OVERSAMPLE = 1
#: Tick steps an axis may use, as multiples of a power of ten.
NICE_STEPS = [1, 2, 2.5, 5, 10]


def _si(value: float, units: tuple[tuple[float, float, str], ...]) -> str:
    """``value`` in the first unit it reaches: (from, divisor, suffix), largest first; 4 significant digits.

    A mantissa that rounds up to the next unit's size (999,999 -> "1000k") is written in that unit ("1M").
    """
    v = abs(value)
    sign = "−" if value < 0 else ""
    for k, (start, size, suffix) in enumerate(units):
        if v >= start:
            mant = float(f"{v / size:.4g}")
            if k > 0 and mant * size >= units[k - 1][0]:
                prev = units[k - 1]
                return f"{sign}{float(f'{v / prev[1]:.4g}'):g}{prev[2]}"
            return f"{sign}{mant:g}{suffix}"
    return f"{sign}{float(f'{v:.6g}'):g}"


def step_label(value: float, _pos: Any = None) -> str:
    """1500000 -> '1.5M', 250000 -> '250k', 20000 -> '20k', 7500 -> '7500': long runs get readable step numbers."""
    return _si(value, ((1e6, 1e6, "M"), (1e4, 1e3, "k")))


def token_label(value: float, _pos: Any = None) -> str:
    """Tokens as LLM practitioners write them: 500K, 1.5M, 300B, 2T."""
    return _si(value, ((1e12, 1e12, "T"), (1e9, 1e9, "B"), (1e6, 1e6, "M"), (1e3, 1e3, "K")))


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


def x_locator(plan: Plan, interval: float | None = None, nbins: int | None = None, fewest: int = 2) -> Any:
    """The x tick locator: a tick per epoch (or every ``interval`` epochs) on a short epoch axis, else nice numbers."""
    from matplotlib.ticker import MaxNLocator, MultipleLocator

    if plan.x.name == "epoch" and (interval is not None or plan.x_range[1] <= 24):
        return MultipleLocator(interval or 1)
    return MaxNLocator(nbins=nbins or "auto", integer=plan.x.name != "tokens", steps=NICE_STEPS, min_n_ticks=fewest)


def per_step_ticks(plan: Plan) -> bool:
    """Whether the x axis gets a minor tick per step (a short epoch axis, as the articles draw it)."""
    return plan.x.name == "epoch" and plan.x_range[1] <= 24 and plan.x.div <= 16 and plan.n <= 400


def step_gap(ax: Axes, plan: Plan) -> float:
    """The distance between two steps on ``ax``'s x axis as drawn, in points (after the layout)."""
    x0, x1 = ax.get_xlim()
    return float(ax.get_window_extent().width * (1 / plan.x.div) / abs(x1 - x0) * 72 / ax.figure.dpi)


def step_ticks(axes: list[Axes], plan: Plan) -> bool:
    """A minor tick per step on the x axis ``axes`` share, where the steps are at least MIN_TICK_GAP
    apart as drawn (the axes' width known: after the layout). Closer, they merge into a grey bar that
    tells nothing (a 24-epoch run of 16 steps an epoch on a cheat-sheet cell): none. True when set.

    Drawn as one artist of marks per axes (:mod:`lrviz.render.marks`), not as matplotlib's ticks;
    an axis whose minor ticks draw more than a mark (a style's minor grid) gets matplotlib's."""
    from matplotlib.ticker import MultipleLocator

    from lrviz.render.marks import add_marks, mark_only, step_positions

    if not axes or step_gap(axes[0], plan) < MIN_TICK_GAP:
        return False
    step = 1 / plan.x.div
    if mark_only(axes[0]) is None:
        axes[0].xaxis.set_minor_locator(MultipleLocator(step))  # shared: every axes of the group
        return True
    positions = step_positions(axes[0], step)
    for ax in axes:
        add_marks(ax, positions)
    return True


#: The least distance between two per-step minor ticks, in points (a tick is 0.6 to 0.8 pt wide).
MIN_TICK_GAP = 2.0


def setup_x(
    ax: Axes,
    plan: Plan,
    with_labels: bool,
    xlim: tuple[float | None, float | None] | None = None,
    minor: bool = True,
) -> None:
    """Limits, ticks and labels of the x axis. ``minor``: the per-step minor ticks now; a figure
    that lays itself out first leaves them to :func:`step_ticks` (matplotlib makes every tick as
    five artists, and the layout and the tick thinning measure every axis again and again)."""
    from matplotlib.ticker import FuncFormatter, MultipleLocator, NullLocator

    x0, x1 = plan.x_range
    if plan.n == 1 and not plan.held:
        x0, x1 = x0 - 0.5 * plan.x.of(1), x1 + 0.5 * plan.x.of(1)
    elif plan.short:  # room for the markers at both ends
        pad = 0.025 * (x1 - x0)
        x0, x1 = x0 - pad, x1 + pad
    if xlim is not None:
        x0, x1 = (xlim[0] if xlim[0] is not None else x0), (xlim[1] if xlim[1] is not None else x1)
    ax.set_xlim(x0, x1)
    ax.xaxis.set_major_locator(x_locator(plan))
    if minor and per_step_ticks(plan):
        ax.xaxis.set_minor_locator(MultipleLocator(1 / plan.x.div))  # a minor tick per step, as in the articles
    else:
        ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(token_label if plan.x.name == "tokens" else step_label))
    if with_labels:
        ax.set_xlabel(plan.xlabel)
    else:
        ax.tick_params(axis="x", labelbottom=False)


def setup_y(
    ax: Axes,
    extent: tuple[float, float] | None,
    scale: str,
    label: str | None,
    ylim: tuple[float | None, float | None] | None = None,
) -> None:
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
    lo_now, hi_now = ax.get_ylim()
    if ylim is not None:
        lo_now, hi_now = (ylim[0] if ylim[0] is not None else lo_now), (ylim[1] if ylim[1] is not None else hi_now)
    ax.set_ylim(lo_now, hi_now)  # freeze: the layout is computed once, before the lines get data
    if label:
        ax.set_ylabel(label)


def add_line(ax: Axes, color: str, linestyle: Any, marker: str | None, label: str, held: bool) -> Line2D:
    (line,) = ax.plot(
        [],
        [],
        color=color,
        linestyle=linestyle,
        marker=marker,
        markeredgecolor="white" if marker else None,
        markeredgewidth=0.6 if marker else None,
        label=label,
        drawstyle="steps-post" if held else "default",
    )
    return line


def columns_of(ax: Axes) -> int:
    return max(1, math.ceil(ax.get_window_extent().width)) * OVERSAMPLE


def fill(
    line: Line2D,
    values: np.ndarray,
    plan: Plan,
    columns: int,
    window: tuple[int, int],
    *,
    held: bool,
    at: np.ndarray | None = None,
    finite: bool = False,
) -> None:
    """Give ``line`` its data: every point in ``window``, or the envelope at ``columns`` pixel columns.

    Held values get one more point, at the end of their last step. ``at`` places
    samples (a metric fed every few steps) at those step indices instead of 0, 1, 2...
    ``finite``: no value is NaN (see :func:`~lrviz.render.envelope.envelope_indices`).
    """
    import numpy as np

    from lrviz.render.envelope import envelope_indices

    n = values.shape[0]
    if at is not None:
        i0, i1 = int(np.searchsorted(at, window[0])), int(np.searchsorted(at, window[1], side="right"))
    else:
        i0, i1 = min(window[0], n), min(window[1], n)
    if i1 <= i0:
        line.set_data([], [])
        return
    if at is None:  # the columns cover the whole window: a shorter run (--combine) covers its share of them
        full = window[1] - window[0]
        span: int | None = full if held else full - 1
    else:
        span = (i1 - i0) if held else None
    if held and at is None:
        # a step narrower than a pixel column looks the same held or joined: joined, the
        # path has half the vertices (SVG and PDF sizes stay those of the envelope)
        line.set_drawstyle("steps-post" if i1 - i0 < columns else "default")
    idx = envelope_indices(values[i0:i1], columns, span=span, finite=finite) + i0
    steps = at[idx] if at is not None else idx
    x, y = plan.x.of(steps.astype(np.float64)), values[idx]
    if held and i1 == n:  # the last value lasts until the end of its step
        x, y = np.append(x, plan.x.of(float(steps[-1] + 1))), np.append(y, y[-1])
        if line.get_marker() not in (None, "None", "") and line.get_markevery() is None:
            line.set_markevery(slice(0, len(idx)))
    line.set_data(x, y)
