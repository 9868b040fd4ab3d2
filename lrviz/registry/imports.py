"""Your own scheduler: ``scheduler: "package.module:Name"`` or ``"path/to/file.py:Name"``.

The target is a scheduler class or a factory, called the way transformers'
``get_*_schedule*`` functions and torch's classes are: the optimizer first, the
config's ``params`` as keywords. Its signature (minus that first parameter) drives
validation exactly like a torch class's: unknown names are refused with a
suggestion, annotated types are checked, ``**kwargs`` accepts anything.

Importing runs code, so nothing is imported unless the *user* trusts the config:
``--trust`` on the command line or ``LRVIZ_TRUST=1`` (``Config.trust``). A config
cannot grant itself trust. File paths are relative to the config file's folder; a
path that leaves that folder tree is allowed with trust (and only with it, like any
import), and the refusal says where it points.

An object the target returns that is not a torch ``LRScheduler`` but has ``step()``
(timm-style) is wrapped by :mod:`lrviz.registry.adapter` when it is built.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from lrviz.errors import ConfigError, TrustError, did_you_mean, first_line
from lrviz.registry.kind import SchedulerInfo
from lrviz.registry.signature import first_doc_line, signature_params, takes_positional
from lrviz.registry.writing import Code, Writing, with_optimizer

FORMS = "'package.module:Name' or 'path/to/file.py:Name' (relative to the config's folder)"

#: (resolved path, mtime_ns, size) -> module, so a file is executed once per version, not once per schedule.
_FILE_MODULES: dict[tuple[str, int, int], ModuleType] = {}


def parse_target(name: str, key: str | None) -> tuple[str, str, bool]:
    """Split ``left:Attr.Path`` into (left, attribute path, left is a file path)."""
    left, sep, attr = name.strip().rpartition(":")
    parts = attr.split(".")
    if not sep or not left or not all(p.isidentifier() for p in parts):
        raise ConfigError(f"expected {FORMS}, got {name!r}", key=key)
    is_file = left.endswith(".py") or "/" in left or "\\" in left
    if not is_file and not all(p.isidentifier() for p in left.split(".")):
        raise ConfigError(f"{left!r} is neither a module name nor a .py file; expected {FORMS}", key=key)
    return left, attr, is_file


def _within(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def refusal(name: str, *, left: str, is_file: bool, path: Path | None, base: Path) -> str:
    """The message for an import target without trust: what, why, and how to allow it."""
    what = f"the file {left!r}" if is_file else f"the module {left!r}"
    msg = (
        f"{name!r} imports {what}, which runs its Python code; lrviz does that only with --trust "
        "(or LRVIZ_TRUST=1), and a config cannot grant trust itself"
    )
    if is_file and path is not None and not _within(path, base):
        msg += f"; note that {str(path)!r} is outside the config's folder {str(base)!r}"
    return msg


@contextmanager
def _extra_path(*folders: Path, first: bool) -> Iterator[None]:
    """Let the imported code find its neighbours, for the duration of the import only.

    ``first``: searched before the installed packages (a file's own folder, as when
    Python runs a script), else after them (module names: installed packages win).
    """
    added = [str(f) for f in folders if str(f) not in sys.path]
    if first:
        sys.path[:0] = added
    else:
        sys.path.extend(added)
    try:
        yield
    finally:
        for f in added:
            try:
                sys.path.remove(f)
            except ValueError:
                pass


def _failure(what: str, exc: BaseException, key: str | None) -> ConfigError:
    detail = first_line(exc, with_type=True)
    frames = traceback.extract_tb(exc.__traceback__)
    if frames and not isinstance(exc, SyntaxError):  # a SyntaxError names its line already
        last = frames[-1]
        detail += f" ({Path(last.filename).name}, line {last.lineno})"
    return ConfigError(f"importing {what} failed: {detail}", key=key)


def _load_file(path: Path, shown: str, base: Path, key: str | None) -> ModuleType:
    if not path.is_file():
        raise ConfigError(
            f"no such file {str(path)!r} (a file path is relative to the config's folder {str(base)!r})", key=key
        )
    stat = path.stat()
    cache_key = (str(path), stat.st_mtime_ns, stat.st_size)
    if cache_key in _FILE_MODULES:
        return _FILE_MODULES[cache_key]
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:12]
    mod_name = f"lrviz_user_{''.join(c if c.isalnum() else '_' for c in path.stem)}_{digest}"
    spec = importlib.util.spec_from_file_location(mod_name, path)
    if spec is None or spec.loader is None:
        raise ConfigError(f"cannot import {str(path)!r} as Python code", key=key)
    module = importlib.util.module_from_spec(spec)
    # registered before running it, like a normal import: dataclasses, pickling and
    # string annotations look the module up by name
    sys.modules[mod_name] = module
    try:
        with _extra_path(path.parent, first=True):
            spec.loader.exec_module(module)
    except (Exception, SystemExit) as exc:
        sys.modules.pop(mod_name, None)
        raise _failure(repr(shown), exc, key) from exc
    _FILE_MODULES[cache_key] = module
    return module


def _load_module(name: str, base: Path, key: str | None) -> ModuleType:
    try:
        importlib.invalidate_caches()  # a package written since start-up must be found
        with _extra_path(base, Path.cwd(), first=False):
            return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        missing = exc.name or name
        if name == missing or name.startswith(missing + "."):
            raise ConfigError(
                f"no module named {missing!r} (searched the installed packages, the config's folder and the "
                "current folder)",
                key=key,
            ) from exc
        raise _failure(f"module {name!r}", exc, key) from exc
    except (Exception, SystemExit) as exc:
        raise _failure(f"module {name!r}", exc, key) from exc


def _attribute(module: ModuleType, attr: str, where: str, key: str | None) -> Any:
    obj: Any = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            choices = [n for n in dir(obj) if not n.startswith("_")]
            raise ConfigError(f"{where} has no attribute {part!r}{did_you_mean(part, choices)}", key=key)
        obj = getattr(obj, part)
    return obj


def _import_target(name: str, *, key: str | None, base_dir: Path | None, trust: bool) -> Any:
    """The callable ``name`` points at; refused with :class:`TrustError` before anything is read."""
    left, attr, is_file = parse_target(name, key)
    base = Path(base_dir if base_dir is not None else os.getcwd()).resolve()
    path = None
    if is_file:
        path = Path(left).expanduser()
        path = (path if path.is_absolute() else base / path).resolve()
    if not trust:
        raise TrustError(refusal(name, left=left, is_file=is_file, path=path, base=base), key=key)
    if path is not None:
        module, where = _load_file(path, left, base, key), repr(left)
    else:
        module, where = _load_module(left, base, key), f"module {left!r}"
    target = _attribute(module, attr, where, key)
    if not callable(target):
        raise ConfigError(
            f"{attr!r} in {where} is a {type(target).__name__}, not a scheduler class or factory", key=key
        )
    if not takes_positional(target):
        raise ConfigError(f"{name!r} must take the optimizer as its first argument", key=key)
    return target


class ImportedMaker:
    """Calls an import target with the optimizer first and the params as keywords.

    Picklable by name: a spawned worker process imports the target again (the user
    trusted it already; a forked one finds it imported).
    """

    def __init__(self, name: str, base_dir: Path | None, target: Any = None):
        self.name = name
        self.base_dir = base_dir
        self._target = target

    def __call__(self, optimizer: Any, **kwargs: Any) -> Any:
        if self._target is None:
            self._target = _import_target(self.name, key=None, base_dir=self.base_dir, trust=True)
        return self._target(optimizer, **kwargs)

    def __reduce__(self) -> tuple[Any, ...]:
        return (ImportedMaker, (self.name, self.base_dir))


def load_target(name: str, *, key: str | None, base_dir: Path | None = None, trust: bool = False) -> SchedulerInfo:
    """Resolve an import target to a :class:`~lrviz.registry.kind.SchedulerInfo` (kind ``"import"``).

    Refused with :class:`~lrviz.errors.TrustError` unless ``trust``; nothing is read or
    executed before that check.
    """
    target = _import_target(name, key=key, base_dir=base_dir, trust=trust)
    params, accepts_any = signature_params(target, skip_first=True)
    doc = inspect.cleandoc(target.__doc__ or "")  # its own, not one inherited from LambdaLR
    fills = {p.name: "scheduler_steps" for p in params if p.name == "num_training_steps" and p.required}
    return SchedulerInfo(
        name=name,
        kind="import",
        make=ImportedMaker(name, base_dir, target),
        params=params,
        accepts_any=accepts_any,
        summary=first_doc_line(doc),
        doc=doc,
        fills=fills,
    )


class ImportKind:
    """``"package.module:Name"`` and ``"path/file.py:Name"``: the user's own code, with trust only."""

    name = "import"

    def claims(self, name: str) -> bool:
        return ":" in name

    def lookup(self, name: str, *, key: str | None, base_dir: Path | None, trust: bool) -> SchedulerInfo:
        return load_target(name, key=key, base_dir=base_dir, trust=trust)

    def catalogue(self) -> dict[str, SchedulerInfo]:
        return {}

    def code(self, writing: Writing) -> Code:
        """``module:Name`` or ``file.py:Name``, imported as the config's folder sees it (a file: from that folder)."""
        spec = writing.spec
        left, attr, is_file = parse_target(spec.name, key=spec.key)
        if writing.adapted():
            raise ConfigError(
                f"{spec.name} is not a torch scheduler (lrviz steps it through an adapter, timm-style): lrviz code "
                "writes plain torch loops only",
                key=spec.key,
            )
        head = attr.partition(".")[0]
        if not is_file:
            return Code(with_optimizer(writing, attr), imports=(f"from {left} import {head}",))
        path = writing.base_dir / left
        if not path.stem.isidentifier():
            raise ConfigError(f"lrviz code cannot import {left!r}: its name is not a Python module name", key=spec.key)
        importing = f"from {path.stem} import {head}  # noqa: E402"
        return Code(with_optimizer(writing, attr), imports=(importing,), folder=path.parent)
