"""The figure of `lrviz plot configs/seeds/001-steplr-100-epochs.yaml`, drawn by plain matplotlib code.

What a user writes in a notebook or a docs build instead of ``lrviz.plot``: torch's StepLR
example (lr 0.05, step_size=30, gamma=0.1, 100 epochs) stepped as a training loop steps
it, then a Figure of lrviz's size and dpi (7 x 4.2 in, 150 dpi) with a title, axis labels,
the lr held through each step (a step line), a legend, constrained layout, and savefig.
No pyplot (a warm process draws many figures). benchmarks/figure.py times ``draw()``
beside ``lrviz.plot`` in one warm process (issue 28). Usage: python plain_figure.py [OUT.png]
"""

from __future__ import annotations

import sys

import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from torch.optim.lr_scheduler import StepLR


def draw(path: str) -> None:
    model = torch.nn.Linear(10, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    scheduler = StepLR(optimizer, step_size=30, gamma=0.1)
    lrs = []
    for _epoch in range(100):
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    fig = Figure(figsize=(7, 4.2), dpi=150, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.plot(range(101), lrs + lrs[-1:], drawstyle="steps-post", label="StepLR")
    ax.set_xlabel("epoch")
    ax.set_ylabel("learning rate")
    ax.set_title("StepLR(step_size=30, gamma=0.1) over 100 epochs")
    ax.legend()
    fig.savefig(path, dpi=150)


if __name__ == "__main__":
    draw(sys.argv[1] if len(sys.argv) > 1 else "steplr.png")
