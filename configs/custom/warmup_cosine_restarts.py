"""Linear warmup, then cosine annealing with warm restarts: a user's own scheduler.

An example of ``scheduler: "file.py:Name"`` (run it with ``--trust``): a torch
``LambdaLR`` subclass, so stepping, ``state_dict`` and resuming work as for any torch
scheduler. The multiplier is a pure function of the step -- no counters kept between
calls -- which is what makes it safe to resume and to call more than once per step.

After ``warmup_steps`` steps rising linearly towards each group's lr (from
1/(warmup_steps+1) of it, so no step has lr 0), cycle i lasts
``T_0 * T_mult**i`` steps and follows half a cosine from the group's lr down to
``eta_min_ratio`` times it, then restarts at the full lr.
"""

from __future__ import annotations

import math

from torch.optim.lr_scheduler import LambdaLR


class WarmupCosineRestarts(LambdaLR):
    """Linear warmup, then cosine annealing with warm restarts (cycles of T_0, T_0*T_mult, ... steps)."""

    def __init__(
        self,
        optimizer,
        warmup_steps: int,
        T_0: int,
        T_mult: int = 1,
        eta_min_ratio: float = 0.0,
        last_epoch: int = -1,
    ):
        if warmup_steps < 0 or T_0 < 1 or T_mult < 1 or not 0.0 <= eta_min_ratio <= 1.0:
            raise ValueError("need warmup_steps >= 0, T_0 >= 1, T_mult >= 1 and 0 <= eta_min_ratio <= 1")
        self.warmup_steps = warmup_steps
        self.T_0 = T_0
        self.T_mult = T_mult
        self.eta_min_ratio = eta_min_ratio
        super().__init__(optimizer, self.factor, last_epoch)

    def cycle(self, t: int) -> tuple[int, int]:
        """(position inside the current cycle, its length) for t steps after warmup."""
        length = self.T_0
        if self.T_mult == 1:
            return t % length, length
        while t >= length:  # cycles grow geometrically: a few dozen iterations at most
            t -= length
            length *= self.T_mult
        return t, length

    def factor(self, step: int) -> float:
        """The multiplier of each group's initial lr at ``step``."""
        if step < self.warmup_steps:
            # 1/(W+1), 2/(W+1), ...: the first step already trains (an lr of 0 would waste it)
            return (step + 1) / (self.warmup_steps + 1)
        t_cur, length = self.cycle(step - self.warmup_steps)
        cosine = 0.5 * (1.0 + math.cos(math.pi * t_cur / length))
        return self.eta_min_ratio + (1.0 - self.eta_min_ratio) * cosine
