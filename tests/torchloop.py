"""The reference every test compares against: a plain torch loop, written once.

Record every group's lr before each step, then ``optimizer.step()`` and
``scheduler.step()``: the loop of PyTorch's docs and of the seed articles.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch


def direct_lrs(
    make: Callable[[torch.optim.Optimizer], object],
    lrs: Sequence[float],
    steps: int,
    *,
    default_lr: float | None = None,
    **optimizer_kwargs,
) -> np.ndarray:
    """(steps, groups) lrs of ``make(SGD over one group per lr)`` stepped ``steps`` times."""
    groups = [{"params": [torch.zeros(2, 2, requires_grad=True)], "lr": lr} for lr in lrs]
    opt = torch.optim.SGD(groups, lr=lrs[0] if default_lr is None else default_lr, **optimizer_kwargs)
    sched = make(opt)
    rows = []
    for _ in range(steps):
        rows.append([g["lr"] for g in opt.param_groups])
        opt.step()
        sched.step()
    return np.array(rows)
