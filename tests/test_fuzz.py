"""Property-based fuzzing of the config structure: every config either runs or is refused cleanly.

Configs travel (pasted from issues, generated in CI), so whatever a config holds,
lrviz must answer with a successful run or an :class:`~lrviz.errors.LrvizError`
(exit 2 and one line starting with ``error:`` on the command line): never another
exception, never exit 70, never a hang.

Most examples are well-formed (:func:`good_config`, 14 in 20): a real user's config,
varied -- every scheduler of the installed torch
(:func:`lrviz.registry.torch_classes.torch_schedulers`) and every preset, params drawn
from each scheduler's real signature within the ranges torch takes, nested
SequentialLR/ChainedScheduler children, optimizers with named param groups, sweeps, plot
blocks, hostile-looking but valid labels (paths, markup, TeX math), steps or epochs -- and
meant to run, so the examples spend their time in torch's own code. The minority is
malformed on purpose: well-formed configs hit by mutations (a value replaced by junk, a
key deleted or added anywhere), real-looking configs with junk values
(:func:`plausible_config`: huge, negative, NaN and infinite numbers, text, expressions,
wrong types, nested specs of the wrong shape, control characters, broken math text) and
anything at all (:func:`wild_config`). Steps stay small (at most 200) so each example takes
milliseconds. The library is driven the way ``lrviz export`` drives it, and half as many
examples go through the CLI (``export``, ``plot``, ``check``, ``show``) with
:class:`typer.testing.CliRunner`.

Example counts come from hypothesis settings profiles:

* ``ci`` (the default): 60 examples per test (30 through the CLI), about 30 s on two
  quiet cores, derandomized (see ``_COMMON`` for why that is not "frozen");
* ``long``: ``HYPOTHESIS_PROFILE=long pytest tests/test_fuzz.py`` runs 5000 examples
  per test (2500 through the CLI), new random examples each time -- run it after
  touching config parsing, the registry, expressions, simulation or rendering. Add
  ``--hypothesis-show-statistics`` to see how many examples ran, of which kind, and where
  the others were refused.

A failing example is printed by hypothesis as a config dict: turn it into a catalogue
case in tests/test_security.py when fixing the bug.

A fuzz test that only ever sees refused configs proves nothing about running ones, so
each property also asserts a minimum share of examples that ran (through the CLI: exit 0,
or check's exit 1): ``MIN_ACCEPTED`` below, each floor far under the least share measured
over many random sets of the ci size (the numbers are next to it), so that no set the
generators can draw fails it.
"""

from __future__ import annotations

import collections
import collections.abc as cabc
import inspect
import json
import os
import re
import string
import types
import typing

import pytest
import torch
import yaml

hypothesis = pytest.importorskip("hypothesis", reason="hypothesis is not installed (pip install -e '.[test]')")
from hypothesis import HealthCheck, event, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from lrviz.cli import app  # noqa: E402
from lrviz.errors import LrvizError  # noqa: E402
from lrviz.limits import MAX_ERRORS  # noqa: E402
from lrviz.registry.presets import presets  # noqa: E402
from lrviz.registry.signature import signature_params  # noqa: E402
from lrviz.registry.torch_classes import torch_optimizers, torch_schedulers  # noqa: E402

#: Nothing here depends on time: no deadline (a slow example on a busy machine is not a
#: failure; each example's size is bounded by construction instead: at most MAX_STEPS steps,
#: three schedules, small figures) and no health check that measures time (too_slow).
_COMMON = dict(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    print_blob=True,
)
# ci is derandomized (as hypothesis's own "ci" profile is): no random seed per run. The
# examples still change with the code: hypothesis mixes constants it reads from the
# modules loaded at the time (lrviz's and the tests') into its draws, so a run of this file
# alone, one inside the whole suite and one after an edit draw different sets. The floors
# below hold for any set (see MIN_ACCEPTED); long explores with fresh random examples.
settings.register_profile("ci", max_examples=60, derandomize=True, **_COMMON)
settings.register_profile("long", max_examples=5000, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

MAX_STEPS = 200

#: The least share of generated examples each property must see run, not refused (for the
#: CLI: exit 0, or check's exit 1). Measured on this file as committed (issue 27), over
#: random sets of the ci size, each with its own seed: any config 850 of 1200 ran (70.8%;
#: 20 sets of 60, the least 55%), real scheduler 912 of 1140 (80.0%; 19 sets, the least
#: 60%), CLI 176 of 299 (58.9%; 10 sets of 30, the least 37%); the ci run of this file
#: alone: 50 of 60, 42 of 60, 27 of 30. The well-formed examples all run (400 of 400; 80 of
#: 80 through the CLI); a set's share varies more than a coin's because hypothesis mutates
#: the examples it drew before, so malformed ones come in clusters. Each floor is about half
#: the least share seen: it fails only when a generator, or a validation, stops letting most
#: configs through.
MIN_ACCEPTED = {"any config": 0.25, "real scheduler": 0.30, "cli": 0.15}
#: What each property saw, per run of its test: True for an example that ran.
OUTCOMES: dict[str, list[bool]] = collections.defaultdict(list)


def assert_enough_accepted(name: str) -> None:
    seen = OUTCOMES.pop(name, [])
    assert len(seen) >= 10, f"{name}: only {len(seen)} examples were tried"
    share = sum(seen) / len(seen)
    print(f"fuzz {name}: {sum(seen)} of {len(seen)} examples ran ({share:.0%}; floor {MIN_ACCEPTED[name]:.0%})")
    assert share >= MIN_ACCEPTED[name], (
        f"{name}: only {share:.0%} of {len(seen)} generated examples ran (the rest were refused); "
        f"the floor is {MIN_ACCEPTED[name]:.0%}: the generator no longer reaches torch"
    )


# --------------------------------------------------------------------------- value strategies

SCHEDULERS = sorted(torch_schedulers())
PRESETS = sorted(presets())
OPTIMIZERS = sorted(torch_optimizers())
JUNK_NAMES = [
    "",
    " ",
    "steplr",
    "StepLr",
    "LRScheduler",
    "_LRScheduler",
    "os:system",
    "builtins:eval",
    "../x.py:Evil",
    "lrviz.registry:torch_schedulers",
    "__import__",
    "cosine ",
    "0",
    "None",
    "a" * 300,
]
EXPRESSIONS = [
    "0.95 ** epoch",
    "1.0",
    "epoch",
    "1 / (epoch + 1)",
    "0.1 ** (epoch // 3)",
    "cos(pi * epoch / 10)",
    "1 / (epoch - 3)",
    "log(epoch)",
    "sqrt(epoch - 5)",
    "exp(epoch * 100)",
    "10 ** 10 ** 10",
    "'a' * 10 ** 9",
    "(-1) ** 0.5",
    "0 * (1e308 * 10)",
    "1e308 * 10",
    "epoch ** epoch ** epoch",
    "floor(10 ** 400)",
    "max(epoch, 0.5) if epoch < 3 else min(1, epoch)",
    "().__class__",
    "__import__('os')",
    "open('x')",
    "epoch.real",
    "lambda: 1",
    "[1] * 9",
    "(" * 40 + "1" + ")" * 40,
    "1 +",
    "",
    " ",
    "epoch // 0",
    "not epoch",
    "epoch and 2",
    "-" * 600 + "1",
]

finite_floats = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False)
numbers = st.one_of(
    st.integers(min_value=-3, max_value=40),
    st.integers(min_value=-(2**70), max_value=2**70),
    finite_floats,
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        [
            0,
            1,
            -1,
            0.0,
            -0.0,
            1e-300,
            1e308,
            float("nan"),
            float("inf"),
            float("-inf"),
            2**63,
            0.5,
            10**400,
            -(10**400),
            10**5000,
        ]
    ),  # past a float, past Python's int <-> text limit
)
short_text = st.text(alphabet=string.printable + "é∞\u202e\x00", max_size=12)
scalars = st.one_of(st.none(), st.booleans(), numbers, short_text, st.sampled_from(EXPRESSIONS))


def values(depth: int = 2) -> st.SearchStrategy:
    """Any YAML-ish value: scalars, lists, mappings, nested scheduler specs."""
    if depth <= 0:
        return scalars
    inner = values(depth - 1)
    return st.one_of(
        scalars,
        scalars,
        st.lists(inner, max_size=5),
        st.dictionaries(st.one_of(short_text, st.integers(-2, 2)), inner, max_size=3),
        scheduler_spec(depth - 1),
    )


def scheduler_name() -> st.SearchStrategy:
    return st.one_of(
        st.sampled_from(SCHEDULERS),
        st.sampled_from(SCHEDULERS),
        st.sampled_from(PRESETS),
        st.sampled_from(JUNK_NAMES),
        short_text,
        st.integers(),
        st.none(),
    )


def info_for(name):
    return (torch_schedulers().get(name) or presets().get(name)) if isinstance(name, str) else None


def param_names(name) -> list[str]:
    info = info_for(name)
    return [p.name for p in info.params] if info is not None else []


GOOD_EXPRESSIONS = ["0.95 ** epoch", "1.0", "1 / (epoch + 1)", "0.1 ** (epoch // 3)", "cos(pi * epoch / 10) + 1"]


def for_hint(hint, depth: int) -> st.SearchStrategy:
    """Values of the type a signature asks for (so runs get deep into torch), some off-type."""
    origin = typing.get_origin(hint)
    if hint is None or hint is typing.Any or hint is torch.Tensor:
        return values(0)
    if hint is bool:
        return st.booleans()
    if hint is int:
        return st.one_of(st.integers(1, 60), st.integers(-2, 2), st.sampled_from([2**40, 10**30, 10**400]))
    if hint is float:
        return st.one_of(
            st.floats(0.001, 1), st.sampled_from([0.1, 0.5, 1.0, 2.0, 0.0, -1.0, 1e308, float("nan"), float("inf")])
        )
    if hint is str:
        return short_text
    if hint is type(None):
        return st.none()
    if origin is typing.Literal:
        return st.sampled_from(typing.get_args(hint))
    if origin in (types.UnionType, typing.Union):
        return st.one_of([for_hint(a, depth) for a in typing.get_args(hint) if a is not torch.Tensor])
    if origin is cabc.Callable or hint is cabc.Callable:
        return st.one_of(
            st.sampled_from(GOOD_EXPRESSIONS), st.sampled_from(GOOD_EXPRESSIONS), st.sampled_from(EXPRESSIONS)
        )
    if inspect.isclass(hint) and issubclass(hint, torch.optim.lr_scheduler.LRScheduler):
        return scheduler_spec(depth)
    if origin in (list, tuple, cabc.Iterable, cabc.Sequence):
        args = typing.get_args(hint)
        if origin is tuple and args and args[-1] is not Ellipsis:  # e.g. Adam's betas
            return st.tuples(*(for_hint(a, depth) for a in args)).map(list)
        return st.lists(for_hint(args[0] if args else None, depth), max_size=4)
    return values(0)


@st.composite
def params_for(draw, name, depth: int = 1):
    """A params mapping drawn from the scheduler's real signature, plus junk now and then."""
    info = info_for(name)
    out: dict = {}
    if info is not None:
        for p in info.params:
            if p.name == "last_epoch" and draw(st.integers(0, 9)):
                continue  # resuming needs 'initial_lr' in the groups: a fine error, but not every time
            if p.required or not draw(st.integers(0, 2)):
                out[p.name] = draw(for_hint(p.hint, depth) if draw(st.integers(0, 19)) else values(depth))
        if name == "SequentialLR" and isinstance(out.get("schedulers"), list) and draw(st.integers(0, 3)):
            n = max(len(out["schedulers"]) - 1, 0)  # often the right number of milestones
            out["milestones"] = sorted(draw(st.lists(st.integers(1, 60), min_size=n, max_size=n)))
    for _ in range(draw(st.integers(0, 1)) if draw(st.integers(0, 5)) == 0 else 0):
        out[draw(st.one_of(short_text, st.sampled_from(["T_max", "gamma", "lr_lambda", "schedulers"])))] = draw(
            values(depth)
        )
    return out


def scheduler_spec(depth: int) -> st.SearchStrategy:
    """A nested ``{scheduler, params}`` (SequentialLR / ChainedScheduler children)."""
    if depth <= 0:
        return st.fixed_dictionaries({"scheduler": st.sampled_from(SCHEDULERS), "params": st.just({"gamma": 0.5})})
    return st.sampled_from(SCHEDULERS).flatmap(
        lambda name: st.fixed_dictionaries({"scheduler": st.just(name), "params": params_for(name, depth - 1)})
    )


HOSTILE_LABELS = ["../../evil", "/etc/passwd", "a\nb", "..", "C:\\x", "\u202eevil", "<script>x</script>", "$(touch x)"]


def metric(plausible: bool) -> st.SearchStrategy:
    good = st.one_of(
        st.fixed_dictionaries(
            {"expr": st.sampled_from(GOOD_EXPRESSIONS)},
            optional={"noise": st.floats(0, 1), "seed": st.integers(0, 2**32)},
        ),
        st.builds(lambda a, b: [a + b * i for i in range(MAX_STEPS + 1)], finite_floats, finite_floats),
    )
    if plausible:
        return good
    return st.one_of(
        good,
        st.lists(numbers, max_size=MAX_STEPS + 5),
        st.fixed_dictionaries(
            {"expr": st.sampled_from(EXPRESSIONS)},
            optional={"noise": numbers, "seed": st.one_of(st.integers(-2, 2**70), scalars)},
        ),
        st.fixed_dictionaries(
            {"csv": st.one_of(short_text, st.sampled_from(["../../etc/passwd", "/etc/hostname", "m.csv"]))},
            optional={"column": scalars},
        ),
        values(1),
    )


@st.composite
def schedule(draw, plausible: bool = True):
    """One entry of ``schedules``: real names and signature-driven params, or junk."""
    name = draw(st.sampled_from(SCHEDULERS + PRESETS) if plausible else scheduler_name())
    out: dict = {"scheduler": name}
    out["params"] = draw(params_for(name)) if isinstance(name, str) else draw(values(1))
    if not draw(st.integers(0, 3)):
        out["interval"] = draw(
            st.sampled_from(["step", "epoch"]) if plausible else st.one_of(st.just("Epoch"), scalars)
        )
    if not draw(st.integers(0, 3)):
        label = st.one_of(short_text.filter(str.strip), st.sampled_from(HOSTILE_LABELS + MATH_TEXT))
        out["label"] = draw(label if plausible else values(0))
    if name == "ReduceLROnPlateau" or not draw(st.integers(0, 8)):
        out["metric"] = draw(metric(plausible))
    return out


def optimizer_kwargs(name) -> list:
    cls = torch_optimizers().get(name) if isinstance(name, str) else None
    return list(signature_params(cls.__init__)[0]) if cls is not None else []


@st.composite
def optimizer(draw, plausible: bool = True):
    """An optimizer block: a real torch optimizer, keywords from its signature, param groups."""
    name = draw(st.one_of(st.sampled_from(OPTIMIZERS), st.sampled_from(["SGD", "AdamW"])) if plausible else scalars)
    params = optimizer_kwargs(name)
    out: dict = {"name": name}

    def some_kwargs(into: dict, most: int) -> None:
        for _ in range(draw(st.integers(0, most))):
            if params:
                p = draw(st.sampled_from(params))
                into[p.name] = draw(for_hint(p.hint, 0) if p.name != "lr" else st.floats(1e-4, 1))
            else:
                into[draw(short_text)] = draw(values(0))

    some_kwargs(out, 3)
    if draw(st.booleans()):
        groups = []
        for _ in range(draw(st.integers(1, 4))):
            g: dict = {}
            if draw(st.booleans()):
                g["name"] = draw(st.one_of(short_text, st.sampled_from(HOSTILE_LABELS)))
            some_kwargs(g, 2)
            groups.append(g)
        out["param_groups"] = groups
    return out


@st.composite
def plausible_config(draw) -> dict:
    """A config much like a real one with junk values: a minority of these run, the rest are
    refused by validation or deep inside torch (a NaN, a None, a nested spec of the wrong shape)."""
    out: dict = {}
    if draw(st.integers(0, 5)):
        out["steps"] = draw(st.integers(1, MAX_STEPS))
    else:
        out["epochs"] = draw(st.integers(1, 20))
        out["steps_per_epoch"] = draw(st.integers(1, 10))
    if draw(st.booleans()):
        out["optimizer"] = draw(optimizer())
    if draw(st.integers(0, 3)):
        out["schedules"] = draw(st.lists(schedule(), min_size=1, max_size=3))
    else:
        out.update(draw(schedule()))
    if not draw(st.integers(0, 5)):
        out["device"] = draw(st.sampled_from(["cpu", "auto", "CPU"]))
    if not draw(st.integers(0, 6)):
        out["sweep"] = draw(
            st.dictionaries(
                st.sampled_from(["params.gamma", "params.step_size", "params.T_max", "interval"]),
                st.lists(
                    st.one_of(st.integers(1, 9), st.floats(0.01, 1), st.sampled_from(["step", "epoch"])),
                    min_size=1,
                    max_size=3,
                ),
                max_size=2,
            )
        )
    if not draw(st.integers(0, 5)):
        out["title"] = draw(st.one_of(short_text, st.sampled_from(HOSTILE_LABELS + MATH_TEXT)))
    if not draw(st.integers(0, 4)):
        out["plot"] = draw(plot_block())
    return out


MATH_TEXT = ["$\\eta_{max}$", "$x^{$", "$\\frac{1}{0}$", "costs $5", "$" + "{" * 80 + "x" + "}" * 80 + "$", "a $ b $ c"]


def plot_block() -> st.SearchStrategy:
    """A `plot:` block: real option names with plausible and junk values (small figures only)."""
    return st.fixed_dictionaries(
        {},
        optional={
            "layout": st.one_of(st.sampled_from(["overlay", "grid", "Grid"]), scalars),
            "yscale": st.one_of(st.sampled_from(["linear", "log"]), scalars),
            "x": st.one_of(st.sampled_from(["step", "epoch"]), scalars),
            "title": st.one_of(short_text, st.sampled_from(HOSTILE_LABELS + MATH_TEXT), scalars),
            "style": st.one_of(
                st.sampled_from(
                    [
                        "clean",
                        "paper",
                        "talk",
                        "dark",
                        "ggplot",
                        "../../etc/passwd",
                        "http://example.invalid/x.mplstyle",
                    ]
                ),
                scalars,
            ),
            "size": st.one_of(st.sampled_from(["4,3", [3, 2], "1x1", "0,0", "-1,5", "nan,3", [1e9, 1]]), scalars),
            "dpi": st.one_of(st.sampled_from([40, 72, 10**9, 0, -5, 72.5]), scalars),
            "format": st.one_of(st.sampled_from(["svg", "png", "pdf", "exe", "../x"]), scalars),
        },
    )


@st.composite
def wild_config(draw):
    """Anything: not a mapping, unknown keys, wrong types at every level."""
    if not draw(st.integers(0, 10)):
        return draw(values(2))
    out: dict = {}
    for key in ("steps", "epochs", "steps_per_epoch"):
        if draw(st.integers(0, 2)):
            out[key] = draw(st.one_of(st.integers(1, MAX_STEPS), scalars))
    if draw(st.booleans()):
        out["optimizer"] = draw(st.one_of(optimizer(plausible=False), values(1)))
    if draw(st.integers(0, 3)):
        out["schedules"] = draw(st.one_of(st.lists(schedule(plausible=False), max_size=3), values(1)))
    else:
        out.update(draw(schedule(plausible=False)))
    for key in ("device", "title", "description", "plot", "sweep", "trust"):
        if not draw(st.integers(0, 6)):
            out[key] = draw(values(1))
    if not draw(st.integers(0, 6)):
        out[draw(short_text)] = draw(values(1))
    return out


# --------------------------------------------------------------------------- well-formed configs
#
# What a user writes: a real scheduler with params in the ranges torch takes, a real
# optimizer, sometimes param groups, a sweep, a plot block, hostile-looking (but valid)
# labels. Varied -- every torch scheduler and preset, nested SequentialLR/ChainedScheduler,
# steps or epochs -- and meant to run, so the properties spend most examples in torch's
# own code rather than in validation's first refusal. Only the constraints torch documents
# are written here (a milestone list sorted; CyclicLR's momentum cycling needs an optimizer
# with momentum); nothing of a schedule's values is.

#: Labels and titles that are valid: text without control characters, paths, markup, TeX math.
good_text = st.one_of(
    st.text(alphabet=string.ascii_letters + string.digits + " _-./()é∞", min_size=1, max_size=12).filter(str.strip),
    st.sampled_from(HOSTILE_LABELS + ["$\\eta_{max}$", "$\\frac{1}{0}$", "a $ b $ c", "costs $5"]),
)
#: Optimizers whose groups hold a momentum or betas (CyclicLR/OneCycleLR cycle it by default).
GOOD_OPTIMIZERS = ["SGD", "SGD", "AdamW", "Adam", "RMSprop", "NAdam", "RAdam", "Adamax"]
#: Schedulers that cannot be a child of SequentialLR/ChainedScheduler (torch refuses them there).
NOT_A_CHILD = {"ReduceLROnPlateau", "SequentialLR", "ChainedScheduler"}


def good_for_hint(hint) -> st.SearchStrategy:
    """A value torch takes for an annotation: positive sizes, factors in (0, 1], an expression."""
    origin = typing.get_origin(hint)
    if hint is bool:
        return st.booleans()
    if hint is int:
        return st.integers(1, 60)
    if hint is float:
        return st.floats(0.01, 1.0)
    if origin is typing.Literal:
        return st.sampled_from(typing.get_args(hint))
    if origin in (types.UnionType, typing.Union):
        arms = [a for a in typing.get_args(hint) if a is not torch.Tensor and typing.get_origin(a) is not list]
        return st.one_of([good_for_hint(a) for a in arms if a is not type(None)])
    if origin is cabc.Callable or hint is cabc.Callable:
        return st.sampled_from(GOOD_EXPRESSIONS)
    if hint is type(None):
        return st.none()
    return st.floats(0.01, 1.0)


#: Params a scheduler's annotation alone does not say the range of (torch's documented constraints).
GOOD_OVERRIDES: dict[str, dict[str, st.SearchStrategy]] = {
    "ConstantLR": {"factor": st.floats(0.05, 1.0), "total_iters": st.integers(0, 60)},
    "CosineAnnealingLR": {"T_max": st.integers(1, 300), "eta_min": st.floats(0, 1e-3)},
    "CosineAnnealingWarmRestarts": {"T_mult": st.integers(1, 3), "eta_min": st.floats(0, 1e-3)},
    "CyclicLR": {
        "base_lr": st.floats(1e-4, 1e-2),
        "max_lr": st.floats(1e-2, 1.0),
        "step_size_down": st.one_of(st.none(), st.integers(1, 60)),
        "gamma": st.floats(0.9, 1.0),
        "base_momentum": st.floats(0.5, 0.85),
        "max_momentum": st.floats(0.85, 0.99),
    },
    "ExponentialLR": {"gamma": st.floats(0.8, 1.0)},
    "LinearLR": {"start_factor": st.floats(0.01, 1.0), "end_factor": st.floats(0.0, 1.0)},
    "MultiStepLR": {"milestones": st.lists(st.integers(1, 150), min_size=1, max_size=4, unique=True).map(sorted)},
    "OneCycleLR": {
        "max_lr": st.floats(1e-3, 1.0),
        "pct_start": st.floats(0.05, 0.95),
        "base_momentum": st.floats(0.5, 0.85),
        "max_momentum": st.floats(0.85, 0.99),
        "div_factor": st.floats(1.0, 100.0),
        "final_div_factor": st.floats(1.0, 1e4),
    },
    "PolynomialLR": {"power": st.floats(0.5, 3.0)},
    "ReduceLROnPlateau": {"factor": st.floats(0.1, 0.9), "patience": st.integers(0, 10), "min_lr": st.floats(0, 1e-4)},
    "StepLR": {"step_size": st.integers(1, 60), "gamma": st.floats(0.1, 1.0)},
    "polynomial": {"lr_end": st.floats(0, 1e-5), "power": st.floats(0.5, 3.0)},  # below the least lr drawn
    "cosine_with_min_lr": {"min_lr": st.floats(0, 1e-4), "min_lr_rate": st.floats(0, 0.1)},
    "cosine_warmup_with_min_lr": {"min_lr": st.floats(0, 1e-4), "min_lr_rate": st.floats(0, 0.1)},
}
#: Params a well-formed config leaves to their default: resuming needs state a config has
#: not got; OneCycleLR's length and the presets' num_training_steps are filled from the run
#: (a number of its own must cover every step, which the fuzzed steps do not know).
GOOD_SKIP = {"last_epoch", "total_steps", "epochs", "steps_per_epoch", "num_training_steps", "num_stable_steps"}


@st.composite
def good_params(draw, name: str, depth: int = 1) -> dict:
    """Params torch takes for ``name``: every required one, each optional one half of the time."""
    info = info_for(name)
    out: dict = {}
    overrides = GOOD_OVERRIDES.get(name, {})
    for p in info.params if info is not None else []:
        if p.name in GOOD_SKIP or (not p.required and draw(st.booleans())):
            continue
        if p.name == "schedulers":
            continue
        out[p.name] = draw(overrides[p.name] if p.name in overrides else good_for_hint(p.hint))
    if name in ("cosine_with_min_lr", "cosine_warmup_with_min_lr") and "min_lr" in out and "min_lr_rate" in out:
        del out[draw(st.sampled_from(["min_lr", "min_lr_rate"]))]  # transformers takes one of the two
    if name == "cosine_with_min_lr" and "min_lr" not in out and "min_lr_rate" not in out:
        out["min_lr_rate"] = draw(st.floats(0, 0.1))  # and needs one
    if name in ("SequentialLR", "ChainedScheduler"):
        children = draw(st.lists(good_child(depth - 1), min_size=1, max_size=3))
        out["schedulers"] = children
        if name == "SequentialLR":
            n = len(children) - 1
            out["milestones"] = sorted(draw(st.lists(st.integers(1, 100), min_size=n, max_size=n, unique=True)))
    return out


def good_child(depth: int) -> st.SearchStrategy:
    """A nested ``{scheduler, params}`` torch takes inside SequentialLR/ChainedScheduler."""
    names = [n for n in SCHEDULERS if n not in NOT_A_CHILD]
    if depth > 0:
        names += ["SequentialLR", "ChainedScheduler"]
    return st.sampled_from(names).flatmap(
        lambda name: st.fixed_dictionaries({"scheduler": st.just(name), "params": good_params(name, depth)})
    )


@st.composite
def good_schedule(draw) -> dict:
    """One entry of ``schedules`` that runs."""
    name = draw(st.sampled_from(SCHEDULERS + PRESETS))
    out: dict = {"scheduler": name, "params": draw(good_params(name))}
    if draw(st.integers(0, 3)) == 0:
        out["interval"] = draw(st.sampled_from(["step", "epoch"]))
    if draw(st.integers(0, 3)) == 0:
        out["label"] = draw(good_text)
    if name == "ReduceLROnPlateau":
        out["metric"] = draw(metric(plausible=True))
    return out


@st.composite
def good_optimizer(draw) -> dict:
    """A real optimizer with momentum or betas, an lr, sometimes named param groups with their own lr."""
    out: dict = {"name": draw(st.sampled_from(GOOD_OPTIMIZERS))}
    if draw(st.booleans()):
        out["lr"] = draw(st.floats(1e-4, 1.0))
    if out["name"] == "SGD" and draw(st.booleans()):
        out["momentum"] = draw(st.floats(0.0, 0.99))
    if draw(st.integers(0, 2)) == 0:
        groups = []
        for i in range(draw(st.integers(1, 3))):
            group: dict = {"name": draw(st.one_of(st.just(f"g{i}"), st.sampled_from(HOSTILE_LABELS)))}
            if draw(st.booleans()):
                group["lr"] = draw(st.floats(1e-4, 1.0))
            groups.append(group)
        names = [g["name"] for g in groups]
        if len(set(names)) < len(names):  # group names are unique
            for i, g in enumerate(groups):
                g["name"] = f"g{i}"
        out["param_groups"] = groups
    return out


def good_plot_block() -> st.SearchStrategy:
    return st.fixed_dictionaries(
        {},
        optional={
            "layout": st.sampled_from(["overlay", "grid"]),
            "yscale": st.sampled_from(["linear", "log"]),
            "x": st.sampled_from(["step", "epoch"]),
            "title": good_text,
            "style": st.sampled_from(["clean", "paper", "talk", "dark"]),
            "size": st.sampled_from(["4,3", [3, 2], "5,2.5"]),
            "dpi": st.integers(40, 100),
        },
    )


@st.composite
def good_config(draw) -> dict:
    """A config that runs: one to three schedules, steps or epochs, the extras a real one has."""
    out: dict = {}
    if draw(st.integers(0, 3)):
        out["steps"] = draw(st.integers(1, MAX_STEPS))
    else:
        out["epochs"] = draw(st.integers(1, 20))
        out["steps_per_epoch"] = draw(st.integers(1, 10))
    if draw(st.booleans()):
        out["optimizer"] = draw(good_optimizer())
    schedules = draw(st.lists(good_schedule(), min_size=1, max_size=3))
    if len(schedules) == 1 and draw(st.booleans()):
        out.update(schedules[0])
    else:
        out["schedules"] = schedules
    if draw(st.integers(0, 5)) == 0:
        out["sweep"] = {
            "interval": draw(st.lists(st.sampled_from(["step", "epoch"]), min_size=1, max_size=2, unique=True))
        }
    if draw(st.integers(0, 4)) == 0:
        out["title"] = draw(good_text)
    if draw(st.integers(0, 3)) == 0:
        out["plot"] = draw(good_plot_block())
    if draw(st.integers(0, 5)) == 0:
        out["device"] = "cpu"
    return out


def _slots(node, out=None) -> list:
    """Every (container, key) of a config tree: the places a mutation can hit."""
    out = [] if out is None else out
    if isinstance(node, dict):
        for k, v in node.items():
            out.append((node, k))
            _slots(v, out)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.append((node, i))
            _slots(v, out)
    return out


def _short(data):
    """Keep a run that lrviz would accept short: a mutation may write steps: 10874382,
    which is valid and takes a minute (past the deadline), proving nothing new."""
    if isinstance(data, dict):
        for key in ("steps", "epochs", "steps_per_epoch"):
            v = data.get(key)
            if isinstance(v, (int, float)) and not isinstance(v, bool) and MAX_STEPS < v <= 50_000_000:
                data[key] = int(v) % MAX_STEPS + 1
    return data


def mutate(draw, data):
    """One to three mutations anywhere in ``data``: a value replaced by junk, a key deleted or added."""
    for _ in range(draw(st.integers(1, 3))):
        slots = _slots(data)
        if not slots:
            break
        container, key = draw(st.sampled_from(slots))
        action = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        if action == "replace":
            container[key] = draw(values(1))
        elif action == "delete":
            del container[key]
        elif isinstance(container, dict):
            container[draw(st.one_of(short_text, st.sampled_from(["trust", "steps", "T_max", "params"])))] = draw(
                values(1)
            )
        else:
            container.insert(key, draw(values(1)))
    return data


#: How often each kind of example is drawn, out of 20 (see :func:`configs`).
MIX = {"well-formed": 14, "well-formed, mutated": 3, "plausible, mutated": 2, "wild": 1}


@st.composite
def configs(draw):
    """Most examples are well-formed (:func:`good_config`: 14 in 20, varied, meant to run);
    the minority is malformed on purpose: a well-formed config hit by a mutation or three
    (3 in 20), a plausible config with junk values (:func:`plausible_config`, mutated: 2 in
    20), and anything at all (:func:`wild_config`: 1 in 20)."""
    pick = draw(st.integers(0, sum(MIX.values()) - 1))
    kinds = [kind for kind, n in MIX.items() for _ in range(n)]
    kind = kinds[pick]
    event(f"drawn: {kind}")
    if kind == "wild":
        return _short(draw(wild_config()))
    data = draw(good_config() if kind.startswith("well-formed") else plausible_config())
    if kind.endswith("mutated"):
        data = mutate(draw, data)
    return _short(data)


# --------------------------------------------------------------------------- the properties


def _one_line(message: str) -> None:
    assert message.strip(), "an error must say something"
    assert "\n" not in message and "\r" not in message, f"error message is not one line: {message!r}"
    assert "Traceback" not in message


def run_library(data) -> bool:
    """What the CLI does for `lrviz export`: load, sweep, simulate, serialise. True if it ran."""
    from lrviz.export import to_csv, to_json
    from lrviz.simulate import simulate
    from lrviz.validate import load_config
    from lrviz.validate.sweep import apply_sweeps

    stage = "load"
    try:
        cfg = load_config(data)
        cfg = apply_sweeps(cfg, [])
        stage = "simulate"
        result = simulate(cfg, jobs=1)
        stage = "export"
        to_csv(result)
        to_json(result)
    except LrvizError as exc:
        _one_line(str(exc))
        event(f"refused at {stage}: {type(exc).__name__}")  # --hypothesis-show-statistics
        return False
    event("ran")
    assert len(result.trajectories) == len(cfg.schedules) >= 1
    for t in result.trajectories:
        assert t.lr.shape == (cfg.steps, len(t.groups))
    return True


@given(configs())
def _any_config(data):
    OUTCOMES["any config"].append(run_library(data))


def test_any_config_runs_or_is_refused_cleanly():
    OUTCOMES.pop("any config", None)
    _any_config()
    assert_enough_accepted("any config")


@st.composite
def named_params(draw) -> tuple[str, dict]:
    """A scheduler of the installed torch or a preset, and params: three in four well-formed
    (:func:`good_params`, nested children included), one in four drawn from its signature with
    off-type and out-of-range values (:func:`params_for`)."""
    name = draw(st.sampled_from(SCHEDULERS + PRESETS))
    well_formed = draw(st.integers(0, 3)) > 0
    event("params: well-formed" if well_formed else "params: fuzzed")
    return name, draw(good_params(name, 2) if well_formed else params_for(name, 2))


@given(named_params(), st.integers(1, MAX_STEPS))
def _real_scheduler(named, steps):
    name, params = named
    spec = {"steps": steps, "scheduler": name, "params": params}
    if name == "ReduceLROnPlateau":
        spec["metric"] = {"expr": "1 / (epoch + 1)", "noise": 0.1, "seed": 1}
    OUTCOMES["real scheduler"].append(run_library(spec))


def test_real_scheduler_with_fuzzed_params():
    """Every scheduler, params drawn from its own signature: deep coverage of coerce and torch."""
    OUTCOMES.pop("real scheduler", None)
    _real_scheduler()
    assert_enough_accepted("real scheduler")


def _dump(data) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


_runner = CliRunner()


def test_cli_exit_codes(tmp_path_factory):
    """Through the CLI: exit 0 (and the output file), 1 for check's findings, or exit 2 with
    one line 'error: ...' per mistake and no file."""
    OUTCOMES.pop("cli", None)
    _cli(tmp_path_factory)
    assert_enough_accepted("cli")


@settings(max_examples=max(10, settings().max_examples // 2))
@given(data=configs(), command=st.sampled_from(["export", "plot", "check", "show"]))
def _cli(tmp_path_factory, data, command):
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / "fuzz.yaml"
    try:
        path.write_text(_dump(data), encoding="utf-8")
    except (yaml.YAMLError, UnicodeEncodeError, ValueError):
        return  # something YAML cannot spell: a lone surrogate, an int Python will not print
    outdir = folder / "out"
    outdir.mkdir()
    args = {
        "export": ["export", str(path), "-o", str(outdir / "out.csv")],
        "plot": ["plot", str(path), "-o", str(outdir), "-f", "svg"],
        "check": ["check", str(path), "--format", "json"],
        "show": ["show", str(path)],
    }[command]
    result = _runner.invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    event(f"{command}: exit {result.exit_code}")
    # ran: exit 0, or check's exit 1 (the config loaded and ran; its lints found an error)
    OUTCOMES["cli"].append(result.exit_code == 0 or (command == "check" and result.exit_code == 1))
    if command == "check" and result.exit_code in (0, 1):
        report = json.loads(result.stdout)  # findings, machine-readable, whatever the config held
        assert report["exit_code"] == result.exit_code
        assert (result.exit_code == 1) == any(f["severity"] == "error" for f in report["findings"])
        return
    if result.exit_code == 0:
        expected = {"export": [".csv"], "plot": [".svg"]}.get(command, [])
        assert [p.suffix for p in outdir.iterdir()] == expected
        return
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    # one line per mistake (issue 20), at most MAX_ERRORS and a count; a YAML mistake adds its line and a caret
    lines = [line for line in result.stderr.splitlines() if not re.match(r"  [\d ]+ \| ", line)]
    assert 1 <= len(lines) <= MAX_ERRORS + 1 and all(line.startswith("error: ") for line in lines), result.stderr
    assert list(outdir.iterdir()) == []


def test_profiles_are_registered():
    """The documented profiles exist, CI's is small, and neither measures time (a busy machine
    must not fail or change a run)."""
    assert settings.get_profile("ci").max_examples <= 100
    assert settings.get_profile("long").max_examples >= 1000
    for name in ("ci", "long"):
        profile = settings.get_profile(name)
        assert profile.deadline is None, name
        assert HealthCheck.too_slow in profile.suppress_health_check, name
