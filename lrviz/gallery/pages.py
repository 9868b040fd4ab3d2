"""The gallery's pages: README.md as GitHub shows it, and a self-contained index.html.

Both are pure functions of the entries (sorted paths, no dates, no absolute paths), so
``lrviz gallery --check`` can compare bytes.
"""

from __future__ import annotations

import html
import re

from lrviz.gallery.entries import FORMATS, MARKER, Entry, Gallery
from lrviz.textsafe import LINE_BREAKS, one_line


def _md_escape(text: str) -> str:
    """Escape Markdown so a title or description renders as written, on its line (issue 33).

    Line breaks become spaces (a heading or a paragraph of one line: no setext underline,
    no list or heading started on a new line), other control characters their escapes;
    punctuation that is markup inline (emphasis, links, code, raw HTML, an entity's &) gets a
    backslash, and so does a list marker the text starts with.
    """
    flat = one_line(re.sub(f"[{LINE_BREAKS}]+", " ", text)).strip()
    escaped = re.sub(r"([\\`*_\[\]#|<>~]|&(?=#?\w+;))", r"\\\1", flat)
    return re.sub(r"^(\d*)([-+=.)])", r"\1\\\2", escaped) if re.match(r"^(\d+[.)]|[-+=])", escaped) else escaped


def _code_span(text: str) -> str:
    """``text`` as one inline code span: a backtick fence longer than any run inside, one line."""
    flat = one_line(text)
    ticks = "`" * (max((len(m) for m in re.findall(r"`+", flat)), default=0) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{ticks}{pad}{flat}{pad}{ticks}"


def _fence(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _groups(entries: list[Entry]) -> list[tuple[str, list[Entry]]]:
    """Entries by their folder ('' for the top level), in sorted order."""
    groups: dict[str, list[Entry]] = {}
    for e in entries:
        folder = e.rel.rsplit("/", 1)[0] if "/" in e.rel else ""
        groups.setdefault(folder, []).append(e)
    return list(groups.items())


def render_readme(gallery: Gallery) -> str:
    """OUTDIR/README.md as GitHub renders it: contents, then per entry a heading, the
    one-line description, the image and the config in a collapsible block."""
    entries = gallery.rendered
    root = gallery.config_dir_name
    lines = [
        MARKER,
        "",
        "# lrviz gallery",
        "",
        f"Every plot here is drawn by {_code_span(f'lrviz gallery {root} -o <this folder>')} from the config shown under it:",
        "lrviz steps the real PyTorch scheduler and records the learning rate the optimizer uses at each step.",
        f"{len(entries)} configs. The same pages as HTML: [index.html](index.html).",
        "",
        "## Contents",
        "",
    ]
    for folder, group in _groups(entries):
        if folder:
            lines.append(f"- **{_md_escape(folder)}/**")
        for e in group:
            lines.append(f"{'  ' if folder else ''}- [{_md_escape(e.title)}](#{e.stem})")
    lines.append("")
    for e in entries:
        image, png = e.file_name(FORMATS[0]), e.file_name("png")
        fence = _fence(e.text)
        lines += [f'<a id="{e.stem}"></a>', "", f"## {_md_escape(e.title)}", ""]
        if e.description:
            lines += [_md_escape(e.description), ""]
        lines += [
            f"![{_md_escape(e.title)}]({image})",
            "",
            f"[interactive]({e.file_name('html')}) · [PNG]({png}) · {_code_span(e.shown_path)}",
            "",
            "<details>",
            f"<summary>Config: <code>{html.escape(one_line(e.shown_path))}</code></summary>",
            "",
            f"{fence}{_language(e.rel)}",
            e.text.rstrip("\n"),
            fence,
            "",
            "</details>",
            "",
        ]
    return "\n".join(lines)


_CSS = """
:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg-code: #f6f8fa; --link: #0969da; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: #fff;
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
a { color: var(--link); }
header, main, nav { max-width: 1040px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 32px; }
h1 { margin: 0 0 8px; font-size: 2rem; }
header p, .desc, .source { color: var(--muted); }
nav { border-bottom: 1px solid var(--line); padding-bottom: 24px; }
nav h3 { margin: 20px 0 8px; font-size: 1rem; color: var(--muted); font-weight: 600; }
.grid { list-style: none; margin: 0; padding: 0; display: grid; gap: 16px;
  grid-template-columns: repeat(auto-fill, minmax(min(100%, 220px), 1fr)); }
.grid a { display: block; height: 100%; color: inherit; text-decoration: none; border: 1px solid var(--line);
  border-radius: 6px; overflow: hidden; background: #fff; }
.grid a:hover, .grid a:focus-visible { border-color: var(--link); box-shadow: 0 1px 6px rgba(9, 105, 218, 0.25); }
.grid img { display: block; width: 100%; height: auto; aspect-ratio: 5 / 3; object-fit: contain;
  border-bottom: 1px solid var(--line); }
.grid span { display: block; padding: 8px 10px; font-size: 0.9rem; line-height: 1.35; overflow-wrap: anywhere; }
.grid a:hover span { color: var(--link); }
.top { margin-left: 8px; }
section { border-bottom: 1px solid var(--line); padding: 24px 0; scroll-margin-top: 8px; }
section h2 { margin: 0 0 4px; font-size: 1.35rem; }
section h2 a { color: inherit; text-decoration: none; }
section h2 a:hover { text-decoration: underline; }
.desc { margin: 0 0 12px; }
figure { margin: 0; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px; }
.source { font-size: 0.9rem; margin: 8px 0; }
details { margin-top: 8px; }
summary { cursor: pointer; }
pre { background: var(--bg-code); border-radius: 6px; padding: 12px 16px; overflow-x: auto;
  font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 0.9em; }
footer { max-width: 1040px; margin: 0 auto; padding: 24px; color: var(--muted); font-size: 0.9rem; }
""".strip()


def _png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG's IHDR chunk, None for anything else."""
    if len(data) < 24 or data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _thumbnail(e: Entry) -> str:
    """One card of the contents grid: the PNG scaled down, the title under it, a link to the entry."""
    size = _png_size(e.images.get("png", b""))
    dims = f' width="{size[0]}" height="{size[1]}"' if size else ""
    return (
        f'<li><a href="#{e.stem}"><img src="{e.file_name("png")}" alt=""{dims}>'
        f"<span>{html.escape(e.title)}</span></a></li>"
    )


def render_index(gallery: Gallery) -> str:
    """OUTDIR/index.html: one self-contained page (inline CSS, no scripts, no fonts or
    CDNs; images referenced relatively), so it works from file:// and on any host.

    It opens on a grid of thumbnails, one per config under its folder's heading, each
    linking to the config's section below (the full-size SVG, its source, the config):
    a reader scans shapes first, as in sphinx-gallery or matplotlib's gallery. The
    thumbnails are the PNGs (a fixed raster size the browser scales down cheaply, where
    a long run's SVG carries thousands of points), with their pixel size written in, so
    the page does not reflow while they load."""
    esc = html.escape
    entries = gallery.rendered
    root = gallery.config_dir_name
    toc: list[str] = []
    for folder, group in _groups(entries):
        if folder:
            toc.append(f"<h3>{esc(folder)}/</h3>")
        toc.append('<ul class="grid">')
        toc.extend(_thumbnail(e) for e in group)
        toc.append("</ul>")
    sections: list[str] = []
    for e in entries:
        image, png = e.file_name(FORMATS[0]), e.file_name("png")
        desc = f'\n<p class="desc">{esc(e.description)}</p>' if e.description else ""
        sections.append(
            f'<section id="{e.stem}">\n'
            f'<h2><a href="#{e.stem}">{esc(e.title)}</a></h2>{desc}\n'
            f'<figure><img src="{image}" alt="{esc(e.title)}"></figure>\n'
            f'<p class="source"><a class="interactive" href="{e.file_name("html")}">interactive</a> · '
            f'<a href="{png}">PNG</a> · <code>{esc(e.shown_path)}</code>'
            '<a class="top" href="#contents">↑ all schedules</a></p>\n'
            f"<details>\n<summary>Config: <code>{esc(e.shown_path)}</code></summary>\n"
            f"<pre><code>{esc(e.text.rstrip(chr(10)))}</code></pre>\n</details>\n"
            "</section>"
        )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="lrviz gallery">\n'
        # Self-contained by construction and by policy: the browser refuses anything else.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src 'self' data:; "
        "style-src 'unsafe-inline'\">\n"
        '<link rel="icon" href="data:,">\n'
        "<title>lrviz gallery</title>\n"
        f"<style>\n{_CSS}\n</style>\n</head>\n<body>\n"
        "<header>\n<h1>lrviz gallery</h1>\n"
        f"<p>Every plot is drawn by <code>lrviz gallery {esc(root)}</code> from the config shown under it: "
        "lrviz steps the real PyTorch scheduler and records the learning rate the optimizer uses at each step. "
        f"{len(entries)} configs.</p>\n</header>\n"
        '<nav id="contents" aria-label="Contents">\n<h2>Contents</h2>\n' + "\n".join(toc) + "\n</nav>\n"
        "<main>\n" + "\n".join(sections) + "\n</main>\n"
        "<footer>Generated by lrviz from the configs in <code>" + esc(root) + "/</code>; "
        'the same content as Markdown: <a href="README.md">README.md</a>.</footer>\n'
        "</body>\n</html>\n"
    )


def _language(rel: str) -> str:
    """The code fence's language: the file's, by its suffix (a .py lr function is Python)."""
    lower = rel.lower()
    return "json" if lower.endswith(".json") else "python" if lower.endswith(".py") else "yaml"
