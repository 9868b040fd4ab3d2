"""Optional test dependencies: import them, or say why not.

A test that compares with a framework (transformers, Lightning, TensorBoard, timm...)
imports it through :func:`optional_import`. Only ``ImportError`` means "not installed":
anything else a broken install raises propagates and fails the run loudly. Under CI
(the ``CI`` environment variable, set by .ci/run's callers and by GitHub), a missing
framework is an error too, since .ci/run installs every extra the tests use: there a
comparison never turns into a silent skip.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def optional_import(module: str, extra: str) -> tuple[ModuleType | None, str]:
    """``(module, "")`` when importable, else ``(None, reason)`` for a skip; raises under CI."""
    try:
        return importlib.import_module(module), ""
    except ImportError as exc:
        reason = (
            f"{module} is not importable ({type(exc).__name__}: {exc}); "
            f"install lrviz[{extra}] with -c constraints.txt to run this comparison"
        )
        if in_ci():
            raise ImportError(
                f"under CI every optional framework must be installed (.ci/run does it): {reason}"
            ) from exc
        return None, reason


def import_or_skip(module: str, extra: str) -> ModuleType:
    """:func:`optional_import` for a test (or, at module level, a whole file): the module, or a skip
    with the reason; under CI a missing module raises instead (pytest.importorskip would skip)."""
    found, reason = optional_import(module, extra)
    if found is None:
        import pytest

        pytest.skip(reason, allow_module_level=True)
    return found
