"""The guard for optional frameworks (tests/optional.py) skips only what is not installed."""

from __future__ import annotations

import sys

import pytest

from tests.optional import import_or_skip, optional_import


def test_a_missing_module_is_a_skip_reason_outside_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    module, reason = optional_import("lrviz_no_such_framework", "hf")
    assert module is None
    assert "lrviz_no_such_framework is not importable (ModuleNotFoundError" in reason and "lrviz[hf]" in reason


@pytest.mark.parametrize("value", ["true", "1"])
def test_a_missing_module_fails_under_ci(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    with pytest.raises(ImportError, match="under CI every optional framework must be installed"):
        optional_import("lrviz_no_such_framework", "hf")


def test_a_broken_install_is_not_a_skip(monkeypatch, tmp_path):
    """A framework that is installed but fails while importing (anything but ImportError) fails loudly."""
    (tmp_path / "lrviz_broken_framework.py").write_text(
        "raise RuntimeError('operator torchvision::nms does not exist')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(RuntimeError, match="nms"):
        optional_import("lrviz_broken_framework", "timm")
    sys.modules.pop("lrviz_broken_framework", None)


def test_an_installed_module_is_returned(monkeypatch):
    monkeypatch.setenv("CI", "true")
    module, reason = optional_import("json", "none")
    assert module is sys.modules["json"] and reason == ""


def test_import_or_skip_skips_outside_ci_and_raises_under_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="lrviz_no_such_framework is not importable"):
        import_or_skip("lrviz_no_such_framework", "tensorboard")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(ImportError, match="under CI every optional framework must be installed"):
        import_or_skip("lrviz_no_such_framework", "tensorboard")
    assert import_or_skip("json", "none") is sys.modules["json"]
