"""Interactive figures: ``lrviz plot -f html``, one self-contained page per figure (issue 29).

:func:`render_html` is what the plot pipeline calls for the ``html`` format
(:func:`lrviz.render.plot.render_formats`); :mod:`~lrviz.render.html.spec` reads the
static figure's plan into data, :mod:`~lrviz.render.html.data` carries the recorded
values (exact text and min/max envelopes), :mod:`~lrviz.render.html.page` writes the
page around the vendored chart library (uPlot, ``vendor/VENDORED.md``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lrviz.actual import Report
    from lrviz.simulate import Result
    from lrviz.validate.plot import PlotOptions


def figure_spec(result: Result, options: PlotOptions, *, actual: Sequence[Report] = ()) -> dict[str, object]:
    """The page's data for ``result`` (what :func:`render_html` writes; the Sphinx directive embeds it)."""
    from lrviz.render.html.spec import page_spec
    from lrviz.render.style import get_style

    return page_spec(result, options, get_style(options.style), actual=actual)


def render_html(result: Result, options: PlotOptions, *, actual: Sequence[Report] = ()) -> bytes:
    """The interactive figure of ``result`` as a whole HTML document (UTF-8 bytes, the same every run)."""
    from lrviz.render.html.page import page

    return page(figure_spec(result, options, actual=actual)).encode("utf-8")


__all__ = ["figure_spec", "render_html"]
