"""What `lrviz list` prints: discovered torch schedulers and presets, from their signatures."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from lrviz.errors import ConfigError, did_you_mean
from lrviz.registry import SchedulerInfo, describe_hint, presets, torch_schedulers


def _signature(info: SchedulerInfo) -> str:
    parts = []
    for p in info.params:
        if p.name == "last_epoch":
            continue
        parts.append(p.name if p.required else f"{p.name}={p.default!r}")
    return ", ".join(parts)


def _table(title: str, infos: dict[str, SchedulerInfo]) -> Table:
    table = Table(title=title, title_justify="left", show_lines=False, expand=False)
    table.add_column("name", style="bold", no_wrap=True)
    table.add_column("parameters (default)")
    table.add_column("what it does")
    for name, info in infos.items():
        table.add_row(escape(name), escape(_signature(info)), escape(info.summary))
    return table


def print_listing(console: Console | None = None) -> None:
    import torch

    console = console or Console()
    console.print(_table(f"torch {torch.__version__.split('+')[0]} schedulers (CamelCase)", torch_schedulers()))
    console.print(_table("lrviz presets (lower-case, Hugging Face names; built as LambdaLR)", presets()))
    console.print("Details: lrviz list NAME.   Your own: scheduler: 'module:Name' or 'file.py:Name' with --trust.")


def print_one(name: str, console: Console | None = None) -> None:
    table = {**torch_schedulers(), **presets()}
    if name not in table:
        raise ConfigError(f"unknown scheduler {name!r}{did_you_mean(name, table)}; run 'lrviz list' to see all")
    info = table[name]
    console = console or Console()
    kind = "torch.optim.lr_scheduler" if info.kind == "torch" else "lrviz preset"
    console.print(f"[bold]{escape(name)}[/bold]  ({kind})")
    params = Table(show_header=True)
    params.add_column("parameter", style="bold")
    params.add_column("default")
    params.add_column("type")
    for p in info.params:
        params.add_row(escape(p.name), escape(p.describe_default()), escape(describe_hint(p.hint)))
    console.print(params)
    console.print(escape(info.doc))
