"""`lrviz list`: what it says about a scheduler, read from torch, cleaned of its Sphinx markup."""

from __future__ import annotations

import inspect
import re

import pytest
from typer.testing import CliRunner

from lrviz.cli import app
from lrviz.registry.docs import description, per_group, plain, summary
from lrviz.registry.torch_classes import torch_schedulers

runner = CliRunner()
CLASSES = {name: info.make.cls for name, info in torch_schedulers().items()}


def test_there_are_classes():
    assert {"StepLR", "OneCycleLR", "LambdaLR", "CyclicLR"} <= set(CLASSES)


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_every_description_is_one_plain_paragraph(name):
    text = description(CLASSES[name].__doc__)
    assert text and "\n" not in text and "  " not in text
    for markup in ("``", ":math:", "`_", ".. ", ">>>", "xdoctest", "Args:", "Example", "\\"):
        assert markup not in text, (markup, text)
    assert text.startswith(summary(CLASSES[name].__doc__))


def torch_documents_a_list(cls: type) -> set[str]:
    """The Args entries whose documented type offers a list: ``max_lr (float or list): ...``."""
    doc = inspect.cleandoc(cls.__doc__ or "")
    return set(re.findall(r"^\s+(\w+) \([^)]*\bor list\b[^)]*\):", doc, flags=re.M))


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_per_group_is_what_torch_documents_as_a_list(name):
    """Read from torch's source; torch's own docs say the same ("float or list")."""
    documented = torch_documents_a_list(CLASSES[name])
    found = per_group(CLASSES[name])
    assert found is not None
    assert found == documented or found > documented, (found, documented)  # docs may be silent, never contrary


def test_the_documented_lists_are_found():
    assert {n for n in CLASSES if torch_documents_a_list(CLASSES[n])} >= {"OneCycleLR", "LambdaLR", "CyclicLR"}
    assert per_group(CLASSES["OneCycleLR"]) >= {"max_lr", "base_momentum", "max_momentum"}


def test_inline_markup_keeps_its_text():
    assert plain(r"the :math:`\eta_{max}` of `SGDR: Warm Restarts`_ and ``three_phase=True``") == (
        "the eta_{max} of SGDR: Warm Restarts and three_phase=True"
    )
    assert plain("see :class:`~torch.optim.Optimizer` and `a link <https://x.org>`_") == "see Optimizer and a link"


def test_lambdalr_is_described_by_what_it_does():
    assert summary(CLASSES["LambdaLR"].__doc__) == (
        "The learning rate of each parameter group is set to the initial lr times a given function."
    )


def test_list_name_is_case_blind_and_wraps_at_the_terminal():
    for columns in (60, 100):
        result = runner.invoke(app, ["list", "cycliclr"], env={"COLUMNS": str(columns)})
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith("CyclicLR ")
        assert max(len(line) for line in result.stdout.splitlines()) <= columns


def test_a_misspelt_torch_or_preset_name_is_told_without_importing_the_frameworks():
    """Did-you-mean looks only where the name could be (torch classes, presets; a framework's catalogue
    when the name carries its prefix): a typo must not import DeepSpeed, torchtune, MMEngine, Megatron."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from lrviz.errors import ConfigError\n"
        "from lrviz.registry import resolve\n"
        "for name in ('cosineannealinglr', 'CosineAnealingLR', 'cosin'):\n"
        "    try:\n"
        "        print(name, '->', resolve(name, key='scheduler').name)\n"
        "    except ConfigError as e:\n"
        "        print(name, '!', e)\n"
        "heavy = ('deepspeed', 'torchtune', 'mmengine', 'megatron')\n"
        "print('imported', sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert "cosineannealinglr -> CosineAnnealingLR" in out
    assert "did you mean CosineAnnealingLR" in out
    assert "imported []" in out, out


def test_a_miscased_framework_name_still_finds_its_framework(deepspeed_schedules):
    from lrviz.registry import resolve

    assert resolve("DS.warmupDecayLR", key="scheduler").name == "ds.WarmupDecayLR"
