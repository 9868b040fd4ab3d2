"""What PyTorch's documentation does to draw its 15 scheduler images, as a script a reader can run.

PyTorch's docs build runs docs/source/scripts/build_lr_scheduler_images.py: import torch
and pyplot, then for each of the 15 schedulers of ``torch.optim.lr_scheduler`` reset the
lr of one SGD optimizer (a ``Linear(10, 1)`` model, lr 0.1), build the scheduler, step it
100 times recording ``param_groups[0]["lr"]`` before each step, then clear the one pyplot
figure, draw a dashed grid, the line, a title and axis labels, and save it as a PNG
(matplotlib's defaults: 6.4 x 4.8 in at 100 dpi). This file does the same work with the
same schedulers and parameters, in one process, one figure after another, as that script
does. ReduceLROnPlateau is stepped with a random "validation loss" there; here the
generator is seeded, so every run draws the same images.

benchmarks/run.py times it as a whole process beside ``lrviz gallery configs/torch``
(issue 28: the gallery of the 15 torch configs against a docs-style script).
Usage: python docs_images.py [OUT_DIR]   (default: ./lr_scheduler_images)
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import torch
from torch.optim import lr_scheduler as lrs

EPOCHS = 100
out = Path(sys.argv[1] if len(sys.argv) > 1 else "lr_scheduler_images")
out.mkdir(parents=True, exist_ok=True)
torch.manual_seed(0)

model = torch.nn.Linear(10, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

# As in the docs' script, the chained and sequential schedulers share two schedulers made
# once, up front, on the same optimizer.
constant = lrs.ConstantLR(optimizer, factor=0.1, total_iters=2)
exponential = lrs.ExponentialLR(optimizer, gamma=0.9)

makers = [
    lambda opt: lrs.LambdaLR(opt, lr_lambda=lambda epoch: 1 - epoch / EPOCHS),
    lambda opt: lrs.MultiplicativeLR(opt, lr_lambda=lambda epoch: 0.95),
    lambda opt: lrs.StepLR(opt, step_size=30, gamma=0.1),
    lambda opt: lrs.MultiStepLR(opt, milestones=[30, 80], gamma=0.1),
    lambda opt: lrs.ConstantLR(opt, factor=0.5, total_iters=4),
    lambda opt: lrs.LinearLR(opt, start_factor=0.5, total_iters=4),
    lambda opt: lrs.ExponentialLR(opt, gamma=0.95),
    lambda opt: lrs.PolynomialLR(opt, total_iters=4, power=1.0),
    lambda opt: lrs.CosineAnnealingLR(opt, T_max=EPOCHS),
    lambda opt: lrs.CosineAnnealingWarmRestarts(opt, T_0=20),
    lambda opt: lrs.CyclicLR(opt, base_lr=0.01, max_lr=0.1),
    lambda opt: lrs.OneCycleLR(opt, max_lr=0.01, epochs=EPOCHS, steps_per_epoch=10),
    lambda opt: lrs.ReduceLROnPlateau(opt, mode="min"),
    lambda opt: lrs.ChainedScheduler([constant, exponential]),
    lambda opt: lrs.SequentialLR(opt, schedulers=[constant, exponential], milestones=[2]),
]

for make in makers:
    plt.clf()
    plt.grid(color="k", alpha=0.2, linestyle="--")
    optimizer.param_groups[0]["lr"] = 0.1
    scheduler = make(optimizer)
    name = type(scheduler).__name__
    lr = []
    for _ in range(EPOCHS):
        lr.append(optimizer.param_groups[0]["lr"])
        if isinstance(scheduler, lrs.ReduceLROnPlateau):
            scheduler.step(torch.randn(1).item())
        else:
            scheduler.step()
    plt.plot(range(EPOCHS), lr)
    plt.title(f"Learning Rate: {name}")
    plt.xlabel("Epoch")
    plt.ylabel("Learning Rate")
    plt.xlim([0, EPOCHS])
    plt.savefig(out / f"{name}.png")
    print(f"Saved learning rate scheduler image for {name} at {out / f'{name}.png'}")
