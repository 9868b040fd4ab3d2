# The schedule part of a nanoGPT-style train.py: settings at module level and a get_lr(it) that the
# training loop calls at every iteration (lr = get_lr(iter_num), written into every param group).
# lrviz: --from function
# lrviz reads the settings with ast and calls get_lr itself, which runs this file: only with --trust.
import math

# adamw optimizer
learning_rate = 1e-3  # max learning rate
max_iters = 8000  # total number of training iterations
weight_decay = 1e-1
beta1 = 0.9
beta2 = 0.99
# learning rate decay settings
decay_lr = True  # whether to decay the learning rate
warmup_iters = 300  # how many steps to warm up for
lr_decay_iters = 7000  # should be ~= max_iters
min_lr = 1e-4  # minimum learning rate, ~= learning_rate/10


def get_lr(it):
    """Linear warmup, cosine decay to min_lr at lr_decay_iters, then min_lr."""
    if it < warmup_iters:  # linear warmup for warmup_iters steps
        return learning_rate * (it + 1) / (warmup_iters + 1)
    if it > lr_decay_iters:  # after the decay, the minimum
        return min_lr
    ratio = (it - warmup_iters) / (lr_decay_iters - warmup_iters)
    coeff = 0.5 * (1.0 + math.cos(math.pi * ratio))  # from 1 down to 0
    return min_lr + coeff * (learning_rate - min_lr)
