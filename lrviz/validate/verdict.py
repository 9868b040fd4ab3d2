"""torch is the judge: ask it about the values its annotations do not describe.

lrviz never refuses a value because of its type. torch's annotations are narrower
than what torch does (CyclicLR's ``base_momentum: float`` takes one value per param
group), so a value they do not describe (a :class:`~lrviz.spec.Note`) is put to torch
itself, at load time, the way a training script would: the schedule is built on a
fresh dummy optimizer (:mod:`lrviz.build`) and stepped through its first
:data:`TRIAL_STEPS` scheduler steps (:mod:`lrviz.step`). If torch takes it, so does
lrviz, unchanged. If torch refuses (when building, or with a TypeError while
stepping), the config is refused before anything runs: exit 2, the key path, what the
annotation says, and torch's own words.

Schedules whose values all match the annotations skip the trial (torch documents
those). Any refusal the trial does not reach is still torch's, reported when the run
reaches it (:mod:`lrviz.step`).
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from lrviz.build import build, build_optimizer
from lrviz.errors import ConfigError, SimulationError, first_line
from lrviz.refusals import named_param
from lrviz.step import Record, advance

if TYPE_CHECKING:
    from lrviz.spec import Config, Note, Schedule

#: Scheduler steps of the trial: enough for the first milestones and cycles, a few
#: milliseconds of torch.
TRIAL_STEPS = 100


def judge_optimizer(config: Config) -> None:
    """Build the optimizer when a keyword is outside its annotation; torch's refusal is a config error."""
    if config.optimizer.notes:
        try:
            build_optimizer(config, "cpu")
        except SimulationError as exc:
            raise _refusal(list(config.optimizer.notes), exc) from None


def judge_schedule(config: Config, schedule: Schedule) -> None:
    """Build and step ``schedule`` when one of its values is outside torch's annotation."""
    notes = schedule.spec.all_notes()
    if not notes:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the simulation records torch's warnings, once
        try:
            optimizer, scheduler, metric = build(config, schedule, "cpu")
        except SimulationError as exc:
            raise _refusal(notes, exc) from None
        every = config.scheduler_every(schedule)
        record = Record(optimizer.param_groups)
        try:
            advance(
                optimizer,
                scheduler,
                metric,
                record,
                every=every,
                start=0,
                stop=min(config.steps, TRIAL_STEPS * every),
                key=schedule.key,
            )
        except SimulationError as exc:
            if isinstance(exc.__cause__, TypeError):  # a value of a type torch cannot use
                raise _refusal(notes, exc) from None
            # anything else is the schedule's own behaviour (OneCycleLR past total_steps...):
            # the run reports it where it happens, as for any schedule


def _refusal(notes: list[Note], exc: SimulationError) -> ConfigError:
    """torch's refusal as a config error, at the note it is about.

    The note whose parameter torch's words name; else the note at the key torch's
    words point to; else, when they point to another parameter, that parameter (the
    refusal is not about a noted value); else the first note.
    """
    words = first_line(exc.__cause__) if exc.__cause__ is not None else exc.message
    name = named_param(words, [_param(n) for n in notes])
    note = next((n for n in notes if _param(n) == name), None) or next((n for n in notes if n.key == exc.key), None)
    if note is None and exc.key and _param_key(exc.key):
        return ConfigError(exc.message, key=exc.key)
    note = note or notes[0]
    return ConfigError(f"{note}; {exc.message}", key=note.key)


def _param(note: Note) -> str:
    return note.key.rsplit(".", 1)[-1]


def _param_key(key: str) -> bool:
    """Whether a key names one parameter (``...params.total_steps``), not a whole spec."""
    head, _, tail = key.rpartition(".")
    return head.endswith("params") and tail not in ("params", "scheduler")
