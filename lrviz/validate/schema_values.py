"""A parameter's value as JSON Schema, read from its signature the way validation reads it.

:func:`lrviz.validate.params.convert` decides, arm by arm of a parameter's annotation,
which values the annotation describes; :func:`arm_schema` says the same thing in JSON
Schema, case for case (a nested ``{scheduler, params}`` for a scheduler, an expression
for a callable, a list of the item for a sequence, one of the values of a Literal, any
number where a float is annotated, ``1e3`` where an int is).

torch is the judge of values, and its annotations are narrower than what it takes, so
a parameter's schema is its annotation *widened* by the forms torch takes beyond them
(issue 11, proved for every class of the installed torch by tests/test_torch_judge.py):

* a list with one value per param group, for every parameter (torch formats a
  parameter per group with ``_format_param`` wherever it supports that; where it does
  not, lrviz asks torch at load time and reports its refusal: the schema stays silent
  rather than guess which is which);
* ``null`` where the default is None.

So the schema never flags a value written the ways torch documents or takes per group.
A value of another type (text or ``true`` where a number goes, a fraction where an int
goes) *is* flagged, although lrviz itself still puts such a value to torch, as for any
value outside an annotation: an editor's warning there is almost always a mistake, and
torch's verdict stays the final word.
"""

from __future__ import annotations

import inspect
import math
import typing
from typing import Any

from lrviz.registry.signature import (
    EMPTY,
    Param,
    arms,
    describe_hint,
    is_callable_hint,
    is_scheduler_hint,
    is_sequence_hint,
    is_tensor,
)

#: Where a nested scheduler spec is defined in the document (lrviz.validate.schema).
NESTED_REF = "#/definitions/nested_scheduler"
Schema = dict[str, Any]

EXPRESSION: Schema = {
    "type": ["string", "number"],
    "description": 'An arithmetic expression of `epoch` (also `step`, `x`), e.g. "0.95 ** epoch"; never code.',
}


def arm_schema(arm: Any) -> Schema:
    """One arm of an annotation as JSON Schema ({} when it describes any value)."""
    if arm is None or arm is Any or is_tensor(arm):
        return {}
    if is_scheduler_hint(arm):
        return {"$ref": NESTED_REF}
    if is_callable_hint(arm):
        return dict(EXPRESSION)
    if is_sequence_hint(arm):
        return _sequence(arm)
    if typing.get_origin(arm) is typing.Literal:
        return {"enum": list(typing.get_args(arm))}
    simple = {bool: "boolean", int: "integer", float: "number", str: "string", type(None): "null"}
    if inspect.isclass(arm) and arm in simple:
        return {"type": simple[arm]}
    return {}


def _sequence(arm: Any) -> Schema:
    args = typing.get_args(arm)
    if typing.get_origin(arm) is tuple and args and args[-1] is not Ellipsis:  # tuple[float, float]
        return {"type": "array", "items": [arm_schema(a) for a in args], "minItems": len(args), "maxItems": len(args)}
    item = arm_schema(args[0]) if args else {}
    return {"type": "array", "items": item} if item else {"type": "array"}


def value_schema(hint: Any, default: Any = EMPTY) -> Schema:
    """A parameter's value: its annotation's arms, each also per param group, and null
    when the default is None. {} (anything) when an arm describes any value."""
    # A tensor cannot be written in YAML: an arm that only says "Tensor" beside others adds nothing.
    described = [a for a in arms(hint) if not is_tensor(a)] or list(arms(hint))
    options: list[Schema] = []
    for arm in described:
        schema = arm_schema(arm)
        if not schema:
            return {}
        options.append(schema)
        if not (is_sequence_hint(arm) or is_scheduler_hint(arm) or schema == {"type": "null"}):
            options.append({"type": "array", "items": schema})  # one value per param group
    if default is None:
        options.append({"type": "null"})
    unique: list[Schema] = []
    for option in options:
        if option not in unique:
            unique.append(option)
    return unique[0] if len(unique) == 1 else {"anyOf": unique}


def json_default(value: Any) -> tuple[bool, Any]:
    """(whether ``value`` can be written as a JSON default, the JSON value)."""
    if value is None or isinstance(value, (bool, int, str)):
        return True, value
    if isinstance(value, float):
        return math.isfinite(value), value
    if isinstance(value, (list, tuple)):
        items = [json_default(v) for v in value]
        return all(ok for ok, _ in items), [v for _, v in items]
    return False, None


def param_schema(param: Param, *, filled: str | None = None) -> Schema:
    """A parameter's schema with a description (what its annotation says, its default) and
    its JSON default. ``filled``: what lrviz fills in when the config leaves it out."""
    schema = value_schema(param.hint, param.default)
    words = describe_hint(param.hint) if param.hint is not None else "any value"
    if filled:
        words += f"; filled in by lrviz when left out: {filled}"
    elif param.required:
        words += "; required"
    else:
        ok, value = json_default(param.default)
        words += f"; default {param.default!r}"
        if ok:
            schema = {**schema, "default": value}
    if "$ref" in schema:  # draft-07 ignores a $ref's siblings: wrap it
        schema = {"allOf": [{"$ref": schema.pop("$ref")}], **schema}
    return {**schema, "description": words}
