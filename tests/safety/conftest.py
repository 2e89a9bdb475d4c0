"""Fixtures of the safety tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.safety.safety_support import model_copy


@pytest.fixture
def decay(tmp_path: Path) -> Path:
    """A copy of the one-stock decay model in the test's own folder."""
    return model_copy(tmp_path)
