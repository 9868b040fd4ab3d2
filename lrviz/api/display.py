"""How the API's objects show themselves in Jupyter.

* :class:`Result`, what :func:`lrviz.simulate` returns: a :class:`lrviz.simulate.Result`
  (same data, same methods) that displays as its figure plus the table of the points
  that matter (:mod:`lrviz.render.notebook`), through ``_repr_html_``, with
  ``_repr_png_`` / ``_repr_svg_`` for frontends that show images only, and a one-line
  ``repr``. The figure is drawn once per format and kept.
* the Figure :func:`lrviz.plot` returns: a matplotlib ``Figure`` made without pyplot, so
  pyplot's inline backend never shows it by itself (it shows the figures *it* manages,
  which is how figures end up shown twice), and Jupyter shows an ``Agg`` Figure only as
  text unless pyplot was imported. Its class here adds ``_repr_png_``, so it shows once
  either way: where IPython has a formatter registered for Figures (pyplot's inline
  backend), that one is used, else this one.

The Figure subclass is made on first use, so this module imports no matplotlib; it
pickles as ``lrviz.api.display.Figure`` (a name this module answers lazily).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from lrviz.simulate import Result as SimResult

if TYPE_CHECKING:
    from matplotlib.figure import Figure as MplFigure

    from lrviz.sources import Plan
    from lrviz.validate.plot import PlotOptions


class Result(SimResult):
    """A simulated source: its trajectories in order, and how Jupyter shows them.

    Everything of :class:`lrviz.simulate.Result`: ``trajectories``, ``config``,
    ``device``, ``lr(label, group)``, ``momentum(...)``, ``to_frame()``; and ``plan``,
    a framework file's step arithmetic (:class:`lrviz.sources.Plan`; None otherwise).
    """

    plan: Plan | None = None

    @classmethod
    def of(cls, result: SimResult, plan: Plan | None = None) -> Result:
        """The same result (its fields shared, not copied) as this class."""
        made = cls.__new__(cls)
        made.__dict__.update(result.__dict__)
        made.plan = plan
        return made

    def _rendered(self, fmt: str) -> Any:
        from lrviz.render import notebook

        cache: dict[str, Any] = self.__dict__.setdefault("_lrviz_rendered", {})
        if fmt not in cache:
            options = notebook.options_for(self, subtitle=self.plan.summary if self.plan is not None else None)
            if fmt == "png":
                cache[fmt] = notebook.png(self, options)
            elif fmt == "svg":
                cache[fmt] = notebook.svg(self, options)
            elif fmt == "interactive":  # lrviz.options(display="html"): the page's figure and library, inline
                from lrviz.render.html import figure_spec
                from lrviz.render.html.page import figure_block, library

                figure = figure_block(figure_spec(self, options)) + library()
                cache[fmt] = notebook.to_html(self, options, figure=figure)
            else:
                cache[fmt] = notebook.to_html(self, options, png_bytes=self._rendered("png"))
        return cache[fmt]

    def _repr_png_(self) -> bytes:
        png: bytes = self._rendered("png")
        return png

    def _repr_svg_(self) -> str:
        svg: str = self._rendered("svg")
        return svg

    def _repr_html_(self) -> str:
        page: str = self._rendered("interactive" if _OPTIONS["display"] == "html" else "html")
        return page

    def __repr__(self) -> str:
        cfg = self.config
        labels = ", ".join(repr(t.label) for t in self.trajectories[:4])
        more = f", ... ({len(self.trajectories)} schedules)" if len(self.trajectories) > 4 else ""
        return f"<lrviz Result {cfg.title or cfg.name!r}: {cfg.steps:,} steps on {self.device}; {labels}{more}>"


#: How results show in Jupyter (:func:`options`).
_OPTIONS: dict[str, str] = {"display": "static"}
DISPLAYS = ("static", "html")


def options(*, display: str | None = None) -> dict[str, str]:
    """lrviz's notebook options; returns them as they are after the call.

    ``display``: how a :class:`Result` shows in Jupyter: ``"static"`` (the default: the
    figure as an image, for notebooks that must render anywhere, GitHub included) or
    ``"html"``, the interactive figure (hover for exact values, zoom; the chart library
    inline, about 80 KB per output; needs a frontend that runs the output's scripts,
    JupyterLab or Notebook with the notebook trusted).
    """
    from lrviz.errors import LrvizError

    if display is not None:
        if display not in DISPLAYS:
            raise LrvizError(f"expected one of {', '.join(DISPLAYS)}, got {display!r}", key="display")
        _OPTIONS["display"] = display
    return dict(_OPTIONS)


@functools.cache
def figure_class() -> type[MplFigure]:
    """The Figure class of :func:`lrviz.plot` (made here, on first use: matplotlib loads with it)."""
    from matplotlib.figure import Figure as Base

    class Figure(Base):
        """A matplotlib Figure that Jupyter shows once, as PNG (see :mod:`lrviz.api.display`)."""

        lrviz_style = "clean"

        def _repr_png_(self) -> bytes:
            from lrviz.render.notebook import figure_png

            return figure_png(self, self.lrviz_style)

    Figure.__module__ = __name__
    Figure.__qualname__ = "Figure"
    return Figure


def as_shown(fig: MplFigure, options: PlotOptions) -> MplFigure:
    """``fig`` as an instance of :func:`figure_class` (no copy; the class only adds the repr)."""
    fig.__class__ = figure_class()
    fig.lrviz_style = options.style  # type: ignore[attr-defined]
    return fig


def __getattr__(name: str) -> Any:  # pickle finds the Figure class by this name
    if name == "Figure":
        return figure_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Result", "as_shown", "figure_class"]
