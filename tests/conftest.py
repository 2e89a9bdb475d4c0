"""Fixtures shared by every test folder: a private translation cache and the test models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def cache_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One translation cache for the session, never the user's ~/.cache."""
    return tmp_path_factory.mktemp("sdcluster-cache")


@pytest.fixture(autouse=True)
def _private_cache(cache_root: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SDCLUSTER_CACHE", str(cache_root))
    yield


@pytest.fixture(scope="session")
def noise_model() -> Path:
    """A one-stock model with a lookup, pink noise from the white-noise input, two levers."""
    return DATA / "ensemble_noise.mdl"


@pytest.fixture(scope="session")
def noise2_model() -> Path:
    """Two pink-noise stocks, each from its own white-noise input, driving entry and exit."""
    return DATA / "ensemble_noise2.mdl"


@pytest.fixture(scope="session")
def fallback_model() -> Path:
    """The same model with a DELAY FIXED, which only PySD runs."""
    return DATA / "ensemble_fallback.mdl"


@pytest.fixture(scope="session")
def linear_model() -> Path:
    """response = x1 + 2 x2 + 3 x3 with x_i in [0, 1]: known Sobol' indices."""
    return DATA / "ensemble_linear.mdl"
