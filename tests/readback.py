"""What a figure says, read back from matplotlib's own Text objects and held against the data.

A figure is drawn once (:func:`tests.layout.drawn_artists`: every Text whose ``draw``
ran, multi-line ones included); then every word and number on it is read as a reader
would and compared with the recorded arrays of the result (torch's values) and the
config (the run's length), never with lrviz's own plan:

* **tick labels**: each drawn label (every line of it) parses back to its tick's
  position, within half a unit of the label's last written digit ("40k" is 40,000 ± 500);
* **the x extent**: the lr axes end where the run ends (its last step, in the axis'
  unit), the subtitle's "N steps" is that run, and no tick is labelled past it;
* **annotations**: a "peak 0.1" / "last 3e-4" names the recorded value at its point, a
  "×0.1 at step 30" the recorded ratio there, a "(step 500)" / "at epoch 3" its own x, and
  the annotation's colour is the colour of a line holding that value at that step;
* **legends**: every entry shows a line or a marker (a folded "… and N more" aside).

Nothing here knows how lrviz lays out or labels a figure; the parsing is what a person
reading the figure would do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from tests.layout import drawn_artists

#: A number as a tick label writes it: a sign (ASCII or Unicode minus), digits, a decimal
#: part, an exponent, an SI-like suffix (steps: k, M; tokens: K, M, B, T).
NUMBER = re.compile(r"^([−-]?)(\d[\d,]*(?:\.\d+)?|\.\d+)(?:e([−+-]?\d+))?\s*([kKMBT]?)$")
SUFFIX = {"": 1.0, "k": 1e3, "K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}
MATH_POWER = re.compile(r"^\$\\mathdefault\{(?:([\d.]+)\\times)?\s*10\^\{([−-]?\d+)\}\}\$$")
MATH_PLAIN = re.compile(r"^\$\\mathdefault\{([^}]*)\}\$$")


@dataclass(frozen=True)
class Reading:
    """A number read off a figure, and half a unit of its last written digit."""

    value: float
    tol: float


def parse(text: str) -> Reading | None:
    """A tick label or a number in an annotation, as a reader takes it; None if it is not a number."""
    s = text.strip()
    m = MATH_POWER.match(s)
    if m:
        mant = float(m.group(1)) if m.group(1) else 1.0
        exp = int(m.group(2).replace("−", "-"))
        digits = m.group(1) or "1"
        dec = len(digits.split(".")[1]) if "." in digits else 0
        return Reading(mant * 10.0**exp, 0.5 * 10.0 ** (exp - dec) if m.group(1) else 10.0**exp * 1e-9)
    m = MATH_PLAIN.match(s)
    if m:
        s = m.group(1)
    m = NUMBER.match(s)
    if not m:
        return None
    sign, digits, exp, suffix = m.groups()
    digits = digits.replace(",", "")
    dec = len(digits.split(".")[1]) if "." in digits else 0
    e = int(exp.replace("−", "-")) if exp else 0
    scale = SUFFIX[suffix] * 10.0**e
    value = float(f"{digits}e{e}") * SUFFIX[suffix] * (-1 if sign else 1)
    return Reading(value, 0.5 * 10.0**-dec * scale)


def agrees(reading: Reading, value: float) -> bool:
    return abs(reading.value - value) <= reading.tol * (1 + 1e-9) + 1e-9 * abs(value)


@dataclass(frozen=True)
class Unit:
    """The x axis as the config and options define it: x = step * mul / div."""

    name: str = "step"
    div: float = 1.0
    mul: float = 1.0

    def of(self, step: float) -> float:
        return step * self.mul / self.div

    def step(self, x: float) -> float:
        return x * self.div / self.mul


def unit_of(result, opts) -> Unit:
    if opts.x == "epoch":
        return Unit("epoch", div=result.config.steps_per_epoch)
    if opts.x == "tokens":
        return Unit("tokens", mul=float(opts.tokens_per_step or 1))
    return Unit()


def truth_problems(
    fig, result, opts, subtitle: str | None = None, artists: list | None = None, *, logged_to: int = 0
) -> list[str]:
    """Every text of ``fig`` (drawn from ``result`` under ``opts``) that disagrees with the data, in words
    (``artists``: the texts a draw already made found, :func:`tests.layout.drawn_artists`; ``logged_to``:
    the last step of a log drawn over the plan, which the axis must reach as well)."""
    texts = drawn_artists(fig) if artists is None else artists
    drawn = {id(t) for t in texts}
    unit = unit_of(result, opts)
    problems: list[str] = []
    problems += _tick_problems(fig, drawn)
    problems += _extent_problems(fig, result, opts, unit, subtitle, texts, logged_to)
    problems += _annotation_problems(fig, result, unit, drawn)
    problems += _legend_problems(fig, drawn)
    return problems


def _tick_problems(fig, drawn: set[int]) -> list[str]:
    out = []
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                for label in (tick.label1, tick.label2):
                    if id(label) not in drawn:
                        continue
                    for line in label.get_text().split("\n"):
                        if not line.strip():
                            continue
                        reading = parse(line)
                        loc = float(tick.get_loc())
                        if reading is None:
                            out.append(f"{name} tick label {line!r} at {loc:g} is not a number")
                        elif not agrees(reading, loc):
                            out.append(f"{name} tick label {line!r} reads {reading.value:g}, its tick is at {loc:g}")
            out += _run_together(fig, axis, name, drawn)
    return out


#: Space a reader needs between two tick labels to read them as two numbers, in ems of their font.
GAP_EM = 0.2


def _run_together(fig, axis, name: str, drawn: set[int]) -> list[str]:
    """Neighbouring tick labels of one axis with less than a thin space between them ("10111213")."""
    renderer = fig.canvas.get_renderer()
    labels = [lb for t in axis.get_major_ticks() for lb in (t.label1, t.label2) if id(lb) in drawn]
    if len(labels) < 2:
        return []
    k = 1 if name == "y" else 0
    boxes = [(lb.get_window_extent(renderer), lb.get_text(), lb.get_fontsize()) for lb in labels]
    boxes.sort(key=lambda b: b[0].extents[k])
    out = []
    for (a, ta, size), (b, tb, _) in zip(boxes, boxes[1:], strict=False):
        gap = b.extents[k] - a.extents[k + 2]
        if gap < GAP_EM * size * fig.dpi / 72:
            out.append(f"{name} tick labels {ta!r} and {tb!r} run together ({gap:.1f} px apart)")
    return out


def run_length(result) -> int:
    """Optimizer steps of the run: the config's, or the longest schedule's (a combine of unequal runs)."""
    return max([result.config.steps, *(t.steps for t in result.trajectories)])


def _lr_axes(fig):
    return [ax for ax in fig.axes if ax.get_visible() and any(len(ln.get_xdata()) for ln in ax.get_lines())]


def _extent_problems(fig, result, opts, unit: Unit, subtitle: str | None, texts, logged_to: int = 0) -> list[str]:
    out = []
    planned = run_length(result)
    n = max(planned, logged_to + 1)
    held = opts.drawstyle == "steps"
    end = unit.of(n if held else n - 1)
    for ax in _lr_axes(fig):
        x0, x1 = sorted(ax.get_xlim())
        if opts.xlim is None:
            # the axis holds the whole run, and no more than a margin for markers at its ends
            span = max(end, unit.of(1))
            if x0 > 1e-9 * span or x1 < end * (1 - 1e-9) or x1 > end + 0.06 * span + unit.of(1):
                out.append(f"x axis runs {x0:g}..{x1:g}, the run {0}..{end:g} ({n:,} steps)")
        for line in ax.get_lines():
            xs = np.asarray(line.get_xdata(), dtype=float)
            if xs.size and np.nanmax(xs) > end * (1 + 1e-9) + 1e-9:
                out.append(f"line {line.get_label()!r} reaches x={np.nanmax(xs):g}, past the run's end {end:g}")
    stated = []
    for t in texts:
        for line in t.get_text().split("\n"):
            stated += [int(m.replace(",", "")) for m in re.findall(r"= ([\d,]+) steps\b", line)]
    for k in stated:
        if k != planned:
            out.append(f"the subtitle says {k:,} steps, the run has {n:,}")
    return out


#: Words in an annotation that name an x position, and the unit they are in.
X_WORDS = re.compile(r"\b(step|epoch)\s+([−-]?[\d.,]+[kKMBT]?)\b|\(([\d.,]+[KMBT]?)\)")
VALUE_WORDS = re.compile(r"^(peak|last)\s+(\S+)$")
RATIO_WORDS = re.compile(r"^×(\S+) at ")


def _annotation_problems(fig, result, unit: Unit, drawn: set[int]) -> list[str]:
    from matplotlib.colors import to_hex
    from matplotlib.text import Annotation

    lines = [t.lr[:, j] for t in result.trajectories for j in range(t.lr.shape[1])]
    colors = [ln for ax in fig.axes for ln in ax.get_lines() if len(ln.get_xdata()) > 1]
    out = []
    for ax in fig.axes:
        for a in ax.texts:
            if id(a) not in drawn or not isinstance(a, Annotation) or a.xycoords != "data":
                continue
            text = a.get_text()
            x, y = (float(v) for v in a.xy)
            step = unit.step(x)
            k = int(round(step))
            for m in X_WORDS.finditer(text):
                word = m.group(2) or m.group(3)
                reading = parse(word)
                target = step if (m.group(1) or unit.name) == "step" else x
                if reading is None or not agrees(reading, target):
                    out.append(f"annotation {text!r} names {word}, its point is at {target:g}")
            holders = [v for v in lines if 0 <= k < v.size and v[k] == y]
            if not holders:
                out.append(f"annotation {text!r} sits at {y!r}, no schedule's recorded value at step {k}")
                continue
            vm = VALUE_WORDS.match(text)
            if vm:
                reading = parse(vm.group(2))
                if reading is None or not agrees(Reading(reading.value, max(reading.tol, 5e-3 * abs(y))), y):
                    out.append(f"annotation {text!r}: the recorded value there is {y!r}")
            rm = RATIO_WORDS.match(text)
            if rm and k > 0:
                reading = parse(rm.group(1))
                ratios = [float(v[k] / v[k - 1]) for v in holders if v[k - 1] != 0]
                close = [abs(reading.value - r) <= max(reading.tol, 5e-3 * abs(r)) for r in ratios] if reading else []
                if not any(close):
                    out.append(f"annotation {text!r}: the recorded ratio there is {ratios}")
            own = [
                ln
                for ln in colors
                if ln.axes is ax and ln.get_linestyle() not in ("None", "none", "") and _passes(ln, x, y)
            ]
            if own and to_hex(a.get_color()) not in {to_hex(ln.get_color()) for ln in own}:
                out.append(f"annotation {text!r} is {to_hex(a.get_color())}, its line is {to_hex(own[0].get_color())}")
    return out


def _passes(line, x: float, y: float) -> bool:
    xs, ys = np.asarray(line.get_xdata(), dtype=float), np.asarray(line.get_ydata(), dtype=float)
    return bool(np.any((xs == x) & (ys == y)))


def _legend_problems(fig, drawn: set[int]) -> list[str]:
    from matplotlib.colors import to_rgba

    out = []
    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    for leg in legends:
        for handle, text in zip(leg.legend_handles, leg.get_texts(), strict=False):
            words = text.get_text()
            if id(text) not in drawn or words.startswith("… and "):
                continue
            get_ls = getattr(handle, "get_linestyle", lambda: "None")
            get_marker = getattr(handle, "get_marker", lambda: "None")
            color = getattr(handle, "get_color", lambda: "k")()
            line = get_ls() not in ("None", "none", "", " ") and getattr(handle, "get_linewidth", lambda: 1)() > 0
            marker = get_marker() not in (None, "None", "none", "", " ")
            if hasattr(handle, "get_facecolor"):  # a swatch (a shaded stretch): its fill or its edge
                marker = to_rgba(handle.get_facecolor())[3] >= 0.1 or handle.get_linewidth() > 0
            if not handle.get_visible() or not (line or marker) or to_rgba(color)[3] == 0:
                out.append(f"legend entry {words.splitlines()[0]!r} shows no line and no marker")
    return out


def number_of(text: str) -> float | None:
    """The value of a label as a reader takes it (for tests that name one)."""
    r = parse(text)
    return None if r is None else r.value


__all__ = ["Reading", "agrees", "number_of", "parse", "truth_problems", "unit_of"]
