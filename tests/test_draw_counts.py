"""How many times a figure is built: work counted, never timed (issue 28).

Building is most of a figure's cost, so where one figure serves several outputs it is
built once. The truth about the bytes is a figure built for each output alone: the
files must not change when they come from the one shared figure.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

import lrviz

STEPLR = {"steps": 12, "scheduler": "StepLR", "params": {"step_size": 4}, "optimizer": {"name": "SGD", "lr": 0.1}}


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts every figure built (``build_figure``, wherever it is called from)."""
    figure = importlib.import_module("lrviz.render.figure")
    plot = importlib.import_module("lrviz.render.plot")
    real = figure.build_figure
    calls: list[int] = []

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(figure, "build_figure", counted)
    monkeypatch.setattr(plot, "build_figure", counted)
    return calls


def alone(fmt: str) -> bytes:
    """The figure built for this one format (render_bytes: its own figure, then closed)."""
    from lrviz.render.plot import render_bytes
    from lrviz.validate import PlotOptions

    result = lrviz.simulate(STEPLR)
    return render_bytes(result, fmt, PlotOptions.resolve(result.config.plot))


@pytest.mark.parametrize("suffix", ["png", "svg", "pdf"])
def test_api_plot_to_a_file_builds_the_figure_once(tmp_path: Path, builds: list[int], suffix: str) -> None:
    fig = lrviz.plot(STEPLR, tmp_path / f"f.{suffix}")
    assert len(builds) == 1
    assert fig.axes
    builds.clear()
    assert (tmp_path / f"f.{suffix}").read_bytes() == alone(suffix)


def test_api_plot_into_a_folder_builds_once_for_every_format(tmp_path: Path, builds: list[int]) -> None:
    lrviz.plot(STEPLR, tmp_path, format=["png", "svg"])
    assert len(builds) == 1
    builds.clear()
    written = sorted(tmp_path.iterdir())
    assert [p.suffix for p in written] == [".png", ".svg"]
    assert [p.read_bytes() for p in written] == [alone("png"), alone("svg")]


def test_the_returned_figure_shows_what_was_saved(tmp_path: Path) -> None:
    """The figure saved to the file is the one returned: it stays open and draws the same pixels
    again (Jupyter's PNG carries matplotlib's Software tag, the file none)."""
    import io

    from PIL import Image

    fig = lrviz.plot(STEPLR, tmp_path / "f.png")
    shown = Image.open(io.BytesIO(fig._repr_png_()))
    saved = Image.open(tmp_path / "f.png")
    assert shown.size == saved.size
    assert shown.tobytes() == saved.tobytes()
