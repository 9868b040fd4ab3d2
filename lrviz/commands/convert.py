"""`lrviz convert`: a framework file -> the equivalent lrviz config, the arithmetic as comments."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lrviz.commands.common import (
    ConfigArg,
    DatasetSizeOpt,
    DebugOpt,
    FromOpt,
    TransformersVersionOpt,
    WorldSizeOpt,
    cli_errors,
    load_sources,
)

if TYPE_CHECKING:
    from lrviz.sources import Loaded

#: What ``-o`` may name as a file: a YAML config.
SUFFIXES = (".yaml", ".yml")
#: Other formats lrviz writes: a path ending so is a mistake here, not a folder name.
OTHER_FORMATS = (".json", ".csv", ".png", ".svg", ".pdf", ".html", ".md")

OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "-o",
        "--output",
        metavar="PATH",
        help="A .yaml/.yml file, or a folder (created if missing) to write <file name>.yaml into. "
        "Default: standard output.",
    ),
]


def convert(
    config: ConfigArg,
    output: OutputOpt = None,
    from_: FromOpt = None,
    dataset_size: DatasetSizeOpt = None,
    world_size: WorldSizeOpt = None,
    transformers_version: TransformersVersionOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Write the lrviz config equivalent to a framework file, its step arithmetic as comments.

    The file (a Hugging Face TrainingArguments JSON/YAML, a timm args.yaml or a
    torchvision recipe) is read as plot, show and export read it; the YAML written
    names the same schedulers (hf.<type> and timm.<sched> are built by the framework,
    no --trust needed), so `lrviz export` of it gives the same values, bit for bit.

    Example: lrviz convert configs/frameworks/timm-resnet50-a3-args.yaml -o resnet50-a3.yaml
    """
    with cli_errors(debug):
        from lrviz.errors import LrvizError
        from lrviz.io import atomic_write

        target = output_file(output, config.stem) if output is not None else None
        (loaded,) = load_sources(
            [config],
            kind=from_,
            dataset_size=dataset_size,
            world_size=world_size,
            transformers_version=transformers_version,
        )
        if loaded.plan is None:
            raise LrvizError(
                "is an lrviz config already; convert reads a framework file (TrainingArguments, timm args.yaml, "
                "torchvision recipe)",
                file=str(config),
            )
        text = converted(loaded)
        if target is None:
            sys.stdout.write(text)
            return
        if not target.parent.is_dir():
            target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, text)
        print(target)


def output_file(output: Path, stem: str) -> Path:
    """``-o``: a path with a YAML extension is the file; any other path is a folder for ``<stem>.yaml``.

    (Issue 20's rule for every command's ``-o``; a path ending in another format lrviz
    writes is refused rather than taken for a folder name.)
    """
    from lrviz.errors import LrvizError

    suffix = output.suffix.lower()
    if suffix in SUFFIXES:
        if output.is_dir():
            raise LrvizError(f"-o {str(output)!r} is a folder; convert writes one YAML file")
        return output
    if suffix in OTHER_FORMATS:
        raise LrvizError(
            f"-o {str(output)!r}: convert writes an lrviz config, a .yaml or .yml file (or give a folder)", key="-o"
        )
    if output.exists() and not output.is_dir():
        raise LrvizError(f"-o {str(output)!r} exists and is not a folder (a file name ends in .yaml or .yml)")
    return output / f"{stem}.yaml"


def converted(loaded: Loaded) -> str:
    """The YAML text: where it comes from, the arithmetic as comments, then the config.

    Text from the file (its name, free-text fields such as HF ``optim``) is escaped to
    one line in the comments and written by a YAML emitter in the config, so it stays
    data: no line of it can become a key (issue 33).
    """
    from lrviz._version import __version__
    from lrviz.parse.yamlio import dump_yaml
    from lrviz.sources import NAMES
    from lrviz.textsafe import one_line

    plan = loaded.plan
    assert plan is not None
    source = Path(plan.source or "")
    title = one_line(loaded.config.name).replace("$", r"\$")  # a file name is not math, nor a control character
    config = {"title": title, "description": plan.summary, **plan.config}
    head = [
        one_line(f"# Converted by lrviz {__version__} from {source.name}, {NAMES[plan.kind]}:"),
        "# the schedule that framework runs, as an lrviz config (lrviz convert).",
    ]
    names = sorted({s["scheduler"] for s in plan.config["schedules"] if s["scheduler"].startswith(("hf.", "timm."))})
    if names:
        built = "built by the framework's own code (lrviz list), no --trust needed."
        head.append(one_line(f"# {', '.join(names)}: {built}"))
    head.append("# The step arithmetic:")
    body = dump_yaml(config)
    return "\n".join(head) + "\n" + plan.comments() + body
