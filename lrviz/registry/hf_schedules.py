"""The Hugging Face schedules, as transformers builds them: torch ``LambdaLR`` multipliers.

Each function is ``fn(optimizer, **params) -> LambdaLR`` with the parameters of
transformers' ``get_*_schedule*`` function of the same schedule; why they are written
here, and where they differ on purpose, is said in :mod:`lrviz.registry.presets`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from torch.optim import Optimizer
    from torch.optim.lr_scheduler import LambdaLR

Shape = Literal["linear", "cosine", "1-sqrt"]


def _lambda_lr(optimizer: Optimizer, lr_lambda: Callable[[int], float], last_epoch: int) -> LambdaLR:
    from torch.optim.lr_scheduler import LambdaLR  # imported when a preset is built, not with lrviz

    return LambdaLR(optimizer, lr_lambda, last_epoch)


def _warmup(step: int, num_warmup_steps: int) -> float:
    """Linear warmup multiplier 0, 1/W, 2/W, ...; transformers' exact expression."""
    return float(step) / float(max(1, num_warmup_steps))


def _total(num_training_steps: int | None, name: str) -> int:
    if num_training_steps is None:
        raise ValueError(f"{name} needs num_training_steps (lrviz fills it with the config's steps)")
    return num_training_steps


def _min_lr_rate(optimizer: Optimizer, min_lr: float | None, min_lr_rate: float | None) -> float:
    """min_lr as a fraction of the optimizer's *default* lr, as transformers computes it."""
    if min_lr is not None and min_lr_rate is not None:
        raise ValueError("give only one of min_lr or min_lr_rate")
    if min_lr is not None:
        default_lr: float = optimizer.defaults["lr"]
        return min_lr / default_lr
    if min_lr_rate is None:
        raise ValueError("give min_lr or min_lr_rate")
    return min_lr_rate


# --------------------------------------------------------------------------- presets


def constant(optimizer: Optimizer, *, last_epoch: int = -1) -> LambdaLR:
    """Constant: every group keeps its initial lr.

    transformers: ``get_constant_schedule``.
    """

    def lr_lambda(step: int) -> float:
        return 1  # transformers returns the int 1: lr stays bit-identical

    return _lambda_lr(optimizer, lr_lambda, last_epoch)


def constant_with_warmup(optimizer: Optimizer, *, num_warmup_steps: int = 0, last_epoch: int = -1) -> LambdaLR:
    """Linear warmup from 0 to the initial lr, then constant.

    transformers: ``get_constant_schedule_with_warmup``.
    """

    def lr_lambda(step: int) -> float:
        # warmup: 0, 1/W, ..., (W-1)/W of the initial lr; then the initial lr for good
        if step < num_warmup_steps:
            return float(step) / float(max(1.0, num_warmup_steps))
        return 1.0

    return _lambda_lr(optimizer, lr_lambda, last_epoch)


def linear(
    optimizer: Optimizer, *, num_warmup_steps: int = 0, num_training_steps: int | None = None, last_epoch: int = -1
) -> LambdaLR:
    """Linear warmup, then linear decay to 0 at num_training_steps.

    transformers: ``get_linear_schedule_with_warmup``. num_training_steps defaults to
    the number of scheduler steps in the config.
    """
    total = _total(num_training_steps, "linear")

    def lr_lambda(step: int) -> float:
        # 1) warmup from 0 to the initial lr
        if step < num_warmup_steps:
            return _warmup(step, num_warmup_steps)
        # 2) straight line from 1 (end of warmup) to 0 (step == total); 0 after that
        return max(0.0, float(total - step) / float(max(1, total - num_warmup_steps)))

    return _lambda_lr(optimizer, lr_lambda, last_epoch)


def cosine(
    optimizer: Optimizer,
    *,
    num_warmup_steps: int = 0,
    num_training_steps: int | None = None,
    num_cycles: float = 0.5,
    last_epoch: int = -1,
) -> LambdaLR:
    """Linear warmup, then cosine decay to 0 (num_cycles=0.5: half a wave).

    transformers: ``get_cosine_schedule_with_warmup``. num_training_steps defaults to
    the number of scheduler steps in the config.
    """
    total = _total(num_training_steps, "cosine")

    def lr_lambda(step: int) -> float:
        # 1) warmup from 0 to the initial lr
        if step < num_warmup_steps:
            return _warmup(step, num_warmup_steps)
        # 2) progress 0 -> 1 over the decay phase (keeps growing past total)
        progress = float(step - num_warmup_steps) / float(max(1, total - num_warmup_steps))
        # 3) cosine of num_cycles full waves; 0.5 goes from 1 down to 0; never below 0
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * progress)))

    return _lambda_lr(optimizer, lr_lambda, last_epoch)


def cosine_with_restarts(
    optimizer: Optimizer,
    *,
    num_warmup_steps: int = 0,
    num_training_steps: int | None = None,
    num_cycles: int = 1,
    last_epoch: int = -1,
) -> LambdaLR:
    """Linear warmup, then num_cycles cosine decays to 0, each restarting at the initial lr.

    transformers: ``get_cosine_with_hard_restarts_schedule_with_warmup``. Returns 0 from
    num_training_steps on. num_training_steps defaults to the config's scheduler steps.
    """
    total = _total(num_training_steps, "cosine_with_restarts")

    def lr_lambda(step: int) -> float:
        # 1) warmup from 0 to the initial lr
        if step < num_warmup_steps:
            return _warmup(step, num_warmup_steps)
        # 2) progress 0 -> 1 over the whole decay phase; 0 once it is over
        progress = float(step - num_warmup_steps) / float(max(1, total - num_warmup_steps))
        if progress >= 1.0:
            return 0.0
        # 3) position inside the current cycle (0 -> 1), then a half cosine 1 -> 0 per cycle
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * ((float(num_cycles) * progress) % 1.0))))

    return _lambda_lr(optimizer, lr_lambda, last_epoch)


def polynomial(
    optimizer: Optimizer,
    *,
    num_warmup_steps: int = 0,
    num_training_steps: int | None = None,
    lr_end: float = 1e-7,
    power: float = 1.0,
    last_epoch: int = -1,
) -> LambdaLR:
    """Linear warmup, then polynomial decay to lr_end (reads the optimizer's default lr).

    transformers: ``get_polynomial_decay_schedule_with_warmup``. Its quirk is kept: the
    curve is computed from ``optimizer.defaults["lr"]`` and applied as a multiplier to
    every group, so a group with another lr does not end at lr_end. lr_end must be
    below that default lr. num_training_steps defaults to the config's scheduler steps.
    """
    total = _total(num_training_steps, "polynomial")
    # transformers' quirk: the optimizer-level lr, not each group's, defines the curve
    lr_init: float = optimizer.defaults["lr"]
    if not (lr_init > lr_end):
        raise ValueError(f"lr_end ({lr_end}) must be smaller than the optimizer's default lr ({lr_init})")
    if total == num_warmup_steps:  # transformers divides by zero at step == total
        raise ValueError(f"num_training_steps ({total}) must differ from num_warmup_steps ({num_warmup_steps})")

    def lr_lambda(step: int) -> float:
        # 1) warmup from 0 to the initial lr
        if step < num_warmup_steps:
            return _warmup(step, num_warmup_steps)
        # 2) past num_training_steps: lr_end (as a multiplier of lr_init, since LambdaLR multiplies)
        if step > total:
            return lr_end / lr_init
        # 3) decay: (lr_init - lr_end) * remaining**power + lr_end, as a multiplier of lr_init
        lr_range = lr_init - lr_end
        decay_steps = total - num_warmup_steps
        pct_remaining = 1 - (step - num_warmup_steps) / decay_steps
        decay: float = lr_range * pct_remaining**power + lr_end
        return decay / lr_init

    return _lambda_lr(optimizer, lr_lambda, last_epoch)


def inverse_sqrt(
    optimizer: Optimizer, *, num_warmup_steps: int = 0, timescale: int | None = None, last_epoch: int = -1
) -> LambdaLR:
    """Linear warmup, then decay as 1/sqrt(time); timescale defaults to W, else 10000.

    transformers: ``get_inverse_sqrt_schedule``: after warmup the multiplier is
    ``1 / sqrt((step + timescale - W) / timescale)``.
    """
    if timescale is None:
        timescale = num_warmup_steps or 10_000

    def lr_lambda(step: int) -> float:
        # 1) warmup from 0 to the initial lr
        if step < num_warmup_steps:
            return _warmup(step, num_warmup_steps)
        # 2) 1 at the end of warmup, then falling as 1/sqrt of (shifted) time
        shift = timescale - num_warmup_steps
        return 1.0 / math.sqrt((step + shift) / timescale)

    return _lambda_lr(optimizer, lr_lambda, last_epoch)


def cosine_with_min_lr(
    optimizer: Optimizer,
    *,
    num_warmup_steps: int = 0,
    num_training_steps: int | None = None,
    num_cycles: float = 0.5,
    last_epoch: int = -1,
    min_lr: float | None = None,
    min_lr_rate: float | None = None,
) -> LambdaLR:
    """Linear warmup, then cosine decay to min_lr (or min_lr_rate x lr); give one of them.

    transformers: ``get_cosine_with_min_lr_schedule_with_warmup``. min_lr is turned into
    a rate of the optimizer's default lr (``optimizer.defaults["lr"]``).
    num_training_steps defaults to the config's scheduler steps.
    """
    total = _total(num_training_steps, "cosine_with_min_lr")
    rate = _min_lr_rate(optimizer, min_lr, min_lr_rate)

    def lr_lambda(step: int) -> float:
        # 1) warmup from 0 to the initial lr
        if step < num_warmup_steps:
            return _warmup(step, num_warmup_steps)
        # 2) progress 0 -> 1 over the decay phase, cosine 1 -> 0 ...
        progress = float(step - num_warmup_steps) / float(max(1, total - num_warmup_steps))
        factor = 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * progress))
        # 3) ... squeezed into [rate, 1]
        factor = factor * (1 - rate) + rate
        return max(0, factor)

    return _lambda_lr(optimizer, lr_lambda, last_epoch)


def cosine_warmup_with_min_lr(
    optimizer: Optimizer,
    *,
    num_warmup_steps: int = 0,
    num_training_steps: int | None = None,
    num_cycles: float = 0.5,
    last_epoch: int = -1,
    min_lr: float | None = None,
    min_lr_rate: float | None = None,
    warmup_lr_rate: float | None = None,
) -> LambdaLR:
    """Warmup from 1/W (or warmup_lr_rate), then cosine decay to min_lr (or min_lr_rate x lr).

    transformers: ``get_cosine_with_min_lr_schedule_with_warmup_lr_rate``. Counts one
    step ahead of ``cosine_with_min_lr``, and its progress is not clamped, so past
    num_training_steps the cosine rises again. num_training_steps defaults to the
    config's scheduler steps.
    """
    total = float(_total(num_training_steps, "cosine_warmup_with_min_lr"))
    rate = _min_lr_rate(optimizer, min_lr, min_lr_rate)
    warmup = float(num_warmup_steps)

    def lr_lambda(step: float) -> float:  # torch passes an int; the arithmetic is done in floats
        step = float(step)
        # 1) warmup, one step ahead: 1/W, 2/W, ..., 1 (or warmup_lr_rate -> 1 over W-1 steps)
        if step < warmup:
            if warmup_lr_rate is None:
                return (step + 1.0) / max(1.0, warmup)
            w = float(warmup_lr_rate)
            return w + (1.0 - w) * step / max(1, warmup - 1)
        # 2) progress, also one step ahead (not clamped: past total the cosine rises again)
        progress = (step - warmup + 1.0) / max(1.0, total - warmup)
        factor = 0.5 * (1.0 + math.cos(math.pi * num_cycles * 2.0 * progress))
        # 3) squeezed into [rate, 1]
        factor = factor * (1 - rate) + rate
        return max(0, factor)

    return _lambda_lr(optimizer, lr_lambda, last_epoch)


def warmup_stable_decay(
    optimizer: Optimizer,
    *,
    num_warmup_steps: int = 0,
    num_decay_steps: int,
    num_training_steps: int | None = None,
    num_stable_steps: int | None = None,
    warmup_type: Shape = "linear",
    decay_type: Shape = "cosine",
    min_lr_ratio: float = 0,
    num_cycles: float = 0.5,
    last_epoch: int = -1,
) -> LambdaLR:
    """Warmup, a stable phase at the initial lr, then decay to min_lr_ratio x lr.

    transformers: ``get_wsd_schedule``. warmup_type and decay_type: linear, cosine or
    1-sqrt. The stable phase is num_stable_steps long, else whatever
    num_training_steps (default: the config's scheduler steps) leaves after warmup and
    decay. Warmup starts at min_lr_ratio x lr.
    """
    if num_stable_steps is None:
        # the stable phase fills whatever warmup and decay leave of the run
        num_stable_steps = _total(num_training_steps, "warmup_stable_decay") - num_warmup_steps - num_decay_steps
    for name, value in (("warmup_type", warmup_type), ("decay_type", decay_type)):
        if value not in _SHAPES:
            raise ValueError(f"unknown {name} {value!r}; expected 'linear', 'cosine' or '1-sqrt'")
    stable_end = num_warmup_steps + num_stable_steps
    decay_end = stable_end + num_decay_steps

    def lr_lambda(step: int) -> float:
        # 1) warmup: progress 0 -> 1 shaped by warmup_type, squeezed into [min_lr_ratio, 1]
        if step < num_warmup_steps:
            progress = float(step) / float(max(1, num_warmup_steps))
            factor = _SHAPES[warmup_type](progress, True, num_cycles)
            factor = factor * (1.0 - min_lr_ratio) + min_lr_ratio
            return max(0.0, factor)
        # 2) stable: the initial lr
        if step < stable_end:
            return 1.0
        # 3) decay: progress 0 -> 1 shaped by decay_type, squeezed into [min_lr_ratio, 1]
        if step < decay_end:
            progress = float(step - num_warmup_steps - num_stable_steps) / float(max(1, num_decay_steps))
            factor = _SHAPES[decay_type](progress, False, num_cycles)
            factor = factor * (1.0 - min_lr_ratio) + min_lr_ratio
            return max(0.0, factor)
        # 4) after the decay: min_lr_ratio x the initial lr
        return min_lr_ratio

    return _lambda_lr(optimizer, lr_lambda, last_epoch)


def _linear_shape(p: float, warmup: bool, num_cycles: float) -> float:
    return p if warmup else 1.0 - p


def _cosine_shape(p: float, warmup: bool, num_cycles: float) -> float:
    if warmup:
        return 0.5 * (1.0 - math.cos(math.pi * p))
    return 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * p))


def _sqrt_shape(p: float, warmup: bool, num_cycles: float) -> float:
    return 1.0 - math.sqrt(1.0 - p) if warmup else 1.0 - math.sqrt(p)


#: warmup_type / decay_type -> shape(progress, is_warmup, num_cycles): rising in warmup, falling in decay.
_SHAPES: dict[str, Callable[[float, bool, float], float]] = {
    "linear": _linear_shape,
    "cosine": _cosine_shape,
    "1-sqrt": _sqrt_shape,
}

#: name -> factory(optimizer, **params) -> LambdaLR. Names are transformers' ``lr_scheduler_type`` values.
PRESETS: dict[str, Callable[..., LambdaLR]] = {
    "constant": constant,
    "constant_with_warmup": constant_with_warmup,
    "linear": linear,
    "cosine": cosine,
    "cosine_with_restarts": cosine_with_restarts,
    "polynomial": polynomial,
    "inverse_sqrt": inverse_sqrt,
    "cosine_with_min_lr": cosine_with_min_lr,
    "cosine_warmup_with_min_lr": cosine_warmup_with_min_lr,
    "warmup_stable_decay": warmup_stable_decay,
}
