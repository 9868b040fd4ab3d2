"""A *source*, whatever form it takes, -> a validated :class:`~lrviz.spec.Config`: the one place.

Every function of the Python API (:mod:`lrviz.api.functions`) takes a source and the
same options, and hands both to :func:`load`:

* a path (``str`` or ``os.PathLike``): an lrviz YAML config or a framework's file (a
  Hugging Face TrainingArguments JSON/YAML, a timm ``args.yaml``, a torchvision recipe),
  read by :func:`lrviz.sources.load_source`, as every command reads it;
* a mapping: an lrviz config already parsed (``{"steps": 100, "scheduler": "StepLR", ...}``);
* a :class:`~lrviz.spec.Config` loaded before (``lrviz.load_config``);
* a scheduler factory, ``make(optimizer) -> scheduler`` (a torch scheduler or a
  timm-style one), or several: a list, or a mapping of label -> factory (every value
  callable). Its dummy optimizer is ``optimizer=`` (a description as in a config) or a
  copy of a real one, ``like=opt``; see :mod:`lrviz.validate.factory`. A factory is the
  caller's own code, run in the caller's process: no trust needed.

The options mirror the command line (``steps``, ``device``, ``sweep``, ``force``,
``trust``; ``kind``, ``dataset_size``, ``world_size`` for framework files: ``--from``,
``--dataset-size``, ``--world-size``), plus what a factory needs (``optimizer``, ``like``, ``label``, ``interval``,
``steps_per_epoch``, ``metric``). An option that means nothing for the source given is
a ``TypeError``, as an unknown keyword is: it is a mistake in the calling code. Bad
*values* are :class:`~lrviz.errors.LrvizError`, with the messages and key paths of the CLI.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypedDict, Union

from lrviz.errors import LrvizError, did_you_mean
from lrviz.spec import Config

if TYPE_CHECKING:
    from torch.optim import Optimizer

    from lrviz.sources import Loaded

#: ``make(optimizer) -> scheduler``: a function of the user's that builds their scheduler.
SchedulerFactory = Callable[["Optimizer"], Any]
#: What the API's functions take (see the module docstring).
Source = Union[
    str,
    "os.PathLike[str]",
    Mapping[str, Any],
    Config,
    SchedulerFactory,
    Sequence[SchedulerFactory],
]


class Options(TypedDict, total=False):
    """The options every function of the API takes besides its own (all keyword-only).

    Besides ``steps`` (each function's own keyword; required for a factory), for every
    source: ``device`` (cpu, cuda, cuda:N, mps, auto).
    For configs: ``sweep`` (``{"params.gamma": [0.1, 0.5]}`` or the CLI's
    ``"params.gamma=0.1,0.5"``, or a list of those), ``force`` (more than 64 swept
    schedules), ``trust`` (a config that imports code), ``jobs`` (worker processes: 1,
    the default, runs in this process; None uses every core, as the CLI does; a factory
    always runs in the caller's process). For a framework file: ``kind`` (``lrviz``,
    ``hf``, ``timm``, ``torchvision``, ``hydra``, ``deepspeed``, ``lightningcli``,
    ``torchtune``, ``megatron``, ``mmengine``, ``function``; default: told from its keys),
    ``dataset_size`` and ``world_size``
    (what the file does not hold).
    For factories: ``optimizer`` (``{"name": "AdamW", "lr": 3e-4, "param_groups": [...]}``
    or a name), ``like`` (a real optimizer to copy), ``label``, ``interval`` ("step" or
    "epoch"), ``steps_per_epoch``, ``metric`` (for ReduceLROnPlateau, as in a config).
    """

    device: str | None
    jobs: int | None
    sweep: Mapping[str, Sequence[Any]] | Sequence[str] | str | None
    force: bool
    trust: bool
    kind: str | None
    dataset_size: int | None
    world_size: int | None
    optimizer: Mapping[str, Any] | str | None
    like: Optimizer | None
    label: str | None
    interval: str | None
    steps_per_epoch: int | None
    metric: Any


#: Options for each kind of source; an option of the other kind is refused, saying why.
COMMON = ("steps", "device")
FOR_CONFIGS = ("sweep", "force", "trust", "jobs", "kind", "dataset_size", "world_size")
FOR_FILES = ("kind", "dataset_size", "world_size")
FOR_FACTORIES = ("optimizer", "like", "label", "interval", "steps_per_epoch", "metric")
OPTIONS = COMMON + FOR_CONFIGS + FOR_FACTORIES


def check_options(function: str, options: Mapping[str, Any], own: Sequence[str] = ()) -> None:
    """Refuse a keyword no function of the API knows, as Python would (with a suggestion)."""
    for name in options:
        if name not in OPTIONS and name not in own:
            known = [*own, *OPTIONS]
            raise TypeError(f"{function}() got an unexpected keyword argument {name!r}{did_you_mean(name, known)}")


def factories_of(source: Any) -> list[tuple[str | None, SchedulerFactory]] | None:
    """The (label, factory) pairs a source holds, or None when it is not a factory source."""
    if isinstance(source, (str, os.PathLike, Config)):
        return None
    if callable(source):
        return [(None, source)]
    if isinstance(source, Mapping):
        if source and all(callable(v) for v in source.values()):
            return [(str(k), v) for k, v in source.items()]
        return None
    if isinstance(source, (list, tuple)) and source and all(callable(v) for v in source):
        return [(None, v) for v in source]
    return None


def load(source: Source, options: Mapping[str, Any]) -> Loaded:
    """The validated (and sweep-expanded) config of ``source`` under ``options``, with a
    framework file's plan (its step arithmetic; None for any other source)."""
    from lrviz.sources import Loaded

    given = {k: v for k, v in options.items() if v is not None and not (k in ("force", "trust") and v is False)}
    factories = factories_of(source)
    if factories is not None:
        _refuse(given, FOR_CONFIGS, "configs", "a scheduler factory")
        from lrviz.validate.factory import validate_factories

        label = given.pop("label", None)
        if label is not None:
            if len(factories) != 1:
                raise TypeError("label= names the schedule of one factory; give several as a mapping {label: factory}")
            factories = [(label, factories[0][1])]
        return Loaded(validate_factories(factories, **given))
    _refuse(given, FOR_FACTORIES, "scheduler factories", "a config")
    loaded = _loaded(source, given)
    if loaded.plan is None:
        _refuse({k: v for k, v in given.items() if k != "kind"}, FOR_FILES, "framework files", "an lrviz config")
    config = _swept(loaded.config, given.get("sweep"), bool(given.get("force")))
    return Loaded(config, loaded.plan)


def _refuse(given: Mapping[str, Any], names: Sequence[str], meant_for: str, got: str) -> None:
    wrong = [n for n in names if n in given]
    if wrong:
        raise TypeError(
            f"{', '.join(n + '=' for n in wrong)} {'is' if len(wrong) == 1 else 'are'} for {meant_for}; "
            f"the source is {got}"
        )


def _loaded(source: Any, given: Mapping[str, Any]) -> Loaded:
    from lrviz.sources import Loaded, load_source
    from lrviz.validate import load_config

    steps, device, trust = given.get("steps"), given.get("device"), bool(given.get("trust"))
    if not isinstance(source, (str, os.PathLike)):
        what = "a loaded Config" if isinstance(source, Config) else f"a {type(source).__name__}, not a path"
        _refuse(given, FOR_FILES, "framework files", what)
    if isinstance(source, Config):
        if steps is not None:
            raise LrvizError(
                "a loaded Config keeps the steps it was validated with (they fill in parameters such as "
                "num_training_steps); pass the config's path or mapping to change them",
                key="steps",
                file=source.file,
            )
        if device is None:
            return Loaded(source)
        from lrviz.validate.checks import check_device

        return Loaded(source.replace(device=check_device(device)))
    if isinstance(source, (str, os.PathLike)):
        return load_source(
            source,
            kind=given.get("kind"),
            dataset_size=given.get("dataset_size"),
            world_size=given.get("world_size"),
            trust=trust,
            steps=steps,
            device=device,
        )
    if isinstance(source, Mapping):
        return Loaded(load_config(dict(source), trust=trust, steps=steps, device=device))
    raise TypeError(
        "source must be a config path, a config mapping, a loaded Config, a scheduler factory "
        f"make(optimizer) -> scheduler, or a list or mapping of factories; got {type(source).__name__}"
    )


def _swept(config: Config, sweep: Any, force: bool) -> Config:
    """The config's ``sweep:`` block and ``sweep=`` applied (``sweep=`` wins per KEY), as ``--sweep`` does."""
    from lrviz.validate import apply_sweeps

    if sweep is None or isinstance(sweep, (str, list, tuple)):
        texts = [sweep] if isinstance(sweep, str) else list(sweep or [])
        bad = [t for t in texts if not isinstance(t, str)]
        if bad:
            raise TypeError(f"sweep= takes 'KEY=V1,V2' text or a mapping {{KEY: [values]}}; got {bad[0]!r}")
        return apply_sweeps(config, texts, force=force)
    if isinstance(sweep, Mapping):
        from lrviz.validate.sweep import validate_sweep_block

        return apply_sweeps(config.replace(sweep={**config.sweep, **validate_sweep_block(dict(sweep))}), force=force)
    raise TypeError(f"sweep= takes 'KEY=V1,V2' text or a mapping {{KEY: [values]}}; got {type(sweep).__name__}")


__all__ = ["OPTIONS", "Options", "SchedulerFactory", "Source", "check_options", "factories_of", "load"]
