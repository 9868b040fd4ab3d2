"""Read a transformers ``trainer_state.json``: ``log_history[].learning_rate`` against ``step``.

The file is ``TrainerState.save_to_json`` (transformers/trainer_callback.py): ``json.dumps`` of
the state, so floats are written with ``repr`` and read back as the exact float64 the
Trainer logged. Entries without the key (evaluation, the final ``train_runtime`` summary)
are passed over. ``FILE:KEY`` reads another key of the entries (a callback that logs
``lr_head``, say).

Memory: json has no streaming parser in the standard library, so the file is capped
(:data:`~lrviz.actual.limits.MAX_JSON_BYTES`), its bytes are let go once decoded to text, and
the text is parsed with an ``object_hook`` that turns every log entry into a (step, value)
tuple as soon as it is decoded (an entry without the key into one shared empty tuple): a
million entries cost their pair, not a million dicts. The pairs become arrays whole lists at
a time (:func:`_fast_points`); only a log with an odd entry goes entry by entry (:func:`_points`),
which words what is wrong with it.

The rows follow :data:`lrviz.actual.conventions.TRANSFORMERS` (row = step - 1: transformers 4.51
and later); :func:`with_reading` re-reads them with another release's convention
(:data:`~lrviz.actual.conventions.TRANSFORMERS_AFTER_STEP`, up to 4.50). The series is the first
param group's (``get_last_lr()[0]``).
"""

from __future__ import annotations

import dataclasses
import json
from array import array
from operator import itemgetter
from pathlib import Path
from typing import Any

from lrviz.actual import conventions, limits
from lrviz.actual.series import LR, ActualLog, Budget, GroupHint, LoggedSeries, Points, collect, series_kind
from lrviz.errors import LrvizError, describe
from lrviz.inputs import read_capped
from lrviz.numeric import as_float, json_int, whole_value

DEFAULT_KEY = "learning_rate"
#: TrainerState fields worth carrying to the comparison (they describe the run that logged).
META_KEYS = ("max_steps", "global_step", "logging_steps", "train_batch_size", "num_train_epochs")


#: What the object hook makes of a log entry without the key read (an evaluation, the run's summary): passed over.
#: JSON never decodes to a tuple, so a tuple in log_history is an entry the hook reduced.
_WITHOUT_KEY = ()


def _decoded(raw: bytes, display: str) -> str:
    """The text ``json.loads`` would decode ``raw`` to; the bytes can go before the parse (peak memory)."""
    try:
        return raw.decode(json.detect_encoding(raw), "surrogatepass")
    except UnicodeDecodeError:
        raise LrvizError("not valid JSON: the file is not UTF-8 text", file=display) from None


def _parse(text: str, key: str, display: str, keys_seen: set[str]) -> Any:
    def hook(obj: dict[str, Any]) -> Any:
        if "step" in obj and "log_history" not in obj:
            if key in obj:
                return (obj["step"], obj[key])
            if len(keys_seen) < 50:  # only needed when no entry has the key: then every entry comes here
                keys_seen.update(k for k in obj if k != "step")
            return _WITHOUT_KEY
        return obj

    try:  # the decoder json.loads calls, on the text it would decode (json.loads(bytes) does not check for a BOM)
        return json.JSONDecoder(object_hook=hook, parse_int=json_int).decode(text)
    except LrvizError as exc:  # an integer of too many digits
        raise exc.located(file=display) from None
    except json.JSONDecodeError as exc:
        # a complete trainer_state.json ends with '}': one that does not was cut off while being written
        cut = (
            ""
            if exc.doc.rstrip().endswith("}")
            else "; the file ends before the JSON does: cut short by an interrupted write?"
        )
        raise LrvizError(
            f"not valid JSON: {exc.msg} (line {exc.lineno} column {exc.colno}){cut}", file=display
        ) from None
    except RecursionError:
        raise LrvizError("not valid JSON for lrviz: nested too deeply", file=display) from None


def _fast_points(history: list[Any], budget: Budget) -> Points | None:
    """The points of a log_history whose every entry is plain (an int step, a float or int value), whole
    lists at a time; None where any is not (:func:`_points` then words it, entry by entry)."""
    types = set(map(type, history))
    if not types <= {tuple, dict}:
        return None
    kept = [e for e in history if e.__class__ is tuple and e] if dict in types else list(filter(None, history))
    steps = list(map(itemgetter(0), kept))
    values = list(map(itemgetter(1), kept))
    if not set(map(type, steps)) <= {int} or not set(map(type, values)) <= {float, int}:
        return None
    if steps and not -limits.MAX_LOGGED_STEP <= min(steps) <= max(steps) <= limits.MAX_LOGGED_STEP:
        return None
    try:
        floats = array("d", values)  # float() of each int, as as_float; one too large for a float is left to it
    except OverflowError:
        return None
    budget.take(len(kept))
    points = Points(budget)
    points.steps.fromlist(steps)
    points.values = floats
    return points


def _points(history: list[Any], key: str, display: str, budget: Budget) -> Points:
    points = Points(budget)
    for i, entry in enumerate(history):
        where = f"log_history[{i}]"
        if isinstance(entry, dict):
            continue  # an entry without a step: not a training log line
        if not isinstance(entry, tuple):
            raise LrvizError(f"{describe(entry)} is not a log entry (a mapping)", key=where, file=display)
        if not entry:
            continue
        value = _number(_as_read(entry[1], key), f"{where}.{key}", display, "the Trainer logs the lr as a float")
        lim = limits.MAX_LOGGED_STEP
        step = whole_value(
            _as_read(entry[0], key), what="", minimum=-lim, maximum=lim, key=f"{where}.step", file=display
        )
        points.add(step, value)
    return points


def _as_read(value: Any, key: str) -> Any:
    """A value for a message: a mapping inside an entry that the hook reduced (it had a "step") shown as the
    mapping of what it kept, not as the tuple."""
    return dict(zip(("step", key), value, strict=False)) if isinstance(value, tuple) else value


def _number(value: Any, where: str, display: str, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise LrvizError(f"{describe(value)} is not a number; {what}", key=where, file=display)
    return as_float(value)


def read(path: Path, selector: str | None, *, shift: int = 0, display: str | None = None) -> ActualLog:
    display = display or str(path)
    key = selector or DEFAULT_KEY
    raw = read_capped(
        path,
        limit=limits.MAX_JSON_BYTES,
        display=display,
        what="a trainer_state.json file",
        too_large="the file is {size} MiB; lrviz reads trainer_state.json files up to "
        f"{limits.MAX_JSON_BYTES // limits.MiB} MiB",
    )
    text = _decoded(raw, display)
    del raw
    keys_seen: set[str] = set()
    state = _parse(text, key, display, keys_seen)
    del text
    if not isinstance(state, dict) or not isinstance(state.get("log_history"), list):
        raise LrvizError("not a transformers trainer_state.json: no log_history list at the top level", file=display)
    history = state["log_history"]
    budget = Budget(display)
    points = _fast_points(history, budget)
    if points is None:
        points = _points(history, key, display, budget)
    if not len(points):
        seen = ", ".join(sorted(keys_seen)[:20]) or "none"
        raise LrvizError(
            f"no lr in this log: no log_history entry has {key!r} (keys logged: {seen})"
            + ("" if selector else "; name another key with FILE:KEY"),
            file=display,
        )
    meta = {
        k: state[k] for k in META_KEYS if isinstance(state.get(k), (int, float)) and not isinstance(state.get(k), bool)
    }
    kind = series_kind(key) or LR
    series = collect(
        points,
        name=key,
        kind=kind,
        convention=conventions.TRANSFORMERS,
        dtype="float64",
        shift=shift,
        hint=GroupHint(
            index=0, why="transformers logs the first param group's lr (Trainer._get_learning_rate: get_last_lr()[0])"
        )
        if selector is None
        else None,
    )
    return ActualLog(file=display, format="transformers", series=[series], meta=meta)


def with_reading(log: ActualLog, convention: conventions.Convention) -> ActualLog:
    """The same log with its transformers series' rows under ``convention`` (another release's reading)."""
    series = [
        dataclasses.replace(s, convention=(c := _twin(s, convention)), rows=s.steps + c.offset + s.shift)
        if s.convention.name.startswith("transformers")
        else s
        for s in log.series
    ]
    return dataclasses.replace(log, series=series, meta=dict(log.meta), notes=list(log.notes))


def _twin(s: LoggedSeries, convention: conventions.Convention) -> conventions.Convention:
    """``convention`` as it applies to ``s``: its TensorBoard twin for a series from an event file."""
    if "tensorboard" in s.convention.name:
        return conventions.TENSORBOARD_TWIN.get(convention.name, convention)
    return convention
