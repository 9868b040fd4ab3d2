"""The script a user writes instead of `lrviz plot configs/seeds/001-steplr-100-epochs.yaml`.

The example of torch's StepLR documentation (lr 0.05, step_size=30, gamma=0.1, 100
epochs), stepped as a training loop steps it, and drawn with pyplot. benchmarks/run.py
times it as a whole process beside lrviz (issue 17). Usage: python plot_steplr.py [OUT.png]
"""

import sys

import matplotlib.pyplot as plt
import torch
from torch.optim.lr_scheduler import StepLR

model = torch.nn.Linear(10, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
scheduler = StepLR(optimizer, step_size=30, gamma=0.1)

lrs = []
for _epoch in range(100):
    lrs.append(optimizer.param_groups[0]["lr"])
    optimizer.step()
    scheduler.step()

plt.plot(range(100), lrs)
plt.xlabel("epoch")
plt.ylabel("learning rate")
plt.title("StepLR(step_size=30, gamma=0.1)")
plt.savefig(sys.argv[1] if len(sys.argv) > 1 else "steplr.png", dpi=150)
