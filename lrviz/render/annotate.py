"""``--annotate``: the key points of ``lrviz show`` marked on the figure, where there is room.

For each line, the points :func:`lrviz.render.keypoints.key_points` finds in the
recorded values (nothing about the scheduler's class is assumed): the end of a warmup,
the start of a decay after a plateau, the drops (milestones, plateau reductions; the
first few), the first restart, the peak (when it is not the first step) and the last
value. Each gets a dot on the line
and a short label next to it. A label goes to the first place around its point, near
to far, that stays inside the axes and touches no line, no dot and no other label;
a point with no such place keeps its dot and loses its label, rather than hide a curve.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lrviz.render.axes import value_label

if TYPE_CHECKING:
    import numpy as np
    from matplotlib.axes import Axes
    from matplotlib.backend_bases import RendererBase

    from lrviz.render.cells import Cells
    from lrviz.render.series import Plan, Series
    from lrviz.simulate import Result

MAX_DROPS = 3
#: Offsets tried for a label, in points from its point: near first, then farther.
DISTANCES = (5.0, 12.0, 22.0, 36.0, 54.0)
DIRECTIONS = (
    (1, 1),
    (1, -1),
    (-1, 1),
    (-1, -1),
    (0, 1),
    (0, -1),
    (1, 0),
    (-1, 0),
    (1, 0.4),
    (-1, 0.4),
    (1, -0.4),
    (-1, -0.4),
    (0.4, 1),
    (-0.4, 1),
    (0.4, -1),
    (-0.4, -1),
)
#: Pixels a label keeps from lines, dots and other labels.
CLEARANCE = 2.0


@dataclass
class Mark:
    step: int
    text: str
    series: Series


def marks(s: Series, plan: Plan, period: int = 1) -> list[Mark]:
    """The labelled key points of one line, from the values it recorded."""
    import numpy as np

    from lrviz.render.keypoints import key_points

    v = s.lr
    if v.size < 2 or not np.isfinite(v).any():
        return []
    points, _ = key_points(v, max_changes=24, period=period)
    out: list[Mark] = []
    drops = restarts = 0
    peak = int(np.nanargmax(np.where(np.isfinite(v), v, -np.inf)))
    for p in points:
        whats = p.what
        if any(w.startswith("end of warmup") for w in whats):
            out.append(Mark(p.step, f"warmup ends ({_x(plan, p.step)})", s))
        elif "drop" in whats and drops < MAX_DROPS and p.step > 0 and v[p.step - 1] != 0:
            drops += 1
            out.append(Mark(p.step, f"×{float(v[p.step] / v[p.step - 1]):.3g} at {_x(plan, p.step)}", s))
        elif "decay starts" in whats and p.step > 0:  # the end of a plateau (warmup-stable-decay)
            out.append(Mark(p.step, f"decay starts ({_x(plan, p.step)})", s))
        elif "restart" in whats and restarts == 0:
            restarts += 1
            out.append(Mark(p.step, f"restart ({_x(plan, p.step)})", s))
        if "peak" in whats and p.step == peak and p.step > 0 and not any(m.step == p.step for m in out):
            out.append(Mark(p.step, f"peak {value_label(float(v[p.step]))}", s))
    last = v.size - 1
    if np.isfinite(v[last]) and not any(m.step == last for m in out):
        out.append(Mark(last, f"last {value_label(float(v[last]))}", s))
    return out


def _x(plan: Plan, step: int) -> str:
    from lrviz.render.axes import step_label, token_label

    x = float(plan.x.of(step))
    if plan.x.name == "tokens":
        return token_label(x)
    return f"{plan.x.name} {step_label(x) if plan.x.name == 'step' else f'{x:g}'}"


def segments(ax: Axes, held: bool) -> np.ndarray:
    """Every drawn line of ``ax`` as display-coordinate segments (x0, y0, x1, y1), steps expanded."""
    import numpy as np

    out = []
    for line in ax.get_lines():
        xy: Any = np.asarray(line.get_xydata(), dtype=np.float64)
        if len(xy) < 2:
            continue
        if line.get_drawstyle() == "steps-post":
            steps = np.empty((2 * len(xy) - 1, 2))
            steps[0::2] = xy
            steps[1::2, 0], steps[1::2, 1] = xy[1:, 0], xy[:-1, 1]
            xy = steps
        d = ax.transData.transform(xy)
        seg = np.hstack([d[:-1], d[1:]])
        out.append(seg[np.all(np.isfinite(seg), axis=1)])
    return np.vstack(out) if out else np.zeros((0, 4))


def crosses(seg: np.ndarray, box: tuple[float, float, float, float]) -> bool:
    """Whether any segment passes through ``box`` (x0, y0, x1, y1): Liang-Barsky clipping, vectorised."""
    import numpy as np

    if not len(seg):
        return False
    bx0, by0, bx1, by1 = box
    x0, y0 = seg[:, 0], seg[:, 1]
    dx, dy = seg[:, 2] - x0, seg[:, 3] - y0
    t0, t1 = np.zeros(len(seg)), np.ones(len(seg))
    ok = np.ones(len(seg), dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        for p, q in ((-dx, x0 - bx0), (dx, bx1 - x0), (-dy, y0 - by0), (dy, by1 - y0)):
            ok &= ~((p == 0) & (q < 0))
            r = q / p
            t0 = np.where(p < 0, np.maximum(t0, r), t0)
            t1 = np.where(p > 0, np.minimum(t1, r), t1)
    return bool(np.any(ok & (t0 <= t1)))


def annotate(cells: Cells, result: Result) -> None:
    """Mark the key points of every line of every cell, labels where they fit."""
    import matplotlib
    import numpy as np
    from matplotlib.font_manager import FontProperties

    renderer = cells.fig.canvas.get_renderer()  # type: ignore[attr-defined]
    size = 0.85 * float(FontProperties(size=matplotlib.rcParams["xtick.labelsize"]).get_size_in_points())
    for cell in cells.cells:
        ax = cell.lr
        todo = [m for s in cell.series for m in marks(s, cells.plan, result.trajectories[s.traj].every)]
        dots = [_dot(ax, m, cells.plan) for m in todo]
        lines = segments(ax, cells.plan.held)
        taken = [_box_around(ax, xy, 3.0) for xy in dots if xy is not None]
        leaders: list[list[float]] = []  # placed leaders: later labels keep off them too
        for m, xy in zip(todo, dots, strict=True):
            if xy is not None:
                seg = np.vstack([lines, np.array(leaders).reshape(-1, 4)]) if leaders else lines
                _label(ax, m, xy, seg, taken, leaders, size, renderer)


def _dot(ax: Axes, m: Mark, plan: Plan) -> tuple[float, float] | None:
    import math

    y = float(m.series.lr[m.step])
    if not math.isfinite(y) or (plan.yscale == "log" and y <= 0):
        return None
    x = plan.x.of(float(m.step))
    (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
    if not (x0 <= x <= x1 and y0 <= y <= y1):
        return None
    ax.plot(
        [x],
        [y],
        marker="o",
        markersize=4.2,
        color=m.series.color,
        markeredgecolor="white",
        markeredgewidth=0.7,
        linestyle="none",
        zorder=6,
    )
    return (x, y)


def _box_around(ax: Axes, xy: tuple[float, float], radius: float) -> tuple[float, float, float, float]:
    px, py = ax.transData.transform(xy)
    return (px - radius, py - radius, px + radius, py + radius)


def _label(
    ax: Axes,
    m: Mark,
    xy: Any,
    seg: np.ndarray,
    taken: list[Any],
    leaders: list[list[float]],
    size: float,
    renderer: RendererBase,
) -> None:
    """Place ``m``'s label at the first free spot around its point, or nowhere. A spot away from
    the point needs a leader that crosses no other label."""
    import numpy as np

    text = ax.annotate(
        m.text,
        xy=xy,
        xytext=(0, 0),
        textcoords="offset points",
        fontsize=size,
        color=m.series.color,
        zorder=7,
        annotation_clip=True,
    )
    ext = text.get_window_extent(renderer)
    w, h = ext.width, ext.height
    frame = ax.get_window_extent(renderer)
    px, py = ax.transData.transform(xy)
    pt = ax.figure.dpi / 72.0  # pixels per point
    for dist in DISTANCES:
        for sx, sy in DIRECTIONS:
            dx, dy = sx * dist * pt, sy * dist * pt
            x0 = px + dx if sx > 0 else px + dx - w if sx < 0 else px - w / 2
            y0 = py + dy if sy > 0 else py + dy - h if sy < 0 else py - h / 2
            box = (x0 - CLEARANCE, y0 - CLEARANCE, x0 + w + CLEARANCE, y0 + h + CLEARANCE)
            if box[0] < frame.x0 or box[1] < frame.y0 or box[2] > frame.x1 or box[3] > frame.y1:
                continue
            if any(_overlap(box, t) for t in taken) or crosses(seg, box):
                continue
            leader = [px, py, px + dx, py + dy]
            others = [t for t in taken if not (t[0] <= px <= t[2] and t[1] <= py <= t[3])]  # not its own dot
            if dist > 6 and any(crosses(np.array([leader]), t) for t in others):
                continue
            text.remove()
            _place(ax, m, xy, (dx / pt, dy / pt), size, leader=dist > 6)
            taken.append(box)
            if dist > 6:
                leaders.append(leader)
            return
    text.remove()


def _place(ax: Axes, m: Mark, xy: Any, offset: tuple[float, float], size: float, leader: bool) -> None:
    """The label at ``offset`` points from its point, aligned away from it; a faint leader when set off."""
    dx, dy = offset
    ha = "left" if dx > 0 else "right" if dx < 0 else "center"
    va = "bottom" if dy > 0 else "top" if dy < 0 else "center"
    arrow = {"arrowstyle": "-", "color": m.series.color, "lw": 0.6, "alpha": 0.7, "shrinkA": 0, "shrinkB": 3}
    ax.annotate(
        m.text,
        xy=xy,
        xytext=offset,
        textcoords="offset points",
        fontsize=size,
        color=m.series.color,
        zorder=7,
        ha=ha,
        va=va,
        arrowprops=arrow if leader else None,
    )


def _overlap(a: Any, b: Any) -> bool:
    return bool(min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1]))
