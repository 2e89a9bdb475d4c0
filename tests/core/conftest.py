"""Fixtures for the core tests: a private translation cache and small test models."""

from __future__ import annotations

from pathlib import Path

import pytest
from core_support import DATA

from sdcluster.model.loaded import LoadedModel, load_model


@pytest.fixture(scope="session")
def town(cache_root: Path) -> LoadedModel:
    """A one-stock test model with two policy levers and a white-noise input."""
    return load_model(DATA / "core_town.mdl", cache_dir=cache_root)


@pytest.fixture(scope="session")
def kinds(cache_root: Path) -> LoadedModel:
    """A test model with every kind of variable and no 'Policy lever' docs."""
    return load_model(DATA / "core_kinds.mdl", cache_dir=cache_root)


@pytest.fixture(scope="session")
def cluster(cache_root: Path) -> LoadedModel:
    """The built-in innovation-cluster model."""
    return load_model(cache_dir=cache_root)
