"""Config text stays data in what lrviz writes for people to run or read back (issue 33).

``lrviz code`` prints a program people run, ``lrviz convert`` a config they load, the
gallery Markdown GitHub renders, Sphinx HTML. Text from a config or a framework file
(labels, titles, descriptions, group names, free-text framework fields such as HF
``optim`` and torchvision ``opt``, the file's own name) must never change what those
outputs mean: a line break that ends a comment, a ``sweep:`` line slipped into YAML, a
heading or raw HTML in Markdown.

The truth here is independent of lrviz's writers: Python's own parser (the program's
AST has the shape of the program made from plain text, every string a literal) and a
subprocess that runs the programs in an empty folder (nothing appears there); PyYAML's
reader of the converted file (exactly the keys expected, written out below) and
``lrviz export`` of the original file (the converted config gives the same CSV, byte
for byte); markdown-it (CommonMark) for the gallery page; Sphinx's HTML for the
directive. The property tests draw any text, line and paragraph separators and control
characters included, at a modest, fixed number of examples and no deadline.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from lrviz.cli import app
from lrviz.parse.yamlio import dump_yaml, parse_yaml
from lrviz.textsafe import LINE_BREAKS, one_line
from tests.conftest import REPO

runner = CliRunner()

#: Every character a line can end at, for Python, YAML, Markdown or str.splitlines.
BREAKS = ["\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
#: Text that tries to leave a comment, a YAML scalar or a Markdown line.
PAYLOADS = [
    'a\nopen("PWNED", "w")\n#',
    "lamb\nsweep: {params.num_warmup_steps: [150]}\n#",
    "sgd\nplot: {width: 3}\ndevice: cuda\n#",
    "x\u2028open('PWNED', 'w')\u2029#",
    "x\x85import os; os.system('touch PWNED')",
    "\n# lrviz: --dataset-size 7\n",
    "'; open('PWNED','w'); '",
    '"""\nopen("PWNED", "w")\n"""',
    "# heading\n===\n<script>alert(1)</script>",
    "`code` [link](javascript:alert(1)) &lt; <b>",
    "- list\n1. item\n    indented",
    "\u202eevil\u202c",
    "$x$ \\$",
]
#: Any text: Unicode of every category but lone surrogates (UTF-8 cannot hold them in a file),
#: Zl, Zp and Cc drawn on purpose, and the payloads above.
TEXT = st.one_of(
    st.text(st.characters(codec="utf-8"), max_size=24),
    st.text(st.characters(categories=["Zl", "Zp", "Cc", "Zs", "Po", "Ll"]), max_size=16),
    st.builds(lambda a, b, c: a + b + c, st.text(max_size=6), st.sampled_from(BREAKS), st.text(max_size=12)),
    st.sampled_from(PAYLOADS),
)
SETTINGS = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(autouse=True)
def _no_ambient_trust(monkeypatch):
    monkeypatch.delenv("LRVIZ_TRUST", raising=False)


def cli(*args):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def file_name(text: str, suffix: str) -> str:
    """``text`` as a file name this file system takes (no slash, no NUL, at most 200 bytes)."""
    name = text.replace("/", "_").replace("\x00", "_")
    while len(name.encode("utf-8", "surrogatepass")) > 200:
        name = name[:-1]
    return (name if name not in ("", ".", "..") else "x") + suffix


def shape(program: str) -> str:
    """The program's AST with every string constant blanked: what runs, not what it says."""
    tree = ast.parse(program)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            node.value = ""
    return ast.dump(tree)


def run_programs(programs: list[str], tmp: Path) -> None:
    """Run every program in one child process, in an empty folder: each runs, and nothing is created."""
    cwd = tmp / "run"
    cwd.mkdir()
    (tmp / "programs.json").write_text(json.dumps(programs))
    driver = textwrap.dedent(
        """
        import json, sys
        for text in json.load(open(sys.argv[1], encoding="utf-8")):
            namespace = {"__name__": "__lrviz_code__"}
            exec(compile(text, "<lrviz code>", "exec"), namespace)
            assert len(namespace["lrs"]) > 0
        print(len(json.load(open(sys.argv[1], encoding="utf-8"))))
        """
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", driver, str(tmp / "programs.json")], cwd=cwd, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == str(len(programs))
    assert list(cwd.iterdir()) == []


def refused_cleanly(result, written: Path | None = None) -> None:
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    assert result.stderr.startswith("error: ")
    assert written is None or not written.exists()


# --------------------------------------------------------------------------- lrviz code


def lrviz_config(title="t", description="d", label="a", group="g") -> dict:
    return {
        "title": title,
        "description": description,
        "steps": 6,
        "optimizer": {"name": "SGD", "lr": 0.1, "param_groups": [{"name": group}, {"lr": 0.05}]},
        "schedules": [{"label": label, "scheduler": "StepLR", "params": {"step_size": 2, "gamma": 0.5}}],
    }


def write_yaml(path: Path, data: dict) -> Path:
    """``data`` as YAML, written by PyYAML itself (every non-ASCII character escaped)."""
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=False), encoding="utf-8")
    return path


def test_regression_a_label_with_a_newline_is_refused_naming_the_key(tmp_path):
    """The issue's exploit: the label's newline ended the header comment and opened a live line."""
    path = write_yaml(tmp_path / "c.yaml", lrviz_config(label='a\nopen("PWNED", "w")\n#'))
    out = cli("code", path)
    refused_cleanly(out)
    assert "schedules[0].label" in out.stderr and "line break" in out.stderr
    for sep in ("\u2028", "\u2029", "\r", "\x85", "\x0b", "\x0c", "\x1c"):
        refused_cleanly(cli("code", write_yaml(tmp_path / "c.yaml", lrviz_config(label=f"a{sep}b"))))
    group = cli("code", write_yaml(tmp_path / "c.yaml", lrviz_config(group="a\nb")))
    refused_cleanly(group)
    assert "optimizer.param_groups[0].name" in group.stderr
    assert not (tmp_path / "PWNED").exists()
    # a label written as a block scalar (its final newline) is still one line: stripped, as before
    assert cli("code", write_yaml(tmp_path / "c.yaml", lrviz_config(label="warmup\n"))).exit_code == 0


def test_regression_a_file_name_with_a_newline_stays_in_the_comment(tmp_path):
    name = 'x\nopen("PWNED", "w")\n#\u2028y.yaml'
    path = write_yaml(tmp_path / name, lrviz_config())
    out = cli("code", path)
    assert out.exit_code == 0, out.output
    head = out.stdout.splitlines()[0]
    assert head.startswith("# lrviz code ") and "\\n" in head and "\\u2028" in head
    plain = cli("code", write_yaml(tmp_path / "plain.yaml", lrviz_config())).stdout
    assert shape(out.stdout) == shape(plain)
    run_programs([out.stdout], tmp_path)


def test_expressions_are_written_without_their_comments_or_line_breaks(tmp_path):
    """An expression may hold a comment and a line break inside brackets (Python's parser takes them);
    the lambda lrviz writes is the expression alone, on one line."""
    config = lrviz_config()
    config["schedules"][0] = {"label": "l", "scheduler": "LambdaLR", "params": {"lr_lambda": "(0.5 ** epoch # x\n)"}}
    out = cli("code", write_yaml(tmp_path / "c.yaml", config))
    assert out.exit_code == 0, out.output
    assert "lr_lambda=lambda epoch: 0.5 ** epoch)" in out.stdout and "#" not in out.stdout.split("lambda")[1]


CODE_FIELDS = ["title", "description", "label", "group", "file"]


@settings(SETTINGS, max_examples=12)
@given(value=TEXT)
def _code_of_any_text(tmp, programs, baseline, value):
    for field in CODE_FIELDS:  # the text in each field in turn
        folder = Path(tempfile_dir(tmp))
        data = lrviz_config(**({field: value} if field != "file" else {}))
        path = write_yaml(folder / (file_name(value, ".yaml") if field == "file" else "c.yaml"), data)
        out = cli("code", path)
        if out.exit_code == 2:  # refused at load, naming the key: fine, and nothing printed
            refused_cleanly(out)
            assert out.stdout == ""
            assert field != "file", out.stderr  # a file name is never refused
            assert {"title": "title", "description": "description", "label": "label", "group": "name"}[field] in (
                out.stderr
            )
            continue
        assert out.exit_code == 0, out.output
        assert shape(out.stdout) == baseline, (field, value)
        programs.append(out.stdout)


def tempfile_dir(root: Path) -> str:
    import tempfile

    return tempfile.mkdtemp(dir=root)


def test_code_of_any_text_in_any_field_is_the_same_program(tmp_path):
    """Any text in a title, description, label, group name or the file's name: the program compiles to
    the shape of the plain one (the text only in string literals and one-line comments) and runs
    without creating a file; or the text is refused at load with its key."""
    baseline = shape(cli("code", write_yaml(tmp_path / "plain.yaml", lrviz_config())).stdout)
    programs: list[str] = []
    _code_of_any_text(tmp_path, programs, baseline)
    assert len(programs) >= 20  # much of the drawn text is taken (12 texts x 5 fields)
    run_programs(programs, tmp_path)


# --------------------------------------------------------------------------- lrviz convert

HF = {
    "learning_rate": 1e-3,
    "lr_scheduler_type": "cosine",
    "warmup_steps": 0.25,
    "num_train_epochs": 2,
    "per_device_train_batch_size": 4,
    "gradient_accumulation_steps": 2,
    "optim": "adamw_torch",
    "output_dir": "runs/x",
    "run_name": "r",
}
RECIPE = {"model": "resnet18", "opt": "sgd", "lr": 0.4, "epochs": 6, "batch_size": 8, "lr_scheduler": "steplr"}
#: The keys of the config convert writes for each kind (README's config reference), whatever the file's text.
HF_KEYS = ["title", "description", "steps", "steps_per_epoch", "optimizer", "schedules"]
TORCHVISION_KEYS = ["title", "description", "epochs", "steps_per_epoch", "optimizer", "schedules"]
#: Free-text fields of each kind, and the file's name.
HF_FIELDS = ["optim", "output_dir", "run_name", "lr_scheduler_type", "file"]
TORCHVISION_FIELDS = ["opt", "model", "lr_scheduler", "file"]


def write_framework(folder: Path, kind: str, field: str, value: str) -> Path:
    base = dict(HF if kind == "hf" else RECIPE)
    suffix = ".json" if kind == "hf" else ".yaml"
    if field != "file":
        base[field] = value
    name = file_name(value, suffix) if field == "file" else f"args{suffix}"
    path = folder / name
    if kind == "hf":
        path.write_text(json.dumps(base), encoding="utf-8")
    else:
        write_yaml(path, base)
    return path


def check_convert(folder: Path, path: Path, keys: list[str]) -> str | None:
    """convert's output: exactly ``keys``, comment lines above, and ``export`` of it is the original's."""
    facts = ["--dataset-size", 40]
    direct = cli("export", path, *facts)
    out = folder / "converted.yaml"
    conv = cli("convert", path, *facts, "-o", out)
    if direct.exit_code == 2:  # the text is refused (an unknown scheduler name): by convert too
        refused_cleanly(conv, out)
        return None
    assert direct.exit_code == 0, direct.output
    assert conv.exit_code == 0, conv.output
    text = out.read_text(encoding="utf-8")
    head, _, body = text.partition("\ntitle:")
    assert all(line.startswith("#") for line in head.split("\n")), head
    assert list(parse_yaml(text)) == keys
    assert list(yaml.safe_load(text)) == keys  # PyYAML's own reader agrees
    again = cli("export", out)
    assert again.exit_code == 0, again.output
    assert again.stdout == direct.stdout
    return text


def test_regression_hf_optim_cannot_add_a_sweep_to_the_converted_config(tmp_path):
    path = write_framework(tmp_path, "hf", "optim", "lamb\nsweep: {params.num_warmup_steps: [150]}\n#")
    text = check_convert(tmp_path, path, HF_KEYS)
    assert text is not None and "sweep" not in parse_yaml(text)
    assert "(lamb\\nsweep: {params.num_warmup_steps: [150]}\\n# is not a torch optimizer" in text


def test_regression_torchvision_opt_cannot_add_plot_or_device(tmp_path):
    path = write_framework(tmp_path, "torchvision", "opt", "sgd\nplot: {width: 3}\ndevice: cuda\n#")
    text = check_convert(tmp_path, path, TORCHVISION_KEYS)
    assert text is not None and "(sgd\\nplot: {width: 3}\\ndevice: cuda\\n#" in text


def test_regression_timm_opt_stays_in_its_comment(tmp_path, timm_scheduler):
    from tests.test_sources_timm import ARGS

    path = write_yaml(tmp_path / "args.yaml", {**ARGS, "opt": "lamb\nsweep: {params.t_initial: [3]}\n#"})
    text = check_convert(
        tmp_path,
        path,
        list(parse_yaml(cli("convert", write_yaml(tmp_path / "p.yaml", ARGS), "--dataset-size", 40).stdout)),
    )
    assert text is not None and "sweep" not in parse_yaml(text)
    assert "lamb\\nsweep: {params.t_initial: [3]}\\n#" in text


def test_regression_a_lone_surrogate_in_free_text_is_escaped_everywhere(tmp_path):
    """JSON may spell a lone surrogate (\\ud800), which UTF-8 cannot write: show crashed printing it."""
    path = tmp_path / "args.json"
    path.write_text(json.dumps({**HF, "optim": "\ud800x\n"}))
    for command in ("show", "convert", "export"):
        out = cli(command, path, "--dataset-size", 40)
        assert out.exit_code == 0, (command, out.output)
    assert "(\\ud800x\\n is not a torch optimizer" in cli("convert", path, "--dataset-size", 40).stdout


@SETTINGS
@given(kind=st.sampled_from(["hf", "torchvision"]), data=st.data(), value=TEXT)
def _convert_of_any_text(tmp, taken, kind, data, value):
    fields = HF_FIELDS if kind == "hf" else TORCHVISION_FIELDS
    field = data.draw(st.sampled_from(fields))
    folder = Path(tempfile_dir(tmp))
    path = write_framework(folder, kind, field, value)
    if check_convert(folder, path, HF_KEYS if kind == "hf" else TORCHVISION_KEYS) is not None:
        code = cli("code", path, "--dataset-size", 40)
        assert code.exit_code == 0, code.output
        taken.append((kind, field, code.stdout))


def test_convert_of_any_text_has_exactly_the_keys_and_exports_the_same(tmp_path):
    """Any text in a framework file's free-text fields or its name: the converted config holds exactly
    the expected keys, every line above them is a comment, and ``export`` of it equals ``export`` of
    the file (or the file is refused, and so is its conversion); ``lrviz code`` of the file is the
    program of the plain file, and runs without creating a file."""
    taken: list[tuple[str, str, str]] = []
    _convert_of_any_text(tmp_path, taken)
    assert {kind for kind, _, _ in taken} == {"hf", "torchvision"}
    for kind in ("hf", "torchvision"):
        plain = cli("code", write_framework(Path(tempfile_dir(tmp_path)), kind, "file", "plain"), "--dataset-size", 40)
        assert all(shape(program) == shape(plain.stdout) for k, _, program in taken if k == kind)
    # the same shape as the plain program, so a few of each kind run (transformers' import is slow)
    run_programs(
        [program for kind in ("hf", "torchvision") for program in [p for k, _, p in taken if k == kind][:4]], tmp_path
    )


def test_dump_yaml_reads_back_as_the_same_data():
    """PyYAML's own choice wrote \\x85 raw in single quotes (read back as a space) and left "1e100"
    unquoted (lrviz reads it as a number); the emitter convert uses does neither."""

    @settings(max_examples=300, deadline=None, derandomize=True)
    @given(TEXT)
    def roundtrip(s):
        data = {"title": s, "list": [s, {s: 1}]}
        assert parse_yaml(dump_yaml(data)) == data

    roundtrip()
    assert parse_yaml(dump_yaml({"a": "1e100", "b": "x\x85y"})) == {"a": "1e100", "b": "x\x85y"}


def test_one_line_escapes_every_line_break():
    for sep in BREAKS:
        assert len(one_line(f"a{sep}b").splitlines()) == 1
        assert set(one_line(f"a{sep}b")) <= set("ab\\nrxu0123456789bcdef")
    assert set(LINE_BREAKS) == {c for c in map(chr, range(0x3000)) if len(f"a{c}b".splitlines()) == 2}


# --------------------------------------------------------------------------- '# lrviz:' comments

TV_YAML = """\
model: resnet18
opt: sgd
lr: 0.1
epochs: 3
batch_size: 8
lr_scheduler: steplr
lr_step_size: 1
"""


def steps_of(path: Path) -> int:
    from lrviz.sources import load_source

    return load_source(path).config.steps


@pytest.mark.parametrize(
    "data",
    [
        "output_dir: |\n  a note\n  # lrviz: --dataset-size 999\n",
        "output_dir: >-\n    folded\n    # lrviz: --dataset-size 999\n",
        'output_dir: "quoted\n  # lrviz: --dataset-size 999"\n',
        "output_dir: 'single\n\n  # lrviz: --dataset-size 999'\n",
    ],
    ids=["literal-block", "folded-block", "double-quoted", "single-quoted"],
)
def test_a_lrviz_line_inside_a_yaml_string_is_data_not_a_comment(tmp_path, data):
    path = tmp_path / "recipe.yaml"
    path.write_text(TV_YAML + data + "# lrviz: --dataset-size 80\n")
    assert steps_of(path) == 3 * 10  # 80 examples / 8 per batch, 3 epochs: the real comment only
    path.write_text(TV_YAML + data)
    assert steps_of(path) == 3  # no facts: one step per epoch
    path.write_text(TV_YAML + data.replace("999", "--bogus"))
    assert steps_of(path) == 3  # data is not parsed as options, even broken ones


def test_real_comments_are_read_wherever_yaml_has_them(tmp_path):
    path = tmp_path / "recipe.yaml"
    path.write_text(
        TV_YAML
        + "output_dir: |\n  a note\n# lrviz: --dataset-size 80\ndata_path: {a: 1,\n  # lrviz: --world-size 2\n}\n"
    )
    assert steps_of(path) == 3 * 5  # 80 / 2 processes / 8 per batch


def test_json_has_no_comments_only_its_sidecar(tmp_path):
    from lrviz.sources.facts import read_facts

    text = json.dumps(HF, indent=1)
    assert read_facts("# lrviz: --dataset-size 5\n" + text, kinds=("hf",), syntax="json").dataset_size is None
    path = tmp_path / "args.json"
    path.write_text(text)
    (tmp_path / "args.json.lrviz").write_text("# lrviz: --dataset-size 40\n")
    from lrviz.sources import load_source

    assert load_source(path).plan.row("examples").value == 40


# --------------------------------------------------------------------------- gallery and Sphinx


def test_gallery_markdown_keeps_titles_descriptions_and_file_names_on_their_line():
    """markdown-it (CommonMark) reads the page: one h2 per entry holding its title, one paragraph per
    description, one code span per file name, no HTML or link from the config's text."""
    import re

    from markdown_it import MarkdownIt

    from lrviz.gallery.entries import Entry, Gallery
    from lrviz.gallery.pages import render_index, render_readme

    evil = [
        ("t\n# Injected\n===", "d\n\n- item\n<script>x</script>", "a`b\n## c.yaml"),
        ("<img src=x onerror=alert(1)>&amp;", "1. one\n    code", "``x``.yaml"),
        ("[link](javascript:alert(1))\u2028**b**", "&lt;\u2029-", "p\u2028q.yaml"),
    ]
    entries = [
        Entry(rel=f"e{i}.yaml", stem=f"e{i}", shown_path=f"configs/{p}", title=t, description=d, text="steps: 1\n")
        for i, (t, d, p) in enumerate(evil)
    ]
    md = render_readme(Gallery(entries))
    tokens = MarkdownIt("commonmark").parse(md)
    headings = [_plain(tokens[i + 1]) for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h2"]
    assert headings == ["Contents", *(_flat(t) for t, _, _ in evil)]
    html = MarkdownIt("commonmark").render(md)
    assert "<script" not in html and "<img src=x" not in html and 'href="javascript' not in html
    assert html.count("<h2>") == 1 + len(evil) and html.count("<h1>") == 1
    assert html.count("<li>") == len(evil) and "<ol" not in html  # the contents list only
    for _, description, _ in evil:  # each description one paragraph, as written (line breaks as spaces)
        assert f"<p>{_html(_flat(description))}</p>" in html
    for _, _, name in evil:  # each file name one code span, its line breaks escaped
        assert f"<code>{_html('configs/' + one_line(name))}</code>" in html
    assert len(re.findall("<code>configs/", html)) == 2 * len(evil)  # the code span and the summary
    index = render_index(Gallery(entries))
    assert "<script>" not in index and "<img src=x" not in index


def _flat(text: str) -> str:
    """Text as one line: each run of line breaks one space."""
    import re

    return re.sub(f"[{LINE_BREAKS}]+", " ", text).strip()


def _plain(inline) -> str:
    return "".join(c.content if c.type != "softbreak" else " " for c in inline.children)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def test_sphinx_html_carries_config_text_as_text(tmp_path):
    pytest.importorskip("sphinx", reason="the docs extra (Sphinx) is not installed")
    from tests.test_sphinxext import Build, project

    config = (
        'title: "</figure><script>alert(1)</script>\\n\\"quoted\\" & more"\n'
        "steps: 4\nschedules:\n  - {scheduler: StepLR, params: {step_size: 2}}\n# </pre><script>x</script>\n"
    )
    project(
        tmp_path,
        index="T\n=\n\n.. lrviz:: schedules/evil.yaml\n   :show-config:\n",
        files={"docs/schedules/evil.yaml": config},
    )
    build = Build(tmp_path)
    assert build() == ""
    html = build.html()
    assert "<script>alert" not in html and "<script>x" not in html  # (Sphinx's theme has a script of its own)
    alt = 'alt="&lt;/figure&gt;&lt;script&gt;alert(1)&lt;/script&gt;{}&quot;quoted&quot; &amp; more"'
    assert alt.format(" ") in html or alt.format("\n") in html  # (docutils writes the line break as a space)
    assert "&lt;/pre&gt;&lt;script&gt;x&lt;/script&gt;" in html


def test_exported_json_holds_config_text_exactly(tmp_path):
    title, label = 'a\u2028b\n"c"</script>', "x\u00a0\"y\"'z'\\"
    path = write_yaml(tmp_path / "c.yaml", lrviz_config(title=title, label=label))
    out = cli("export", path, "--format", "json")
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    assert doc["config"]["title"] == title and doc["config"]["schedules"][0]["label"] == label


# --------------------------------------------------------------------------- convert, then export: any value

#: Values of every kind a fuzzed file holds where a number is expected: floats of any size and sign
#: (subnormal, -0.0, huge), whole numbers, booleans, text that reads as a number, nothing.
ANY_VALUE = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, allow_subnormal=True),
    st.floats(min_value=0, max_value=1, exclude_max=True),
    st.integers(min_value=-3, max_value=50),
    st.sampled_from([True, False, None, "1e-3", "0.1", "", "nan", [], {}]),
)
HF_VALUES = [
    "learning_rate",
    "weight_decay",
    "adam_beta1",
    "adam_beta2",
    "adam_epsilon",
    "warmup_steps",
    "warmup_ratio",
    "num_train_epochs",
    "per_device_train_batch_size",
    "gradient_accumulation_steps",
]
TORCHVISION_VALUES = ["lr", "momentum", "weight_decay", "lr_gamma", "lr_step_size", "epochs", "batch_size"]


@settings(SETTINGS, max_examples=40)
@given(kind=st.sampled_from(["hf", "torchvision"]), data=st.data())
def _convert_of_any_values(tmp, outcomes, kind, data):
    names = HF_VALUES if kind == "hf" else TORCHVISION_VALUES
    chosen = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
    base = dict(HF if kind == "hf" else RECIPE, **{k: data.draw(ANY_VALUE, label=k) for k in chosen})
    folder = Path(tempfile_dir(tmp))
    path = folder / ("args.json" if kind == "hf" else "args.yaml")
    if kind == "hf":
        path.write_text(json.dumps(base), encoding="utf-8")
    else:
        write_yaml(path, base)
    taken = check_convert(folder, path, HF_KEYS if kind == "hf" else TORCHVISION_KEYS) is not None
    outcomes.append(taken)


def test_convert_then_export_is_export_for_any_values(tmp_path):
    """Numbers of any size and sign, and values of the wrong type, in a framework file's numeric fields:
    the file and its conversion export the same CSV byte for byte, or both are refused."""
    outcomes: list[bool] = []
    _convert_of_any_values(tmp_path, outcomes)
    assert any(outcomes) and not all(outcomes)  # both sides were exercised
