"""The shape of the package, checked from its source: layers, no import cycles, small parts.

Every ``import`` in lrviz (at module level, inside functions and under TYPE_CHECKING
alike) is read with :mod:`ast`, nothing is executed. Each module belongs to one layer
of :data:`LAYERS`; a module may import its own layer and the layers below, never one
above, and there is no cycle at all. The order follows the pipeline: a run's logs (actual: it reads
files and compares arrays, needing only the foundations), parse, the
typed spec, what exists (registry), build, step, validate (which asks torch through
build and step, see lrviz.validate.verdict), the sources (any file read into a
validated config: lrviz.sources.load_source validates, and a framework file is planned
into a config mapping with the signatures of registry.frameworks' factories), simulate,
the outputs, then the interfaces. A new module must be placed in a layer
here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGE = REPO / "lrviz"

#: Lowest first. A prefix ending in "." covers a package's modules (and the package).
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "foundations",
        (
            "lrviz._version",
            "lrviz.errors",
            "lrviz.limits",
            "lrviz.io",
            "lrviz.inputs",
            "lrviz.numeric",
            "lrviz.interrupts",
            "lrviz.jsonio",
            "lrviz.refusals",
            "lrviz.styles",
            "lrviz.executor",
            "lrviz.progress",
            "lrviz.dynamo",
            "lrviz.startup",
            "lrviz.stream",
            "lrviz.textsafe",
        ),
    ),
    ("actual", ("lrviz.actual.",)),
    ("parse", ("lrviz.parse.",)),
    ("spec", ("lrviz.spec",)),
    ("registry", ("lrviz.registry.",)),
    ("build", ("lrviz.metric", "lrviz.build")),
    ("step", ("lrviz.step",)),
    ("validate", ("lrviz.validate.",)),
    ("sources", ("lrviz.sources.",)),
    ("simulate", ("lrviz.simulate",)),
    ("outputs", ("lrviz.render.", "lrviz.export", "lrviz.check.", "lrviz.codegen")),
    ("gallery", ("lrviz.gallery.",)),
    ("interfaces", ("lrviz.cli", "lrviz.__main__", "lrviz.commands.", "lrviz.api.", "lrviz")),
    # the docs build's entry (a Sphinx extension, and its figure cache), beside the CLI
    ("interfaces", ("lrviz.sphinxext", "lrviz.sphinxcache")),
]
MAX_MODULE_LINES = 400
#: Lines of a function's code, from its first statement after the docstring to its end. The
#: signature is not counted: a command's signature is its options, one declaration a line
#: (plot has over twenty), which says nothing of how much logic the function holds.
MAX_FUNCTION_LINES = 60
#: Functions allowed to be longer, each with the reason (a measured hot loop only).
LONG_FUNCTIONS: dict[str, str] = {}


def modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = ".".join(path.relative_to(REPO).with_suffix("").parts)
        out[name.removesuffix(".__init__")] = path
    return out


MODULES = modules()


def layer_of(module: str) -> int:
    for i, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or module == prefix.rstrip(".") or (prefix.endswith(".") and module.startswith(prefix)):
                return i
    raise AssertionError(f"{module} is in no layer of tests/test_architecture.py: place it in LAYERS")


def imported(module: str, path: Path) -> set[str]:
    """The lrviz modules ``module`` imports (``from pkg import name`` counts as pkg.name when that is a module)."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = module.split(".")[: len(module.split(".")) - node.level + (1 if is_package else 0)]
                base = ".".join(parts + ([node.module] if node.module else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != module:
                found.add(target)
    return found


GRAPH = {name: imported(name, path) for name, path in MODULES.items()}


def test_the_graph_is_read():
    """Guard against a reader that finds nothing: known edges are there."""
    assert "lrviz.build" in GRAPH["lrviz.simulate"]
    assert "lrviz.step" in GRAPH["lrviz.validate.verdict"]
    assert "lrviz.executor" in GRAPH["lrviz.gallery.build"]  # `from lrviz import executor`
    assert len(MODULES) > 40


def test_every_module_has_a_layer():
    for name in MODULES:
        layer_of(name)


def test_lower_layers_never_import_higher_ones():
    wrong = [
        f"{a} ({LAYERS[layer_of(a)][0]}) imports {b} ({LAYERS[layer_of(b)][0]})"
        for a, targets in GRAPH.items()
        for b in targets
        if layer_of(b) > layer_of(a)
    ]
    assert wrong == []


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in GRAPH:
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles():
    assert _cycles() == []


def test_the_cycle_finder_finds_a_cycle(monkeypatch):
    monkeypatch.setitem(GRAPH, "lrviz.spec", GRAPH["lrviz.spec"] | {"lrviz.simulate"})
    assert any("lrviz.spec" in c and "lrviz.simulate" in c for c in _cycles())


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_are_small(name):
    lines = len(MODULES[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{name} has {lines} lines; split it by concern"


def test_functions_are_short():
    checked, long = 0, []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                checked += 1
                body = node.body[1:] if ast.get_docstring(node) is not None and len(node.body) > 1 else node.body
                length = node.end_lineno - body[0].lineno + 1
                if length > MAX_FUNCTION_LINES and f"{name}.{node.name}" not in LONG_FUNCTIONS:
                    long.append(f"{name}.{node.name} ({length} lines)")
    assert checked > 300
    assert long == []


def _code(path: Path) -> str:
    """A module's source without comments and strings (docstrings mention what code does)."""
    import io
    import tokenize

    tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
    return " ".join(t.string for t in tokens if t.type not in (tokenize.COMMENT, tokenize.STRING))


def _modules_mentioning(*needles: str) -> set[str]:
    return {name for name, path in MODULES.items() if any(n in _code(path) for n in needles)}


def test_one_place_for_each_concern():
    """The pieces the pipeline promises to have once are written once (read from the source)."""
    # one process pool, one start-method policy, one count of cores; nobody reaches into a pool
    assert _modules_mentioning("ProcessPoolExecutor", "get_context", "get_all_start_methods") == {"lrviz.executor"}
    assert _modules_mentioning("sched_getaffinity", "cpu_count") == {"lrviz.executor"}
    assert _modules_mentioning("_processes") == set()
    # one progress reporter (rich's Progress), honouring CI
    assert _modules_mentioning("rich . progress") == {"lrviz.progress"}
    # the stepping loop: scheduler.step() is called in step.py only (validation's trial and
    # check's resume use its advance())
    assert _modules_mentioning("sched_step (", "scheduler . step (") == {"lrviz.step"}
    # a scheduler is made in build.py only: spec.make(...) is called there
    assert _modules_mentioning(". make (") == {"lrviz.build"}
    # one JSON convention for numbers JSON cannot hold
    assert _modules_mentioning("json . dumps") == {"lrviz.jsonio"}
