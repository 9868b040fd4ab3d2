"""A result as Jupyter shows it: the figure, then the table of the points that matter.

What ``lrviz show`` prints in a terminal, for a notebook: the figure (as ``lrviz plot``
draws it, options from the config's ``plot:`` block) and, per schedule, the first,
peak, min and last values and the steps where the regime changes
(:mod:`lrviz.render.keypoints`), values at full precision (``repr``), as HTML.

The figure goes into the HTML as an embedded PNG, not inline SVG: matplotlib's SVG ids
come from a fixed salt (for byte-identical files), so two inline SVGs on one page
would share ids and borrow each other's clip paths.
"""

from __future__ import annotations

import base64
import html
import io
from typing import TYPE_CHECKING, Any

from lrviz.render.plot import render_bytes
from lrviz.validate.plot import PlotOptions

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from lrviz.simulate import Result, Trajectory

#: Regime changes listed per group before "... and N more".
MAX_CHANGES = 12
#: CSS pixels per inch: the figure is shown at its size in inches, sharp at its dpi.
CSS_DPI = 96


def options_for(result: Result, *, subtitle: str | None = None) -> PlotOptions:
    """The options ``lrviz plot`` would use for this result (its config's ``plot:`` block; a
    framework file's arithmetic as ``subtitle``)."""
    return PlotOptions.resolve(result.config.plot, subtitle=subtitle)


def png(result: Result, options: PlotOptions | None = None) -> bytes:
    """The figure of ``result`` as PNG bytes (what ``lrviz plot`` writes)."""
    return render_bytes(result, "png", options or options_for(result))


def svg(result: Result, options: PlotOptions | None = None) -> str:
    """The figure of ``result`` as SVG text (what ``lrviz plot --format svg`` writes)."""
    return render_bytes(result, "svg", options or options_for(result)).decode("utf-8")


def figure_png(fig: Figure, style: str) -> bytes:
    """A figure's PNG, drawn under the style it was built with (fonts and hinting are read when drawn)."""
    from lrviz.render.layout import quiet_layout
    from lrviz.render.style import style_context

    buf = io.BytesIO()
    with style_context(style), quiet_layout():
        fig.savefig(buf, format="png", dpi=fig.dpi)
    return buf.getvalue()


def image_tag(data: bytes, options: PlotOptions, alt: str) -> str:
    """An ``<img>`` of PNG bytes, shown at the figure's size in inches (its pixels are dpi per inch)."""
    width = int.from_bytes(data[16:20], "big") * CSS_DPI // options.dpi  # the IHDR chunk's width
    encoded = base64.b64encode(data).decode("ascii")
    return (
        f'<img src="data:image/png;base64,{encoded}" width="{width}" style="max-width: 100%" alt="{html.escape(alt)}"/>'
    )


def key_point_rows(t: Trajectory, steps_per_epoch: int = 1) -> tuple[list[str], list[list[str]], int]:
    """(column names, rows of text, regime changes left out) of one schedule's key points."""
    from lrviz.render.keypoints import key_points

    several = len(t.groups) > 1
    show_m = t.momentum is not None and t.momentum_varies()
    columns = ["step"] + (["epoch"] if steps_per_epoch > 1 else []) + (["group"] if several else []) + ["lr"]
    columns += (["momentum"] if show_m else []) + ["what"]
    rows: list[list[str]] = []
    skipped_total = 0
    for j, group in enumerate(t.groups):
        points, skipped = key_points(t.lr[:, j], max_changes=MAX_CHANGES, period=t.every)
        skipped_total += skipped
        for p in points:
            row = [f"{p.step:,}"] + ([f"{p.step / steps_per_epoch:g}"] if steps_per_epoch > 1 else [])
            row += ([group] if several else []) + [repr(p.value)]
            if show_m and t.momentum is not None:
                row.append(repr(float(t.momentum[p.step, j])))
            rows.append([*row, ", ".join(p.what)])
    return columns, rows, skipped_total


def _table(t: Trajectory, steps_per_epoch: int) -> str:
    columns, rows, skipped = key_point_rows(t, steps_per_epoch)
    right = {"step", "epoch"}
    head = "".join(f'<th style="text-align: {"right" if c in right else "left"}">{c}</th>' for c in columns)
    body = []
    for row in rows:
        cells = "".join(
            f'<td style="text-align: {"right" if c in right else "left"}">{html.escape(v)}</td>'
            for c, v in zip(columns, row, strict=True)
        )
        body.append(f"<tr>{cells}</tr>")
    if skipped:
        body.append(f'<tr><td colspan="{len(columns)}"><i>… and {skipped:,} more regime changes</i></td></tr>')
    title = t.label if t.label == t.scheduler else f"{t.label} [{t.scheduler}]"
    warned = "".join(f"<p><i>the scheduler warned: {html.escape(w)}</i></p>" for w in t.warnings)
    return (
        f"<details open><summary><b>{html.escape(title)}</b></summary>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{warned}</details>"
    )


def to_html(
    result: Result, options: PlotOptions | None = None, *, png_bytes: bytes | None = None, figure: str | None = None
) -> str:
    """The figure (embedded PNG; ``figure``: this HTML instead, the interactive one) and every
    schedule's key points, as one HTML fragment."""
    opts = options or options_for(result)
    cfg = result.config
    data = png_bytes if png_bytes is not None or figure is not None else png(result, opts)
    title = cfg.title or cfg.name
    summary = (
        f"{cfg.steps:,} optimizer steps"
        + (f" ({cfg.epochs:g} epochs of {cfg.steps_per_epoch})" if cfg.steps_per_epoch > 1 else "")
        + f", {cfg.optimizer.name} on {result.device}"
    )
    parts: list[Any] = [
        f'<div class="lrviz-result">{figure if figure is not None else image_tag(data or b"", opts, title)}',
        f"<p>{html.escape(summary)}</p>",
        *(_table(t, cfg.steps_per_epoch) for t in result.trajectories),
        "</div>",
    ]
    return "".join(parts)


__all__ = ["figure_png", "key_point_rows", "options_for", "png", "svg", "to_html"]
