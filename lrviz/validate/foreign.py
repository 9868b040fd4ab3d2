"""Keys people carry over from other libraries, and where they go in an lrviz config.

A config written by someone who knows transformers' ``TrainingArguments``, timm's
``train.py``, torchvision's reference scripts or Lightning's ``lr_scheduler`` dict uses
those names. "Did you mean" cannot help there (``warmup_ratio`` looks like nothing
lrviz has), so an unknown key found in :data:`FOREIGN` is answered with what it is and
what to write instead. Data only: a new entry is one line.
"""

from __future__ import annotations

_HF = "a transformers TrainingArguments key"
_FROM_HF = (
    "or give the TrainingArguments file itself as the config (lrviz plot args.yaml; add --from hf if lrviz cannot tell)"
)
_TIMM = "a timm scheduler argument"
_FROM_TIMM = "name a timm scheduler (scheduler: timm.cosine, timm.step, ...) to use timm's own arguments"
_TV = "a torchvision references train.py argument"
_FROM_TV = "give the recipe file itself as the config (add --from torchvision if lrviz cannot tell)"
_LIGHTNING = "a Lightning lr_scheduler config key"

#: Unknown key -> what it is and what to write instead.
FOREIGN: dict[str, str] = {
    # transformers TrainingArguments
    "warmup_ratio": f"{_HF}: use num_warmup_steps, {_FROM_HF}",
    "warmup_steps": f"{_HF}: the presets call it num_warmup_steps, {_FROM_HF}",
    "lr_scheduler_type": f"{_HF}: write its value as scheduler: (the presets are its lower-case names), {_FROM_HF}",
    "lr_scheduler_kwargs": f"{_HF}: write its keys under params:, {_FROM_HF}",
    "learning_rate": f"{_HF}: use optimizer.lr, {_FROM_HF}",
    "num_train_epochs": f"{_HF}: use epochs (with steps_per_epoch), {_FROM_HF}",
    "max_steps": f"{_HF}: use steps (optimizer steps to simulate), {_FROM_HF}",
    "adam_beta1": f"{_HF}: use optimizer.betas: [beta1, beta2], {_FROM_HF}",
    "adam_beta2": f"{_HF}: use optimizer.betas: [beta1, beta2], {_FROM_HF}",
    "adam_epsilon": f"{_HF}: use optimizer.eps, {_FROM_HF}",
    "gradient_accumulation_steps": f"{_HF}: lrviz counts optimizer steps (give steps), {_FROM_HF}",
    # timm (train.py arguments and scheduler keywords)
    "sched": f"{_TIMM}: use scheduler: timm.<sched> (timm's own factory) or a torch class",
    "t_initial": f"{_TIMM}: {_FROM_TIMM}; for torch's CosineAnnealingLR the length is T_max",
    "warmup_t": f"{_TIMM}: {_FROM_TIMM}; with torch, warm up with SequentialLR and LinearLR",
    "warmup_epochs": f"{_TIMM}: {_FROM_TIMM}; with torch, warm up with SequentialLR and LinearLR",
    "warmup_lr": f"{_TIMM}: {_FROM_TIMM}; with torch, LinearLR's start_factor sets where warmup starts",
    "warmup_lr_init": f"{_TIMM}: {_FROM_TIMM}; with torch, LinearLR's start_factor sets where warmup starts",
    "cooldown_epochs": f"{_TIMM}: {_FROM_TIMM}",
    "decay_epochs": f"{_TIMM}: {_FROM_TIMM}; torch's StepLR calls it step_size",
    "decay_rate": f"{_TIMM}: {_FROM_TIMM}; torch's StepLR and ExponentialLR call it gamma",
    "cycle_mul": f"{_TIMM}: {_FROM_TIMM}; torch's CosineAnnealingWarmRestarts calls it T_mult",
    "cycle_limit": f"{_TIMM}: {_FROM_TIMM}",
    "lr_cycle_mul": f"{_TIMM}: {_FROM_TIMM}; torch's CosineAnnealingWarmRestarts calls it T_mult",
    "lr_k_decay": f"{_TIMM}: {_FROM_TIMM}",
    "min_lr": f"{_TIMM} (and of ReduceLROnPlateau): torch's cosine schedulers call the floor eta_min",
    # torchvision references (classification/train.py)
    "lr_warmup_epochs": f"{_TV}: warm up with SequentialLR of LinearLR, or {_FROM_TV}",
    "lr_warmup_method": f"{_TV}: warm up with SequentialLR of LinearLR or ConstantLR",
    "lr_warmup_decay": f"{_TV}: it is LinearLR's start_factor (or ConstantLR's factor)",
    "lr_step_size": f"{_TV}: StepLR calls it step_size",
    "lr_gamma": f"{_TV}: StepLR and ExponentialLR call it gamma",
    "lr_min": f"{_TV}: torch's cosine schedulers call it eta_min",
    # Lightning's lr_scheduler dict
    "monitor": f"{_LIGHTNING}: lrviz feeds ReduceLROnPlateau the schedule's metric: (values, an expr or a csv)",
    "frequency": f"{_LIGHTNING}: lrviz steps every optimizer step or every epoch (interval: step | epoch)",
}


def pointer(key: object) -> str:
    """': what it is, what to write instead' for a known foreign key, else ''."""
    return f": {FOREIGN[key]}" if isinstance(key, str) and key in FOREIGN else ""


def hint(key: str, choices: list[str] | tuple[str, ...]) -> str:
    """The pointer for a foreign key, else "did you mean" among ``choices``."""
    from lrviz.errors import did_you_mean

    return pointer(key) or did_you_mean(key, choices)
