"""Any file in, a validated :class:`~lrviz.spec.Config` out: an lrviz config or a framework's file.

The one function every interface calls to read a path (the CLI's commands, the gallery,
the Python API): :func:`load_source`. It tells the kind from the file's keys (or takes
the kind it is given), then

* an lrviz config goes through :func:`lrviz.validate.load_config`, as always;
* a framework file is planned (:func:`lrviz.sources.plan`: the framework's arithmetic,
  the equivalent lrviz config) and that config goes through the same validation. Its
  schedule names a framework-built scheduler (``hf.<type>``, ``timm.<sched>``) or torch
  classes, so it needs no trust, and the result keeps the :class:`~lrviz.sources.Plan`
  for what the outputs show of the arithmetic.

The facts a framework file does not hold come from the caller (``dataset_size``,
``world_size``), else from the file's ``# lrviz:`` comment (:mod:`lrviz.sources.facts`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lrviz.errors import ConfigError, LrvizError
from lrviz.parse.yamlio import parse_yaml, read_text
from lrviz.sources.facts import FileFacts, facts_for
from lrviz.sources.files import KINDS, detect, parse_json, python_kind
from lrviz.sources.plan import Plan, Row

if TYPE_CHECKING:
    from lrviz.spec import Config


@dataclass(frozen=True)
class Loaded:
    """A file read: its validated config, and for a framework file the plan behind it."""

    config: Config
    plan: Plan | None = None

    @property
    def kind(self) -> str:
        """``lrviz``, ``hf``, ``timm`` or ``torchvision``."""
        return self.plan.kind if self.plan is not None else "lrviz"

    @property
    def summary(self) -> str | None:
        """The arithmetic in one line (a plot's subtitle), None for an lrviz config."""
        return self.plan.summary if self.plan is not None else None


def _is_json(path: Path, text: str) -> bool:
    suffix = path.suffix.lower()
    return suffix == ".json" or (suffix not in (".yaml", ".yml") and text.lstrip().startswith("{"))


def _kind_of(data: Any, is_json: bool, source: str) -> str:
    """The detected kind. A YAML file that is no mapping is left to lrviz's loader, which says what a
    config must be; a file with any key only lrviz uses is an lrviz config (its own checks then name
    a stray framework key better than "ambiguous" would)."""
    if not isinstance(data, dict):
        if is_json:
            raise ConfigError("expected a JSON object of settings at the top level", file=source)
        return "lrviz"
    try:
        return detect(data)
    except ConfigError as exc:
        raise exc.located(file=source) from None


def load_source(
    path: str | os.PathLike[str],
    *,
    kind: str | None = None,
    dataset_size: int | None = None,
    world_size: int | None = None,
    trust: bool = False,
    steps: int | None = None,
    device: str | None = None,
    transformers_version: str | None = None,
) -> Loaded:
    """Read the file at ``path`` (an lrviz config or a framework file) into a validated config.

    ``kind`` forces the kind (the command line's ``--from``): ``lrviz``, ``hf``,
    ``timm`` or ``torchvision``; by default it is detected from the keys, and a file
    that fits no kind or several is refused, naming what was expected.
    ``dataset_size`` / ``world_size`` are the training examples and processes a
    framework file does not hold (they override its ``# lrviz:`` comment; the world
    size defaults to 1); an lrviz config ignores them. ``trust``, ``steps`` and
    ``device`` are :func:`lrviz.validate.load_config`'s. ``transformers_version`` plans a
    TrainingArguments file with that release's rules (default: the installed release's). Every problem is one
    :class:`~lrviz.errors.LrvizError` naming the file and the key or option.

    >>> loaded = load_source("configs/frameworks/torchvision-resnet50.yaml")  # doctest: +SKIP
    >>> loaded.kind, loaded.config.steps  # doctest: +SKIP
    ('torchvision', 450450)
    """
    from lrviz.validate import load_config

    if kind is not None and kind not in KINDS:
        raise LrvizError(f"the kind (--from) must be one of {', '.join(KINDS)}, got {kind!r}")
    file = Path(path)
    source = str(file)
    if kind == "lrviz":
        return Loaded(load_config(file, trust=trust, steps=steps, device=device))
    python = file.suffix.lower() == ".py"
    text = None if kind == "mmengine" else read_text(file)  # MMEngine's reader reads the file and its _base_ files
    if python and (text is None or kind is None and python_kind(text) == "mmengine"):
        from lrviz.sources.mmfile import read_mm

        names, mm_facts = read_mm(file, trust=trust, kinds=KINDS)
        args = (dataset_size, world_size, trust, steps, device)
        return _framework(file, names, "mmengine", mm_facts, *args)  # an OpenMMLab config is Python; lrviz's are YAML
    text = read_text(file) if text is None else text
    if kind == "function" or (kind is None and python):
        from lrviz.sources.lrfunction import plan_file

        return _finish(file, plan_file(file, text, steps=steps), {}, trust, steps, device)
    is_json = _is_json(file, text)
    data, syntax = _parsed(text, source, is_json, kind)
    facts = facts_for(file, text, KINDS, is_json=is_json, syntax=syntax) if isinstance(data, dict) else None
    if kind is None and facts is not None and facts.kind is not None:
        kind = facts.kind
    if kind is None and syntax == "shell":
        kind = "megatron"
    if kind is None:
        kind = _kind_of(data, is_json, source)
    if kind == "lrviz":
        return Loaded(load_config(file, trust=trust, steps=steps, device=device))
    return _framework(
        file, data, kind, facts, dataset_size, world_size, trust, steps, device, transformers_version
    )  # fmt: skip


def _parsed(text: str, source: str, is_json: bool, kind: str | None) -> tuple[Any, str]:
    """(the parsed file, its syntax): JSON, YAML, or ``shell``: a saved Megatron command line
    (``--lr-decay-style cosine ...``; :mod:`lrviz.sources.megatron_args`), which YAML reads as text or refuses."""
    if is_json:
        return parse_json(text, source=source), "json"
    if kind not in (None, "megatron"):
        return parse_yaml(text, source=source), "yaml"
    from lrviz.sources.megatron_args import looks_like_command_line, parse_command_line

    try:
        data, error = parse_yaml(text, source=source), None
    except ConfigError as exc:
        data, error = None, exc
    if not isinstance(data, dict) and looks_like_command_line(text):
        try:
            found, other = parse_command_line(text)
        except ConfigError as exc:
            raise exc.located(file=source) from None
        return {**found, "__other_flags__": other}, "shell"
    if error is not None:
        raise error
    return data, "yaml"


def _framework(
    file: Path,
    data: Any,
    kind: str,
    facts: FileFacts | None,
    dataset_size: int | None,
    world_size: int | None,
    trust: bool,
    steps: int | None,
    device: str | None,
    transformers_version: str | None = None,
) -> Loaded:
    from lrviz.sources.files import expect_mapping
    from lrviz.sources.planning import plan

    source = str(file)
    mapping = expect_mapping(data, source)
    from_file: dict[str, str] = {}  # row -> the option that would override the file's comment
    if dataset_size is None and facts is not None and facts.dataset_size is not None:
        dataset_size, from_file["examples"] = facts.dataset_size, "--dataset-size"
    if world_size is None and facts is not None and facts.world_size is not None:
        world_size, from_file["world size"] = facts.world_size, "--world-size"
    planned = plan(
        mapping,
        kind=kind,
        dataset_size=dataset_size,
        world_size=1 if world_size is None else world_size,
        source=source,
        transformers_version=transformers_version,
        trust=trust,
    )
    return _finish(file, planned, from_file, trust, steps, device)


def _finish(
    file: Path, planned: Plan, from_file: dict[str, str], trust: bool, steps: int | None, device: str | None
) -> Loaded:
    """The plan's config validated (its errors naming the file), and its rows saying where facts came from."""
    from lrviz.validate import load_config

    source = str(file)
    try:
        config = load_config(planned.config, trust=trust, steps=steps, device=device)
    except LrvizError as exc:
        raise exc.located(file=source) from None
    for i, row in enumerate(planned.rows):  # say where a fact came from: the file's comment, not an option
        if row.name in from_file:
            planned.rows[i] = replace(row, how=f"the file's '# lrviz:' comment ({from_file[row.name]} overrides it)")
    total = planned.row("total optimizer steps").value
    if steps is not None and steps != total:
        planned.rows.append(Row("note", f"--steps {steps:,}: the run shown is not the {total:,} planned"))
    return Loaded(config.replace(source=file), planned)
