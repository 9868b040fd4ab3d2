"""Figures that fit and tell the truth: every gallery config, in every built-in style, at 2.5 x 2 in,
3.5 x 2.5 in and its default size, with no text cut by the figure's edge, no two texts overlapping,
and every tick label, run length, annotation and legend entry agreeing with the data (tests/readback.py).

The judge is matplotlib itself: each figure is drawn once with the renderer's
``draw_text`` watched (tests/layout.py), and every text it drew is measured with its
own ``get_window_extent``. Titles, subtitles, legend entries, tick labels, axis
labels and panel titles all count. On the code before issue 19 this fails for the
cases the issue names: the README's ``--style paper`` command cuts its title and
legend, a one-column figure cuts a three-schedule legend, epoch ticks run together.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from lrviz.render.plot import PlotOptions, figure_for
from lrviz.simulate import Result, simulate
from lrviz.styles import STYLES
from lrviz.validate import apply_sweeps, load_config
from tests.conftest import REPO, gallery_paths, gallery_source
from tests.layout import drawn_artists, layout_problems
from tests.readback import truth_problems

GALLERY = gallery_paths()
SIZES = [(2.5, 2.0), (3.5, 2.5), None]
DPI = 100


@functools.cache
def result_of(path: Path) -> Result:
    return simulate(apply_sweeps(load_config(path, trust=True)))


def problems(result: Result, subtitle: str | None = None, **options) -> list[str]:
    """Every text cut or overlapping, and (tests/readback.py) every text that disagrees with the data."""
    opts = PlotOptions.resolve(result.config.plot, dpi=DPI, subtitle=subtitle, **options)
    fig = figure_for(result, opts)
    try:
        artists = drawn_artists(fig)  # one draw, read by both judges
        assert artists, "nothing was drawn"
        return layout_problems(fig, artists) + truth_problems(fig, result, opts, subtitle, artists)
    finally:
        fig.clear()


def test_the_gallery_is_all_there():
    assert len(GALLERY) >= 20 and set(STYLES) == {"clean", "paper", "talk", "dark"}


#: Each gallery config's simulation, shared by its styles' tests (one per style, so a parallel run
#: spreads a config's figures over the cores).
_SIMULATED: dict[Path, Result] = {}


@pytest.mark.parametrize("style", list(STYLES))
@pytest.mark.parametrize("path", GALLERY, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_gallery_config_fits_in_every_style_and_size(path, style, request):
    loaded = gallery_source(path, request)  # a framework file's step arithmetic is the subtitle
    if path not in _SIMULATED:
        _SIMULATED[path] = simulate(loaded.config)
    result = _SIMULATED[path]
    found = {}
    for size in SIZES:
        found[size] = problems(result, loaded.summary, style=style, size=size)
    assert len(found) == len(SIZES)
    assert {k: v for k, v in found.items() if v} == {}


# --------------------------------------------------------------------------- the issue's own cases


def test_the_readme_paper_command_keeps_its_title_and_legend():
    """`lrviz plot configs/compare/warmup-lengths.yaml --yscale log --x epoch --style paper`."""
    result = result_of(REPO / "configs" / "compare" / "warmup-lengths.yaml")
    assert problems(result, yscale="log", x="epoch", style="paper") == []


def test_a_one_column_figure_of_three_schedules():
    result = result_of(REPO / "configs" / "compare" / "onecycle-step-vs-epoch.yaml")
    assert len(result.config.schedules) >= 2
    assert problems(result, size=(3.5, 2.5)) == []
    assert problems(result_of(REPO / "configs" / "compare" / "decay-equal-budget.yaml"), size=(3.5, 2.5)) == []


def test_twenty_epochs_of_onecycle_in_paper_style_have_readable_epoch_ticks():
    result = simulate(
        load_config(
            {
                "epochs": 20,
                "steps_per_epoch": 50,
                "scheduler": "OneCycleLR",
                "params": {"max_lr": 0.1, "total_steps": 1000},
            }
        )
    )
    assert problems(result, style="paper", x="epoch") == []
    assert problems(result, style="paper", x="epoch", size=(2.5, 2)) == []


@pytest.mark.parametrize("n", [12, 64, 256])
def test_any_number_of_schedules_up_to_the_limit(n):
    """A sweep of n schedules: the legend moves beside the axes, shrinks, and at last folds into '… and N more'."""
    cfg = load_config({"steps": 50, "scheduler": "StepLR", "params": {"step_size": 10}})
    swept = apply_sweeps(cfg, [f"params.gamma={','.join(str(0.1 + i / 1000) for i in range(n))}"], force=True)
    result = simulate(swept)
    assert len(result.trajectories) == n
    for size in SIZES:
        for style in ("clean", "talk"):
            assert problems(result, size=size, style=style) == [], (size, style)


@pytest.mark.parametrize("legend", ["above", "below", "right", "best", "none"])
def test_every_legend_place_fits_a_small_figure(legend):
    result = result_of(REPO / "configs" / "compare" / "decay-equal-budget.yaml")
    for size in SIZES:
        assert problems(result, legend=legend, size=size) == [], size


def test_panels_under_the_lr_fit_a_small_figure():
    wd = result_of(REPO / "configs" / "custom" / "weight-decay-schedule.yaml")
    plateau = result_of(REPO / "configs" / "seeds" / "003-reducelronplateau.yaml")
    for size in SIZES:
        assert problems(wd, size=size, effective_decay=True) == [], size
        assert problems(plateau, size=size, momentum="on") == [], size
        assert problems(plateau, size=size, layout="grid") == [], size


def test_the_judge_sees_a_planted_two_line_text_and_a_text_off_the_figure():
    """matplotlib draws a multi-line text a line at a time with no ``mtext`` (the judge watching
    the renderer's ``draw_text`` never saw one); watching ``Text.draw`` sees every text."""
    result = result_of(REPO / "configs" / "torch" / "steplr.yaml")
    opts = PlotOptions.resolve(result.config.plot, dpi=DPI)
    fig = figure_for(result, opts)
    try:
        assert layout_problems(fig) == []
        title = fig.get_suptitle()
        fig.text(0.5, 0.995, "planted\nover the title", ha="center", va="top")
        fig.text(1.02, 0.5, "off the edge")
        found = layout_problems(fig)
        assert f"'planted / over the title' overlaps {title!r}" in found or (
            f"{title!r} overlaps 'planted / over the title'" in found
        ), found
        assert any(p.startswith("'off the edge' is cut") for p in found), found
        # the blind spot: watched through draw_text, the two-line text has no mtext
        renderer = fig.canvas.get_renderer()
        seen, original = [], renderer.draw_text
        renderer.draw_text = lambda gc, x, y, s, prop, angle, ismath=False, mtext=None: (
            seen.append((s, mtext)),
            original(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext),
        )
        try:
            fig.draw(renderer)
        finally:
            del renderer.draw_text
        assert ("planted", None) in seen and ("over the title", None) in seen
    finally:
        fig.clear()
