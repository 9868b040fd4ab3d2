"""What a figure draws: one line per param group of each schedule, on an x axis in some unit.

Planning is separate from drawing: colours, line styles, markers and labels are
decided here from the result and the options, so the overlay, the grid and
:func:`lrviz.render.figure.draw` share one plan. The panels under the lr (momentum,
the plateau metric, weight decay...) are planned by :mod:`lrviz.render.panels`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lrviz.errors import SimulationError
from lrviz.validate.plot import PlotOptions

if TYPE_CHECKING:
    import numpy as np

    from lrviz.simulate import Result, Trajectory
    from lrviz.styles import Style


@dataclass(frozen=True)
class XUnit:
    """The x axis: ``x = step * mul / div`` (steps; epochs: div = steps per epoch; tokens: mul = tokens per step)."""

    name: str = "step"
    div: int = 1
    mul: int = 1

    def of(self, index: Any) -> Any:
        """Step index (a number or an array) -> x."""
        if self.mul != 1:
            index = index * self.mul
        return index / self.div if self.div != 1 else index

    def index(self, x: float) -> float:
        """x -> step index (fractional)."""
        return x * self.div / self.mul


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
    error: str | None = None  # why torch stopped this schedule part-way (a partial run)

    @property
    def steps(self) -> int:
        return int(self.lr.shape[0])


@dataclass
class Plan:
    n: int  # optimizer steps of the run (the longest trajectory)
    x: XUnit
    held: bool  # drawstyle steps: each value held through its optimizer step
    short: bool
    yscale: str
    series: list[Series] = field(default_factory=list)
    panels: list[Any] = field(default_factory=list)  # the SubPanels under the lr (lrviz.render.panels)

    @property
    def end(self) -> int:
        """Step index of the right end of the run: after the last step (held), or at it."""
        return self.n if self.held else max(0, self.n - 1)

    @property
    def x_range(self) -> tuple[float, float]:
        return (0.0, float(self.x.of(self.end)))

    @property
    def xlabel(self) -> str:
        return self.x.name


def x_unit(result: Result, opts: PlotOptions) -> XUnit:
    if opts.x == "epoch":
        return XUnit("epoch", div=result.config.steps_per_epoch)
    if opts.x == "tokens":
        return XUnit("tokens", mul=int(opts.tokens_per_step or 1))
    return XUnit("step")


def series_label(t: Trajectory, group: str) -> str:
    return f"{t.label} · {group}" if len(t.groups) > 1 else t.label


def error_text(t: Trajectory) -> str | None:
    """A refusal in a few words for a legend: where torch stopped and its first sentence."""
    if t.error is None:
        return None
    reason = (t.error.reason if isinstance(t.error, SimulationError) else None) or t.error.message
    first = reason.split("; ")[0].rstrip(".")
    return f"✕ torch stopped it at step {t.steps - 1:,}: {first}"


def plan_series(result: Result, opts: PlotOptions, style: Style) -> Plan:
    from lrviz.render.style import palette_for
    from lrviz.styles import GROUP_LINESTYLES, MARKERS, SHORT_RUN

    trajs = result.trajectories
    n = max([result.config.steps, *(t.steps for t in trajs)])
    plan = Plan(n=n, x=x_unit(result, opts), held=opts.drawstyle == "steps", short=n <= SHORT_RUN, yscale=opts.yscale)
    # In a grid every schedule has its own panel: colours need not tell more than
    # eight apart, so the palette repeats instead of fading into viridis.
    colors = palette_for(style, len(trajs), cycle=opts.layout == "grid")
    # beyond the eight markers (a sweep in viridis) they would repeat and tell nothing apart
    dotted = plan.short and (opts.layout == "grid" or len(trajs) <= len(MARKERS))
    for i, t in enumerate(trajs):
        for j, g in enumerate(t.groups):
            plan.series.append(
                Series(
                    traj=i,
                    group=j,
                    label=series_label(t, g),
                    color=colors[i],
                    linestyle=GROUP_LINESTYLES[j % len(GROUP_LINESTYLES)],
                    # distinct markers tell schedules apart in grey print; a panel of
                    # its own needs none of that
                    marker=(MARKERS[i % len(MARKERS)] if opts.layout == "overlay" else "o") if dotted else None,
                    lr=t.lr[:, j],
                    momentum=t.momentum[:, j] if t.momentum is not None else None,
                    error=error_text(t),
                )
            )
    if opts.layout == "overlay":
        name_coinciding(plan.series)
    return plan


def name_coinciding(series: list[Series]) -> None:
    """A line identical over the whole run to an earlier one hides it: say so in its label
    ("multistep = step (30, 0.1)"). Compared bit for bit, after a cheap fingerprint."""
    import numpy as np

    first: dict[tuple[Any, ...], list[Series]] = {}
    for s in series:
        v = s.lr
        n = v.shape[0]
        if n == 0:
            continue
        probe = (n, *(v[k].tobytes() for k in sorted({0, n // 3, n // 2, (2 * n) // 3, n - 1})))
        same = next((o for o in first.get(probe, []) if np.array_equal(o.lr, v, equal_nan=True)), None)
        if same is not None:
            s.label = f"{s.label} = {same.label.split(' = ')[0]}"
        else:
            first.setdefault(probe, []).append(s)
