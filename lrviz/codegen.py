"""Code: a schedule of a config as ready-to-paste Python (``lrviz code``).

The printed program builds the same optimizer and scheduler a training script would,
with torch (or, for a preset with ``framework="hf"``, transformers' own
``get_*_schedule*`` function), and steps them where a training loop does:
``scheduler.step()`` after ``optimizer.step()``, every optimizer step or once per epoch
for ``interval: epoch``, with the metric for ReduceLROnPlateau. It records ``lrs``, every
group's lr at every step, which is what lrviz shows: executing it gives lrviz's values
bit for bit (tests/test_code.py runs every example config).

Everything comes from the validated spec (:mod:`lrviz.spec`): the keywords as torch gets
them (floats in round-trip form), nested schedulers built first in the order lrviz
builds them, expressions written as Python lambdas (the same arithmetic, with
``math``'s functions), and what lrviz filled in from the run written out.

How each scheduler is made is its registry kind's to say (``Kind.code``,
:mod:`lrviz.registry.writing`): torch's class, transformers' function, DeepSpeed's or
Megatron-Core's class with the step call their engines make, torchtune's function,
MMEngine's classes with its runner's own loop (:mod:`lrviz.registry.mmcode`), a plain lr
function with the loop that calls it. What has no plain-Python form is refused by its
kind, saying why: a preset under ``framework="torch"`` (torch has no such class), a
scheduler lrviz drives through an adapter (timm-style, a timm ``args.yaml``).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lrviz import registry
from lrviz.errors import ConfigError
from lrviz.parse.expr import FUNCTIONS, Expression
from lrviz.registry.writing import Code, Writing, call, keywords, train_step
from lrviz.spec import Config, MetricSpec, Schedule, SchedulerSpec
from lrviz.textsafe import one_line

FRAMEWORKS = ("torch", "hf")
#: Names the program uses itself (a nested scheduler's variable takes another).
_RESERVED = ("scheduler", "schedulers", "optimizer", "optim_wrapper", "params", "lrs", "metric", "torch")
_MATH = {"cos", "sin", "tan", "exp", "log", "sqrt", "floor", "ceil", "pi"}


def default_framework(schedule: Schedule) -> str:
    """hf when the schedule uses a preset (transformers builds those), else torch."""
    return "hf" if any(spec.kind == "preset" for spec in schedule.spec.walk()) else "torch"


@dataclass
class _Program:
    """The lines of one program, and what they import."""

    config: Config
    schedule: Schedule
    framework: str
    imports: set[str] = field(default_factory=set)
    body: list[str] = field(default_factory=list)
    names: set[str] = field(default_factory=set)
    top: Code | None = None  # what the top scheduler's kind wrote: its step call, its own loop...

    def name_for(self, spec: SchedulerSpec) -> str:
        base = "".join(c for c in spec.name.split(":")[-1].split(".")[-1].lower() if c.isalnum() or c == "_") or "s"
        name, n = base, 1
        while name in self.names or name in _RESERVED:
            n += 1
            name = f"{base}_{n}"
        self.names.add(name)
        return name


def program(config: Config, schedule: Schedule, framework: str | None = None, read: str = "") -> str:
    """The Python program for one schedule of ``config`` (see the module docstring); ``read``: what lrviz read
    from a framework's file, as comment lines (its plan's arithmetic), for the program's header."""
    framework = framework or default_framework(schedule)
    if framework not in FRAMEWORKS:
        raise ConfigError(f"unknown framework {framework!r}; one of {', '.join(FRAMEWORKS)}")
    prog = _Program(config, schedule, framework)
    prog.imports.add("import torch")
    optimizer = _optimizer(prog)
    top = _scheduler(prog, schedule.spec, "scheduler")
    loop = _loop(prog)
    where = f" {config.file}" if config.file else ""
    what = schedule.label if schedule.label == schedule.scheduler else f"{schedule.label} ({schedule.scheduler})"
    head = [  # config text in a comment: one line, whatever the label or file name holds (issue 33)
        one_line(f"# lrviz code{where}: {what}, {config.steps} optimizer steps"),
        "# lrs: every param group's lr at every optimizer step, as lrviz shows it.",
    ]
    if read:
        head += ["# What lrviz read from the file, and the totals (lrviz show prints the same):", *read.splitlines()]
    return "\n".join([*head, *_imports(prog.imports), "", *optimizer, *top, *loop]) + "\n"


def _imports(lines: set[str]) -> list[str]:
    """``import`` lines, then ``from`` lines (one per module), then a local file's folder and import."""
    plain = sorted(line for line in lines if line.startswith("import "))
    modules: dict[str, list[str]] = {}
    for line in lines:
        if line.startswith("from ") and "# noqa" not in line:
            module, _, name = line.removeprefix("from ").partition(" import ")
            modules.setdefault(module, []).append(name)
    froms = [f"from {m} import {', '.join(sorted(set(names)))}" for m, names in sorted(modules.items())]
    local = sorted(line for line in lines if line.startswith("sys.path")) + sorted(
        line for line in lines if "# noqa" in line
    )
    return plain + froms + local


def _optimizer(prog: _Program) -> list[str]:
    spec = prog.config.optimizer
    groups = spec.param_groups
    single = len(groups) == 1 and set(groups[0]) == {"name"}
    lines = ["# Stand-ins for your model's parameters (what lrviz steps: one 2x2 tensor per param group)."]
    if single:
        lines.append("params = [torch.nn.Parameter(torch.zeros(2, 2))]  # your model.parameters()")
        where = ["params"]
    else:
        lines.append(f"params = [[torch.nn.Parameter(torch.zeros(2, 2))] for _ in range({len(groups)})]  # per group")
        entries = [", ".join([f'"params": params[{i}]', *_dict_items(g)]) for i, g in enumerate(groups)]
        where = ["[", *(f"    {{{e}}}," for e in entries), "]"]
    kwargs = keywords({k: _py(prog, v) for k, v in spec.kwargs.items()})
    one_line = f"optimizer = {call(f'torch.optim.{spec.name}', *where, *kwargs)}"
    if single and len(one_line) <= 100:
        return [*lines, one_line]
    *opening, last = where
    args = [*opening, f"{last},", *(f"{k}," for k in kwargs)]
    return [*lines, f"optimizer = torch.optim.{spec.name}(", *(f"    {a}" for a in args), ")"]


def _dict_items(group: dict[str, Any]) -> list[str]:
    return [f"{_literal(k)}: {_literal(v)}" for k, v in group.items()]


def _scheduler(prog: _Program, spec: SchedulerSpec, var: str) -> list[str]:
    """Lines that build ``spec`` into ``var``: nested schedulers first, as lrviz builds them."""
    lines: list[str] = []
    children = {id(child): prog.name_for(child) for child in spec.children()}
    for child in spec.children():
        lines += _scheduler(prog, child, children[id(child)])
    code = registry.code(_writing(prog, spec, {k: _py(prog, v, children) for k, v in spec.kwargs.items()}))
    if spec is not prog.schedule.spec and (code.loop or code.var or code.setup):
        raise ConfigError(f"lrviz code cannot write {spec.name} inside another scheduler", key=spec.key)
    prog.imports.update(code.imports)
    if code.folder is not None:  # a file target: imported from its folder
        prog.imports.update({"import sys", f"sys.path.insert(0, {_literal(str(_shown(code.folder)))})"})
    if spec is prog.schedule.spec:
        prog.top = code
    filled = f"  # lrviz filled in {', '.join(sorted(spec.filled))} from the run" if spec.filled else ""
    lines += [*code.setup, f"{code.var or var} = {code.call}{filled}"]
    return lines


def _writing(prog: _Program, spec: SchedulerSpec, kwargs: dict[str, str]) -> Writing:
    """What the kind of ``spec`` is asked (registry.writing)."""
    cfg = prog.config

    def adapted() -> bool:
        from lrviz.build import build_optimizer, build_scheduler
        from lrviz.registry.adapter import StepAdapter

        return isinstance(build_scheduler(spec, build_optimizer(cfg, "cpu")), StepAdapter)

    return Writing(
        spec=spec,
        kwargs=kwargs,
        framework=prog.framework,
        base_dir=cfg.base_dir,
        steps=cfg.steps,
        every=cfg.scheduler_every(prog.schedule),
        py=lambda value: _py(prog, value),
        adapted=adapted,
        closure=_closure(cfg),
    )


def _closure(cfg: Config) -> str:
    """What the optimizer's step() takes in the program: LBFGS evaluates the loss through a closure."""
    return "closure" if cfg.optimizer.name == "LBFGS" else ""


def _shown(path: Path) -> Path:
    """A path as short as it can be said from here."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path.resolve()


# --------------------------------------------------------------------------- values


def _py(prog: _Program, value: Any, children: dict[int, str] | None = None) -> str:
    """A converted value as Python source that makes the same value."""
    if isinstance(value, SchedulerSpec):
        return (children or {})[id(value)]
    if isinstance(value, Expression):
        return _lambda(prog, value)
    if isinstance(value, list):
        return "[" + ", ".join(_py(prog, v, children) for v in value) + "]"
    if isinstance(value, tuple):
        return "(" + ", ".join(_py(prog, v, children) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_py(prog, v, children)}" for k, v in value.items()) + "}"
    return _literal(value)


def _literal(value: Any) -> str:
    if isinstance(value, str):
        plain = value.isprintable() and '"' not in value and "\\" not in value
        return f'"{value}"' if plain else repr(value)
    if value is None or isinstance(value, (bool, int)):
        return repr(value)
    if isinstance(value, float):
        return repr(value) if value == value and abs(value) != float("inf") else f'float("{value}")'
    if isinstance(value, (list, tuple)):
        inner = ", ".join(_literal(v) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner}{',' if len(value) == 1 else ''})"
    raise ConfigError(f"lrviz code cannot write {type(value).__name__} values as Python")


def _lambda(prog: _Program, expression: Expression) -> str:
    """An expression as the lambda a training script would pass: ``lambda epoch: 0.95 ** epoch``."""
    tree = ast.parse(expression.text.strip(), mode="eval")
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    for name in sorted(used & _MATH):
        prog.imports.add(f"from math import {name}")
    variables = [v for v in expression.variables if v in used]
    var = variables[0] if variables else expression.variables[0]
    text = expression.text.strip()
    if not text.isprintable() or "#" in text:  # a comment or a line break: the expression alone, one line
        text = ast.unparse(tree)
    if len(variables) > 1:  # epoch and step in one expression: one argument, as lrviz binds them
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id in variables:
                node.id = var
        text = ast.unparse(tree)
    assert set(FUNCTIONS) >= used - set(expression.variables) - {"pi"}
    return f"lambda {var}: {text}"


# --------------------------------------------------------------------------- the loop


def _loop(prog: _Program) -> list[str]:
    cfg, schedule, top = prog.config, prog.schedule, prog.top
    assert top is not None
    closure = _closure(cfg)
    defined = ["def closure():", "    return 0.0  # LBFGS evaluates the loss: return yours", ""] if closure else []
    if top.loop:  # the kind's own loop (MMEngine's runner and its hook, a plain lr function's loop)
        return ["", *defined, *top.loop]
    every = cfg.scheduler_every(schedule)
    step_call, stepper = top.step, top.stepper
    lines = [""]
    if schedule.feed is not None:
        lines += _metric(prog, schedule.feed, cfg.scheduler_steps(schedule))
        step_call = f"scheduler.step(metric[{'step' if every == 1 else 'epoch'}])  # your validation metric"
    lines += defined
    train = train_step(stepper, closure)
    lines.append("lrs = []")
    if every == 1:
        lines.append(f"for step in range({cfg.steps}):")
        lines += [f"    {line}" for line in [*train, step_call]]
    else:
        epochs, rest = divmod(cfg.steps, every)
        lines.append(f"for epoch in range({epochs}):")
        lines.append(f"    for batch in range({every}):")
        lines += [f"        {line}" for line in train]
        lines.append(f"    {step_call}")
        if rest:
            lines.append(f"for batch in range({rest}):  # the run ends {rest} steps into an epoch")
            lines += [f"    {line}" for line in train]
    return lines


def _metric(prog: _Program, feed: MetricSpec, n: int) -> list[str]:
    """The metric lrviz feeds ReduceLROnPlateau, made the way lrviz makes it (lrviz.metric)."""
    head = "# lrviz's stand-in for your validation metric (the config's metric:), one value per scheduler step"
    if feed.values is not None:
        return [head, f"metric = {_literal(list(feed.values[:n]))}", ""]
    if feed.expr is not None:
        fn = _lambda(prog, feed.expr)
        if not feed.noise:
            return [head, f"metric_fn = {fn}", f"metric = [float(metric_fn(i)) for i in range({n})]", ""]
        prog.imports.add("import numpy as np")
        return [
            head,
            f"metric_fn = {fn}",
            f"noise = np.random.default_rng({feed.seed}).standard_normal({n}) * {feed.noise!r}",
            f"metric = [float(metric_fn(i)) + float(noise[i]) for i in range({n})]",
            "",
        ]
    assert feed.csv is not None
    prog.imports.add("import csv")
    column = repr(feed.column) if feed.column is not None else "0"
    index = f"rows[0].index({column})" if isinstance(feed.column, str) else column
    return [
        head,
        f'with open({str(_shown(feed.csv))!r}, newline="", encoding="utf-8") as fh:',
        "    rows = list(csv.reader(fh))",
        f"metric = [float(row[{index}]) for row in rows[1:]][:{n}]",
        "",
    ]
