"""Framework sources: read the config a framework trains from, get the schedule it will run.

People keep their schedules in the config of the framework that trains: a Hugging Face
``TrainingArguments`` file, timm's ``args.yaml``, a torchvision classification recipe.
This package reads those files (as data: nothing in them is imported or run), does
the step arithmetic the framework would do (examples, batch x accumulation x world
size, updates per epoch, epochs, total optimizer steps, warmup), and returns a
:class:`Plan`: the equivalent lrviz config (a dict in lrviz's YAML format) plus every
number of the arithmetic with the rule that produced it.

>>> from lrviz.sources import plan
>>> p = plan({"sched": "step", "epochs": 4, "decay_epochs": 2, "warmup_epochs": 0})  # doctest: +SKIP
>>> p.kind, p.config["schedules"][0]["scheduler"]  # doctest: +SKIP
('timm', 'timm.step')

:func:`load_source` is the one function that turns any file into a validated config
(an lrviz config, or a framework file through :func:`plan`); the CLI, the gallery and
the Python API all read paths through it (:mod:`~lrviz.sources.load`).

One module per framework (:mod:`~lrviz.sources.hf`, :mod:`~lrviz.sources.timm`,
:mod:`~lrviz.sources.torchvision`), all with the same ``plan(data, *, dataset_size,
world_size, source) -> Plan``, found through :data:`PLANNERS`; the schedulers the
frameworks build themselves live in :mod:`~lrviz.registry.frameworks`.
"""

from lrviz.sources.files import KINDS, NAMES, detect, read_mapping
from lrviz.sources.load import Loaded, load_source
from lrviz.sources.plan import Plan, Row
from lrviz.sources.planning import PLANNERS, plan

__all__ = ["KINDS", "NAMES", "PLANNERS", "Loaded", "Plan", "Row", "detect", "load_source", "plan", "read_mapping"]
