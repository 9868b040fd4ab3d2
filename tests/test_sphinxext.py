"""lrviz.sphinxext: real Sphinx builds of a tiny docs project that uses ``.. lrviz::``.

The builds are Sphinx's own (the application in this process, where the test can count
simulations, and ``python -m sphinx`` in a subprocess for ``-W`` and ``-j auto``). What
is checked is what a project would see: the HTML shows the figure (an image Sphinx
copied into its output folder, the same bytes lrviz's library renders), an unchanged
config is not simulated again, a broken one fails ``-W`` naming the file and the key,
a path outside the source folder is refused unless conf.py allows its folder, and
nothing is written outside the build folder.
"""

from __future__ import annotations

import importlib
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.optional import import_or_skip

sphinx_application = import_or_skip("sphinx.application", "docs")

STEPLR = (REPO / "configs" / "torch" / "steplr.yaml").read_text()
EXPONENTIAL = (REPO / "configs" / "torch" / "exponentiallr.yaml").read_text()
INDEX = """\
Schedules
=========

.. lrviz:: schedules/steplr.yaml
   :caption: StepLR, *halving* every 4 steps.
   :show-config:
   :name: fig-step
"""


def project(root: Path, index: str = INDEX, conf: str = "", files: dict[str, str] | None = None) -> Path:
    """A docs source folder ``root/docs`` with conf.py, index.rst and ``files`` (relative to root)."""
    docs = root / "docs"
    (docs / "schedules").mkdir(parents=True, exist_ok=True)
    (docs / "conf.py").write_text(f'extensions = ["lrviz.sphinxext"]\nproject = "t"\n{conf}\n')
    (docs / "index.rst").write_text(index)
    (docs / "schedules" / "steplr.yaml").write_text(STEPLR)
    for rel, text in (files or {}).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return docs


class Build:
    """Sphinx's application in this process; warnings collected."""

    def __init__(self, root: Path):
        self.src, self.out, self.doctrees = root / "docs", root / "build" / "html", root / "build" / "doctrees"

    def __call__(self, *, fresh: bool = False, warnings_are_errors: bool = False) -> str:
        from sphinx.util.console import nocolor
        from sphinx.util.docutils import docutils_namespace, patch_docutils

        nocolor()
        warnings = io.StringIO()
        with patch_docutils(self.src), docutils_namespace():  # as sphinx-build does: a clean docutils per build
            app = sphinx_application.Sphinx(
                str(self.src), str(self.src), str(self.out), str(self.doctrees), "html",
                status=io.StringIO(), warning=warnings, freshenv=fresh, warningiserror=warnings_are_errors,
            )  # fmt: skip
            app.build()
        return warnings.getvalue()

    def html(self, page: str = "index") -> str:
        return (self.out / f"{page}.html").read_text(encoding="utf-8")


@pytest.fixture
def simulations(monkeypatch):
    """Counts every simulation (the extension imports lrviz.simulate.simulate when it draws)."""
    calls: list[str] = []
    module = importlib.import_module("lrviz.simulate")  # the module: the name lrviz.simulate is the API's function
    real = module.simulate

    def counting(config, *args, **kwargs):
        calls.append(config.name)
        return real(config, *args, **kwargs)

    monkeypatch.setattr(module, "simulate", counting)
    return calls


#: The module lrviz.simulate (the package name lrviz.simulate is the API function), patched by `simulations`.
SIMULATE = importlib.import_module("lrviz.simulate")


def images(html: str) -> list[str]:
    return re.findall(r'<img [^>]*src="([^"]+)"', html)


def test_the_html_shows_the_figure_with_caption_and_config(tmp_path, simulations):
    project(tmp_path)
    build = Build(tmp_path)
    assert build() == ""
    html = build.html()
    (src,) = images(html)
    assert src.startswith("_images/") and src.endswith(".svg")
    shown = (build.out / src).read_bytes()
    # The figure is what lrviz's library draws for this config.
    from lrviz.render.plot import render_bytes
    from lrviz.validate import PlotOptions, load_config

    config = load_config(build.src / "schedules" / "steplr.yaml")
    assert shown == render_bytes(SIMULATE.simulate(config, jobs=1), "svg", PlotOptions.resolve(config.plot))
    figure = html[html.index('<figure class="lrviz') :]
    assert 'alt="StepLR(step_size=4, gamma=0.5)"' in figure and 'id="fig-step"' in figure
    assert "StepLR, <em>halving</em> every 4 steps." in figure
    config_block = re.sub(r"<[^>]+>", "", html[html.index("lrviz-config") :])
    assert "step_size: 4" in config_block.replace("&#39;", "'")
    assert simulations == ["steplr", "steplr"]  # the build, then this test's own


def test_an_unchanged_config_is_not_simulated_again(tmp_path, simulations):
    project(tmp_path)
    build = Build(tmp_path)
    build()
    assert simulations == ["steplr"]
    first = images(build.html())
    build()  # nothing changed: Sphinx reads nothing
    build(fresh=True)  # every document read again: the figure comes from lrviz's cache
    assert simulations == ["steplr"]
    assert images(build.html()) == first
    # Another document's edit, the same config: cached. The config's bytes changed: drawn again.
    (build.src / "index.rst").write_text(INDEX + "\nMore text.\n")
    build()
    assert simulations == ["steplr"]
    (build.src / "schedules" / "steplr.yaml").write_text(STEPLR.replace("gamma: 0.5", "gamma: 0.25"))
    build()
    assert simulations == ["steplr", "steplr"]
    assert images(build.html()) != first


def test_a_changed_metric_csv_is_drawn_again(tmp_path, simulations):
    """The cache knows the files a config read besides itself (a metric CSV)."""
    plateau = "steps: 12\nscheduler: ReduceLROnPlateau\nparams: {patience: 1}\nmetric: {csv: loss.csv, column: loss}\n"
    project(tmp_path, index=".. lrviz:: schedules/plateau.yaml\n", files={"docs/schedules/plateau.yaml": plateau})
    csv = tmp_path / "docs" / "schedules" / "loss.csv"
    csv.write_text("loss\n" + "\n".join(["1.0"] * 12) + "\n")
    build = Build(tmp_path)
    build()
    build(fresh=True)
    assert simulations == ["plateau"]
    csv.write_text("loss\n" + "\n".join(str(1.0 / (i + 1)) for i in range(12)) + "\n")
    build()  # Sphinx re-reads the document (the CSV is a dependency) and lrviz draws again
    assert simulations == ["plateau", "plateau"]


def test_directive_options_reach_the_figure(tmp_path, simulations):
    options = ":layout: grid\n   :yscale: log\n   :x: epoch\n   :format: png"
    index = INDEX + f"\n.. lrviz:: schedules/steplr.yaml\n   {options}\n"
    project(tmp_path, index=index)
    build = Build(tmp_path)
    assert build() == ""
    svg, png = images(build.html())
    assert svg.endswith(".svg") and png.endswith(".png")
    from lrviz.render.plot import render_bytes
    from lrviz.validate import PlotOptions, load_config

    config = load_config(build.src / "schedules" / "steplr.yaml")
    options = PlotOptions.resolve(config.plot, layout="grid", yscale="log", x="epoch")
    assert (build.out / png).read_bytes() == render_bytes(SIMULATE.simulate(config, jobs=1), "png", options)


@pytest.mark.parametrize(
    ("directive", "words"),
    [
        (
            ".. lrviz:: schedules/steplr.yaml\n   :layout: stacked\n",
            ["schedules/steplr.yaml", "layout", "overlay, grid"],
        ),
        (".. lrviz:: schedules/missing.yaml\n", ["schedules/missing.yaml", "no such config file"]),
        (".. lrviz:: schedules/steplr.yaml\n   :format: pdf\n", ['"pdf" unknown', "svg", "png"]),
    ],
    ids=["bad-layout", "missing-file", "bad-format"],
)
def test_bad_directive_input_is_a_warning_naming_it(tmp_path, directive, words):
    project(tmp_path, index=directive)
    warnings = Build(tmp_path)()
    assert "index.rst:1" in warnings and words
    for word in words:
        assert word in warnings, warnings


def run_sphinx(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    # --no-color: CI sets FORCE_COLOR, and the colour codes would split the lines the tests read.
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "--no-color", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def test_a_broken_config_fails_the_build_under_W_naming_file_and_key(tmp_path):
    broken = STEPLR.replace("gamma: 0.5", "gamma: fast")
    assert broken != STEPLR
    project(tmp_path, index=".. lrviz:: schedules/broken.yaml\n", files={"docs/schedules/broken.yaml": broken})
    done = run_sphinx("-b", "html", "docs", "build/html", cwd=tmp_path)  # without -W: a warning, the build goes on
    assert done.returncode == 0, done.stderr
    assert "WARNING: lrviz:" in done.stderr and "schedules/broken.yaml" in done.stderr
    failed = run_sphinx("-W", "-E", "-b", "html", "docs", "build/html", cwd=tmp_path)
    assert failed.returncode != 0
    (line,) = [line for line in failed.stderr.splitlines() if "lrviz:" in line]
    assert "index.rst:1: WARNING: lrviz: schedules/broken.yaml: params.gamma: " in line, line  # file, then key
    assert "Traceback" not in failed.stderr


def test_parallel_build_with_j_auto(tmp_path):
    """Eight documents (Sphinx reads in parallel from six), two configs, shared and not."""
    files = {"docs/schedules/exp.yaml": EXPONENTIAL}
    toctree = ["Docs", "====", "", ".. toctree::", ""]
    for i in range(8):
        config = "steplr" if i % 2 else "exp"
        files[f"docs/page{i}.rst"] = f"Page {i}\n=======\n\n.. lrviz:: schedules/{config}.yaml\n   :caption: page {i}\n"
        toctree.append(f"   page{i}")
    docs = project(tmp_path, index="\n".join(toctree) + "\n", files=files)
    jobs = "auto" if (os.cpu_count() or 1) > 1 else "2"  # auto is one process on a one-core machine
    done = run_sphinx("-j", jobs, "-W", "-b", "html", "docs", "build/html", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    # Sphinx's parallel reader ran (it reports documents by chunk, "page0 .. page3"); it would have warned,
    # failing -W, had the extension not declared itself parallel safe.
    assert re.search(r"reading sources\.\.\. \[ *\d+%\] \S+ \.\. \S+", done.stdout), done.stdout
    srcs = []
    for i in range(8):
        (src,) = images((tmp_path / "build" / "html" / f"page{i}.html").read_text())
        assert (tmp_path / "build" / "html" / src).stat().st_size > 1000
        srcs.append(src)
    assert len(set(srcs)) == 2  # one figure per config, shared by the pages that show it
    assert docs.is_dir()


def test_a_path_outside_the_source_folder_is_refused_unless_allowed(tmp_path, simulations):
    index = ".. lrviz:: ../configs/steplr.yaml\n"
    project(tmp_path, index=index, files={"configs/steplr.yaml": STEPLR})
    build = Build(tmp_path)
    warnings = build()
    assert "outside the docs source folder" in warnings and "lrviz_allowed_dirs" in warnings
    assert images(build.html()) == [] and simulations == []
    # A symlink inside the source folder pointing out of it is the same path: refused.
    (build.src / "schedules" / "link.yaml").symlink_to(tmp_path / "configs" / "steplr.yaml")
    (build.src / "index.rst").write_text(".. lrviz:: schedules/link.yaml\n")
    assert "outside the docs source folder" in build()
    # conf.py allows the folder (relative to conf.py's folder): drawn.
    project(tmp_path, index=index, conf='lrviz_allowed_dirs = ["../configs"]')
    assert build(fresh=True) == ""
    assert len(images(build.html())) == 1 and simulations == ["steplr"]


def test_a_config_that_imports_code_needs_lrviz_trust(tmp_path):
    custom = REPO / "configs" / "custom"
    files = {
        "docs/schedules/custom.yaml": (custom / "warmup_cosine_restarts.yaml").read_text(),
        "docs/schedules/warmup_cosine_restarts.py": (custom / "warmup_cosine_restarts.py").read_text(),
    }
    project(tmp_path, index=".. lrviz:: schedules/custom.yaml\n", files=files)
    build = Build(tmp_path)
    assert "--trust" in build()
    project(tmp_path, index=".. lrviz:: schedules/custom.yaml\n", conf="lrviz_trust = True", files=files)
    assert build(fresh=True) == ""
    assert len(images(build.html())) == 1


def _snapshot(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}


def test_nothing_is_written_outside_the_build_folder(tmp_path):
    files = {"configs/exp.yaml": EXPONENTIAL, "docs/schedules/exp.yaml": EXPONENTIAL}
    index = INDEX + "\n.. lrviz:: ../configs/exp.yaml\n\n.. lrviz:: schedules/exp.yaml\n   :format: png\n"
    project(tmp_path, index=index, conf='lrviz_allowed_dirs = ["../configs"]', files=files)
    before = _snapshot(tmp_path)
    assert Build(tmp_path)() == ""
    after = _snapshot(tmp_path)
    changed = sorted(name for name in after if before.get(name) != after[name])
    assert changed and all(name.startswith("build/") for name in changed), changed
    assert any(name.startswith("build/html/_images/") for name in changed)
    assert not [p for p in tmp_path.rglob("*") if "lrviz-tmp" in p.name]


def test_lrviz_cache_dir_keeps_figures_across_cold_builds(tmp_path, simulations):
    """Issue 28: a cold build (no output, no doctrees: CI's) takes the figures kept in ``lrviz_cache_dir``
    instead of drawing them; the image is the same bytes; a changed config is drawn again; nothing but
    the build folder and that folder is written."""
    import shutil

    project(tmp_path, conf='lrviz_cache_dir = "../figures"')
    before = _snapshot(tmp_path)
    build = Build(tmp_path)
    assert build() == ""
    (src,) = images(build.html())
    first = (build.out / src).read_bytes()
    assert simulations == ["steplr"]
    changed = sorted(name for name, t in _snapshot(tmp_path).items() if before.get(name) != t)
    assert {name.split("/")[0] for name in changed} == {"build", "figures"}
    kept = sorted(p.suffix for p in (tmp_path / "figures").iterdir())
    assert kept == [".json", ".svg"]
    shutil.rmtree(tmp_path / "build")  # cold
    assert build() == ""
    assert simulations == ["steplr"]  # not drawn: copied from the store
    (src,) = images(build.html())
    assert (build.out / src).read_bytes() == first
    (build.src / "schedules" / "steplr.yaml").write_text(STEPLR.replace("gamma: 0.5", "gamma: 0.25"))
    shutil.rmtree(tmp_path / "build")
    build()
    assert simulations == ["steplr", "steplr"]
    (src,) = images(build.html())
    assert (build.out / src).read_bytes() != first


@pytest.mark.parametrize("damage", ["torn manifest", "foreign manifest", "image gone"])
def test_a_damaged_store_entry_is_drawn_again(tmp_path, simulations, damage):
    import shutil

    project(tmp_path, conf='lrviz_cache_dir = "../figures"')
    build = Build(tmp_path)
    build()
    (manifest,) = (tmp_path / "figures").glob("*.json")
    if damage == "torn manifest":
        manifest.write_text('{"title": "x", "inp')
    elif damage == "foreign manifest":
        manifest.write_text('{"title": "x", "inputs": ["not", "a", "mapping"]}')
    else:
        manifest.with_suffix(".svg").unlink()
    shutil.rmtree(tmp_path / "build")
    assert build() == ""
    assert simulations == ["steplr", "steplr"]
    assert len(images(build.html())) == 1


def test_the_cache_key_holds_lrviz_files_and_every_framework_version(tmp_path):
    """A figure kept across builds is drawn again when lrviz's own files change under the same version
    (an editable checkout), or when a framework it reads changes version."""
    import importlib.metadata
    import shutil

    from lrviz import sphinxcache

    package = tmp_path / "pkg"
    shutil.copytree(REPO / "lrviz" / "render", package, ignore=shutil.ignore_patterns("__pycache__"))
    one = sphinxcache.fingerprint(package)
    (package / "__pycache__").mkdir(exist_ok=True)
    (package / "__pycache__" / "x.pyc").write_bytes(b"compiled")
    assert sphinxcache.fingerprint(package) == one  # compiled caches are not lrviz's files
    text = (package / "frame.py").read_text()
    (package / "frame.py").write_text(text.replace("PAD_PT = 5.0", "PAD_PT = 5.5"))
    assert sphinxcache.fingerprint(package) != one
    versions = sphinxcache._versions()
    assert f"lrviz-files={sphinxcache.fingerprint(REPO / 'lrviz')}" in versions
    for dist in ("torch", "matplotlib", "transformers", "mmengine", "deepspeed"):
        try:
            assert f"{dist}={importlib.metadata.version(dist)};" in versions + ";"
        except importlib.metadata.PackageNotFoundError:
            assert f"{dist}=-" in versions


@pytest.mark.parametrize(
    ("value", "words"), [("3", "lrviz_cache_dir must be a folder path"), ('"conf.py"', "is a file")]
)
def test_a_bad_lrviz_cache_dir_stops_the_build(tmp_path, value, words):
    project(tmp_path, conf=f"lrviz_cache_dir = {value}")
    with pytest.raises(Exception, match=words):
        Build(tmp_path)()


def test_a_store_that_cannot_be_written_is_a_warning_and_the_figure_is_drawn(tmp_path):
    (tmp_path / "blocker").write_text("a file where the store's parent folder would be")
    project(tmp_path, conf='lrviz_cache_dir = "../blocker/figures"')
    build = Build(tmp_path)
    warnings = build()
    assert "lrviz_cache_dir" in warnings and "cannot keep" in warnings
    assert len(images(build.html())) == 1


def test_the_extension_declares_parallel_safety():
    from lrviz import sphinxext

    class App:
        def __init__(self):
            self.calls = []

        def __getattr__(self, name):
            return lambda *a, **k: self.calls.append((name, a))

    app = App()
    meta = sphinxext.setup(app)
    assert meta["parallel_read_safe"] and meta["parallel_write_safe"]
    assert ("add_directive", ("lrviz", sphinxext.LrvizDirective)) in app.calls
    assert {a[0] for name, a in app.calls if name == "add_config_value"} == {
        "lrviz_allowed_dirs",
        "lrviz_trust",
        "lrviz_format",
        "lrviz_cache_dir",
    }


def test_a_framework_file_is_drawn_as_lrviz_plot_draws_it_and_its_sidecar_is_an_input(tmp_path, simulations):
    """Issue 31: the docs draw configs/frameworks/ too. A TrainingArguments JSON with its ``.lrviz`` sidecar
    (the dataset size): the figure is `lrviz plot`'s (the arithmetic under the title), and a changed
    sidecar draws it again."""
    source = REPO / "configs" / "frameworks" / "hf-roberta-mnli.json"
    files = {
        "docs/schedules/roberta.json": source.read_text(),
        "docs/schedules/roberta.json.lrviz": (source.parent / (source.name + ".lrviz")).read_text(),
    }
    project(tmp_path, index=".. lrviz:: schedules/roberta.json\n", files=files)
    build = Build(tmp_path)
    assert build() == ""
    (src,) = images(build.html())
    shown = (build.out / src).read_bytes()
    from lrviz.render.plot import render_bytes
    from lrviz.sources import load_source
    from lrviz.validate import PlotOptions

    loaded = load_source(build.src / "schedules" / "roberta.json")
    options = PlotOptions.resolve(loaded.config.plot, subtitle=loaded.summary)
    assert shown == render_bytes(SIMULATE.simulate(loaded.config, jobs=1), "svg", options)
    assert "392,702" in (loaded.summary or "")  # the sidecar's dataset size reached the plan
    build(fresh=True)
    assert len(simulations) == 2  # the build, this test's own; the fresh read came from the cache
    sidecar = build.src / "schedules" / "roberta.json.lrviz"
    sidecar.write_text(sidecar.read_text().replace("392702", "100000"))
    build(fresh=True)
    assert len(simulations) == 3
    (again,) = images(build.html())
    assert (build.out / again).read_bytes() != shown  # 100,000 examples: another plan, another figure
