"""Read YAML configs safely, with bounded time and memory.

Configs are pasted from issues and generated in CI, so the reader assumes nothing:
only :class:`yaml.SafeLoader` (never the full loader), a size cap before parsing,
strict UTF-8, a nesting-depth cap while composing, and an alias-expansion cap so a
"billion laughs" document is refused before anyone walks it.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from lrviz.errors import ConfigError
from lrviz.inputs import read_capped
from lrviz.parse.yamlerrors import excerpt, explain

MAX_BYTES = 1_000_000
MAX_DEPTH = 64
MAX_NODES = 100_000  # nodes after expanding aliases


class _Marked(ConfigError):
    """A refusal at a place in the YAML text; :func:`parse_yaml` adds the line and a caret."""

    def __init__(self, message: str, mark: yaml.Mark):
        super().__init__(f"{message} at line {mark.line + 1}, column {mark.column + 1}")
        self.mark = mark


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that refuses documents nested deeper than MAX_DEPTH.

    It also reads ``1e-3`` as a number: PyYAML follows YAML 1.1, where a float needs a
    dot (``1.0e-3``), so ``lr: 1e-3`` would otherwise arrive as the string "1e-3".
    """

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise _Marked(f"YAML nested deeper than {MAX_DEPTH} levels", mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


# YAML 1.2's float syntax (1e-3, 1E5, .5, 1.), as in YAML 1.1 plus exponents without a dot.
_FLOAT = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |\.[0-9_]+(?:[eE][-+]?[0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)
_BoundedLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:float"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_BoundedLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))

#: Characters of an integer literal. Python refuses to convert ints of more than 4300
#: decimal digits to or from text (a ValueError deep inside PyYAML, or later in any
#: message that shows the value), and no count, step or seed needs more than a few.
MAX_INT_CHARS = 100


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = str(node.value)
    if len(text) > MAX_INT_CHARS:
        raise _Marked(f"an integer of {len(text)} characters (at most {MAX_INT_CHARS} are allowed)", node.start_mark)
    return yaml.SafeLoader.construct_yaml_int(loader, node)


_BoundedLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def _expanded_size(node: yaml.Node) -> int:
    """Count nodes as a consumer walking the data would see them (aliases expanded)."""
    memo: dict[int, int] = {}

    def size(n: yaml.Node) -> int:
        if id(n) in memo:
            return memo[id(n)]
        memo[id(n)] = MAX_NODES + 1  # a cycle counts as too big
        if isinstance(n, yaml.MappingNode):
            total = 1
            seen: set[str] = set()
            for k, v in n.value:
                if isinstance(k, yaml.ScalarNode):
                    if k.value in seen:
                        raise _Marked(f"duplicate key {k.value!r} (a key may appear once in a mapping)", k.start_mark)
                    seen.add(k.value)
                total += size(k) + size(v)
                if total > MAX_NODES:
                    break
        elif isinstance(n, yaml.SequenceNode):
            total = 1
            for v in n.value:
                total += size(v)
                if total > MAX_NODES:
                    break
        else:
            total = 1
        memo[id(n)] = total
        return total

    return size(node)


def parse_yaml(text: str, *, source: str = "<config>") -> object:
    """Parse one YAML document from ``text`` with all the limits of this module."""
    try:
        loader = _BoundedLoader(text)
    except yaml.reader.ReaderError as exc:  # a control character: PyYAML refuses it before parsing
        raise ConfigError(_unprintable(exc, text), file=source, excerpt=_reader_excerpt(exc, text)) from None
    try:
        node = loader.get_single_node()
        if node is None:
            raise ConfigError(
                "the config is empty; expected a mapping with at least 'steps' and 'schedules'", file=source
            )
        if _expanded_size(node) > MAX_NODES:
            raise ConfigError(
                f"the YAML expands to more than {MAX_NODES} values (anchors and aliases included); refusing it",
                file=source,
            )
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        shown = excerpt(text, mark.line, mark.column) if mark else ()
        raise ConfigError(f"invalid YAML{where}: {explain(exc, text)}", file=source, excerpt=shown) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"invalid YAML: {exc}", file=source) from None
    except RecursionError:
        raise ConfigError(f"YAML nested too deeply (more than {MAX_DEPTH} levels)", file=source) from None
    except _Marked as exc:
        exc.excerpt = excerpt(text, exc.mark.line, exc.mark.column)
        raise exc.located(file=source) from None
    except ConfigError as exc:
        raise exc.located(file=source) from None
    finally:
        loader.dispose()


def _unprintable(exc: yaml.reader.ReaderError, text: str) -> str:
    line, column = _position(text, exc.position)
    char = chr(exc.character) if isinstance(exc.character, int) else str(exc.character)
    return (
        f"invalid YAML at line {line + 1}, column {column + 1}: the character {char!r} "
        "(a control character) is not allowed in YAML; remove it"
    )


def _position(text: str, offset: int) -> tuple[int, int]:
    before = text[:offset]
    line = before.count("\n")
    return line, offset - (before.rfind("\n") + 1)


def _reader_excerpt(exc: yaml.reader.ReaderError, text: str) -> tuple[str, ...]:
    return excerpt(text, *_position(text, exc.position))


def read_yaml_file(path: str | Path) -> object:
    """Read and parse a config file, refusing huge, binary and non-UTF-8 files."""
    return parse_yaml(read_text(path), source=str(path))


def read_text(path: str | Path) -> str:
    """A config file's text: a regular file of at most MAX_BYTES, UTF-8, no NUL bytes (also for JSON sources)."""
    source = str(path)
    data = read_capped(
        path,
        limit=MAX_BYTES,
        what="a YAML config file",
        error=ConfigError,
        too_large=f"file is larger than {MAX_BYTES // 1000} kB; a config should be a few lines",
    )
    if b"\x00" in data:
        raise ConfigError("file contains NUL bytes; expected a UTF-8 text YAML file", file=source)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"file is not UTF-8 text (bad byte at offset {exc.start})", file=source) from None
    return text


class _Dumper(yaml.SafeDumper):
    """SafeDumper that writes what :func:`parse_yaml` reads back as the same data.

    Its resolvers are the reader's, so a string the reader would take for a number
    (``"1e100"``) is quoted; a string with anything but printable text (a line break,
    ``\\x85``, ``\\u2028``, a control character) is written double-quoted, where YAML
    escapes it: PyYAML's own choice writes ``\\x85`` raw into a single-quoted scalar,
    which reads back as a space.
    """


_Dumper.yaml_implicit_resolvers = _BoundedLoader.yaml_implicit_resolvers


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = None if value.isprintable() else '"'
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def dump_yaml(data: object) -> str:
    """``data`` as YAML text (keys in their order, Unicode as written): config text stays data (issue 33)."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1000)
