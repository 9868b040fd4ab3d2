"""The config as a JSON Schema, generated from what validates it (``lrviz schema``).

An editor with yaml-language-server (VS Code's YAML extension, Neovim, Helix...) reads
it for completion, hover text and errors before anything runs. Nothing in it is a hand
list that could drift from lrviz:

* the scheduler names, their parameters, defaults and required ones come from the
  registry (:func:`lrviz.registry.catalogue`: every class of the installed torch, the
  presets, any kind registered later), the optimizers and their keywords from torch,
  each value from its annotation as validation reads it (:mod:`.schema_values`);
* the keys of each block are the tuples the validators check against
  (``TOP_KEYS``, ``SCHEDULE_KEYS``, ``PLOT_KEYS``, ``METRIC_KEYS``...), the choices
  their choice tuples, the bounds :mod:`lrviz.limits`.

It is JSON Schema draft-07, the draft yaml-language-server supports fully (if/then
included). The schema is a necessary condition, not a sufficient one: what it cannot
say (an expression's arithmetic, a metric's length, torch's verdict on a value) lrviz
checks when it loads the config. It never flags what lrviz takes in the forms torch
documents (see :mod:`.schema_values` for the one exception, values of another type).
"""

from __future__ import annotations

import re

from lrviz._version import __version__
from lrviz.limits import MAX_GROUPS, MAX_NESTING, MAX_SCHEDULES, MAX_STEPS
from lrviz.validate.document import SINGLE_KEYS, TOP_KEYS
from lrviz.validate.metric import METRIC_KEYS
from lrviz.validate.plot import FORMATS, LAYOUTS, MAX_DPI, MAX_INCHES, MIN_DPI, MIN_INCHES, PLOT_KEYS, XAXES, YSCALES
from lrviz.validate.schedule import INTERVALS, SCHEDULE_KEYS
from lrviz.validate.schema_values import EXPRESSION, NESTED_REF, Schema, param_schema
from lrviz.validate.sweep import SWEEPABLE

DRAFT = "http://json-schema.org/draft-07/schema#"
#: Scheduler names of kinds whose catalogue is open-ended (no list to offer), as a pattern.
OPEN_KINDS = {"import": {"pattern": "^[^:]+:[^:]+$", "description": "module:Name or file.py:Name (needs --trust)"}}

TEXT: Schema = {"type": ["string", "number"]}
#: Keys whose null lrviz reads as "not given" (a title, a label, the optimizer, a plot option...).
OPTIONAL_TEXT: Schema = {"type": ["string", "number", "null"]}
NOT_NULL: Schema = {"not": {"type": "null"}}
COUNT: Schema = {"type": "integer", "minimum": 1, "maximum": MAX_STEPS}


def choice(values: tuple[str, ...] | list[str], description: str = "") -> Schema:
    """One of ``values``, as validation compares them (stripped, any case); the enum is what editors offer."""
    loose = "|".join("".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in v) for v in values)
    out: Schema = {"anyOf": [{"enum": list(values)}, {"type": "string", "pattern": rf"^\s*(?:{loose})\s*$"}]}
    return {**out, "description": description} if description else out


def any_case(values: list[str]) -> Schema:
    """A string that is one of ``values`` but for case, where that names one value (the registry's rule)."""
    lowered = [v.lower() for v in values]
    unique = [v for v in values if lowered.count(v.lower()) == 1]
    loose = "|".join("".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in v) for v in unique)
    return {"type": "string", "pattern": rf"^(?:{loose})$"}


def nullable(schema: Schema) -> Schema:
    """``schema`` or null (what validation reads as a key not given); {} stays {}."""
    if not schema:
        return schema
    description = schema.get("description")
    inner = {k: v for k, v in schema.items() if k != "description"}
    out: Schema = {"anyOf": [inner, {"type": "null"}]}
    return {**out, "description": description} if description else out


def _ref(name: str, description: str = "") -> Schema:
    """A reference, wrapped so a description beside it is not ignored (draft-07)."""
    out: Schema = {"allOf": [{"$ref": f"#/definitions/{name}"}]}
    return {**out, "description": description} if description else out


# --------------------------------------------------------------------------- schedulers


def _scheduler_defs() -> tuple[dict[str, Schema], Schema, list[Schema]]:
    """(a params definition per scheduler, the scheduler-name schema, the if/then rules)."""
    from lrviz.registry import KINDS, catalogue

    facts = {
        "scheduler_steps": "the number of scheduler steps of the run",
        "steps": "the run's steps",
        "steps_per_epoch": "steps_per_epoch",
    }
    defs: dict[str, Schema] = {}
    rules: list[Schema] = []
    for name, info in sorted(catalogue().items()):
        properties = {p.name: param_schema(p, filled=facts.get(info.fills.get(p.name, ""), None)) for p in info.params}
        required = [p.name for p in info.params if p.required and p.name not in info.fills]
        params: Schema = {
            "type": "object" if required else ["object", "null"],
            "description": f"{info.name} ({info.kind}): {info.summary}".strip(),
            "properties": properties,
            "additionalProperties": info.accepts_any,
        }
        if required:
            params["required"] = required
        defs[f"params.{name}"] = params
        then: Schema = {"properties": {"params": {"$ref": f"#/definitions/params.{name}"}}}
        if required:
            then["required"] = ["params"]
        rules.append({"if": {"properties": {"scheduler": {"const": name}}, "required": ["scheduler"]}, "then": then})
    names: list[Schema] = [{"enum": sorted(catalogue())}, any_case(sorted(catalogue()))]
    for kind in KINDS:
        if not kind.catalogue() and kind.name in OPEN_KINDS:
            names.append({"type": "string", **OPEN_KINDS[kind.name]})
    name_schema = {
        "anyOf": names,
        "description": "A torch scheduler class (CamelCase), a preset (lower-case), or module:Name with --trust; "
        "see 'lrviz list'.",
    }
    return defs, name_schema, rules


def _metric_rules() -> list[Schema]:
    """ReduceLROnPlateau needs a metric; a catalogued scheduler other than it takes none."""
    from lrviz.registry import catalogue

    others = sorted(n for n in catalogue() if n != "ReduceLROnPlateau")
    return [
        {
            "if": {"properties": {"scheduler": {"const": "ReduceLROnPlateau"}}, "required": ["scheduler"]},
            "then": {"required": ["metric"], "properties": {"metric": NOT_NULL}},
        },
        {
            "if": {"properties": {"scheduler": {"enum": others}}, "required": ["scheduler"]},
            "then": {"not": {"required": ["metric"], "properties": {"metric": NOT_NULL}}},
        },
    ]


def _metric() -> Schema:
    expr = {"expr", "noise", "seed"} & set(METRIC_KEYS)
    csv = {"csv", "column"} & set(METRIC_KEYS)
    known: dict[str, Schema] = {
        "expr": {**EXPRESSION, "description": "The metric at scheduler step `step`: an arithmetic expression."},
        "noise": {"type": "number", "minimum": 0, "description": "Standard deviation of seeded normal noise added."},
        "seed": {"type": "integer", "minimum": 0, "description": "Seed of the noise (default 0)."},
        "csv": {"type": "string", "minLength": 1, "description": "A CSV file, relative to the config."},
        "column": {"type": ["string", "integer"], "description": "The CSV column, by name or index."},
    }
    return {
        "description": "ReduceLROnPlateau's metric, one value per scheduler step: a list, "
        "{expr, noise, seed} or {csv, column}.",
        "anyOf": [
            {"type": "array", "items": {"type": "number"}},
            {
                "type": "object",
                "properties": {k: known[k] for k in sorted(expr)},
                "required": ["expr"],
                "additionalProperties": False,
            },
            {
                "type": "object",
                "properties": {k: known[k] for k in sorted(csv)},
                "required": ["csv"],
                "additionalProperties": False,
            },
        ],
    }


def _schedule_properties() -> dict[str, Schema]:
    known: dict[str, Schema] = {
        "label": {
            **OPTIONAL_TEXT,
            "minLength": 1,
            "maxLength": 200,
            "description": "Legend label (default: the scheduler).",
        },
        "scheduler": _ref("scheduler_name"),
        "params": {"type": ["object", "null"], "description": "The scheduler's keywords, as torch names them."},
        "interval": choice(INTERVALS, "step (default) or epoch: stepped every steps_per_epoch optimizer steps."),
        "metric": nullable(_ref("metric")),
    }
    return {k: known.get(k, {}) for k in SCHEDULE_KEYS}


# --------------------------------------------------------------------------- optimizer


def _optimizer() -> Schema:
    """The optimizer block: per optimizer class, its keywords (and the same in every param group)."""
    from lrviz.registry.signature import signature_params
    from lrviz.registry.torch_classes import torch_optimizers

    optimizers = torch_optimizers()
    rules: list[Schema] = []
    for name, cls in optimizers.items():
        params, _ = signature_params(cls.__init__)
        keywords = {p.name: param_schema(p) for p in params}
        group = {
            "type": "object",
            "properties": {"name": {**TEXT, "description": "The group's name."}, **keywords},
            "additionalProperties": False,
        }
        body = {
            "properties": {
                "name": {"const": name},
                "param_groups": nullable({"type": "array", "minItems": 1, "maxItems": MAX_GROUPS, "items": group}),
                **keywords,
            },
            "additionalProperties": False,
        }
        named: Schema = {"properties": {"name": {"const": name}}, "required": ["name"]}
        when = {"anyOf": [named, {"not": {"required": ["name"]}}]} if name == "SGD" else named  # SGD: the default
        rules.append({"if": when, "then": body})
    return {
        "type": "object",
        "description": "A torch.optim class and its keywords (default: SGD with lr 0.1, momentum 0.9).",
        "properties": {
            "name": choice(list(optimizers), "A class of torch.optim (default SGD; any case)."),
            "param_groups": {"type": ["array", "null"], "description": "Param groups: name, and keywords that differ."},
        },
        "allOf": rules,
    }


# --------------------------------------------------------------------------- plot, sweep


def _plot() -> Schema:
    from lrviz.styles import style_names

    size = f"W,H in inches, each from {MIN_INCHES:g} to {MAX_INCHES:g}"
    formats = choice(FORMATS)
    known: dict[str, Schema] = {
        "layout": choice(LAYOUTS, "overlay: every schedule on one axes; grid: one panel per schedule."),
        "yscale": choice(YSCALES, "The learning-rate axis."),
        "x": choice(XAXES, "x axis in optimizer steps or epochs."),
        "title": {**TEXT, "maxLength": 300, "description": "Figure title."},
        "style": {"enum": style_names(), "description": "lrviz's styles, or a matplotlib style sheet."},
        "size": {
            "description": f"Figure size {size}: [7, 4.2] or '7,4.2'.",
            "anyOf": [
                {"type": "string", "pattern": r"^\s*[0-9.eE+-]+\s*[,xX]\s*[0-9.eE+-]+\s*$"},
                {
                    "type": "array",
                    "minItems": 2,
                    "maxItems": 2,
                    "items": {"type": "number", "minimum": MIN_INCHES, "maximum": MAX_INCHES},
                },
            ],
        },
        "dpi": {"type": "integer", "minimum": MIN_DPI, "maximum": MAX_DPI, "description": "PNG resolution."},
        "format": {
            "description": "Output format(s).",
            "anyOf": [formats, {"type": "array", "minItems": 1, "items": formats}],
        },
    }
    known["formats"] = known["format"]
    return {
        "type": ["object", "null"],
        "description": "Defaults for `lrviz plot` (the command line wins).",
        "properties": {k: nullable(known.get(k, {})) for k in PLOT_KEYS},
        "additionalProperties": False,
        "not": {"required": ["format", "formats"]},
    }


def _sweep() -> Schema:
    scalar: Schema = {"type": ["boolean", "number", "string"]}
    return {
        "type": ["object", "null"],
        "description": "One schedule per value: KEY (a dotted path inside each schedule, e.g. params.gamma) "
        "to a list of values.",
        "propertyNames": {"pattern": "^(" + "|".join(SWEEPABLE) + r")(\..+)?$"},
        "additionalProperties": {"anyOf": [scalar, {"type": "array", "minItems": 1}]},
    }


# --------------------------------------------------------------------------- the document


def _top_properties() -> dict[str, Schema]:
    known: dict[str, Schema] = {
        "title": {**OPTIONAL_TEXT, "description": "Figure and gallery title (default: the file name)."},
        "description": {**OPTIONAL_TEXT, "description": "One line for the gallery."},
        "steps": {**COUNT, "description": "Optimizer steps to simulate."},
        "epochs": {**COUNT, "description": "Epochs (with steps_per_epoch) instead of steps."},
        "steps_per_epoch": {**COUNT, "description": "Optimizer steps per epoch (default 1)."},
        "device": {
            "description": "Device of the dummy parameters (default cpu).",
            "anyOf": [
                choice(("cpu", "cuda", "mps", "auto")),
                {"type": "string", "pattern": r"^\s*[cC][uU][dD][aA]:[0-9]+\s*$"},
            ],
        },
        "optimizer": nullable(_ref("optimizer")),
        "schedules": {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_SCHEDULES,
            "items": _ref("schedule"),
            "description": "The schedules to compare.",
        },
        "plot": _ref("plot"),
        "sweep": _ref("sweep"),
    }
    single = _schedule_properties()
    return {k: known.get(k, single.get(k, {})) for k in TOP_KEYS}


def config_schema() -> Schema:
    """The JSON Schema (draft-07) of an lrviz config, for the installed torch and lrviz."""
    import importlib.metadata

    defs, name_schema, rules = _scheduler_defs()
    metric_rules = _metric_rules()
    schedule = {
        "type": "object",
        "properties": _schedule_properties(),
        "required": ["scheduler"],
        "additionalProperties": False,
        "allOf": [{"$ref": "#/definitions/scheduler_rules"}, *metric_rules],
    }
    nested = {
        "type": "object",
        "description": f"A nested scheduler {{scheduler, params}} (at most {MAX_NESTING} levels deep).",
        "properties": {"scheduler": _ref("scheduler_name"), "params": {"type": ["object", "null"]}},
        "required": ["scheduler"],
        "additionalProperties": False,
        "allOf": [{"$ref": "#/definitions/scheduler_rules"}],
    }
    definitions = {
        "scheduler_name": name_schema,
        "scheduler_rules": {"allOf": rules},
        "schedule": schedule,
        NESTED_REF.rsplit("/", 1)[1]: nested,
        "metric": _metric(),
        "optimizer": _optimizer(),
        "plot": _plot(),
        "sweep": _sweep(),
        **defs,
    }
    single = {
        "if": {"required": ["schedules"]},
        "then": {"not": {"anyOf": [{"required": [k]} for k in SINGLE_KEYS]}},
        "else": {"allOf": [{"$ref": "#/definitions/scheduler_rules"}, *metric_rules]},
    }
    return {
        "$schema": DRAFT,
        "title": "lrviz config",
        "description": f"An lrviz config (lrviz {__version__}, torch {importlib.metadata.version('torch')}); "
        "generated by `lrviz schema`.",
        "type": "object",
        "properties": _top_properties(),
        "additionalProperties": False,
        "allOf": [
            {"anyOf": [{"required": ["schedules"]}, {"required": ["scheduler"]}]},
            {"anyOf": [{"required": ["steps"]}, {"required": ["epochs"]}]},
            {"not": {"required": ["steps", "epochs"]}},
            single,
        ],
        "definitions": definitions,
    }
