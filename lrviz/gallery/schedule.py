"""Which configs a gallery worker renders together, and in which order the tasks start.

Only speed depends on it: every config is rendered by :func:`~lrviz.gallery.build.render_entry`
alone, whatever task it is in, so the gallery's bytes are the same however the work is cut.

**Framework files share a worker.** Planning a framework file imports its framework, and the
frameworks import each other's heavy parts: ``torch._dynamo`` (Megatron-Core, torchtune,
MMEngine's runner), transformers with accelerate, scipy and DeepSpeed (a TrainingArguments file,
MMEngine), DeepSpeed (a ds_config), OmegaConf (torchtune, Hydra, LightningCLI), pandas. A forked
worker starts with torch and matplotlib only (:mod:`lrviz.startup`), so each worker that meets
one of those files pays the imports again: about 4 s of CPU of the 33-config gallery went into
importing the same modules in both workers (benchmarks/RESULTS.md, issue 28). The framework
files are therefore one task (one per two workers on a bigger machine; one per worker when they
are most of the folder), started first: its worker pays each import once, while the others
render the lrviz configs.

**The longest first.** A framework bundle first, then the other configs biggest file first
(more schedules, a slower figure), so no slow task starts last and keeps one core busy alone.

A file's kind is read as ``lrviz.sources`` reads it when it is rendered (its keys,
:func:`lrviz.sources.files.detect`); a file whose kind cannot be told here is a task of its own
(its render says what is wrong with it).
"""

from __future__ import annotations

from pathlib import Path

#: The kinds whose planning or building imports a framework (and what the frameworks import).
FRAMEWORK_KINDS = frozenset({"hf", "deepspeed", "megatron", "torchtune", "mmengine", "lightningcli", "hydra", "timm"})


def kind_of(path: Path) -> str | None:
    """The file's kind by its keys (``lrviz``, ``hf``, ...); None when it cannot be told here."""
    from lrviz.sources.files import detect

    try:
        return detect(path)
    except Exception:  # unreadable, ambiguous, not a mapping, a saved command line...: its render says
        return None


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def plan_tasks(config_dir: str, rels: list[str], workers: int) -> list[tuple[str, ...]]:
    """The configs ``rels`` (sorted) cut into tasks for ``workers`` processes, in the order to start them.

    One worker: one config a task, in order (it all runs in this process anyway). More: the
    framework files in ``max(1, workers // 2)`` bundles (``workers`` bundles when they are more
    than half of the configs), dealt out in path order, then every other config alone, biggest
    file first.
    """
    if workers <= 1:
        return [(rel,) for rel in rels]
    root = Path(config_dir)
    framework = [rel for rel in rels if kind_of(root / rel) in FRAMEWORK_KINDS]
    alone = [rel for rel in rels if rel not in set(framework)]
    # one bundle per two workers, while the others have the rest to draw; a folder of mostly framework
    # files is dealt out to every worker (each still imports a framework at most once)
    count = min(len(framework), max(1, workers // 2) if 2 * len(framework) <= len(rels) else workers)
    bundles = [tuple(framework[i::count]) for i in range(count)]
    alone.sort(key=lambda rel: -_size(root / rel))  # stable: equal sizes keep path order
    return [*bundles, *((rel,) for rel in alone)]
