"""The panels under the learning rate: momentum, the plateau metric, and every other value that moved.

Each is a :class:`SubPanel` of lines sharing the lr's x axis, drawn in the colour and
line style of their schedule and group. Which panels a figure gets comes from the
recorded data only: momentum when a schedule changes it (``--momentum auto``; ``on``
and ``off`` force it), the metric fed to every ReduceLROnPlateau, a panel per other
param-group value a scheduler changed (``Trajectory.params``: weight decay, beta2...),
and on request the effective decay ``lr x weight_decay`` of decoupled weight decay.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lrviz.validate.plot import PlotOptions

if TYPE_CHECKING:
    import numpy as np

    from lrviz.render.series import Plan, Series
    from lrviz.simulate import Result

#: How some recorded names read on an axis (the rest read as they are), and when the panel is short.
NAMES = {"weight_decay": "weight decay", "betas[1]": "β₂", "betas[0]": "β₁"}
SHORT = {"weight_decay": "wd", "dampening": "damp."}


@dataclass
class PanelLine:
    series: Series
    values: np.ndarray
    at: np.ndarray | None = None  # step index of each value (a metric is fed every `every` steps); None: one per step


@dataclass
class SubPanel:
    key: str  # "momentum", "metric", a recorded name, "effective_decay"
    label: str  # the y label
    short: str  # the y label when the panel is too short for ``label``
    lines: list[PanelLine] = field(default_factory=list)

    @property
    def held(self) -> bool:
        """Values held through each optimizer step (drawn like the lr), not samples."""
        return self.key != "metric"


def momentum_label(result: Result) -> str:
    """'β₁' for Adam-like optimizers (their 'momentum' is betas[0]), else 'momentum'."""
    import inspect

    try:
        from lrviz.registry.torch_classes import torch_optimizers

        cls = torch_optimizers().get(result.config.optimizer.name)
        if cls is not None and "betas" in inspect.signature(cls.__init__).parameters:
            return "β₁"
    except Exception:  # a label is not worth failing a plot for
        pass
    return "momentum"


def sub_panels(result: Result, plan: Plan, opts: PlotOptions) -> list[SubPanel]:
    """The panels under the lr, in order: momentum, metric, recorded values, effective decay."""
    trajs = result.trajectories
    out: list[SubPanel] = []
    show_m = opts.momentum == "on" or (opts.momentum == "auto" and any(t.momentum_varies() for t in trajs))
    if show_m and any(s.momentum is not None for s in plan.series):
        label = momentum_label(result)
        # a grid cell gets the panel only where its momentum moves ("auto"); an overlay draws every
        # schedule's, flat ones too, on its one panel
        every = opts.momentum == "on" or opts.layout != "grid"
        moves = {i for i, t in enumerate(trajs) if every or t.momentum_varies()}
        lines = [PanelLine(s, s.momentum) for s in plan.series if s.momentum is not None and s.traj in moves]
        out.append(SubPanel("momentum", label, "β₁" if label == "β₁" else "mom.", lines))
    metric = _metric(result, plan)
    if metric.lines:
        out.append(metric)
    for name in dict.fromkeys(n for t in trajs for n in t.params):
        lines = [
            PanelLine(s, trajs[s.traj].params[name][:, s.group]) for s in plan.series if name in trajs[s.traj].params
        ]
        out.append(SubPanel(name, _param_label(name, result, lines), SHORT.get(name, NAMES.get(name, name)), lines))
    if opts.effective_decay:
        decay = _effective_decay(result, plan)
        if decay.lines:
            out.append(decay)
    return out


def _metric(result: Result, plan: Plan) -> SubPanel:
    """The metric each ReduceLROnPlateau was fed, at the end of the step it was fed after."""
    import numpy as np

    panel = SubPanel("metric", "metric fed", "metric")
    for s in plan.series:
        t = result.trajectories[s.traj]
        if t.metric is None or s.group != 0 or t.metric.size == 0:
            continue
        ends = (np.arange(t.metric.size) + 1) * t.every  # the step after the one it was fed at the end of
        panel.lines.append(PanelLine(s, t.metric, ends if plan.held else ends - 1))
    return panel


def _param_label(name: str, result: Result, lines: list[PanelLine]) -> str:
    label = NAMES.get(name, name)
    if name != "weight_decay":
        return label
    decoupled = {result.trajectories[ln.series.traj].decoupled_decay for ln in lines}
    if decoupled == {True}:
        return f"{label} (decoupled)"
    return f"{label} (L2)" if decoupled == {False} else label


def _effective_decay(result: Result, plan: Plan) -> SubPanel:
    """lr x weight_decay, the fraction of each weight a decoupled decay removes per step."""
    import numpy as np

    panel = SubPanel("effective_decay", "lr × weight decay", "lr·wd")
    for s in plan.series:
        t = result.trajectories[s.traj]
        if not t.decoupled_decay:
            continue
        if "weight_decay" in t.params:
            wd = t.params["weight_decay"][:, s.group]
        else:
            wd = np.float64(t.initial.get("weight_decay", [0.0] * len(t.groups))[s.group])
        if np.any(wd != 0):
            panel.lines.append(PanelLine(s, s.lr * wd))
    return panel


def effective_decay_note(result: Result, opts: PlotOptions) -> str | None:
    """Why ``effective_decay`` draws nothing for some schedules, in one line (None when it draws them all)."""
    if not opts.effective_decay:
        return None
    coupled = [t.label for t in result.trajectories if not t.decoupled_decay]
    if not coupled:
        return None
    return (
        f"{', '.join(repr(c) for c in coupled)}: {result.config.optimizer.name} adds weight decay to the gradient "
        "(L2), so lr × weight decay is not what it removes per step; the effective decay is drawn for decoupled "
        "weight decay only (AdamW, or decoupled_weight_decay: true)"
    )
