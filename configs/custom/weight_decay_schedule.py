"""Warmup then cosine for the lr, and a cosine *rise* of the weight decay: a user's own scheduler.

Self-supervised recipes (DINO, iBOT) raise the weight decay while the lr anneals:
0.04 at the start to 0.4 at the end, on a cosine. torch has no weight-decay
scheduler, so the recipe writes ``group["weight_decay"]`` itself at every step; this
class does the same on top of a torch ``LambdaLR`` (stepping, ``state_dict`` and
resuming work as for any torch scheduler). lrviz records every numeric param-group
value a scheduler changes, so the weight decay gets its own panel.

Both values are pure functions of the step count (no state kept between calls).
"""

from __future__ import annotations

import math

from torch.optim.lr_scheduler import LambdaLR


class WarmupCosineWithWeightDecay(LambdaLR):
    """lr: linear warmup over ``warmup_steps``, then cosine to 0 at ``total_steps``;
    weight decay: cosine from ``wd_start`` to ``wd_end`` over ``total_steps``."""

    def __init__(self, optimizer, warmup_steps: int, total_steps: int, wd_start: float, wd_end: float, last_epoch=-1):
        if not 0 <= warmup_steps < total_steps:
            raise ValueError("need 0 <= warmup_steps < total_steps")
        self.warmup_steps, self.total_steps = warmup_steps, total_steps
        self.wd_start, self.wd_end = wd_start, wd_end
        super().__init__(optimizer, self.factor, last_epoch)

    def factor(self, step: int) -> float:
        if step < self.warmup_steps:
            return (step + 1) / (self.warmup_steps + 1)
        t = min(1.0, (step - self.warmup_steps) / (self.total_steps - self.warmup_steps))
        return 0.5 * (1.0 + math.cos(math.pi * t))

    def weight_decay(self, step: int) -> float:
        t = min(1.0, step / self.total_steps)
        return self.wd_end + 0.5 * (self.wd_start - self.wd_end) * (1.0 + math.cos(math.pi * t))

    def step(self, epoch=None):
        super().step(epoch)
        for group in self.optimizer.param_groups:
            group["weight_decay"] = self.weight_decay(self.last_epoch)
