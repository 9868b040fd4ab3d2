"""Issue 11, differentially: torch is the judge, for every scheduler class of the installed torch.

Nothing here is a hand-picked list of cases. Each class and its parameters come from
``torch.optim.lr_scheduler`` itself; each parameter's value kinds come from its
signature and torch's source:

* the value its annotation describes (different from the default where it has one);
* an int where a float is annotated;
* a per-group list (two param groups, two different values) for *every* parameter,
  whether torch takes one there or not (torch's own ``_format_param`` / list checks in
  its source say where it does);
* a list of the wrong length (three values for two groups) where torch's source
  formats a parameter per group;
* every class nested in SequentialLR and ChainedScheduler, and each of the kinds above
  for a nested child's parameters.

Each case runs twice: through lrviz (a config, loaded and simulated) and as a plain
torch loop written here (tests/torchloop.py) on two param groups of SGD with momentum.
When torch takes the value, lrviz must take it too and give torch's lr and momentum
bit for bit; when torch refuses it (building or stepping), lrviz must refuse it with
an LrvizError (exit 2 on the command line), never crash or run.
"""

from __future__ import annotations

import collections.abc as cabc
import inspect
import itertools
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from torch.optim import lr_scheduler as L

from lrviz.errors import LrvizError
from lrviz.simulate import simulate
from lrviz.validate import load_config
from tests.torchloop import direct_run

STEPS = 24
GROUP_LRS = (0.1, 0.03)
METRIC = [1.0] * STEPS  # flat: ReduceLROnPlateau reduces after `patience` steps
SKIPPED = ("self", "optimizer")
NESTING = ("SequentialLR", "ChainedScheduler")


def scheduler_classes() -> dict[str, type]:
    """Every public scheduler class of the installed torch, read from torch (not from lrviz)."""
    return {
        name: obj
        for name, obj in sorted(vars(L).items())
        if not name.startswith("_")
        and inspect.isclass(obj)
        and obj is not L.LRScheduler
        and (issubclass(obj, L.LRScheduler) or name == "ReduceLROnPlateau")
    }


CLASSES = scheduler_classes()


def per_group_in_source(cls: type) -> set[str]:
    """Parameters torch formats per param group, read from its source."""
    src = inspect.getsource(cls)
    names = set(re.findall(r'_format_param\(\s*"(\w+)"', src))
    names |= set(re.findall(r"isinstance\((\w+), \(?list", src))
    return names & set(inspect.signature(cls.__init__).parameters)


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class Value:
    """One parameter value, as a config writes it and as a training script passes it."""

    config: Any
    torch: Callable[[Any], Any]  # optimizer -> the value torch gets (nested schedulers need the optimizer)


def plain(config: Any, python: Any = None) -> Value:
    same = config if python is None else python
    return Value(config, lambda _opt, v=same: v)


EXPRESSIONS = (("0.95 ** x", lambda x: 0.95**x), ("0.9 ** x", lambda x: 0.9**x), ("0.8 ** x", lambda x: 0.8**x))


#: What torch's string annotations name.
NAMESPACE = {**vars(typing), **{k: getattr(cabc, k) for k in dir(cabc) if not k.startswith("_")}, **vars(L)}


def hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls.__init__, NAMESPACE)


def arms(hint: Any) -> tuple[Any, ...]:
    return typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, types.UnionType) else (hint,)


def scalar(param: inspect.Parameter, hint: Any, length: int = 2, index: int = 0) -> Value | None:
    """The value the annotation describes, away from the default; None for a parameter we cannot make.

    ``length`` is the length of a list-valued parameter; ``index`` tells required
    parameters of one class apart (CyclicLR's base_lr and max_lr get different values).
    """
    default = param.default
    for arm in arms(hint):
        origin = typing.get_origin(arm)
        if arm is bool:
            return plain(not default if isinstance(default, bool) else True)
        if origin is typing.Literal:
            return plain(typing.get_args(arm)[-1])
        if arm is int:  # small enough for milestones, cycles and patience to show within the run
            return plain(7 if isinstance(default, int) and default >= 0 else (STEPS if default is None else 3))
        if arm is float:
            return plain(default * 0.5 if isinstance(default, float) and default else 0.05 * (index + 1))
        if origin is cabc.Callable or arm is cabc.Callable:
            text, fn = EXPRESSIONS[0]
            return Value(text, lambda _opt, f=fn: f)
        if origin in (list, cabc.Iterable, cabc.Sequence):
            (item,) = typing.get_args(arm)
            if inspect.isclass(item) and issubclass(item, L.LRScheduler):
                return children(length)
            if item is int:
                return plain([4, 10, 16][:length])
    return None


def children(length: int, first: Value | None = None) -> Value:
    """``length`` nested schedulers: leaf classes' bases in name order (``first`` in front when given)."""
    leaves = [spec.as_value() for spec in LEAF_SPECS if spec is not None][: length - (first is not None)]
    picked = ([first] if first is not None else []) + leaves
    return Value(
        [v.config for v in picked],
        lambda opt, picked=picked: [v.torch(opt) for v in picked],
    )


def per_group(value: Value, n: int = len(GROUP_LRS)) -> Value | None:
    """``n`` values, one per param group, different from each other, from a scalar value."""
    v = value.config
    if isinstance(v, bool):
        items = [v, not v] + [v] * (n - 2)
        return plain(items)
    if isinstance(v, (int, float)):
        step = 1 if isinstance(v, int) else v * 0.5 or 0.01
        return plain([v + k * step for k in range(n)])
    if isinstance(v, str) and v in {e[0] for e in EXPRESSIONS}:
        chosen = list(itertools.islice(itertools.cycle(EXPRESSIONS), n))
        return Value([t for t, _ in chosen], lambda _opt, fns=[f for _, f in chosen]: list(fns))
    if isinstance(v, str):
        return plain([v] * n)
    return None


def int_for_float(value: Value) -> Value | None:
    v = value.config
    if isinstance(v, float) and not isinstance(v, bool):
        return plain(1 if v >= 0.5 else 0)
    return None


# --------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Spec:
    """A scheduler with its params, as config and as torch builds it."""

    name: str
    params: dict[str, Value]

    @property
    def config(self) -> dict[str, Any]:
        return {"scheduler": self.name, "params": {k: v.config for k, v in self.params.items()}}

    def build(self, opt: Any) -> Any:
        return CLASSES[self.name](optimizer=opt, **{k: v.torch(opt) for k, v in self.params.items()})

    def with_param(self, name: str, value: Value) -> Spec:
        return Spec(self.name, {**self.params, name: value})

    def as_value(self) -> Value:
        return Value(self.config, self.build)


def torch_verdict(make: Callable[[Any], Any], plateau: bool) -> tuple[np.ndarray, np.ndarray | None] | Exception:
    """torch's (lr, momentum) for a direct loop, or the exception torch raised refusing it (building or stepping)."""
    try:
        return direct_run(make, GROUP_LRS, STEPS, metric=METRIC if plateau else None, momentum=0.9)
    except Exception as exc:
        return exc


def torch_takes(make: Callable[[Any], Any], plateau: bool) -> tuple[np.ndarray, np.ndarray | None] | None:
    """torch's (lr, momentum) for a direct loop, or None when torch refuses (building or stepping)."""
    verdict = torch_verdict(make, plateau)
    return None if isinstance(verdict, Exception) else verdict


def torch_words(exc: Exception) -> str:
    """The first line of torch's own message (a KeyError's without the quotes str() adds): lrviz's
    messages are one line, so the rest of a multi-line torch message (hints) is not asked for."""
    message = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    return next(line.strip() for line in message.splitlines() if line.strip())


def base_spec(name: str) -> Spec | None:
    """The first params torch takes: required ones from their annotations, then also a None-default int."""
    cls = CLASSES[name]
    sig = inspect.signature(cls.__init__).parameters
    ann = hints(cls)
    required = [p for p in sig.values() if p.name not in SKIPPED and p.default is inspect.Parameter.empty]
    optional_ints = [p for p in sig.values() if p.default is None and int in arms(ann.get(p.name))]
    for extra in [[], *([p] for p in optional_ints)]:
        for lengths in itertools.product((1, 2), repeat=len(required)):
            values = {
                p.name: scalar(p, ann.get(p.name), n, k)
                for k, (p, n) in enumerate(zip(required + extra, [*lengths, *[2] * len(extra)], strict=True))
            }
            if any(v is None for v in values.values()):
                continue
            spec = Spec(name, values)  # type: ignore[arg-type]
            if torch_takes(spec.build, name == "ReduceLROnPlateau") is not None:
                return spec
    return None


LEAF_SPECS: list[Spec | None] = []  # filled below: bases of classes that nest nothing (children use them)
for _name in CLASSES:
    if _name not in NESTING:
        LEAF_SPECS.append(base_spec(_name))
BASES: dict[str, Spec | None] = {s.name: s for s in LEAF_SPECS if s is not None}
for _name in NESTING:
    BASES[_name] = base_spec(_name)


@dataclass(frozen=True)
class Case:
    id: str
    spec: Spec  # the top-level scheduler
    kind: str


def param_cases(spec: Spec) -> list[tuple[str, str, Spec]]:
    """(param, kind, spec with that value) for every parameter of ``spec``'s class and every kind."""
    cls = CLASSES[spec.name]
    ann = hints(cls)
    source_per_group = per_group_in_source(cls)
    out = []
    for p in inspect.signature(cls.__init__).parameters.values():
        if p.name in SKIPPED or p.name == "schedulers":
            continue
        value = spec.params.get(p.name) or scalar(p, ann.get(p.name))
        if value is None:
            continue
        out.append((p.name, "as-annotated", spec.with_param(p.name, value)))
        for kind, made in (("int-for-float", int_for_float(value)), ("per-group", per_group(value))):
            if made is not None:
                out.append((p.name, kind, spec.with_param(p.name, made)))
        wrong = per_group(value, len(GROUP_LRS) + 1)
        if p.name in source_per_group and wrong is not None:
            out.append((p.name, "wrong-length", spec.with_param(p.name, wrong)))
    return out


def nested(parent: str, child: Spec) -> Spec | None:
    base = BASES[parent]
    if base is None:
        return None
    return base.with_param("schedulers", children(len(base.params["schedulers"].config), child.as_value()))


def all_cases() -> list[Case]:
    cases = []
    for name, spec in BASES.items():
        if spec is None:
            continue
        for param, kind, case in param_cases(spec):
            cases.append(Case(f"{name}.{param}[{kind}]", case, kind))
    for parent in NESTING:
        for name in CLASSES:  # every class as a child, torch-refused ones (ReduceLROnPlateau) included
            child = BASES.get(name) or base_spec(name)
            made = nested(parent, child) if child is not None and name not in NESTING else None
            if made is not None:
                cases.append(Case(f"{parent}>{name}[child]", made, "nested"))
                for param, kind, variant in param_cases(child):
                    made = nested(parent, variant)
                    if made is not None:
                        cases.append(Case(f"{parent}>{name}.{param}[{kind}]", made, f"nested {kind}"))
    return cases


CASES = all_cases()


def config_for(spec: Spec) -> dict[str, Any]:
    data = {
        "steps": STEPS,
        "optimizer": {
            "name": "SGD",
            "lr": GROUP_LRS[0],
            "momentum": 0.9,
            "param_groups": [{"name": f"g{i}", "lr": lr} for i, lr in enumerate(GROUP_LRS)],
        },
        **spec.config,
    }
    if spec.name == "ReduceLROnPlateau":
        data["metric"] = METRIC
    return data


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and bool(np.all((a.view(np.int64) == b.view(np.int64)) | (np.isnan(a) & np.isnan(b))))


# --------------------------------------------------------------------------- tests


def test_every_class_of_the_installed_torch_is_covered():
    """A base torch takes was found for every class, and every class has cases (a new torch class too)."""
    assert len(CLASSES) >= 15
    assert {name for name, spec in BASES.items() if spec is None} == set()
    covered = {c.spec.name for c in CASES}
    assert covered == set(CLASSES)
    for parent in NESTING:
        children_seen = {c.id.split(">")[1].split("[")[0].split(".")[0] for c in CASES if c.id.startswith(parent + ">")}
        assert children_seen == set(CLASSES) - set(NESTING), parent


def test_both_verdicts_occur_for_each_kind():
    """The cases are not all taken or all refused: each kind has both (so both branches are tested)."""
    verdicts: dict[str, set[bool]] = {}
    for case in CASES:
        taken = torch_takes(case.spec.build, case.spec.name == "ReduceLROnPlateau") is not None
        verdicts.setdefault(case.kind, set()).add(taken)
    for kind in ("per-group", "as-annotated", "nested"):  # nested: ReduceLROnPlateau is refused as a child
        assert verdicts[kind] == {True, False}, kind
    assert verdicts["wrong-length"] == {False}
    assert True in verdicts["int-for-float"]


def test_the_issue_examples_are_cases():
    """The values of issue 11 itself are among the generated cases, and torch takes them."""
    ids = {c.id for c in CASES}
    for example in (
        "CyclicLR.base_momentum[per-group]",
        "CyclicLR.max_momentum[per-group]",
        "OneCycleLR.base_momentum[per-group]",
        "OneCycleLR.max_lr[per-group]",
        "CyclicLR.base_lr[per-group]",
        "LambdaLR.lr_lambda[per-group]",
        "ReduceLROnPlateau.min_lr[per-group]",
        "SequentialLR>ReduceLROnPlateau[child]",
    ):
        assert example in ids, example


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_lrviz_takes_what_torch_takes_and_refuses_what_it_refuses(case):
    """Taken: torch's lr and momentum, every step of every group, bit for bit. Refused: one line that
    carries torch's own words for this very value (torch run directly here for them)."""
    expected = torch_verdict(case.spec.build, case.spec.name == "ReduceLROnPlateau")
    data = config_for(case.spec)
    if isinstance(expected, Exception):
        with pytest.raises(LrvizError) as info:
            simulate(load_config(data))
        message = str(info.value)
        assert "\n" not in message
        assert torch_words(expected) in message, f"torch said {torch_words(expected)!r}; lrviz said {message!r}"
        return
    result = simulate(load_config(data))
    (t,) = result.trajectories
    lr, momentum = expected
    assert same_bits(t.lr, lr), f"lr differs from torch: {t.lr[:4]} vs {lr[:4]}"
    assert t.momentum is not None and same_bits(t.momentum, momentum), "momentum differs from torch"


def test_a_refusal_names_the_key_and_torch_s_words(tmp_path):
    """What torch refuses is one line naming the key path, what was expected, and torch's own words."""
    from typer.testing import CliRunner

    from lrviz.cli import app

    data = config_for(BASES["CyclicLR"].with_param("base_momentum", plain([0.8, 0.85, 0.9])))
    path = tmp_path / "c.yaml"
    import yaml

    path.write_text(yaml.safe_dump(data))
    result = CliRunner().invoke(app, ["export", str(path), "-o", str(tmp_path / "out.csv")])
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert "params.base_momentum" in line and "expected a number, got [0.8, 0.85, 0.9]" in line
    assert "base_momentum must have the same length as optimizer.param_groups" in line  # torch's words
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize("name", sorted(n for n, spec in BASES.items() if spec is not None))
def test_values_that_already_worked_are_unchanged(name):
    """Each class's base (values its annotations describe, which ran before torch became the judge):
    lr and momentum equal torch's over the whole run, every step and both groups, bit for bit."""
    spec = BASES[name]
    assert spec is not None
    cfg = load_config(config_for(spec))
    lr, momentum = direct_run(
        spec.build, GROUP_LRS, STEPS, metric=METRIC if name == "ReduceLROnPlateau" else None, momentum=0.9
    )
    (t,) = simulate(cfg).trajectories
    assert t.lr.shape == (STEPS, len(GROUP_LRS))
    np.testing.assert_array_equal(t.lr, lr)
    assert t.momentum is not None
    np.testing.assert_array_equal(t.momentum, momentum)


def test_annotation_conforming_values_skip_torch_s_trial():
    """StepLR's base (an int step_size, as annotated) is not noted for a trial by torch."""
    cfg = load_config(config_for(BASES["StepLR"]))
    assert cfg.schedules[0].spec.all_notes() == []
