"""LightningCLI YAML: ``class_path`` / ``init_args`` nodes in, the schedule LightningCLI would build out.

A LightningCLI config (the ``--config`` file, or the ``config.yaml`` LightningCLI saves in
every run's log folder) names its optimizer and scheduler by ``class_path`` with their
``init_args``. How lrviz reads one:

* **Where**: the top-level ``optimizer:`` / ``lr_scheduler:`` that LightningCLI adds to
  its parser (``auto_configure_optimizers``), or, when those are absent, optimizer and
  scheduler nodes inside ``model.init_args`` (a LightningModule taking an
  ``OptimizerCallable`` / ``LRSchedulerCallable``, whose ``configure_optimizers`` builds
  them). A top-level ``lr_scheduler`` without an ``optimizer`` is refused:
  LightningCLI's ``_add_configure_optimizers_method_to_model`` returns when no optimizer
  is given, so the scheduler is never built.
* **Parsing** is LightningCLI's: each node goes through a jsonargparse parser set up as
  ``LightningArgumentParser.add_optimizer_args`` / ``add_lr_scheduler_args`` set theirs
  (``add_subclass_arguments((Optimizer,), ..., instantiate=False, fail_untyped=False,
  skip={"params"})``; the schedulers ``(LRScheduler, ReduceLROnPlateau)`` with
  ``skip={"optimizer"}``), so short names (``AdamW``) resolve, values take the class's
  types, and what jsonargparse refuses is refused. Before that lrviz vets every
  ``class_path`` of the node: jsonargparse imports what it names, so a path outside
  ``torch.optim`` needs ``--trust``, and a callable given by import path (``lr_lambda``)
  is refused, since jsonargparse would import it.
* **Stepping**: the top-level pair is returned by ``LightningCLI.configure_optimizers`` as
  ``[optimizer], [lr_scheduler]``: Lightning's defaults, ``interval: epoch``,
  ``frequency: 1``. In ``model.init_args`` the module's own ``configure_optimizers``
  decides; a Lightning scheduler dict there (``{scheduler: ..., interval: step}``) is
  read, else Lightning's default (epoch) is assumed and the row says so.
* **Length** and updates per epoch are Lightning's (:mod:`lrviz.sources.lightning_rules`,
  shared with Hydra configs): ``trainer.max_epochs`` / ``max_steps`` /
  ``accumulate_grad_batches`` (a file without ``trainer`` runs Lightning's defaults),
  the batch size at ``data.init_args.batch_size`` (or ``data.batch_size``,
  ``model.init_args.batch_size``), ``--dataset-size`` and ``--world-size``.
* ``${...}`` values (LightningCLI's ``parser_mode="omegaconf"``) are resolved by OmegaConf
  after lrviz vets them (:mod:`lrviz.sources.interpolation`).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator, Mapping
from typing import Any

from lrviz.errors import ConfigError, describe, first_line
from lrviz.sources import values as V
from lrviz.sources.lightning_rules import counted, interval, length
from lrviz.sources.plan import Plan, Row

#: Where LightningCLI's files keep the batch size.
BATCH_AT = (
    ("data", "init_args", "batch_size"),
    ("data", "batch_size"),
    ("model", "init_args", "batch_size"),
    ("model", "batch_size"),
)
TOP_HOW = (
    "LightningCLI.configure_optimizers returns the optimizer and lr_scheduler as lists: Lightning's default interval "
    "(epoch), "
    "frequency 1"
)
MODEL_HOW = "model.init_args: the module's configure_optimizers decides; Lightning's default interval (epoch) assumed"
TORCH = "torch.optim."
_IMPORT_PATH = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")
_CONFIG_FILE = re.compile(r"\.(ya?ml|json|jsonnet|toml)\s*$", re.IGNORECASE)

Path = tuple[Any, ...]


def _shown(path: Path) -> str:
    return ".".join(str(p) for p in path)


def _class_node(value: Any) -> bool:
    return isinstance(value, Mapping) and "class_path" in value


def _model_nodes(data: Mapping[str, Any]) -> tuple[tuple[Path, Any] | None, tuple[Path, Any] | None]:
    """The scheduler and optimizer nodes in ``model.init_args`` (by their key: ``*sched*``, ``*optim*``)."""
    model = data.get("model")
    init = model.get("init_args") if isinstance(model, Mapping) else None
    if not isinstance(init, Mapping):
        return None, None
    sched: tuple[Path, Any] | None = None
    optim: tuple[Path, Any] | None = None
    for key, value in init.items():
        name = str(key).lower()
        if "sched" in name and isinstance(value, Mapping) and _class_node(value.get("scheduler")):
            sched = sched or (("model", "init_args", key, "scheduler"), value["scheduler"])  # a scheduler dict
        elif "sched" in name and _names_class(value):
            sched = sched or (("model", "init_args", key), value)
        elif "optim" in name and _names_class(value):
            optim = optim or (("model", "init_args", key), value)
    return sched, optim


def _names_class(value: Any) -> bool:
    """A class node, or a class by name (``Adam``, ``torch.optim.Adam``; not ``scheduler_interval: step``)."""
    return _class_node(value) or (isinstance(value, str) and value.rpartition(".")[2][:1].isupper())


def _nodes(data: Mapping[str, Any]) -> tuple[tuple[Path, Any], tuple[Path, Any] | None, bool]:
    """(scheduler node, optimizer node, whether they are LightningCLI's top-level pair)."""
    sched, optim = data.get("lr_scheduler"), data.get("optimizer")
    if sched is not None:
        if optim is None:
            raise ConfigError(
                "an lr_scheduler without an optimizer: LightningCLI builds the scheduler only together with the "
                "optimizer it configures (its configure_optimizers is not added without one); add optimizer:",
                key="lr_scheduler",
            )
        return (("lr_scheduler",), sched), (("optimizer",), optim), True
    found, model_optim = _model_nodes(data)
    if found is None:
        raise ConfigError(
            "no scheduler: expected a top-level lr_scheduler: {class_path: torch.optim.lr_scheduler.<Class>, "
            "init_args: {...}} beside optimizer:, or a scheduler node in model.init_args"
            + ("; without one the lr stays the optimizer's" if optim is not None else ""),
            key="lr_scheduler",
        )
    return found, model_optim, False


def _class_paths(value: Any, path: Path) -> Iterator[tuple[Path, str]]:
    stack = [(path, value)]
    while stack:
        p, v = stack.pop()
        if isinstance(v, Mapping):
            if "class_path" in v:
                yield p + ("class_path",), v["class_path"]
            stack.extend((p + (k,), c) for k, c in v.items())
        elif isinstance(v, list):
            stack.extend((p + (i,), c) for i, c in enumerate(v))


def _vet(node: Any, path: Path, trust: bool) -> None:
    """Refuse what jsonargparse would import from outside torch.optim (without ``--trust``)."""
    top = [(path, node)] if isinstance(node, str) else []
    for where, target in [*top, *_class_paths(node, path)]:
        if not isinstance(target, str) or not target.strip():
            raise ConfigError(f"expected a class name or import path, got {describe(target)}", key=_shown(where))
        if not _IMPORT_PATH.fullmatch(target.strip()):
            raise ConfigError(
                f"expected a class name or import path, got {target[:80]!r}: jsonargparse would read it as a "
                "config file, which lrviz does not let it do",
                key=_shown(where),
            )
        if "." in target and not target.startswith(TORCH) and not trust:
            raise ConfigError(
                f"{target!r} is not a class of torch.optim: LightningCLI's parser would import it, which runs its "
                "code; pass --trust if it is yours",
                key=_shown(where),
            )
    _no_files(node, path)
    if _class_node(node) and str(node["class_path"]).startswith(TORCH):
        _vet_callables(node, path)


def _no_files(node: Any, path: Path) -> None:
    """jsonargparse reads a string that names a file where it expects a class or its arguments (``init_args:
    other.yaml``, a list of schedulers given as files): such a value is refused before it parses anything."""
    stack = [(path, node)]
    while stack:
        p, v = stack.pop()
        if isinstance(v, Mapping):
            stack.extend((p + (k,), c) for k, c in v.items())
        elif isinstance(v, list):
            stack.extend((p + (i,), c) for i, c in enumerate(v))
        elif isinstance(v, str) and p != path and ("/" in v or "\\" in v or _CONFIG_FILE.search(v)):
            raise ConfigError(
                f"{v[:80]!r} looks like a file path: LightningCLI's parser would read that file; give the values "
                "in this file",
                key=_shown(p),
            )


def _vet_callables(node: Mapping[str, Any], path: Path) -> None:
    """A function given by import path (LambdaLR's ``lr_lambda``) would be imported by jsonargparse."""
    import torch

    init = node.get("init_args")
    if not isinstance(init, Mapping):
        return
    module, _, name = str(node["class_path"]).rpartition(".")
    home = {"torch.optim": torch.optim, "torch.optim.lr_scheduler": torch.optim.lr_scheduler}.get(module)
    cls = getattr(home, name, None)
    if not inspect.isclass(cls):
        return
    params = inspect.signature(cls).parameters
    for key, value in init.items():
        hint = str(params[key].annotation) if key in params else ""
        if isinstance(value, str) and "Callable" in hint:
            raise ConfigError(
                f"a function by import path ({value!r}): jsonargparse would import it; lrviz reads no code from a "
                "LightningCLI file (write an lrviz config with an lr_lambda expression instead)",
                key=_shown(path + ("init_args", key)),
            )


def _jsonargparse(key: str) -> Any:
    import importlib

    from lrviz.registry.frameworks import FrameworkMissing

    try:
        return importlib.import_module("jsonargparse")
    except Exception as exc:
        raise FrameworkMissing(
            "LightningCLI files are parsed by jsonargparse, as LightningCLI parses them, and importing it failed "
            f"({first_line(exc, with_type=True)}); install it with: pip install 'lrviz[lightningcli]'",
            key=key,
        ) from None


def _reason(exc: BaseException) -> str:
    """jsonargparse's error, as what it says of the class given (the union's other members dropped)."""
    lines = [ln for ln in str(exc).splitlines() if ln.strip()]
    out: list[str] = []
    for i, line in enumerate(lines):
        if line.strip().startswith("- Problem with given class_path"):
            indent = len(line) - len(line.lstrip())
            detail = []
            for more in lines[i + 1 :]:
                if len(more) - len(more.lstrip()) <= indent:
                    break
                detail.append(more.strip())
            out.append(f"{line.strip()[2:].rstrip(':')}: {' '.join(detail)}")
    if not out:
        skip = ("Expected a <class 'NoneType'>", "Expected a dot import path", "Does not validate", "Subtypes", "Given")
        out = [
            ln.strip().lstrip("- ") for ln in lines[1:] if not any(w in ln for w in skip) and ln.strip() != "Errors:"
        ]
    return "; ".join(dict.fromkeys(out))[:400] or lines[0].strip()


def parse_node(node: Any, path: Path, *, scheduler: bool) -> tuple[str, dict[str, Any]]:
    """(class path, init args given) of one node, parsed as LightningCLI's parser parses it."""
    jsonargparse = _jsonargparse(_shown(path))
    import torch

    if scheduler:
        from torch.optim.lr_scheduler import LRScheduler, ReduceLROnPlateau

        bases: tuple[type, ...] = (LRScheduler, ReduceLROnPlateau)
        skip = {"optimizer"}
    else:
        bases, skip = (torch.optim.Optimizer,), {"params"}
    parser = jsonargparse.ArgumentParser(exit_on_error=False)
    parser.add_subclass_arguments(bases, "node", instantiate=False, fail_untyped=False, skip=skip)
    try:
        got = parser.parse_object({"node": node})["node"]
    except Exception as exc:  # argparse.ArgumentError, jsonargparse's own; its words are the reason
        raise ConfigError(
            f"LightningCLI's parser (jsonargparse) refuses it: {_reason(exc)}", key=_shown(path)
        ) from None
    given = node.get("init_args") if isinstance(node, Mapping) else None
    args = got.init_args.as_dict() if got.get("init_args") is not None else {}
    keep = {k: _plain(v) for k, v in args.items() if isinstance(given, Mapping) and k in given}
    return str(got.class_path), keep


def _plain(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def _plateau(node: Any, path: Path) -> None:
    """ReduceLROnPlateau (torch's or Lightning's) is refused before it is parsed: it needs a metric."""
    target = node.get("class_path") if isinstance(node, Mapping) else node
    if str(target).rpartition(".")[2] == "ReduceLROnPlateau":
        raise ConfigError(
            "ReduceLROnPlateau is stepped by Lightning on a monitored metric (val/loss...), which the file does not "
            "hold, so lrviz cannot show it from the file alone; write an lrviz config with a metric",
            key=_shown(path),
        )


def _named(node: Any, path: Path) -> None:
    """A scheduler node must name its class: a script's ``parser.add_lr_scheduler_args(SomeClass)`` fixes
    it in code, and the file then holds only the arguments."""
    if isinstance(node, Mapping) and "class_path" not in node:
        raise ConfigError(
            "no class_path: the training script fixes the scheduler's class (parser.add_lr_scheduler_args(Class)) "
            "and the file holds only its arguments, so lrviz cannot tell which class it is; add class_path: "
            "torch.optim.lr_scheduler.<Class> beside them (init_args: the arguments)",
            key=_shown(path),
        )


def _scheduler_name(class_path: str) -> str:
    module, _, name = class_path.rpartition(".")
    return name if module == "torch.optim.lr_scheduler" else f"{module}:{name}"


def _optimizer(found: tuple[Path, Any] | None) -> tuple[dict[str, Any] | None, str]:
    from lrviz.registry.torch_classes import torch_optimizers

    if found is None:
        return None, "lrviz's default (the file names no optimizer)"
    path, node = found
    if isinstance(node, Mapping) and "class_path" not in node:  # parser.add_optimizer_args(SomeClass) in the script
        lr = V.number({_shown(path + ("lr",)): node.get("lr")}, _shown(path + ("lr",)), minimum=0)
        return {"name": "SGD", "lr": lr}, f"{_shown(path)}: no class_path (the script fixes the class); shown on SGD"
    class_path, args = parse_node(node, path, scheduler=False)
    module, _, name = class_path.rpartition(".")
    if module != "torch.optim" or name not in torch_optimizers():
        lr = V.number(args, "lr", minimum=0)
        return {"name": "SGD", "lr": lr}, f"{_shown(path)}: {class_path} is not torch's; shown on SGD (lr {lr!r})"
    return {"name": name, **args}, f"{_shown(path)}.class_path: {class_path}"


def plan(
    data: Mapping[str, Any],
    *,
    dataset_size: int | None = None,
    world_size: int = 1,
    source: str | None = None,
    trust: bool = False,
) -> Plan:
    """Read a LightningCLI config mapping; see the module docstring for every rule."""
    world = V.option(world_size, "--world-size", needed_for="the number of processes")
    from lrviz.sources.interpolation import resolved_if_interpolated

    resolved, interpolated = resolved_if_interpolated(data)
    if not isinstance(resolved.get("trainer"), dict):  # no trainer node: LightningCLI runs Trainer's defaults
        resolved["trainer"] = {}
    (sched_path, sched_node), optim, top = _nodes(resolved)
    _vet(sched_node, sched_path, trust)
    _plateau(sched_node, sched_path)
    _named(sched_node, sched_path)
    if optim is not None:
        _vet(optim[1], optim[0], trust)
    class_path, params = parse_node(sched_node, sched_path, scheduler=True)
    name = _scheduler_name(class_path)
    every, every_how = ("epoch", TOP_HOW) if top else interval(resolved, sched_path, MODEL_HOW)
    rows = [Row("world size", world, "--world-size (processes; default 1)")]
    total, upe = length(resolved, every, dataset_size, world, rows, BATCH_AT)
    optimizer, optim_how = _optimizer(optim)
    label = f"{_shown(sched_path)} (LightningCLI)"
    config: dict[str, Any] = {
        "steps": total,
        "steps_per_epoch": upe,
        "schedules": [{"label": label, "scheduler": name, "params": params, "interval": every}],
    }
    rows.append(Row("scheduler", name, f"{_shown(sched_path)}.class_path: {class_path}"))
    rows.append(Row("optimizer", optimizer["name"] if optimizer else "SGD", optim_how))
    if optimizer is not None and "lr" in optimizer:
        rows.append(Row("lr", optimizer["lr"], "the optimizer's init_args.lr"))
    rows.append(Row("stepping", f"per {every}", every_how))
    if interpolated:
        rows.append(Row("note", "${...} resolved by OmegaConf (LightningCLI's parser_mode='omegaconf')"))
    if optimizer is not None:
        config["optimizer"] = optimizer
    summary = f"LightningCLI: {counted(rows)}{total:,} steps, lr stepped per {every}"
    return Plan(kind="lightningcli", config=config, rows=rows, summary=summary, source=source)
