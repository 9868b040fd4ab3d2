"""Drive schedulers that are not torch ``LRScheduler`` objects, timm-style.

lrviz steps every scheduler the same way: ``scheduler.step()`` once per scheduler
step (``step(metric)`` when the schedule has a metric). torch schedulers count their
own steps; timm's schedulers (and many home-grown ones) do not: they are told the
time. timm's training loop calls ``step_update(num_updates=n)`` after every optimizer
update and ``step(epoch=e)`` after every epoch, and the scheduler writes the lr into
the optimizer's param groups itself. Which of the two moves the lr depends on the
scheduler's ``t_in_epochs`` flag.

:class:`StepAdapter` keeps the count and makes the call a training loop would make.
After the k-th scheduler step (k = 1, 2, ...):

* the object has ``step_update`` and ``t_in_epochs`` is false (timm with
  ``t_in_epochs=False``): ``step_update(num_updates=k)``. Use ``interval: step``.
* otherwise, if ``step`` takes an argument (timm's ``step(epoch, metric=None)``):
  ``step(k)``, k being the epoch just finished, as timm's ``train.py`` does. timm's
  default ``t_in_epochs=True`` means per-epoch time, so use ``interval: epoch`` (with
  ``steps_per_epoch``) to see the curve a timm run has.
* otherwise ``step()``.

With ``updates_per_epoch`` given, each call is one optimizer update of timm's own
training loop, and the adapter makes both of its calls: ``step_update(num_updates=k,
metric=...)`` after every update, then ``step(k // updates_per_epoch, metric)`` when k
ends an epoch (``train_one_epoch`` and ``main`` in timm's ``train.py``). The scheduler's
``t_in_epochs`` decides which of the two moves the lr, as in a real run. This is how
:mod:`lrviz.registry.frameworks` drives ``timm.<sched>`` schedules; use ``interval: step``.

With a metric, it is passed as ``metric=`` to whichever method is called. The lr at
step 0 is whatever the object set when it was built (timm writes its warmup start lr
then). lrviz reads the lr from the optimizer's param groups, as for every scheduler,
so the adapter has no lr logic of its own. ``state_dict()`` holds the wrapped
object's state (when it has one) and the call count, so a resumed run continues at the
right epoch; other attributes pass through to the wrapped object.
"""

from __future__ import annotations

import inspect
from typing import Any

from lrviz.errors import ConfigError
from lrviz.registry.signature import takes_positional


def is_torch_scheduler(obj: Any) -> bool:
    from torch.optim import lr_scheduler as L

    return isinstance(obj, (L.LRScheduler, L.ReduceLROnPlateau))


def _takes_keyword(method: Any, name: str) -> bool:
    try:
        sig = inspect.signature(method)
    except (TypeError, ValueError):
        return True
    return any(p.name == name or p.kind is p.VAR_KEYWORD for p in sig.parameters.values())


class StepAdapter:
    """Give a timm-style scheduler the ``step()`` / ``step(metric)`` lrviz calls.

    >>> import torch
    >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    >>> class Halve:  # told the epoch, timm-style; writes the lr itself
    ...     def __init__(self, optimizer):
    ...         self.optimizer = optimizer
    ...     def step(self, epoch, metric=None):
    ...         for g in self.optimizer.param_groups:
    ...             g["lr"] = 0.1 * 0.5 ** epoch
    >>> sched = StepAdapter(Halve(opt), opt)
    >>> sched.step(); sched.step(); opt.param_groups[0]["lr"]
    0.025
    """

    def __init__(self, scheduler: Any, optimizer: Any, *, updates_per_epoch: int | None = None):
        self.scheduler = scheduler
        self.optimizer = optimizer
        self.count = 0
        self.updates_per_epoch = updates_per_epoch
        on_updates = hasattr(scheduler, "step_update") and not getattr(scheduler, "t_in_epochs", True)
        self.method = scheduler.step_update if on_updates else scheduler.step
        self._epoch_end = scheduler.step  # train.py mode: step(epoch) when an epoch of updates ends
        self.mode = "step_update" if on_updates else ("step(epoch)" if takes_positional(scheduler.step) else "step()")
        if updates_per_epoch is not None:
            if isinstance(updates_per_epoch, bool) or not isinstance(updates_per_epoch, int) or updates_per_epoch < 1:
                raise ValueError(f"updates_per_epoch must be a whole number >= 1, got {updates_per_epoch!r}")
            self.mode = "train.py"
        self._metric_kw = _takes_keyword(self.method, "metric")

    def step(self, metric: Any = None) -> None:
        self.count += 1
        per_epoch = self.updates_per_epoch
        if per_epoch is not None:  # timm train.py: step_update after every update, step(epoch) at epoch ends
            self.scheduler.step_update(num_updates=self.count, metric=metric)
            if self.count % per_epoch == 0:
                self._epoch_end(self.count // per_epoch, metric)
            return
        kwargs = {"metric": metric} if metric is not None and self._metric_kw else {}
        if self.mode == "step_update":
            self.method(num_updates=self.count, **kwargs)
        elif self.mode == "step(epoch)":
            self.method(self.count, **kwargs)
        else:
            self.method(**kwargs)

    def get_last_lr(self) -> list[float]:
        return [g["lr"] for g in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """The wrapped object's state plus the call count (what timm's loop keeps as its epoch)."""
        inner = self.scheduler.state_dict() if hasattr(self.scheduler, "state_dict") else {}
        return {"adapter_calls": self.count, "scheduler": inner}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.count = int(state["adapter_calls"])
        if hasattr(self.scheduler, "load_state_dict"):
            self.scheduler.load_state_dict(state["scheduler"])

    def __getattr__(self, name: str) -> Any:  # state_dict, load_state_dict, ...
        if name == "scheduler":  # not set yet (unpickling): avoid recursion
            raise AttributeError(name)
        return getattr(self.scheduler, name)

    def __repr__(self) -> str:
        return f"StepAdapter({type(self.scheduler).__name__}, calls {self.mode})"


def adapt(obj: Any, optimizer: Any, *, name: str, key: str | None) -> Any:
    """Return ``obj`` if torch can step it, a :class:`StepAdapter` if it is timm-style."""
    if is_torch_scheduler(obj) or isinstance(obj, StepAdapter):  # an adapter already (timm.<sched>)
        return obj
    if callable(getattr(obj, "step", None)):
        return StepAdapter(obj, optimizer)
    raise ConfigError(
        f"{name} returned {type(obj).__name__}, which is not a scheduler: expected a torch LRScheduler or an "
        "object with step() (timm-style step(epoch) / step_update(num_updates))",
        key=key,
    )
