"""A typo in a TrainingArguments file: a key close to a field, refused as HfArgumentParser would."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lrviz.errors import ConfigError


def refuse_near_misses(data: Mapping[str, Any], installed: bool) -> None:
    """A key that is no TrainingArguments field but close to one (``warmup_step``) is a typo:
    HfArgumentParser refuses keys no dataclass of its takes ("Some keys are not used by the
    HfArgumentParser"). Keys like nothing of TrainingArguments pass: a recipe's model and
    data arguments are other dataclasses' (TRL, alignment-handbook). Without an importable
    transformers (``installed`` False, or it fails) there are no fields to hold keys against,
    and nothing is refused."""
    from lrviz.errors import ConfigErrors, suggestions

    known = training_fields(installed)
    if not known:
        return
    errors = [
        ConfigError(
            f"TrainingArguments has no field {k!r} (did you mean {' or '.join(close)}?); HfArgumentParser refuses it",
            key=k,
        )
        for k in data
        if isinstance(k, str) and k not in known and (close := suggestions(k, sorted(known), cutoff=0.85))
    ]
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ConfigErrors(errors)


def training_fields(installed: bool) -> frozenset[str]:
    """The installed transformers' TrainingArguments fields (empty when it cannot be imported)."""
    if not installed:
        return frozenset()
    import dataclasses

    try:
        from transformers import TrainingArguments

        return frozenset(f.name for f in dataclasses.fields(TrainingArguments))
    except Exception:  # a transformers that does not import
        return frozenset()
