"""OmegaConf's ``${...}`` interpolation, resolved by OmegaConf itself after lrviz has vetted it.

A Hydra config says ``T_max: ${trainer.max_epochs}``; what that means is OmegaConf's
business, so lrviz never resolves a reference by hand: :func:`resolve` hands the file's
mapping to ``OmegaConf.create`` and ``OmegaConf.to_container(resolve=True)``. Before
that, :func:`vet` reads every interpolation of the file (as data, nothing resolved) and
refuses, naming the key:

* a resolver call (``${oc.env:HOME}``, ``${now:...}``, any ``${name:...}``): it reads
  outside the file (the environment, the clock, Hydra's runtime), so the schedule would
  not be the file's;
* an interpolation inside another (``${a.${b}}``): its target is not known before it is
  resolved, so it cannot be vetted;
* a loop (``a: ${b}``, ``b: ${a}``), with its path, before OmegaConf recurses into it, and
  a chain of references longer than :data:`MAX_CHAIN`;
* text that would grow past :data:`MAX_RESOLVED` characters once resolved (``a: ${b}${b}``,
  ``b: ${c}${c}``...: each level doubles it, the "billion laughs"), estimated from the
  references alone without building anything.

So OmegaConf only ever resolves plain ``${key}`` / ``${.sibling}`` references of bounded
size. omegaconf's grammar was generated with ANTLR 4.9.3 and needs that runtime
(another one fails with "Could not deserialize ATN"); a broken or missing omegaconf is
one clear error naming what to install.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from lrviz.errors import ConfigError, first_line

#: The longest text a value may resolve to (the files themselves are at most 1 MB).
MAX_RESOLVED = 1_000_000
#: The longest chain of references (and nesting) followed (``a: ${b}``, ``b: ${c}``...).
MAX_CHAIN = 200
_OPEN = re.compile(r"(?<!\\)\$\{")
_PART = re.compile(r"[^.\[\]]+|\[[^\]]*\]")

Path = tuple[Any, ...]


def _references(text: str, where: str) -> list[str]:
    """The plain references of one string: ``${a.b}`` -> ``a.b``; anything else is refused."""
    out = []
    for m in _OPEN.finditer(text):
        depth, i = 1, m.end()
        while i < len(text) and depth:
            if text.startswith("${", i):
                depth += 1
                i += 1
            elif text[i] == "}":
                depth -= 1
            i += 1
        body = text[m.end() : i - 1].strip()
        if depth:
            raise ConfigError(f"an interpolation '${{' without its closing '}}' in {text[:80]!r}", key=where)
        if "${" in body:
            raise ConfigError(
                f"an interpolation inside another ({text[:80]!r}): lrviz lets OmegaConf resolve plain ${{key}} "
                "references only, whose target it can check first",
                key=where,
            )
        if ":" in body:
            name = body.split(":", 1)[0].strip()
            raise ConfigError(
                f"a resolver call ${{{name}:...}}: it reads outside the file (environment, clock, Hydra's runtime), "
                "so lrviz does not run it; write the value into the file (lrviz resolves plain ${key} references)",
                key=where,
            )
        out.append(body)
    return out


def _target(node: Path, ref: str) -> Path:
    """The absolute path a reference in the value at ``node`` points to (OmegaConf's rules:
    ``key.sub`` from the root; ``.key`` a sibling, each further dot one level up)."""
    dots = len(ref) - len(ref.lstrip("."))
    rest = ref[dots:]
    base: Path = () if dots == 0 else node[: max(len(node) - dots, 0)]
    parts: list[Any] = []
    for p in _PART.findall(rest):
        if p.startswith("["):
            inner = p[1:-1].strip()
            parts.append(int(inner) if inner.lstrip("-").isdigit() else inner)
        else:
            parts.append(int(p) if p.isdigit() else p)
    return base + tuple(parts)


def _walk(value: Any, path: Path, out: dict[Path, Any]) -> None:
    stack = [(path, value)]
    while stack:
        p, v = stack.pop()
        out[p] = v
        if isinstance(v, dict):
            stack.extend((p + (k,), c) for k, c in v.items())
        elif isinstance(v, list):
            stack.extend((p + (i,), c) for i, c in enumerate(v))


def _shown(path: Path) -> str:
    return ".".join(str(p) for p in path) or "<root>"


def vet(data: dict[str, Any]) -> None:
    """Refuse what OmegaConf should not be asked to resolve (see the module docstring)."""
    nodes: dict[Path, Any] = {}
    _walk(data, (), nodes)
    refs = {p: _references(v, _shown(p)) for p, v in nodes.items() if isinstance(v, str) and "${" in v}
    if not refs:
        return
    sizes: dict[Path, int] = {}

    def size(path: Path, trail: list[Path]) -> int:
        if path in sizes:
            return sizes[path]
        if path in trail:
            cycle = trail[trail.index(path) :]  # told from the key reported: a -> b -> a
            loop = " -> ".join(_shown(p) for p in [cycle[-1], *cycle[:-1], cycle[-1]])
            raise ConfigError(f"an interpolation loop: {loop}", key=_shown(trail[-1]))
        if len(trail) > MAX_CHAIN:
            raise ConfigError(f"interpolations chained more than {MAX_CHAIN} deep; refusing it", key=_shown(trail[0]))
        value = nodes.get(path)
        trail.append(path)
        if isinstance(value, dict | list):
            children = value.keys() if isinstance(value, dict) else range(len(value))
            total = sum(size(path + (k,), trail) for k in children)
        elif path in refs:
            total = len(str(value)) + sum(size(_target(path, r), trail) for r in refs[path])
        else:
            total = len(str(value))
        trail.pop()
        if total > MAX_RESOLVED:
            raise ConfigError(
                f"resolves to more than {MAX_RESOLVED:,} characters of text (interpolations that repeat "
                "interpolations); refusing it",
                key=_shown(path),
            )
        sizes[path] = total
        return total

    for path in refs:
        size(path, [])


def omegaconf_module(key: str | None = None) -> Any:
    """``omegaconf``, or an error saying what to install (ANTLR's runtime included)."""
    import importlib

    from lrviz.registry.frameworks import FrameworkMissing

    try:  # by name, as timm is: an optional package, typed as Any where it is not installed
        return importlib.import_module("omegaconf")
    except Exception as exc:
        raise FrameworkMissing(
            "Hydra / OmegaConf configs are resolved by OmegaConf itself, and importing omegaconf failed "
            f"({first_line(exc, with_type=True)}); install it with: pip install 'lrviz[hydra]' "
            "(omegaconf needs antlr4-python3-runtime==4.9.3)",
            key=key,
        ) from None


def resolve(data: dict[str, Any]) -> dict[str, Any]:
    """The file's mapping with every interpolation resolved by OmegaConf (vetted first)."""
    vet(data)
    omegaconf = omegaconf_module()
    try:
        cfg = omegaconf.OmegaConf.create(data)
        out = omegaconf.OmegaConf.to_container(cfg, resolve=True)
    except omegaconf.errors.OmegaConfBaseException as exc:
        key = getattr(exc, "full_key", None) or None
        raise ConfigError(f"OmegaConf cannot resolve it: {first_line(exc)}", key=key) from None
    except Exception as exc:  # e.g. "Could not deserialize ATN": another ANTLR runtime than omegaconf's
        raise ConfigError(
            f"OmegaConf failed ({first_line(exc, with_type=True)}); omegaconf needs antlr4-python3-runtime==4.9.3"
        ) from None
    if not isinstance(out, dict):
        raise ConfigError("expected a mapping of settings at the top level")
    return out


def resolved_if_interpolated(data: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
    """``data`` resolved by :func:`resolve` when some string in it holds ``${``, else as it is (OmegaConf is then
    not needed: a LightningCLI file or torchtune recipe without interpolation plans without it); and whether it did."""
    stack: list[Any] = [data]
    while stack:
        v = stack.pop()
        if isinstance(v, str) and "${" in v:
            return resolve(dict(data)), True
        if isinstance(v, Mapping):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return dict(data), False
