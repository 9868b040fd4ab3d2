"""How a Result and a Figure of the API show in Jupyter, through IPython's own display formatter.

IPython computes every representation an object offers (html, png, svg, ...) and the
frontend shows the richest one; a Figure is shown through a formatter registered for
matplotlib Figures when pyplot's inline backend is active, else through ``_repr_png_``.
The notebook test (tests/test_notebook.py) runs the same in a real kernel.
"""

from __future__ import annotations

import base64
import pickle
import re
import subprocess
import sys

import numpy as np
import pytest
from IPython.core.formatters import DisplayFormatter
from matplotlib.figure import Figure
from torch.optim import lr_scheduler as L

import lrviz
from lrviz.render.plot import render_bytes
from lrviz.validate.plot import PlotOptions
from tests.conftest import REPO
from tests.torchloop import direct_run

PNG = b"\x89PNG\r\n\x1a\n"
STEPLR = {"steps": 10, "scheduler": "StepLR", "params": {"step_size": 3}, "plot": {"dpi": 100}}
IMAGES = ("image/png", "image/svg+xml", "image/jpeg", "application/pdf")


def test_a_result_shows_its_figure_and_its_key_points():
    result = lrviz.simulate(STEPLR)
    data, _ = DisplayFormatter().format(result)
    assert set(data) == {"text/plain", "text/html", "image/png", "image/svg+xml"}
    assert data["text/plain"].startswith("<lrviz Result") and "\n" not in data["text/plain"]
    png = render_bytes(result, "png", PlotOptions(dpi=100))  # what `lrviz plot` writes for it
    assert data["image/png"] == png
    assert data["image/svg+xml"] == render_bytes(result, "svg", PlotOptions(dpi=100)).decode()
    page = data["text/html"]
    (embedded,) = re.findall(r'<img src="data:image/png;base64,([^"]+)"', page)
    assert base64.b64decode(embedded) == png
    assert int.from_bytes(png[16:20], "big") == 700  # a 7-inch figure at dpi 100...
    assert 'width="672"' in page  # ...shown 7 inches wide: 96 CSS pixels per inch
    # the key points at full precision, as torch computes them
    lr = direct_run(lambda o: L.StepLR(o, step_size=3), [0.1], 10, momentum=0.9)[0][:, 0].tolist()
    cells = re.findall(r"<tr>(.*?)</tr>", page)
    rows = [re.findall(r"<td[^>]*>(.*?)</td>", c) for c in cells]
    assert ["0", repr(lr[0]), "first, peak"] in rows
    assert ["3", repr(lr[3]), "drop"] in rows and repr(lr[3]) == "0.010000000000000002"
    assert ["9", repr(lr[9]), "min, drop, last"] in rows


def test_the_figure_is_drawn_once_per_format():
    result = lrviz.simulate(STEPLR)
    first = result._repr_html_()
    assert result._repr_html_() is first and result._repr_png_() is result._repr_png_()


def test_a_result_of_several_schedules_and_groups_shows_each():
    result = lrviz.simulate(REPO / "configs" / "compare" / "param-groups-backbone-head.yaml")
    page = result._repr_html_()
    assert page.count("<details") == 2 and "warmup + cosine [SequentialLR]" in page
    assert "<th" in page and ">group</th>" in page and ">epoch</th>" in page and ">momentum</th>" in page
    assert "backbone" in page and "head" in page


def test_a_figure_shows_once_with_or_without_the_inline_backend():
    fig = lrviz.plot(STEPLR)
    assert isinstance(fig, Figure)
    data, _ = DisplayFormatter().format(fig)
    assert [k for k in data if k in IMAGES or k == "text/html"] == ["image/png"]  # one picture, no html
    assert data["image/png"].startswith(PNG)
    # pyplot's inline backend registers a formatter for every Figure: it is used instead, still once
    formatter = DisplayFormatter()
    formatter.formatters["image/png"].for_type(Figure, lambda f: b"drawn by the inline backend")
    data, _ = formatter.format(fig)
    assert [k for k in data if k in IMAGES or k == "text/html"] == ["image/png"]
    assert data["image/png"] == b"drawn by the inline backend"


def test_a_plain_agg_figure_would_not_show_at_all():
    """Why the API's Figure has its own repr: without pyplot, IPython shows a Figure only as text."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    plain = Figure()
    FigureCanvasAgg(plain)
    data, _ = DisplayFormatter().format(plain)
    assert [k for k in data if k in IMAGES] == []


def test_the_figure_png_is_the_figure():
    fig = lrviz.plot(STEPLR, size="6,3", dpi=50)
    png = fig._repr_png_()
    assert png.startswith(PNG)
    assert (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")) == (300, 150)


def test_the_figure_pickles_as_itself():
    fig = lrviz.plot(STEPLR)
    back = pickle.loads(pickle.dumps(fig))
    assert type(back) is type(fig) and back._repr_png_().startswith(PNG)
    assert np.allclose(back.axes[0].lines[0].get_ydata()[:1], fig.axes[0].lines[0].get_ydata()[:1])


@pytest.mark.parametrize("call", ["lrviz.plot(CFG).clear()", "lrviz.simulate(CFG)._repr_html_()"])
def test_pyplot_is_never_imported(call):
    report = "print('matplotlib.pyplot' in sys.modules, 'matplotlib' in sys.modules)"
    code = f"import sys, lrviz\nCFG = {STEPLR!r}\n{call}\n{report}"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["False", "True"]  # matplotlib drew it; pyplot was never loaded
