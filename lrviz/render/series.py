"""What a figure draws: one line per param group of each schedule, and its y range.

Planning is separate from drawing: colours, line styles, markers and labels are
decided here from the result and the options, so the overlay, the grid and
:func:`lrviz.render.figure.draw` share one plan.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lrviz.validate.plot import PlotOptions

if TYPE_CHECKING:
    import numpy as np

    from lrviz.simulate import Result
    from lrviz.styles import Style


@dataclass
class Series:
    """One line: a param group of one schedule."""

    traj: int
    group: int
    label: str
    color: str
    linestyle: Any
    marker: str | None
    lr: np.ndarray
    momentum: np.ndarray | None


@dataclass
class Plan:
    n: int
    scale: int  # x = step / scale
    xlabel: str
    short: bool
    show_momentum: bool
    momentum_label: str
    yscale: str
    series: list[Series] = field(default_factory=list)

    @property
    def x_range(self) -> tuple[float, float]:
        return (0.0, (self.n - 1) / self.scale)


def momentum_label(result: Result) -> str:
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


def plan_series(result: Result, opts: PlotOptions, style: Style) -> Plan:
    from lrviz.render.style import palette_for
    from lrviz.styles import GROUP_LINESTYLES, MARKERS, SHORT_RUN

    trajs = result.trajectories
    n = max(t.steps for t in trajs) if trajs else result.config.steps  # runs of several files may differ
    epoch = opts.x == "epoch"
    plan = Plan(
        n=n,
        scale=result.config.steps_per_epoch if epoch else 1,
        xlabel="epoch" if epoch else "step",
        short=n <= SHORT_RUN,
        show_momentum=any(t.momentum_varies() for t in trajs),
        momentum_label="momentum",
        yscale=opts.yscale,
    )
    if plan.show_momentum:
        plan.momentum_label = momentum_label(result)
    # In a grid every schedule has its own panel: colours need not tell more than
    # eight apart, so the palette repeats instead of fading into viridis.
    colors = palette_for(style, len(trajs), cycle=opts.layout == "grid")
    for i, t in enumerate(trajs):
        several = len(t.groups) > 1
        for j, g in enumerate(t.groups):
            plan.series.append(
                Series(
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


def drawable(values: np.ndarray, yscale: str) -> tuple[np.ndarray, tuple[float, float] | None]:
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


def extent(extents: list[tuple[float, float] | None]) -> tuple[float, float] | None:
    """The (min, max) over several :func:`_drawable` extents."""
    found = [e for e in extents if e is not None]
    if not found:
        return None
    return (min(e[0] for e in found), max(e[1] for e in found))
