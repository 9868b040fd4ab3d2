"""``plot --actual``: a real run's logged values as markers over the planned lines, and where they part.

:func:`draw_logged` is the one call the figure builder makes (:func:`lrviz.render.figure.build_figure`,
once the axes are set up and before the layout is fixed, so its legend entries are laid
out with the others). It reads the axes as built (:class:`lrviz.render.cells.Cells`): each
schedule's lr axes and its momentum panel, when there is one. So it works the same for an
overlay (every schedule on one axes: each log is drawn once) and a grid (a panel per
schedule: each panel gets the log and its own divergence).

What is drawn, and why:

* **logged values** as crosses (``x``; ``+``, then tri-markers for more logs) in the text
  colour: a cross sits inside the planned line's own short-run marker, so agreement reads
  at a glance, and it shows on every style (dark included). Each log has one legend entry.
  Rows past the plan's end are drawn too, over a shaded stretch of the axis past a dotted
  line at the plan's end (its own legend entry); the axis grows to hold them (a run twice
  as long as planned shows its second half). A marker takes
  :data:`MARKER_SPACING` points of the axes' width (a short run's 64 always fit): more logged points are thinned
  evenly (the legend says how many are shown), the first divergence always kept, so a
  long run's markers never hide its planned line.
* **the first divergence**: a ring around the logged point, a dotted vertical line through
  it and a short label (``step 12: resume``). On an overlay it is drawn only when the log
  agrees with none of the schedules (otherwise the log is explained); in a grid every panel
  shows where the log leaves its schedule.
* the y range grows to hold logged values outside the plan's (an lr twice the plan's).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes

    from lrviz.actual import Report
    from lrviz.actual.compare import Comparison, SeriesResult
    from lrviz.actual.findings import Finding
    from lrviz.render.cells import Cells
    from lrviz.render.series import Plan

#: Opacity of the shade over the stretch of axis past the plan's end.
SHADE = 0.08
#: One marker per log, in the order given.
LOG_MARKERS = ("x", "+", "1", "2", "3", "4")
#: Width (in points) of the axes per marker: a 7-inch figure's axes hold about 75 of them.
MARKER_SPACING = 6.0
#: Divergence labels per axes at most; more rings are drawn without one.
MAX_LABELS = 4

#: A few words per likely cause, for the label next to the ring.
CAUSE_WORDS: dict[str, Callable[[dict[str, Any]], str]] = {
    "shift": lambda v: _steps(int(v.get("k", 0))),
    "factor": lambda v: f"{v.get('factor', 0):.3g} × plan",
    "restart": lambda v: "warmup restarted",
    "warmup-length": lambda v: "warmup length",
    "resume": lambda v: "resume",
    "changed-total": lambda v: "total steps differ",
    "changed-after": lambda v: "changed course",
    "different-total": lambda v: (
        f"{v['key']} {v.get('run_total')} run, {v.get('plan_total')} planned"
        if v.get("key")
        else f"{v.get('run_total')} steps run, {v.get('plan_total')} planned"
    ),
    "different-shape": lambda v: f"ran {v.get('run_schedule')}",
    "skipped-steps": lambda v: f"{v.get('count')} skipped step{'s' if v.get('count') != 1 else ''}",
    "resume-total": lambda v: (
        f"resume at {v.get('resume_step')}: {v.get('total_before')} -> {v.get('total_after')} steps"
    ),
}


def _steps(k: int) -> str:
    return f"{abs(k)} step{'s' if abs(k) != 1 else ''} {'ahead' if k > 0 else 'behind'}"


def draw_logged(cells: Cells, size: tuple[float, float], reports: Sequence[Report]) -> list[Artist]:
    """Draw every report's log onto the figure's panels (see the module docstring); returns the
    legend's new entries (one per log, and the divergence ring)."""
    panels = _panels(cells)
    if not reports or not panels:
        return []
    drawer = _Drawer(cells.plan, size)
    drawer.planned(panels)
    shared = len({id(p[0]) for p in panels.values()}) == 1  # an overlay: one lr axes for every schedule
    files = display_names([r.log.file for r in reports])
    names = [  # the same file twice (FILE:TAG): say which series
        f"{name} ({', '.join(s.name for s in r.log.lr_series())})" if files.count(name) > 1 else name
        for name, r in zip(files, reports, strict=True)
    ]
    handles: list[Artist] = []
    for k, report in enumerate(reports):
        drawn: set[int] = set()
        handle = None
        for i, c in enumerate(report.comparisons):
            if i in panels and id(panels[i][0]) not in drawn:  # an overlay draws the log once
                drawn.add(id(panels[i][0]))
                label = f"logged · {names[k]}"
                handle = drawer.markers(panels[i], c, LOG_MARKERS[k % len(LOG_MARKERS)], label) or handle
        if handle is not None:
            handles.append(handle)
    drawer.extend_x()
    drawer.fit_y()  # before the labels, which are placed where the axes have room
    for report in reports:
        for i, c in enumerate(report.comparisons):
            first = c.first_divergence
            if i in panels and first is not None and not (shared and report.ok):
                drawer.divergence(panels[i], first)
    if drawer.beyond is not None:
        handles.append(drawer.beyond)
    if drawer.ring is not None:
        handles.append(drawer.ring)
    return handles


def display_names(files: Sequence[str]) -> list[str]:
    """Each file by its name, with as many parent folders as it takes to tell them apart (one given
    twice stays as it is)."""
    parts = [Path(f).parts or (f,) for f in files]
    distinct = len(set(parts))
    for depth in range(1, max((len(p) for p in parts), default=1) + 1):
        names = ["/".join(p[-depth:]) for p in parts]
        if len(set(names)) == distinct:
            return names
    return [str(f) for f in files]


def _panels(cells: Cells) -> dict[int, tuple[Axes, Axes | None]]:
    """Trajectory index -> (its lr axes, its momentum axes or None)."""
    out: dict[int, tuple[Axes, Axes | None]] = {}
    for cell in cells.cells:
        momentum = cell.subs.get("momentum")
        for s in cell.series:
            out.setdefault(s.traj, (cell.lr, momentum if momentum is not None and momentum.get_visible() else None))
    return out


def _room(ax: Axes, fig_width: float) -> int:
    """How many markers fit across ``ax`` (its width before the layout; close enough), and never fewer
    than a short run has points: a run the plan draws with markers gets every logged point too."""
    from lrviz.styles import SHORT_RUN

    return max(SHORT_RUN, int(ax.get_position().width * fig_width * 72 / MARKER_SPACING))


def _shown(s: SeriesResult, n: int, yscale: str, keep: int | None, most: int) -> tuple[np.ndarray, int]:
    """Indices of the logged points to draw (inside the plan, drawable, thinned to ``most``) and how many could be."""
    import numpy as np

    ok = (s.rows >= 0) & (s.rows < n) & np.isfinite(s.logged)
    if yscale == "log":
        ok &= s.logged > 0
    idx = np.flatnonzero(ok)
    total = int(idx.size)
    if total > most:
        picks = idx[np.unique(np.linspace(0, total - 1, most).round().astype(np.int64))]
        if keep is not None and keep < ok.size and ok[keep]:
            picks = np.union1d(picks, [keep])
        idx = picks
    return idx, total


class _Drawer:
    """What is drawn onto a figure's axes, with the state the pieces share (labels per axes, the y data)."""

    def __init__(self, plan: Plan, size: tuple[float, float]) -> None:
        import matplotlib

        self.plan, self.size = plan, size  # the figure's size in inches
        self.ink = str(matplotlib.rcParams["text.color"])
        self.ring: Artist | None = None
        self.labelled: dict[int, int] = {}
        self.values: dict[int, tuple[Axes, str, list[np.ndarray]]] = {}  # per axes: its scale and the y drawn
        self.curves: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}  # per axes: (x, y) of what is drawn
        self.beyond: Artist | None = None  # the legend's entry for logged points past the plan's end
        self.last_row = -1  # the last such step drawn
        self.past = 0  # how many logged steps lie past the plan's end (the most of any series)
        self.shaded: set[Axes] = set()

    def planned(self, panels: dict[int, tuple[Axes, Axes | None]]) -> None:
        """Note where the planned lines run (labels are placed away from them)."""
        import numpy as np

        for s in self.plan.series:
            if s.traj not in panels:
                continue
            x = self.plan.x.of(np.arange(len(s.lr), dtype=np.float64))  # its own run's length (--combine mixes)
            lr_ax, m_ax = panels[s.traj]
            self.curves.setdefault(id(lr_ax), []).append((x, s.lr))
            if m_ax is not None and s.momentum is not None:
                self.curves.setdefault(id(m_ax), []).append((x, s.momentum))

    def _note(self, ax: Axes, yscale: str, y: np.ndarray) -> None:
        self.values.setdefault(id(ax), (ax, yscale, []))[2].append(y)

    def markers(self, axes: tuple[Axes, Axes | None], c: Comparison, marker: str, label: str) -> Artist | None:
        """The logged points of every series of ``c`` on its panel; returns one of them (for the legend)."""
        import numpy as np

        handle = None
        for s in c.series:
            ax = axes[0] if s.kind == "lr" else axes[1]
            if ax is None:
                continue  # a logged momentum where the plan shows no momentum panel: check reports it
            yscale = self.plan.yscale if s.kind == "lr" else "linear"
            keep = int(np.searchsorted(s.rows, s.first_divergence)) if s.first_divergence is not None else None
            idx, total = _shown(s, self.plan.n, yscale, keep, _room(ax, self.size[0]))
            self._beyond(ax, s, yscale, marker)
            if idx.size == 0:
                continue
            if handle is None and idx.size < total:
                label += f" ({idx.size:,} of {total:,} shown)"
            y = s.logged[idx]
            (line,) = ax.plot(
                self.plan.x.of(s.rows[idx].astype(np.float64)), y, linestyle="none", marker=marker, markersize=5.5,
                markeredgewidth=1.1, color=self.ink, label=label if handle is None else f"_{label}", zorder=4,
            )  # fmt: skip
            self._note(ax, yscale, y)
            self.curves.setdefault(id(ax), []).append((self.plan.x.of(s.rows[idx].astype(np.float64)), y))
            handle = handle or line  # one legend entry per log
        return handle

    def _beyond(self, ax: Axes, s: SeriesResult, yscale: str, marker: str) -> None:
        """Logged points past the plan's last step, drawn as the others are, over a shaded stretch of
        axis past the plan's end (the axis grows to hold them: :meth:`extend_x`)."""
        import numpy as np

        ok = (s.rows >= self.plan.n) & np.isfinite(s.logged)
        if yscale == "log":
            ok &= s.logged > 0
        idx = np.flatnonzero(ok)
        if idx.size == 0:
            return
        most = _room(ax, self.size[0])
        if idx.size > most:
            idx = idx[np.unique(np.linspace(0, idx.size - 1, most).round().astype(np.int64))]
        x, y = self.plan.x.of(s.rows[idx].astype(np.float64)), s.logged[idx]
        ax.plot(x, y, linestyle="none", marker=marker, markersize=5.5, markeredgewidth=1.1, color=self.ink, zorder=4)
        self.past = max(self.past, int(np.unique(s.rows[ok]).size))
        self._note(ax, yscale, y)
        self.curves.setdefault(id(ax), []).append((x, y))
        self.last_row = max(self.last_row, int(s.rows[idx].max()))
        self.shaded.add(ax)

    def extend_x(self) -> None:
        """The x axis spans the plan and the log: past the plan's end, to the last logged step drawn
        (shared x: every axes follows), that stretch shaded as outside the plan."""
        if self.last_row < self.plan.n:
            return
        end = float(self.plan.x.of(float(self.plan.end)))
        last = float(self.plan.x.of(float(self.last_row + (1 if self.plan.held else 0))))
        for ax in self.shaded:
            x0, x1 = ax.get_xlim()
            ax.set_xlim(x0, max(x1, last + 0.02 * (last - x0)))
        for ax in self.shaded:
            ax.axvspan(end, ax.get_xlim()[1], color=self.ink, alpha=SHADE, linewidth=0, zorder=0)
            ax.axvline(end, color=self.ink, linestyle=(0, (1, 2)), linewidth=0.8, alpha=0.6, zorder=1)
        if self.shaded:
            from matplotlib.colors import to_rgba
            from matplotlib.patches import Patch

            # the legend's swatch: the shade, edged with the dotted line that starts it
            self.beyond = Patch(
                facecolor=to_rgba(self.ink, 2 * SHADE), edgecolor=self.ink, linestyle=(0, (1, 2)), linewidth=0.8,
                label=f"logged past the plan's end ({self.past:,} step{'s' if self.past != 1 else ''})",
            )  # fmt: skip

    def divergence(self, axes: tuple[Axes, Axes | None], f: Finding) -> None:
        """A ring on the first diverging logged point, a dotted line through it, and a short label."""
        import math

        ax = axes[1] if f.kind == "momentum" else axes[0]
        if ax is None or f.step is None or f.logged is None or not math.isfinite(f.logged):
            return
        x = float(self.plan.x.of(float(f.step)))
        ax.axvline(x, color=self.ink, linestyle=(0, (1, 2)), linewidth=0.9, alpha=0.7, zorder=1)
        (ring,) = ax.plot(
            [x], [f.logged], linestyle="none", marker="o", markersize=12, markerfacecolor="none",
            markeredgecolor=self.ink, markeredgewidth=1.4, label="first divergence", zorder=5,
        )  # fmt: skip
        self.ring = self.ring or ring
        nth = self.labelled.get(id(ax), 0)
        if nth < MAX_LABELS:
            self.labelled[id(ax)] = nth + 1
            self._label(ax, x, f, nth)

    def _label(self, ax: Axes, x: float, f: Finding, nth: int) -> None:
        """``step 12: resume`` beside the dotted line, at the top or the bottom of the axes, whichever
        holds fewer drawn points where the text goes; stacked when several."""
        import matplotlib

        words = CAUSE_WORDS.get(f.cause.code) if f.cause is not None else None
        text = f"step {f.step}" + (f": {words(f.cause.values)}" if words is not None and f.cause is not None else "")
        size = float(matplotlib.font_manager.FontProperties(size=matplotlib.rcParams["legend.fontsize"]).get_size())
        x0, x1 = ax.get_xlim()
        right = (x - x0) / ((x1 - x0) or 1.0) > 0.62  # near the right edge: the text goes left of the line
        box = ax.get_position()
        width_pt = max(1.0, box.width * self.size[0] * 72)
        height_pt = max(1.0, box.height * self.size[1] * 72)
        span = len(text) * 0.6 * size / width_pt * (x1 - x0)  # the text's width in data units, roughly
        band = (1.4 * size * (nth + 1) + 4) / height_pt  # its height as a fraction of the axes
        xs = (x - span, x) if right else (x, x + span)
        top = self._crowd(ax, xs, (1.0 - band, 1.0)) <= self._crowd(ax, xs, (0.0, band))
        ax.annotate(
            text, xy=(x, 1.0 if top else 0.0), xycoords=("data", "axes fraction"),
            xytext=(-4 if right else 4, (-1 if top else 1) * (4 + 1.4 * size * nth)), textcoords="offset points",
            ha="right" if right else "left", va="top" if top else "bottom", fontsize=size, color=self.ink, zorder=6,
            bbox={"boxstyle": "round,pad=0.2", "facecolor": matplotlib.rcParams["axes.facecolor"],
                  "edgecolor": "none", "alpha": 0.8},
        )  # fmt: skip

    def _crowd(self, ax: Axes, xs: tuple[float, float], band: tuple[float, float]) -> int:
        """How many drawn points (planned and logged) fall in an x range and a band of the axes' height."""
        import numpy as np

        lo, hi = ax.get_ylim()
        count = 0
        for x, y in self.curves.get(id(ax), []):
            inside = (x >= xs[0]) & (x <= xs[1])
            with np.errstate(invalid="ignore", divide="ignore"):
                if ax.get_yscale() == "log":
                    frac = (np.log10(y[inside]) - np.log10(lo)) / (np.log10(hi) - np.log10(lo))
                else:
                    frac = (y[inside] - lo) / ((hi - lo) or 1.0)
            count += int(np.count_nonzero((frac >= band[0]) & (frac <= band[1])))
        return count

    def fit_y(self) -> None:
        """Grow a (frozen) y range that logged values fall outside; leave every other one exactly as it was."""
        import numpy as np

        for ax, yscale, drawn in self.values.values():
            y = np.concatenate(drawn)
            y = y[np.isfinite(y) & ((y > 0) if yscale == "log" else True)]
            lo, hi = ax.get_ylim()
            if y.size == 0 or (y.min() >= lo and y.max() <= hi):
                continue
            x0, x1 = ax.get_xlim()
            ax.update_datalim(np.array([[x0, y.min()], [x1, y.max()]]))
            ax.set_autoscaley_on(True)
            ax.autoscale_view(scalex=False, scaley=True)
            ax.set_ylim(ax.get_ylim())  # frozen again, as the layout expects


__all__ = ["CAUSE_WORDS", "LOG_MARKERS", "MARKER_SPACING", "display_names", "draw_logged"]
