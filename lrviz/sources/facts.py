"""Facts a framework file does not hold, written down beside it: ``# lrviz: --dataset-size N``.

A ``TrainingArguments`` file, a timm ``args.yaml`` or a torchvision recipe says how
to train, not on how many examples or processes; lrviz needs those to count the
optimizer steps, and takes them from ``--dataset-size`` / ``--world-size``. A file
kept to be shown again (an example of ``configs/``, a gallery entry, a recipe of your
own) can carry them in a comment line, in the options' own words::

    # lrviz: --dataset-size 1281167 --world-size 8

The framework ignores the comment, so the file stays what it was. JSON holds no
comments: its lines go into a sidecar beside it, the file's name plus ``.lrviz``
(``hf-roberta-mnli.json.lrviz``), which holds comment lines only. Options given on
the command line (or to :func:`lrviz.sources.load_source`) override these. Only
``--dataset-size``, ``--world-size`` and ``--from`` may be written there: the facts
of the run, never how to draw it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path

from lrviz.errors import ConfigError, did_you_mean
from lrviz.numeric import whole_text
from lrviz.parse.yamlio import read_text

#: What opens a facts comment (after the ``#``).
PREFIX = "lrviz:"
#: The sidecar of ``x.json``: ``x.json.lrviz``.
SIDECAR_SUFFIX = ".lrviz"
#: Option -> the :class:`FileFacts` field it sets.
OPTIONS = {"--dataset-size": "dataset_size", "--world-size": "world_size", "--from": "kind"}
ALLOWED = "--dataset-size N, --world-size N, --from KIND"
MAX_SIZE = 10**12


@dataclass(frozen=True)
class FileFacts:
    """The facts a file carries for lrviz (None: not written)."""

    dataset_size: int | None = None
    world_size: int | None = None
    kind: str | None = None


def sidecar(path: str | Path) -> Path:
    """Where the comments of a file that holds none (JSON) are kept."""
    return Path(str(path) + SIDECAR_SUFFIX)


def _value(option: str, raw: str, kinds: tuple[str, ...], where: str) -> int | str:
    if option == "--from":
        if raw not in kinds:
            raise ConfigError(f"{where}: --from takes {', '.join(kinds)}, got {raw!r}")
        return raw
    return whole_text(raw, what=f"{where}: {option}", minimum=1, maximum=MAX_SIZE, error=ConfigError)


def _parse_line(body: str, where: str, kinds: tuple[str, ...]) -> dict[str, int | str]:
    """``--dataset-size 5 --world-size=8`` -> {field: value}."""
    tokens = body.split()
    found: dict[str, int | str] = {}
    i = 0
    while i < len(tokens):
        option, eq, raw = tokens[i].partition("=")
        if option not in OPTIONS:
            hint = did_you_mean(option, OPTIONS)
            raise ConfigError(f"{where}: unknown option {option!r}{hint}; a '# lrviz:' comment takes {ALLOWED}")
        if not eq:
            i += 1
            if i == len(tokens):
                raise ConfigError(f"{where}: {option} needs a value ({ALLOWED})")
            raw = tokens[i]
        if OPTIONS[option] in found:
            raise ConfigError(f"{where}: {option} is given twice")
        found[OPTIONS[option]] = _value(option, raw, kinds, where)
        i += 1
    return found


def _candidates(text: str) -> list[tuple[int, int, str]]:
    """(line number, offset of its ``#``, text after the ``#``) of every line that reads ``# lrviz:``."""
    found, offset = [], 0
    for n, line in enumerate(text.splitlines(keepends=True), start=1):
        stripped = line.strip()
        if stripped.startswith("#") and stripped.lstrip("#").strip().lower().startswith(PREFIX):
            found.append((n, offset + len(line) - len(line.lstrip()), stripped.lstrip("#").strip()))
        offset += len(line)
    return found


def _in_yaml_data(text: str, offsets: list[int]) -> set[int]:
    """The offsets that lie inside a YAML token (a block scalar, a quoted string): data, not comments.

    PyYAML's scanner drops comments, so a comment is what no token covers; its tokens'
    marks say where each scalar starts and ends, block scalars and multi-line quoted
    strings included. ``text`` has been parsed already by the same (pure-Python) scanner.
    """
    import yaml

    spans = [(t.start_mark.index, t.end_mark.index) for t in yaml.scan(text, Loader=yaml.SafeLoader)]
    return {o for o in offsets if any(start <= o < end for start, end in spans)}


def read_facts(text: str, *, kinds: tuple[str, ...], sidecar_of: str | None = None, syntax: str = "yaml") -> FileFacts:
    """The ``# lrviz:`` comment lines of ``text``: a framework file in YAML (``syntax="yaml"``: only
    lines that are YAML comments, never a line inside a block scalar or a quoted string), or the
    sidecar of ``sidecar_of`` (every line a comment). JSON has no comments (``syntax="json"``: none)."""
    if syntax == "json":
        return FileFacts()
    if sidecar_of is not None:
        for n, line in enumerate(text.splitlines(), start=1):
            if line.strip() and not line.strip().startswith("#"):
                raise ConfigError(
                    f"line {n}: a sidecar holds '#' comment lines only (the comments {sidecar_of} cannot hold)"
                )
    candidates = _candidates(text)
    in_yaml = candidates and sidecar_of is None and syntax == "yaml"  # a shell command line: every '#' line
    data = _in_yaml_data(text, [o for _, o, _ in candidates]) if in_yaml else set()
    facts: dict[str, int | str] = {}
    for n, offset, body in candidates:
        if offset in data:
            continue
        for name, value in _parse_line(body[len(PREFIX) :], f"line {n}", kinds).items():
            if name in facts:
                raise ConfigError(f"line {n}: a '# lrviz:' comment above already gives {name.replace('_', '-')}")
            facts[name] = value
    return FileFacts(**facts)  # type: ignore[arg-type]


def facts_for(
    path: str | Path, text: str, kinds: tuple[str, ...], *, is_json: bool = False, syntax: str | None = None
) -> FileFacts:
    """The facts of a framework file: its own comment lines (none in JSON), then its sidecar's (either may
    be absent). ``syntax`` (``yaml``, ``json``, ``shell``) overrides what ``is_json`` says."""
    source = str(path)
    try:
        own = read_facts(text, kinds=kinds, syntax=syntax or ("json" if is_json else "yaml"))
    except ConfigError as exc:
        raise exc.located(file=source) from None
    side = sidecar(path)
    if not side.is_file():  # a FIFO or a folder of that name is not a sidecar
        return own
    try:
        other = read_facts(read_text(side), kinds=kinds, sidecar_of=Path(source).name)
    except ConfigError as exc:
        raise exc.located(file=str(side)) from None
    merged = own
    for f in fields(FileFacts):
        value = getattr(other, f.name)
        if value is None:
            continue
        if getattr(own, f.name) is not None:
            raise ConfigError(
                f"{f.name.replace('_', '-')} is given in {source!r} and in its sidecar; keep one", file=str(side)
            )
        merged = replace(merged, **{f.name: value})
    return merged
