"""The script a user writes instead of `lrviz show configs/seeds/001-steplr-100-epochs.yaml`.

plot_steplr.py without matplotlib: the same loop, each epoch's lr printed.
benchmarks/run.py times it as a whole process beside lrviz (issue 17).
"""

import torch
from torch.optim.lr_scheduler import StepLR

model = torch.nn.Linear(10, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
scheduler = StepLR(optimizer, step_size=30, gamma=0.1)

for epoch in range(100):
    print(epoch, optimizer.param_groups[0]["lr"])
    optimizer.step()
    scheduler.step()
