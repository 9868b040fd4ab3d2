"""Terminal previews: a braille line chart and a table of the points that matter.

The chart is drawn on a grid of braille characters (2 x 4 dots per cell), so a
100-column terminal shows 200 dot columns. As in the figures, each lr is held through
its step (a StepLR drop is a vertical edge, not a slope), and long runs go through
the same min/max envelope (:mod:`lrviz.render.envelope`), at the dot resolution: a
1M-step cyclic schedule still shows every peak it can at that width. Drawing is
plain Python over at most a few thousand points, and the output is a rich
renderable. Where there is no colour (piped, ``NO_COLOR``), lines could only be told
apart by colour, so each line is drawn with a glyph of its own instead, and the
legend shows the glyph.

Why not a terminal plotting library: the chart needs exactly one feature (lines
with an axis), must be deterministic for tests, and must not paint a background
over the user's terminal theme; 150 lines of code are cheaper than tracking an API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lrviz.errors import SimulationError

if TYPE_CHECKING:
    import numpy as np
    from rich.console import RenderableType
    from rich.text import Text

    from lrviz.simulate import Result, Trajectory

#: Terminal colours, the Okabe-Ito hues (see :mod:`lrviz.render.style`).
TERMINAL_COLORS = ("#56B4E9", "#E69F00", "#009E73", "#CC79A7", "#F0E442", "#D55E00", "#0072B2")
#: Without colour, line k is drawn with GLYPHS[k % len]: distinct shapes, one a cell.
GLYPHS = ("•", "+", "x", "o", "*", "#", "%", "@")
_BRAILLE_BASE = 0x2800
# dot bit for (dx, dy) inside a cell, dy counted from the top
_DOT = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))


@dataclass
class Line:
    label: str
    values: np.ndarray
    color: str
    glyph: str | None = None  # set: drawn with this character (a cell per dot) instead of braille


def _fmt(v: float) -> str:
    """Axis labels: three significant digits, short exponents (7.81e-6)."""
    text = f"{v:.3g}"
    return text.replace("e-0", "e-").replace("e+0", "e+")


def _scaled(lines: list[Line], log: bool) -> tuple[list[np.ndarray], float, float]:
    """Each line's values on the chart's vertical scale (log10 for ``log``; NaN where not
    drawable), and the (lo, hi) range the rows span."""
    import numpy as np

    prepared = []
    for ln in lines:
        v = np.asarray(ln.values, dtype=np.float64)
        ok = np.isfinite(v) & (v > 0 if log else True)
        prepared.append(np.where(ok, np.log10(np.where(ok, v, 1.0)) if log else v, np.nan))
    finite = [f for f in (y[~np.isnan(y)] for y in prepared) if f.size]
    lo, hi = (min(float(f.min()) for f in finite), max(float(f.max()) for f in finite)) if finite else (0.0, 1.0)
    if hi == lo:
        pad = abs(hi) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    return prepared, lo, hi


class _Canvas:
    """A grid of braille cells, 2 x 4 dots each, with a colour per cell (and a glyph, for lines drawn with one)."""

    def __init__(self, width: int, height: int):
        self.width, self.height = width, height
        self.cells = [[0] * width for _ in range(height)]
        self.colors: list[list[str | None]] = [[None] * width for _ in range(height)]
        self.glyphs: list[list[str | None]] = [[None] * width for _ in range(height)]

    def dot(self, px: int, py: int, color: str, glyph: str | None = None) -> None:
        cx, cy = px >> 1, py >> 2
        if 0 <= cx < self.width and 0 <= cy < self.height:
            if glyph is not None:
                self.glyphs[cy][cx] = glyph
            else:
                self.cells[cy][cx] |= _DOT[px & 1][py & 3]
            self.colors[cy][cx] = color

    def line(self, y: np.ndarray, ln: Line, lo: float, hi: float, held: bool = True) -> None:
        """Draw one line through its envelope points: each value held to the next point (``held``), or joined."""
        import math

        from lrviz.render.envelope import envelope_indices

        dots_w, dots_h = 2 * self.width, 4 * self.height
        m = len(y)
        span = m if held else max(1, m - 1)
        prev: tuple[int, int] | None = None
        idx = envelope_indices(y, dots_w, span=span).tolist()
        for k, i in enumerate(idx):
            val = float(y[i])
            if math.isnan(val):
                prev = None
                continue
            px = int(round(i / span * (dots_w - 1)))
            py = int(round((hi - val) / (hi - lo) * (dots_h - 1)))
            if prev is not None and held:
                self._segment(prev, (px, prev[1]), ln)  # the previous value, held until this step
                prev = (px, prev[1])
            self._segment(prev, (px, py), ln)
            prev = (px, py)
            if held and k == len(idx) - 1 and i == m - 1:  # the last value lasts to the end of its step
                self._segment(prev, (dots_w - 1, py), ln)

    def _segment(self, a: tuple[int, int] | None, b: tuple[int, int], ln: Line) -> None:
        if a is None:
            self.dot(b[0], b[1], ln.color, ln.glyph)
            return
        (x0, y0), (x1, y1) = a, b
        steps = max(abs(x1 - x0), abs(y1 - y0), 1)
        for s in range(1, steps + 1):
            self.dot(x0 + round((x1 - x0) * s / steps), y0 + round((y1 - y0) * s / steps), ln.color, ln.glyph)

    def row(self, r: int, out: Text) -> None:
        """Append row ``r`` to ``out``, one style span per run of the same colour."""
        run_color: str | None = None
        run: list[str] = []
        for c in range(self.width):
            ch = self.glyphs[r][c] or (chr(_BRAILLE_BASE + self.cells[r][c]) if self.cells[r][c] else " ")
            col = self.colors[r][c]
            if col != run_color and run:
                out.append("".join(run), style=run_color)
                run = []
            run_color = col
            run.append(ch)
        if run:
            out.append("".join(run), style=run_color)


def _y_labels(lo: float, hi: float, height: int, log: bool) -> dict[int, str]:
    """Labels for the top, bottom (and, when tall enough, middle) rows."""
    dots_h = 4 * height
    rows = {0: hi, height - 1: lo}
    if height >= 7:
        rows[(height - 1) // 2] = hi - (hi - lo) * ((height - 1) // 2 * 4 + 1.5) / (dots_h - 1)
    return {r: _fmt(10**v) if log else _fmt(v) for r, v in rows.items()}


def _x_axis(n: int, width: int, held: bool = True) -> str:
    """'0', the middle and the end under the plot area (held: the end of the last step, n)."""
    end = n if held else n - 1
    mid, right = f"{end // 2:,}", f"{end:,}"
    axis = [" "] * (width + 2)
    for pos, text in ((0, "0"), (width // 2 - len(mid) // 2, mid), (width + 2 - len(right), right)):
        for k, ch in enumerate(text):
            if 0 <= pos + k < len(axis):
                axis[pos + k] = ch
    return "".join(axis)


def chart(
    lines: list[Line], *, width: int = 72, height: int = 12, log: bool = False, held: bool = True, steps: int = 0
) -> RenderableType:
    """A braille chart of ``lines``, ``width`` x ``height`` cells of plot area, spanning ``steps`` steps
    (at least the longest line: a shorter one, stopped part-way, ends where it stopped)."""
    import numpy as np
    from rich.text import Text

    width, height = max(8, int(width)), max(3, int(height))
    n = max([steps, *(len(ln.values) for ln in lines)])
    prepared, lo, hi = _scaled(lines, log)
    canvas = _Canvas(width, height)
    for ln, y in zip(lines, prepared, strict=True):
        if len(y) < n:  # the steps it never reached: a gap
            y = np.concatenate([y, np.full(n - len(y), np.nan)])
        canvas.line(y, ln, lo, hi, held)
    labels = _y_labels(lo, hi, height, log)
    lw = max(len(s) for s in labels.values())

    out = Text(no_wrap=True, overflow="crop")
    if len(lines) > 1:
        for k, ln in enumerate(lines):
            out.append(" " * (lw + 2) if k == 0 else "   ")
            out.append(f"{ln.glyph} " if ln.glyph else "━━ ", style=ln.color)
            out.append(ln.label)
        out.append("\n")
    for r in range(height):
        out.append(labels.get(r, "").rjust(lw) + (" ┤" if r in labels else " │"), style="dim")
        canvas.row(r, out)
        out.append("\n")
    out.append(" " * lw + " └" + "─" * width + "\n", style="dim")
    out.append(" " * lw + _x_axis(n, width, held) + "  step", style="dim")
    return out


def trajectory_chart(
    t: Trajectory,
    *,
    width: int,
    height: int,
    log: bool = False,
    color: bool = True,
    held: bool = True,
    steps: int = 0,
) -> RenderableType:
    """The chart of one schedule: one line per param group (each with a glyph of its own without ``color``)."""
    several = len(t.groups) > 1
    lines = [
        Line(
            label=g,
            values=t.lr[:, j],
            color=TERMINAL_COLORS[j % len(TERMINAL_COLORS)],
            glyph=GLYPHS[j % len(GLYPHS)] if several and not color else None,
        )
        for j, g in enumerate(t.groups)
    ]
    return chart(lines, width=width, height=height, log=log, held=held, steps=steps)


def key_point_table(t: Trajectory, *, steps_per_epoch: int = 1, max_changes: int = 12) -> RenderableType:
    """A rich Table of first / peak / min / last / regime changes, values in full (repr)."""
    from rich.table import Table

    from lrviz.render.keypoints import key_points

    several = len(t.groups) > 1
    show_m = t.momentum_varies()
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    table.add_column("step", justify="right")
    if steps_per_epoch > 1:
        table.add_column("epoch", justify="right")
    if several:
        table.add_column("group")
    table.add_column("lr", justify="left")
    if show_m:
        table.add_column("momentum", justify="left")
    table.add_column("what")
    skipped_total = 0
    for j, g in enumerate(t.groups):
        points, skipped = key_points(t.lr[:, j], max_changes=max_changes, period=t.every)
        skipped_total += skipped
        for p in points:
            row: list[Any] = [f"{p.step:,}"]
            if steps_per_epoch > 1:
                row.append(f"{p.step / steps_per_epoch:g}")
            if several:
                row.append(g)
            row.append(repr(p.value))
            if t.momentum is not None and show_m:
                row.append(repr(float(t.momentum[p.step, j])))
            whats = ["stopped: torch refused the next step" if w == "last" and t.error else w for w in p.what]
            row.append(", ".join(whats))
            table.add_row(*row)
    if skipped_total:
        filler = [""] * (len(table.columns) - 1)
        table.add_row(*filler, f"… and {skipped_total:,} more regime changes", style="dim")
    return table


def preview(
    result: Result, *, width: int = 80, height: int = 12, log: bool = False, color: bool = True, held: bool = True
) -> list[RenderableType]:
    """Everything ``lrviz show`` prints for one result, as rich renderables in order.

    ``color=False`` (no colour on the terminal) draws the lines of a chart with distinct
    glyphs; ``held=False`` joins the values instead of holding each through its step.
    """
    from rich.rule import Rule
    from rich.text import Text

    from lrviz.render.summary import summary_table

    cfg = result.config
    spe = cfg.steps_per_epoch
    out: list[RenderableType] = []
    title = cfg.title or cfg.name
    out.append(
        Text(
            f"{title} — {cfg.steps:,} steps"
            + (f" ({cfg.epochs:g} epochs of {spe})" if spe > 1 else "")
            + f", {cfg.optimizer.name} on {result.device}",
            style="bold",
        )
    )
    plot_w = max(20, min(120, width - 20))  # room for the y labels and the x axis name
    for schedule, t in zip(cfg.schedules, result.trajectories, strict=True):
        head = t.label if t.label == t.scheduler else f"{t.label}  [{t.scheduler}]"
        out.append(Rule(Text(head, style="bold"), align="left", style="dim"))  # Text: labels may hold [brackets]
        out.append(trajectory_chart(t, width=plot_w, height=height, log=log, color=color, held=held, steps=cfg.steps))
        if t.error is not None:
            reason = (t.error.reason if isinstance(t.error, SimulationError) else None) or t.error.message
            out.append(Text(f"✕ torch stopped it at step {t.steps - 1:,}: {reason}", style="red"))
        out.append(Text(""))
        out.append(key_point_table(t, steps_per_epoch=spe))
        out.append(Text(""))
        out.append(summary_table(t, cfg.steps))  # mean, area under the lr, lr at 10/50/90%: lrviz.render.summary
        for name, value in schedule.spec.filled_values().items():
            out.append(Text(f"{name}={value!r}: filled in by lrviz from the run's length", style="dim"))
        # torch's warnings are check's torch-warning lint: show prints them once, on stderr (--quiet hides them)
    return out
