"""The lrviz documentation (Sphinx): every figure drawn at build time by ``.. lrviz::``.

Built by .ci/run as ``python -m sphinx -W -n --keep-going -b html docs docs/_build/html``:
warnings are errors and every internal reference must resolve (``-n``); the build
machines reach no internet, so external links are not checked.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))  # this site's own directives (lrviz_docs.py)
sys.path.insert(0, str(HERE.parent))  # the lrviz of this checkout, for autodoc

from lrviz._version import __version__  # noqa: E402

project = "lrviz"
author = "the lrviz authors"
copyright = "the lrviz authors"
version = release = __version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "lrviz.sphinxext",
    "lrviz_docs",
]

# The repository's own configs and logs are drawn, from outside the docs folder; configs/custom
# imports its own scheduler file, as `lrviz gallery configs --trust` does in CI.
lrviz_allowed_dirs = ["../configs", "../examples"]
lrviz_trust = True

root_doc = "index"
exclude_patterns = ["_build", "_ext", "Thumbs.db", ".DS_Store"]
html_theme = "alabaster"
html_title = f"lrviz {version}"
html_theme_options = {
    "description": "See a PyTorch LR schedule before you train with it.",
    "fixed_sidebar": True,
    "page_width": "1240px",
    "body_max_width": "none",
}
templates_path: list[str] = []
html_static_path: list[str] = []

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_typehints_format = "short"
nitpicky = True
# Types autodoc names in signatures that no inventory here can resolve (no internet: no intersphinx).
nitpick_ignore_regex = [
    ("py:class", r"(torch|numpy|matplotlib|pandas|os|pathlib|collections\.abc|typing)\..*"),
    ("py:class", r"(np|npt)\..*"),
    ("py:class", r"(Path|PathLike|Any|Callable|Mapping|Sequence|Iterable|Iterator|Figure|DataFrame|NDArray)"),
    ("py:class", r"(optional|float64|ndarray)"),
]
# lrviz's internal types and modules that public docstrings name but this site does not document
# (the layers under the API); any other unresolved reference fails the build.
nitpick_ignore = [
    ("py:class", "lrviz.simulate.Result"),
    ("py:class", "SimResult"),
    ("py:class", "Trajectory"),
    ("py:class", "lrviz.sources.Plan"),
    ("py:class", "Plan"),
    ("py:class", "lrviz.spec.Schedule"),
    ("py:class", "lrviz.spec.OptimizerSpec"),
    ("py:class", "lrviz.sources.load.Loaded"),
    ("py:func", "lrviz.validate.load_config"),
    ("py:mod", "lrviz.jsonio"),
    ("py:mod", "lrviz.render.html"),
]
#: Pages index.rst lists that other changes add; until a page exists its toctree line is left
#: out (a glob matching nothing is a warning Sphinx cannot suppress, and -W makes it an error).
OPTIONAL_PAGES = ("actual-logs", "performance")


def _optional_pages(app: object, docname: str, source: list[str]) -> None:
    if docname == "index":
        for page in OPTIONAL_PAGES:
            if not (HERE / f"{page}.rst").is_file():
                source[0] = source[0].replace(f"\n   {page}\n", "\n")


def setup(app: object) -> None:
    app.connect("source-read", _optional_pages)  # type: ignore[attr-defined]
