"""``lrviz code`` for MMEngine: its schedulers built and stepped as its Runner does, in plain Python.

The program makes the calls :mod:`lrviz.registry.mmengine` makes, with MMEngine's own
code: the optimizer in an ``OptimWrapper``; each ``param_scheduler`` dict given the
train loop's end where it has none (``Runner._build_param_scheduler``: ``max_epochs``
by epoch, ``max_iters`` by iteration) and built by ``PARAM_SCHEDULERS.build(cfg,
default_args=dict(optimizer=optim_wrapper, epoch_length=...))``, which turns
``convert_to_iter_based=True`` into the class's ``build_iter_from_epoch``. Then the
train loop with ``ParamSchedulerHook``'s calls: after every iteration ``step()`` on each
scheduler whose ``by_epoch`` is false, after every epoch on each one whose ``by_epoch``
is true, in the list's order; an ``IterBasedTrainLoop`` calls ``after_train_epoch`` only
after its last iteration, so there by-epoch schedulers never move. ``lrs`` gets the lr
each iteration uses, read before the hook steps (what vis_scheduler.py records). The
program imports only torch and mmengine.
"""

from __future__ import annotations

from typing import Any

from lrviz.errors import ConfigError
from lrviz.registry.writing import Code, Writing, call, keywords

IMPORTS = ("from mmengine.optim import OptimWrapper", "from mmengine.registry import PARAM_SCHEDULERS")
WRAPPER = "optim_wrapper = OptimWrapper(optimizer)  # MMEngine's schedulers take the optimizer in its wrapper"


def one(writing: Writing) -> Code:
    """``mm.<Type>``: one class, built by the registry, stepped once per scheduler step by the usual loop."""
    kwargs = dict(writing.kwargs)
    epoch_length = kwargs.pop("epoch_length", "1")
    cfg = call("dict", f"type={writing.py(writing.type_name)}", *keywords(kwargs))
    made = f"PARAM_SCHEDULERS.build({cfg}, default_args=dict(optimizer=optim_wrapper, epoch_length={epoch_length}))"
    return Code(made, imports=IMPORTS, setup=(WRAPPER,), stepper="optim_wrapper")


def runner(writing: Writing) -> Code:
    """``mm.param_scheduler``: the runner's list, built as ``Runner._build_param_scheduler`` builds it, and
    its train loop with ParamSchedulerHook's calls."""
    spec = writing.spec
    if writing.every != 1:
        raise ConfigError(
            "mm.param_scheduler is stepped every iteration by MMEngine's ParamSchedulerHook (which steps by-epoch "
            "schedulers itself): use interval: step",
            key=spec.key,
        )
    params: dict[str, Any] = {"epoch_length": 1, "max_epochs": None, "max_iters": None, "epoch_loop": True}
    params.update(spec.kwargs)
    dicts = [call("dict", *keywords({k: writing.py(v) for k, v in cfg.items()})) for cfg in params["schedulers"]]
    max_epochs, max_iters = params["max_epochs"], params["max_iters"]
    setup = [
        "",
        "# The schedulers as MMEngine's Runner builds them (Runner._build_param_scheduler):",
        WRAPPER,
        f"epoch_length = {params['epoch_length']}  # iterations per epoch: len(train_dataloader)",
        f"max_epochs, max_iters = {max_epochs!r}, {max_iters!r}  # train_cfg's length",
        "param_scheduler = [",
        *(f"    {d}," for d in dicts),
        "]",
        "for cfg in param_scheduler:  # the Runner: a dict without end runs to the end of training",
    ]
    if max_epochs is not None and max_iters is not None:
        setup.append('    cfg.setdefault("end", max_epochs if cfg.get("by_epoch", True) else max_iters)')
    else:  # the Runner sets no end it does not know
        setup += ['    end = max_epochs if cfg.get("by_epoch", True) else max_iters', "    if end is not None:"]
        setup.append('        cfg.setdefault("end", end)')
    converted = any(cfg.get("convert_to_iter_based") for cfg in params["schedulers"])
    made = [
        "[  # convert_to_iter_based=True: built by the class's build_iter_from_epoch" if converted else "[",
        "    PARAM_SCHEDULERS.build(cfg, default_args=dict(optimizer=optim_wrapper, epoch_length=epoch_length))",
        "    for cfg in param_scheduler",
        "]",
    ]
    loop = _epochs(writing.steps, params) if params["epoch_loop"] else _iterations(writing.steps, max_iters)
    return Code("\n".join(made), imports=IMPORTS, setup=tuple(setup), var="schedulers", loop=tuple(loop))


def _iteration(indent: str) -> list[str]:
    """One training iteration: the lr it uses recorded, the update, then ParamSchedulerHook.after_train_iter."""
    lines = [
        'lrs.append([group["lr"] for group in optimizer.param_groups])  # the lr this iteration uses',
        "# your train_step: loss = model(data), then optim_wrapper.update_params(loss), which does these",
        "optim_wrapper.step()",
        "optim_wrapper.zero_grad()",
        "for scheduler in schedulers:  # ParamSchedulerHook.after_train_iter",
        "    if not scheduler.by_epoch:",
        "        scheduler.step()",
    ]
    return [indent + line for line in lines]


def _epochs(steps: int, params: dict[str, Any]) -> list[str]:
    """EpochBasedTrainLoop: epochs of ``epoch_length`` iterations, by-epoch schedulers stepped after each."""
    epochs, rest = divmod(steps, params["epoch_length"])
    count = "max_epochs" if epochs == params["max_epochs"] and not rest else str(epochs)
    lines = [
        "# EpochBasedTrainLoop with ParamSchedulerHook: it steps the schedulers in the list's order, those with",
        "# by_epoch=False after every iteration, those with by_epoch=True after every epoch.",
        "lrs = []",
        f"for epoch in range({count}):",
        "    for it in range(epoch_length):",
        *_iteration("        "),
        "    for scheduler in schedulers:  # ParamSchedulerHook.after_train_epoch",
        "        if scheduler.by_epoch:",
        "            scheduler.step()",
    ]
    if rest:
        lines += [f"for it in range({rest}):  # the run ends {rest} iterations into an epoch", *_iteration("    ")]
    return lines


def _iterations(steps: int, max_iters: int | None) -> list[str]:
    """IterBasedTrainLoop: by-iteration schedulers stepped after every iteration; by-epoch ones never."""
    count = "max_iters" if steps == max_iters else str(steps)
    return [
        "# IterBasedTrainLoop with ParamSchedulerHook: it steps the schedulers with by_epoch=False after every",
        "# iteration, in the list's order; those with by_epoch=True never move (the loop calls after_train_epoch",
        "# once, after its last iteration).",
        "lrs = []",
        f"for it in range({count}):",
        *_iteration("    "),
    ]
