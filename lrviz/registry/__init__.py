"""Which schedulers exist, and what they take: one registry of *kinds*.

A config names a scheduler by a string; a kind claims the string and says what makes
the scheduler and which parameters it takes (read from the maker's own signature,
:mod:`lrviz.registry.signature`). Nothing here is a hard-coded list of schedulers:

* :mod:`~lrviz.registry.torch_classes`: every scheduler class of the installed torch
  (CamelCase names), discovered at run time;
* :mod:`~lrviz.registry.presets`: the Hugging Face schedules (lower-case names);
* :mod:`~lrviz.registry.frameworks`: ``hf.<type>`` / ``timm.<sched>``, built by the
  framework's own factory (transformers' ``get_scheduler``, timm's ``create_scheduler_v2``);
* :mod:`~lrviz.registry.deepspeed`: ``ds.<Type>``, DeepSpeed's scheduler classes, stepped as
  its engine steps them;
* :mod:`~lrviz.registry.torchtune`: ``torchtune.<function>``, torchtune's schedule functions,
  called as its recipes call them;
* :mod:`~lrviz.registry.megatron`: ``megatron.<style>``, Megatron-Core's OptimizerParamScheduler,
  stepped as Megatron-LM's training loop steps it;
* :mod:`~lrviz.registry.lrfunction`: ``function:file.py:get_lr``, a plain lr function of the
  step, called by lrviz (with trust only);
* :mod:`~lrviz.registry.mmengine`: ``mm.<Type>`` and ``mm.param_scheduler``, MMEngine's
  scheduler classes, built and stepped as its runner does;
* :mod:`~lrviz.registry.imports`: ``"package.module:Name"`` / ``"file.py:Name"``, the
  user's own code, imported only with trust.

Adding a kind (a framework's own scheduler factory, say) is one class with ``claims``,
``lookup``, ``catalogue`` and ``code`` (how ``lrviz code`` writes it, :mod:`~lrviz.registry.writing`),
and one entry in :data:`KINDS`; validation, building,
stepping and ``lrviz list`` then treat it like the others. A kind's maker may return
any object with ``step()``: :func:`lrviz.build.build_scheduler` adapts what is not a
torch scheduler (:mod:`lrviz.registry.adapter`).
"""

from __future__ import annotations

from pathlib import Path

from lrviz.errors import ConfigError, by_any_case, did_you_mean
from lrviz.registry.deepspeed import DeepSpeedKind
from lrviz.registry.frameworks import FrameworkKind
from lrviz.registry.imports import ImportKind
from lrviz.registry.kind import Kind, SchedulerInfo
from lrviz.registry.lrfunction import FunctionKind
from lrviz.registry.megatron import MegatronKind
from lrviz.registry.mmengine import MMEngineKind
from lrviz.registry.presets import PresetKind
from lrviz.registry.torch_classes import TorchKind
from lrviz.registry.torchtune import TorchtuneKind
from lrviz.registry.writing import Code, Writing

#: The kinds, in order: the first that claims a name resolves it. A new kind goes here
#: (frameworks before presets: ``hf.cosine`` is lower-case too).
KINDS: tuple[Kind, ...] = (
    FunctionKind(),  # before ImportKind, which claims every name with a ':'
    ImportKind(),
    FrameworkKind(),
    DeepSpeedKind(),
    MMEngineKind(),
    TorchtuneKind(),
    MegatronKind(),
    TorchKind(),
    PresetKind(),
)


def catalogue() -> dict[str, SchedulerInfo]:
    """Every scheduler a config can name without an import target, by name."""
    out: dict[str, SchedulerInfo] = {}
    for kind in KINDS:
        out.update(kind.catalogue())
    return out


def resolve(name: str, *, key: str | None, base_dir: Path | None = None, trust: bool = False) -> SchedulerInfo:
    """The scheduler ``name`` names, or a :class:`ConfigError` saying what exists.

    Names are matched without regard to case when the exact spelling names nothing
    (``steplr`` is StepLR, ``Cosine`` the preset cosine); import targets (``module:Name``)
    are paths and stay exact.
    """
    info = _claimed(name, key, base_dir, trust)
    near = _near(name) if info is None else {}
    if info is None and ":" not in name:
        canonical = by_any_case(name, near)
        if canonical is not None:
            info = _claimed(canonical, key, base_dir, trust)
    if info is not None:
        return info
    raise ConfigError(
        f"unknown scheduler {name!r}{did_you_mean(name, near)}; run 'lrviz list' to see all "
        "(CamelCase: torch classes, lower-case: presets, 'module:Name' or 'file.py:Name' with --trust)",
        key=key,
    )


def code(writing: Writing) -> Code:
    """How ``lrviz code`` writes ``writing.spec``: asked of the kind that resolved it (``Kind.code``)."""
    kind = next(k for k in KINDS if k.name == writing.spec.kind)
    return kind.code(writing)


def _near(name: str) -> dict[str, SchedulerInfo]:
    """The names ``name`` may be a miscased or misspelt form of: the catalogues of the kinds that claim it
    in some casing. A framework's names carry its prefix (``ds.``, ``torchtune.``, ``mm.``...), so a typo
    of a torch class or a preset never imports DeepSpeed, torchtune, MMEngine and Megatron (seconds each)."""
    spellings = {name, name.lower(), name.upper(), name[:1].upper() + name[1:], name[:1].lower() + name[1:]}
    out: dict[str, SchedulerInfo] = {}
    for kind in KINDS:
        if ":" not in name and any(kind.claims(spelling) for spelling in spellings):
            out.update(kind.catalogue())
    return out


def _claimed(name: str, key: str | None, base_dir: Path | None, trust: bool) -> SchedulerInfo | None:
    """What the first kind that claims ``name`` resolves it to (None: no kind has it)."""
    for kind in KINDS:
        if kind.claims(name):
            return kind.lookup(name, key=key, base_dir=base_dir, trust=trust)
    return None


__all__ = ["KINDS", "Code", "Kind", "SchedulerInfo", "Writing", "catalogue", "code", "resolve"]
