"""What an interactive page shows, as plain data: the static figure's plan, read the same way.

The lines, colours, line styles, labels, legend order, panels and titles come from the
functions the static figure is built from (:func:`lrviz.render.series.plan_series`,
:func:`lrviz.render.panels.sub_panels`, :func:`lrviz.render.figure.titles`), so the two
cannot drift apart; this module only turns them into JSON for the page's script, and the
recorded arrays into :mod:`lrviz.render.html.data` columns.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from lrviz.render.html.data import EXACT_VALUES, Blob, column, points
from lrviz.validate.plot import PlotOptions

if TYPE_CHECKING:
    from lrviz.actual import Report
    from lrviz.render.series import Plan, Series
    from lrviz.simulate import Result
    from lrviz.styles import Style


#: matplotlib's named dash patterns (rcParams lines.*_pattern), in line widths.
_NAMED = {"--": (3.7, 1.6), "dashed": (3.7, 1.6), ":": (1.0, 1.65), "dotted": (1.0, 1.65), "-.": (6.4, 1.6, 1.0, 1.6)}


def dash(linestyle: Any, width: float) -> list[float]:
    """A matplotlib line style as a canvas dash list (matplotlib scales dashes by the line width)."""
    if linestyle in ("-", "solid", None):
        return []
    pattern = _NAMED.get(linestyle) if isinstance(linestyle, str) else linestyle[1]
    return [round(float(p) * width, 3) for p in (pattern or ())]


def look(style: Style) -> dict[str, Any]:
    """The page's colours and line width, from the style's rcParams (the static figure's)."""
    rc = style.rc

    def color(key: str, default: str) -> str:
        value = rc.get(key, default)
        return value if isinstance(value, str) and value.startswith("#") else default

    return {
        "bg": color("figure.facecolor", "#ffffff"),
        "axes": color("axes.facecolor", "#ffffff"),
        "fg": color("text.color", "#222222"),
        "grid": color("grid.color", "#e5e5e5"),
        "edge": color("axes.edgecolor", "#444444"),
        "width": float(rc.get("lines.linewidth", 1.5)),
    }


def _series(s: Series, width: float) -> dict[str, Any]:
    return {
        "label": s.label,
        "color": s.color,
        "dash": dash(s.linestyle, width),
        "traj": s.traj,
        "group": s.group,
        "error": s.error,
    }


def _panels(result: Result, plan: Plan, blob: Blob, exact: bool) -> list[dict[str, Any]]:
    """The lr panel, then every sub-panel of the static figure, each line a column."""
    index = {id(s): i for i, s in enumerate(plan.series)}
    lr = {
        "key": "lr",
        "label": "learning rate",
        "yscale": plan.yscale,
        "held": plan.held,
        "lines": [{"series": i, "col": column(blob, s.lr, exact)} for i, s in enumerate(plan.series)],
    }
    out = [lr]
    for p in plan.panels:
        lines = []
        for ln in p.lines:
            col = column(blob, ln.values, exact) if ln.at is None else points(blob, ln.at, ln.values)
            lines.append({"series": index[id(ln.series)], "col": col})
        out.append({"key": p.key, "label": p.label, "yscale": "linear", "held": p.held and plan.held, "lines": lines})
    return out


def _overlays(result: Result, plan: Plan) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The static figure's overlays (:mod:`lrviz.render.overlays`): each ReduceLROnPlateau reduction
    (a dotted line; a ring on the metric value that triggered it) and where torch stopped a schedule."""
    from lrviz.render.overlays import reductions

    drops: list[dict[str, Any]] = []
    stops: list[dict[str, Any]] = []
    for i, s in enumerate(plan.series):
        t = result.trajectories[s.traj]
        if t.metric is not None and s.group == 0:
            for k in reductions(t.lr).tolist():
                fed = k // t.every - 1  # the value fed at the end of the step before the drop
                ring = float(t.metric[fed]) if k % t.every == 0 and 0 <= fed < t.metric.size else None
                drops.append({"series": i, "step": k if plan.held else k - 1, "ring": ring})
        if s.error is not None and s.steps > 0 and math.isfinite(float(s.lr[s.steps - 1])):
            last = s.steps - 1
            stops.append({"series": i, "step": last + 1 if plan.held else last, "value": float(s.lr[last])})
    return drops, stops


def _values(plan: Plan) -> int:
    return sum(
        [s.steps for s in plan.series] + [ln.values.shape[0] for p in plan.panels for ln in p.lines if ln.at is None]
    )


def page_spec(result: Result, opts: PlotOptions, style: Style, *, actual: Sequence[Report] = ()) -> dict[str, Any]:
    """The page's data: the figure (titles, series, panels, cells, axes) and the blob of its numbers."""
    from lrviz.render.figure import titles
    from lrviz.render.layout import grid_shape
    from lrviz.render.panels import sub_panels
    from lrviz.render.series import plan_series

    plan = plan_series(result, opts, style)
    plan.panels = sub_panels(result, plan, opts)
    exact = _values(plan) <= EXACT_VALUES
    blob = Blob()
    title, subtitle = titles(result, opts)
    trajs = result.trajectories
    cells = [{"title": "", "series": list(range(len(plan.series)))}]
    if opts.layout == "grid":  # a cell per schedule, as the static grid
        cells = [
            {"title": t.label, "series": [i for i, s in enumerate(plan.series) if s.traj == k]}
            for k, t in enumerate(trajs)
        ]
    spec: dict[str, Any] = {
        "title": (title or "").replace(r"\$", "$"),
        "subtitle": subtitle or "",
        "n": plan.n,
        "held": plan.held,
        "x": {"name": plan.x.name, "div": plan.x.div, "mul": plan.x.mul, "spe": result.config.steps_per_epoch},
        "tokens": opts.tokens_per_step,
        "yscale": plan.yscale,
        "look": look(style),
        "series": [_series(s, look(style)["width"]) for s in plan.series],
        "trajs": [t.label for t in trajs],
        "sweep": bool(result.config.swept),
        "cells": cells,
        "ncols": grid_shape(len(cells))[0] if opts.layout == "grid" else 1,
        "panels": _panels(result, plan, blob, exact),
        "exact": exact,
        "xlim": list(opts.xlim) if opts.xlim else None,
        "ylim": list(opts.ylim) if opts.ylim else None,
    }
    spec["drops"], spec["stops"] = _overlays(result, plan)
    if opts.annotate:  # the static figure's key points (lrviz.render.annotate.marks), dot and label
        from lrviz.render.annotate import marks

        spec["marks"] = [
            {"series": i, "step": m.step, "value": float(s.lr[m.step]), "text": m.text}
            for i, s in enumerate(plan.series)
            for m in marks(s, plan)
            if math.isfinite(float(s.lr[m.step]))
        ]
    if actual:
        from lrviz.render.html.logged import logged

        spec["logged"] = logged(plan, actual, blob, shared=opts.layout == "overlay")
    spec["blob"], spec["exactBlob"] = blob.encoded()
    return spec
