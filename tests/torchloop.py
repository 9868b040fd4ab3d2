"""The reference every test compares against: a plain torch loop, written once.

Record every group's lr (and momentum) before each step, then ``optimizer.step()`` and
``scheduler.step()`` (``step(metric[i])`` when given a metric): the loop of PyTorch's
docs and of the seed articles.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch


def direct_run(
    make: Callable[[torch.optim.Optimizer], object],
    lrs: Sequence[float],
    steps: int,
    *,
    metric: Sequence[float] | None = None,
    default_lr: float | None = None,
    **optimizer_kwargs,
) -> tuple[np.ndarray, np.ndarray | None]:
    """(lr, momentum or None), each (steps, groups), of ``make(SGD over one group per lr)`` stepped ``steps`` times."""
    groups = [{"params": [torch.zeros(2, 2, requires_grad=True)], "lr": lr} for lr in lrs]
    opt = torch.optim.SGD(groups, lr=lrs[0] if default_lr is None else default_lr, **optimizer_kwargs)
    sched = make(opt)
    rows, moms = [], []
    for i in range(steps):
        rows.append([g["lr"] for g in opt.param_groups])
        moms.append([g["momentum"] for g in opt.param_groups])
        opt.step()
        sched.step() if metric is None else sched.step(metric[i])
    return np.array(rows), (np.array(moms) if "momentum" in optimizer_kwargs else None)


def direct_lrs(
    make: Callable[[torch.optim.Optimizer], object],
    lrs: Sequence[float],
    steps: int,
    *,
    default_lr: float | None = None,
    **optimizer_kwargs,
) -> np.ndarray:
    """(steps, groups) lrs of ``make(SGD over one group per lr)`` stepped ``steps`` times."""
    return direct_run(make, lrs, steps, default_lr=default_lr, **optimizer_kwargs)[0]


def direct_group_values(
    make: Callable[[torch.optim.Optimizer], object],
    steps: int,
    keys: Sequence[str],
    *,
    optimizer: type[torch.optim.Optimizer] = torch.optim.SGD,
    metric: Sequence[float] | None = None,
    **optimizer_kwargs,
) -> dict[str, np.ndarray]:
    """Each of ``keys`` (a group key, or ``key[i]`` for an element of a tuple such as betas[1]) of the
    first param group before every step of ``make(optimizer over one parameter)``, stepped ``steps`` times."""
    opt = optimizer([torch.zeros(2, 2, requires_grad=True)], **optimizer_kwargs)
    sched = make(opt)
    rows: dict[str, list[float]] = {k: [] for k in keys}
    for i in range(steps):
        group = opt.param_groups[0]
        for k in keys:
            name, _, index = k.partition("[")
            rows[k].append(float(group[name][int(index[:-1])] if index else group[name]))
        opt.step()
        sched.step() if metric is None else sched.step(metric[i])
    return {k: np.array(v) for k, v in rows.items()}
