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
    badge: bool = False  # the marker tells schedules apart (past the palette): a few along the line, at any length

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
    grid: tuple[int, int] = (1, 1)  # (columns, rows) of a grid (lrviz.render.layout.grid_shape)

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
    from lrviz.styles import MARKERS, SHORT_RUN

    trajs = result.trajectories
    n = max([result.config.steps, *(t.steps for t in trajs)])
    plan = Plan(n=n, x=x_unit(result, opts), held=opts.drawstyle == "steps", short=n <= SHORT_RUN, yscale=opts.yscale)
    looks = _looks(result, opts, style)
    # beyond the eight markers they would repeat and tell nothing apart
    dotted = plan.short and (opts.layout == "grid" or len(trajs) <= len(MARKERS))
    groups_only = opts.layout == "overlay" and len(trajs) == 1 and len(trajs[0].groups) > 1
    for i, t in enumerate(trajs):
        for j, g in enumerate(t.groups):
            color, linestyle, badge = looks(i, j)
            # distinct markers tell schedules apart in grey print; a panel of its own needs none of that
            marker = (MARKERS[i % len(MARKERS)] if opts.layout == "overlay" else "o") if dotted else badge
            plan.series.append(
                Series(
                    traj=i,
                    group=j,
                    # one schedule: the title names it, the legend its groups
                    label=g if groups_only else series_label(t, g),
                    color=color,
                    linestyle=linestyle,
                    marker=marker,
                    lr=t.lr[:, j],
                    momentum=t.momentum[:, j] if t.momentum is not None else None,
                    error=error_text(t),
                    badge=badge is not None and not dotted,
                )
            )
    order = ordered_sweep(result) if opts.layout == "overlay" else None
    if order is not None:  # the legend reads in the order of the swept values
        rank = {i: r for r, i in enumerate(sorted(range(len(order)), key=lambda i: order[i]))}
        plan.series.sort(key=lambda s: (rank[s.traj], s.group))
    if opts.layout == "overlay":
        name_coinciding(plan.series, plan.yscale)
    return plan


def ordered_sweep(result: Result) -> list[float] | None:
    """Each schedule's value of the one numeric key the config was swept over, or None when the
    schedules are not such a sweep (several keys, text values, schedules of their own)."""
    swept = result.config.swept
    if len(swept) != 1:
        return None
    values = next(iter(swept.values()))
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    if not numeric or len(values) != len(result.trajectories) or len(set(values)) != len(values):
        return None
    return [float(v) for v in values]


def _looks(result: Result, opts: PlotOptions, style: Style) -> Any:
    """(colour, line style, marker or None) of group j of schedule i.

    * one schedule with several groups (overlay): a colour and a line style per group;
    * up to the palette's size: a colour per schedule, a line style per group;
    * more, as a sweep over one numeric key: viridis in the order of the values (ordered data,
      ordered colours); in a grid, where each schedule has its own panel, the palette repeats;
    * more, unordered: the palette repeats, and each round of it takes the next line style (one
      group each) or the next marker along the line (groups keep their line styles), so no two
      schedules look alike.
    """
    from lrviz.render.style import ordered_palette, palette_for
    from lrviz.styles import GROUP_LINESTYLES, MARKERS

    trajs = result.trajectories
    k, groups = len(style.palette), max(len(t.groups) for t in trajs)
    if opts.layout == "overlay" and len(trajs) == 1 and groups > 1:
        colors = palette_for(style, groups, cycle=True)
        return lambda i, j: (colors[j], GROUP_LINESTYLES[j % len(GROUP_LINESTYLES)], None)
    order = ordered_sweep(result)
    if opts.layout == "grid" or len(trajs) <= k or order is not None:
        ordered = opts.layout == "overlay" and order is not None and len(trajs) > k
        shades = ordered_palette(order) if ordered and order is not None else palette_for(style, len(trajs), cycle=True)
        return lambda i, j: (shades[i], GROUP_LINESTYLES[j % len(GROUP_LINESTYLES)], None)
    usable = palette_for(style, len(trajs), cycle=True)
    k = len(dict.fromkeys(usable))
    styles = len(GROUP_LINESTYLES)

    def look(i: int, j: int) -> tuple[str, Any, str | None]:
        r = i // k
        if groups == 1:  # line styles are free: one per round, then markers on top
            marker = MARKERS[(r // styles - 1) % len(MARKERS)] if r >= styles else None
            return usable[i], GROUP_LINESTYLES[r % styles], marker
        return usable[i], GROUP_LINESTYLES[j % styles], MARKERS[(r - 1) % len(MARKERS)] if r else None

    return look


#: Two lines closer than this share of the lr axis' span (about half a pixel of a 300-pixel axes)...
NEAR = 1 / 600
#: ...over at least this share of the run look like one line: the legend says so ("≈").
NEAR_SHARE = 0.9
#: Points of each line compared for that (evenly spaced; every point of a shorter run).
NEAR_SAMPLES = 4096
#: Above this many lines, only identical ones are named (each pair would be compared).
NEAR_MAX_LINES = 64


def name_coinciding(series: list[Series], yscale: str = "linear") -> None:
    """A line identical over the whole run to an earlier one hides it: say so in its label
    ("multistep = step (30, 0.1)"). Compared bit for bit, after a cheap fingerprint. A line
    that differs from an earlier one by less than the figure can show over most of the run
    hides it as well: "hf.cosine ≈ warmup + cosine"."""
    import numpy as np

    first: dict[tuple[Any, ...], list[Series]] = {}
    named: set[int] = set()
    for s in series:
        v = s.lr
        n = v.shape[0]
        if n == 0:
            continue
        probe = (n, *(v[k].tobytes() for k in sorted({0, n // 3, n // 2, (2 * n) // 3, n - 1})))
        same = next((o for o in first.get(probe, []) if np.array_equal(o.lr, v, equal_nan=True)), None)
        if same is not None:
            s.label = f"{s.label} = {same.label.split(' = ')[0]}"
            named.add(id(s))
        else:
            first.setdefault(probe, []).append(s)
    if 1 < len(series) <= NEAR_MAX_LINES:
        _name_near(series, named, yscale)


def _name_near(series: list[Series], named: set[int], yscale: str) -> None:
    import numpy as np

    n = max(s.steps for s in series)
    at = np.unique(np.linspace(0, n - 1, min(n, NEAR_SAMPLES)).round().astype(np.int64))
    rows = np.full((len(series), at.size), np.nan)
    for r, s in enumerate(series):
        k = at[at < s.steps]
        rows[r, : k.size] = s.lr[k]
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.where(rows > 0, np.log10(rows), np.nan) if yscale == "log" else rows
    finite = y[np.isfinite(y)]
    if finite.size == 0:
        return
    span = float(finite.max() - finite.min()) or abs(float(finite.max())) or 1.0
    for b in range(1, len(series)):
        if id(series[b]) in named or series[b].steps != series[0].steps:
            continue
        close = np.abs(y[:b] - y[b]) <= NEAR * span  # NaN: not close
        share = close.mean(axis=1)
        a = int(np.argmax(share))
        if share[a] >= NEAR_SHARE and series[a].steps == series[b].steps:
            series[b].label = f"{series[b].label} ≈ {series[a].label.split(' = ')[0].split(' ≈ ')[0]}"
            named.add(id(series[b]))
