"""`lrviz plot` through the CLI: every option, the config's plot: block, and user errors."""

from __future__ import annotations

import struct

import pytest
import torch
import yaml
from typer.testing import CliRunner

from lrviz.cli import app
from lrviz.simulate import simulate
from lrviz.validate import load_config

runner = CliRunner()

BASIC = {
    "steps": 40,
    "optimizer": {"name": "SGD", "lr": 0.1, "momentum": 0.9},
    "schedules": [
        {"label": "step", "scheduler": "StepLR", "params": {"step_size": 10, "gamma": 0.5}},
        {"label": "cosine", "scheduler": "CosineAnnealingLR", "params": {"T_max": 40}},
    ],
}


def png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def invoke(*args):
    return runner.invoke(app, ["plot", *map(str, args)])


@pytest.fixture
def captured(monkeypatch):
    """Record what the command asks the library to write (and still write it)."""
    import lrviz.render.plot as plot_mod

    calls = []
    real = plot_mod.write_plots

    def spy(result, outdir, stem, options, **kw):
        calls.append((result, options))
        return real(result, outdir, stem, options, **kw)

    monkeypatch.setattr(plot_mod, "write_plots", spy)
    return calls


def test_writes_png_named_after_the_config_and_prints_the_path(write_config, tmp_path):
    cfg = write_config(BASIC, "decay.yaml")
    out = tmp_path / "out"
    out.mkdir()
    result = invoke(cfg, "-o", out)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [str(out / "decay.png")]
    assert png_size(out / "decay.png") == (1050, 630)  # 7 x 4.2 inches at 150 dpi
    assert sorted(p.name for p in out.iterdir()) == ["decay.png"]  # no temp files left


def test_default_outdir_is_the_current_folder(write_config, tmp_path, monkeypatch):
    cfg = write_config(BASIC, "here.yaml")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    result = invoke(cfg)
    assert result.exit_code == 0, result.output
    assert (work / "here.png").exists()


def test_several_formats(write_config, tmp_path):
    cfg = write_config(BASIC, "multi.yaml")
    result = invoke(cfg, "-o", tmp_path, "--format", "svg", "-f", "pdf", "-f", "png")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [str(tmp_path / f"multi.{e}") for e in ("svg", "pdf", "png")]
    assert (tmp_path / "multi.svg").read_bytes().startswith(b"<?xml")
    assert (tmp_path / "multi.pdf").read_bytes().startswith(b"%PDF")


def test_several_configs_one_figure_each(write_config, tmp_path):
    a = write_config(BASIC, "a.yaml")
    b = write_config({**BASIC, "steps": 20}, "b.yaml")
    out = tmp_path / "figs"
    out.mkdir()
    result = invoke(a, b, "-o", out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["a.png", "b.png"]


def test_options_reach_the_renderer(write_config, tmp_path, captured):
    cfg = write_config({**BASIC, "steps_per_epoch": 8}, "opts.yaml")
    result = invoke(
        cfg,
        "-o",
        tmp_path,
        "--layout",
        "grid",
        "--yscale",
        "log",
        "--x",
        "epoch",
        "--title",
        "My title",
        "--style",
        "paper",
        "--size",
        "5,3",
        "--dpi",
        "80",
        "--steps",
        "24",
    )
    assert result.exit_code == 0, result.output
    ((res, opts),) = captured
    assert (opts.layout, opts.yscale, opts.x, opts.title, opts.style, opts.size, opts.dpi) == (
        "grid",
        "log",
        "epoch",
        "My title",
        "paper",
        (5.0, 3.0),
        80,
    )
    assert res.trajectories[0].steps == 24
    assert png_size(tmp_path / "opts.png") == (400, 240)


def test_layout_and_yscale_change_the_picture(write_config, tmp_path):
    cfg = write_config(BASIC, "look.yaml")
    seen = set()
    for extra in ([], ["--layout", "grid"], ["--yscale", "log"], ["--x", "epoch"], ["--style", "dark"]):
        out = tmp_path / ("o" + "".join(extra).replace("-", ""))
        out.mkdir()
        assert invoke(cfg, "-o", out, *extra).exit_code == 0
        seen.add((out / "look.png").read_bytes())
    assert len(seen) == 5  # (--x epoch at steps_per_epoch 1 still relabels the axis)


def test_plot_block_supplies_defaults_and_the_command_line_wins(write_config, tmp_path, captured):
    cfg = write_config(
        {**BASIC, "plot": {"layout": "grid", "format": "svg", "dpi": 90, "title": "From config"}}, "blk.yaml"
    )
    result = invoke(cfg, "-o", tmp_path)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "blk.svg").exists() and not (tmp_path / "blk.png").exists()
    opts = captured[-1][1]
    assert (opts.layout, opts.dpi, opts.title) == ("grid", 90, "From config")
    result = invoke(cfg, "-o", tmp_path, "--layout", "overlay", "-f", "png", "--title", "CLI")
    assert result.exit_code == 0, result.output
    opts = captured[-1][1]
    assert (opts.layout, opts.formats, opts.dpi, opts.title) == ("overlay", ("png",), 90, "CLI")


def test_device_option(write_config, tmp_path, captured):
    cfg = write_config(BASIC, "dev.yaml")
    assert invoke(cfg, "-o", tmp_path, "--device", "cpu").exit_code == 0
    assert captured[-1][0].device == "cpu"


@pytest.mark.skipif(
    torch.cuda.is_available(), reason="this machine has CUDA; the error case needs a machine without it"
)
def test_missing_device_is_a_clean_error(write_config, tmp_path):
    cfg = write_config(BASIC, "dev.yaml")
    result = invoke(cfg, "-o", tmp_path, "--device", "cuda")
    assert result.exit_code == 2
    assert "no CUDA device" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert list(tmp_path.glob("*.png")) == []


def test_sweep_and_force(write_config, tmp_path, captured):
    single = {"steps": 10, "optimizer": {"name": "SGD", "lr": 0.1}, "scheduler": "StepLR", "params": {"step_size": 3}}
    cfg = write_config(single, "sweep.yaml")
    result = invoke(cfg, "-o", tmp_path, "--sweep", "params.gamma=0.1,0.5")
    assert result.exit_code == 0, result.output
    labels = [t.label for t in captured[-1][0].trajectories]
    assert len(labels) == 2 and "0.1" in labels[0] and "0.5" in labels[1]
    many = ",".join(str(v) for v in range(1, 67))
    result = invoke(cfg, "-o", tmp_path, "--sweep", f"params.step_size={many}")
    assert result.exit_code == 2 and "--force" in result.stderr
    result = invoke(cfg, "-o", tmp_path, "--sweep", f"params.step_size={many}", "--force")
    assert result.exit_code == 0, result.output
    assert len(captured[-1][0].trajectories) == 66


def test_trust_is_needed_for_a_scheduler_from_a_file(write_config, tmp_path):
    (tmp_path / "mine.py").write_text(
        "import torch\n"
        "def halving(optimizer, every=5):\n"
        "    return torch.optim.lr_scheduler.StepLR(optimizer, step_size=every, gamma=0.5)\n"
    )
    cfg = write_config({"steps": 20, "scheduler": "mine.py:halving", "params": {"every": 4}}, "own.yaml")
    out = tmp_path / "out"
    out.mkdir()
    refused = invoke(cfg, "-o", out)
    assert refused.exit_code == 2 and "--trust" in refused.stderr
    assert list(out.iterdir()) == []
    trusted = invoke(cfg, "-o", out, "--trust")
    assert trusted.exit_code == 0, trusted.output
    assert (out / "own.png").exists()


def test_a_zero_lr_warns_only_on_a_log_axis(write_config, tmp_path):
    """PolynomialLR reaching exactly 0 at its last step is its documented end: a linear axis draws
    it, no warning; a log axis cannot, and says so."""
    cfg = write_config(
        {"steps": 20, "scheduler": "PolynomialLR", "params": {"total_iters": 19, "power": 1}}, "zero.yaml"
    )
    result = invoke(cfg, "-o", tmp_path)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert (tmp_path / "zero.png").exists()
    result = invoke(cfg, "-o", tmp_path, "--yscale", "log")
    assert result.exit_code == 0, result.output
    (warning,) = [ln for ln in result.stderr.splitlines() if ln.startswith("warning:")]
    assert "zero.yaml" in warning and "0 or below at 1 step (first: step 19)" in warning


def test_a_schedule_that_ends_early_gets_checks_lint_not_a_drawing_warning(write_config, tmp_path):
    """10 of 20 steps at lr 0 is a schedule that ran out: check's lint says so (issue 20); the
    linear figure draws it fine, so there is no warning about drawing (issue 16)."""
    cfg = write_config(
        {"steps": 20, "scheduler": "PolynomialLR", "params": {"total_iters": 10, "power": 1}}, "early.yaml"
    )
    result = invoke(cfg, "-o", tmp_path)
    assert result.exit_code == 0, result.output
    (lint,) = [ln for ln in result.stderr.splitlines() if ln.startswith("warning:")]
    assert "early.yaml" in lint and "[nonpositive-lr]" in lint and "the lr is 0 at 10 of 20 steps, from step 10" in lint


# --------------------------------------------------------------------------- errors: exit 2, one line, no file


def one_line_error(result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def test_missing_output_folder_is_created_but_not_for_a_refused_config(write_config, tmp_path):
    bad = write_config({**BASIC, "steps": 0}, "bad.yaml")
    line = one_line_error(invoke(bad, "-o", tmp_path / "nope" / "deeper"))
    assert "bad.yaml" in line and "steps" in line
    assert not (tmp_path / "nope").exists()  # nothing is created for a run that writes nothing
    result = invoke(write_config(BASIC), "-o", tmp_path / "nope" / "deeper")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "nope" / "deeper" / "config.png").is_file()


def test_output_folder_is_a_file(write_config, tmp_path):
    cfg = write_config(BASIC)
    (tmp_path / "file").write_text("x")
    assert "not a folder" in one_line_error(invoke(cfg, "-o", tmp_path / "file"))


def test_unwritable_output_folder(write_config, tmp_path):
    from tests.test_security import unwritable_folder  # root ignores mode bits: /proc refuses even root

    cfg = write_config(BASIC)
    ro = unwritable_folder(tmp_path)
    try:
        assert "cannot write" in one_line_error(invoke(cfg, "-o", ro))
    finally:
        if ro.is_relative_to(tmp_path):
            ro.chmod(0o755)


def test_unwritable_output_folder_via_failing_write(write_config, tmp_path, monkeypatch):
    """Simulated with a failing mkstemp (works as root too): a clean error, no partial file."""
    import tempfile

    def denied(*_a, **_k):
        raise PermissionError(13, "Permission denied")

    cfg = write_config(BASIC, "x.yaml")
    monkeypatch.setattr(tempfile, "mkstemp", denied)
    line = one_line_error(invoke(cfg, "-o", tmp_path))
    assert "cannot write" in line and "Permission denied" in line
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize(
    "block,key",
    [
        ({"layout": "stacked"}, "plot.layout"),
        ({"dpi": 5}, "plot.dpi"),
        ({"size": "huge"}, "plot.size"),
        ({"colour": "red"}, "plot.colour"),
    ],
)
def test_bad_plot_block_names_file_and_key(write_config, tmp_path, block, key):
    cfg = write_config({**BASIC, "plot": block}, "bad.yaml")
    line = one_line_error(invoke(cfg, "-o", tmp_path))
    assert str(cfg) in line and key in line
    assert list(tmp_path.glob("*.png")) == []


@pytest.mark.parametrize(
    "args,needle",
    [
        (["--size", "7by4"], "--size"),
        (["--size", "100,4"], "--size"),
        (["--dpi", "5"], "--dpi"),
        (["--style", "nope"], "--style"),
    ],
)
def test_bad_option_values_name_the_option(write_config, tmp_path, args, needle):
    cfg = write_config(BASIC)
    line = one_line_error(invoke(cfg, "-o", tmp_path, *args))
    assert needle in line
    assert list(tmp_path.glob("*.png")) == []


def test_unknown_layout_is_a_usage_error(write_config, tmp_path):
    result = invoke(write_config(BASIC), "-o", tmp_path, "--layout", "stacked")
    assert result.exit_code == 2 and "stacked" in result.output


def test_bad_config_writes_nothing_even_when_another_is_good(write_config, tmp_path):
    good = write_config(BASIC, "good.yaml")
    bad = write_config({**BASIC, "steps": -3}, "bad.yaml")
    out = tmp_path / "out"
    out.mkdir()
    line = one_line_error(invoke(good, bad, "-o", out))
    assert "bad.yaml" in line and "steps" in line
    assert list(out.iterdir()) == []


def test_two_configs_with_the_same_name_would_collide(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for d in ("a", "b"):
        (tmp_path / d / "same.yaml").write_text(yaml.safe_dump(BASIC))
    out = tmp_path / "out"
    out.mkdir()
    line = one_line_error(invoke(tmp_path / "a" / "same.yaml", tmp_path / "b" / "same.yaml", "-o", out))
    assert "same.png" in line
    assert list(out.iterdir()) == []


def test_debug_shows_the_traceback(write_config, tmp_path):
    cfg = write_config({**BASIC, "plot": {"layout": "stacked"}})
    result = runner.invoke(app, ["plot", str(cfg), "-o", str(tmp_path), "--debug"])
    assert result.exit_code == 2
    assert "Traceback" in result.stderr and "plot.layout" in result.stderr


def test_help_lists_every_option():
    result = runner.invoke(app, ["plot", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for opt in (
        "--output",
        "--format",
        "--layout",
        "--yscale",
        "--x",
        "--steps",
        "--device",
        "--title",
        "--style",
        "--size",
        "--dpi",
        "--sweep",
        "--force",
        "--trust",
        "--debug",
    ):
        assert opt in result.output
    assert "Example:" in result.output


# --------------------------------------------------------------------------- progress bar


class FakeStream:
    def __init__(self, tty: bool):
        self.tty = tty
        self.text = []

    def isatty(self):
        return self.tty

    def write(self, s):
        self.text.append(s)
        return len(s)

    def flush(self):
        pass


def test_progress_bar_only_on_a_terminal_outside_ci(monkeypatch):
    from lrviz.progress import MIN_STEPS, progress_bar, wanted

    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert wanted(MIN_STEPS, FakeStream(True))
    assert not wanted(MIN_STEPS, FakeStream(False))  # piped
    assert not wanted(MIN_STEPS - 1, FakeStream(True))  # too short to need one
    monkeypatch.setenv("CI", "true")
    assert not wanted(MIN_STEPS, FakeStream(True))
    with progress_bar(MIN_STEPS, stream=FakeStream(True)) as progress:
        assert progress is None


def test_progress_bar_advances_on_a_terminal(monkeypatch):
    from lrviz.progress import progress_bar

    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    stream = FakeStream(True)
    with progress_bar(300_000, stream=stream) as progress:
        assert callable(progress)
        cfg = load_config({"steps": 300_000, "scheduler": "StepLR", "params": {"step_size": 1000}})
        simulate(cfg, progress=progress)
    assert "".join(stream.text)  # rich drew something on the (fake) terminal


def test_the_gallery_bar_is_the_same_reporter_and_honours_ci(monkeypatch):
    """One progress reporter for simulations and the gallery: in CI it shows nothing, on a terminal it draws."""
    from lrviz.progress import Reporter

    monkeypatch.setenv("CI", "true")
    monkeypatch.setenv("TERM", "xterm")
    quiet = FakeStream(True)
    with Reporter("gallery", stream=quiet, min_total=1) as bar:
        bar.start(3)
        bar.advance(1, note="a.yaml")
        assert not bar.shown
    assert quiet.text == []
    monkeypatch.delenv("CI")
    shown = FakeStream(True)
    with Reporter("gallery", stream=shown, min_total=1) as bar:
        bar.start(3)
        bar.advance(1, note="a.yaml")
        assert bar.shown
    assert "".join(shown.text)


def test_plot_prints_no_progress_when_piped(write_config, tmp_path):
    cfg = write_config({"steps": 250_000, "scheduler": "StepLR", "params": {"step_size": 1000}}, "long.yaml")
    result = invoke(cfg, "-o", tmp_path)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert result.stdout.splitlines() == [str(tmp_path / "long.png")]


def test_several_configs_share_one_pool_and_give_the_same_files(write_config, tmp_path):
    """Configs simulated together (one worker pool) draw exactly what each drawn alone does."""
    a = write_config(BASIC, "a.yaml")
    b = write_config(
        {**BASIC, "schedules": [{"scheduler": "OneCycleLR", "params": {"max_lr": 1.0, "total_steps": 40}}]}, "b.yaml"
    )
    together, alone = tmp_path / "together", tmp_path / "alone"
    together.mkdir()
    alone.mkdir()
    assert invoke(a, b, "-o", together).exit_code == 0
    assert invoke(a, "-o", alone).exit_code == 0
    assert invoke(b, "-o", alone).exit_code == 0
    for name in ("a.png", "b.png"):
        assert (together / name).read_bytes() == (alone / name).read_bytes()


# --------------------------------------------------------------------------- -o names a file (issue 20)


def test_output_naming_a_file_takes_its_format_and_refuses_what_cannot_go_in_one_file(write_config, tmp_path):
    one, two = write_config(BASIC, "one.yaml"), write_config(BASIC, "two.yaml")
    ok = invoke(one, "-o", tmp_path / "fig.SVG")
    assert ok.exit_code == 0, ok.output
    assert ok.stdout.splitlines() == [str(tmp_path / "fig.SVG")]
    assert (tmp_path / "fig.SVG").read_bytes().lstrip().startswith(b"<?xml")
    line = one_line_error(invoke(one, two, "-o", tmp_path / "both.png"))
    assert "names one file, but 2 configs make 2 figures; give a folder" in line
    line = one_line_error(invoke(one, "-o", tmp_path / "fig.pdf", "-f", "png"))
    assert "names a .pdf file, but --format asks for png" in line
    line = one_line_error(runner.invoke(app, ["export", str(one), "-o", str(tmp_path / "data.png")]))
    assert "names a .png file, but this command writes .csv or .json" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fig.SVG", "one.yaml", "two.yaml"]


def test_an_existing_folder_is_a_folder_whatever_its_name(write_config, tmp_path):
    (tmp_path / "figs.png").mkdir()
    result = invoke(write_config(BASIC, "one.yaml"), "-o", tmp_path / "figs.png")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "figs.png" / "one.png").is_file()
