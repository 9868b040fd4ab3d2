"""Applying a style: matplotlib's side of :mod:`lrviz.styles`.

A style is applied with ``matplotlib.rc_context`` while a figure is built and saved,
starting from matplotlib's defaults (not the caller's rcParams), so a figure looks the
same in a notebook with a custom matplotlibrc and in CI, and nothing leaks out.
Besides lrviz's own styles, any matplotlib style sheet can be named.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from lrviz.styles import DEFAULT_STYLE, DETERMINISTIC, OKABE_ITO, STYLES, Style


def get_style(name: str) -> Style:
    """The :class:`Style` for ``name``: an lrviz style or a matplotlib style sheet.

    A matplotlib sheet (e.g. ``ggplot``, ``seaborn-v0_8-whitegrid``) supplies its own
    look and colours; lrviz adds only :data:`DETERMINISTIC` on top.
    """
    if name in STYLES:
        return STYLES[name]
    import matplotlib.style

    if name in matplotlib.style.available:
        rc: dict[str, Any] = {str(k): v for k, v in matplotlib.style.library[name].items()}
        cycle = rc.get("axes.prop_cycle")
        palette = tuple(cycle.by_key().get("color", ())) if cycle is not None else ()
        return Style(
            name,
            rc,
            palette or OKABE_ITO,
            STYLES["clean"].overlay_size,
            STYLES["clean"].cell_size,
            "matplotlib style sheet",
        )
    raise KeyError(name)


#: rcParams about the session, not the look (matplotlib's own style blacklist).
_NOT_STYLE = frozenset(
    (
        "backend",
        "backend_fallback",
        "interactive",
        "toolbar",
        "timezone",
        "date.epoch",
        "figure.max_open_warning",
        "figure.raise_window",
        "savefig.directory",
        "tk.window_focus",
        "docstring.hardcopy",
    )
)


@contextmanager
def style_context(name: str = DEFAULT_STYLE) -> Iterator[Style]:
    """Apply a style (and the reproducibility settings) for the duration of a block.

    Starts from matplotlib's defaults, not from whatever the caller's rcParams are,
    so a figure looks the same in a notebook with a custom matplotlibrc and in CI.
    """
    import matplotlib

    style = get_style(name)
    defaults: dict[str, Any] = {
        k: v for k, v in matplotlib.rcParamsDefault.items() if k not in _NOT_STYLE and not k.startswith("webagg.")
    }
    with matplotlib.rc_context():
        params: Any = matplotlib.rcParams  # typed by matplotlib with a Literal of every key
        params.update(defaults)
        params.update(style.rc)
        params.update(DETERMINISTIC)
        yield style


def palette_for(style: Style, n: int, *, cycle: bool = False) -> list[str]:
    """``n`` line colours: the style's palette, or viridis for more than it holds.

    ``cycle=True`` repeats the palette instead (a grid, where each schedule has its own
    panel; unordered schedules, told apart by line style or marker as well), leaving out
    the last, lightest colour.
    """
    if n <= len(style.palette):
        return list(style.palette[:n])
    if cycle:
        usable = style.palette[:-1] if len(style.palette) > 2 else style.palette
        return [usable[i % len(usable)] for i in range(n)]
    import matplotlib
    from matplotlib.colors import to_hex

    cmap = matplotlib.colormaps["viridis"]
    # stop short of viridis' pale yellow end, which vanishes on white
    return [to_hex(cmap(0.92 * i / max(1, n - 1))) for i in range(n)]


def ordered_palette(values: list[float]) -> list[str]:
    """Viridis at each value's rank: a sweep's lowest value darkest, its highest lightest
    (stopping short of viridis' pale yellow end, which vanishes on white)."""
    import matplotlib
    from matplotlib.colors import to_hex

    cmap = matplotlib.colormaps["viridis"]
    rank = {v: r for r, v in enumerate(sorted(values))}
    return [to_hex(cmap(0.92 * rank[v] / max(1, len(values) - 1))) for v in values]
