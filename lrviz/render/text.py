"""Text that fits a width: measured by matplotlib, then wrapped, shrunk, or at last shortened.

Widths come from the renderer the figure is drawn with (``Text.get_window_extent``),
not from a guess per character, so a wrapped title is exactly as wide as allowed in
every font and style. The order is the one people expect of a title: wrap onto more
lines, then a smaller font, and only at the smallest font cut the last line with an
ellipsis. Text holding mathtext (``$...$``) is never cut inside the formula.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.backend_bases import RendererBase
    from matplotlib.text import Text

#: The smallest font any text shrinks to, in points.
MIN_FONT = 5.0
_TOKEN = re.compile(r"\S*(?<!\\)\$(?:\\.|[^$])*\$\S*|\S+")


def width_of(artist: Text, text: str, renderer: RendererBase) -> float:
    """Length in pixels of ``text`` in ``artist``'s font, along its direction (a y label runs upwards)."""
    old = artist.get_text()
    artist.set_text(text)
    try:
        box = artist.get_window_extent(renderer)
        upright = abs(artist.get_rotation() % 180 - 90) < 1
        return float(box.height if upright else box.width)
    finally:
        artist.set_text(old)


def has_math(text: str) -> bool:
    return bool(re.search(r"(?<!\\)\$", text))


def wrap(artist: Text, text: str, max_width: float, renderer: RendererBase) -> list[str]:
    """Greedy word wrap of ``text`` to ``max_width`` pixels; a word wider than that gets a line of its own.

    Each distinct word is measured once and a line's width is the sum (one measurement
    per word, not per trial line: a long subtitle has hundreds of words); each line is
    then measured whole, and a line the sum underestimated gives its last word to the next.
    """
    cache: dict[str, float] = {}

    def measure(word: str) -> float:
        if word not in cache:
            cache[word] = width_of(artist, word, renderer)
        return cache[word]

    space = width_of(artist, "a a", renderer) - 2 * measure("a")
    lines: list[str] = []
    for paragraph in text.split("\n"):
        words: list[str] = []
        used = 0.0
        for word in _TOKEN.findall(paragraph):
            w = measure(word)
            if words and used + space + w > max_width:
                lines.extend(_settled(artist, words, max_width, renderer))
                words, used = [], 0.0
            used += (space if words else 0.0) + w
            words.append(word)
        lines.extend(_settled(artist, words, max_width, renderer))
    return lines


def _settled(artist: Text, words: list[str], max_width: float, renderer: RendererBase) -> list[str]:
    """``words`` as one line, or more when the line measured whole is wider than the sum said."""
    out: list[str] = []
    while words:
        take = len(words)
        while take > 1 and width_of(artist, " ".join(words[:take]), renderer) > max_width:
            take -= 1
        out.append(" ".join(words[:take]))
        words = words[take:]
    return out or [""]


def shorten(artist: Text, line: str, max_width: float, renderer: RendererBase) -> str:
    """``line`` cut at a word (else a character) and ended with '…' so it fits ``max_width``."""
    if width_of(artist, line, renderer) <= max_width:
        return line
    words = line.split(" ")
    while len(words) > 1:
        words.pop()
        trial = " ".join(words).rstrip(",;:·-") + "…"
        if width_of(artist, trial, renderer) <= max_width:
            return trial
    word = words[0]
    while len(word) > 1:
        word = word[:-1]
        if width_of(artist, word + "…", renderer) <= max_width:
            return word + "…"
    return "…"


def fit(
    artist: Text, text: str, max_width: float, renderer: RendererBase, *, max_lines: int = 2, min_size: float = MIN_FONT
) -> None:
    """Set ``artist`` to ``text`` fitted to ``max_width`` pixels in at most ``max_lines`` lines."""
    size = float(artist.get_fontsize())
    floor = min(size, min_size)
    math_text = has_math(text)
    while True:
        artist.set_fontsize(size)
        if math_text:
            lines = [text]
            fits = width_of(artist, text, renderer) <= max_width
        else:
            lines = wrap(artist, text, max_width, renderer)
            fits = len(lines) <= max_lines and all(width_of(artist, ln, renderer) <= max_width for ln in lines)
        if fits or size <= floor:
            break
        size = max(floor, size * 0.9)
    if not fits and not math_text:
        cut = len(lines) > max_lines
        lines = lines[:max_lines]
        if cut:
            lines[-1] += " …"
        lines = [shorten(artist, ln, max_width, renderer) for ln in lines]
    artist.set_text("\n".join(lines))
