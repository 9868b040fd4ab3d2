"""An interactive figure as one self-contained HTML file: the library, the script and the data inline.

The page opens from ``file://`` and asks for nothing: no CDN, no font, no fetch; its
Content-Security-Policy forbids every load (``default-src 'none'``), so a mistake that
would reach out is refused by the browser and shows as an error in the tests. The bytes
depend only on the input (no date, no random id), so a page is byte-identical run to run.

The page is two parts, so a document holding several figures (a Sphinx page) carries
the library once: :func:`library` (uPlot, its stylesheet and lrviz's script) and
:func:`figure_block` (a figure's element and its data), any number of times.
"""

from __future__ import annotations

import hashlib
import html
from functools import cache
from importlib import resources
from typing import Any

from lrviz.jsonio import compact

#: The library's version, as vendored (lrviz/render/html/vendor/VENDORED.md).
LIBRARY = "uPlot 1.6.32"
#: What the page may load: nothing but its own inline script and styles.
CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"

STYLE = """
.lrviz-figure{font:13px/1.35 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;padding:10px 12px;max-width:1100px}
.lrviz-title{font-size:17px;font-weight:600}
.lrviz-subtitle{font-size:12.5px;opacity:.8;white-space:pre-wrap}
.lrviz-note{margin:6px 0;padding:4px 8px;border-left:3px solid #d55e00;font-size:12px}
.lrviz-legend{display:flex;flex-wrap:wrap;gap:2px 10px;margin:6px 0}
.lrviz-entry{display:inline-flex;align-items:center;gap:5px;background:none;border:0;color:inherit;font:inherit;
 cursor:pointer;padding:1px 3px}
.lrviz-entry.lrviz-off{opacity:.35;text-decoration:line-through}
.lrviz-readout{min-height:3.6em;font:12px/1.3 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.lrviz-readout table{border-collapse:collapse}.lrviz-readout td,.lrviz-readout th{padding:0 10px 0 0;text-align:left}
.lrviz-readout th{font-weight:500;opacity:.75}.lrviz-hint{opacity:.6}
.lrviz-cells{display:grid;gap:8px}.lrviz-cell-title{font-weight:600;font-size:12.5px}
.lrviz-sweep{margin:4px 0}.lrviz-sweep input{vertical-align:middle;width:260px}
"""


@cache
def _vendor(name: str) -> str:
    return resources.files("lrviz.render.html").joinpath(name).read_text(encoding="utf-8")


def _script(text: str) -> str:
    """Text safe inside <script>: no '</' can end the element early."""
    return text.replace("</", "<\\/")


def library() -> str:
    """uPlot (with its licence notice), its stylesheet, lrviz's styles and script: once per page."""
    notice = _vendor("vendor/LICENSE").strip().replace("*/", "* /")
    return (
        f"<style>{_vendor('vendor/uPlot.min.css')}{STYLE}</style>\n"
        f"<script>/*! {LIBRARY} (https://github.com/leeoniya/uPlot)\n{notice}\n*/\n"
        f"{_script(_vendor('vendor/uPlot.iife.min.js'))}</script>\n"
        f"<script>{_script(_vendor('app.js'))}</script>\n"
    )


def figure_id(spec: dict[str, Any]) -> str:
    """An id from the figure's content, so two figures on one page never share one and reruns match."""
    return "lrviz-" + hashlib.sha1(spec["blob"].encode() + spec["title"].encode()).hexdigest()[:12]


def figure_block(spec: dict[str, Any], ident: str | None = None) -> str:
    """A figure's element and its data (a JSON script element the library reads)."""
    ident = ident or figure_id(spec)
    data = compact(spec)
    return (
        f'<div class="lrviz-figure" data-spec="{ident}-data" id="{ident}"></div>\n'
        f'<script type="application/json" id="{ident}-data">{_script(data)}</script>\n'
    )


def page(spec: dict[str, Any]) -> str:
    """A whole HTML document: one figure, the library inline."""
    title = html.escape(spec["title"] or "lrviz")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n"
        f'</head><body style="margin:0;background:{html.escape(spec["look"]["bg"])}">\n'
        f"{MARK}{figure_block(spec)}{END}{library()}</body></html>\n"
    )


#: Around a page's figure block, so a document embedding the page can take the block alone.
MARK, END = "<!-- lrviz figure -->\n", "<!-- /lrviz figure -->\n"


def embedded(page_text: str) -> str:
    """The figure block of a page :func:`page` wrote (for a document that carries :func:`library` once)."""
    start, end = page_text.find(MARK), page_text.find(END)
    if start < 0 or end < start:
        raise ValueError("not a page lrviz wrote (no figure block)")
    return page_text[start + len(MARK) : end]
