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


def test_a_docs_rebuild_after_touching_one_config_redraws_only_that_figure(tmp_path: Path, builds: list[int]) -> None:
    """Three figures on two pages; one config edited: one figure drawn, the others from the cache.
    A config touched without a change in its bytes (a checkout, `touch`) draws nothing."""
    import os

    from tests.conftest import REPO
    from tests.optional import import_or_skip

    import_or_skip("sphinx.application", "docs")
    from tests.test_sphinxext import Build, project

    torch_configs = REPO / "configs" / "torch"
    index = (
        "Schedules\n=========\n\n.. toctree::\n\n   more\n\n"
        ".. lrviz:: schedules/steplr.yaml\n\n.. lrviz:: schedules/exp.yaml\n"
    )
    more = "More\n====\n\n.. lrviz:: schedules/cosine.yaml\n"
    files = {
        "docs/more.rst": more,
        "docs/schedules/exp.yaml": (torch_configs / "exponentiallr.yaml").read_text(),
        "docs/schedules/cosine.yaml": (torch_configs / "cosineannealinglr.yaml").read_text(),
    }
    project(tmp_path, index=index, files=files)
    build = Build(tmp_path)
    assert build() == ""
    assert len(builds) == 3
    exp = build.src / "schedules" / "exp.yaml"
    exp.write_text(exp.read_text().replace("{gamma: 0.5}", "{gamma: 0.25}"))
    assert build() == ""
    assert len(builds) == 4  # exp.yaml's figure, and nothing else
    cosine = build.src / "schedules" / "cosine.yaml"
    stat = cosine.stat()
    os.utime(cosine, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # newer, the same bytes
    assert build() == ""
    assert len(builds) == 4
