"""`lrviz list`: every scheduler of the installed torch, lrviz's presets and the frameworks' own.

What exists comes from the registry (:mod:`lrviz.registry`); how it is shown lives here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from lrviz.commands.common import DebugOpt, cli_errors

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from lrviz.registry import SchedulerInfo
    from lrviz.registry.signature import Param

#: Section titles of `lrviz list`, per registry kind (a kind without a title is not listed).
TITLES = {
    "torch": "torch {torch} schedulers (CamelCase)",
    "preset": "lrviz presets (lower-case, Hugging Face names; built as LambdaLR)",
    "framework": "framework schedulers (hf.<type>: transformers' get_scheduler; timm.<sched>: timm's "
    "create_scheduler_v2, stepped as its train.py steps it)",
    "deepspeed": "DeepSpeed schedulers (ds.<Type>: deepspeed.runtime.lr_schedules, stepped as its engine steps them)",
    "megatron": "Megatron-Core decay styles (megatron.<style>: OptimizerParamScheduler, stepped as Megatron-LM's "
    "train_step steps it)",
    "torchtune": "torchtune schedulers (torchtune.<function>: torchtune.training.lr_schedulers, called as its recipes "
    "call them)",
    "mmengine": "MMEngine schedulers (mm.<Type>: mmengine.optim's classes; mm.param_scheduler: a config's list, "
    "stepped by its ParamSchedulerHook)",
}
KIND_NAMES = {
    "torch": "torch.optim.lr_scheduler",
    "preset": "lrviz preset",
    "framework": "built by the framework",
    "deepspeed": "DeepSpeed's own class",
    "megatron": "Megatron-Core's own class",
    "function": "your function, called by lrviz (--trust)",
    "torchtune": "torchtune's own function",
    "mmengine": "MMEngine's own class",
}


def list_schedulers(
    name: Annotated[
        str | None, typer.Argument(metavar="NAME", help="Show one scheduler in full.", show_default=False)
    ] = None,
    debug: DebugOpt = False,
) -> None:
    """List the schedulers a config can name, with parameters and defaults.

    Torch classes are discovered from the installed torch at run time; presets
    (lower-case names) are lrviz's built-in LambdaLR schedules.

    Example: lrviz list OneCycleLR
    """
    with cli_errors(debug):
        if name is None:
            print_listing()
        else:
            print_one(name)


def _signature(info: SchedulerInfo) -> str:
    return ", ".join(p.name if p.required else f"{p.name}={p.default!r}" for p in info.params if p.name != "last_epoch")


def _table(title: str, infos: list[SchedulerInfo]) -> Table:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title, title_justify="left", show_lines=False, expand=False)
    table.add_column("name", style="bold", no_wrap=True)
    table.add_column("parameters (default)", overflow="fold")  # a default cut short reads as another number
    table.add_column("what it does", overflow="fold")
    for info in infos:
        table.add_row(escape(info.name), escape(_signature(info)), escape(info.summary))
    return table


def print_listing(console: Console | None = None) -> None:
    import torch
    from rich.console import Console

    from lrviz.registry import catalogue

    console = console or Console()
    infos = list(catalogue().values())
    for kind, title in TITLES.items():
        console.print(_table(title.format(torch=torch.__version__.split("+")[0]), [i for i in infos if i.kind == kind]))
    console.print("Details: lrviz list NAME.   Your own: scheduler: 'module:Name' or 'file.py:Name' with --trust.")


def print_one(name: str, console: Console | None = None) -> None:
    """One scheduler: what it does (one paragraph) and its parameters, at the terminal's width.

    Nothing is cut: a long type or default wraps inside its cell (a default shown cut
    would read as another number: 1000... for 10000.0)."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    from lrviz.errors import ConfigError, by_any_case, did_you_mean
    from lrviz.registry import catalogue, resolve
    from lrviz.registry.docs import description
    from lrviz.registry.signature import describe_hint

    table = catalogue()
    if name not in table:
        name = by_any_case(name, table) or name  # steplr is StepLR
    if name not in table and ":" in name:
        raise ConfigError(f"unknown scheduler {name!r}{did_you_mean(name, table)}; run 'lrviz list' to see all")
    # a name the catalogue leaves out (timm.* when timm does not import) is resolved as a config
    # would resolve it, so its error says why (what fails to import), not "unknown"
    info = table[name] if name in table else resolve(name, key=None)
    console = console or Console()
    console.print(f"[bold]{escape(name)}[/bold]  ({KIND_NAMES.get(info.kind, info.kind)})")
    console.print()
    console.print(Text(description(info.doc) or info.summary))
    console.print()
    params = Table(show_header=True, expand=False)
    params.add_column("parameter", style="bold", no_wrap=True)
    params.add_column("type", overflow="fold")
    params.add_column("default", overflow="fold")
    params.add_column("per group", overflow="fold")
    per_group = info.groupwise()
    for p in info.params:
        hint, default = describe_hint(p.hint), _default(info, p)
        params.add_row(escape(p.name), escape(hint), escape(default), _per_group(per_group, p.name))
    console.print(params)
    if per_group:
        console.print(
            Text("per group: a list with one value per param group is taken as well as a single value.", style="dim")
        )


def _default(info: SchedulerInfo, param: Param) -> str:
    """The default as written in a config, in full; what lrviz fills in from the run says so."""
    if param.name in info.fills:
        unless = info.fill_unless.get(param.name)
        return "the run's length (filled in by lrviz" + (f" unless {' or '.join(unless)} is given)" if unless else ")")
    return "required" if param.required else repr(param.default)


def _per_group(per_group: frozenset[str] | None, name: str) -> str:
    if per_group is None:
        return "?"
    return "yes" if name in per_group else "no"
