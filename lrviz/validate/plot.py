"""Plot options: plain data, checked once wherever they come from.

A config's ``plot:`` block is checked when the config is loaded (so ``check`` and
``export`` refuse ``plot: {layout: bogus}`` too), with the key path ``plot.layout``.
Options given another way (a notebook building :class:`PlotOptions`, the command
line's overrides through :meth:`PlotOptions.resolve`) are checked the same way and
named by their option name (``size``); the command line maps those names to its
flags. Nothing here imports matplotlib (a style sheet name aside) or knows a flag.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from lrviz.errors import ConfigError, LrvizError, describe, did_you_mean
from lrviz.styles import STYLES, style_names
from lrviz.validate.checks import math_text

LAYOUTS = ("overlay", "grid")
YSCALES = ("linear", "log")
XAXES = ("step", "epoch", "tokens")
FORMATS = ("png", "svg", "pdf", "html")
DRAWSTYLES = ("steps", "line")
#: Where the legend goes: auto (above the axes for a few entries, a side column for many).
LEGENDS = ("auto", "above", "below", "right", "best", "none")
SWITCHES = ("auto", "on", "off")
#: Keys a config's ``plot:`` block may hold (``format`` and ``formats`` are synonyms).
PLOT_KEYS = (
    "layout",
    "yscale",
    "x",
    "title",
    "subtitle",
    "style",
    "size",
    "dpi",
    "format",
    "formats",
    "drawstyle",
    "xlim",
    "ylim",
    "legend",
    "momentum",
    "annotate",
    "effective_decay",
    "tokens_per_step",
)
MAX_INCHES = 50.0
MIN_INCHES = 1.0
MIN_DPI, MAX_DPI = 30, 1200

_Error = Callable[[str, str], LrvizError]  # (message, key) -> the error to raise


def _choice(allowed: tuple[str, ...]) -> Callable[[Any, str, _Error], str]:
    def check(value: Any, key: str, bad: _Error) -> str:
        if not isinstance(value, str) or value.strip().lower() not in allowed:
            raise bad(f"expected one of {', '.join(allowed)}, got {describe(value)}", key)
        return value.strip().lower()

    return check


def _size(value: Any, key: str, bad: _Error) -> tuple[float, float]:
    what = f"a figure size W,H in inches, each from {MIN_INCHES:g} to {MAX_INCHES:g} (e.g. 7,4.2)"
    parts: Any = value
    if isinstance(value, str):
        try:
            parts = [float(p) for p in value.replace("x", ",").replace("X", ",").split(",")]
        except ValueError:
            raise bad(f"expected {what}, got {describe(value)}", key) from None
    if (
        not isinstance(parts, (list, tuple))
        or len(parts) != 2
        or any(isinstance(p, bool) or not isinstance(p, (int, float)) for p in parts)
    ):
        raise bad(f"expected {what}, got {describe(value)}", key)
    w, h = float(parts[0]), float(parts[1])
    if not all(math.isfinite(v) and MIN_INCHES <= v <= MAX_INCHES for v in (w, h)):
        raise bad(f"expected {what}, got {describe(value)}", key)
    return (w, h)


def _dpi(value: Any, key: str, bad: _Error) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or (isinstance(value, float) and (not math.isfinite(value) or value != int(value)))
    ):
        raise bad(f"expected a whole number of dots per inch from {MIN_DPI} to {MAX_DPI}, got {describe(value)}", key)
    if not MIN_DPI <= int(value) <= MAX_DPI:
        raise bad(f"expected dots per inch from {MIN_DPI} to {MAX_DPI}, got {int(value)}", key)
    return int(value)


def _title(value: Any, key: str, bad: _Error) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise bad(f"expected text, got {describe(value)}", key)
    text = str(value)
    if len(text) > 300:
        raise bad("a title must have at most 300 characters", key)
    try:
        return math_text(text, key)
    except ConfigError as exc:
        raise bad(exc.message, key) from None


def _subtitle(value: Any, key: str, bad: _Error) -> str:
    """Lines under the title: a framework file's arithmetic, one line per file of a combined figure."""
    if not isinstance(value, str):
        raise bad(f"expected text, got {describe(value)}", key)
    if len(value) > 2000:
        raise bad("a subtitle must have at most 2000 characters", key)
    try:
        return math_text(value, key)
    except ConfigError as exc:
        raise bad(exc.message, key) from None


def _style(value: Any, key: str, bad: _Error) -> str:
    if isinstance(value, str) and value in STYLES:
        return value
    names = style_names()
    if not isinstance(value, str) or value not in names:
        hint = did_you_mean(value, names) if isinstance(value, str) else ""
        raise bad(
            f"unknown style {describe(value)}{hint}; allowed: {', '.join(STYLES)}, or a matplotlib style sheet "
            f"({', '.join(n for n in names if n not in STYLES)})",
            key,
        )
    return value


def _limits(value: Any, key: str, bad: _Error) -> tuple[float | None, float | None]:
    """``"A,B"`` or ``[A, B]``: an axis range; either end may be left open ("A," or [null, B])."""
    what = "a range A,B (two numbers, A < B; leave one out to keep it automatic: 0, or ,1e-3)"
    parts: Any = value
    if isinstance(value, str):
        parts = [p.strip() or None for p in value.split(",")]
        try:
            parts = [None if p is None else float(p) for p in parts]
        except ValueError:
            raise bad(f"expected {what}, got {describe(value)}", key) from None
    if not isinstance(parts, (list, tuple)) or len(parts) != 2 or parts == [None, None]:
        raise bad(f"expected {what}, got {describe(value)}", key)
    out: list[float | None] = []
    for p in parts:
        if p is not None and (isinstance(p, bool) or not isinstance(p, (int, float)) or not math.isfinite(p)):
            raise bad(f"expected {what}, got {describe(value)}", key)
        out.append(None if p is None else float(p))
    lo, hi = out
    if lo is not None and hi is not None and not lo < hi:
        raise bad(f"expected {what}, got {describe(value)}", key)
    return (lo, hi)


def _flag(value: Any, key: str, bad: _Error) -> bool:
    if not isinstance(value, bool):
        raise bad(f"expected true or false, got {describe(value)}", key)
    return value


def _tokens(value: Any, key: str, bad: _Error) -> int:
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10**15:
        raise bad(f"expected a whole number of tokens per optimizer step from 1 to 1e15, got {describe(value)}", key)
    return value


def _formats(value: Any, key: str, bad: _Error) -> tuple[str, ...]:
    items = value if isinstance(value, (list, tuple)) else [value]
    if not items:
        raise bad(f"expected one or more of {', '.join(FORMATS)}, got an empty list", key)
    out: list[str] = []
    for item in items:
        fmt = _choice(FORMATS)(item, key, bad)
        if fmt not in out:
            out.append(fmt)
    return tuple(out)


_CHECKS: dict[str, Callable[[Any, str, _Error], Any]] = {
    "layout": _choice(LAYOUTS),
    "yscale": _choice(YSCALES),
    "x": _choice(XAXES),
    "title": _title,
    "style": _style,
    "size": _size,
    "dpi": _dpi,
    "formats": _formats,
    "subtitle": _subtitle,
    "drawstyle": _choice(DRAWSTYLES),
    "xlim": _limits,
    "ylim": _limits,
    "legend": _choice(LEGENDS),
    "momentum": _choice(SWITCHES),
    "annotate": _flag,
    "effective_decay": _flag,
    "tokens_per_step": _tokens,
}


def check_format(value: Any) -> str:
    """One output format (png, svg, pdf, html), normalised."""
    return _choice(FORMATS)(value, "format", _plain)


def _plain(message: str, key: str) -> LrvizError:
    return LrvizError(message, key=key)


def _from_config(message: str, key: str) -> LrvizError:
    return ConfigError(message, key=key)


@dataclass(frozen=True)
class PlotOptions:
    """How to draw a result. Every field has a default; ``size=None`` means "per layout".

    ``xlim`` is in the unit of the x axis shown (steps, epochs or tokens); either end of
    a limit may be None (automatic). ``subtitle`` is a line under the title (a sweep says
    there what it swept; a framework file, its step arithmetic). ``momentum``: ``auto``
    draws the momentum panel when a schedule changes it; ``drawstyle``: ``steps`` holds
    each value through its optimizer step, ``line`` joins the values (the articles' look).
    """

    layout: str = "overlay"
    yscale: str = "linear"
    x: str = "step"
    title: str | None = None
    style: str = "clean"
    size: tuple[float, float] | None = None
    dpi: int = 150
    formats: tuple[str, ...] = ("png",)
    drawstyle: str = "steps"
    xlim: tuple[float | None, float | None] | None = None
    ylim: tuple[float | None, float | None] | None = None
    legend: str = "auto"
    momentum: str = "auto"
    annotate: bool = False
    effective_decay: bool = False
    tokens_per_step: int | None = None
    subtitle: str | None = None

    def __post_init__(self) -> None:
        """Options built directly (a notebook) get the same checks as a config's."""
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                object.__setattr__(self, f.name, _CHECKS[f.name](value, f.name, _plain))
        _together(self.__dict__, lambda name: _plain)

    @classmethod
    def resolve(cls, block: Mapping[str, Any] | None = None, **overrides: Any) -> PlotOptions:
        """Options from a config's ``plot:`` block, with ``overrides`` winning.

        A bad block value raises :class:`ConfigError` keyed ``plot.<key>`` (the caller
        adds the file); a bad override raises :class:`LrvizError` keyed by the option's
        name. An override of ``None`` means "not given".
        """
        values = validate_plot_block(block)
        known = {f.name for f in fields(cls)}
        given: set[str] = set()
        for name, value in overrides.items():
            if name not in known:
                raise TypeError(f"PlotOptions.resolve() got an unexpected option {name!r}")
            if value is not None and not (name == "formats" and value == []):  # [] too means not given
                values[name] = _CHECKS[name](value, name, _plain)
                given.add(name)
        _together(values, lambda name: _plain if name in given else _from_config)
        return cls(**values)


def _together(values: Mapping[str, Any], error_for: Callable[[str], _Error]) -> None:
    """Checks of options that depend on each other, blamed on the option that asks for more."""
    if values.get("x") == "tokens" and values.get("tokens_per_step") is None:
        name = "x"
        raise error_for(name)(
            "x in tokens needs the tokens per optimizer step: tokens_per_step in the config or --tokens-per-step N",
            name if error_for(name) is _plain else f"plot.{name}",
        )
    ylim = values.get("ylim")
    if values.get("yscale") == "log" and ylim is not None and any(v is not None and v <= 0 for v in ylim):
        raise error_for("ylim")(
            f"a log axis shows only positive values; got ylim {ylim[0]},{ylim[1]}",
            "ylim" if error_for("ylim") is _plain else "plot.ylim",
        )


def tokens_per_step(value: Any) -> int | None:
    """A config's top-level ``tokens_per_step`` (what ``--x tokens`` multiplies steps by), checked."""
    return None if value is None else _tokens(value, "tokens_per_step", _from_config)


def validate_plot_block(block: Any) -> dict[str, Any]:
    """A config's ``plot:`` block -> its values, checked and normalised (``format`` read as ``formats``)."""
    if block is None:
        return {}
    if not isinstance(block, Mapping):
        raise ConfigError(f"expected a mapping, got {describe(block)}", key="plot")
    raw = dict(block)
    for k in raw:
        if k not in PLOT_KEYS:
            raise ConfigError(
                f"unknown key {k!r}{did_you_mean(str(k), PLOT_KEYS)}; allowed: {', '.join(PLOT_KEYS)}", key=f"plot.{k}"
            )
    if "format" in raw and "formats" in raw:
        raise ConfigError("give 'format' or 'formats', not both", key="plot.formats")
    if "format" in raw:
        raw["formats"] = raw.pop("format")
    return {k: _CHECKS[k](v, f"plot.{k}", _from_config) for k, v in raw.items() if v is not None}
