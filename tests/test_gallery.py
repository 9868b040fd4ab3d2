"""`lrviz gallery`: good and bad configs mixed, the pages it writes, --check, safe names.

Expected image bytes come from the plot library called directly on a simulation of
the same config (the gallery must add nothing of its own to an image), never from
the gallery's earlier output.
"""

from __future__ import annotations

import html.parser
import re
import threading
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from lrviz.cli import app
from lrviz.gallery import (
    MARKER,
    build_gallery,
    check_gallery,
    find_configs,
    gallery_files,
    output_stem,
    plan_entries,
    write_gallery,
)
from lrviz.gallery.files import _target

runner = CliRunner()

GOOD_STEP = {
    "title": "Step <decay> & *friends*",
    "description": "Halve it every 3 steps.",
    "steps": 12,
    "scheduler": "StepLR",
    "params": {"step_size": 3, "gamma": 0.5},
}
GOOD_CYCLIC = {
    "title": "Cyclic, two groups",
    "description": "Triangular cycles on a backbone and a head.",
    "steps": 16,
    "optimizer": {
        "name": "SGD",
        "lr": 0.1,
        "momentum": 0.9,
        "param_groups": [{"name": "backbone", "lr": 0.01}, {"name": "head"}],
    },
    "schedules": [{"scheduler": "CyclicLR", "params": {"base_lr": 0.001, "max_lr": 0.1, "step_size_up": 4}}],
    "plot": {"layout": "grid"},
}
PAST_END = {"steps": 20, "scheduler": "OneCycleLR", "params": {"max_lr": 0.1, "total_steps": 10}}
UNKNOWN = {"steps": 10, "scheduler": "StepLRR", "params": {"step_size": 2}}
BAD_PARAM = {"steps": 10, "schedules": [{"scheduler": "StepLR", "params": {"step_size": 2, "gama": 0.5}}]}
FACTORY = """
import torch


def make(optimizer, gamma=0.5):
    return torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=gamma)
"""
NEEDS_TRUST = {"title": "Own code", "steps": 6, "scheduler": "own.py:make", "params": {"gamma": 0.9}}


def dump(path: Path, data) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture
def good_dir(tmp_path) -> Path:
    root = tmp_path / "examples"
    dump(root / "basic" / "step.yaml", GOOD_STEP)
    dump(root / "cyclic.yml", GOOD_CYCLIC)
    return root


@pytest.fixture
def mixed_dir(good_dir) -> Path:
    dump(good_dir / "bad" / "past_end.yaml", PAST_END)
    dump(good_dir / "bad" / "unknown.yaml", UNKNOWN)
    dump(good_dir / "bad" / "param.yaml", BAD_PARAM)
    dump(good_dir / "bad" / "syntax.yaml", "steps: 10\nscheduler: StepLR\nparams: {step_size: 2\n")
    (good_dir / "notes.txt").write_text("not a config")
    (good_dir / ".hidden.yaml").write_text("steps: [")
    return good_dir


def expected_images(config_path: Path) -> dict[str, bytes]:
    """What the plot library draws for this config, called directly."""
    from lrviz.render.plot import PlotOptions, render_bytes
    from lrviz.simulate import simulate
    from lrviz.validate import load_config

    cfg = load_config(config_path)
    result = simulate(cfg, jobs=1)
    options = PlotOptions.resolve(cfg.plot)
    return {fmt: render_bytes(result, fmt, options) for fmt in ("svg", "png")}


def local_refs_md(text: str) -> list[str]:
    return re.findall(r"\]\(([^)#\s]+)\)", text)


class _Refs(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs: list[str] = []
        self.external: list[str] = []
        self.ids: set[str] = set()
        self.anchors: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        for key in ("src", "href"):
            value = a.get(key)
            if not value:
                continue
            if value.startswith("#"):
                self.anchors.append(value[1:])
            elif re.match(r"^[a-z]+:", value) or value.startswith("//"):
                self.external.append(value)
            else:
                self.refs.append(value)


# --------------------------------------------------------------------------- CLI, mixed


def test_mixed_folder_renders_the_good_names_every_failure_and_exits_1(mixed_dir, tmp_path):
    out = tmp_path / "out"
    res = runner.invoke(app, ["gallery", str(mixed_dir), "-o", str(out), "--jobs", "2"])
    assert res.exit_code == 1, res.output
    err = res.stderr
    # Every failure, named with its config and the reason (key path and what to change).
    assert re.search(r"failed: examples/bad/past_end\.yaml: \S+: torch failed at step 10 .*total_steps", err)
    assert re.search(
        r"failed: examples/bad/unknown\.yaml: scheduler: unknown scheduler 'StepLRR'.*did you mean StepLR", err
    )
    assert re.search(r"failed: examples/bad/param\.yaml: schedules\[0\]\.params\.gama: .*gamma", err)
    assert re.search(r"failed: examples/bad/syntax\.yaml: .*line", err)
    assert "4 of 6 configs failed" in err
    assert "Traceback" not in res.output
    # The good ones are rendered, byte for byte what the plot library draws.
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "README.md",
        *("basic-step.html", "basic-step.png", "basic-step.svg"),
        *("cyclic.html", "cyclic.png", "cyclic.svg"),
        "index.html",
    ]
    for stem, cfg in (("basic-step", mixed_dir / "basic" / "step.yaml"), ("cyclic", mixed_dir / "cyclic.yml")):
        want = expected_images(cfg)
        assert (out / f"{stem}.svg").read_bytes() == want["svg"]
        assert (out / f"{stem}.png").read_bytes() == want["png"]
    assert (out / "basic-step.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # The pages list only the rendered entries.
    readme = (out / "README.md").read_text()
    assert "past_end" not in readme and "Cyclic, two groups" in readme
    assert "wrote 8 files" in res.stdout


def test_all_good_exits_0_and_prints_a_summary(good_dir, tmp_path):
    res = runner.invoke(app, ["gallery", str(good_dir), "-o", str(tmp_path / "g"), "-j", "1"])
    assert res.exit_code == 0, res.output
    assert res.stderr == ""
    assert "2 of 2 configs rendered" in res.stdout


def test_config_that_imports_code_is_skipped_without_trust_and_rendered_with_it(good_dir, tmp_path):
    (good_dir / "own.py").write_text(FACTORY)
    dump(good_dir / "own.yaml", NEEDS_TRUST)
    out = tmp_path / "g"
    res = runner.invoke(app, ["gallery", str(good_dir), "-o", str(out), "-j", "1"])
    assert res.exit_code == 0, res.output
    assert re.search(r"skipped: examples/own\.yaml: scheduler: .*--trust", res.stderr)
    assert "1 skipped (need --trust)" in res.stdout
    assert not (out / "own.svg").exists()

    res = runner.invoke(app, ["gallery", str(good_dir), "-o", str(out), "-j", "1", "--trust"])
    assert res.exit_code == 0, res.output
    assert (out / "own.svg").exists() and "Own code" in (out / "README.md").read_text()
    # A gallery built with --trust is checked with --trust; without, the skip is named.
    assert (
        runner.invoke(app, ["gallery", str(good_dir), "-o", str(out), "--check", "--trust", "-j", "1"]).exit_code == 0
    )
    res = runner.invoke(app, ["gallery", str(good_dir), "-o", str(out), "--check", "-j", "1"])
    assert res.exit_code == 1
    assert "skipped: examples/own.yaml" in res.stderr and "stale: README.md" in res.stderr
    assert "checked with --trust" in res.stderr


def test_debug_renders_in_process_and_shows_the_traceback(good_dir, tmp_path):
    dump(good_dir / "bad.yaml", PAST_END)
    res = runner.invoke(app, ["gallery", str(good_dir), "-o", str(tmp_path / "g"), "--debug"])
    assert res.exit_code == 1
    assert "Traceback (most recent call last)" in res.stderr
    assert "failed: examples/bad.yaml" in res.stderr
    assert (tmp_path / "g" / "cyclic.svg").exists()


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda tmp: tmp / "nope", "no such folder"),
        (lambda tmp: (tmp / "empty").mkdir() or tmp / "empty", "no *.yaml, *.yml or *.json configs"),
        (lambda tmp: dump(tmp / "file.yaml", GOOD_STEP), "is not a folder"),
    ],
)
def test_bad_config_dir_is_a_usage_error(tmp_path, make, message):
    out = tmp_path / "out"
    res = runner.invoke(app, ["gallery", str(make(tmp_path)), "-o", str(out)])
    assert res.exit_code == 2
    assert message in res.stderr and res.stderr.count("\n") == 1
    assert not out.exists()


def test_output_that_is_a_file_is_a_usage_error(good_dir, tmp_path):
    out = tmp_path / "out"
    out.write_text("keep me")
    res = runner.invoke(app, ["gallery", str(good_dir), "-o", str(out), "-j", "1"])
    assert res.exit_code == 2 and "is not a folder" in res.stderr
    assert out.read_text() == "keep me"


def test_help_documents_the_command():
    res = runner.invoke(app, ["gallery", "--help"])
    assert res.exit_code == 0
    for option in ("--output", "--check", "--jobs", "--trust", "--debug", "Example:"):
        assert option in res.stdout


# --------------------------------------------------------------------------- pages


@pytest.fixture
def written(good_dir, tmp_path):
    out = tmp_path / "gallery"
    result = build_gallery(good_dir, jobs=1)
    write_gallery(result, out)
    return good_dir, out


def test_readme_references_exist_and_show_each_entry(written):
    configs, out = written
    readme = (out / "README.md").read_text()
    assert readme.startswith(MARKER)
    refs = local_refs_md(readme)
    assert refs, "README.md references no files"
    for ref in refs:
        assert (out / ref).is_file(), f"README.md references missing {ref}"
    assert {"basic-step.svg", "basic-step.png", "cyclic.svg", "cyclic.png", "index.html"} <= set(refs)
    # Per entry: a heading, the one-line description, the image, the config collapsible.
    assert "## Step \\<decay\\> & \\*friends\\*" in readme  # Markdown punctuation escaped
    assert "Halve it every 3 steps." in readme
    assert "![Step \\<decay\\> & \\*friends\\*](basic-step.svg)" in readme
    text = (configs / "basic" / "step.yaml").read_text()
    block = re.search(
        r"<details>\n<summary>Config: <code>examples/basic/step\.yaml</code></summary>\n\n"
        r"```yaml\n(.*?)\n```\n\n</details>",
        readme,
        re.S,
    )
    assert block and block.group(1) == text.rstrip("\n")
    # Contents links point at anchors that exist.
    anchors = re.findall(r"\]\(#([^)]+)\)", readme)
    assert len(anchors) >= 2, readme
    for anchor in anchors:
        assert f'<a id="{anchor}"></a>' in readme


def test_readme_fence_survives_backticks_in_a_config(good_dir, tmp_path):
    dump(good_dir / "ticks.yaml", "# uses ``` in a comment\n" + yaml.safe_dump(GOOD_STEP))
    out = tmp_path / "g"
    write_gallery(build_gallery(good_dir, jobs=1), out)
    readme = (out / "README.md").read_text()
    assert "````yaml\n# uses ``` in a comment" in readme


def test_index_html_is_self_contained_and_every_reference_exists(written):
    configs, out = written
    page = (out / "index.html").read_text()
    parser = _Refs()
    parser.feed(page)
    assert parser.external == [] or all(ref.startswith("data:") for ref in parser.external), parser.external
    assert "script" not in parser.tags
    assert "@import" not in page and "url(" not in page
    assert {"basic-step.svg", "cyclic.svg", "basic-step.png", "README.md"} <= set(parser.refs)
    for ref in parser.refs:
        assert (out / ref).is_file(), f"index.html references missing {ref}"
    assert len(parser.anchors) >= 2, parser.anchors
    for anchor in parser.anchors:
        assert anchor in parser.ids
    # The config text, HTML-escaped, and the title escaped too.
    assert "Step &lt;decay&gt; &amp; *friends*" in page
    assert "title: Step &lt;decay&gt; &amp; *friends*" in page
    assert "Content-Security-Policy" in page


def test_outputs_are_deterministic(good_dir):
    first = gallery_files(build_gallery(good_dir, jobs=1))
    second = gallery_files(build_gallery(good_dir, jobs=1))
    assert first == second
    assert not any(
        str(good_dir.parent) in data.decode("utf-8") for name, data in first.items() if name.endswith((".md", ".html"))
    )


# --------------------------------------------------------------------------- --check


def check(configs: Path, out: Path):
    return runner.invoke(app, ["gallery", str(configs), "-o", str(out), "--check", "-j", "1"])


def test_check_is_clean_right_after_a_write_and_writes_nothing(written):
    configs, out = written
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    res = check(configs, out)
    assert res.exit_code == 0, res.output
    assert "is current: 2 configs" in res.stdout
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before


def test_check_names_stale_missing_and_extra_files(written):
    configs, out = written
    cfg = yaml.safe_load((configs / "basic" / "step.yaml").read_text())
    cfg["params"]["gamma"] = 0.25
    dump(configs / "basic" / "step.yaml", cfg)
    (out / "cyclic.png").unlink()
    (out / "old-entry.svg").write_text("<svg/>")
    res = check(configs, out)
    assert res.exit_code == 1
    lines = res.stderr.splitlines()
    assert "stale: basic-step.svg (from examples/basic/step.yaml)" in lines
    assert "stale: basic-step.png (from examples/basic/step.yaml)" in lines
    assert "missing: cyclic.png (from examples/cyclic.yml)" in lines
    assert "extra: old-entry.svg (no config produces it)" in lines
    assert "stale: README.md" in lines  # the config text it shows changed
    assert not any("cyclic.svg" in line for line in lines)
    assert (out / "old-entry.svg").exists()  # --check writes and deletes nothing


def test_check_of_a_missing_folder_names_everything_missing(good_dir, tmp_path):
    res = check(good_dir, tmp_path / "never-built")
    assert res.exit_code == 1
    assert "missing: index.html" in res.stderr and "missing: cyclic.svg (from examples/cyclic.yml)" in res.stderr
    assert not (tmp_path / "never-built").exists()


def test_check_flags_a_failing_config(written):
    configs, out = written
    dump(configs / "broken.yaml", UNKNOWN)
    res = check(configs, out)
    assert res.exit_code == 1
    assert "failed: examples/broken.yaml: scheduler: unknown scheduler" in res.stderr


def test_a_rewrite_removes_images_of_deleted_configs_but_keeps_failed_ones(written):
    configs, out = written
    (configs / "cyclic.yml").unlink()
    dump(configs / "basic" / "step.yaml", UNKNOWN)  # now failing: its old images stay
    res = runner.invoke(app, ["gallery", str(configs), "-o", str(out), "-j", "1"])
    assert res.exit_code == 1
    assert not (out / "cyclic.svg").exists() and not (out / "cyclic.png").exists()
    assert (out / "basic-step.svg").exists()


def test_first_write_into_a_folder_of_your_own_deletes_nothing(good_dir, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "holiday.png").write_bytes(b"\x89PNG my photo")
    write_gallery(build_gallery(good_dir, jobs=1), out)
    assert (out / "holiday.png").read_bytes() == b"\x89PNG my photo"


# --------------------------------------------------------------------------- names and safety


@pytest.mark.parametrize(
    "rel, stem",
    [
        ("torch/steplr.yaml", "torch-steplr"),
        ("steplr.yml", "steplr"),
        ("a b/c d.yaml", "a-b-c-d"),
        ("../../etc/passwd.yaml", "etc-passwd"),
        ("/abs/x.yaml", "abs-x"),
        (".hidden/x.yaml", "hidden-x"),
        ("ünï/cødé.yaml", "n--c-d"),
        ("a\\b.yaml", "a-b"),
        ("---.yaml", "config"),
    ],
)
def test_output_stem_is_a_safe_file_name(rel, stem):
    got = output_stem(rel)
    assert got == stem
    assert "/" not in got and "\\" not in got and not got.startswith(".") and got not in ("", "..")


@pytest.mark.parametrize("name", ["../x.svg", "/etc/x.svg", "a/b.svg", "..", ".", "", "a\\b.svg"])
def test_target_refuses_names_that_leave_the_folder(tmp_path, name):
    from lrviz.errors import LrvizError

    with pytest.raises(LrvizError, match="refusing"):
        _target(tmp_path, name)


def test_odd_config_paths_write_only_inside_outdir(tmp_path):
    configs = tmp_path / "in"
    dump(configs / "sub dir" / "my config (v2).yaml", GOOD_STEP)
    dump(configs / "-leading.yaml", GOOD_STEP)
    out = tmp_path / "nested" / "out"
    result = build_gallery(configs, jobs=1)
    assert not result.failed, [e.error for e in result.failed]
    write_gallery(result, out)
    assert sorted(p.name for p in out.iterdir()) == [
        "README.md",
        "index.html",
        "leading.html",
        "leading.png",
        "leading.svg",
        "sub-dir-my-config-v2.html",
        "sub-dir-my-config-v2.png",
        "sub-dir-my-config-v2.svg",
    ]
    # Nothing appeared anywhere else under tmp_path.
    others = [p for p in tmp_path.rglob("*") if p.is_file() and out not in p.parents and configs not in p.parents]
    assert others == []


def test_a_symlink_in_outdir_is_replaced_not_followed(good_dir, tmp_path):
    outside = tmp_path / "outside.svg"
    outside.write_text("precious")
    out = tmp_path / "g"
    out.mkdir()
    (out / "cyclic.svg").symlink_to(outside)
    write_gallery(build_gallery(good_dir, jobs=1), out)
    assert outside.read_text() == "precious"
    assert not (out / "cyclic.svg").is_symlink() and (out / "cyclic.svg").read_bytes().startswith(b"<?xml")


def test_colliding_output_names_fail_both_configs_by_name(tmp_path):
    entries = plan_entries(["a/b.yaml", "a-b.yaml", "Case.yaml", "case.yml", "ok.yaml"], "cfg")
    by_rel = {e.rel: e.error for e in entries}
    assert "also that of a-b.yaml" in by_rel["a/b.yaml"] and "also that of a/b.yaml" in by_rel["a-b.yaml"]
    assert "also that of case.yml" in by_rel["Case.yaml"] and "also that of Case.yaml" in by_rel["case.yml"]
    assert by_rel["ok.yaml"] is None


def test_find_configs_is_recursive_sorted_and_skips_hidden(mixed_dir):
    (mixed_dir / ".git").mkdir()
    dump(mixed_dir / ".git" / "x.yaml", GOOD_STEP)
    assert find_configs(mixed_dir) == [
        "bad/param.yaml",
        "bad/past_end.yaml",
        "bad/syntax.yaml",
        "bad/unknown.yaml",
        "basic/step.yaml",
        "cyclic.yml",
    ]


def test_concurrent_writes_leave_a_complete_gallery(good_dir, tmp_path):
    out = tmp_path / "g"
    result = build_gallery(good_dir, jobs=1)
    errors: list[BaseException] = []

    def writer():
        try:
            for _ in range(5):
                write_gallery(result, out)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert check_gallery(result, out) == []
    assert not [p for p in out.iterdir() if p.name.startswith(".lrviz-tmp")]


def test_a_config_sweep_block_is_applied_and_failures_name_the_path_once(tmp_path):
    from lrviz.gallery import build_gallery

    src = tmp_path / "cfgs"
    dump(
        src / "swept.yaml",
        {"steps": 6, "scheduler": "StepLR", "params": {"step_size": 2}, "sweep": {"params.gamma": [0.1, 0.5]}},
    )
    dump(src / "sub" / "bad.yaml", {"steps": 6, "scheduler": "Nope"})
    result = runner.invoke(app, ["gallery", str(src), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    line = next(x for x in result.stderr.splitlines() if x.startswith("failed:"))
    assert line.count("bad.yaml") == 1, line
    # the swept config renders the same bytes as the two schedules written out by hand, with the
    # subtitle that says what was swept
    by_hand = {
        "steps": 6,
        "plot": {"subtitle": "sweep: params.gamma = 0.1, 0.5"},
        "schedules": [
            {"label": "StepLR params.gamma=0.1", "scheduler": "StepLR", "params": {"step_size": 2, "gamma": 0.1}},
            {"label": "StepLR params.gamma=0.5", "scheduler": "StepLR", "params": {"step_size": 2, "gamma": 0.5}},
        ],
    }
    hand_dir = tmp_path / "hand"
    dump(hand_dir / "swept.yaml", by_hand)
    swept = next(e for e in build_gallery(src, jobs=1).entries if e.rel.endswith("swept.yaml"))
    hand = build_gallery(hand_dir, jobs=1).entries[0]
    assert swept.images["png"] == hand.images["png"]
