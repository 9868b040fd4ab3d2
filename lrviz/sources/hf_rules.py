"""Which transformers release's arithmetic a TrainingArguments file is planned with.

The rules that decide a Trainer run's schedule changed between releases; each was read in
the released wheel's source (transformers/trainer.py, transformers/training_args.py):

* **updates per epoch** (``Trainer._inner_training_loop`` up to 4.51, then
  ``Trainer.set_initial_training_values``): 4.46.3 and 4.50.3 ``max(len_dataloader //
  args.gradient_accumulation_steps, 1)``, 4.51.3 the same; from 4.52
  ``max(math.ceil(len_dataloader / args.gradient_accumulation_steps), 1)`` (4.52.4, 4.57,
  5.23): a last, partial accumulation still makes an optimizer step;
* **warmup** (``TrainingArguments.get_warmup_steps``): transformers 4 ``warmup_steps if
  warmup_steps > 0 else math.ceil(num_training_steps * warmup_ratio)``; 5.0 and 5.1 copy a
  set ``warmup_ratio`` into ``warmup_steps``; 5.2 removed the key, and ``warmup_steps`` below 1
  is a ratio of the total (see :func:`lrviz.sources.hf._warmup`).

What the *log* says about a release (the ``learning_rate`` a ``trainer_state.json`` holds) is
:mod:`lrviz.actual.conventions`' business: the plan does not depend on it.

The rules in force: ``--transformers-version X.Y`` when given; else the installed
transformers; else :data:`DEFAULT_RULES` (the release the project pins).
"""

from __future__ import annotations

from lrviz.errors import LrvizError

#: The rules lrviz applies when transformers is not installed.
DEFAULT_RULES = (5, 23)
#: The first release whose Trainer rounds updates per epoch up (4.51.3 rounded down).
CEIL_SINCE = (4, 52)
#: The oldest release whose rules lrviz has read (the Trainer's arithmetic before it is not covered).
OLDEST = (4, 40)


def installed_version() -> tuple[int, int] | None:
    """(major, minor) of the installed transformers, read from its metadata (nothing imported)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        text = version("transformers")
    except PackageNotFoundError:
        return None
    try:
        return parse(text)
    except LrvizError:
        return None


def parse(text: str, option: str | None = None) -> tuple[int, int]:
    """``"4.46"``, ``"4.46.3"`` or ``"5.0.0rc1"`` -> (major, minor); anything else is bad input."""
    parts = str(text).strip().split(".")
    try:
        major = int(parts[0])
        minor = int("".join(c for c in parts[1].split("rc")[0] if c.isdigit()) or "x")
    except (IndexError, ValueError):
        where = f"{option} " if option else ""
        raise LrvizError(f"{where}{text!r} is not a release number such as 4.46 or 5.2") from None
    return major, minor


def rules_for(transformers_version: str | None) -> tuple[tuple[int, int], str]:
    """The rules in force and where they come from (the option, the installed release, or the default)."""
    if transformers_version is not None:
        rules = parse(transformers_version, "--transformers-version")
        if rules < OLDEST:
            raise LrvizError(
                f"--transformers-version {transformers_version}: lrviz knows the Trainer's rules from "
                f"{OLDEST[0]}.{OLDEST[1]} on"
            )
        return rules, "--transformers-version"
    installed = installed_version()
    if installed is not None:
        return installed, "installed"
    return DEFAULT_RULES, "not installed here"


def name(rules: tuple[int, int], origin: str) -> str:
    """``transformers 4.46 (--transformers-version)``: the rules in a row's words."""
    return f"transformers {rules[0]}.{rules[1]} ({origin})"


def rounds_up(rules: tuple[int, int]) -> bool:
    """Whether a last, partial accumulation makes an optimizer step (updates per epoch rounded up)."""
    return rules >= CEIL_SINCE


__all__ = ["CEIL_SINCE", "DEFAULT_RULES", "OLDEST", "installed_version", "name", "parse", "rounds_up", "rules_for"]
