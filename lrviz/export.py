"""Export: trajectories as long-form CSV or as JSON with the resolved config.

Floats are written with ``repr`` (shortest round-trip form), so a value such as
0.010000000000000002 printed by the seed articles reads back bit for bit. Both formats
are made in pieces (:mod:`lrviz.stream`) and written as they come (:func:`write`), so
an export at the limit of recorded values needs the arrays in memory, not the text.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lrviz.jsonio import plain
from lrviz.stream import CHUNK, Columns, reprs

if TYPE_CHECKING:
    from lrviz.simulate import Result, Trajectory
    from lrviz.sources import Plan

CSV_HEADER = ("schedule", "group", "step", "lr", "momentum")


def _csv_field(text: str) -> str:
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def param_names(result: Result) -> list[str]:
    """Every recorded param-group value besides lr and momentum, in the order first seen."""
    return list(dict.fromkeys(name for t in result.trajectories for name in t.params))


def _metric_cells(t: Trajectory, a: int, b: int) -> list[str]:
    """Rows a..b-1 of the metric column: the value fed to ``scheduler.step()`` at the end of
    a scheduler step (every ``t.every`` optimizer steps), empty on the other rows."""
    assert t.metric is not None
    out = [""] * (b - a)
    first = max(0, -(-(a + 1) // t.every) - 1)  # the first scheduler step ending at row a or later
    for k, value in enumerate(t.metric[first : b // t.every].tolist(), start=first):
        out[(k + 1) * t.every - 1 - a] = repr(value)
    return out


def csv_pieces(result: Result) -> Iterator[str]:
    """The CSV in pieces of :data:`lrviz.stream.CHUNK` rows (what :func:`to_csv` joins).

    Long form: one row per schedule, group and step; momentum empty where absent. A
    ``metric`` column (the value ReduceLROnPlateau was fed at the end of that step)
    when some schedule has one, and one column per other param-group value a schedule
    changed (``weight_decay``...), empty where a schedule did not record it.
    """
    names = param_names(result)
    with_metric = any(t.metric is not None for t in result.trajectories)
    header = [*CSV_HEADER, *(["metric"] if with_metric else []), *names]
    yield ",".join(_csv_field(h) for h in header) + "\n"
    for t in result.trajectories:
        label = _csv_field(t.label)
        for j, group in enumerate(t.groups):
            prefix = f"{label},{_csv_field(group)},"
            for a in range(0, t.steps, CHUNK):
                b = min(t.steps, a + CHUNK)
                lrs = reprs(t.lr[a:b, j])
                moms = reprs(t.momentum[a:b, j]) if t.momentum is not None else None
                extra: list[list[str]] = []
                if with_metric:
                    extra.append(_metric_cells(t, a, b) if t.metric is not None else [""] * (b - a))
                extra += [reprs(t.params[n][a:b, j]) if n in t.params else [""] * (b - a) for n in names]
                yield _rows(prefix, range(a, b), lrs, moms, extra)


def _rows(prefix: str, steps: range, lrs: list[str], moms: list[str] | None, extra: list[list[str]]) -> str:
    """CSV rows: the common cases (lr, with or without momentum) without a call per value."""
    if not extra and moms is None:
        return "".join([f"{prefix}{i},{lr},\n" for i, lr in zip(steps, lrs, strict=True)])
    if not extra:
        return "".join([f"{prefix}{i},{lr},{m}\n" for i, lr, m in zip(steps, lrs, moms or [], strict=True)])
    cells = zip(steps, lrs, moms if moms is not None else [""] * len(lrs), *extra, strict=True)
    return "".join([f"{prefix}{i},{lr},{m}," + ",".join(rest) + "\n" for i, lr, m, *rest in cells])


def to_csv(result: Result) -> str:
    """The CSV as one string (:func:`csv_pieces`; :func:`write` streams it instead)."""
    return "".join(csv_pieces(result))


def resolved_config(result: Result) -> dict[str, Any]:
    """The config as simulated, with defaults filled in from torch's signatures."""
    import inspect

    from lrviz.registry.torch_classes import torch_optimizers, torch_schedulers

    cfg = result.config
    opt_cls = cfg.optimizer.cls or torch_optimizers()[cfg.optimizer.name]
    opt_defaults = {
        name: p.default
        for name, p in inspect.signature(opt_cls.__init__).parameters.items()
        if name not in ("self", "params") and p.default is not inspect.Parameter.empty
    }
    optimizer = {"name": cfg.optimizer.name, **opt_defaults, **cfg.optimizer.kwargs}
    optimizer["param_groups"] = [dict(g) for g in cfg.optimizer.param_groups]
    schedules = []
    for s in cfg.schedules:
        info = torch_schedulers().get(s.scheduler)
        params = dict(s.params)
        if info is not None:
            params = {p.name: p.default for p in info.params if not p.required} | params
        filled = s.spec.filled_values()  # what lrviz filled in from the run (OneCycleLR's total_steps...)
        schedules.append(
            {
                "label": s.label,
                "scheduler": s.scheduler,
                "params": params | filled,
                "filled_by_lrviz": filled,
                "interval": s.interval,
                "metric": s.metric,
            }
        )
    resolved: dict[str, Any] = plain(
        {
            "title": cfg.title,
            "steps": cfg.steps,
            "steps_per_epoch": cfg.steps_per_epoch,
            "device": result.device,
            "optimizer": optimizer,
            "schedules": schedules,
        }
    )
    return resolved


def _groups(t: Trajectory, columns: Columns) -> list[dict[str, Any]]:
    """Per group: lr, momentum, and every other value the schedule changed (by its name)."""
    return [
        {
            "name": g,
            "lr": columns.add(t.lr[:, j]),
            "momentum": columns.add(t.momentum[:, j]) if t.momentum is not None else None,
            **{name: columns.add(values[:, j]) for name, values in t.params.items()},
        }
        for j, g in enumerate(t.groups)
    ]


def _schedule(t: Trajectory, columns: Columns) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "label": t.label,
        "scheduler": t.scheduler,
        "interval": t.interval,
        "groups": _groups(t, columns),
        "warnings": t.warnings,
    }
    if t.metric is not None:  # one value per scheduler step, fed at the end of every `every` optimizer steps
        doc["metric"] = columns.add(t.metric)
    if t.error is not None:  # only with --partial: the run stops at the failing step
        doc["error"] = str(t.error)
        doc["steps"] = t.steps
    return doc


def json_pieces(result: Result, plan: Plan | None = None) -> Iterator[str]:
    """The JSON in pieces (what :func:`to_json` joins): every long list streamed in its place.

    Versions, the resolved config, and per schedule and group the lr / momentum lists.
    For a framework file, ``framework`` records what was read and the step arithmetic
    (:meth:`lrviz.sources.Plan.to_dict`: kind, summary, every number with how it was
    found, the equivalent lrviz config). NaN and infinities are spelled as
    :mod:`lrviz.jsonio` spells them ("nan", "inf", "-inf").
    """
    import torch

    from lrviz._version import __version__

    columns = Columns()
    doc = {
        "lrviz": __version__,
        "torch": torch.__version__.split("+")[0],
        "source": result.config.file,
        **({"framework": plan.to_dict()} if plan is not None else {}),
        "config": resolved_config(result),
        "schedules": [_schedule(t, columns) for t in result.trajectories],
    }
    return columns.pieces(doc)


def to_json(result: Result, plan: Plan | None = None) -> str:
    """The JSON as one string (:func:`json_pieces`; :func:`write` streams it instead)."""
    return "".join(json_pieces(result, plan))


def pieces(result: Result, fmt: str, plan: Plan | None = None) -> Iterator[str]:
    """The export in ``fmt`` (csv or json), in pieces."""
    return json_pieces(result, plan) if fmt == "json" else csv_pieces(result)


def write(result: Result, path: str | Path, fmt: str, plan: Plan | None = None) -> Path:
    """Stream the export to ``path``, atomically: memory stays at the arrays and one piece."""
    from lrviz.io import atomic_write

    return atomic_write(path, pieces(result, fmt, plan))
